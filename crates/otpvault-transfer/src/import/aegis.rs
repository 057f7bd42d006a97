//! Aegis's vault export (JSON). A plain export:
//!
//! ```text
//! { "version": 1,
//!   "header": { "slots": null, "params": null },
//!   "db": { "version": 2|3, "entries": [
//!       { "type": "totp"|"hotp"|"steam"|"motp"|"yandex", "name": account, "issuer": issuer,
//!         "info": { "secret": base32, "algo": "SHA1"|"SHA256"|"SHA512"|"MD5",
//!                   "digits": n, "period": s, "counter": n },
//!         "note": text, "favorite": bool, "icon": base64, "icon_mime": type,
//!         "groups": [group uuid, …] (v3) | "group": name (v2) }, … ],
//!     "groups": [ { "uuid": id, "name": name }, … ] (v3) } }
//! ```
//!
//! An encrypted export has key slots in `header.slots` and `db` as base64 ciphertext. Each
//! password slot (`"type": 1`) holds the master key sealed with AES-256-GCM (`key`, and
//! `key_params.nonce`/`.tag`, hex) under scrypt(password, `salt`, `n`, `r`, `p`) → 32 bytes; the
//! master key opens `db` with AES-256-GCM (`header.params.nonce`/`.tag`), giving the plain `db`
//! object. Parameters are read from the file, never assumed; scrypt asking for more than
//! [`super::MAX_KDF_MEMORY`] is refused. Other slot types (biometric) are passed over.

use serde_json::Value;
use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use crate::details::Details;
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;
use otpvault_crypto::secret_json::SecretJson;

const FORMAT: &str = "Aegis";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for a JSON document with Aegis's top-level shape (`header` and `db`).
pub fn looks_like(doc: &Value) -> bool {
    doc.get("header").is_some() && doc.get("db").is_some()
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
    Candidate::build(&issuer, &account, secret, algorithm, digits, kind)
}

