//! Ente Auth exports, written from Ente's published export format.
//!
//! - plain: the text export, one `otpauth://` URI per line (read by [`super::uris`]; Ente may
//!   add a `codeDisplay` parameter and write a line as a JSON string in quotes, both read);
//! - encrypted (version 1): JSON `{"version": 1, "kdfParams": {"memLimit", "opsLimit", "salt"},
//!   "encryptedData", "encryptionNonce"}`. The key is libsodium's `crypto_pwhash` — Argon2id v1.3,
//!   `memLimit` bytes, `opsLimit` passes, one lane, 32 bytes — over the base64 16-byte salt; the
//!   text export is one libsodium **secretstream** (XChaCha20-Poly1305) message tagged FINAL,
//!   whose 24-byte header is `encryptionNonce`.
//!
//! **KDF caps.** Ente derives the key with libsodium's "sensitive" limits (1 GiB, 4 passes) and,
//! on a phone that cannot, halves the memory and doubles the passes (256 MiB × 16 on low-end
//! phones), keeping the work constant. So a file is refused (as too costly, before allocating)
//! above 1 GiB or above that constant work (memory × passes > 4 GiB): a phone that made the file
//! can open it, and a hostile file cannot ask for more.
//!
//! The secretstream construction (libsodium's, which Ente calls): key' = HChaCha20(key,
//! header[0..16]), nonce = 1u32 LE ‖ header[16..24]; the Poly1305 key is ChaCha20 block 0; the
//! tag byte is encrypted with block 1 and the message from block 2; the MAC covers the AD, the
//! encrypted 64-byte tag block, the ciphertext, `mlen % 16` zero bytes (libsodium's padding) and both
//! lengths. A wrong password fails the MAC.

use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use poly1305::Poly1305;
use poly1305::universal_hash::KeyInit;
use serde_json::Value;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Candidate, ImportError};

const FORMAT: &str = "Ente Auth";
/// The most memory an Ente file's Argon2id may ask for (libsodium's "sensitive" limit, 1 GiB).
pub const MAX_MEMORY: u64 = 1024 * 1024 * 1024;
/// The most work (memory in bytes × passes) an Ente file may ask for: 1 GiB × 4 passes, the
/// constant work of Ente's key derivation.
pub const MAX_WORK: u64 = 4 * MAX_MEMORY;
/// libsodium's secretstream tag of the last message.
const TAG_FINAL: u8 = 3;
/// The ordinary message tag: Ente's own writer tags its one message so at times.
const TAG_MESSAGE: u8 = 0;
/// The secretstream overhead: the encrypted tag byte and the 16-byte MAC.
const STREAM_ABYTES: usize = 17;

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for an encrypted export's JSON shape.
pub fn looks_encrypted(doc: &Value) -> bool {
    doc.get("kdfParams").is_some_and(Value::is_object) && doc.get("encryptedData").is_some()
}

fn b64_field(doc: &Value, key: &str, what: &'static str) -> Result<Vec<u8>, ImportError> {
    let text = doc[key].as_str().ok_or_else(|| unreadable(what))?;
    super::google::base64_decode(text.trim().as_bytes())
        .map(|bytes| bytes.to_vec())
        .ok_or_else(|| unreadable(what))
}

