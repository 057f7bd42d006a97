//! Error types of the vault.
//!
//! Every error here is safe to show or log: none of them carries a secret, a URI, a PIN or any
//! other user-supplied value: only positions, parameter names and limits. The errors of the
//! layers below ([`SecretError`], [`UriError`], [`ImportError`]) are wrapped here, in one place,
//! with `#[from]`; the FFI turns this enum into its public error in one place too.

use otpvault_codes::error::{SecretError, UriError};
use otpvault_transfer::import::ImportError;
use thiserror::Error;

/// What went wrong with storage, without the driver's message (which may quote SQL or paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// The disk (or the database's size limit) is full; nothing was written.
    Full,
    /// A read or write failed at the operating-system level.
    Io,
    /// The file is read-only or on a read-only file system.
    ReadOnly,
    /// Another process holds a lock on the file.
    Busy,
    /// The file could not be opened (missing directory, permissions).
    CannotOpen,
    /// Anything else the database reported.
    Other,
}

/// Why a device key protector (Android Keystore, iOS Secure Enclave) could not wrap or unwrap.
/// The platform's own report, passed through the core unchanged so an app can react to each:
/// ask again after `Cancelled`, fall back to the PIN and re-enrol after `KeyInvalidated`, explain
/// `Unavailable`. Reasons come from the platform and must not contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtectorError {
    /// The user dismissed the system prompt (biometric or device credential).
    #[error("the user cancelled the device key prompt")]
    Cancelled,
    /// The key is gone or was invalidated (a new fingerprint enrolled, the lock screen removed).
    #[error("the device key was invalidated")]
    KeyInvalidated,
    /// The key store cannot be used now (locked device, hardware busy, no secure hardware).
    #[error("the device key store is unavailable: {reason}")]
    Unavailable {
        /// What the platform said.
        reason: String,
    },
    /// Any other failure of the key store.
    #[error("the device key failed: {reason}")]
    Failed {
        /// What the platform said.
        reason: String,
    },
}

