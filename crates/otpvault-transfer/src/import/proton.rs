//! Proton Authenticator exports, written from the app's published export format.
//!
//! - plain: JSON `{"version": 1, "entries": [{"id", "content": {"uri", "entry_type": "Totp" |
//!   "Steam", "name"}, "note"}]}`: each entry is an `otpauth://` URI (or `steam://SECRET`, whose
//!   account is the entry's `name`);
//! - encrypted: JSON `{"version": 1, "salt": base64 (16 bytes), "content": base64}`: the key is
//!   Argon2id v1.3 (19 MiB, 2 passes, 1 lane — the app's constants, the file stores none) over the
//!   salt, and `content` is nonce (12) ‖ AES-256-GCM ciphertext ‖ tag over the plain export, with
//!   the associated data `proton.authenticator.export.v1`. A wrong password fails the tag.

use serde_json::Value;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::uri;
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "Proton Authenticator";
/// The associated data of an encrypted export.
pub const ASSOCIATED_DATA: &[u8] = b"proton.authenticator.export.v1";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for a plain export's JSON shape.
pub fn looks_plain(doc: &Value) -> bool {
    doc.get("version").is_some_and(Value::is_u64)
        && doc.get("entries").is_some_and(|entries| {
            entries.as_array().is_some_and(|items| {
                items
                    .iter()
                    .all(|i| i.get("content").is_some_and(|c| c.get("uri").is_some()))
            })
        })
}

/// True for an encrypted export's JSON shape.
pub fn looks_encrypted(doc: &Value) -> bool {
    doc.as_object().is_some_and(|map| {
        map.len() == 3
            && map.get("version").is_some_and(Value::is_u64)
            && map.get("salt").is_some_and(Value::is_string)
            && map.get("content").is_some_and(Value::is_string)
    })
}

fn entry(item: &Value) -> Candidate {
    let content = &item["content"];
    let name = content["name"].as_str().unwrap_or_default();
    let Some(text) = content["uri"].as_str() else {
        return Candidate::skipped("", name, SkipReason::InvalidEntry);
    };
    match uri::parse_exported(text) {
        Ok(mut token) => {
            // A `steam://` URI carries no names: the entry's name is the account.
            if token.account().is_empty() && !name.is_empty() {
                let issuer = token.issuer().to_owned();
                if token.rename(&issuer, name).is_err() {
                    return Candidate::skipped(&issuer, name, SkipReason::InvalidEntry);
                }
            }
            Candidate::token(token)
        }
        Err(err) => {
            let (issuer, account) = uri::label_names(text).unwrap_or_default();
            let account = if account.is_empty() {
                name.to_owned()
            } else {
                account
            };
            Candidate::skipped(&issuer, &account, SkipReason::from(err))
        }
    }
}

/// Reads a plain export's JSON document.
pub fn read_plain(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    if doc["version"].as_u64() != Some(1) {
        return Err(unreadable("version"));
    }
    let items = doc["entries"]
        .as_array()
        .ok_or_else(|| unreadable("entries"))?;
    super::check_entries(items.len())?;
    Ok(items.iter().map(entry).collect())
}

/// Reads an encrypted export with its password.
pub fn read_encrypted(doc: &Value, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    if doc["version"].as_u64() != Some(1) {
        return Err(unreadable("version"));
    }
    let decode = |key: &str, what| {
        doc[key]
            .as_str()
            .and_then(|text| super::google::base64_decode(text.trim().as_bytes()))
            .ok_or_else(|| unreadable(what))
    };
    let salt = decode("salt", "salt")?;
    if salt.len() != 16 {
        return Err(unreadable("salt"));
    }
    let sealed = decode("content", "content")?;
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let params =
        argon2::Params::new(19 * 1024, 2, 1, Some(32)).map_err(|_| unreadable("KDF parameters"))?;
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &salt, key.as_mut_slice())
        .map_err(|_| unreadable("KDF parameters"))?;
    // nonce ‖ ciphertext ‖ tag: the vault's own AES-GCM layout.
    let plain = otpvault_crypto::aead::open(&key, ASSOCIATED_DATA, &sealed)
        .map_err(|_| ImportError::WrongPassword { format: FORMAT })?;
    let inner = SecretJson::parse(&plain[..]).map_err(|_| unreadable("decrypted content"))?;
    if !looks_plain(&inner) {
        return Err(unreadable("decrypted content"));
    }
    read_plain(&inner)
}
