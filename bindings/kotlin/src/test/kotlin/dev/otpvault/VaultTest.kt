package dev.otpvault

import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.delay
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotSame
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.util.Collections
import kotlin.concurrent.thread

/** A full vault scenario from Kotlin: a Kotlin clock, device key and biometric key, coroutines, lockout, threads. */
private const val BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

class VaultTest {
    @TempDir
    lateinit var dir: File

    private val rfcUri = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8"
    private fun path(name: String = "vault.db") = File(dir, name).path

    @Test
    fun createAddCodesAndReopen() = runBlocking<Unit> {
        val clock = ManualClock()
        val vault = OtpVault.create(path(), PIN, UnlockPolicy.FIVE_MINUTES, CreateOptions(kdfIterations = KDF), clock = clock)
        val info = vault.addUri(rfcUri)
        assertEquals("ACME Co", info.issuer)
        assertEquals("94287082", vault.code(info.id, 59uL).value)
        val typed = vault.addTyped("jbsw y3dp ehpk 3pxp",
            TokenParams(issuer = "GitHub", account = "octo", algorithm = Algorithm.SHA256, kind = OtpKind.Totp(60u)))
        assertTrue(typed.weakSecret)
        assertEquals(listOf(info.id, typed.id), vault.entries(59uL).map { it.info.id })
        vault.destroy()
        val again = OtpVault.open(path(), clock = clock)
        assertThrows<OtpException.VaultLocked> { again.codes(59uL) }
        assertEquals(300uL, again.unlock(PIN).sessionSeconds)
        // Grouped by period: the step once, the codes per token.
        // The main screen: codes aligned with list(), each period's step once.
        val sheet = again.codes(59uL)
        assertEquals(listOf(info.id, typed.id), again.list().map { it.id })
        assertEquals(2, sheet.values.size)
        assertEquals("94287082", sheet.values[0])
        assertEquals(listOf(30u to 1u, 60u to 1u), sheet.periods.map { it.period to it.secondsLeft })
        assertEquals(sheet.revision, again.codes(60uL).revision)
        again.remove(typed.id)
        assertTrue(again.codes(60uL).revision != sheet.revision, "the list changed")
    }

    @Test
    fun unlockRunsOffTheCallersThreadWhileOtherCallsProceed() = runBlocking<Unit> {
        // runBlocking: one thread runs this coroutine and the unlock's.
        val clock = ManualClock()
        val device = TestDeviceKey()
        makeVault(path(), clock, deviceKey = device).destroy()
        val gate = GatedDeviceKey(device)
        val vault = OtpVault.open(path(), gate, clock)
        val unlocking = async { vault.unlock(PIN) }
        // The unlock is now waiting in the device key, on the library's thread; this one is free.
        while (gate.entered.count > 0) delay(1)
        assertFalse(vault.status().unlocked, "a call proceeds while the unlock is in flight")
        gate.release.countDown()
        assertEquals(300uL, unlocking.await().sessionSeconds)
        assertTrue(vault.status().unlocked)
    }

    @Test
    fun fiveAndTenMinuteSessionsFollowTheKotlinClock() {
        for ((policy, seconds) in listOf(UnlockPolicy.FIVE_MINUTES to 300L, UnlockPolicy.TEN_MINUTES to 600L)) {
            val clock = ManualClock()
            val vault = makeVault(path("$seconds.db"), clock, policy)
            val id = vault.addUri(rfcUri).id
            vault.lock()
            assertThrows<OtpException.VaultLocked> { vault.code(id, 59uL) }
            await { vault.unlock(PIN) }
            clock.advance(seconds - 1)
            assertEquals("94287082", vault.code(id, 59uL).value)
            clock.advance(2)
            assertThrows<OtpException.VaultLocked> { vault.code(id, 59uL) }
            assertFalse(vault.status().unlocked)
        }
    }

