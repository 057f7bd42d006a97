//! Hooks for the crate's own tests and benchmarks (feature `test-support`, never enabled by a
//! binding or the CLI): the storage and crypto internals that integration tests attack.

pub use crate::crypto::{MIN_PBKDF2_ITERATIONS, calibrate_iterations};
pub use crate::storage::{MIGRATIONS, SCHEMA_VERSION};

/// Runs PBKDF2 exactly as a PIN slot does (for the KDF benchmark); returns the first key byte.
pub fn derive_pin_key(pin: &[u8], salt: &[u8], iterations: u32) -> u8 {
    crate::crypto::derive_pin_key(pin, salt, iterations, 1).map_or(0, |k| k.as_bytes()[0])
}

/// AES-256-GCM as the vault seals its rows (for test device-key protectors).
pub fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    crate::crypto::seal(key, aad, plaintext).unwrap_or_default()
}

/// Opens what [`seal`] produced; `None` on any authentication failure.
pub fn open(key: &[u8; 32], aad: &[u8], blob: &[u8]) -> Option<Vec<u8>> {
    crate::crypto::open(key, aad, blob)
        .ok()
        .map(|plain| plain.to_vec())
}

/// 32 random bytes from the OS CSPRNG.
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let _ = crate::crypto::fill_random(&mut key);
    key
}

/// The byte patterns that must never be left in freed memory for a secret used with `algorithm`:
/// the raw key, its canonical base32, and the keyed HMAC inner and outer states as they lie in
/// memory.
pub fn secret_fingerprints(secret: &[u8], algorithm: otpvault_codes::Algorithm) -> Vec<Vec<u8>> {
    let [inner, outer] = otpvault_codes::test_support::keyed_state_bytes(algorithm, secret);
    let base32 = otpvault_codes::secret::encode_base32(secret);
    vec![secret.to_vec(), base32.as_bytes().to_vec(), inner, outer]
}

/// Decodes `bytes` as each plaintext layout sealed in the vault (token, settings, manifest), as
/// if AES-GCM had authenticated them (the fuzz target for hostile records). Panics when something
/// decodes but does not survive an encode/decode round trip.
pub fn check_record_decoding(bytes: &[u8]) {
    use crate::record::{Manifest, decode_token, encode_token};
    if let Ok((token, details)) = decode_token(bytes) {
        assert_eq!(
            decode_token(&encode_token(&token, &details)),
            Ok((token, details))
        );
    }
    if let Ok(settings) = crate::Settings::decode(bytes) {
        assert_eq!(settings.encode(), bytes);
    }
    if let Ok(manifest) = Manifest::decode(bytes) {
        // (Version 1 is read, and written back as version 2.)
        assert_eq!(Manifest::decode(&manifest.encode()), Ok(manifest));
    }
}

/// Encoded records of every kind (seeds for the record fuzz target).
pub fn sample_records() -> Vec<Vec<u8>> {
    use crate::record::{Manifest, encode_token};
    let mut out: Vec<Vec<u8>> = [
        "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60",
        "otpauth://hotp/Yubi:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=42",
        "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
    ]
    .iter()
    .filter_map(|uri| otpvault_codes::uri::parse(uri).ok())
    .map(|token| encode_token(&token, &Default::default()).to_vec())
    .collect();
    let mut details = otpvault_transfer::details::Details::default();
    if details.set_groups(&["Work", "Bank"]).is_ok() && details.set_note("a note").is_ok() {
        details.favourite = true;
        details.icon = otpvault_transfer::details::Icon::new(b"<svg/>".to_vec()).ok();
    }
    if let Ok(token) = otpvault_codes::uri::parse("otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP")
    {
        out.push(encode_token(&token, &details).to_vec());
    }
    out.push(
        crate::Settings {
            policy: crate::UnlockPolicy::TenMinutes,
            time_offset: -95,
        }
        .encode(),
    );
    out.push(
        Manifest {
            generation: 3,
            next_id: 9,
            settings: [7; 12],
            tokens: vec![(1, [1; 12]), (4, [4; 12])],
            quick: Some([5; 16]),
        }
        .encode(),
    );
    out
}
