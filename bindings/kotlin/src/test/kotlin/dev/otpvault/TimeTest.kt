package dev.otpvault

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Authenticated time (otpvault-time/v1) through the Kotlin bindings: tests/vectors/time.json
 * (made by an independent reference) replayed; an answer shifted in the middle, or made for
 * another account, is refused; a Date header gives an unauthenticated offset.
 */
class TimeTest {
    @Test
    fun theTimeVectorsReplay() {
        val doc = vectors("time.json")
        val nonce = hex(doc.getString("nonce_hex"))
        val cases = doc.getJSONArray("cases")
        for (i in 0 until cases.length()) {
            val case = cases.getJSONObject(i)
            val client = TimeSyncClient.forVector(doc.getString("uri"), nonce, case.getLong("sent_ms").toULong())
            assertEquals("/v1/time", client.path())
            assertEquals(case.getString("request_body"), client.body())
            val received = case.getLong("received_ms").toULong()
            if (case.getBoolean("valid")) {
                val sync = client.finishAt(200u, case.getString("answer_body"), received)
                assertEquals(case.getLong("offset_ms"), sync.offsetMs, case.getString("name"))
                assertEquals(case.getLong("uncertainty_ms").toULong(), sync.uncertaintyMs)
                assertEquals(case.getBoolean("far_off"), sync.farOff)
                assertTrue(sync.authenticated)
            } else {
                assertThrows<OtpException.ActivationServerNotAuthenticated> {
                    client.finishAt(200u, case.getString("answer_body"), received)
                }
            }
        }
        val dates = doc.getJSONArray("date_headers")
        for (i in 0 until dates.length()) {
            val case = dates.getJSONObject(i)
            val sync = timeFromDateHeader(
                case.getString("date"), case.getLong("sent_ms").toULong(), case.getLong("received_ms").toULong(),
            )
            assertEquals(case.getLong("offset_ms"), sync.offsetMs)
            assertEquals(case.getLong("uncertainty_ms").toULong(), sync.uncertaintyMs)
            assertFalse(sync.authenticated)
        }
    }
}
