import Foundation
import OtpVault
import XCTest

let pin = "13579"
let wrongPin = "24680"
/// The smallest count the library accepts (~0.1 s an unlock here).
let kdf: UInt32 = 600_000
let t0: UInt64 = 1_700_000_000

let vectorsDir = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("tests/vectors")

func loadVectors<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let data = try Data(contentsOf: vectorsDir.appendingPathComponent(name))
    return try JSONDecoder().decode(T.self, from: data)
}

func hex(_ text: String) -> Data {
    var out = Data()
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        out.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return out
}

/// A clock moved by hand, implemented in Swift and called from Rust.
final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var wall: UInt64
    private var mono: UInt64 = 0

    init(wall: UInt64 = t0) { self.wall = wall }

    func wallSeconds() -> UInt64 { lock.lock(); defer { lock.unlock() }; return wall }
    func monotonicMillis() -> UInt64 { lock.lock(); defer { lock.unlock() }; return mono }

    func advance(_ seconds: UInt64) {
        lock.lock(); defer { lock.unlock() }
        mono += seconds * 1000
        wall += seconds
    }
}

struct KeystoreCrash: Error {}

/// A stand-in for the Secure Enclave: a device id prefix (to detect another device's key) and a
/// keyed XOR stream.
final class TestDeviceKey: DeviceKeyProtector, @unchecked Sendable {
    let key: Data
    let failWith: Error?

    init(key: Data = Data((0..<32).map { _ in UInt8.random(in: 0...255) }), failWith: Error? = nil) {
        self.key = key
        self.failWith = failWith
    }

    private func xor(_ data: Data) -> Data {
        Data(data.enumerated().map { $0.element ^ key[key.startIndex + ($0.offset % key.count)] ^ UInt8($0.offset & 0xff) })
    }

    func wrap(data: Data) throws -> Data {
        key.prefix(8) + xor(data)
    }

    func unwrap(data: Data) throws -> Data {
        if let failWith { throw failWith }
        guard data.prefix(8) == key.prefix(8) else { throw ProtectorFailure.KeyInvalidated }
        return xor(data.dropFirst(8))
    }
}

/// The native name of the calling thread (what Rust's `thread::Builder::name` set).
func currentThreadName() -> String {
    #if canImport(Darwin)
    var name = [CChar](repeating: 0, count: 64)
    pthread_getname_np(pthread_self(), &name, name.count)
    return String(cString: name)
    #else
    let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    return comm.trimmingCharacters(in: .whitespacesAndNewlines)
    #endif
}

/// A device key whose unwrap (called during unlock, before the KDF) waits until the test releases
/// it. If the library ran unlock on the caller's thread, that thread would be stuck here and could
/// never release it: the wait times out and the unlock fails.
final class GatedDeviceKey: DeviceKeyProtector, @unchecked Sendable {
    private let key: TestDeviceKey
    let release = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var _hasEntered = false
    private var _threadName = ""
    var hasEntered: Bool { lock.lock(); defer { lock.unlock() }; return _hasEntered }
    /// The name of the native thread unwrap ran on.
    var threadName: String { lock.lock(); defer { lock.unlock() }; return _threadName }

    init(_ key: TestDeviceKey) { self.key = key }

    func wrap(data: Data) throws -> Data { try key.wrap(data: data) }

    func unwrap(data: Data) throws -> Data {
        let name = currentThreadName()
        lock.lock(); _hasEntered = true; _threadName = name; lock.unlock()
        guard release.wait(timeout: .now() + 5) == .success else {
            throw ProtectorFailure.Failed(reason: "the caller's thread was blocked")
        }
        return try key.unwrap(data: data)
    }
}

/// A biometric key simulated in Swift: it encrypts like `TestDeviceKey`, and each prompt ends as
/// the test says (`outcome` nil for success, or the platform's report to throw).
final class TestBiometricKey: QuickUnlockProtector, @unchecked Sendable {
    private let lock = NSLock()
    private let key = TestDeviceKey()
    private var _outcome: ProtectorFailure?
    private(set) var prompts = 0
    private(set) var promptOnMainThread = false
    private var _deletions = 0

    var deletions: Int {
        lock.lock(); defer { lock.unlock() }; return _deletions
    }

    func deleteKey() throws {
        lock.lock(); _deletions += 1; lock.unlock()
    }

    var outcome: ProtectorFailure? {
        get { lock.lock(); defer { lock.unlock() }; return _outcome }
        set { lock.lock(); _outcome = newValue; lock.unlock() }
    }

    func wrap(data: Data) throws -> Data { try key.wrap(data: data) }

    func unwrap(data: Data) throws -> Data {
        lock.lock()
        prompts += 1
        promptOnMainThread = Thread.isMainThread
        let outcome = _outcome
        lock.unlock()
        if let outcome { throw outcome }
        return try key.unwrap(data: data)
    }
}

func makeVault(_ path: String, _ clock: ManualClock, policy: UnlockPolicy = .fiveMinutes,
               deviceKey: DeviceKeyProtector? = nil) async throws -> OtpVault {
    try await OtpVault.create(path: path, pin: pin, policy: policy, options: CreateOptions(kdfIterations: kdf),
                              deviceKey: deviceKey, clock: clock)
}

/// `XCTAssertThrowsError` for async calls: fails unless `body` throws, then hands the error to
/// `check`. Runs in the caller's isolation (the main actor in main-actor tests).
func assertThrowsAsync<T: Sendable>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T,
                          file: StaticString = #filePath, line: UInt = #line,
                          _ check: (Error) -> Void = { _ in }) async {
    do {
        _ = try await body()
        XCTFail("no error was thrown", file: file, line: line)
    } catch {
        check(error)
    }
}

/// Fails unless `body` throws exactly `expected`.
func assertThrowsAsync<T: Sendable>(isolation: isolated (any Actor)? = #isolation, _ expected: OtpError,
                          file: StaticString = #filePath, line: UInt = #line,
                          _ body: () async throws -> T) async {
    await assertThrowsAsync(isolation: isolation, body, file: file, line: line) {
        XCTAssertEqual($0 as? OtpError, expected, file: file, line: line)
    }
}

/// The snake_case name of an error kind (`.invalidDigits` → "invalid_digits"), as the vectors spell it.
func snakeCase(_ value: Any) -> String {
    var out = ""
    for character in String(describing: value) {
        if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
    }
    return out
}

/// Sets a closed vault file's schema version (SQLite header bytes 60..63, big-endian).
func setUserVersion(_ path: String, _ version: UInt32) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try handle.seek(toOffset: 60)
    try handle.write(contentsOf: withUnsafeBytes(of: version.bigEndian) { Data($0) })
    try handle.close()
}

func tempPath(_ name: String = "vault.db") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
