//! Portal passwords: Argon2id (RFC 9106), OWASP's minimum of 19 MiB, 2 passes, 1 lane, a 16-byte
//! random salt, stored as `argon2id$v=19$m=…,t=…,p=1$<salt hex>$<hash hex>` so the parameters
//! can be raised later without breaking old hashes.

use crate::IssuerError;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use otpvault_core::activation::{hex_decode, hex_encode};
use std::sync::{Mutex, OnceLock};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Default Argon2id memory (KiB).
pub const DEFAULT_MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const HASH_LEN: usize = 32;
/// Largest memory a stored hash may ask for (a tampered row must not make a login allocate GiB).
const MAX_MEMORY_KIB: u32 = 256 * 1024;

/// Argon2's working memory, kept between password checks instead of allocated and freed each
/// time: glibc keeps freed 19 MiB blocks on its heap, so a server checking passwords in parallel
/// grew to ~500 MiB of RSS. At most one buffer per core is kept (the HTTP server runs no more
/// password checks at once), each wiped after every use, and none above [`KEEP_MAX_KIB`].
static SPARE: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
/// Buffers for parameters above this (a raised cost, or a hostile row) are freed after use.
const KEEP_MAX_KIB: u32 = 64 * 1024;

fn derive(
    password: &[u8],
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
) -> Result<Zeroizing<[u8; HASH_LEN]>, IssuerError> {
    let params = Params::new(memory_kib, passes, 1, Some(HASH_LEN))
        .map_err(|_| IssuerError::InvalidInput("password KDF parameters"))?;
    let blocks = params.block_count();
    let mut memory = SPARE
        .lock()
        .ok()
        .and_then(|mut spare| spare.pop())
        .unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut out = Zeroizing::new([0u8; HASH_LEN]);
    let result = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password, salt, out.as_mut_slice(), &mut memory[..blocks]);
    memory[..blocks].iter_mut().for_each(Zeroize::zeroize);
    // Read once: on Linux it reads the cgroup files.
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(2, usize::from));
    if memory_kib <= KEEP_MAX_KIB
        && let Ok(mut spare) = SPARE.lock()
        && spare.len() < cores
    {
        spare.push(memory);
    }
    result.map_err(|_| IssuerError::InvalidInput("password"))?;
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

    #[test]
    fn reused_memory_gives_the_same_hashes_at_every_size() {
        // Small, larger, then small again: the kept buffer is longer than the second small run
        // needs, and must not change its result.
        let a = hash("one", 64).unwrap();
        let b = hash("two", 2048).unwrap();
        assert!(verify("one", &a));
        assert!(verify("two", &b));
        assert!(verify("one", &a));
        assert!(!verify("two", &a));
        let salt = [7u8; 16];
        let first = derive(b"pw", &salt, 64, 2).unwrap();
        let _ = derive(b"other", &salt, 4096, 2).unwrap();
        assert_eq!(*derive(b"pw", &salt, 64, 2).unwrap(), *first);
        // The same value as a fresh Argon2id run without reuse.
        let mut fresh = [0u8; HASH_LEN];
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 2, 1, Some(HASH_LEN)).unwrap(),
        )
        .hash_password_into(b"pw", &salt, &mut fresh)
        .unwrap();
        assert_eq!(*first, fresh);
    }
}
