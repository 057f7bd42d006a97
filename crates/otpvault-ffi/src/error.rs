//! The public error enum and the one place where core errors become it (the two-level shape of
//! mozilla/application-services: a detailed internal error, a public enum an app can switch on,
//! converted here and nowhere else).
//!
//! Every case an app would handle differently is its own variant with typed fields; kinds are
//! enums, not strings. No variant carries a secret, a PIN, a URI or an account name: only kinds,
//! positions, counts and the core's own fixed sentences.

use otpvault_core::{ProtectorError, SecretError, StorageKind, UriError, VaultError};

/// Why an otpauth:// URI or a set of typed token fields was refused (the `kind` names of
/// `tests/vectors/README.md`, as an enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum UriErrorKind {
    /// Longer than 4 KiB.
    TooLong,
    /// Not `otpauth://` or `steam://`.
    WrongScheme,
    /// Not `totp`, `hotp` or `steam`.
    UnknownType,
    /// No secret.
    MissingSecret,
    /// The secret is not base32 (reported as [`OtpError::InvalidSecret`] with its position).
    InvalidSecret,
    /// Not SHA1, SHA256 or SHA512.
    UnknownAlgorithm,
    /// Digits outside 6..=10.
    InvalidDigits,
    /// Period 0 or above 86,400 s.
    InvalidPeriod,
    /// An HOTP URI without a counter.
    MissingCounter,
    /// A number parameter that is not a number.
    InvalidNumber,
    /// A number parameter too large.
    NumberOverflow,
    /// A known parameter given twice.
    DuplicateParameter,
    /// A `%` not followed by two hex digits.
    InvalidPercentEncoding,
    /// Percent-decoded bytes that are not UTF-8.
    InvalidUtf8,
    /// An issuer or account name longer than 512 bytes.
    NameTooLong,
}

/// Why a base32 secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SecretErrorKind {
    /// Nothing but separators.
    Empty,
    /// A character outside base32 (`position` says where).
    InvalidCharacter,
    /// A number of characters no byte string encodes to.
    InvalidLength,
    /// Longer than 1 KiB.
    TooLong,
    /// The system random generator failed (generating a secret).
    Rng,
}

/// What kind of storage failure happened (nothing was written).
#[uniffi::remote(Enum)]
pub enum StorageKind {
    /// The disk is full.
    Full,
    /// A read or write failed.
    Io,
    /// The file or its directory is read-only.
    ReadOnly,
    /// Another process holds a lock.
    Busy,
    /// The file cannot be opened (missing directory, permissions).
    CannotOpen,
    /// Anything else the database reported.
    Other,
}

