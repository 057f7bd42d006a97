// Times the FFI from Kotlin: one codes() call over 1,000 tokens, and one code() call.
package dev.otpvault.examples

import dev.otpvault.Algorithm
import dev.otpvault.OtpVault
import dev.otpvault.TokenKind
import dev.otpvault.TokenSpec
import dev.otpvault.UnlockPolicy
import java.nio.file.Files

fun main() {
    val dir = Files.createTempDirectory("otpvault-bench").toFile()
    val vault = OtpVault.create(File(dir, "bench.db").path, "13579", UnlockPolicy.TEN_MINUTES, 600_000u, false, null, null)
    val ids = (0 until 1000).map { n ->
        vault.addTyped(null, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", TokenSpec("Issuer $n", "user$n", Algorithm.SHA1, 6u, TokenKind.Totp(30u))).id
    }
    val t = 1_700_000_000uL
    fun timeNs(rounds: Int, body: () -> Unit): Double {
        repeat(rounds / 10) { body() } // warm-up (JIT)
        val start = System.nanoTime()
        repeat(rounds) { body() }
        return (System.nanoTime() - start).toDouble() / rounds
    }
    val codes = timeNs(2000) { vault.codes(null, t) }
    val one = timeNs(200_000) { vault.code(null, ids[500], t) }
    val status = timeNs(200_000) { vault.status() }
    val hotpFree = timeNs(200_000) { dev.otpvault.hotpCode(ByteArray(20), Algorithm.SHA1, 6u, 1uL) }
    println("Kotlin: status() %.2f µs; hotpCode() %.2f µs".format(status / 1000, hotpFree / 1000))
    println("Kotlin: codes() for 1000 tokens %.1f µs (goal < 1000); code() %.2f µs (goal < 10)".format(codes / 1000, one / 1000))
    dir.deleteRecursively()
}

private typealias File = java.io.File
