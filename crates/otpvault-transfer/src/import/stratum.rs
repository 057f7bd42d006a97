//! Stratum (formerly Authenticator Pro) backups, written from the app's published backup format:
//!
//! - plain: JSON `{"Authenticators": [{"Type": 1 HOTP | 2 TOTP | 3 mOTP | 4 Steam | 5 Yandex,
//!   "Issuer", "Username", "Secret": base32, "Algorithm": 0 SHA1 | 1 SHA256 | 2 SHA512, "Digits",
//!   "Period", "Counter", "Icon": name | "@" custom icon id, …}], "Categories": [{"Id", "Name"}],
//!   "AuthenticatorCategories": [{"CategoryId", "AuthenticatorSecret"}], "CustomIcons": [{"Id",
//!   "Data": base64}]}` — categories become groups, custom icons icons;
//! - encrypted: `AUTHENTICATORPRO` (16 bytes) ‖ salt (16) ‖ IV (12) ‖ AES-256-GCM ciphertext and
//!   tag, key = Argon2id(password, salt, 3 passes, 64 MiB, 4 lanes) — the app's constants, the
//!   file stores none;
//! - legacy encrypted: `AuthenticatorPro` (16 bytes) ‖ salt (20) ‖ IV (16) ‖ AES-256-CBC with
//!   PKCS#7 padding, key = PBKDF2-HMAC-SHA1(password, salt, 64,000).
//!
//! A wrong password fails the GCM tag (or, for CBC, the padding or the JSON inside): reported as
//! a wrong password, nothing imported.

use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use serde_json::Value;
use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "Stratum";
/// The header of an encrypted backup.
pub const HEADER: &[u8; 16] = b"AUTHENTICATORPRO";
/// The header of a legacy encrypted backup.
pub const LEGACY_HEADER: &[u8; 16] = b"AuthenticatorPro";

/// True for either encrypted header.
pub fn looks_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(HEADER) || bytes.starts_with(LEGACY_HEADER)
}

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

fn wrong() -> ImportError {
    ImportError::WrongPassword { format: FORMAT }
}

/// Decrypts an encrypted backup into its JSON text.
fn decrypt(bytes: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if let Some(rest) = bytes.strip_prefix(HEADER.as_slice()) {
        if rest.len() < 16 + 12 + 16 {
            return Err(unreadable("header"));
        }
        let (salt, rest) = rest.split_at(16);
        let params = argon2::Params::new(64 * 1024, 3, 4, Some(32))
            .map_err(|_| unreadable("KDF parameters"))?;
        let mut key = Zeroizing::new([0u8; 32]);
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password_into(password.as_bytes(), salt, key.as_mut_slice())
            .map_err(|_| unreadable("KDF parameters"))?;
        // `rest` is IV (12) ‖ ciphertext ‖ tag: the vault's own AES-GCM layout.
        return otpvault_crypto::aead::open(&key, b"", rest).map_err(|_| wrong());
    }
    let rest = bytes
        .strip_prefix(LEGACY_HEADER.as_slice())
        .ok_or_else(|| unreadable("header"))?;
    if rest.len() < 20 + 16 + 16 || !(rest.len() - 36).is_multiple_of(16) {
        return Err(unreadable("header"));
    }
    let (salt, rest) = rest.split_at(20);
    let (iv, ciphertext) = rest.split_at(16);
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt, 64_000, key.as_mut_slice());
    let iv: [u8; 16] = iv.try_into().map_err(|_| unreadable("IV"))?;
    let key_array: [u8; 32] = *key;
    let plain = cbc::Decryptor::<aes::Aes256>::new(&key_array.into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| wrong())?;
    Ok(Zeroizing::new(plain))
}

fn entry(item: &Value) -> Candidate {
    let text = |key: &str| item[key].as_str().unwrap_or_default();
    let (issuer, account) = (text("Issuer"), text("Username"));
    let skip = |reason| Candidate::skipped(issuer, account, reason);
    let number = |key: &str| item[key].as_u64();
    let kind = match number("Type") {
        Some(1) => OtpKind::Hotp {
            counter: number("Counter").unwrap_or(0),
        },
        Some(2) => match number("Period").map(u32::try_from) {
            Some(Ok(period)) => OtpKind::Totp { period },
            None => OtpKind::Totp { period: 30 },
            Some(Err(_)) => return skip(SkipReason::InvalidPeriod),
        },
        Some(4) => OtpKind::Steam,
        _ => return skip(SkipReason::UnsupportedKind),
    };
    let algorithm = match number("Algorithm") {
        Some(0) | None => Algorithm::Sha1,
        Some(1) => Algorithm::Sha256,
        Some(2) => Algorithm::Sha512,
        Some(_) => return skip(SkipReason::UnsupportedAlgorithm),
    };
    let digits = match number("Digits").map(u8::try_from) {
        None => 6,
        Some(Ok(d)) => d,
        Some(Err(_)) => return skip(SkipReason::InvalidDigits),
    };
    let Ok(secret) = Secret::from_base32_lenient(text("Secret")) else {
        return skip(SkipReason::InvalidSecret);
    };
    // Steam tokens are stored with 5 digits; the token's own digits are ignored for Steam.
    let digits = if kind == OtpKind::Steam { 6 } else { digits };
    Candidate::build(issuer, account, secret, algorithm, digits, kind)
}

/// True for a plain backup's JSON shape.
pub fn looks_plain(doc: &Value) -> bool {
    doc.get("Authenticators").is_some_and(Value::is_array)
}

/// Reads a plain backup's JSON document.
pub fn read_plain(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    let items = doc["Authenticators"]
        .as_array()
        .ok_or_else(|| unreadable("Authenticators"))?;
    super::check_entries(items.len())?;
    Ok(items
        .iter()
        .map(|item| entry(item).with_details(details(doc, item)))
        .collect())
}

/// An authenticator's categories (`AuthenticatorCategories` pairs a category id with the
/// authenticator's secret; `Categories` names the ids) and its custom icon (`Icon` is `@` and the
/// id of a `CustomIcons` entry, whose `Data` is base64; built-in icon names carry no image).
fn details(doc: &Value, item: &Value) -> crate::details::Details {
    let secret = item["Secret"].as_str().unwrap_or_default();
    let categories = doc["Categories"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let groups: Vec<&str> = doc["AuthenticatorCategories"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .filter(|l| !secret.is_empty() && l["AuthenticatorSecret"].as_str() == Some(secret))
                .filter_map(|l| {
                    let id = l["CategoryId"].as_str()?;
                    categories.iter().find(|c| c["Id"].as_str() == Some(id))?["Name"].as_str()
                })
                .collect()
        })
        .unwrap_or_default();
    let icon = item["Icon"]
        .as_str()
        .and_then(|icon| icon.strip_prefix('@'))
        .and_then(|id| {
            doc["CustomIcons"]
                .as_array()?
                .iter()
                .find(|c| c["Id"].as_str() == Some(id))
        })
        .and_then(|custom| crate::details::base64_icon(&custom["Data"]));
    crate::details::Details::from_file(&groups, "", icon, false)
}

/// Reads an encrypted backup (either header) with its password.
pub fn read_encrypted(bytes: &[u8], password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let plain = decrypt(bytes, password)?;
    // A CBC decryption under a wrong key can pass the padding check by chance: then the bytes
    // are not this JSON, which is the same verdict.
    let doc = SecretJson::parse(&plain[..]).map_err(|_| wrong())?;
    if !looks_plain(&doc) {
        return Err(wrong());
    }
    read_plain(&doc)
}