    @Test
    fun everyCodePolicyServesOneCallPerUnlock() = runBlocking<Unit> {
        val vault = makeVault(path(), ManualClock(), UnlockPolicy.EVERY_CODE)
        assertThrows<OtpException.VaultLocked> { vault.addUri(rfcUri) }
        assertNull(vault.unlock(PIN).sessionSeconds)
        val id = vault.addUri(rfcUri).id
        assertThrows<OtpException.VaultLocked> { vault.code(id, 59uL) }
        vault.unlock(PIN)
        assertEquals("94287082", vault.code(id, 59uL).value)
        assertFalse(vault.status().unlocked)
        assertThrows<OtpException.VaultLocked> { vault.code(id, 59uL) }
    }

    @Test
    fun wrongPinsUpToTheLockout() = runBlocking<Unit> {
        val clock = ManualClock()
        makeVault(path(), clock).destroy()
        val vault = OtpVault.open(path(), clock = clock)
        for (left in listOf(4u, 3u, 2u, 1u, 0u)) {
            val error = assertThrows<OtpException.WrongPin> { await { vault.unlock(WRONG) } }
            assertEquals(left, error.attemptsBeforeDelay)
        }
        val locked = assertThrows<OtpException.LockedOut> { await { vault.unlock(PIN) } }
        assertEquals(60uL, locked.secondsLeft)
        clock.advance(60)
        vault.unlock(PIN)
        assertEquals(0u, vault.status().failedAttempts)
        assertThrows<OtpException.InvalidPin> { await { vault.unlock("12") } }
        assertThrows<OtpException.WeakPin> { await { vault.changePin(PIN, "12345") } }
    }

    @Test
    fun quickUnlockWithAKotlinBiometricKey() = runBlocking<Unit> {
        val clock = ManualClock()
        val vault = makeVault(path(), clock)
        val id = vault.addUri(rfcUri).id
        val biometric = TestBiometricKey()
        assertThrows<OtpException.QuickUnlockNotSet> { await { vault.quickUnlock(biometric) } }
        assertThrows<OtpException.WrongPin> { await { vault.enableQuickUnlock(WRONG, biometric) } }
        vault.enableQuickUnlock(PIN, biometric)
        assertTrue(vault.status().quickUnlock)
        vault.lock()
        // Success: the prompt ran on the library's thread, not this one.
        assertEquals(300uL, vault.quickUnlock(biometric).sessionSeconds)
        assertNotSame(Thread.currentThread(), biometric.promptThread)
        assertEquals("94287082", vault.code(id, 59uL).value)
        vault.lock()
        // Cancelled: its own error, no PIN attempt counted, the slot kept.
        biometric.outcome = ProtectorFailure.Cancelled()
        assertThrows<OtpException.QuickUnlockCancelled> { await { vault.quickUnlock(biometric) } }
        assertEquals(0u, vault.status().failedAttempts)
        assertTrue(vault.status().quickUnlock)
        // Invalidated (new fingerprint enrolled): the slot goes, the PIN still opens.
        biometric.outcome = ProtectorFailure.KeyInvalidated()
        assertThrows<OtpException.QuickUnlockInvalidated> { await { vault.quickUnlock(biometric) } }
        assertFalse(vault.status().quickUnlock)
        assertEquals(1, biometric.deletions.get(), "the app is told to delete the invalidated key")
        val prompts = biometric.prompts.get()
        assertThrows<OtpException.QuickUnlockNotSet> { await { vault.quickUnlock(biometric) } }
        assertEquals(prompts, biometric.prompts.get())
        vault.unlock(PIN)
        assertEquals("94287082", vault.code(id, 59uL).value)
        // Disabling removes the slot and calls back to delete the platform key.
        vault.enableQuickUnlock(PIN, biometric)
        vault.disableQuickUnlock(biometric)
        assertEquals(2, biometric.deletions.get())
        assertFalse(vault.status().quickUnlock)
    }

