package dev.otpvault

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.util.Collections
import kotlin.concurrent.thread

/** A full vault scenario from Kotlin: a Kotlin clock and device key, lockout, throwing callbacks, threads. */
class VaultTest {
    @TempDir
    lateinit var dir: File

    private val rfcUri = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8"
    private fun path(name: String = "vault.db") = File(dir, name).path

    @Test
    fun createAddCodesAndReopen() {
        val clock = ManualClock()
        val vault = makeVault(path(), clock)
        val info = vault.addUri(null, rfcUri)
        assertEquals("ACME Co", info.spec.issuer)
        assertEquals("94287082", vault.code(null, info.id, 59uL).value)
        val typed = vault.addTyped(null, "jbsw y3dp ehpk 3pxp",
            TokenSpec("GitHub", "octo", Algorithm.SHA256, 6u, TokenKind.Totp(60u)))
        assertTrue(typed.weakSecret)
        assertEquals(listOf(info.id, typed.id), vault.entries(null, 59uL).map { it.info.id })
        vault.destroy()
        val again = OtpVault.open(path(), null, clock)
        assertThrows<OtpException.VaultLocked> { again.codes(null, 59uL) }
        assertEquals(300uL, again.unlock(PIN).sessionSeconds)
        assertEquals("94287082", again.codes(null, 59uL).first().code.value)
    }

    @Test
    fun fiveAndTenMinuteSessionsFollowTheKotlinClock() {
        for ((policy, seconds) in listOf(UnlockPolicy.FIVE_MINUTES to 300L, UnlockPolicy.TEN_MINUTES to 600L)) {
            val clock = ManualClock()
            val vault = makeVault(path("$seconds.db"), clock, policy)
            val id = vault.addUri(null, rfcUri).id
            vault.lock()
            assertThrows<OtpException.VaultLocked> { vault.code(null, id, 59uL) }
            vault.unlock(PIN)
            clock.advance(seconds - 1)
            assertEquals("94287082", vault.code(null, id, 59uL).value)
            clock.advance(2)
            assertThrows<OtpException.VaultLocked> { vault.code(null, id, 59uL) }
            assertFalse(vault.status().unlocked)
        }
    }

    @Test
    fun everyCodePolicyNeedsThePinEachTime() {
        val vault = makeVault(path(), ManualClock(), UnlockPolicy.EVERY_CODE)
        val id = vault.addUri(PIN, rfcUri).id
        assertNull(vault.unlock(PIN).sessionSeconds)
        assertThrows<OtpException.VaultLocked> { vault.code(null, id, 59uL) }
        assertEquals("94287082", vault.code(PIN, id, 59uL).value)
        assertFalse(vault.status().unlocked)
    }

    @Test
    fun wrongPinsUpToTheLockout() {
        val clock = ManualClock()
        makeVault(path(), clock).destroy()
        val vault = OtpVault.open(path(), null, clock)
        for (left in listOf(4u, 3u, 2u, 1u, 0u)) {
            val error = assertThrows<OtpException.WrongPin> { vault.unlock(WRONG) }
            assertEquals(left, error.attemptsBeforeDelay)
        }
        val locked = assertThrows<OtpException.LockedOut> { vault.unlock(PIN) }
        assertEquals(60uL, locked.secondsLeft)
        clock.advance(60)
        vault.unlock(PIN)
        assertEquals(0u, vault.status().failedAttempts)
        assertThrows<OtpException.InvalidPin> { vault.unlock("12") }
        assertThrows<OtpException.WeakPin> { vault.changePin(PIN, "12345") }
    }

    @Test
    fun kotlinDeviceKey() {
        val clock = ManualClock()
        val device = TestDeviceKey()
        val vault = makeVault(path(), clock, deviceKey = device)
        val id = vault.addUri(null, rfcUri).id
        assertTrue(vault.status().deviceBound)
        assertThrows<OtpException.DeviceKeyRequired> { OtpVault.open(path(), null, clock).unlock(PIN) }
        // Another device's key: the protector reports KeyInvalidated, which arrives as its own case.
        assertThrows<OtpException.DeviceKeyInvalidated> { OtpVault.open(path(), TestDeviceKey(), clock).unlock(PIN) }
        val right = OtpVault.open(path(), device, clock)
        right.unlock(PIN)
        assertEquals("94287082", right.code(null, id, 59uL).value)
    }

