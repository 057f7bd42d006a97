//! otpvault's own encrypted backup: every token (secret, names, kind, parameters, HOTP counter)
//! in display order, and the settings (time correction, unlock policy), sealed with AES-256-GCM
//! under a key derived from a passphrase with Argon2id. Restoring is importing it
//! ([`crate::import`] recognises the format), plus the settings.
//!
//! File layout, version 1 (all integers big-endian):
//!
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 16 | magic `otpvault-backup\n` (ASCII) |
//! | 16 | 1 | format version, `1` |
//! | 17 | 1 | KDF id, `1` = Argon2id (version 0x13) |
//! | 18 | 4 | Argon2 memory in KiB |
//! | 22 | 4 | Argon2 iterations (passes) |
//! | 26 | 1 | Argon2 lanes |
//! | 27 | 16 | salt (random) |
//! | 43 | 12 | AES-GCM nonce (random) |
//! | 55 | n + 16 | AES-256-GCM ciphertext and tag; the associated data is bytes 0..43 |
//!
//! The key is Argon2id(passphrase as UTF-8, salt, memory, iterations, lanes) → 32 bytes. The
//! plaintext is UTF-8 JSON: `{"format": "otpvault-backup", "version": 1, "settings":
//! {"time_offset": <seconds>, "policy": "every-code" | "5m" | "10m"}, "tokens": [{"type": "totp" |
//! "hotp" | "steam", "secret": <base32>, "issuer", "account", "algorithm": "SHA1" | "SHA256" |
//! "SHA512", "digits", "period" (totp), "counter" (hotp), "groups": [names], "note", "favourite",
//! "icon" (base64, optional), "icon_type" (its MIME type)}, …]}` with the tokens in display order.
//! Every header field is authenticated, so a changed parameter makes the file fail to open.

use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::export::ExportError;
use crate::import::{Candidate, ImportError, SkipReason};
use otpvault_codes::UnlockPolicy;
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::{OtpKind, Token};
use otpvault_crypto::secret_json::SecretJson;

/// The first 16 bytes of every backup.
pub const MAGIC: &[u8; 16] = b"otpvault-backup\n";
/// The format version this build writes.
pub const VERSION: u8 = 1;
/// Magic, version, KDF id and parameters, salt: the associated data.
const AAD_LEN: usize = 43;
/// The associated data and the nonce.
const HEADER_LEN: usize = AAD_LEN + 12;
const KDF_ARGON2ID: u8 = 1;
/// The lowest score (0–4, zxcvbn's scale) a backup passphrase must reach: 3, "safely
/// unguessable: moderate protection from offline slow-hash scenario" (at least 10^8 guesses).
pub const MIN_PASSPHRASE_SCORE: u8 = 3;

/// Argon2id parameters of a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupKdf {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub lanes: u8,
}

impl BackupKdf {
    /// What new backups use: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended option
    /// is 64 MiB, 3 passes; ~0.3 s on this machine, still fine on a phone).
    pub const DEFAULT: BackupKdf = BackupKdf {
        memory_kib: 64 * 1024,
        iterations: 3,
        lanes: 1,
    };
    /// The most a backup may ask for when it is opened (a phone must be able to run it; a
    /// hostile file must not make it allocate gigabytes): 256 MiB, 10 passes, 8 lanes.
    pub const MAX: BackupKdf = BackupKdf {
        memory_kib: 256 * 1024,
        iterations: 10,
        lanes: 8,
    };
}

/// What a backup holds besides the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSettings {
    /// The time correction in seconds.
    pub time_offset: i64,
    /// The unlock policy.
    pub policy: UnlockPolicy,
}

/// Why a passphrase is refused for a backup.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the passphrase is too easy to guess (strength {score} of 4, needs {MIN_PASSPHRASE_SCORE}){}", hint.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
pub struct WeakPassphrase {
    /// The score, 0–4 (zxcvbn's scale).
    pub score: u8,
    /// The estimate of the guesses needed, as a power of ten.
    pub guesses_log10: f64,
    /// Advice for the person (never quotes the passphrase).
    pub hint: Option<String>,
}

