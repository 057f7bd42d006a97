package dev.otpvault

import org.json.JSONObject
import java.io.File
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.runBlocking
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

const val PIN = "13579"
const val WRONG = "24680"
/** The smallest count the library accepts (~0.1 s an unlock here). */
const val KDF = 600_000u
const val T0 = 1_700_000_000uL

fun vectors(name: String): JSONObject =
    JSONObject(File(System.getProperty("otpvault.vectors"), name).readText())

fun hex(text: String): ByteArray = ByteArray(text.length / 2) { i -> text.substring(2 * i, 2 * i + 2).toInt(16).toByte() }

/** A clock moved by hand, implemented in Kotlin and called from Rust. */
class ManualClock(wall: ULong = T0) : Clock {
    private val wall = AtomicLong(wall.toLong())
    private val mono = AtomicLong(0)
    override fun wallSeconds(): ULong = wall.get().toULong()
    override fun monotonicMillis(): ULong = mono.get().toULong()
    fun advance(seconds: Long) {
        mono.addAndGet(seconds * 1000)
        wall.addAndGet(seconds)
    }
}

/** A stand-in for the Android Keystore: XOR stream plus an HMAC tag under a per-device key. */
class TestDeviceKey(
    val key: ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) },
    private val failWith: Exception? = null,
) : DeviceKeyProtector {
    private fun stream(n: Int): ByteArray {
        val out = java.io.ByteArrayOutputStream()
        var counter = 0
        while (out.size() < n) {
            val digest = MessageDigest.getInstance("SHA-256")
            digest.update(key)
            digest.update(byteArrayOf(0, 0, 0, counter.toByte()))
            out.write(digest.digest())
            counter++
        }
        return out.toByteArray().copyOf(n)
    }

    private fun tag(body: ByteArray): ByteArray =
        Mac.getInstance("HmacSHA256").apply { init(SecretKeySpec(key, "HmacSHA256")) }.doFinal(body)

    override fun wrap(data: ByteArray): ByteArray {
        val s = stream(data.size)
        val body = ByteArray(data.size) { (data[it].toInt() xor s[it].toInt()).toByte() }
        return body + tag(body)
    }

    override fun unwrap(data: ByteArray): ByteArray {
        failWith?.let { throw it }
        val body = data.copyOf(data.size - 32)
        if (!MessageDigest.isEqual(tag(body), data.copyOfRange(data.size - 32, data.size))) {
            throw ProtectorFailure.KeyInvalidated()
        }
        val s = stream(body.size)
        return ByteArray(body.size) { (body[it].toInt() xor s[it].toInt()).toByte() }
    }
}

/** Sets a closed vault file's schema version (SQLite header bytes 60..63, big-endian). */
fun setUserVersion(path: String, version: Int) {
    java.io.RandomAccessFile(path, "rw").use {
        it.seek(60)
        it.writeInt(version)
    }
}

/**
 * A device key whose unwrap (called during unlock, before the KDF) waits until the test releases
 * it. If the library ran unlock on the caller's thread, that thread would be stuck here and could
 * never release it: the wait times out and the unlock fails.
 */
class GatedDeviceKey(private val key: TestDeviceKey) : DeviceKeyProtector {
    val entered = java.util.concurrent.CountDownLatch(1)
    val release = java.util.concurrent.CountDownLatch(1)
    override fun wrap(data: ByteArray): ByteArray = key.wrap(data)
    override fun unwrap(data: ByteArray): ByteArray {
        entered.countDown()
        if (!release.await(5, java.util.concurrent.TimeUnit.SECONDS)) throw ProtectorFailure.Failed("the caller's thread was blocked")
        return key.unwrap(data)
    }
}

/**
 * A biometric key simulated in Kotlin: it encrypts like [TestDeviceKey], and each prompt ends as
 * the test says (success, or the platform's report: cancelled, invalidated…). Counts prompts and
 * remembers the thread it was called on.
 */
class TestBiometricKey(private val key: TestDeviceKey = TestDeviceKey()) : QuickUnlockProtector {
    @Volatile var outcome: ProtectorFailure? = null
    val prompts = AtomicInteger()
    @Volatile var promptThread: Thread? = null
    val deletions = AtomicInteger()
    override fun wrap(data: ByteArray): ByteArray = key.wrap(data)
    override fun deleteKey() {
        deletions.incrementAndGet()
    }
    override fun unwrap(data: ByteArray): ByteArray {
        prompts.incrementAndGet()
        promptThread = Thread.currentThread()
        outcome?.let { throw it }
        return key.unwrap(data)
    }
}

fun makeVault(
    path: String,
    clock: ManualClock,
    policy: UnlockPolicy = UnlockPolicy.FIVE_MINUTES,
    deviceKey: DeviceKeyProtector? = null,
): OtpVault = runBlocking { OtpVault.create(path, PIN, policy, CreateOptions(kdfIterations = KDF), deviceKey, clock) }

/** Runs a suspend call from a plain test (the KDF still runs on the library's own thread). */
fun <T> await(block: suspend () -> T): T = runBlocking { block() }