/// Every error otpvault reports to Kotlin, Swift and Python. Its message (Python's `str()`,
/// Kotlin's `message`, Swift's `description`) is the Rust `Display` text, never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum OtpError {
    /// The otpauth:// URI or the typed token fields were refused.
    #[error("invalid URI: {reason}")]
    InvalidUri {
        /// What was wrong.
        kind: UriErrorKind,
        /// A sentence for people.
        reason: String,
    },
    /// The secret is not valid base32; `position` (1-based) names the offending character.
    #[error("invalid secret: {reason}")]
    InvalidSecret {
        /// What was wrong.
        kind: SecretErrorKind,
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
    #[error(
        "wrong PIN ({})",
        otpvault_core::vault::error::pin_attempts_words(*attempts_before_delay)
    )]
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
    /// The vault is locked: unlock it first (under `EveryCode`, before every call).
    #[error("the vault is locked")]
    VaultLocked,
    /// No token with that id.
    #[error("no such token")]
    NotFound,
    /// A TOTP code was asked of a token that is not time-based.
    #[error("this token is not time-based")]
    NotTimeBased,
    /// An HOTP code was asked of a token that is not counter-based.
    #[error("this token is not counter-based")]
    NotCounterBased,
    /// The HOTP counter cannot advance further.
    #[error("the HOTP counter is exhausted")]
    CounterExhausted,
    /// Storage failed; nothing was changed.
    #[error("storage error: {kind:?}")]
    Storage {
        /// The class of failure.
        kind: StorageKind,
    },
    /// The vault file is damaged or was tampered with.
    #[error("the vault is corrupted or was tampered with ({reason})")]
    Corrupted {
        /// Which part failed its check.
        reason: String,
    },
    /// No vault exists at the path.
    #[error("no vault at this path")]
    NoVault,
    /// The file is not an otpvault vault.
    #[error("this file is not an otpvault vault")]
    NotAVault,
    /// A file already exists where a vault was to be created.
    #[error("a file already exists at this path")]
    AlreadyExists,
    /// The vault was written by a newer otpvault.
    #[error("the vault has schema version {found}; this build supports up to {supported}")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest this build understands.
        supported: u32,
    },
    /// The PIN KDF setting is below what this build accepts.
    #[error("the PIN key derivation uses {iterations} iterations, below the minimum {minimum}")]
    KdfTooWeak {
        /// Iterations requested or found.
        iterations: u32,
        /// The minimum accepted.
        minimum: u32,
    },
    /// The vault is bound to a device key and none was passed.
    #[error("this vault needs the device key")]
    DeviceKeyRequired,
    /// The user dismissed the device key's prompt: ask again, or use the PIN another time.
    #[error("the user cancelled the device key prompt")]
    DeviceKeyCancelled,
    /// The device key is gone or was invalidated (new biometrics enrolled): it must be set up again.
    #[error("the device key was invalidated")]
    DeviceKeyInvalidated,
    /// The key store cannot be used now.
    #[error("the device key store is unavailable: {reason}")]
    DeviceKeyUnavailable {
        /// What the platform reported.
        reason: String,
    },
    /// Any other failure of the device key protector.
    #[error("the device key failed: {reason}")]
    DeviceKeyFailed {
        /// What the platform reported.
        reason: String,
    },
    /// The user dismissed the quick-unlock (biometric) prompt; nothing was counted.
    #[error("the user cancelled quick unlock")]
    QuickUnlockCancelled,
    /// The quick-unlock key is gone (new biometrics enrolled): the slot was removed; use the PIN
    /// and set quick unlock up again.
    #[error("the quick unlock key was invalidated")]
    QuickUnlockInvalidated,
    /// The quick-unlock key cannot be used now (e.g. too many biometric failures).
    #[error("quick unlock is unavailable: {reason}")]
    QuickUnlockUnavailable {
        /// What the platform reported.
        reason: String,
    },
    /// Any other failure of the quick-unlock key.
    #[error("quick unlock failed: {reason}")]
    QuickUnlockFailed {
        /// What the platform reported.
        reason: String,
    },
    /// Quick unlock is not set up for this vault.
    #[error("quick unlock is not set up")]
    QuickUnlockNotSet,
    /// The vault asks the PIN for every code and the user did not let quick unlock stand in.
    #[error("this vault asks the PIN for every code")]
    QuickUnlockNotAllowed,
    /// The vault's keys were erased after too many wrong PINs.
    #[error("the vault was erased after too many wrong PINs")]
    Erased,
    /// A clock correction beyond a century either way.
    #[error("the clock correction must be within ±{max_seconds} s")]
    TimeOffsetOutOfRange {
        /// The limit in seconds.
        max_seconds: u64,
    },
    /// A bug in otpvault (a background operation failed); nothing was changed by it.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Rng,
    /// Activation: the server could not prove it knows the code — the code or the portal password
    /// is wrong, or this is not the configured server. Nothing was stored.
    #[error(
        "the activation code or password is wrong ({})",
        otpvault_core::activation::attempts_words(*attempts_left)
    )]
    ActivationWrongCode {
        /// Exchanges the server will still accept for this code.
        attempts_left: u32,
    },
    /// Activation: the code expired (ask the portal for a new one).
    #[error("the activation code has expired")]
    ActivationExpired,
    /// Activation: the code was burned by too many failed attempts.
    #[error("the activation code was burned by too many failed attempts")]
    ActivationBurned,
    /// Activation: the code (or this activation's result) was already used.
    #[error("the activation code was already used")]
    ActivationUsed,
    /// Activation: the server asks to wait.
    #[error("the server asks to wait {retry_after_seconds} s")]
    ActivationRateLimited {
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// Activation: the server failed a check an honest server always passes (an invalid point, a
    /// server time whose tag does not verify). Nothing was stored.
    #[error("the server is not authenticated: {reason}")]
    ActivationServerNotAuthenticated {
        /// What failed.
        reason: String,
    },
    /// Activation: a message was not what the protocol says, an argument was unusable, or the
    /// activation had already ended.
    #[error("activation failed: {reason}")]
    ActivationFailed {
        /// What was wrong.
        reason: String,
    },
    /// Activation: the server answered with an HTTP status the protocol does not use.
    #[error("the server answered with HTTP status {status}")]
    ActivationServerError {
        /// The status.
        status: u16,
    },
    /// Activation: the round trip was too slow or the server's time too far from the device's
    /// to set the clock correction.
    #[error("the clock offset cannot be measured: {reason}")]
    ActivationClock {
        /// Why.
        reason: String,
    },
    /// A group, note or icon that cannot be kept: more than 32 groups, a note over 4096 bytes,
    /// an icon over 64 KiB or not a PNG, JPEG, WebP or SVG.
    #[error("{reason}")]
    InvalidDetails {
        /// Which limit.
        reason: String,
    },
    /// The vault already holds this token (the same secret, kind and parameters, whatever its
    /// names): it was not added again.
    #[error("this token is already in the vault as #{id}")]
    DuplicateToken {
        /// The token already there.
        id: i64,
    },
    /// The passphrase chosen for an encrypted export is too easy to guess (zxcvbn score below 3
    /// of 4); `hint` is advice for the person.
    #[error("the passphrase is too easy to guess (strength {score} of 4)")]
    WeakPassphrase {
        /// The estimated score, 0–4 (zxcvbn's scale).
        score: u8,
        /// Advice for the person, if any (never the passphrase).
        hint: Option<String>,
    },
    /// The export file's password is wrong; nothing was imported.
    #[error("wrong password for the export file")]
    ImportWrongPassword,
    /// The export file is encrypted: pass its password.
    #[error("the export file is encrypted: give its password")]
    ImportPasswordRequired,
    /// The export file asks for a key derivation costlier than a phone can run (refused before
    /// anything is allocated).
    #[error("{reason}")]
    ImportKdfTooCostly {
        /// Which parameter.
        reason: String,
    },
    /// An export file to import cannot be read at all; nothing was imported.
    #[error("{reason}")]
    ImportUnreadable {
        /// Why.
        reason: String,
    },
}

