//! # otpvault-core
//!
//! The facade of otpvault's core: one crate that the FFI, the CLI and the issuer depend on,
//! re-exporting the public API of the layers below it. It holds no logic of its own.
//!
//! ## The layers, bottom to top
//! Each is a crate whose dependencies point only down (`scripts/check-layers` fails CI otherwise),
//! and each can be read, built and tested without the ones above it.
//! - `otpvault-codes` ([`secret`], [`otp`], [`token`], [`uri`], [`clock`], [`policy`]): secrets
//!   and base32, HOTP/TOTP/Steam codes, tokens, `otpauth://` URIs, clocks. No SQLite, no AEAD, no
//!   JSON.
//! - `otpvault-crypto` ([`crypto`]): AES-256-GCM sealing, OS randomness, JSON trees wiped on drop,
//!   hex and LEB128: the helpers shared by everything above.
//! - `otpvault-activation` ([`activation`]): CPace and the activation protocol, both sides, as
//!   pure state machines. No vault.
//! - `otpvault-transfer` ([`import`], [`export`], [`backup`]): other apps' files in, other apps'
//!   formats and otpvault's backup out. Bytes in and out; no vault and no SQLite.
//! - `otpvault-vault` ([`vault`]): the PIN-locked SQLite store, key slots, policy, throttle,
//!   sessions. It consumes candidates from transfer and results from activation.
//!
//! ## Errors
//! Each layer owns its error type: [`SecretError`] and [`UriError`] (codes),
//! [`ActivationError`](activation::ActivationError), [`ImportError`](import::ImportError) and
//! [`ExportError`](export::ExportError) (transfer), and [`VaultError`], which wraps the ones
//! below it in one place. The FFI turns [`VaultError`] into its public error enum in one place.

#![forbid(unsafe_code)]

pub use otpvault_activation as activation;
pub use otpvault_codes::{clock, otp, policy, secret, token, uri};
pub use otpvault_crypto as crypto;
pub use otpvault_transfer::{backup, details, export, import};
pub use otpvault_vault as vault;
#[cfg(feature = "test-support")]
pub use otpvault_vault::test_support;

/// Every error type of the layers, in one module.
pub mod error {
    pub use otpvault_codes::error::{SecretError, UriError};
    pub use otpvault_transfer::export::ExportError;
    pub use otpvault_transfer::import::ImportError;
    pub use otpvault_vault::error::{ProtectorError, StorageKind, VaultError};
}

pub use error::{ProtectorError, SecretError, StorageKind, UriError, VaultError};
pub use otpvault_codes::{
    Algorithm, Clock, CodeValue, Format, Generator, ManualClock, OtpKind, Secret, StepCache,
    SystemClock, TimeCorrection, Token, TokenParams, TotpCode,
};
pub use otpvault_vault::pin::Pin;
pub use otpvault_vault::{
    CodeSheet, CreateOptions, Entry, HotpCode, KeyProtector, OpenOptions, PeriodState,
    QuickUnlockKey, Settings, TokenInfo, UnlockInfo, UnlockPolicy, Vault, VaultStatus,
};
