// Times the FFI from Swift: one codes() call over 1,000 tokens, and one code() call.
import Foundation
import OtpVault

func perCall(_ rounds: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<(rounds / 10) { try body() }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { try body() }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds)
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("otpvault-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let vault = try OtpVault.create(path: dir.appendingPathComponent("bench.db").path, pin: "13579", policy: .tenMinutes,
                                kdfIterations: 600_000, wipeAfterFailures: false, deviceKey: nil, clock: nil)
var ids: [Int64] = []
for n in 0..<1000 {
    ids.append(try vault.addTyped(pin: nil, secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                                  spec: TokenSpec(issuer: "Issuer \(n)", account: "user\(n)", algorithm: .sha1, digits: 6, kind: .totp(period: 30))).id)
}
let t: UInt64 = 1_700_000_000
let codes = try perCall(500) { _ = try vault.codes(pin: nil, unixTime: t) }
let one = try perCall(100_000) { _ = try vault.code(pin: nil, id: ids[500], unixTime: t) }
print(String(format: "Swift: codes() for 1000 tokens %.1f µs (goal < 1000); code() %.2f µs (goal < 10)", codes / 1000, one / 1000))
