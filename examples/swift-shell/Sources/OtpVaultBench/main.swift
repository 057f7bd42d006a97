// Times the FFI from Swift beside its floor: an exported no-op of the same shape as code()
// (callFloor), one code(), and codes() over 1,000 tokens.
import Foundation
import OtpVault

// scripts/bench-all --quick: a few rounds, only to prove the bench runs (CI).
let scale = ProcessInfo.processInfo.environment["OTPVAULT_BENCH_QUICK"] != nil ? 100 : 1

// A distinct 20-byte base32 secret per token (the vault refuses duplicates).
func secret(_ n: Int) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    return "GEZDGNBVGY3TQOJQGEZDGNBV" + String((0..<8).map { i in alphabet[(n >> (5 * i)) & 31] })
}

func perCall(_ allRounds: Int, _ body: () throws -> Void) rethrows -> Double {
    let rounds = max(allRounds / scale, 10)
    for _ in 0..<(rounds / 10) { try body() }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { try body() }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds)
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("otpvault-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let vault = try await OtpVault.create(path: dir.appendingPathComponent("bench.db").path, pin: "13579", policy: .tenMinutes,
                                      options: CreateOptions(kdfIterations: 600_000))
var ids: [Int64] = []
for n in 0..<1000 {
    ids.append(try vault.addTyped(secret: secret(n),
                                  params: TokenParams(issuer: "Issuer \(n)", account: "user\(n)", algorithm: .sha1, kind: .totp(period: 30))).id)
}
let t: UInt64 = 1_700_000_000
let floor = try perCall(200_000) { _ = try callFloor(id: 500, unixTime: t) }
let one = try perCall(200_000) { _ = try vault.code(id: ids[500], unixTime: t) }
let codes = try perCall(2_000) { _ = try vault.codes(unixTime: t) }
print(String(format: "Swift: floor (no-op, code()'s shape) %.2f µs; code() %.2f µs (goal ≤ 10)", floor / 1000, one / 1000))
print(String(format: "Swift: codes() for 1000 tokens %.1f µs (goal ≤ 1000)", codes / 1000))