/// An entry's groups, note, favourite mark and icon (base64 in `icon`; its type is read from the
/// bytes, not from `icon_mime`).
fn entry_details(value: &Value, group_names: &[(&str, &str)]) -> Details {
    let mut groups: Vec<&str> = value["groups"]
        .as_array()
        .map(|uuids| {
            uuids
                .iter()
                .filter_map(|uuid| {
                    let uuid = uuid.as_str()?;
                    group_names
                        .iter()
                        .find(|(u, _)| *u == uuid)
                        .map(|(_, n)| *n)
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(group) = value["group"].as_str() {
        groups.push(group);
    }
    Details::from_file(
        &groups,
        value["note"].as_str().unwrap_or_default(),
        crate::details::base64_icon(&value["icon"]),
        value["favorite"].as_bool().unwrap_or(false),
    )
}

fn hex(value: &Value, what: &'static str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let text = value.as_str().ok_or_else(|| unreadable(what))?;
    if text.len() % 2 != 0 || text.len() > 1024 {
        return Err(unreadable(what));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 2));
    for pair in text.as_bytes().chunks(2) {
        let pair = std::str::from_utf8(pair).map_err(|_| unreadable(what))?;
        out.push(u8::from_str_radix(pair, 16).map_err(|_| unreadable(what))?);
    }
    Ok(out)
}

/// Opens `ciphertext` sealed with AES-256-GCM under `key`, `nonce` and `tag` (no associated data).
pub(super) fn open_gcm(
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let key: &[u8; 32] = key.try_into().ok()?;
    if nonce.len() != 12 || tag.len() != 16 {
        return None;
    }
    let mut blob = Zeroizing::new(Vec::with_capacity(12 + ciphertext.len() + 16));
    blob.extend_from_slice(nonce);
    blob.extend_from_slice(ciphertext);
    blob.extend_from_slice(tag);
    otpvault_crypto::aead::open(key, b"", &blob).ok()
}

/// The most scrypt work (128 · r · N · p bytes, summed over every password slot) one file may
/// ask for: 1 GiB, 32 slots at Aegis's own parameters (N = 2^15, r = 8, p = 1). Real exports
/// have one or two password slots; without a total, a file of 200 slots took 38 s, and 8 slots
/// at the per-slot cap 144 s.
pub const MAX_SCRYPT_WORK: u64 = 1024 * 1024 * 1024;

/// The master key from the first password slot `password` opens.
fn master_key(header: &Value, password: &str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let slots = header["slots"]
        .as_array()
        .ok_or_else(|| unreadable("header.slots"))?;
    // The whole file's cost is checked before any slot is tried.
    let work: u64 = slots
        .iter()
        .filter(|s| s["type"].as_u64() == Some(1))
        .map(|s| {
            128u64
                .saturating_mul(s["r"].as_u64().unwrap_or(u64::MAX))
                .saturating_mul(s["n"].as_u64().unwrap_or(u64::MAX))
                .saturating_mul(s["p"].as_u64().unwrap_or(u64::MAX))
        })
        .fold(0u64, u64::saturating_add);
    if work > MAX_SCRYPT_WORK {
        return Err(ImportError::KdfTooCostly {
            format: FORMAT,
            what: "scrypt work across the password slots (128 · r · N · p, summed)",
        });
    }
    let mut password_slots = 0;
    for slot in slots.iter().filter(|s| s["type"].as_u64() == Some(1)) {
        password_slots += 1;
        let n = slot["n"].as_u64().ok_or_else(|| unreadable("slot n"))?;
        let r = slot["r"]
            .as_u64()
            .and_then(|r| u32::try_from(r).ok())
            .ok_or_else(|| unreadable("slot r"))?;
        let p = slot["p"]
            .as_u64()
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(|| unreadable("slot p"))?;
        if !n.is_power_of_two() || n < 2 {
            return Err(unreadable("slot n"));
        }
        let too_costly = |what| ImportError::KdfTooCostly {
            format: FORMAT,
            what,
        };
        // scrypt uses 128 · r · N bytes; p runs one after the other here.
        if 128u64.saturating_mul(u64::from(r)).saturating_mul(n) > super::MAX_KDF_MEMORY {
            return Err(too_costly("scrypt memory (128 · r · N)"));
        }
        if p > 16 {
            return Err(too_costly("scrypt p"));
        }
        let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p)
            .map_err(|_| unreadable("scrypt parameters"))?;
        let salt = hex(&slot["salt"], "slot salt")?;
        let mut derived = Zeroizing::new([0u8; 32]);
        scrypt::scrypt(password.as_bytes(), &salt, &params, derived.as_mut())
            .map_err(|_| unreadable("scrypt parameters"))?;
        let sealed = hex(&slot["key"], "slot key")?;
        let nonce = hex(&slot["key_params"]["nonce"], "slot nonce")?;
        let tag = hex(&slot["key_params"]["tag"], "slot tag")?;
        if let Some(master) = open_gcm(derived.as_ref(), &nonce, &sealed, &tag) {
            return Ok(master);
        }
    }
    if password_slots == 0 {
        return Err(unreadable("no password slot"));
    }
    Err(ImportError::WrongPassword { format: FORMAT })
}

/// Decrypts an encrypted export's `db` into the plain `db` object.
fn decrypt_db(doc: &Value, password: Option<&str>) -> Result<SecretJson, ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let master = master_key(&doc["header"], password)?;
    let params = &doc["header"]["params"];
    let nonce = hex(&params["nonce"], "params nonce")?;
    let tag = hex(&params["tag"], "params tag")?;
    let ciphertext = doc["db"]
        .as_str()
        .and_then(|db| super::google::base64_decode(db.as_bytes()))
        .ok_or_else(|| unreadable("db"))?;
    let plain = open_gcm(&master, &nonce, &ciphertext, &tag).ok_or_else(|| unreadable("db"))?;
    SecretJson::parse(&plain[..]).map_err(|_| unreadable("db JSON"))
}

/// Reads an Aegis export, plain or (with its password) encrypted.
pub fn read(text: &str, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    let doc = SecretJson::parse(text).map_err(|_| unreadable("JSON"))?;
    let decrypted;
    let db = if doc["db"].is_string() {
        decrypted = decrypt_db(&doc, password)?;
        &decrypted
    } else {
        &doc["db"]
    };
    let entries = db["entries"]
        .as_array()
        .ok_or_else(|| unreadable("db.entries"))?;
    super::check_entries(entries.len())?;
    // Groups: db version 3 lists them (`db.groups`: uuid and name) and entries name their uuids;
    // version 2 entries carry one group's name (`group`).
    let group_names: Vec<(&str, &str)> = db["groups"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .filter_map(|g| Some((g["uuid"].as_str()?, g["name"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    Ok(entries
        .iter()
        .map(|value| {
            let details = entry_details(value, &group_names);
            entry(value).with_details(details)
        })
        .collect())
}
