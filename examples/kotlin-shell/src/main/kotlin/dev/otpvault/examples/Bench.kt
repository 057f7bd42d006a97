// Times the FFI from Kotlin beside its floor: an exported no-op of the same shape as code()
// (callFloor), one code(), codes() over 1,000 tokens, status() and the stateless hotpCode().
package dev.otpvault.examples

import dev.otpvault.Algorithm
import dev.otpvault.CreateOptions
import dev.otpvault.OtpKind
import dev.otpvault.OtpVault
import dev.otpvault.TokenParams
import dev.otpvault.UnlockPolicy
import dev.otpvault.callFloor
import dev.otpvault.hotpCode
import kotlinx.coroutines.runBlocking
import java.nio.file.Files

// scripts/bench-all --quick: a few rounds, only to prove the bench runs (CI).
private val scale = if (System.getenv("OTPVAULT_BENCH_QUICK") != null) 100 else 1

// A distinct 20-byte base32 secret per token (the vault refuses duplicates).
private fun secret(n: Int): String {
    val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "GEZDGNBVGY3TQOJQGEZDGNBV" + (0 until 8).map { i -> alphabet[(n shr (5 * i)) and 31] }.joinToString("")
}

fun main() {
    val dir = Files.createTempDirectory("otpvault-bench").toFile()
    val vault = runBlocking {
        OtpVault.create(java.io.File(dir, "bench.db").path, "13579", UnlockPolicy.TEN_MINUTES, CreateOptions(kdfIterations = 600_000u))
    }
    val ids = (0 until 1000).map { n ->
        vault.addTyped(secret(n),
            TokenParams(issuer = "Issuer $n", account = "user$n", algorithm = Algorithm.SHA1, kind = OtpKind.Totp(30u))).id
    }
    val t = 1_700_000_000uL
    fun timeNs(allRounds: Int, body: () -> Unit): Double {
        val rounds = maxOf(allRounds / scale, 10)
        repeat(rounds / 5) { body() } // warm-up (JIT)
        val start = System.nanoTime()
        repeat(rounds) { body() }
        return (System.nanoTime() - start).toDouble() / rounds
    }
    val floor = timeNs(200_000) { callFloor(500L, t) }
    val one = timeNs(200_000) { vault.code(ids[500], t) }
    val codes = timeNs(2_000) { vault.codes(t) }
    val status = timeNs(200_000) { vault.status() }
    val hotp = timeNs(200_000) { hotpCode(ByteArray(20), Algorithm.SHA1, 6u, 1uL) }
    println("Kotlin: floor (no-op, code()'s shape) %.2f µs; code() %.2f µs = %.2f× floor (goal ≤ 1.5×)".format(floor / 1000, one / 1000, one / floor))
    println("Kotlin: codes() for 1000 tokens %.1f µs (goal ≤ 1000); status() %.2f µs; hotpCode() %.2f µs".format(codes / 1000, status / 1000, hotp / 1000))
    dir.deleteRecursively()
}
