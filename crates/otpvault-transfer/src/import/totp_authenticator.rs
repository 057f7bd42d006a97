//! TOTP Authenticator (com.authenticator.authservice2), written from its publicly described
//! layouts:
//!
//! - the app's internal preferences from a rooted phone
//!   (`shared_prefs/TOTP_Authenticator_Preferences.xml`): the string `STATIC_TOTP_CODES_LIST` is a
//!   JSON list of strings, each a JSON object `{"key": secret, "base": 16|32|64, "name", "issuer"}`;
//! - its backup file (`.bin`): base64 text of AES-256-CBC (zero IV, PKCS#7) under SHA-256 of the
//!   password, holding a JSON object whose one key is that same list as text. A backup made
//!   without a password uses the app's built-in one, tried first when none is given.
//!
//! Every entry is TOTP, SHA-1, 6 digits, 30 s.

use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "TOTP Authenticator";
const LIST_KEY: &str = "STATIC_TOTP_CODES_LIST";
/// The password the app encrypts a backup with when the user sets none.
const BUILT_IN_PASSWORD: &str = "TotpAuthenticator";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for the app's preferences XML.
pub fn looks_like(text: &str) -> bool {
    text.contains(LIST_KEY)
}

/// True for what a backup looks like: one run of base64 whose length is a whole number of AES
/// blocks once decoded.
pub fn looks_encrypted(text: &str) -> bool {
    let text = text.trim();
    text.len() >= 24
        && text.len().is_multiple_of(4)
        && !text.contains(char::is_whitespace)
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        && super::google::base64_decode(text.as_bytes())
            .is_some_and(|bytes| bytes.len().is_multiple_of(16))
}

fn entry(item: &Value) -> Candidate {
    let text = |key: &str| item[key].as_str().unwrap_or_default();
    let (issuer, account) = (text("issuer"), text("name"));
    let key = text("key");
    let bytes: Option<Zeroizing<Vec<u8>>> = match item["base"].as_u64() {
        Some(16) => otpvault_crypto::encoding::hex_decode(key, key.len() / 2).map(Zeroizing::new),
        Some(32) => Secret::from_base32_lenient(key)
            .ok()
            .map(|s| Zeroizing::new(s.expose().to_vec())),
        Some(64) => super::google::base64_decode(key.as_bytes()),
        _ => return Candidate::skipped(issuer, account, SkipReason::InvalidEntry),
    };
    let Some(secret) = bytes.and_then(|b| Secret::from_bytes(b.to_vec()).ok()) else {
        return Candidate::skipped(issuer, account, SkipReason::InvalidSecret);
    };
    Candidate::build(
        issuer,
        account,
        secret,
        Algorithm::Sha1,
        6,
        OtpKind::Totp { period: 30 },
    )
}

/// Every JSON string literal of `text`, in order, decoded into zeroizing buffers. The texts
/// here are JSON inside JSON strings, full of escapes: serde_json would decode those in a scratch
/// buffer it frees with the secrets still in it.
fn string_literals(text: &str) -> Option<Vec<Zeroizing<String>>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'"' {
            let start = at;
            at += 1;
            while *bytes.get(at)? != b'"' {
                if bytes[at] == b'\\' {
                    at += 1;
                }
                at += 1;
            }
            out.push(super::uris::unquote(text.get(start..=at)?)?);
            super::check_entries(out.len()).ok()?;
        }
        at += 1;
    }
    Some(out)
}

/// The entries of the list (a JSON list of JSON texts).
fn entries(list: &str) -> Result<Vec<Candidate>, ImportError> {
    if !list.trim_start().starts_with('[') {
        return Err(unreadable("list"));
    }
    let items = string_literals(list).ok_or_else(|| unreadable("list"))?;
    Ok(items
        .iter()
        .map(|text| match SecretJson::parse(text.as_bytes()) {
            Ok(inner) if inner.is_object() => entry(&inner),
            _ => Candidate::skipped("", "", SkipReason::InvalidEntry),
        })
        .collect())
}

/// Reads the app's preferences XML.
pub fn read_internal(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let elements = super::android_prefs::string_elements(text).ok_or_else(|| unreadable("XML"))?;
    let (_, list) = elements
        .iter()
        .find(|(name, _)| name.as_str() == LIST_KEY)
        .ok_or_else(|| unreadable("no codes in the file"))?;
    entries(list)
}

fn decrypt(ciphertext: &[u8], password: &str) -> Option<Zeroizing<Vec<u8>>> {
    let key: Zeroizing<[u8; 32]> = Zeroizing::new(Sha256::digest(password.as_bytes()).into());
    let plain = cbc::Decryptor::<aes::Aes256>::new(&(*key).into(), &[0u8; 16].into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .ok()?;
    Some(Zeroizing::new(plain))
}

/// Reads a backup: with `password`, or with the app's built-in one when none is given.
pub fn read_encrypted(text: &str, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    let ciphertext =
        super::google::base64_decode(text.trim().as_bytes()).ok_or_else(|| unreadable("base64"))?;
    let opened = |password: &str| -> Option<Result<Vec<Candidate>, ImportError>> {
        let plain = decrypt(&ciphertext, password)?;
        // `{"<the list, as a JSON string>": …}`: its first string is the list.
        let text = std::str::from_utf8(&plain).ok()?;
        if !text.trim_start().starts_with('{') {
            return None;
        }
        let list = string_literals(text)?.into_iter().next()?;
        Some(entries(&list))
    };
    match password {
        Some(password) => {
            opened(password).unwrap_or(Err(ImportError::WrongPassword { format: FORMAT }))
        }
        None => opened(BUILT_IN_PASSWORD)
            .unwrap_or(Err(ImportError::PasswordRequired { format: FORMAT })),
    }
}
