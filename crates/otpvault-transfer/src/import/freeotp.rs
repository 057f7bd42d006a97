//! FreeOTP's token store, `tokens.xml` (FreeOTP 1.x, and FreeOTP+'s internal preferences, which
//! keep the same layout), written from the app's published source layout. The file is Android's
//! preferences XML: a `<map>` of `<string name="KEY">JSON</string>` elements, one per token, plus
//! `tokenOrder`, a JSON list of the keys in the user's order. Each token is
//!
//! ```text
//! {"algo": "SHA1"|"SHA256"|"SHA512"|"MD5", "counter": n, "digits": n, "issuerExt": issuer,
//!  "issuerInt": issuer, "issuerAlt": issuer the user typed, "label": account,
//!  "labelAlt": account the user typed, "period": s, "secret": [signed bytes], "type": "TOTP"|"HOTP"}
//! ```
//!
//! The user's names (`issuerAlt`, `labelAlt`) win over the enrolled ones, as the app shows them.
//! A TOTP token under the issuer `Steam` is a Steam Guard token (FreeOTP stores them so).
//! Tokens come in `tokenOrder`'s order, then any the order leaves out.

use serde_json::Value;
use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "FreeOTP";
const ORDER_KEY: &str = "tokenOrder";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for Android preferences XML holding FreeOTP tokens (a `tokenOrder` or a token JSON).
pub fn looks_like(text: &str) -> bool {
    let head = text.trim_start();
    (head.starts_with("<?xml") || head.starts_with("<map"))
        && (text.contains("name=\"tokenOrder\"")
            || (text.contains("&quot;secret&quot;") && text.contains("&quot;algo&quot;")))
}

fn entry(doc: &Value) -> Candidate {
    let text = |key: &str| doc[key].as_str().unwrap_or_default();
    let pick = |user: &str, enrolled: &str| {
        if text(user).is_empty() {
            text(enrolled).to_owned()
        } else {
            text(user).to_owned()
        }
    };
    let mut issuer = pick("issuerAlt", "issuerExt");
    if issuer.is_empty() {
        issuer = text("issuerInt").to_owned();
    }
    let account = pick("labelAlt", "label");
    let skip = |reason| Candidate::skipped(&issuer, &account, reason);
    let number = |key: &str, default: u64| match &doc[key] {
        Value::Null => Some(default),
        v => v.as_u64(),
    };
    let kind = match text("type").to_ascii_uppercase().as_str() {
        // FreeOTP keeps Steam Guard tokens as TOTP under the issuer "Steam".
        "TOTP" if issuer == "Steam" => OtpKind::Steam,
        "TOTP" => match number("period", 30).map(u32::try_from) {
            Some(Ok(period)) => OtpKind::Totp { period },
            _ => return skip(SkipReason::InvalidPeriod),
        },
        "HOTP" => match number("counter", 0) {
            Some(counter) => OtpKind::Hotp { counter },
            None => return skip(SkipReason::InvalidEntry),
        },
        "" => return skip(SkipReason::InvalidEntry),
        _ => return skip(SkipReason::UnsupportedKind),
    };
    let algorithm = match text("algo").to_ascii_uppercase().as_str() {
        "" | "SHA1" => Algorithm::Sha1,
        "SHA256" => Algorithm::Sha256,
        "SHA512" => Algorithm::Sha512,
        _ => return skip(SkipReason::UnsupportedAlgorithm),
    };
    let digits = match number("digits", 6).map(u8::try_from) {
        Some(Ok(digits)) => digits,
        _ => return skip(SkipReason::InvalidDigits),
    };
    // Java bytes: -128..=127.
    let Some(bytes) = doc["secret"].as_array().and_then(|items| {
        let mut out = Zeroizing::new(Vec::with_capacity(items.len()));
        for item in items {
            let b = i8::try_from(item.as_i64()?).ok()?;
            out.push(u8::from_ne_bytes(b.to_ne_bytes()));
        }
        Some(out)
    }) else {
        return skip(SkipReason::InvalidSecret);
    };
    let Ok(secret) = Secret::from_bytes(bytes.to_vec()) else {
        return skip(SkipReason::InvalidSecret);
    };
    Candidate::build(&issuer, &account, secret, algorithm, digits, kind)
}

/// Reads every token of a `tokens.xml`.
pub fn read(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let elements = super::android_prefs::string_elements(text).ok_or_else(|| unreadable("XML"))?;
    let order: Vec<String> = elements
        .iter()
        .find(|(name, _)| name.as_str() == ORDER_KEY)
        .and_then(|(_, value)| serde_json::from_str::<Vec<String>>(value).ok())
        .unwrap_or_default();
    let tokens: Vec<&(Zeroizing<String>, Zeroizing<String>)> = elements
        .iter()
        .filter(|(name, _)| name.as_str() != ORDER_KEY)
        .collect();
    let position = |name: &str| order.iter().position(|o| o == name).unwrap_or(usize::MAX);
    let mut sorted = tokens;
    sorted.sort_by_key(|(name, _)| position(name));
    let mut out = Vec::with_capacity(sorted.len());
    for (_, value) in sorted {
        out.push(match SecretJson::parse(value.as_bytes()) {
            Ok(doc) if doc.is_object() => entry(&doc),
            _ => Candidate::skipped("", "", SkipReason::InvalidEntry),
        });
    }
    super::check_entries(out.len())?;
    Ok(out)
}
