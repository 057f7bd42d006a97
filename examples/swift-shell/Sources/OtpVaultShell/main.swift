// A console authenticator in a few dozen lines: open (or create) a vault, ask the PIN, print live
// codes. Usage: OtpVaultShell VAULT_PATH [FRAMES]. The PIN is read from standard input.
import Foundation
import OtpVault

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write("usage: OtpVaultShell VAULT_PATH [FRAMES]\n".data(using: .utf8)!)
    exit(2)
}
let path = args[1]
let frames = args.count > 2 ? Int(args[2]) ?? 1 : Int.max

do {
    print("PIN: ", terminator: "")
    let pin = readLine() ?? ""
    let vault: OtpVault
    // create and unlock run the KDF off this thread (async calls).
    if FileManager.default.fileExists(atPath: path) {
        vault = try OtpVault.open(path: path)
    } else {
        print("Creating \(path) with a sample account")
        vault = try await OtpVault.create(path: path, pin: pin, policy: .fiveMinutes)
        _ = try vault.addUri(uri: "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
    }
    let unlocked = try await vault.unlock(pin: pin)
    print("Unlocked (\(unlocked.policy)); codes for \(unlocked.sessionSeconds ?? 0) s")
    for frame in 0..<frames {
        if !vault.status().unlocked { _ = try await vault.unlock(pin: pin) }
        let now = UInt64(Date().timeIntervalSince1970)
        for entry in try vault.entries(unixTime: now) {
            guard let code = entry.code else { continue }
            let name = "\(entry.info.issuer) \(entry.info.account)"
            print(name.padding(toLength: 32, withPad: " ", startingAt: 0), code.value, "\(code.secondsLeft) s")
        }
        if frame + 1 < frames { print(""); sleep(1) }
    }
    vault.lock()
} catch {
    FileHandle.standardError.write("otpvault: \(error)\n".data(using: .utf8)!)
    exit(1)
}