/// Checks a backup passphrase with the estimator of [`crate::strength`]; `user_inputs` are
/// words the passphrase should not be built from (issuer and account names).
pub fn check_passphrase(passphrase: &str, user_inputs: &[&str]) -> Result<(), WeakPassphrase> {
    let estimate = crate::strength::estimate(passphrase, user_inputs);
    if estimate.score >= MIN_PASSPHRASE_SCORE {
        return Ok(());
    }
    Err(WeakPassphrase {
        score: estimate.score,
        guesses_log10: estimate.guesses_log10,
        hint: estimate.hint.map(str::to_string),
    })
}

fn policy_name(policy: UnlockPolicy) -> &'static str {
    match policy {
        UnlockPolicy::EveryCode => "every-code",
        UnlockPolicy::FiveMinutes => "5m",
        UnlockPolicy::TenMinutes => "10m",
    }
}

fn token_json(token: &Token) -> Value {
    let mut entry = json!({
        "secret": token.secret().to_base32().as_str(),
        "issuer": token.issuer(),
        "account": token.account(),
        "algorithm": token.algorithm().as_str(),
        "digits": token.digits(),
    });
    let fields = match token.kind() {
        OtpKind::Totp { period } => json!({"type": "totp", "period": period}),
        OtpKind::Hotp { counter } => json!({"type": "hotp", "counter": counter}),
        OtpKind::Steam => json!({"type": "steam"}),
    };
    if let (Value::Object(entry), Value::Object(fields)) = (&mut entry, fields) {
        entry.extend(fields);
    }
    entry
}

fn derive_key(
    passphrase: &str,
    salt: &[u8],
    kdf: BackupKdf,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let costly = |what| ImportError::KdfTooCostly {
        format: "otpvault-backup",
        what,
    };
    if kdf.memory_kib > BackupKdf::MAX.memory_kib {
        return Err(costly("memory"));
    }
    if kdf.iterations > BackupKdf::MAX.iterations {
        return Err(costly("iterations"));
    }
    if kdf.lanes > BackupKdf::MAX.lanes {
        return Err(costly("lanes"));
    }
    let unreadable = ImportError::Unreadable {
        format: "otpvault-backup",
        what: "KDF parameters",
    };
    let params = argon2::Params::new(
        kdf.memory_kib,
        kdf.iterations,
        u32::from(kdf.lanes),
        Some(32),
    )
    .map_err(|_| unreadable.clone())?;
    let mut key = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut_slice())
        .map_err(|_| unreadable)?;
    Ok(key)
}

/// Seals `tokens` (in display order) and `settings` under `passphrase` with `kdf`. The
/// passphrase is not checked here: call [`check_passphrase`] first (the vault's export does).
pub fn seal(
    tokens: &[Token],
    details: &[crate::details::Details],
    settings: BackupSettings,
    passphrase: &str,
    kdf: BackupKdf,
) -> Result<Vec<u8>, ExportError> {
    let mut contents = SecretJson::new(json!({
        "format": "otpvault-backup",
        "version": VERSION,
        "settings": {
            "time_offset": settings.time_offset,
            "policy": policy_name(settings.policy),
        },
    }));
    // Moved in, not written inside `json!` (which would serialise a copy and drop the tokens'
    // tree unwiped).
    let none = crate::details::Details::default();
    contents["tokens"] = Value::Array(
        tokens
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let mut entry = token_json(token);
                crate::details::write_json(details.get(i).unwrap_or(&none), &mut entry);
                entry
            })
            .collect(),
    );
    let payload = contents.text().map_err(|_| ExportError::Rng)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| ExportError::Rng)?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(KDF_ARGON2ID);
    out.extend_from_slice(&kdf.memory_kib.to_be_bytes());
    out.extend_from_slice(&kdf.iterations.to_be_bytes());
    out.push(kdf.lanes);
    out.extend_from_slice(&salt);
    let key = derive_key(passphrase, &salt, kdf).map_err(ExportError::Kdf)?;
    // `nonce ‖ ciphertext ‖ tag`, the nonce random.
    let sealed = otpvault_crypto::aead::seal(&key, &out, payload.as_bytes())?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// True when `bytes` start like a backup.
