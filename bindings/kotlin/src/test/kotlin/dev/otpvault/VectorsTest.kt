package dev.otpvault

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The shared conformance vectors in tests/vectors, through the Kotlin bindings. */
class VectorsTest {
    private val algorithms = mapOf("SHA1" to Algorithm.SHA1, "SHA256" to Algorithm.SHA256, "SHA512" to Algorithm.SHA512)

    private fun JSONObject.u64(key: String): ULong = getBigInteger(key).toLong().toULong()

    @Test
    fun rfc4226AppendixD() {
        val doc = vectors("rfc4226.json")
        val secret = hex(doc.getString("secret_hex"))
        val cases = doc.getJSONArray("cases")
        assertEquals(10, cases.length())
        for (i in 0 until cases.length()) {
            val case = cases.getJSONObject(i)
            assertEquals(case.getString("code"), hotpCode(secret, Algorithm.SHA1, 6u, case.u64("counter")))
        }
    }

    @Test
    fun rfc6238AppendixB() {
        val doc = vectors("rfc6238.json")
        val cases = doc.getJSONArray("cases")
        assertEquals(18, cases.length())
        for (i in 0 until cases.length()) {
            val case = cases.getJSONObject(i)
            val name = case.getString("algorithm")
            val seed = hex(doc.getJSONObject("seeds_hex").getString(name))
            val code = totpCode(seed, algorithms.getValue(name), 8u, 30u, case.u64("time"))
            assertEquals(case.getString("code"), code.value, case.toString())
            assertEquals(case.getString("step_hex").toULong(16), code.step)
        }
    }

    @Test
    fun generatedCodeVectors() {
        val cases = vectors("codes.json").getJSONArray("cases")
        for (i in 0 until cases.length()) {
            val case = cases.getJSONObject(i)
            val secret = decodeSecret(case.getString("secret")).bytes
            val algorithm = algorithms.getValue(case.getString("algorithm"))
            val digits = case.getInt("digits").toUByte()
            when (case.getString("kind")) {
                "hotp" -> assertEquals(case.getString("code"), hotpCode(secret, algorithm, digits, case.u64("counter")))
                else -> {
                    val code = if (case.getString("kind") == "steam") steamCode(secret, case.u64("time"))
                    else totpCode(secret, algorithm, digits, case.getInt("period").toUInt(), case.u64("time"))
                    assertEquals(case.getString("code"), code.value, case.toString())
                    assertEquals(case.getString("next_code"), code.nextValue)
                    assertEquals(case.getInt("seconds_left").toUInt(), code.secondsLeft)
                }
            }
        }
    }

    @Test
    fun validUrisParseAndRoundTrip() {
        val valid = vectors("uris.json").getJSONArray("valid")
        for (i in 0 until valid.length()) {
            val case = valid.getJSONObject(i)
            val expect = case.getJSONObject("expect")
            val parsed = parseUri(case.getString("uri"))
            val name = case.getString("name")
            assertEquals(expect.getString("issuer"), parsed.params.issuer, name)
            assertEquals(expect.getString("account"), parsed.params.account, name)
            assertEquals(expect.getString("secret"), parsed.secret, name)
            assertEquals(algorithms.getValue(expect.getString("algorithm")), parsed.params.algorithm, name)
            assertEquals(expect.getInt("digits").toUByte(), parsed.params.digits, name)
            when (val kind = parsed.params.kind) {
                is OtpKind.Totp -> { assertEquals("totp", expect.getString("type")); assertEquals(expect.getInt("period").toUInt(), kind.period) }
                is OtpKind.Hotp -> { assertEquals("hotp", expect.getString("type")); assertEquals(expect.u64("counter"), kind.counter) }
                is OtpKind.Steam -> assertEquals("steam", expect.getString("type"))
            }
            assertEquals(parsed, parseUri(buildUri(parsed.secret, parsed.params)), name)
        }
    }

    @Test
    fun invalidUrisThrowTypedExceptions() {
        val invalid = vectors("uris.json").getJSONArray("invalid")
        for (i in 0 until invalid.length()) {
            val case = invalid.getJSONObject(i)
            val error = assertThrows<OtpException> { parseUri(case.getString("uri")) }
            when (error) {
                is OtpException.InvalidUri -> assertEquals(case.getString("error"), error.kind.name.lowercase(), case.getString("name"))
                is OtpException.InvalidSecret -> assertEquals("invalid_secret", case.getString("error"), case.getString("name"))
                else -> throw AssertionError("unexpected $error for ${case.getString("name")}")
            }
            assertFalse(error.message.orEmpty().contains("JBSWY3DPEHPK3PXP"))
        }
    }

    @Test
    fun secretTable() {
        val doc = vectors("secrets.json")
        val valid = doc.getJSONArray("valid")
        for (i in 0 until valid.length()) {
            val case = valid.getJSONObject(i)
            val decoded = decodeSecret(case.getString("input"))
            assertEquals(case.getString("canonical"), decoded.canonical)
            assertEquals(case.getInt("bytes"), decoded.bytes.size)
            assertEquals(case.getBoolean("weak"), decoded.weak)
        }
        val invalid = doc.getJSONArray("invalid")
        for (i in 0 until invalid.length()) {
            val case = invalid.getJSONObject(i)
            val error = assertThrows<OtpException.InvalidSecret> { decodeSecret(case.getString("input")) }
            assertEquals(case.getString("error"), error.kind.name.lowercase())
            if (case.has("position")) assertEquals(case.getInt("position").toUInt(), error.position)
            assertTrue(error.reason.isNotEmpty())
        }
    }
}
