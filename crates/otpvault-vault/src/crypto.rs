//! Cryptographic building blocks of the vault: its key types and the PIN KDF. Random bytes and
//! AES-256-GCM sealing come from `otpvault-crypto` (re-exported here for the vault's modules).
//!
//! - Randomness comes only from the operating system's CSPRNG (`getrandom`).
//! - [`VaultKey`] (the random key that seals the rows) and [`PinKey`] (derived from the PIN, seals
//!   only the PIN slot) are distinct types; both zeroize on drop and never print.
//! - [`seal`]/[`open`] produce and read `nonce (12) ‖ ciphertext ‖ tag (16)` with a fresh random
//!   96-bit nonce per message. Plaintext is written into an exactly pre-sized buffer and decrypted
//!   into a zeroizing one, so no reallocation leaves a copy of a secret behind.
//! - The PIN KDF is PBKDF2-HMAC-SHA256 with a 128-bit random salt; its iteration count is stored
//!   per key slot and authenticated. Fewer than [`MIN_PBKDF2_ITERATIONS`] are refused, both when a
//!   vault is created and when one is opened (a tampered slot cannot downgrade the KDF).

use std::time::Instant;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::VaultError;
pub use otpvault_crypto::aead::{AuthError, open};

/// Encrypts `plaintext` with associated data `aad` (`otpvault_crypto::aead::seal`).
pub(crate) fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    Ok(otpvault_crypto::aead::seal(key, aad, plaintext)?)
}

/// Fills `out` from the operating system's CSPRNG.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), VaultError> {
    Ok(otpvault_crypto::aead::fill_random(out)?)
}
/// PBKDF2 salt size in bytes (128 bits).
pub const SALT_LEN: usize = 16;
/// The smallest PBKDF2-HMAC-SHA256 iteration count accepted (OWASP's 2023 figure). Only a build
/// with the `test-support` feature can lower it, per vault, for tests that run thousands of
/// unlocks; no binding enables that feature.
pub const MIN_PBKDF2_ITERATIONS: u32 = 600_000;
/// The largest iteration count accepted (a flipped bit must not turn an unlock into an hour).
pub const MAX_PBKDF2_ITERATIONS: u32 = 100_000_000;
/// The time the calibrated KDF aims for on the creating device.
pub const KDF_TARGET_MILLIS: u64 = 500;

/// Defines a 256-bit key type for one role. Zeroized on drop; `Debug` prints nothing of it.
/// Distinct types keep a PIN-derived key from ever sealing a token, and the vault key from ever
/// being mistaken for a slot key.
macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub(crate) struct $name([u8; 32]);

        impl $name {
            pub(crate) fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

key_type!(
    /// The vault key (DEK): random, seals the settings, the manifest and every token row.
    VaultKey
);
key_type!(
    /// A key derived from the PIN with PBKDF2: it only ever seals or opens a PIN slot.
    PinKey
);

impl VaultKey {
    /// A fresh random key from the OS CSPRNG.
    pub(crate) fn generate() -> Result<Self, VaultError> {
        let mut key = VaultKey([0u8; 32]);
        fill_random(&mut key.0)?;
        Ok(key)
    }

    /// Takes key bytes out of a decrypted buffer (which the caller keeps zeroizing).
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Self, VaultError> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| VaultError::Corrupted { what: "key length" })?;
        Ok(VaultKey(array))
    }
}

/// PBKDF2-HMAC-SHA256(pin, salt, iterations) → 256-bit key; `minimum` is the accepted floor.
pub(crate) fn derive_pin_key(
    pin: &[u8],
    salt: &[u8],
    iterations: u32,
    minimum: u32,
) -> Result<PinKey, VaultError> {
    check_iterations(iterations, minimum)?;
    let mut key = PinKey([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pin, salt, iterations, &mut key.0);
    Ok(key)
}

/// Refuses iteration counts below `minimum` or above [`MAX_PBKDF2_ITERATIONS`].
pub(crate) fn check_iterations(iterations: u32, minimum: u32) -> Result<(), VaultError> {
    if iterations < minimum {
        return Err(VaultError::KdfTooWeak {
            iterations,
            minimum,
        });
    }
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(VaultError::Corrupted {
            what: "key slot iteration count",
        });
    }
    Ok(())
}

/// Measures this device and returns the iteration count that takes about `target_millis`,
/// never below [`MIN_PBKDF2_ITERATIONS`].
pub fn calibrate_iterations(target_millis: u64) -> u32 {
    const PROBE: u32 = 50_000;
    let mut out = [0u8; 32];
    let start = Instant::now();
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"00000", b"calibration-salt", PROBE, &mut out);
    let elapsed = start.elapsed().as_secs_f64().max(1e-6);
    let estimate = f64::from(PROBE) * (target_millis as f64 / 1000.0) / elapsed;
    // Round to a multiple of 10,000 so the stored value reads naturally.
    let rounded = ((estimate / 10_000.0).round() * 10_000.0).min(f64::from(MAX_PBKDF2_ITERATIONS));
    (rounded as u32).max(MIN_PBKDF2_ITERATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_sha256_known_answer() {
        // RFC 7914 §11 PBKDF2-HMAC-SHA256 test vector, c = 1 (first 32 bytes of the 64-byte output).
        let mut out = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            out[..4],
            [0x55, 0xac, 0x04, 0x6e],
            "PBKDF2-HMAC-SHA256 does not match RFC 7914"
        );
    }

    #[test]
    fn iteration_bounds() {
        let min = MIN_PBKDF2_ITERATIONS;
        assert_eq!(min, 600_000);
        assert!(check_iterations(MAX_PBKDF2_ITERATIONS + 1, min).is_err());
        assert!(check_iterations(min, min).is_ok());
        assert_eq!(
            check_iterations(599_999, min),
            Err(VaultError::KdfTooWeak {
                iterations: 599_999,
                minimum: 600_000
            })
        );
        assert!(matches!(
            derive_pin_key(b"13579", &[0u8; SALT_LEN], 1_000, min),
            Err(VaultError::KdfTooWeak { .. })
        ));
        assert_eq!(
            format!("{:?}", VaultKey::generate().unwrap()),
            "VaultKey(<redacted>)"
        );
    }
}
