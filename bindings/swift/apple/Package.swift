// swift-tools-version:5.9
// The Apple package of otpvault, as an iOS app consumes it: the Rust library as a binary
// XCFramework (static libraries for devices and simulators) and the generated Swift module on
// top. Both are produced by scripts/build-xcframework, which needs macOS with Xcode: nothing here
// can be built on Linux (the Linux package for the tests is ../Package.swift, a systemLibrary).
//
// In an app: File ▸ Add Package Dependencies ▸ Add Local… (this folder), or publish the
// XCFramework as a zip and replace `path:` by `url:` and `checksum:`
// (`swift package compute-checksum OtpVaultFFI.xcframework.zip`).
import PackageDescription

let package = Package(
    name: "OtpVault",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "OtpVault", targets: ["OtpVault"]),
    ],
    targets: [
        .binaryTarget(name: "OtpVaultFFI", path: "OtpVaultFFI.xcframework"),
        .target(name: "OtpVault", dependencies: ["OtpVaultFFI"], path: "Sources/OtpVault"),
    ]
)
