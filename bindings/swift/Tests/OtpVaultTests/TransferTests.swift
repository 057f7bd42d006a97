import Foundation
import OtpVault
import XCTest

/// Moving in and out through the Swift bindings: every import fixture (all formats, plain and
/// encrypted) imported with the codes the exporting app shows, a wrong password refused, and the backup
/// round trip (tokens, names, codes and the time correction).
final class TransferTests: XCTestCase {
    let fixtures = vectorsDir.deletingLastPathComponent().appendingPathComponent("fixtures/import")
    let strong = "violin tundra marble compass 1887"

    func outcomeName(_ outcome: ImportOutcome) -> String {
        switch outcome {
        case .imported: return "imported"
        case .duplicateOf: return "duplicate"
        case .duplicateInFile: return "duplicate_in_file"
        case .skipped(let reason): return snakeCase("\(reason)")
        }
    }

    /// The conformance vector every language reads: each file of tests/fixtures/import is
    /// recognised as its format and imports entry by entry with the codes the exporting app shows.
    func testEveryImportFixtureGivesTheAppsCodes() async throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        let expected = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let time = (expected["time"] as! NSNumber).uint64Value
        let passwords = expected["passwords"] as! [String: String]
        let files = expected["files"] as! [String: [[String: Any]]]
        let formats = expected["formats"] as! [String: String]
        XCTAssertGreaterThanOrEqual(formats.count, 25)
        for name in formats.keys.sorted() {
            let vault = try await makeVault(tempPath(name + ".db"), ManualClock(wall: time))
            let bytes = try Data(contentsOf: fixtures.appendingPathComponent(name))
            let password = passwords[name]
            if password != nil {
                await assertThrowsAsync(.ImportPasswordRequired) { try await vault.importFile(bytes: bytes, password: nil) }
                await assertThrowsAsync(.ImportWrongPassword) { try await vault.importFile(bytes: bytes, password: "not the password") }
                XCTAssertEqual(try vault.list().count, 0)
            }
            let report = try await vault.importFile(bytes: bytes, password: password)
            XCTAssertEqual(report.format, formats[name], name)
            let want = files[name]!
            XCTAssertEqual(report.entries.count, want.count, name)
            for (i, (entry, w)) in zip(report.entries, want).enumerated() {
                let label = "\(name) #\(i)"
                XCTAssertEqual(entry.issuer, w["issuer"] as! String, label)
                XCTAssertEqual(entry.account, w["account"] as! String, label)
                XCTAssertEqual(outcomeName(entry.outcome), w["outcome"] as! String, label)
                if case .imported(let id) = entry.outcome {
                    let code = (w["hotp"] as? Bool) == true
                        ? try vault.nextHotp(id: id).value
                        : try vault.code(id: id, unixTime: time).value
                    XCTAssertEqual(code, w["code"] as! String, label)
                }
            }
        }
    }

    func testABackupRoundTrips() async throws {
        let clock = ManualClock()
        let vault = try await makeVault(tempPath("a.db"), clock)
        _ = try vault.addUri(uri: "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        _ = try vault.addUri(uri: "otpauth://hotp/VPN:carol?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&counter=5")
        try vault.setTimeOffset(seconds: -7)
        await assertThrowsAsync({ try await vault.exportBackup(pin: pin, passphrase: "password123") }) {
            guard case .WeakPassphrase = $0 as? OtpError else { return XCTFail("\($0)") }
        }
        let backup = try await vault.exportBackup(pin: pin, passphrase: strong)
        let other = try await makeVault(tempPath("b.db"), clock)
        let report = try await other.restore(pin: pin, bytes: backup, passphrase: strong)
        XCTAssertEqual(report.format, "otpvault-backup")
        XCTAssertEqual(try vault.list().map { "\($0.issuer):\($0.account)" }, try other.list().map { "\($0.issuer):\($0.account)" })
        XCTAssertEqual(try vault.codes(unixTime: t0).values, try other.codes(unixTime: t0).values)
        XCTAssertEqual(try other.timeOffset(), -7)
    }

    func testAddingATokenAlreadyThereIsRefusedWithItsId() async throws {
        let vault = try await makeVault(tempPath("d.db"), ManualClock())
        let first = try vault.addUri(uri: "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP")
        XCTAssertThrowsError(try vault.addUri(uri: "otpauth://totp/acme:ALICE?secret=jbsw-y3dp-ehpk-3pxp")) {
            XCTAssertEqual($0 as? OtpError, .DuplicateToken(id: first.id))
        }
        XCTAssertEqual(try vault.list().count, 1)
        // The same secret under other names is another account enrolled with it: added.
        _ = try vault.addUri(uri: "otpauth://totp/Renamed:bob?secret=jbsw-y3dp-ehpk-3pxp")
        XCTAssertEqual(try vault.list().count, 2)
    }
}