    @Test
    fun aCallbackThatThrowsBecomesACleanError() {
        val clock = ManualClock()
        val device = TestDeviceKey()
        makeVault(path(), clock, deviceKey = device).destroy()
        val crashing = OtpVault.open(path(), TestDeviceKey(device.key, IllegalStateException("keystore crashed")), clock)
        assertThrows<OtpException.DeviceKeyFailed> { crashing.unlock(PIN) }
        val declared = OtpVault.open(path(), TestDeviceKey(device.key, ProtectorFailure.Failed("user not authenticated")), clock)
        val error = assertThrows<OtpException.DeviceKeyFailed> { declared.unlock(PIN) }
        assertTrue(error.reason.contains("user not authenticated"), error.reason)
        // Each report of the platform reaches the caller as its own case, costing no PIN attempt.
        val cancelled = OtpVault.open(path(), TestDeviceKey(device.key, ProtectorFailure.Cancelled()), clock)
        assertThrows<OtpException.DeviceKeyCancelled> { cancelled.unlock(PIN) }
        val unavailable = OtpVault.open(path(), TestDeviceKey(device.key, ProtectorFailure.Unavailable("device locked")), clock)
        val busy = assertThrows<OtpException.DeviceKeyUnavailable> { unavailable.unlock(PIN) }
        assertEquals("device locked", busy.reason)
        assertEquals(0u, declared.status().failedAttempts)
    }

    @Test
    fun lockWipesAccessAndHotpAdvances() {
        val vault = makeVault(path(), ManualClock())
        val hotp = vault.addUri(null, "otpauth://hotp/Y:k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0").id
        assertEquals(listOf("755224", "287082", "359152"), (1..3).map { vault.nextHotp(null, hotp).value })
        assertThrows<OtpException.NotTimeBased> { vault.code(null, hotp, T0) }
        vault.lock()
        assertThrows<OtpException.VaultLocked> { vault.list(null) }
        assertThrows<OtpException.VaultLocked> { vault.nextHotp(null, hotp) }
        assertEquals("969429", vault.nextHotp(PIN, hotp).value)
    }

    @Test
    fun timeOffsetAndExport() {
        val vault = makeVault(path(), ManualClock())
        val id = vault.addUri(null, rfcUri).id
        vault.setTimeOffset(null, 1_111_111_109L - 59)
        assertEquals("07081804", vault.code(null, id, 59uL).value)
        assertTrue(vault.exportUris(PIN).first().startsWith("otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        assertThrows<OtpException.WrongPin> { vault.exportUris(WRONG) }
    }

    @Test
    fun severalThreadsShareOneVault() {
        val vault = makeVault(path(), ManualClock(), UnlockPolicy.TEN_MINUTES)
        val base = vault.addUri(null, rfcUri).id
        val errors = Collections.synchronizedList(mutableListOf<Throwable>())
        val threads = (0 until 4).map { n ->
            thread {
                try {
                    repeat(20) { i ->
                        vault.addTyped(null, "JBSWY3DPEHPK3PXP", TokenSpec("thread", "$n-$i", Algorithm.SHA1, 6u, TokenKind.Totp(30u)))
                        assertEquals("94287082", vault.code(null, base, 59uL).value)
                        vault.codes(null, T0)
                    }
                } catch (t: Throwable) {
                    errors.add(t)
                }
            }
        }
        threads.forEach { it.join() }
        assertEquals(emptyList<Throwable>(), errors)
        assertEquals(81, vault.list(null).size)
    }

    @Test
    fun badInputsAreTypedExceptions() {
        val clock = ManualClock()
        val vault = makeVault(path(), clock)
        val digits = assertThrows<OtpException.InvalidUri> { vault.addUri(null, "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12") }
        assertEquals(UriErrorKind.INVALID_DIGITS, digits.kind)
        val secret = assertThrows<OtpException.InvalidSecret> { vault.addUri(null, "otpauth://totp/a?secret=JBSW1Y3DP") }
        assertEquals(5u, secret.position)
        assertThrows<OtpException.NotFound> { vault.remove(null, 42) }
        assertEquals(SecretErrorKind.INVALID_CHARACTER, secret.kind)
        assertThrows<OtpException.AlreadyExists> { makeVault(path(), clock) }
        val weak = assertThrows<OtpException.KdfTooWeak> { OtpVault.create(path("weak.db"), PIN, UnlockPolicy.FIVE_MINUTES, 1000u, false, null, clock) }
        assertEquals(1000u, weak.iterations)
        assertEquals(600000u, weak.minimum)
        assertThrows<OtpException.NoVault> { OtpVault.open(path("missing.db"), null, clock) }
        java.io.File(path("notes.txt")).writeText("not a database")
        assertThrows<OtpException.NotAVault> { OtpVault.open(path("notes.txt"), null, clock) }
        vault.destroy()
        setUserVersion(path(), 99)
        val newer = assertThrows<OtpException.NewerSchema> { OtpVault.open(path(), null, clock) }
        assertEquals(99u, newer.found)
        assertTrue(newer.supported in 1u..98u)
    }
}
