//! Authy's app-internal token store, taken from a rooted Android phone: the shared preferences
//! file `com.authy.storage.tokens.authenticator.xml`, written from the publicly documented layout.
//!
//! The file is Android's preferences XML (`<map>` of `<string name="…">…</string>`, `<long>`,
//! `<boolean>`…); the string named `com.authy.storage.tokens.authenticator.key` holds, XML-escaped,
//! a JSON array of the third-party (TOTP) tokens: `{"name", "originalName", "originalIssuer",
//! "accountType", "digits", "decryptedSecret" (base32), "encryptedSecret", "salt", …}`. Authy's own
//! tokens (another key) are not TOTP secrets and are not read.
//!
//! An entry without `decryptedSecret` is as the app stores it under a backup password: the key is
//! PBKDF2-HMAC-SHA1(password, the entry's `salt` as UTF-8, 1,000 iterations, 32 bytes), and
//! `encryptedSecret` is base64 AES-256-CBC (zero IV, PKCS#7) of the base32 secret text. Authy's
//! tokens are 30-second SHA-1 TOTP with the entry's digits.
//!
//! A wrong password fails the padding or gives text that is not base32: when no encrypted entry
//! opens the password is wrong and nothing is imported; an entry that alone does not open is
//! skipped as damaged.

use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use serde_json::Value;
use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "Authy";
/// The preference that holds the TOTP tokens.
pub const TOKENS_KEY: &str = "com.authy.storage.tokens.authenticator.key";
/// PBKDF2 iterations of an entry's key (the app's constant; the file stores none).
pub const ITERATIONS: u32 = 1_000;

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for Android preferences XML that holds Authy's tokens.
pub fn looks_like(text: &str) -> bool {
    (text.starts_with("<?xml") || text.starts_with("<map")) && text.contains(TOKENS_KEY)
}

/// The text of the `<string name="{TOKENS_KEY}">` element (`[]` when it is empty).
fn tokens_json(text: &str) -> Result<Zeroizing<String>, ImportError> {
    let elements = super::android_prefs::string_elements(text).ok_or_else(|| unreadable("XML"))?;
    let (_, value) = elements
        .into_iter()
        .find(|(name, _)| name.as_str() == TOKENS_KEY)
        .ok_or_else(|| unreadable("no Authy tokens in the file"))?;
    Ok(if value.is_empty() {
        Zeroizing::new(String::from("[]"))
    } else {
        value
    })
}

/// The (issuer, account) Authy shows for an entry: `originalIssuer` (or the part before `:` of
/// the name), and `originalName` (or the name) without that issuer prefix.
fn names(item: &Value) -> (String, String) {
    let text = |key: &str| item[key].as_str().unwrap_or_default().trim().to_owned();
    let mut issuer = text("originalIssuer");
    let mut account = text("originalName");
    if account.is_empty() {
        account = text("name");
    }
    if let Some((prefix, rest)) = account.split_once(':') {
        let prefix = prefix.trim();
        if issuer.is_empty() || prefix.eq_ignore_ascii_case(&issuer) {
            issuer = prefix.to_owned();
            account = rest.trim().to_owned();
        }
    }
    (issuer, account)
}

/// Decrypts one entry's `encryptedSecret`: the base32 text, or `None` when it does not open.
fn decrypt_secret(item: &Value, password: &str) -> Option<Zeroizing<String>> {
    let sealed = super::google::base64_decode(item["encryptedSecret"].as_str()?.as_bytes())?;
    let salt = item["salt"].as_str()?;
    if sealed.is_empty() || !sealed.len().is_multiple_of(16) {
        return None;
    }
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(
        password.as_bytes(),
        salt.as_bytes(),
        ITERATIONS,
        key.as_mut_slice(),
    );
    let key_array: Zeroizing<[u8; 32]> = Zeroizing::new(*key);
    let plain = Zeroizing::new(
        cbc::Decryptor::<aes::Aes256>::new(&(*key_array).into(), &[0u8; 16].into())
            .decrypt_padded_vec::<Pkcs7>(&sealed)
            .ok()?,
    );
    let text = Zeroizing::new(String::from_utf8(plain.to_vec()).ok()?);
    // A wrong key gives bytes, not base32 text.
    Secret::from_base32_lenient(&text).ok()?;
    Some(text)
}

fn entry(item: &Value, secret_text: Option<&str>) -> Candidate {
    let (issuer, account) = names(item);
    let skip = |reason| Candidate::skipped(&issuer, &account, reason);
    let Some(secret_text) = secret_text else {
        return skip(SkipReason::InvalidSecret);
    };
    let digits = match item["digits"].as_u64().map(u8::try_from) {
        None => 6,
        Some(Ok(d)) => d,
        Some(Err(_)) => return skip(SkipReason::InvalidDigits),
    };
    let Ok(secret) = Secret::from_base32_lenient(secret_text) else {
        return skip(SkipReason::InvalidSecret);
    };
    Candidate::build(
        &issuer,
        &account,
        secret,
        Algorithm::Sha1,
        digits,
        OtpKind::Totp { period: 30 },
    )
}

/// Reads the preferences file; `password` opens the entries stored without `decryptedSecret`.
pub fn read(text: &str, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    // The tokens' JSON holds every decrypted secret: wiped when read.
    let json = tokens_json(text)?;
    let doc = SecretJson::parse(json.as_str()).map_err(|_| unreadable("tokens JSON"))?;
    let items = doc.as_array().ok_or_else(|| unreadable("tokens JSON"))?;
    super::check_entries(items.len())?;
    let encrypted = |item: &Value| item.get("decryptedSecret").is_none();
    let any_encrypted = items.iter().any(encrypted);
    if any_encrypted && password.is_none() {
        return Err(ImportError::PasswordRequired { format: FORMAT });
    }
    let mut opened = 0usize;
    let mut candidates = Vec::with_capacity(items.len());
    for item in items {
        if encrypted(item) {
            let secret = password.and_then(|p| decrypt_secret(item, p));
            opened += usize::from(secret.is_some());
            candidates.push(entry(item, secret.as_deref().map(|s| s.as_str())));
        } else {
            candidates.push(entry(item, item["decryptedSecret"].as_str()));
        }
    }
    if any_encrypted && opened == 0 {
        return Err(ImportError::WrongPassword { format: FORMAT });
    }
    Ok(candidates)
}