fn uri_kind(err: &UriError) -> UriErrorKind {
    match err {
        UriError::TooLong { .. } => UriErrorKind::TooLong,
        UriError::WrongScheme => UriErrorKind::WrongScheme,
        UriError::UnknownType => UriErrorKind::UnknownType,
        UriError::MissingSecret => UriErrorKind::MissingSecret,
        UriError::InvalidSecret(_) => UriErrorKind::InvalidSecret,
        UriError::UnknownAlgorithm => UriErrorKind::UnknownAlgorithm,
        UriError::InvalidDigits => UriErrorKind::InvalidDigits,
        UriError::InvalidPeriod => UriErrorKind::InvalidPeriod,
        UriError::MissingCounter => UriErrorKind::MissingCounter,
        UriError::InvalidNumber { .. } => UriErrorKind::InvalidNumber,
        UriError::NumberOverflow { .. } => UriErrorKind::NumberOverflow,
        UriError::DuplicateParameter { .. } => UriErrorKind::DuplicateParameter,
        UriError::InvalidPercentEncoding => UriErrorKind::InvalidPercentEncoding,
        UriError::InvalidUtf8 => UriErrorKind::InvalidUtf8,
        UriError::NameTooLong { .. } => UriErrorKind::NameTooLong,
    }
}

