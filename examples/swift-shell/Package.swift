// swift-tools-version:6.0
// A Swift console shell over the otpvault bindings, and a bench of the FFI from Swift.
//   swift run OtpVaultShell /tmp/demo.db 3      (link with -Xlinker -L<dir of libotpvault_ffi>)
//   swift run -c release OtpVaultBench
import PackageDescription

let package = Package(
    name: "OtpVaultExamples",
    dependencies: [.package(path: "../../bindings/swift")],
    targets: [
        .executableTarget(name: "OtpVaultShell", dependencies: [.product(name: "OtpVault", package: "swift")]),
        .executableTarget(name: "OtpVaultBench", dependencies: [.product(name: "OtpVault", package: "swift")]),
    ]
)
