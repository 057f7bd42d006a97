//! Portal passwords: Argon2id (RFC 9106), OWASP's minimum of 19 MiB, 2 passes, 1 lane, a 16-byte
//! random salt, stored as `argon2id$v=19$m=…,t=…,p=1$<salt hex>$<hash hex>` so the parameters
//! can be raised later without breaking old hashes.

use crate::IssuerError;
use argon2::{Algorithm, Argon2, Params, Version};
use otpvault_core::activation::{hex_decode, hex_encode};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Default Argon2id memory (KiB).
pub const DEFAULT_MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const HASH_LEN: usize = 32;
/// Largest memory a stored hash may ask for (a tampered row must not make a login allocate GiB).
const MAX_MEMORY_KIB: u32 = 256 * 1024;

fn derive(
    password: &[u8],
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
) -> Result<Zeroizing<[u8; HASH_LEN]>, IssuerError> {
    let params = Params::new(memory_kib, passes, 1, Some(HASH_LEN))
        .map_err(|_| IssuerError::InvalidInput("password KDF parameters"))?;
    let mut out = Zeroizing::new([0u8; HASH_LEN]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password, salt, out.as_mut_slice())
        .map_err(|_| IssuerError::InvalidInput("password"))?;
    Ok(out)
}

/// Hashes a new password.
pub fn hash(password: &str, memory_kib: u32) -> Result<String, IssuerError> {
    if password.is_empty() || password.len() > 256 {
        return Err(IssuerError::InvalidInput(
            "the password must be 1 to 256 bytes",
        ));
    }
    let salt = crate::random::<16>()?;
    let out = derive(password.as_bytes(), &salt, memory_kib, PASSES)?;
    Ok(format!(
        "argon2id$v=19$m={memory_kib},t={PASSES},p=1${}${}",
        hex_encode(&salt),
        hex_encode(out.as_slice())
    ))
}

/// Checks `password` against a stored hash in constant time. A malformed hash is a mismatch.
pub fn verify(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [kind, "v=19", params, salt, expected] = parts.as_slice() else {
        return false;
    };
    if *kind != "argon2id" {
        return false;
    }
    let mut memory = None;
    let mut passes = None;
    for item in params.split(',') {
        match item.split_once('=') {
            Some(("m", v)) => memory = v.parse::<u32>().ok(),
            Some(("t", v)) => passes = v.parse::<u32>().ok(),
            _ => {}
        }
    }
    let (Some(memory), Some(passes)) = (memory, passes) else {
        return false;
    };
    if memory > MAX_MEMORY_KIB || passes > 10 {
        return false;
    }
    let (Some(salt), Some(expected)) = (hex_decode(salt, 16), hex_decode(expected, HASH_LEN))
    else {
        return false;
    };
    derive(password.as_bytes(), &salt, memory, passes)
        .is_ok_and(|out| bool::from(out.as_slice().ct_eq(&expected)))
}

/// A hash no password matches, verified against for unknown users so that a login costs the
/// same whether the user exists or not.
pub fn dummy_hash(memory_kib: u32) -> String {
    format!(
        "argon2id$v=19$m={memory_kib},t={PASSES},p=1${}${}",
        "00".repeat(16),
        "00".repeat(HASH_LEN)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse", 1024).unwrap();
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct horsE", &stored));
        assert!(!verify("correct horse", &dummy_hash(1024)));
        assert!(!verify("x", "argon2id$v=19$m=99999999,t=2,p=1$00$00"));
        assert!(!verify("x", "garbage"));
    }
}
