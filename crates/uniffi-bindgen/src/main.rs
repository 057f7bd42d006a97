//! `cargo run -p uniffi-bindgen -- generate --library <libotpvault_ffi> --language kotlin …`:
//! uniffi's generator at exactly the version the FFI crate was built with.

fn main() {
    uniffi::uniffi_bindgen_main()
}
