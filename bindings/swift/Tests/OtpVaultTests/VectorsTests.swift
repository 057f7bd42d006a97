import Foundation
import OtpVault
import XCTest

private let algorithms: [String: Algorithm] = ["SHA1": .sha1, "SHA256": .sha256, "SHA512": .sha512]

private struct Rfc4226: Decodable {
    struct Case: Decodable { let counter: UInt64; let code: String }
    let secret_hex: String
    let cases: [Case]
}

private struct Rfc6238: Decodable {
    struct Case: Decodable { let time: UInt64; let step_hex: String; let algorithm: String; let code: String }
    let seeds_hex: [String: String]
    let cases: [Case]
}

private struct Codes: Decodable {
    struct Case: Decodable {
        let kind: String; let secret: String; let algorithm: String; let digits: UInt8; let code: String
        let counter: UInt64?; let period: UInt32?; let time: UInt64?; let next_code: String?; let seconds_left: UInt32?
    }
    let cases: [Case]
}

private struct Uris: Decodable {
    struct Expect: Decodable {
        let type: String; let issuer: String; let account: String; let secret: String
        let algorithm: String; let digits: UInt8; let period: UInt32?; let counter: UInt64?
    }
    struct Valid: Decodable { let name: String; let uri: String; let expect: Expect }
    struct Invalid: Decodable { let name: String; let uri: String; let error: String }
    let valid: [Valid]
    let invalid: [Invalid]
}

private struct Secrets: Decodable {
    struct Valid: Decodable { let input: String; let canonical: String; let bytes: Int; let weak: Bool }
    struct Invalid: Decodable { let input: String; let error: String; let position: UInt32? }
    let valid: [Valid]
    let invalid: [Invalid]
}

final class VectorsTests: XCTestCase {
    func testRfc4226AppendixD() throws {
        let doc = try loadVectors("rfc4226.json", as: Rfc4226.self)
        XCTAssertEqual(doc.cases.count, 10)
        for c in doc.cases {
            XCTAssertEqual(try hotpCode(secret: hex(doc.secret_hex), algorithm: .sha1, digits: 6, counter: c.counter), c.code)
        }
    }

    func testRfc6238AppendixB() throws {
        let doc = try loadVectors("rfc6238.json", as: Rfc6238.self)
        XCTAssertEqual(doc.cases.count, 18)
        for c in doc.cases {
            let code = try totpCode(secret: hex(doc.seeds_hex[c.algorithm]!), algorithm: algorithms[c.algorithm]!,
                                    digits: 8, period: 30, unixTime: c.time)
            XCTAssertEqual(code.value, c.code, "\(c)")
            XCTAssertEqual(code.step, UInt64(c.step_hex, radix: 16))
        }
    }

    func testGeneratedCodeVectors() throws {
        for c in try loadVectors("codes.json", as: Codes.self).cases {
            let secret = try decodeSecret(text: c.secret).bytes
            if c.kind == "hotp" {
                XCTAssertEqual(try hotpCode(secret: secret, algorithm: algorithms[c.algorithm]!, digits: c.digits, counter: c.counter!), c.code)
                continue
            }
            let code = c.kind == "steam"
                ? try steamCode(secret: secret, unixTime: c.time!)
                : try totpCode(secret: secret, algorithm: algorithms[c.algorithm]!, digits: c.digits, period: c.period!, unixTime: c.time!)
            XCTAssertEqual(code.value, c.code, "\(c)")
            XCTAssertEqual(code.nextValue, c.next_code)
            XCTAssertEqual(code.secondsLeft, c.seconds_left)
        }
    }

    func testValidUrisParseAndRoundTrip() throws {
        for c in try loadVectors("uris.json", as: Uris.self).valid {
            let parsed = try parseUri(uri: c.uri)
            XCTAssertEqual(parsed.params.issuer, c.expect.issuer, c.name)
            XCTAssertEqual(parsed.params.account, c.expect.account, c.name)
            XCTAssertEqual(parsed.secret, c.expect.secret, c.name)
            XCTAssertEqual(parsed.params.algorithm, algorithms[c.expect.algorithm], c.name)
            XCTAssertEqual(parsed.params.digits, c.expect.digits, c.name)
            switch parsed.params.kind {
            case .totp(let period): XCTAssertEqual(c.expect.type, "totp"); XCTAssertEqual(period, c.expect.period)
            case .hotp(let counter): XCTAssertEqual(c.expect.type, "hotp"); XCTAssertEqual(counter, c.expect.counter)
            case .steam: XCTAssertEqual(c.expect.type, "steam")
            }
            XCTAssertEqual(try parseUri(uri: try buildUri(secret: parsed.secret, params: parsed.params)), parsed, c.name)
        }
    }

    func testInvalidUrisThrowTypedErrors() throws {
        for c in try loadVectors("uris.json", as: Uris.self).invalid {
            do {
                _ = try parseUri(uri: c.uri)
                XCTFail("\(c.name) parsed")
            } catch OtpError.InvalidUri(let kind, let reason) {
                XCTAssertEqual(snakeCase(kind), c.error, c.name)
                XCTAssertFalse(reason.contains("JBSWY3DPEHPK3PXP"))
            } catch OtpError.InvalidSecret(_, _, _) {
                XCTAssertEqual(c.error, "invalid_secret", c.name)
            }
        }
    }

    func testSecretTable() throws {
        let doc = try loadVectors("secrets.json", as: Secrets.self)
        for c in doc.valid {
            let decoded = try decodeSecret(text: c.input)
            XCTAssertEqual(decoded.canonical, c.canonical)
            XCTAssertEqual(decoded.bytes.count, c.bytes)
            XCTAssertEqual(decoded.weak, c.weak)
        }
        for c in doc.invalid {
            XCTAssertThrowsError(try decodeSecret(text: c.input)) { error in
                guard case OtpError.InvalidSecret(let kind, let position, _) = error else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(snakeCase(kind), c.error)
                XCTAssertEqual(position, c.position)
            }
        }
    }
}
