//! Feeds arbitrary text to both sides of the activation protocol: as the server's answer to the
//! client's first and second request, and as a client's exchange request parsed and run by the
//! server's pure function. Nothing may panic, and a client must never finish on forged input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpvault_codes::ManualClock;
use otpvault_activation::{self as activation, ActivationClient, CredentialParams, Step};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let clock = Arc::new(ManualClock::new(1_700_000_000));
    let client = || {
        ActivationClient::new_deterministic("https://p.example", "u", "pw", "12345", clock.clone(), b"fuzz")
            .expect("valid arguments")
            .0
    };
    for status in [200, 401, 410, 429] {
        let _ = client().handle(status, text);
    }
    let mut second = client();
    if let Ok(Step::Send(_)) = second.handle(200, &activation::start_body(&[7u8; 16], "https://p.example")) {
        // Forged answers to the exchange can end in an error only: without the code no input
        // produces a server tag that verifies.
        assert!(!matches!(second.handle(200, text), Ok(Step::Done(_))));
    }
    if let Ok(map) = activation::parse_body(text) {
        if let Ok(ya) = activation::hex_field(&map, "ya", 32, "ya") {
            let params = CredentialParams {
                id: "c1".into(),
                issuer: "I".into(),
                account: "u".into(),
                algorithm: otpvault_codes::Algorithm::Sha1,
                digits: 6,
                period: 30,
            };
            let _ = activation::server_exchange(
                "https://p.example", "u", b"12345", &[1u8; 16], &[7u8; 16], &ya, &params, [3u8; 32],
            );
        }
    }
});