/// Errors of the vault. Like every error of the core, none of them carries a secret, a PIN, a URI
/// or an account name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VaultError {
    /// The PIN is not exactly five ASCII digits.
    #[error("the PIN must be exactly 5 digits")]
    InvalidPin,
    /// The new PIN is trivially guessable (all digits equal, or a straight run up or down).
    #[error("this PIN is too easy to guess: choose one that is not a repeated digit or a sequence")]
    WeakPin,
    /// Wrong PIN. `attempts_before_delay` more wrong PINs are allowed before delays begin.
    #[error("wrong PIN ({})", pin_attempts_words(*attempts_before_delay))]
    WrongPin {
        /// Failures still possible before the first delay (0 once delays have begun).
        attempts_before_delay: u32,
    },
    /// Too many wrong PINs: try again after `seconds_left` seconds.
    #[error("too many wrong PINs: try again in {seconds_left} s")]
    LockedOut {
        /// Seconds until the next attempt is allowed.
        seconds_left: u64,
    },
    /// The vault is locked (never unlocked, timed out, or `lock()` called): unlock it or pass the PIN.
    #[error("the vault is locked")]
    Locked,
    /// No token with that id.
    #[error("no such token")]
    NotFound,
    /// The operation needs a time-based token (TOTP or Steam).
    #[error("this token is not time-based")]
    NotTimeBased,
    /// The operation needs a counter-based (HOTP) token.
    #[error("this token is not counter-based")]
    NotCounterBased,
    /// The HOTP counter cannot advance further.
    #[error("the HOTP counter is exhausted")]
    CounterExhausted,
    /// The token's URI or fields were refused.
    #[error("invalid token: {0}")]
    InvalidToken(#[from] UriError),
    /// The token's secret was refused.
    #[error("invalid secret: {0}")]
    InvalidSecret(#[from] SecretError),
    /// A storage failure; the transaction was rolled back and the previous state is intact.
    #[error("storage error: {kind:?}")]
    Storage {
        /// The class of failure.
        kind: StorageKind,
    },
    /// The file is damaged or was modified outside otpvault; `what` names the part.
    #[error("the vault is corrupted or was tampered with ({what})")]
    Corrupted {
        /// Which part failed its check.
        what: &'static str,
    },
    /// The file is not an otpvault vault (another SQLite file, or not SQLite at all).
    #[error("this file is not an otpvault vault")]
    NotAVault,
    /// No vault exists at the path.
    #[error("no vault at this path")]
    NoVault,
    /// A vault already exists at the path.
    #[error("a file already exists at this path")]
    AlreadyExists,
    /// The vault was written by a newer otpvault.
    #[error("the vault has schema version {found}; this otpvault supports up to {supported}")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest version this build understands.
        supported: u32,
    },
    /// The key slot's KDF is weaker than this build accepts.
    #[error("the PIN key derivation uses {iterations} iterations, below the minimum {minimum}")]
    KdfTooWeak {
        /// Iterations requested or found.
        iterations: u32,
        /// The minimum accepted.
        minimum: u32,
    },
    /// The vault is bound to a device key, and none was supplied.
    #[error("this vault needs the device key to be unlocked")]
    DeviceKeyRequired,
    /// The device key protector (Android Keystore, Secure Enclave) failed, as it reported.
    #[error("{0}")]
    DeviceKey(ProtectorError),
    /// The quick-unlock (biometric) key failed, as it reported. After `KeyInvalidated` the quick
    /// unlock slot has been removed: the PIN opens the vault, and quick unlock can be set up again.
    /// Never counted as a wrong PIN.
    #[error("quick unlock: {0}")]
    QuickUnlock(ProtectorError),
    /// No quick unlock is set up for this vault (or it was removed).
    #[error("quick unlock is not set up")]
    QuickUnlockNotSet,
    /// The vault's policy asks the PIN for every code, and the user did not allow quick unlock
    /// to stand in for it.
    #[error("this vault asks the PIN for every code")]
    QuickUnlockNotAllowed,
    /// A clock correction beyond [`otpvault_codes::clock::MAX_TIME_OFFSET_SECONDS`] either way.
    #[error("the clock correction must be within ±{max_seconds} s")]
    TimeOffsetOutOfRange {
        /// The limit in seconds.
        max_seconds: u64,
    },
    /// The vault's keys were erased after too many wrong PINs.
    #[error("the vault was erased after too many wrong PINs")]
    Erased,
    /// The operating system's random generator failed.
    #[error("the system random generator failed")]
    Rng,
    /// An export file to import cannot be read at all (nothing was imported).
    #[error("{0}")]
    Import(#[from] ImportError),
    /// A group, note or icon that cannot be kept (too many groups, a note too long, an icon too
    /// large or not a PNG, JPEG, WebP or SVG).
    #[error("{0}")]
    InvalidDetails(#[from] otpvault_transfer::details::DetailsError),
    /// The vault already holds this token (same secret, kind and parameters): not added again.
    #[error("this token is already in the vault as #{id}")]
    Duplicate {
        /// The token already there.
        id: i64,
    },
    /// The passphrase chosen for an encrypted export is too easy to guess (zxcvbn score below
    /// 3 of 4); `hint` is zxcvbn's advice, never the passphrase.
    #[error("the passphrase is too easy to guess (strength {score} of 4, needs 3)")]
    WeakPassphrase {
        /// zxcvbn's score, 0–4.
        score: u8,
        /// Advice for the person.
        hint: Option<String>,
    },
}

/// What a wrong PIN leaves, in words: "2 attempts left before a delay", "1 attempt left …", or,
/// once delays have begun, that the next attempt has to wait and how the delays grow (the
/// schedule of [`crate::throttle`]).
pub fn pin_attempts_words(attempts_before_delay: u32) -> String {
    match attempts_before_delay {
        0 => "a delay has begun: the next attempt waits 1 minute after 5 wrong PINs, then 5 \
              minutes, 15 minutes and 1 hour"
            .into(),
        1 => "1 attempt left before a delay".into(),
        n => format!("{n} attempts left before a delay"),
    }
}

impl From<rusqlite::Error> for VaultError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let Some(code) = err.sqlite_error_code() else {
            // Type conversions and the like: the row does not hold what the schema promised.
            return VaultError::Corrupted { what: "row format" };
        };
        let kind = match code {
            ErrorCode::DatabaseCorrupt => {
                return VaultError::Corrupted {
                    what: "database file",
                };
            }
            ErrorCode::NotADatabase => return VaultError::NotAVault,
            ErrorCode::DiskFull => StorageKind::Full,
            ErrorCode::SystemIoFailure => StorageKind::Io,
            ErrorCode::ReadOnly => StorageKind::ReadOnly,
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StorageKind::Busy,
            ErrorCode::CannotOpen => StorageKind::CannotOpen,
            _ => StorageKind::Other,
        };
        VaultError::Storage { kind }
    }
}

impl From<otpvault_crypto::aead::SealError> for VaultError {
    fn from(err: otpvault_crypto::aead::SealError) -> Self {
        match err {
            otpvault_crypto::aead::SealError::Rng => VaultError::Rng,
            otpvault_crypto::aead::SealError::TooLong => VaultError::Corrupted {
                what: "message too long",
            },
        }
    }
}

impl From<otpvault_transfer::export::ExportError> for VaultError {
    fn from(err: otpvault_transfer::export::ExportError) -> Self {
        use otpvault_transfer::export::ExportError;
        match err {
            ExportError::WeakPassphrase { score, hint } => {
                VaultError::WeakPassphrase { score, hint }
            }
            ExportError::Rng => VaultError::Rng,
            ExportError::Kdf(err) => VaultError::Import(err),
        }
    }
}
