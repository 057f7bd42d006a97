//! Feeds arbitrary bytes to the import reader (format sniffing, then every parser: Google
//! transfer, Aegis, 2FAS and andOTP plain and encrypted, Bitwarden, Steam, URI lists): no panic on
//! any input, and whatever it reads is a bounded list of validated tokens or typed skip reasons.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpvault_core::import;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, candidates)) = import::read(data, Some("password")) {
        assert!(candidates.len() <= import::MAX_ENTRIES);
    }
});