pub fn looks_like(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Opens a backup: its entries as import candidates (display order) and its settings.
pub fn open(
    bytes: &[u8],
    passphrase: Option<&str>,
) -> Result<(Vec<Candidate>, BackupSettings), ImportError> {
    let unreadable = |what| ImportError::Unreadable {
        format: "otpvault-backup",
        what,
    };
    if !looks_like(bytes) {
        return Err(ImportError::UnknownFormat);
    }
    if bytes.len() < HEADER_LEN + 16 {
        return Err(unreadable("header"));
    }
    if bytes[16] != VERSION {
        return Err(unreadable("a newer format version"));
    }
    if bytes[17] != KDF_ARGON2ID {
        return Err(unreadable("KDF"));
    }
    let be32 =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let kdf = BackupKdf {
        memory_kib: be32(18),
        iterations: be32(22),
        lanes: bytes[26],
    };
    let passphrase = passphrase.ok_or(ImportError::PasswordRequired {
        format: "otpvault-backup",
    })?;
    let key = derive_key(passphrase, &bytes[27..AAD_LEN], kdf)?;
    let plain =
        otpvault_crypto::aead::open(&key, &bytes[..AAD_LEN], &bytes[AAD_LEN..]).map_err(|_| {
            ImportError::WrongPassword {
                format: "otpvault-backup",
            }
        })?;
    let doc = SecretJson::parse(&plain[..]).map_err(|_| unreadable("contents"))?;
    if doc["format"] != "otpvault-backup" || doc["version"] != VERSION {
        return Err(unreadable("contents"));
    }
    let settings = BackupSettings {
        time_offset: doc["settings"]["time_offset"]
            .as_i64()
            .filter(|offset| otpvault_codes::clock::time_offset_in_range(*offset))
            .ok_or(unreadable("settings"))?,
        policy: match doc["settings"]["policy"].as_str() {
            Some("every-code") => UnlockPolicy::EveryCode,
            Some("5m") => UnlockPolicy::FiveMinutes,
            Some("10m") => UnlockPolicy::TenMinutes,
            _ => return Err(unreadable("settings")),
        },
    };
    let tokens = doc["tokens"].as_array().ok_or(unreadable("tokens"))?;
    crate::import::check_entries(tokens.len())?;
    Ok((
        tokens
            .iter()
            .map(|entry| candidate(entry).with_details(crate::details::read_json(entry)))
            .collect(),
        settings,
    ))
}

fn candidate(entry: &Value) -> Candidate {
    let text = |key: &str| entry[key].as_str().unwrap_or("");
    let (issuer, account) = (text("issuer"), text("account"));
    let skip = |reason| Candidate::skipped(issuer, account, reason);
    let Ok(secret) = Secret::from_base32(text("secret")) else {
        return skip(SkipReason::InvalidSecret);
    };
    let Some(algorithm) = Algorithm::parse(text("algorithm")) else {
        return skip(SkipReason::UnsupportedAlgorithm);
    };
    let number = |key: &str| entry[key].as_u64();
    let digits = number("digits")
        .and_then(|d| u8::try_from(d).ok())
        .unwrap_or(0);
    let kind = match text("type") {
        "totp" => match number("period").and_then(|p| u32::try_from(p).ok()) {
            Some(period) => OtpKind::Totp { period },
            None => return skip(SkipReason::InvalidPeriod),
        },
        "hotp" => match number("counter") {
            Some(counter) => OtpKind::Hotp { counter },
            None => return skip(SkipReason::UnsupportedKind),
        },
        "steam" => OtpKind::Steam,
        _ => return skip(SkipReason::UnsupportedKind),
    };
    Candidate::build(issuer, account, secret, algorithm, digits, kind)
}