impl From<UriError> for OtpError {
    fn from(err: UriError) -> Self {
        match err {
            UriError::InvalidSecret(secret) => secret.into(),
            other => OtpError::InvalidUri {
                kind: uri_kind(&other),
                reason: other.to_string(),
            },
        }
    }
}

impl From<SecretError> for OtpError {
    fn from(err: SecretError) -> Self {
        let (kind, position) = match err {
            SecretError::Empty => (SecretErrorKind::Empty, None),
            SecretError::InvalidCharacter { position } => (
                SecretErrorKind::InvalidCharacter,
                u32::try_from(position).ok(),
            ),
            SecretError::InvalidLength { .. } => (SecretErrorKind::InvalidLength, None),
            SecretError::TooLong { .. } => (SecretErrorKind::TooLong, None),
            SecretError::Rng => (SecretErrorKind::Rng, None),
        };
        OtpError::InvalidSecret {
            kind,
            position,
            reason: err.to_string(),
        }
    }
}

impl From<otpvault_core::activation::ActivationError> for OtpError {
    fn from(err: otpvault_core::activation::ActivationError) -> Self {
        use otpvault_core::activation::ActivationError as E;
        let reason = err.to_string();
        match err {
            E::WrongCode { attempts_left } => OtpError::ActivationWrongCode { attempts_left },
            E::Expired => OtpError::ActivationExpired,
            E::Burned => OtpError::ActivationBurned,
            E::AlreadyUsed => OtpError::ActivationUsed,
            E::RateLimited {
                retry_after_seconds,
            } => OtpError::ActivationRateLimited {
                retry_after_seconds,
            },
            E::ServerNotAuthenticated { reason } => OtpError::ActivationServerNotAuthenticated {
                reason: reason.into(),
            },
            E::ServerError { status } => OtpError::ActivationServerError { status },
            E::ClockUnreliable { .. } | E::ClockOffsetAbsurd { .. } => {
                OtpError::ActivationClock { reason }
            }
            E::Malformed { .. }
            | E::InvalidInput { .. }
            | E::Finished
            | E::OriginMismatch { .. } => OtpError::ActivationFailed { reason },
            E::Rng => OtpError::Rng,
        }
    }
}

impl From<VaultError> for OtpError {
    fn from(err: VaultError) -> Self {
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
            VaultError::NotTimeBased => OtpError::NotTimeBased,
            VaultError::NotCounterBased => OtpError::NotCounterBased,
            VaultError::CounterExhausted => OtpError::CounterExhausted,
            VaultError::InvalidToken(uri) => uri.into(),
            VaultError::InvalidSecret(secret) => secret.into(),
            VaultError::Storage { kind } => OtpError::Storage { kind },
            VaultError::Corrupted { what } => OtpError::Corrupted {
                reason: what.to_owned(),
            },
            VaultError::NotAVault => OtpError::NotAVault,
            VaultError::NoVault => OtpError::NoVault,
            VaultError::AlreadyExists => OtpError::AlreadyExists,
            VaultError::NewerSchema { found, supported } => {
                OtpError::NewerSchema { found, supported }
            }
            VaultError::KdfTooWeak {
                iterations,
                minimum,
            } => OtpError::KdfTooWeak {
                iterations,
                minimum,
            },
            VaultError::DeviceKeyRequired => OtpError::DeviceKeyRequired,
            VaultError::DeviceKey(report) => match report {
                ProtectorError::Cancelled => OtpError::DeviceKeyCancelled,
                ProtectorError::KeyInvalidated => OtpError::DeviceKeyInvalidated,
                ProtectorError::Unavailable { reason } => OtpError::DeviceKeyUnavailable { reason },
                ProtectorError::Failed { reason } => OtpError::DeviceKeyFailed { reason },
            },
            VaultError::QuickUnlock(report) => match report {
                ProtectorError::Cancelled => OtpError::QuickUnlockCancelled,
                ProtectorError::KeyInvalidated => OtpError::QuickUnlockInvalidated,
                ProtectorError::Unavailable { reason } => {
                    OtpError::QuickUnlockUnavailable { reason }
                }
                ProtectorError::Failed { reason } => OtpError::QuickUnlockFailed { reason },
            },
            VaultError::QuickUnlockNotSet => OtpError::QuickUnlockNotSet,
            VaultError::QuickUnlockNotAllowed => OtpError::QuickUnlockNotAllowed,
            VaultError::Erased => OtpError::Erased,
            VaultError::TimeOffsetOutOfRange { max_seconds } => {
                OtpError::TimeOffsetOutOfRange { max_seconds }
            }
            VaultError::Rng => OtpError::Rng,
            VaultError::WeakPassphrase { score, hint } => OtpError::WeakPassphrase { score, hint },
            VaultError::Duplicate { id } => OtpError::DuplicateToken { id },
            VaultError::InvalidDetails(err) => OtpError::InvalidDetails {
                reason: err.to_string(),
            },
            VaultError::Import(otpvault_core::import::ImportError::WrongPassword { .. }) => {
                OtpError::ImportWrongPassword
            }
            VaultError::Import(otpvault_core::import::ImportError::PasswordRequired { .. }) => {
                OtpError::ImportPasswordRequired
            }
            VaultError::Import(
                costly @ otpvault_core::import::ImportError::KdfTooCostly { .. },
            ) => OtpError::ImportKdfTooCostly {
                reason: costly.to_string(),
            },
            VaultError::Import(err) => OtpError::ImportUnreadable {
                reason: err.to_string(),
            },
        }
    }
}

