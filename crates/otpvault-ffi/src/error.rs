//! The public error enum and the one place where core errors become it.
//!
//! No variant carries a secret, a PIN, a URI or an account name: only kinds, positions, counts
//! and the core's own fixed sentences.

use otpvault_core::{SecretError, UriError, VaultError};

/// Every error otpvault reports to Kotlin, Swift and Python.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum OtpError {
    /// The otpauth:// URI or the typed token fields were refused; `kind` is the stable name
    /// from `tests/vectors/README.md`.
    #[error("invalid URI: {reason}")]
    InvalidUri {
        /// Stable snake_case kind.
        kind: String,
        /// A sentence for people.
        reason: String,
    },
    /// The secret is not valid base32; `position` (1-based) names the offending character.
    #[error("invalid secret: {reason}")]
    InvalidSecret {
        /// Stable snake_case kind.
        kind: String,
        /// Position of the bad character, when that is the problem.
        position: Option<u32>,
        /// A sentence for people.
        reason: String,
    },
    /// The PIN is not exactly five digits.
    #[error("the PIN must be exactly 5 digits")]
    InvalidPin,
    /// The chosen PIN is trivially guessable (repeated digit or straight run).
    #[error("this PIN is too easy to guess")]
    WeakPin,
    /// Wrong PIN; `attempts_before_delay` more are allowed before delays begin.
    #[error("wrong PIN ({attempts_before_delay} attempts left before a delay)")]
    WrongPin {
        /// Wrong PINs still possible before a delay.
        attempts_before_delay: u32,
    },
    /// Too many wrong PINs: retry after `seconds_left`.
    #[error("too many wrong PINs: try again in {seconds_left} s")]
    LockedOut {
        /// Seconds until the next attempt.
        seconds_left: u64,
    },
    /// The vault is locked: unlock it, or pass the PIN to the call.
    #[error("the vault is locked")]
    VaultLocked,
    /// No token with that id.
    #[error("no such token")]
    NotFound,
    /// The operation does not apply to this kind of token (e.g. a TOTP code of an HOTP token).
    #[error("{reason}")]
    WrongTokenKind {
        /// What was expected.
        reason: String,
    },
    /// Storage failed (disk full, I/O, permissions); nothing was changed.
    #[error("storage error: {reason}")]
    Storage {
        /// The class of failure.
        reason: String,
    },
    /// The vault file is damaged or was tampered with.
    #[error("the vault is corrupted or was tampered with ({reason})")]
    Corrupted {
        /// Which part failed its check.
        reason: String,
    },
    /// The file is not a vault this build can open (missing, foreign, newer, or exists already).
    #[error("{reason}")]
    Unreadable {
        /// Why.
        reason: String,
    },
    /// The device key is required, or the platform's key store failed.
    #[error("device key: {reason}")]
    DeviceKey {
        /// What the platform reported.
        reason: String,
    },
    /// The vault's keys were erased after too many wrong PINs.
    #[error("the vault was erased after too many wrong PINs")]
    Erased,
    /// Anything else (the system random generator failed, a weak KDF setting).
    #[error("{reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

impl From<UriError> for OtpError {
    fn from(err: UriError) -> Self {
        match err {
            UriError::InvalidSecret(secret) => secret.into(),
            other => OtpError::InvalidUri {
                kind: other.kind().to_owned(),
                reason: other.to_string(),
            },
        }
    }
}

impl From<SecretError> for OtpError {
    fn from(err: SecretError) -> Self {
        let position = match err {
            SecretError::InvalidCharacter { position } => u32::try_from(position).ok(),
            _ => None,
        };
        OtpError::InvalidSecret {
            kind: err.kind().to_owned(),
            position,
            reason: err.to_string(),
        }
    }
}

impl From<VaultError> for OtpError {
    fn from(err: VaultError) -> Self {
        let reason = err.to_string();
        match err {
            VaultError::InvalidPin => OtpError::InvalidPin,
            VaultError::WeakPin => OtpError::WeakPin,
            VaultError::WrongPin {
                attempts_before_delay,
            } => OtpError::WrongPin {
                attempts_before_delay,
            },
            VaultError::LockedOut { seconds_left } => OtpError::LockedOut { seconds_left },
            VaultError::Locked => OtpError::VaultLocked,
            VaultError::NotFound => OtpError::NotFound,
            VaultError::NotTimeBased
            | VaultError::NotCounterBased
            | VaultError::CounterExhausted => OtpError::WrongTokenKind { reason },
            VaultError::InvalidToken(uri) => uri.into(),
            VaultError::InvalidSecret(secret) => secret.into(),
            VaultError::Storage { kind } => OtpError::Storage {
                reason: format!("{kind:?}"),
            },
            VaultError::Corrupted { what } => OtpError::Corrupted {
                reason: what.to_owned(),
            },
            VaultError::NotAVault
            | VaultError::NoVault
            | VaultError::AlreadyExists
            | VaultError::NewerSchema { .. } => OtpError::Unreadable { reason },
            VaultError::DeviceKeyRequired => OtpError::DeviceKey { reason },
            VaultError::DeviceKey { reason } => OtpError::DeviceKey { reason },
            VaultError::Erased => OtpError::Erased,
            VaultError::KdfTooWeak { .. } | VaultError::Rng => OtpError::Internal { reason },
        }
    }
}

/// What a [`crate::DeviceKeyProtector`] implementation reports when it cannot wrap or unwrap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ProtectorFailure {
    /// The key store refused or failed (key invalidated, user not authenticated, …).
    #[error("{reason}")]
    Failed {
        /// What the platform said (no secrets).
        reason: String,
    },
    /// The foreign implementation threw something it did not declare.
    #[error("unexpected failure in the device key protector: {reason}")]
    Unexpected {
        /// The foreign error's description.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ProtectorFailure {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ProtectorFailure::Unexpected { reason: err.reason }
    }
}
