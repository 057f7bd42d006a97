//! Feeds arbitrary bytes to the decoders of the plaintexts sealed in the vault (token, settings,
//! manifest) as if AES-GCM had authenticated them — what a key compromise, a bug, or a future
//! format could put there: no panic, and whatever decodes must round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    otpvault_vault::test_support::check_record_decoding(data);
});
