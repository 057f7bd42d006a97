//! Failures and exit codes: every error the CLI can meet maps to one documented exit status, with
//! a stable `kind` for `--json` and a one-line message that never quotes input or a secret.
//! The mapping from [`VaultError`] is exhaustive (no catch-all): a new core error does not compile
//! until it is given a status here.

use otpvault_core::{SecretError, UriError, VaultError};

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: invalid input or usage.
pub const EXIT_INVALID: u8 = 2;
/// Exit status: wrong PIN.
pub const EXIT_WRONG_PIN: u8 = 3;
/// Exit status: locked out after too many wrong PINs.
pub const EXIT_LOCKED_OUT: u8 = 4;
/// Exit status: the vault is missing, unreadable, corrupted or tampered with.
pub const EXIT_VAULT: u8 = 5;
/// Exit status: an export file's password is missing or wrong (nothing imported).
pub const EXIT_FILE_PASSWORD: u8 = 6;

/// Exit status: an activation was refused (wrong or expired code, server not authenticated) or
/// the issuer could not be reached (nothing stored).
pub const EXIT_ACTIVATION: u8 = 7;

/// The exit codes, as `--help` prints them.
pub const EXIT_HELP: &str = "Exit codes: 0 success, 2 invalid input or usage, 3 wrong PIN, \
4 locked out (the message gives the seconds left), 5 vault missing, unreadable, corrupted or tampered, \
6 wrong or missing password of a file to import, 7 activation refused or issuer unreachable \
(nothing stored).";

/// A failure with its exit status; the message is one line and never quotes input.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub code: u8,
    /// A stable machine-readable name (`--json` prints it).
    pub kind: &'static str,
    /// One line for a person.
    pub message: String,
}

impl Failure {
    /// Invalid input or usage (exit 2).
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_INVALID,
            kind: "invalid_input",
            message: message.into(),
        }
    }

    /// A failure of another kind with its status.
    pub fn new(code: u8, kind: &'static str, message: impl Into<String>) -> Self {
        Failure {
            code,
            kind,
            message: message.into(),
        }
    }
}

impl From<otpvault_core::activation::ActivationError> for Failure {
    fn from(err: otpvault_core::activation::ActivationError) -> Self {
        use otpvault_core::activation::ActivationError as E;
        let kind = match &err {
            E::WrongCode { .. } => "activation_wrong_code",
            E::Expired => "activation_expired",
            E::Burned => "activation_burned",
            E::AlreadyUsed => "activation_used",
            E::RateLimited { .. } => "activation_rate_limited",
            E::ServerNotAuthenticated { .. } => "activation_server_not_authenticated",
            E::OriginMismatch { .. } => "activation_origin_mismatch",
            E::ClockUnreliable { .. } | E::ClockOffsetAbsurd { .. } => "activation_clock",
            E::InvalidInput { .. } => return Failure::invalid(err.to_string()),
            E::Malformed { .. } | E::ServerError { .. } | E::Finished | E::Rng => {
                "activation_failed"
            }
        };
        Failure::new(EXIT_ACTIVATION, kind, err.to_string())
    }
}

