package dev.otpvault

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File

/**
 * Moving in and out through the Kotlin bindings: every import fixture (all formats, plain and
 * encrypted) imported with the codes the exporting app shows, a wrong password refused, and the backup
 * round trip (tokens, names, codes and the time correction).
 */
class TransferTest {
    @TempDir lateinit var dir: File

    private val fixtures = File(System.getProperty("otpvault.vectors")).resolve("../fixtures/import")
    private val strong = "violin tundra marble compass 1887"

    private fun outcomeName(outcome: ImportOutcome): String = when (outcome) {
        is ImportOutcome.Imported -> "imported"
        is ImportOutcome.DuplicateOf -> "duplicate"
        is ImportOutcome.DuplicateInFile -> "duplicate_in_file"
        is ImportOutcome.Skipped -> outcome.reason.name.lowercase()
    }

    /** The conformance vector every language reads: each file of tests/fixtures/import is
     *  recognised as its format and imports entry by entry with the codes the exporting app shows. */
    @Test
    fun everyImportFixtureGivesTheAppsCodes() {
        val expected = JSONObject(fixtures.resolve("expected.json").readText())
        val time = expected.getLong("time").toULong()
        val formats = expected.getJSONObject("formats")
        assertTrue(formats.length() >= 25)
        for (name in formats.keySet().sorted()) {
            val password = expected.getJSONObject("passwords").optString(name).ifEmpty { null }
            val vault = makeVault(File(dir, "$name.db").path, ManualClock(time))
            val bytes = fixtures.resolve(name).readBytes()
            if (password != null) {
                assertThrows<OtpException.ImportPasswordRequired>(name) { await { vault.importFile(bytes, null) } }
                assertThrows<OtpException.ImportWrongPassword>(name) { await { vault.importFile(bytes, "not the password") } }
                assertEquals(0, vault.list().size)
            }
            val report = await { vault.importFile(bytes, password) }
            assertEquals(formats.getString(name), report.format, name)
            val want = expected.getJSONObject("files").getJSONArray(name)
            assertEquals(want.length(), report.entries.size, name)
            for ((i, entry) in report.entries.withIndex()) {
                val w = want.getJSONObject(i)
                val label = "$name #$i"
                assertEquals(w.getString("issuer"), entry.issuer, label)
                assertEquals(w.getString("account"), entry.account, label)
                val outcome = entry.outcome
                assertEquals(w.getString("outcome"), outcomeName(outcome), label)
                if (outcome is ImportOutcome.Imported) {
                    val code = if (w.optBoolean("hotp")) vault.nextHotp(outcome.id).value else vault.code(outcome.id, time).value
                    assertEquals(w.getString("code"), code, label)
                }
            }
        }
    }

    @Test
    fun aBackupRoundTrips() {
        val clock = ManualClock()
        val vault = makeVault(File(dir, "a.db").path, clock)
        vault.addUri("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        vault.addUri("otpauth://hotp/VPN:carol?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&counter=5")
        vault.setTimeOffset(-7)
        assertThrows<OtpException.WeakPassphrase> { await { vault.exportBackup(PIN, "password123") } }
        val backup = await { vault.exportBackup(PIN, strong) }
        val other = makeVault(File(dir, "b.db").path, clock)
        val report = await { other.restore(PIN, backup, strong) }
        assertEquals("otpvault-backup", report.format)
        assertEquals(vault.list().map { it.issuer to it.account }, other.list().map { it.issuer to it.account })
        assertEquals(vault.codes(T0).values, other.codes(T0).values)
        assertEquals(-7L, other.timeOffset())
        val again = await { other.restore(PIN, backup, strong) }
        assertTrue(again.entries.all { it.outcome is ImportOutcome.DuplicateOf })
    }

    @Test
    fun addingATokenAlreadyThereIsRefusedWithItsId() {
        val vault = makeVault(File(dir, "d.db").path, ManualClock())
        val first = vault.addUri("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP")
        val error = assertThrows<OtpException.DuplicateToken> {
            vault.addUri("otpauth://totp/acme:ALICE?secret=jbsw-y3dp-ehpk-3pxp")
        }
        assertEquals(first.id, error.id)
        assertEquals(1, vault.list().size)
        // The same secret under other names is another account enrolled with it: added.
        vault.addUri("otpauth://totp/Renamed:bob?secret=jbsw-y3dp-ehpk-3pxp")
        assertEquals(2, vault.list().size)
    }
}