/// libsodium's `crypto_pwhash` (Argon2id v1.3, one lane) with the file's limits, capped.
fn derive_key(
    password: &str,
    salt: &[u8],
    mem_limit: u64,
    ops_limit: u64,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    if mem_limit > MAX_MEMORY {
        return Err(ImportError::KdfTooCostly {
            format: FORMAT,
            what: "memory above 1 GiB",
        });
    }
    if mem_limit.saturating_mul(ops_limit) > MAX_WORK {
        return Err(ImportError::KdfTooCostly {
            format: FORMAT,
            what: "memory × passes above 4 GiB",
        });
    }
    let memory_kib = u32::try_from(mem_limit / 1024).map_err(|_| unreadable("memLimit"))?;
    let passes = u32::try_from(ops_limit).map_err(|_| unreadable("opsLimit"))?;
    let params = argon2::Params::new(memory_kib, passes, 1, Some(32))
        .map_err(|_| unreadable("KDF parameters"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, key.as_mut_slice())
        .map_err(|_| unreadable("KDF parameters"))?;
    Ok(key)
}

/// Opens the single message of a libsodium secretstream (XChaCha20-Poly1305) with no associated
/// data, tagged FINAL or, as Ente's own writer sometimes leaves it, as an ordinary MESSAGE (the
/// MAC authenticates the message either way): the plaintext, `None` when the MAC does not verify
/// (wrong key or altered bytes), or an error when the tag asks for more of a stream (PUSH, REKEY).
pub fn secretstream_open(
    key: &[u8; 32],
    header: &[u8; 24],
    ciphertext: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, ImportError> {
    if ciphertext.len() < STREAM_ABYTES {
        return Err(unreadable("encryptedData"));
    }
    let mut hchacha_input = chacha20::cipher::Array::default();
    hchacha_input.copy_from_slice(&header[..16]);
    let mut subkey = Zeroizing::new([0u8; 32]);
    subkey.copy_from_slice(&chacha20::hchacha::<chacha20::R20>(
        &(*key).into(),
        &hchacha_input,
    ));
    let mut nonce = [0u8; 12];
    nonce[0] = 1; // the counter, little-endian, starts at 1
    nonce[4..].copy_from_slice(&header[16..]);
    let mut cipher = chacha20::ChaCha20::new(&(*subkey).into(), &nonce.into());

    // Block 0: the one-time Poly1305 key.
    let mut poly_key = Zeroizing::new([0u8; 64]);
    cipher.apply_keystream(poly_key.as_mut_slice());
    // Block 1: the tag block (the tag byte, then zeros), as it was encrypted.
    let mut tag_block = [0u8; 64];
    tag_block[0] = ciphertext[0];
    cipher.seek(64u64);
    let mut keystream = [0u8; 64];
    cipher.apply_keystream(&mut keystream);
    let tag = ciphertext[0] ^ keystream[0];
    tag_block[1..].copy_from_slice(&keystream[1..]);

    let (body, mac) = ciphertext[1..].split_at(ciphertext.len() - STREAM_ABYTES);
    // No associated data: the MAC input is the tag block, the ciphertext, libsodium's padding —
    // `(0x10 - 64 + mlen) & 0xf` zero bytes, which is `mlen % 16` and not the complement to 16 —
    // and the two lengths.
    let mut mac_input = Vec::with_capacity(64 + body.len() + 32);
    mac_input.extend_from_slice(&tag_block);
    mac_input.extend_from_slice(body);
    mac_input.resize(mac_input.len() + body.len() % 16, 0);
    mac_input.extend_from_slice(&0u64.to_le_bytes());
    mac_input.extend_from_slice(&(64 + body.len() as u64).to_le_bytes());
    let mut one_time_key = Zeroizing::new([0u8; 32]);
    one_time_key.copy_from_slice(&poly_key[..32]);
    let expected = Poly1305::new(&(*one_time_key).into()).compute_unpadded(&mac_input);
    if !bool::from(expected.as_slice().ct_eq(mac)) {
        return Ok(None);
    }
    if tag != TAG_FINAL && tag != TAG_MESSAGE {
        return Err(unreadable(
            "encryptedData (a message that continues a stream)",
        ));
    }
    let mut plain = Zeroizing::new(body.to_vec());
    cipher.seek(128u64);
    cipher.apply_keystream(plain.as_mut_slice());
    Ok(Some(plain))
}

/// Reads an encrypted export with its password: every URI line of the text inside.
pub fn read_encrypted(doc: &Value, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    if doc["version"].as_u64() != Some(1) {
        return Err(unreadable("version"));
    }
    let params = &doc["kdfParams"];
    let mem_limit = params["memLimit"]
        .as_u64()
        .ok_or_else(|| unreadable("memLimit"))?;
    let ops_limit = params["opsLimit"]
        .as_u64()
        .ok_or_else(|| unreadable("opsLimit"))?;
    let salt = b64_field(params, "salt", "salt")?;
    if salt.len() != 16 {
        return Err(unreadable("salt"));
    }
    let header: [u8; 24] = b64_field(doc, "encryptionNonce", "encryptionNonce")?
        .try_into()
        .map_err(|_| unreadable("encryptionNonce"))?;
    let ciphertext = b64_field(doc, "encryptedData", "encryptedData")?;
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let key = derive_key(password, &salt, mem_limit, ops_limit)?;
    let plain = secretstream_open(&key, &header, &ciphertext)?
        .ok_or(ImportError::WrongPassword { format: FORMAT })?;
    let text = std::str::from_utf8(&plain).map_err(|_| unreadable("decrypted text"))?;
    super::uris::read(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Messages sealed by libsodium itself (tests/fixtures/import/generate.py, through PyNaCl).
    fn vectors() -> ([u8; 32], Vec<Value>) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/import/secretstream.json"
        );
        let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let key = hex(doc["key"].as_str().unwrap()).try_into().unwrap();
        (key, doc["vectors"].as_array().unwrap().clone())
    }

    #[test]
    fn opens_what_libsodium_sealed_at_every_length_and_refuses_any_changed_byte() {
        let (key, vectors) = vectors();
        let mut finals = 0;
        for v in &vectors {
            let header: [u8; 24] = hex(v["header"].as_str().unwrap()).try_into().unwrap();
            let sealed = hex(v["ciphertext"].as_str().unwrap());
            let plain = hex(v["plaintext"].as_str().unwrap());
            let opened = secretstream_open(&key, &header, &sealed);
            let tag = v["tag"].as_u64();
            if tag != Some(u64::from(TAG_FINAL)) && tag != Some(u64::from(TAG_MESSAGE)) {
                // A message that asks for more of a stream (PUSH, REKEY) is not an Ente export.
                assert!(matches!(opened, Err(ImportError::Unreadable { .. })));
                continue;
            }
            finals += 1;
            assert_eq!(opened.unwrap().unwrap().as_slice(), plain.as_slice());
            for at in 0..sealed.len() {
                let mut changed = sealed.clone();
                changed[at] ^= 0x01;
                assert!(
                    matches!(secretstream_open(&key, &header, &changed), Ok(None)),
                    "byte {at}"
                );
            }
            for at in 0..24 {
                let mut other = header;
                other[at] ^= 0x80;
                assert!(matches!(secretstream_open(&key, &other, &sealed), Ok(None)));
            }
            let mut wrong_key = key;
            wrong_key[31] ^= 1;
            assert!(matches!(
                secretstream_open(&wrong_key, &header, &sealed),
                Ok(None)
            ));
            // Truncated: refused (too short to be a message, or the MAC fails).
            assert!(!matches!(
                secretstream_open(&key, &header, &sealed[..sealed.len() - 1]),
                Ok(Some(_))
            ));
        }
        // 8 FINAL messages and 1 ordinary MESSAGE, each a whole export on its own.
        assert_eq!(finals, 9);
        let header = [0u8; 24];
        assert!(secretstream_open(&key, &header, &[0u8; 16]).is_err());
    }

    #[test]
    fn key_derivation_beyond_what_ente_writes_is_refused_before_allocating() {
        let salt = [0u8; 16];
        for (memory, passes) in [(MAX_MEMORY * 2, 1), (MAX_MEMORY, 5), (256 << 20, 17)] {
            assert!(matches!(
                derive_key("pw", &salt, memory, passes),
                Err(ImportError::KdfTooCostly { .. })
            ));
        }
        // Below the smallest libsodium allows: unreadable, not a panic.
        assert!(matches!(
            derive_key("pw", &salt, 1024, 1),
            Err(ImportError::Unreadable { .. })
        ));
        assert!(matches!(
            derive_key("pw", &salt, 1 << 20, 0),
            Err(ImportError::Unreadable { .. })
        ));
    }
}
