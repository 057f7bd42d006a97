//! Bitwarden's password-protected JSON export (written from Bitwarden's published export
//! format): `{"encrypted": true, "passwordProtected": true, "salt", "kdfType": 0 PBKDF2-SHA256 |
//! 1 Argon2id, "kdfIterations", "kdfMemory" (MiB), "kdfParallelism",
//! "encKeyValidation_DO_NOT_EDIT", "data"}`.
//!
//! Key = PBKDF2-HMAC-SHA256(password, salt as UTF-8, iterations), or Argon2id(password,
//! SHA-256(salt), iterations, memory MiB, parallelism); stretched with HKDF-Expand-SHA256 into an
//! encryption key (info `enc`) and a MAC key (info `mac`). `data` and the validation field are
//! type-2 strings `2.<iv>|<ciphertext>|<mac>` (base64): HMAC-SHA256(mac key, iv ‖ ciphertext)
//! checked first, in constant time, then AES-256-CBC with PKCS#7. `data` holds the unencrypted
//! export's JSON. Parameters come from the file and are capped: PBKDF2 at 2,000,000 iterations,
//! Argon2id at 256 MiB, 10 passes and 16 lanes.

use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Candidate, ImportError};
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "Bitwarden";
const MAX_PBKDF2_ITERATIONS: u64 = 2_000_000;

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

fn too_costly(what: &'static str) -> ImportError {
    ImportError::KdfTooCostly {
        format: FORMAT,
        what,
    }
}

/// The encryption key and the MAC key.
type Keys = (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>);

/// The encryption and MAC keys from the password and the file's KDF parameters.
fn keys(doc: &Value, password: &str) -> Result<Keys, ImportError> {
    let salt = doc["salt"].as_str().ok_or_else(|| unreadable("salt"))?;
    let iterations = doc["kdfIterations"]
        .as_u64()
        .ok_or_else(|| unreadable("kdfIterations"))?;
    let mut master = Zeroizing::new([0u8; 32]);
    match doc["kdfType"].as_u64() {
        Some(0) => {
            if iterations == 0 {
                return Err(unreadable("kdfIterations"));
            }
            if iterations > MAX_PBKDF2_ITERATIONS {
                return Err(too_costly("PBKDF2 iterations"));
            }
            pbkdf2::pbkdf2_hmac::<Sha256>(
                password.as_bytes(),
                salt.as_bytes(),
                u32::try_from(iterations).map_err(|_| too_costly("PBKDF2 iterations"))?,
                master.as_mut_slice(),
            );
        }
        Some(1) => {
            let memory_mib = doc["kdfMemory"]
                .as_u64()
                .ok_or_else(|| unreadable("kdfMemory"))?;
            let lanes = doc["kdfParallelism"]
                .as_u64()
                .ok_or_else(|| unreadable("kdfParallelism"))?;
            if memory_mib.saturating_mul(1024 * 1024) > super::MAX_KDF_MEMORY {
                return Err(too_costly("Argon2 memory"));
            }
            if iterations > 10 {
                return Err(too_costly("Argon2 iterations"));
            }
            if lanes > 16 {
                return Err(too_costly("Argon2 parallelism"));
            }
            let params = argon2::Params::new(
                u32::try_from(memory_mib * 1024).map_err(|_| too_costly("Argon2 memory"))?,
                u32::try_from(iterations).map_err(|_| unreadable("kdfIterations"))?,
                u32::try_from(lanes).map_err(|_| unreadable("kdfParallelism"))?,
                Some(32),
            )
            .map_err(|_| unreadable("Argon2 parameters"))?;
            let salt = Sha256::digest(salt.as_bytes());
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(password.as_bytes(), &salt, master.as_mut_slice())
                .map_err(|_| unreadable("Argon2 parameters"))?;
        }
        _ => return Err(unreadable("kdfType")),
    }
    let hkdf = hkdf::Hkdf::<Sha256>::from_prk(master.as_slice()).map_err(|_| unreadable("key"))?;
    let mut enc = Zeroizing::new([0u8; 32]);
    let mut mac = Zeroizing::new([0u8; 32]);
    hkdf.expand(b"enc", enc.as_mut_slice())
        .map_err(|_| unreadable("key"))?;
    hkdf.expand(b"mac", mac.as_mut_slice())
        .map_err(|_| unreadable("key"))?;
    Ok((enc, mac))
}

/// Opens a type-2 encrypted string; a MAC that does not verify is a wrong password.
fn open(text: &str, enc: &[u8; 32], mac_key: &[u8; 32]) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let body = text
        .strip_prefix("2.")
        .ok_or_else(|| unreadable("encrypted string type"))?;
    let mut parts = body.split('|');
    let mut part = |what| {
        parts
            .next()
            .and_then(|p| super::google::base64_decode(p.as_bytes()))
            .ok_or_else(|| unreadable(what))
    };
    let (iv, ciphertext, tag) = (part("iv")?, part("ciphertext")?, part("mac")?);
    let iv: [u8; 16] = iv.as_slice().try_into().map_err(|_| unreadable("iv"))?;
    let mut hmac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key).map_err(|_| unreadable("key"))?;
    hmac.update(&iv);
    hmac.update(&ciphertext);
    hmac.verify_slice(&tag)
        .map_err(|_| ImportError::WrongPassword { format: FORMAT })?;
    let plain = cbc::Decryptor::<aes::Aes256>::new(&(*enc).into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(&ciphertext)
        .map_err(|_| unreadable("padding"))?;
    Ok(Zeroizing::new(plain))
}

/// Reads a password-protected export with its password.
pub fn read_protected(doc: &Value, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let (enc, mac) = keys(doc, password)?;
    if let Some(check) = doc["encKeyValidation_DO_NOT_EDIT"].as_str() {
        open(check, &enc, &mac)?;
    }
    let data = doc["data"].as_str().ok_or_else(|| unreadable("data"))?;
    let plain = open(data, &enc, &mac)?;
    let inner = SecretJson::parse(&plain[..]).map_err(|_| unreadable("data JSON"))?;
    if inner["encrypted"] == Value::Bool(true) {
        return Err(unreadable("data"));
    }
    super::json_formats::read_bitwarden(&inner, None)
}