    @Test
    fun quickUnlockStandsInForTheEveryCodePinOnlyWhenAllowed() = runBlocking<Unit> {
        val vault = makeVault(path(), ManualClock(), UnlockPolicy.EVERY_CODE)
        vault.unlock(PIN)
        val id = vault.addUri(rfcUri).id
        val biometric = TestBiometricKey()
        vault.enableQuickUnlock(PIN, biometric)
        assertThrows<OtpException.QuickUnlockNotAllowed> { await { vault.quickUnlock(biometric) } }
        vault.enableQuickUnlock(PIN, biometric, allowEveryCode = true)
        assertTrue(vault.status().quickUnlockEveryCode)
        vault.quickUnlock(biometric)
        assertEquals("94287082", vault.code(id, 59uL).value)
        assertThrows<OtpException.VaultLocked> { vault.code(id, 59uL) }
        // A PIN change removes quick unlock.
        vault.changePin(PIN, "97531")
        assertFalse(vault.status().quickUnlock)
    }

    @Test
    fun kotlinDeviceKey() = runBlocking<Unit> {
        val clock = ManualClock()
        val device = TestDeviceKey()
        val vault = makeVault(path(), clock, deviceKey = device)
        val id = vault.addUri(rfcUri).id
        assertTrue(vault.status().deviceBound)
        assertThrows<OtpException.DeviceKeyRequired> { await { OtpVault.open(path(), clock = clock).unlock(PIN) } }
        // Another device's key: the protector reports KeyInvalidated, which arrives as its own case.
        assertThrows<OtpException.DeviceKeyInvalidated> { await { OtpVault.open(path(), TestDeviceKey(), clock).unlock(PIN) } }
        val right = OtpVault.open(path(), device, clock)
        right.unlock(PIN)
        assertEquals("94287082", right.code(id, 59uL).value)
    }

    @Test
    fun aCallbackThatThrowsBecomesACleanError() {
        val clock = ManualClock()
        val device = TestDeviceKey()
        makeVault(path(), clock, deviceKey = device).destroy()
        val crashing = OtpVault.open(path(), TestDeviceKey(device.key, IllegalStateException("keystore crashed")), clock)
        assertThrows<OtpException.DeviceKeyFailed> { await { crashing.unlock(PIN) } }
        val declared = OtpVault.open(path(), TestDeviceKey(device.key, ProtectorFailure.Failed("user not authenticated")), clock)
        val error = assertThrows<OtpException.DeviceKeyFailed> { await { declared.unlock(PIN) } }
        assertTrue(error.reason.contains("user not authenticated"), error.reason)
        // Each report of the platform reaches the caller as its own case, costing no PIN attempt.
        val cancelled = OtpVault.open(path(), TestDeviceKey(device.key, ProtectorFailure.Cancelled()), clock)
        assertThrows<OtpException.DeviceKeyCancelled> { await { cancelled.unlock(PIN) } }
        val unavailable = OtpVault.open(path(), TestDeviceKey(device.key, ProtectorFailure.Unavailable("device locked")), clock)
        val busy = assertThrows<OtpException.DeviceKeyUnavailable> { await { unavailable.unlock(PIN) } }
        assertEquals("device locked", busy.reason)
        assertEquals(0u, declared.status().failedAttempts)
    }

    @Test
    fun lockWipesAccessAndHotpAdvances() = runBlocking<Unit> {
        val vault = makeVault(path(), ManualClock())
        val hotp = vault.addUri("otpauth://hotp/Y:k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0").id
        assertEquals(listOf("755224", "287082", "359152"), (1..3).map { vault.nextHotp(hotp).value })
        assertThrows<OtpException.NotTimeBased> { vault.code(hotp, T0) }
        vault.lock()
        assertThrows<OtpException.VaultLocked> { vault.list() }
        assertThrows<OtpException.VaultLocked> { vault.nextHotp(hotp) }
        vault.unlock(PIN)
        assertEquals("969429", vault.nextHotp(hotp).value)
    }

