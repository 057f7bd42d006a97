import Foundation
import OtpVault
import XCTest

private let rfcUri = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8"

/// A full vault scenario from Swift: a Swift clock and device key, lockout, throwing callbacks, threads.
final class VaultTests: XCTestCase {
    func testCreateAddCodesAndReopen() throws {
        let path = tempPath()
        let clock = ManualClock()
        let vault = try makeVault(path, clock)
        let info = try vault.addUri(pin: nil, uri: rfcUri)
        XCTAssertEqual(info.spec.issuer, "ACME Co")
        XCTAssertEqual(try vault.code(pin: nil, id: info.id, unixTime: 59).value, "94287082")
        let typed = try vault.addTyped(pin: nil, secret: "jbsw y3dp ehpk 3pxp",
                                       spec: TokenSpec(issuer: "GitHub", account: "octo", algorithm: .sha256, digits: 6, kind: .totp(period: 60)))
        XCTAssertTrue(typed.weakSecret)
        XCTAssertEqual(try vault.entries(pin: nil, unixTime: 59).map { $0.info.id }, [info.id, typed.id])
        let again = try OtpVault.open(path: path, deviceKey: nil, clock: clock)
        XCTAssertThrowsError(try again.codes(pin: nil, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        XCTAssertEqual(try again.unlock(pin: pin).sessionSeconds, 300)
        XCTAssertEqual(try again.codes(pin: nil, unixTime: 59).first?.code.value, "94287082")
    }

    func testFiveAndTenMinuteSessionsFollowTheSwiftClock() throws {
        for (policy, seconds) in [(UnlockPolicy.fiveMinutes, UInt64(300)), (.tenMinutes, 600)] {
            let clock = ManualClock()
            let vault = try makeVault(tempPath(), clock, policy: policy)
            let id = try vault.addUri(pin: nil, uri: rfcUri).id
            vault.lock()
            XCTAssertThrowsError(try vault.code(pin: nil, id: id, unixTime: 59))
            _ = try vault.unlock(pin: pin)
            clock.advance(seconds - 1)
            XCTAssertEqual(try vault.code(pin: nil, id: id, unixTime: 59).value, "94287082")
            clock.advance(2)
            XCTAssertThrowsError(try vault.code(pin: nil, id: id, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
            XCTAssertFalse(vault.status().unlocked)
        }
    }

    func testEveryCodePolicyNeedsThePinEachTime() throws {
        let vault = try makeVault(tempPath(), ManualClock(), policy: .everyCode)
        let id = try vault.addUri(pin: pin, uri: rfcUri).id
        XCTAssertNil(try vault.unlock(pin: pin).sessionSeconds)
        XCTAssertThrowsError(try vault.code(pin: nil, id: id, unixTime: 59)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        XCTAssertEqual(try vault.code(pin: pin, id: id, unixTime: 59).value, "94287082")
        XCTAssertFalse(vault.status().unlocked)
    }

    func testWrongPinsUpToTheLockout() throws {
        let path = tempPath()
        let clock = ManualClock()
        _ = try makeVault(path, clock)
        let vault = try OtpVault.open(path: path, deviceKey: nil, clock: clock)
        for left: UInt32 in [4, 3, 2, 1, 0] {
            XCTAssertThrowsError(try vault.unlock(pin: wrongPin)) {
                XCTAssertEqual($0 as? OtpError, .WrongPin(attemptsBeforeDelay: left))
            }
        }
        XCTAssertThrowsError(try vault.unlock(pin: pin)) { XCTAssertEqual($0 as? OtpError, .LockedOut(secondsLeft: 60)) }
        clock.advance(60)
        _ = try vault.unlock(pin: pin)
        XCTAssertEqual(vault.status().failedAttempts, 0)
        XCTAssertThrowsError(try vault.unlock(pin: "12")) { XCTAssertEqual($0 as? OtpError, .InvalidPin) }
        XCTAssertThrowsError(try vault.changePin(oldPin: pin, newPin: "12345")) { XCTAssertEqual($0 as? OtpError, .WeakPin) }
    }

    func testSwiftDeviceKey() throws {
        let path = tempPath()
        let clock = ManualClock()
        let device = TestDeviceKey()
        let vault = try makeVault(path, clock, deviceKey: device)
        let id = try vault.addUri(pin: nil, uri: rfcUri).id
        XCTAssertTrue(vault.status().deviceBound)
        XCTAssertThrowsError(try OtpVault.open(path: path, deviceKey: nil, clock: clock).unlock(pin: pin)) {
            XCTAssertEqual($0 as? OtpError, .DeviceKeyRequired)
        }
        // Another device's key: the protector reports KeyInvalidated, which arrives as its own case.
        XCTAssertThrowsError(try OtpVault.open(path: path, deviceKey: TestDeviceKey(), clock: clock).unlock(pin: pin)) {
            XCTAssertEqual($0 as? OtpError, .DeviceKeyInvalidated)
        }
        let right = try OtpVault.open(path: path, deviceKey: device, clock: clock)
        _ = try right.unlock(pin: pin)
        XCTAssertEqual(try right.code(pin: nil, id: id, unixTime: 59).value, "94287082")
    }

    func testACallbackThatThrowsBecomesACleanError() throws {
        let path = tempPath()
        let clock = ManualClock()
        let device = TestDeviceKey()
        _ = try makeVault(path, clock, deviceKey: device)
        let crashing = try OtpVault.open(path: path, deviceKey: TestDeviceKey(key: device.key, failWith: KeystoreCrash()), clock: clock)
        XCTAssertThrowsError(try crashing.unlock(pin: pin)) {
            guard case OtpError.DeviceKeyFailed = $0 else { return XCTFail("\($0)") }
        }
        let declared = try OtpVault.open(path: path, deviceKey: TestDeviceKey(key: device.key, failWith: ProtectorFailure.Failed(reason: "user not authenticated")), clock: clock)
        XCTAssertThrowsError(try declared.unlock(pin: pin)) {
            guard case OtpError.DeviceKeyFailed(let reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("user not authenticated"), reason)
        }
        // Each report of the platform reaches the caller as its own case, costing no PIN attempt.
        let cancelled = try OtpVault.open(path: path, deviceKey: TestDeviceKey(key: device.key, failWith: ProtectorFailure.Cancelled), clock: clock)
        XCTAssertThrowsError(try cancelled.unlock(pin: pin)) { XCTAssertEqual($0 as? OtpError, .DeviceKeyCancelled) }
        let unavailable = try OtpVault.open(path: path, deviceKey: TestDeviceKey(key: device.key, failWith: ProtectorFailure.Unavailable(reason: "device locked")), clock: clock)
        XCTAssertThrowsError(try unavailable.unlock(pin: pin)) {
            XCTAssertEqual($0 as? OtpError, .DeviceKeyUnavailable(reason: "device locked"))
        }
        XCTAssertEqual(declared.status().failedAttempts, 0)
    }

    func testLockWipesAccessAndHotpAdvances() throws {
        let vault = try makeVault(tempPath(), ManualClock())
        let hotp = try vault.addUri(pin: nil, uri: "otpauth://hotp/Y:k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0").id
        XCTAssertEqual(try (1...3).map { _ in try vault.nextHotp(pin: nil, id: hotp).value }, ["755224", "287082", "359152"])
        XCTAssertThrowsError(try vault.code(pin: nil, id: hotp, unixTime: t0)) {
            XCTAssertEqual($0 as? OtpError, .NotTimeBased)
        }
        vault.lock()
        XCTAssertThrowsError(try vault.list(pin: nil)) { XCTAssertEqual($0 as? OtpError, .VaultLocked) }
        XCTAssertEqual(try vault.nextHotp(pin: pin, id: hotp).value, "969429")
    }

    func testTimeOffsetAndExport() throws {
        let vault = try makeVault(tempPath(), ManualClock())
        let id = try vault.addUri(pin: nil, uri: rfcUri).id
        try vault.setTimeOffset(pin: nil, seconds: 1_111_111_109 - 59)
        XCTAssertEqual(try vault.code(pin: nil, id: id, unixTime: 59).value, "07081804")
        XCTAssertTrue(try vault.exportUris(pin: pin)[0].hasPrefix("otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        XCTAssertThrowsError(try vault.exportUris(pin: wrongPin))
    }

    func testSeveralThreadsShareOneVault() throws {
        let vault = try makeVault(tempPath(), ManualClock(), policy: .tenMinutes)
        let base = try vault.addUri(pin: nil, uri: rfcUri).id
        let failures = NSLock()
        nonisolated(unsafe) var errors: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 4) { n in
            do {
                for i in 0..<20 {
                    _ = try vault.addTyped(pin: nil, secret: "JBSWY3DPEHPK3PXP",
                                           spec: TokenSpec(issuer: "thread", account: "\(n)-\(i)", algorithm: .sha1, digits: 6, kind: .totp(period: 30)))
                    XCTAssertEqual(try vault.code(pin: nil, id: base, unixTime: 59).value, "94287082")
                    _ = try vault.codes(pin: nil, unixTime: t0)
                }
            } catch {
                failures.lock(); errors.append(error); failures.unlock()
            }
        }
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(try vault.list(pin: nil).count, 81)
    }

    func testBadInputsAreTypedErrors() throws {
        let path = tempPath()
        let clock = ManualClock()
        let vault = try makeVault(path, clock)
        XCTAssertThrowsError(try vault.addUri(pin: nil, uri: "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12")) {
            guard case OtpError.InvalidUri(let kind, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(kind, .invalidDigits)
        }
        XCTAssertThrowsError(try vault.addUri(pin: nil, uri: "otpauth://totp/a?secret=JBSW1Y3DP")) {
            guard case OtpError.InvalidSecret(let kind, let position, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(kind, .invalidCharacter)
            XCTAssertEqual(position, 5)
        }
        XCTAssertThrowsError(try vault.remove(pin: nil, id: 42)) { XCTAssertEqual($0 as? OtpError, .NotFound) }
        XCTAssertThrowsError(try makeVault(path, clock)) { XCTAssertEqual($0 as? OtpError, .AlreadyExists) }
        XCTAssertThrowsError(try OtpVault.create(path: tempPath(), pin: pin, policy: .fiveMinutes, kdfIterations: 1000,
                                                 wipeAfterFailures: false, deviceKey: nil, clock: clock)) {
            XCTAssertEqual($0 as? OtpError, .KdfTooWeak(iterations: 1000, minimum: 600_000))
        }
        XCTAssertThrowsError(try OtpVault.open(path: tempPath("missing.db"), deviceKey: nil, clock: clock)) {
            XCTAssertEqual($0 as? OtpError, .NoVault)
        }
        let notes = tempPath("notes.txt")
        try "not a database".write(toFile: notes, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OtpVault.open(path: notes, deviceKey: nil, clock: clock)) {
            XCTAssertEqual($0 as? OtpError, .NotAVault)
        }
    }

    func testANewerVaultSaysWhichVersions() throws {
        let path = tempPath()
        let clock = ManualClock()
        _ = try makeVault(path, clock)
        try setUserVersion(path, 99)
        XCTAssertThrowsError(try OtpVault.open(path: path, deviceKey: nil, clock: clock)) {
            guard case OtpError.NewerSchema(let found, let supported) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(found, 99)
            XCTAssertTrue((1...98).contains(supported))
        }
    }
}