/// What a [`crate::DeviceKeyProtector`] implementation reports when it cannot wrap or unwrap;
/// each case reaches the app's caller as its own [`OtpError`] variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ProtectorFailure {
    /// The user dismissed the biometric or device-credential prompt.
    #[error("cancelled")]
    Cancelled,
    /// The key is gone or invalidated (new biometrics enrolled, lock screen removed).
    #[error("key invalidated")]
    KeyInvalidated,
    /// The key store cannot be used now.
    #[error("{reason}")]
    Unavailable {
        /// What the platform said (no secrets).
        reason: String,
    },
    /// Any other failure of the key store.
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

impl From<ProtectorFailure> for ProtectorError {
    fn from(failure: ProtectorFailure) -> Self {
        match failure {
            ProtectorFailure::Cancelled => ProtectorError::Cancelled,
            ProtectorFailure::KeyInvalidated => ProtectorError::KeyInvalidated,
            ProtectorFailure::Unavailable { reason } => ProtectorError::Unavailable { reason },
            ProtectorFailure::Failed { reason } => ProtectorError::Failed { reason },
            unexpected @ ProtectorFailure::Unexpected { .. } => ProtectorError::Failed {
                reason: unexpected.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_kinds_match_the_core_names() {
        // The enum names are the snake_case kinds of the conformance vectors.
        let cases = [
            (UriError::InvalidDigits, UriErrorKind::InvalidDigits),
            (UriError::WrongScheme, UriErrorKind::WrongScheme),
            (UriError::InvalidPeriod, UriErrorKind::InvalidPeriod),
        ];
        for (core, ffi) in cases {
            let name = format!("{ffi:?}");
            let snake: String = name
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let lower = c.to_ascii_lowercase();
                    if c.is_uppercase() && i > 0 {
                        vec!['_', lower]
                    } else {
                        vec![lower]
                    }
                })
                .collect();
            assert_eq!(snake, core.kind());
        }
    }

    #[test]
    fn protector_reports_pass_through_unchanged() {
        let through = |f: ProtectorFailure| OtpError::from(VaultError::DeviceKey(f.into()));
        assert_eq!(
            through(ProtectorFailure::Cancelled),
            OtpError::DeviceKeyCancelled
        );
        assert_eq!(
            through(ProtectorFailure::KeyInvalidated),
            OtpError::DeviceKeyInvalidated
        );
        assert_eq!(
            through(ProtectorFailure::Unavailable {
                reason: "locked".into()
            }),
            OtpError::DeviceKeyUnavailable {
                reason: "locked".into()
            }
        );
    }
}