    @Test
    fun timeOffsetAndExport() = runBlocking<Unit> {
        val vault = makeVault(path(), ManualClock())
        val id = vault.addUri(rfcUri).id
        vault.setTimeOffset(1_111_111_109L - 59)
        assertEquals("07081804", vault.code(id, 59uL).value)
        assertTrue(vault.exportUris(PIN).first().startsWith("otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        assertThrows<OtpException.WrongPin> { await { vault.exportUris(WRONG) } }
    }

    @Test
    fun severalThreadsShareOneVault() {
        val vault = makeVault(path(), ManualClock(), UnlockPolicy.TEN_MINUTES)
        val base = vault.addUri(rfcUri).id
        val errors = Collections.synchronizedList(mutableListOf<Throwable>())
        val threads = (0 until 4).map { n ->
            thread {
                try {
                    repeat(20) { i ->
                        // A distinct secret per token: the same one twice is refused as a duplicate.
                        val k = n * 20 + i
                        val secret = "JBSWY3DPEHPK3P" + BASE32[k / 32] + BASE32[k % 32]
                        vault.addTyped(secret, TokenParams(issuer = "thread", account = "$n-$i", algorithm = Algorithm.SHA1, kind = OtpKind.Totp(30u)))
                        assertEquals("94287082", vault.code(base, 59uL).value)
                        vault.codes(T0)
                    }
                } catch (t: Throwable) {
                    errors.add(t)
                }
            }
        }
        threads.forEach { it.join() }
        assertEquals(emptyList<Throwable>(), errors)
        assertEquals(81, vault.list().size)
    }

    @Test
    fun badInputsAreTypedExceptions() {
        val clock = ManualClock()
        val vault = makeVault(path(), clock)
        val digits = assertThrows<OtpException.InvalidUri> { vault.addUri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12") }
        assertEquals(UriErrorKind.INVALID_DIGITS, digits.kind)
        val secret = assertThrows<OtpException.InvalidSecret> { vault.addUri("otpauth://totp/a?secret=JBSW1Y3DP") }
        assertEquals(5u, secret.position)
        assertThrows<OtpException.NotFound> { vault.remove(42) }
        assertEquals(SecretErrorKind.INVALID_CHARACTER, secret.kind)
        assertThrows<OtpException.AlreadyExists> { makeVault(path(), clock) }
        val weak = assertThrows<OtpException.KdfTooWeak> {
            await { OtpVault.create(path("weak.db"), PIN, UnlockPolicy.FIVE_MINUTES, CreateOptions(kdfIterations = 1000u), clock = clock) }
        }
        assertEquals(1000u, weak.iterations)
        assertEquals(600000u, weak.minimum)
        assertThrows<OtpException.NoVault> { OtpVault.open(path("missing.db"), clock = clock) }
        java.io.File(path("notes.txt")).writeText("not a database")
        assertThrows<OtpException.NotAVault> { OtpVault.open(path("notes.txt"), clock = clock) }
        vault.destroy()
        setUserVersion(path(), 99)
        val newer = assertThrows<OtpException.NewerSchema> { OtpVault.open(path(), clock = clock) }
        assertEquals(99u, newer.found)
        assertTrue(newer.supported in 1u..98u)
        // The period check lives in the core; the facade forwards it.
        val period = assertThrows<OtpException.InvalidUri> { totpCode(ByteArray(20), Algorithm.SHA1, 6u, 0u, T0) }
        assertEquals(UriErrorKind.INVALID_PERIOD, period.kind)
    }

    @Test
    fun groupsNotesIconsAndFavourites() = runBlocking<Unit> {
        val vault = makeVault(path(), ManualClock())
        val id = vault.addUri(rfcUri).id
        assertEquals(listOf("Work", "Bank"), vault.setGroups(id, listOf("Work", " work", "Bank")).groups)
        assertEquals("PUK in the drawer", vault.setNote(id, "PUK in the drawer").note)
        assertTrue(vault.setFavourite(id, true).favourite)
        val png = byteArrayOf(0x89.toByte(), 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) + ByteArray(16)
        assertEquals(IconKind.PNG, vault.setIcon(id, png).icon)
        val icon = vault.icon(id)!!
        assertEquals(IconKind.PNG, icon.kind)
        assertTrue(icon.bytes.contentEquals(png))
        assertThrows<OtpException.InvalidDetails> { vault.setIcon(id, "GIF89a".toByteArray()) }
        val listed = vault.list()[0]
        assertEquals(listOf("Work", "Bank"), listed.groups)
        assertTrue(listed.favourite)
        assertEquals("PUK in the drawer", listed.note)
        vault.setIcon(id, null)
        assertNull(vault.icon(id))
    }
}
