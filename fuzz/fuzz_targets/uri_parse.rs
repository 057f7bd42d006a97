//! Feeds arbitrary text to the otpauth:// parser: it must never panic, and every token it accepts
//! must survive a build/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpvault_codes::uri;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(token) = uri::parse(text) {
            let again = uri::parse(&uri::build(&token)).expect("canonical URI must parse");
            assert_eq!(again, token);
        }
    }
});
