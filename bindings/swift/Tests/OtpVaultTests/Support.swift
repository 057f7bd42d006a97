import Foundation
import OtpVault

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

func makeVault(_ path: String, _ clock: ManualClock, policy: UnlockPolicy = .fiveMinutes,
               deviceKey: DeviceKeyProtector? = nil) throws -> OtpVault {
    try OtpVault.create(path: path, pin: pin, policy: policy, kdfIterations: kdf,
                        wipeAfterFailures: false, deviceKey: deviceKey, clock: clock)
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
