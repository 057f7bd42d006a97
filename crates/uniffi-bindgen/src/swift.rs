//! `uniffi-bindgen-swift`: uniffi's Swift-specific generator (module map file name, XCFramework
//! module maps), at exactly the workspace's uniffi version. Used by `scripts/build-xcframework`.

fn main() {
    uniffi::uniffi_bindgen_swift()
}
