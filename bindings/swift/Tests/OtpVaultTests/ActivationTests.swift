import Foundation
import OtpVault
import XCTest

/// Activation with a 5-digit code through the Swift bindings: the fixed-randomness vector of
/// tests/vectors/activation.json replayed (every request must match; the stored token gives the
/// recorded code), and recorded answers tampered with (nothing may be stored).
final class ActivationTests: XCTestCase {
    func loadVector() throws -> [String: Any] {
        let data = try Data(contentsOf: vectorsDir.appendingPathComponent("activation.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func object(_ text: String) throws -> NSDictionary {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSDictionary
    }

    func replay(_ doc: [String: Any], tamper: (Int, inout [String: Any]) -> Void = { _, _ in })
        throws -> (ManualClock, ActivationResult)
    {
        let clock = ManualClock(wall: (doc["device_wall_seconds"] as! NSNumber).uint64Value)
        let client = try ActivationClient.newDeterministic(
            origin: doc["origin"] as! String, username: doc["username"] as! String,
            password: doc["password"] as! String, code: doc["code"] as! String, clock: clock,
            seed: Data((doc["seed_utf8"] as! String).utf8))
        var request = client.firstRequest()
        for (i, step) in (doc["steps"] as! [[String: Any]]).enumerated() {
            let recorded = step["request"] as! [String: Any]
            XCTAssertEqual(request.path, recorded["path"] as! String)
            XCTAssertEqual(try object(request.body), try object(recorded["body"] as! String), "request \(i)")
            let response = step["response"] as! [String: Any]
            var body = try JSONSerialization.jsonObject(with: Data((response["body"] as! String).utf8)) as! [String: Any]
            tamper(i, &body)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            switch try client.handle(status: (response["status"] as! NSNumber).uint16Value, body: text) {
            case .done(let result): return (clock, result)
            case .send(let next): request = next
            }
        }
        throw NSError(domain: "vector", code: 1)
    }

    func testTheFixedRandomnessVectorReplaysAndStoresTheToken() async throws {
        let doc = try loadVector()
        let (clock, result) = try replay(doc)
        let expected = doc["result"] as! [String: Any]
        let info = result.info()
        XCTAssertEqual(info.issuer, expected["issuer"] as! String)
        XCTAssertEqual(info.credentialId, expected["credential_id"] as! String)
        XCTAssertEqual(info.clockOffset, (expected["clock_offset"] as! NSNumber).int64Value)
        let vault = try await makeVault(tempPath(), clock)
        let token = try vault.activate(result: result)
        XCTAssertEqual(try vault.timeOffset(), (expected["clock_offset"] as! NSNumber).int64Value)
        let code = try vault.code(id: token.id, unixTime: (doc["device_wall_seconds"] as! NSNumber).uint64Value)
        XCTAssertEqual(code.value, expected["code_at_device_time"] as! String)
        XCTAssertThrowsError(try vault.activate(result: result)) { XCTAssertEqual($0 as? OtpError, .ActivationUsed) }
    }

    func testATamperedAnswerEndsTheActivationWithATypedError() throws {
        let doc = try loadVector()
        XCTAssertThrowsError(try replay(doc) { i, body in
            if i == 1 { var c = body["credential"] as! [String: Any]; c["digits"] = 8; body["credential"] = c }
        }) { XCTAssertEqual($0 as? OtpError, .ActivationWrongCode(attemptsLeft: 2)) }
        XCTAssertThrowsError(try replay(doc) { i, body in if i == 1 { body["yb"] = String(repeating: "00", count: 32) } }) {
            guard case .ActivationServerNotAuthenticated = $0 as? OtpError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try replay(doc) { i, body in if i == 2 { body["server_time_ms"] = 1 } }) {
            guard case .ActivationServerNotAuthenticated = $0 as? OtpError else { return XCTFail("\($0)") }
        }
        let client = try ActivationClient(origin: "https://portal.example.org", username: "mario", password: "pw", code: "04217")
        XCTAssertThrowsError(try client.handle(status: 410, body: "{\"error\":\"burned\"}")) {
            XCTAssertEqual($0 as? OtpError, .ActivationBurned)
        }
    }
}
