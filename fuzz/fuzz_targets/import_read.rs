//! Feeds arbitrary bytes to the import reader (format sniffing, then whichever parser the bytes
//! look like: every format of `import::FORMATS`): no panic on any input, and whatever it reads is
//! a bounded list of validated tokens or typed skip reasons. The `parse_*` targets drive each
//! parser alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpvault_transfer::import;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, candidates)) = import::read(data, Some("password")) {
        assert!(candidates.len() <= import::MAX_ENTRIES);
    }
});
