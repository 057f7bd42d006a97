//! andOTP's encrypted backups (`otp_accounts.json.aes`): binary files whose plaintext is the plain
//! andOTP JSON ([`super::json_formats::read_and_otp`]).
//!
//! - **Current format** (andOTP ≥ 0.6.3): `iterations (u32, big-endian) ‖ salt (12 bytes) ‖ iv
//!   (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes)`; key = PBKDF2-HMAC-SHA1(password, salt,
//!   iterations) → 32 bytes, AES-256-GCM. The iteration count is read from the file (andOTP picks
//!   140,000–160,000) and refused above [`MAX_ITERATIONS`].
//! - **Old format** (andOTP ≤ 0.6.2): `iv (12) ‖ ciphertext ‖ tag (16)`, key = SHA-256(password).
//!
//! Nothing in the file says which format it is: the current one is tried first, then the old
//! one; when neither tag verifies, the password is wrong.

use sha2::Digest;
use zeroize::Zeroizing;

use super::{Candidate, ImportError};

const FORMAT: &str = "andOTP";
const IV: usize = 12;
const SALT: usize = 12;
const TAG: usize = 16;
/// The most PBKDF2 iterations an andOTP file may ask for (13× what the app uses).
pub const MAX_ITERATIONS: u32 = 2_000_000;

/// The smallest file either format can produce (an empty plaintext).
pub const MIN_LEN: usize = IV + TAG;

/// `iv ‖ ciphertext ‖ tag` is the vault's own sealed-blob layout: opened by the same function.
fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    otpvault_crypto::aead::open(key, b"", sealed).ok()
}

/// The plaintext JSON of an encrypted andOTP backup.
fn decrypt(bytes: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if let Some((head, rest)) = bytes.split_first_chunk::<4>()
        && rest.len() >= SALT + IV + TAG
    {
        let iterations = u32::from_be_bytes(*head);
        if (1..=MAX_ITERATIONS).contains(&iterations) {
            let (salt, sealed) = rest.split_at(SALT);
            let mut key = Zeroizing::new([0u8; 32]);
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt, iterations, &mut *key);
            if let Some(plain) = open(&key, sealed) {
                return Ok(plain);
            }
        }
    }
    // The old format starts with its IV, which read as an iteration count can be anything —
    // above the cap almost always. A count above the cap is never run; when the old format does
    // not open either, the file is most likely an old one under a wrong password, so that is the
    // verdict (a hostile new-format file gets the same refusal, and no KDF run).
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&sha2::Sha256::digest(password.as_bytes()));
    open(&key, bytes).ok_or(ImportError::WrongPassword { format: FORMAT })
}

/// Every entry of an encrypted andOTP backup.
pub fn read(bytes: &[u8], password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let plain = decrypt(bytes, password)?;
    let doc = otpvault_crypto::secret_json::SecretJson::parse(&plain[..]).map_err(|_| {
        ImportError::Unreadable {
            format: FORMAT,
            what: "decrypted JSON",
        }
    })?;
    super::json_formats::read_and_otp(&doc)
}
