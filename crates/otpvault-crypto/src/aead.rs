//! AES-256-GCM sealing and the operating system's randomness, shared by the vault's rows, the
//! otpvault backup, the Aegis export and the importers that open AES-GCM files.
//!
//! - [`seal`]/[`open`] produce and read `nonce (12) ‖ ciphertext ‖ tag (16)` with a fresh random
//!   96-bit nonce per message. Plaintext is written into an exactly pre-sized buffer and decrypted
//!   into a zeroizing one, so no reallocation leaves a copy of a secret behind.
//! - Randomness comes only from the operating system's CSPRNG (`getrandom`).

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use zeroize::Zeroizing;

/// AES-GCM nonce size in bytes.
pub const NONCE_LEN: usize = 12;
/// AES-GCM tag size in bytes.
pub const TAG_LEN: usize = 16;

/// Why [`seal`] or [`fill_random`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The operating system's random generator failed.
    #[error("the system random generator failed")]
    Rng,
    /// The message is longer than AES-GCM can seal under one nonce (64 GiB).
    #[error("the message is too long to seal")]
    TooLong,
}

/// Fills `out` from the operating system's CSPRNG.
pub fn fill_random(out: &mut [u8]) -> Result<(), SealError> {
    getrandom::fill(out).map_err(|_| SealError::Rng)
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// Encrypts `plaintext` with associated data `aad`: `nonce ‖ ciphertext ‖ tag`.
pub fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let mut blob = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(plaintext);
    let tag = cipher(key)
        .encrypt_inout_detached(&Nonce::from(nonce), aad, (&mut blob[NONCE_LEN..]).into())
        .map_err(|_| SealError::TooLong)?;
    blob.extend_from_slice(&tag);
    Ok(blob)
}

/// Decrypts a [`seal`]ed blob; any change to it, to the key or to `aad` is an authentication error.
pub fn open(key: &[u8; 32], aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, AuthError> {
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(AuthError);
    }
    let (nonce, rest) = blob.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| AuthError)?;
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| AuthError)?;
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    cipher(key)
        .decrypt_inout_detached(
            &Nonce::from(nonce),
            aad,
            plaintext.as_mut_slice().into(),
            &Tag::from(tag),
        )
        .map_err(|_| AuthError)?;
    Ok(plaintext)
}

/// An AEAD authentication failure: wrong key, wrong associated data, or a modified blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthError;

#[cfg(test)]
mod tests {
    use super::*;

    fn random_key() -> [u8; 32] {
        let mut key = [0u8; 32];
        fill_random(&mut key).unwrap();
        key
    }

    #[test]
    fn seal_open_round_trip_and_authentication() {
        let key = random_key();
        let blob = seal(&key, b"aad", b"hello").unwrap();
        assert_eq!(blob.len(), NONCE_LEN + 5 + TAG_LEN);
        assert_eq!(open(&key, b"aad", &blob).unwrap().as_slice(), b"hello");
        assert_eq!(open(&key, b"other", &blob), Err(AuthError));
        assert_eq!(open(&random_key(), b"aad", &blob), Err(AuthError));
        for i in 0..blob.len() {
            let mut flipped = blob.clone();
            flipped[i] ^= 0x01;
            assert_eq!(open(&key, b"aad", &flipped), Err(AuthError), "byte {i}");
        }
        assert_eq!(open(&key, b"aad", &blob[..20]), Err(AuthError));
        // Two seals of the same message differ (fresh nonce).
        assert_ne!(seal(&key, b"aad", b"hello").unwrap(), blob);
    }
}
