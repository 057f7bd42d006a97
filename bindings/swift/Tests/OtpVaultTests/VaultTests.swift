import Foundation
import OtpVault
import XCTest

private let rfcUri = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8"

/// A full vault scenario from Swift: a Swift clock, device key and biometric key, Swift concurrency,
/// lockout, throwing callbacks, threads.
final class VaultTests: XCTestCase {
    func testGroupsNotesIconsAndFavourites() async throws {
        let vault = try await makeVault(tempPath(), ManualClock())
        let id = try vault.addUri(uri: rfcUri).id
        XCTAssertEqual(try vault.setGroups(id: id, groups: ["Work", " work", "Bank"]).groups, ["Work", "Bank"])
        XCTAssertEqual(try vault.setNote(id: id, note: "PUK in the drawer").note, "PUK in the drawer")
        XCTAssertTrue(try vault.setFavourite(id: id, favourite: true).favourite)
        let png = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) + Data(count: 16)
        XCTAssertEqual(try vault.setIcon(id: id, icon: png).icon, .png)
        let icon = try XCTUnwrap(try vault.icon(id: id))
        XCTAssertEqual(icon.kind, .png)
        XCTAssertEqual(icon.bytes, png)
        XCTAssertThrowsError(try vault.setIcon(id: id, icon: Data("GIF89a".utf8))) {
            guard case OtpError.InvalidDetails = $0 else { return XCTFail("\($0)") }
        }
        let listed = try vault.list()[0]
        XCTAssertEqual(listed.groups, ["Work", "Bank"])
        XCTAssertTrue(listed.favourite)
        XCTAssertEqual(listed.note, "PUK in the drawer")
        _ = try vault.setIcon(id: id, icon: nil)
        XCTAssertNil(try vault.icon(id: id))
    }

    func testCreateAddCodesAndReopen() async throws {
        let path = tempPath()
        let clock = ManualClock()
        let vault = try await OtpVault.create(path: path, pin: pin, policy: .fiveMinutes,
                                              options: CreateOptions(kdfIterations: kdf), clock: clock)
        let info = try vault.addUri(uri: rfcUri)
        XCTAssertEqual(info.issuer, "ACME Co")
        XCTAssertEqual(try vault.code(id: info.id, unixTime: 59).value, "94287082")
        let typed = try vault.addTyped(secret: "jbsw y3dp ehpk 3pxp",
                                       params: TokenParams(issuer: "GitHub", account: "octo", algorithm: .sha256, kind: .totp(period: 60)))
        XCTAssertTrue(typed.weakSecret)
        XCTAssertEqual(typed.digits, 6)
        XCTAssertEqual(try vault.entries(unixTime: 59).map { $0.info.id }, [info.id, typed.id])
        let again = try OtpVault.open(path: path, clock: clock)
        XCTAssertThrowsError(try again.codes(unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        let unlocked = try await again.unlock(pin: pin)
        XCTAssertEqual(unlocked.sessionSeconds, 300)
        // The main screen: codes aligned with list(), each period's step once.
        let sheet = try again.codes(unixTime: 59)
        XCTAssertEqual(try again.list().map { $0.id }, [info.id, typed.id])
        XCTAssertEqual(sheet.values.count, 2)
        XCTAssertEqual(sheet.values[0], "94287082")
        XCTAssertEqual(sheet.periods.map { $0.period }, [30, 60])
        XCTAssertEqual(sheet.periods.map { $0.secondsLeft }, [1, 1])
        XCTAssertEqual(try again.codes(unixTime: 60).revision, sheet.revision)
        try again.remove(id: typed.id)
        XCTAssertNotEqual(try again.codes(unixTime: 60).revision, sheet.revision, "the list changed")
    }

    /// On the main actor (one serial executor, like an app's UI thread).
    @MainActor
    func testUnlockRunsOffTheMainActorWhileOtherCallsProceed() async throws {
        let path = tempPath()
        let clock = ManualClock()
        let device = TestDeviceKey()
        _ = try await makeVault(path, clock, deviceKey: device)
        let gate = GatedDeviceKey(device)
        let vault = try OtpVault.open(path: path, deviceKey: gate, clock: clock)
        let unlocking = Task { @MainActor in try await vault.unlock(pin: pin) }
        // The unlock is now waiting in the device key, on the library's thread; the main actor is free.
        while !gate.hasEntered { try await Task.sleep(nanoseconds: 1_000_000) }
        XCTAssertFalse(vault.status().unlocked, "a call proceeds while the unlock is in flight")
        // Swift runs nonisolated async code on its cooperative pool, which must not be blocked
        // either: the work runs on the library's own thread.
        XCTAssertEqual(gate.threadName, "otpvault-kdf")
        gate.release.signal()
        let info = try await unlocking.value
        XCTAssertEqual(info.sessionSeconds, 300)
        XCTAssertTrue(vault.status().unlocked)
    }

    func testFiveAndTenMinuteSessionsFollowTheSwiftClock() async throws {
        for (policy, seconds) in [(UnlockPolicy.fiveMinutes, UInt64(300)), (.tenMinutes, 600)] {
            let clock = ManualClock()
            let vault = try await makeVault(tempPath(), clock, policy: policy)
            let id = try vault.addUri(uri: rfcUri).id
            vault.lock()
            XCTAssertThrowsError(try vault.code(id: id, unixTime: 59))
            _ = try await vault.unlock(pin: pin)
            clock.advance(seconds - 1)
            XCTAssertEqual(try vault.code(id: id, unixTime: 59).value, "94287082")
            clock.advance(2)
            XCTAssertThrowsError(try vault.code(id: id, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
            XCTAssertFalse(vault.status().unlocked)
        }
    }

    func testEveryCodePolicyServesOneCallPerUnlock() async throws {
        let vault = try await makeVault(tempPath(), ManualClock(), policy: .everyCode)
        XCTAssertThrowsError(try vault.addUri(uri: rfcUri)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        let info = try await vault.unlock(pin: pin)
        XCTAssertNil(info.sessionSeconds)
        let id = try vault.addUri(uri: rfcUri).id
        XCTAssertThrowsError(try vault.code(id: id, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        _ = try await vault.unlock(pin: pin)
        XCTAssertEqual(try vault.code(id: id, unixTime: 59).value, "94287082")
        XCTAssertFalse(vault.status().unlocked)
        XCTAssertThrowsError(try vault.code(id: id, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
    }

    func testWrongPinsUpToTheLockout() async throws {
        let path = tempPath()
        let clock = ManualClock()
        _ = try await makeVault(path, clock)
        let vault = try OtpVault.open(path: path, clock: clock)
        for left: UInt32 in [4, 3, 2, 1, 0] {
            await assertThrowsAsync(.WrongPin(attemptsBeforeDelay: left)) { try await vault.unlock(pin: wrongPin) }
        }
        await assertThrowsAsync(.LockedOut(secondsLeft: 60)) { try await vault.unlock(pin: pin) }
        clock.advance(60)
        _ = try await vault.unlock(pin: pin)
        XCTAssertEqual(vault.status().failedAttempts, 0)
        await assertThrowsAsync(.InvalidPin) { try await vault.unlock(pin: "12") }
        await assertThrowsAsync(.WeakPin) { try await vault.changePin(oldPin: pin, newPin: "12345") }
    }

    @MainActor
    func testQuickUnlockWithASwiftBiometricKey() async throws {
        let vault = try await makeVault(tempPath(), ManualClock())
        let id = try vault.addUri(uri: rfcUri).id
        let biometric = TestBiometricKey()
        await assertThrowsAsync(.QuickUnlockNotSet) { try await vault.quickUnlock(protector: biometric) }
        await assertThrowsAsync({ try await vault.enableQuickUnlock(pin: wrongPin, protector: biometric) }) {
            guard case OtpError.WrongPin = $0 else { return XCTFail("\($0)") }
        }
        try await vault.enableQuickUnlock(pin: pin, protector: biometric)
        XCTAssertTrue(vault.status().quickUnlock)
        vault.lock()
        // Success: the prompt ran on the library's thread, not the main one.
        let info = try await vault.quickUnlock(protector: biometric)
        XCTAssertEqual(info.sessionSeconds, 300)
        XCTAssertFalse(biometric.promptOnMainThread)
        XCTAssertEqual(try vault.code(id: id, unixTime: 59).value, "94287082")
        vault.lock()
        // Cancelled: its own error, no PIN attempt counted, the slot kept.
        biometric.outcome = .Cancelled
        await assertThrowsAsync(.QuickUnlockCancelled) { try await vault.quickUnlock(protector: biometric) }
        XCTAssertEqual(vault.status().failedAttempts, 0)
        XCTAssertTrue(vault.status().quickUnlock)
        // Invalidated (new fingerprint enrolled): the slot goes, the PIN still opens.
        biometric.outcome = .KeyInvalidated
        await assertThrowsAsync(.QuickUnlockInvalidated) { try await vault.quickUnlock(protector: biometric) }
        XCTAssertFalse(vault.status().quickUnlock)
        XCTAssertEqual(biometric.deletions, 1, "the app is told to delete the invalidated key")
        let prompts = biometric.prompts
        await assertThrowsAsync(.QuickUnlockNotSet) { try await vault.quickUnlock(protector: biometric) }
        XCTAssertEqual(biometric.prompts, prompts, "no prompt without a slot")
        _ = try await vault.unlock(pin: pin)
        XCTAssertEqual(try vault.code(id: id, unixTime: 59).value, "94287082")
        // Disabling removes the slot and calls back to delete the platform key.
        try await vault.enableQuickUnlock(pin: pin, protector: biometric)
        try await vault.disableQuickUnlock(protector: biometric)
        XCTAssertEqual(biometric.deletions, 2)
        XCTAssertFalse(vault.status().quickUnlock)
    }

    func testQuickUnlockStandsInForTheEveryCodePinOnlyWhenAllowed() async throws {
        let vault = try await makeVault(tempPath(), ManualClock(), policy: .everyCode)
        _ = try await vault.unlock(pin: pin)
        let id = try vault.addUri(uri: rfcUri).id
        let biometric = TestBiometricKey()
        try await vault.enableQuickUnlock(pin: pin, protector: biometric)
        await assertThrowsAsync(.QuickUnlockNotAllowed) { try await vault.quickUnlock(protector: biometric) }
        try await vault.enableQuickUnlock(pin: pin, protector: biometric, allowEveryCode: true)
        _ = try await vault.quickUnlock(protector: biometric)
        XCTAssertEqual(try vault.code(id: id, unixTime: 59).value, "94287082")
        XCTAssertThrowsError(try vault.code(id: id, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        try await vault.changePin(oldPin: pin, newPin: "97531")
        XCTAssertFalse(vault.status().quickUnlock, "a PIN change removes quick unlock")
    }

    func testSwiftDeviceKey() async throws {
        let path = tempPath()
        let clock = ManualClock()
        let device = TestDeviceKey()
        let vault = try await makeVault(path, clock, deviceKey: device)
        let id = try vault.addUri(uri: rfcUri).id
        XCTAssertTrue(vault.status().deviceBound)
        await assertThrowsAsync(.DeviceKeyRequired) { try await OtpVault.open(path: path, clock: clock).unlock(pin: pin) }
        // Another device's key: the protector reports KeyInvalidated, which arrives as its own case.
        await assertThrowsAsync(.DeviceKeyInvalidated) {
            try await OtpVault.open(path: path, deviceKey: TestDeviceKey(), clock: clock).unlock(pin: pin)
        }
        let right = try OtpVault.open(path: path, deviceKey: device, clock: clock)
        _ = try await right.unlock(pin: pin)
        XCTAssertEqual(try right.code(id: id, unixTime: 59).value, "94287082")
    }

    func testACallbackThatThrowsBecomesACleanError() async throws {
        let path = tempPath()
        let clock = ManualClock()
        let device = TestDeviceKey()
        _ = try await makeVault(path, clock, deviceKey: device)
        func opened(_ failure: Error) throws -> OtpVault {
            try OtpVault.open(path: path, deviceKey: TestDeviceKey(key: device.key, failWith: failure), clock: clock)
        }
        let crashing = try opened(KeystoreCrash())
        await assertThrowsAsync({ try await crashing.unlock(pin: pin) }) {
            guard case OtpError.DeviceKeyFailed = $0 else { return XCTFail("\($0)") }
        }
        let declared = try opened(ProtectorFailure.Failed(reason: "user not authenticated"))
        await assertThrowsAsync({ try await declared.unlock(pin: pin) }) {
            guard case OtpError.DeviceKeyFailed(let reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("user not authenticated"), reason)
        }
        // Each report of the platform reaches the caller as its own case, costing no PIN attempt.
        let cancelled = try opened(ProtectorFailure.Cancelled)
        await assertThrowsAsync(.DeviceKeyCancelled) { try await cancelled.unlock(pin: pin) }
        let unavailable = try opened(ProtectorFailure.Unavailable(reason: "device locked"))
        await assertThrowsAsync(.DeviceKeyUnavailable(reason: "device locked")) { try await unavailable.unlock(pin: pin) }
        XCTAssertEqual(declared.status().failedAttempts, 0)
    }

    func testLockWipesAccessAndHotpAdvances() async throws {
        let vault = try await makeVault(tempPath(), ManualClock())
        let hotp = try vault.addUri(uri: "otpauth://hotp/Y:k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0").id
        XCTAssertEqual(try (1...3).map { _ in try vault.nextHotp(id: hotp).value }, ["755224", "287082", "359152"])
        XCTAssertThrowsError(try vault.code(id: hotp, unixTime: t0)) { XCTAssertEqual($0 as? OtpError, .NotTimeBased) }
        vault.lock()
        XCTAssertThrowsError(try vault.list()) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        _ = try await vault.unlock(pin: pin)
        XCTAssertEqual(try vault.nextHotp(id: hotp).value, "969429")
    }

    func testTimeOffsetAndExport() async throws {
        let vault = try await makeVault(tempPath(), ManualClock())
        let id = try vault.addUri(uri: rfcUri).id
        try vault.setTimeOffset(seconds: 1_111_111_109 - 59)
        XCTAssertEqual(try vault.code(id: id, unixTime: 59).value, "07081804")
        let uris = try await vault.exportUris(pin: pin)
        XCTAssertTrue(uris[0].hasPrefix("otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        await assertThrowsAsync({ try await vault.exportUris(pin: wrongPin) })
    }

    func testSeveralThreadsShareOneVault() async throws {
        let vault = try await makeVault(tempPath(), ManualClock(), policy: .tenMinutes)
        let base = try vault.addUri(uri: rfcUri).id
        let failures = NSLock()
        nonisolated(unsafe) var errors: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 4) { n in
            do {
                for i in 0..<20 {
                    // A distinct secret per token: the same one twice is refused as a duplicate.
                    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                    let k = n * 20 + i
                    let secret = "JBSWY3DPEHPK3P" + String(alphabet[k / 32]) + String(alphabet[k % 32])
                    _ = try vault.addTyped(secret: secret,
                                           params: TokenParams(issuer: "thread", account: "\(n)-\(i)", algorithm: .sha1, kind: .totp(period: 30)))
                    XCTAssertEqual(try vault.code(id: base, unixTime: 59).value, "94287082")
                    _ = try vault.codes(unixTime: t0)
                }
            } catch {
                failures.lock(); errors.append(error); failures.unlock()
            }
        }
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(try vault.list().count, 81)
    }

    func testBadInputsAreTypedErrors() async throws {
        let path = tempPath()
        let clock = ManualClock()
        let vault = try await makeVault(path, clock)
        XCTAssertThrowsError(try vault.addUri(uri: "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12")) {
            guard case OtpError.InvalidUri(let kind, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(kind, .invalidDigits)
        }
        XCTAssertThrowsError(try vault.addUri(uri: "otpauth://totp/a?secret=JBSW1Y3DP")) {
            guard case OtpError.InvalidSecret(let kind, let position, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(kind, .invalidCharacter)
            XCTAssertEqual(position, 5)
        }
        XCTAssertThrowsError(try vault.remove(id: 42)) { XCTAssertEqual($0 as? OtpError, .NotFound) }
        await assertThrowsAsync(.AlreadyExists) { try await makeVault(path, clock) }
        await assertThrowsAsync(.KdfTooWeak(iterations: 1000, minimum: 600_000)) {
            try await OtpVault.create(path: tempPath(), pin: pin, policy: .fiveMinutes,
                                      options: CreateOptions(kdfIterations: 1000), clock: clock)
        }
        XCTAssertThrowsError(try OtpVault.open(path: tempPath("missing.db"), clock: clock)) {
            XCTAssertEqual($0 as? OtpError, .NoVault)
        }
        let notes = tempPath("notes.txt")
        try "not a database".write(toFile: notes, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OtpVault.open(path: notes, clock: clock)) { XCTAssertEqual($0 as? OtpError, .NotAVault) }
        // The period check lives in the core; the facade forwards it.
        XCTAssertThrowsError(try totpCode(secret: Data(count: 20), algorithm: .sha1, digits: 6, period: 0, unixTime: t0)) {
            guard case OtpError.InvalidUri(let kind, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(kind, .invalidPeriod)
        }
    }

    func testANewerVaultSaysWhichVersions() async throws {
        let path = tempPath()
        let clock = ManualClock()
        _ = try await makeVault(path, clock)
        try setUserVersion(path, 99)
        XCTAssertThrowsError(try OtpVault.open(path: path, clock: clock)) {
            guard case OtpError.NewerSchema(let found, let supported) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(found, 99)
            XCTAssertTrue((1...98).contains(supported))
        }
    }
}
