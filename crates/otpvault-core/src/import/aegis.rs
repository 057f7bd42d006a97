//! Aegis's vault export (JSON). A plain export:
//!
//! ```text
//! { "version": 1,
//!   "header": { "slots": null, "params": null },
//!   "db": { "version": 2|3, "entries": [
//!       { "type": "totp"|"hotp"|"steam"|"motp"|"yandex", "name": account, "issuer": issuer,
//!         "info": { "secret": base32, "algo": "SHA1"|"SHA256"|"SHA512"|"MD5",
//!                   "digits": n, "period": s, "counter": n } }, … ] } }
//! ```
//!
//! An encrypted export has password slots in `header.slots` and `db` as a base64 string; it is
//! recognised and refused as not read yet (`EncryptedNotSupported`), never mistaken for a plain one.

use serde_json::Value;

use super::{Candidate, ImportError, SkipReason};
use crate::otp::Algorithm;
use crate::secret::Secret;
use crate::token::{OtpKind, Token, TokenParams};

const FORMAT: &str = "Aegis";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for JSON text that has Aegis's top-level shape (`header` and `db`).
pub fn looks_like(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .is_ok_and(|v| v.get("header").is_some() && v.get("db").is_some())
}

fn entry(value: &Value) -> Candidate {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let issuer = text(&value["issuer"]);
    let account = text(&value["name"]);
    let skip = |reason| Candidate::skipped(&issuer, &account, reason);
    let info = &value["info"];
    let number = |v: &Value, default: u64| match v {
        Value::Null => Some(default),
        v => v.as_u64(),
    };
    let kind = match value["type"].as_str() {
        Some("totp") => match number(&info["period"], 30).map(u32::try_from) {
            Some(Ok(period)) => OtpKind::Totp { period },
            _ => return skip(SkipReason::InvalidPeriod),
        },
        Some("hotp") => match number(&info["counter"], 0) {
            Some(counter) => OtpKind::Hotp { counter },
            None => return skip(SkipReason::InvalidEntry),
        },
        Some("steam") => OtpKind::Steam,
        Some(_) => return skip(SkipReason::UnsupportedKind),
        None => return skip(SkipReason::InvalidEntry),
    };
    // The kind first: an mOTP entry is unsupported for its kind, whatever its algorithm.
    let algorithm = match info["algo"]
        .as_str()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("SHA1") => Algorithm::Sha1,
        Some("SHA256") => Algorithm::Sha256,
        Some("SHA512") => Algorithm::Sha512,
        Some(_) => return skip(SkipReason::UnsupportedAlgorithm),
    };
    let digits = match number(&info["digits"], 6).map(u8::try_from) {
        Some(Ok(digits)) => digits,
        _ => return skip(SkipReason::InvalidDigits),
    };
    let Some(secret) = info["secret"].as_str() else {
        return skip(SkipReason::InvalidSecret);
    };
    let Ok(secret) = Secret::from_base32_lenient(secret) else {
        return skip(SkipReason::InvalidSecret);
    };
    match Token::new(
        secret,
        TokenParams {
            issuer: issuer.clone(),
            account: account.clone(),
            algorithm,
            digits,
            kind,
        },
    ) {
        Ok(token) => Candidate::token(token),
        Err(err) => skip(err.into()),
    }
}

/// Reads a plain Aegis export.
pub fn read(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let doc: Value = serde_json::from_str(text).map_err(|_| unreadable("JSON"))?;
    let slots = &doc["header"]["slots"];
    if !slots.is_null() || doc["db"].is_string() {
        return Err(ImportError::EncryptedNotSupported { format: FORMAT });
    }
    let entries = doc["db"]["entries"]
        .as_array()
        .ok_or_else(|| unreadable("db.entries"))?;
    if entries.len() > super::MAX_ENTRIES {
        return Err(ImportError::TooManyEntries {
            max: super::MAX_ENTRIES,
        });
    }
    Ok(entries.iter().map(entry).collect())
}
