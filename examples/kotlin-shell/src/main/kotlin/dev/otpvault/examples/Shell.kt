// A console authenticator in a few dozen lines: open (or create) a vault, ask the PIN, print live
// codes. Usage: Shell VAULT_PATH [FRAMES]. The PIN is read from the console, or from standard input.
package dev.otpvault.examples

import dev.otpvault.OtpException
import dev.otpvault.OtpVault
import dev.otpvault.UnlockPolicy
import kotlinx.coroutines.runBlocking
import java.io.File
import kotlin.system.exitProcess

fun readPin(prompt: String): String =
    System.console()?.readPassword(prompt)?.let { String(it) } ?: run { print(prompt); readLine().orEmpty() }

fun main(args: Array<String>) = runBlocking {
    val path = args.getOrNull(0) ?: error("usage: Shell VAULT_PATH [FRAMES]")
    val frames = args.getOrNull(1)?.toInt() ?: Int.MAX_VALUE
    try {
        val pin = readPin("PIN: ")
        // create and unlock run the KDF off this thread (suspend calls).
        val vault = if (File(path).exists()) OtpVault.open(path) else {
            println("Creating $path with a sample account")
            OtpVault.create(path, pin, UnlockPolicy.FIVE_MINUTES).also {
                it.addUri("otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
            }
        }
        val unlocked = vault.unlock(pin)
        println("Unlocked (${unlocked.policy}); codes for ${unlocked.sessionSeconds ?: 0} s")
        repeat(frames) { frame ->
            if (!vault.status().unlocked) vault.unlock(pin)
            val now = System.currentTimeMillis() / 1000
            for (entry in vault.entries(now.toULong())) {
                val code = entry.code ?: continue
                println("%-32s %10s  %2d s".format("${entry.info.issuer} ${entry.info.account}", code.value, code.secondsLeft.toInt()))
            }
            if (frame + 1 < frames) { println(); Thread.sleep(1000) }
        }
        vault.lock()
    } catch (e: OtpException) {
        System.err.println("otpvault: ${e.message}")
        exitProcess(1)
    }
}
