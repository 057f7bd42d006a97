package dev.otpvault

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File

/**
 * Activation with a 5-digit code through the Kotlin bindings: the fixed-randomness vector of
 * tests/vectors/activation.json replayed (every request must match; the stored token gives the
 * recorded code), and recorded answers tampered with (nothing may be stored).
 */
class ActivationTest {
    @TempDir lateinit var dir: File

    private fun replay(doc: JSONObject, tamper: (Int, JSONObject) -> Unit = { _, _ -> }): Pair<ManualClock, ActivationResult> {
        val clock = ManualClock(doc.getLong("device_wall_seconds").toULong())
        val client = ActivationClient.newDeterministic(
            doc.getString("origin"), doc.getString("username"), doc.getString("password"),
            doc.getString("code"), clock, doc.getString("seed_utf8").toByteArray(),
        )
        var request = client.firstRequest()
        val steps = doc.getJSONArray("steps")
        for (i in 0 until steps.length()) {
            val step = steps.getJSONObject(i)
            val recorded = step.getJSONObject("request")
            assertEquals(recorded.getString("path"), request.path)
            assertTrue(JSONObject(recorded.getString("body")).similar(JSONObject(request.body)), "request $i")
            val response = step.getJSONObject("response")
            val body = JSONObject(response.getString("body"))
            tamper(i, body)
            when (val outcome = client.handle(response.getInt("status").toUShort(), body.toString())) {
                is ActivationStep.Done -> return clock to outcome.result
                is ActivationStep.Send -> request = outcome.request
            }
        }
        error("the vector ended before the activation")
    }

    @Test
    fun theFixedRandomnessVectorReplaysAndStoresTheToken() {
        val doc = vectors("activation.json")
        val (clock, result) = replay(doc)
        val expected = doc.getJSONObject("result")
        val info = result.info()
        assertEquals(expected.getString("issuer"), info.issuer)
        assertEquals(expected.getString("credential_id"), info.credentialId)
        assertEquals(expected.getLong("clock_offset"), info.clockOffset)
        val vault = makeVault(File(dir, "v.db").path, clock)
        val token = vault.activate(result)
        assertEquals(expected.getLong("clock_offset"), vault.timeOffset())
        val code = vault.code(token.id, doc.getLong("device_wall_seconds").toULong())
        assertEquals(expected.getString("code_at_device_time"), code.value)
        assertThrows<OtpException.ActivationUsed> { vault.activate(result) }
    }

    @Test
    fun aTamperedAnswerEndsTheActivationWithATypedError() {
        val doc = vectors("activation.json")
        assertThrows<OtpException.ActivationWrongCode> {
            replay(doc) { i, body -> if (i == 1) body.getJSONObject("credential").put("digits", 8) }
        }
        assertThrows<OtpException.ActivationServerNotAuthenticated> {
            replay(doc) { i, body -> if (i == 1) body.put("yb", "00".repeat(32)) }
        }
        assertThrows<OtpException.ActivationServerNotAuthenticated> {
            replay(doc) { i, body -> if (i == 2) body.put("server_time_ms", 1) }
        }
        val client = ActivationClient("https://portal.example.org", "mario", "pw", "04217")
        assertThrows<OtpException.ActivationBurned> { client.handle(410u, """{"error":"burned"}""") }
    }
}
