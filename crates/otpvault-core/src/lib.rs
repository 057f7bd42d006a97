//! # otpvault-core
//!
//! The pure Rust core of otpvault: one-time codes, `otpauth://` URIs and secrets, and the
//! PIN-locked vault that stores them. It has no FFI in it; `otpvault-ffi` wraps it for Kotlin,
//! Swift and Python, and `otpvault-cli` for the terminal.
//!
//! ## Modules
//! - [`secret`]: [`Secret`] (zeroizing, redacted, constant-time equality) and base32 as users type it.
//! - [`otp`]: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes, verification, clock-offset
//!   estimation. The keyed HMAC state of a token is computed once (module `keyed`), so a code costs
//!   exactly two hash compressions.
//! - [`token`]: a validated token (secret, issuer, account, algorithm, digits, TOTP/HOTP/Steam).
//! - [`uri`]: parsing and building `otpauth://` Key URIs (QR codes at enrolment).
//! - [`clock`]: wall and monotonic time, and the time correction offset.
//! - [`activation`]: activation with a short code (CPace on ristretto255), client and server sides.
//! - [`backup`]: otpvault's own encrypted backup (Argon2id, AES-256-GCM), restored through import.
//! - [`export`]: the vault's tokens in Aegis's format and as Google Authenticator transfer QR codes.
//! - [`import`]: other authenticators' export files read into tokens, with a report per entry.
//! - [`vault`]: the encrypted SQLite token store: PIN, key slots, unlock policy, throttling. Its
//!   storage and crypto are private to the crate; tests reach them through `test_support`
//!   (feature `test-support`).
//! - [`error`]: typed errors that never carry a secret or a URI.
//!
//! ## RFC details that are easy to get wrong
//! - The counter is 64-bit big-endian; `T = floor(unix / period)` with `T0 = 0` must stay 64-bit
//!   (RFC 6238 tests T = 20,000,000,000 s).
//! - Dynamic truncation takes the offset from the low 4 bits of the **last** HMAC byte, for every
//!   algorithm, and masks the sign bit of the 31-bit value (RFC 4226 §5.3).
//! - RFC 6238 Appendix B uses a 20-, 32- and 64-byte seed for SHA-1, SHA-256 and SHA-512
//!   (erratum 2866); the vectors in `tests/vectors` carry each seed explicitly.
//! - Never decode an invalid base32 secret as ASCII "to be helpful": the codes would look valid and
//!   be wrong.

#![forbid(unsafe_code)]

pub mod activation;
pub mod backup;
pub mod clock;
pub mod error;
pub mod export;
pub mod import;
mod keyed;
pub mod otp;
pub mod secret;
mod secret_json;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod token;
pub mod uri;
pub mod vault;

pub use clock::{Clock, ManualClock, SystemClock, TimeCorrection};
pub use error::{ProtectorError, SecretError, StorageKind, UriError, VaultError};
pub use otp::{Algorithm, CodeValue, Format, Generator, StepCache, TotpCode};
pub use secret::Secret;
pub use token::{OtpKind, Token, TokenParams};
pub use vault::pin::Pin;
pub use vault::{
    CodeSheet, CreateOptions, Entry, HotpCode, KeyProtector, OpenOptions, PeriodState, TokenInfo,
    UnlockInfo, Vault, VaultStatus,
};
pub use vault::{Settings, UnlockPolicy};