/// The exit status and kind of a vault error.
fn vault_status(err: &VaultError) -> (u8, &'static str) {
    match err {
        VaultError::WrongPin { .. } => (EXIT_WRONG_PIN, "wrong_pin"),
        VaultError::LockedOut { .. } => (EXIT_LOCKED_OUT, "locked_out"),
        VaultError::InvalidPin => (EXIT_INVALID, "invalid_pin"),
        VaultError::WeakPin => (EXIT_INVALID, "weak_pin"),
        VaultError::Locked => (EXIT_INVALID, "locked"),
        VaultError::NotFound => (EXIT_INVALID, "not_found"),
        VaultError::NotTimeBased => (EXIT_INVALID, "not_time_based"),
        VaultError::NotCounterBased => (EXIT_INVALID, "not_counter_based"),
        VaultError::CounterExhausted => (EXIT_INVALID, "counter_exhausted"),
        VaultError::InvalidToken(_) => (EXIT_INVALID, "invalid_token"),
        VaultError::InvalidSecret(_) => (EXIT_INVALID, "invalid_secret"),
        VaultError::AlreadyExists => (EXIT_INVALID, "already_exists"),
        VaultError::Storage { .. } => (EXIT_VAULT, "storage"),
        VaultError::Corrupted { .. } => (EXIT_VAULT, "corrupted"),
        VaultError::NotAVault => (EXIT_VAULT, "not_a_vault"),
        VaultError::NoVault => (EXIT_VAULT, "no_vault"),
        VaultError::NewerSchema { .. } => (EXIT_VAULT, "newer_schema"),
        VaultError::KdfTooWeak { .. } => (EXIT_VAULT, "kdf_too_weak"),
        VaultError::DeviceKeyRequired => (EXIT_VAULT, "device_key_required"),
        VaultError::DeviceKey(_) => (EXIT_VAULT, "device_key"),
        // The CLI never sets up quick unlock (no platform key with user presence on a desktop).
        VaultError::QuickUnlock(_)
        | VaultError::QuickUnlockNotSet
        | VaultError::QuickUnlockNotAllowed => (EXIT_VAULT, "quick_unlock"),
        VaultError::Erased => (EXIT_VAULT, "erased"),
        VaultError::TimeOffsetOutOfRange { .. } => (EXIT_INVALID, "time_offset_out_of_range"),
        VaultError::Rng => (EXIT_VAULT, "rng"),
        VaultError::Import(otpvault_core::import::ImportError::WrongPassword { .. }) => {
            (EXIT_FILE_PASSWORD, "wrong_file_password")
        }
        VaultError::Import(otpvault_core::import::ImportError::PasswordRequired { .. }) => {
            (EXIT_FILE_PASSWORD, "file_password_required")
        }
        VaultError::Import(_) => (EXIT_INVALID, "unreadable_import"),
        VaultError::WeakPassphrase { .. } => (EXIT_INVALID, "weak_passphrase"),
        VaultError::Duplicate { .. } => (EXIT_INVALID, "duplicate"),
        VaultError::InvalidDetails(_) => (EXIT_INVALID, "invalid_details"),
    }
}

impl From<VaultError> for Failure {
    fn from(err: VaultError) -> Self {
        let (code, kind) = vault_status(&err);
        let message = match err {
            VaultError::Storage {
                kind: otpvault_core::StorageKind::ReadOnly,
            } => {
                "the vault file is read-only for this user: reading works (without a device key), \
                  changes need write permission on the file and its directory"
                    .to_owned()
            }
            VaultError::WeakPassphrase {
                hint: Some(ref hint),
                ..
            } => format!("{err}: {hint}"),
            other => other.to_string(),
        };
        Failure {
            code,
            kind,
            message,
        }
    }
}

impl From<otpvault_core::error::ExportError> for Failure {
    fn from(err: otpvault_core::error::ExportError) -> Self {
        // The same words and exit code as when the vault's own export refuses.
        VaultError::from(err).into()
    }
}

impl From<UriError> for Failure {
    fn from(err: UriError) -> Self {
        Failure::new(EXIT_INVALID, "invalid_token", err.to_string())
    }
}

impl From<SecretError> for Failure {
    fn from(err: SecretError) -> Self {
        Failure::new(
            EXIT_INVALID,
            "invalid_secret",
            format!("invalid secret: {err}"),
        )
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure::new(
            EXIT_INVALID,
            "io",
            format!("input/output error: {}", err.kind()),
        )
    }
}

/// What a command returns.
pub type Outcome<T = ()> = Result<T, Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_errors_have_their_own_exit_codes() {
        assert_eq!(
            Failure::from(VaultError::WrongPin {
                attempts_before_delay: 2
            })
            .code,
            EXIT_WRONG_PIN
        );
        assert_eq!(
            Failure::from(VaultError::LockedOut { seconds_left: 9 }).code,
            EXIT_LOCKED_OUT
        );
        assert_eq!(Failure::from(VaultError::NoVault).code, EXIT_VAULT);
        assert_eq!(Failure::from(VaultError::NotFound).code, EXIT_INVALID);
    }
}
