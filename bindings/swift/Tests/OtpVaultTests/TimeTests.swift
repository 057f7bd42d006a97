import Foundation
import OtpVault
import XCTest

/// Authenticated time (otpvault-time/v1) through the Swift bindings: tests/vectors/time.json (made
/// by an independent reference) replayed; an answer shifted in the middle, or made for another
/// account, is refused; a Date header gives an unauthenticated offset.
final class TimeTests: XCTestCase {
    struct Doc: Decodable {
        struct Case: Decodable {
            let name: String
            let sent_ms: UInt64
            let received_ms: UInt64
            let request_body: String
            let answer_body: String
            let valid: Bool
            let offset_ms: Int64?
            let uncertainty_ms: UInt64?
            let far_off: Bool?
        }
        struct DateCase: Decodable {
            let date: String
            let sent_ms: UInt64
            let received_ms: UInt64
            let offset_ms: Int64
            let uncertainty_ms: UInt64
        }
        let uri: String
        let nonce_hex: String
        let cases: [Case]
        let date_headers: [DateCase]
    }

    func testTheTimeVectorsReplay() throws {
        let doc = try loadVectors("time.json", as: Doc.self)
        for item in doc.cases {
            let client = try TimeSyncClient.forVector(uri: doc.uri, nonce: hex(doc.nonce_hex), sentMs: item.sent_ms)
            XCTAssertEqual(client.path(), "/v1/time")
            XCTAssertEqual(client.body(), item.request_body)
            if item.valid {
                let sync = try client.finishAt(status: 200, body: item.answer_body, receivedMs: item.received_ms)
                XCTAssertEqual(sync.offsetMs, item.offset_ms, item.name)
                XCTAssertEqual(sync.uncertaintyMs, item.uncertainty_ms)
                XCTAssertEqual(sync.farOff, item.far_off)
                XCTAssertTrue(sync.authenticated)
            } else {
                XCTAssertThrowsError(try client.finishAt(status: 200, body: item.answer_body, receivedMs: item.received_ms)) {
                    guard case .ActivationServerNotAuthenticated = $0 as? OtpError else { return XCTFail("\($0)") }
                }
            }
        }
        for item in doc.date_headers {
            let sync = try timeFromDateHeader(date: item.date, sentMs: item.sent_ms, receivedMs: item.received_ms)
            XCTAssertEqual(sync.offsetMs, item.offset_ms)
            XCTAssertEqual(sync.uncertaintyMs, item.uncertainty_ms)
            XCTAssertFalse(sync.authenticated)
        }
    }
}
