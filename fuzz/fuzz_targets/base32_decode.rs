//! Feeds arbitrary text to the base32 decoder: it must never panic, and whatever it accepts must
//! re-encode to something that decodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpvault_codes::Secret;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(secret) = Secret::from_base32(text) {
            let again = Secret::from_base32(&secret.to_base32()).expect("canonical base32 must decode");
            assert_eq!(again, secret);
        }
    }
});
