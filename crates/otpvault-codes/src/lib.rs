//! # otpvault-codes
//!
//! The bottom layer of otpvault: what a one-time code is made of, with no storage, no encryption
//! at rest and no file formats. Every layer above (activation, transfer, the vault) builds on it.
//!
//! ## Modules
//! - [`secret`]: [`Secret`] (zeroizing, redacted, constant-time equality) and base32 as users type it.
//! - [`otp`]: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes, verification, clock-offset
//!   estimation. The keyed HMAC state of a token is computed once (module `keyed`), so a code costs
//!   exactly two hash compressions.
//! - [`token`]: a validated token (secret, issuer, account, algorithm, digits, TOTP/HOTP/Steam).
//! - [`uri`]: parsing and building `otpauth://` Key URIs (QR codes at enrolment).
//! - [`clock`]: wall and monotonic time, and the time correction offset.
//! - [`policy`]: how long one PIN entry keeps the codes available.
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

pub mod clock;
pub mod error;
mod keyed;
pub mod otp;
pub mod policy;
pub mod secret;
pub mod token;
pub mod uri;

/// Hooks for the tests and memory checks of the layers above (feature `test-support`, never
/// enabled by a binding or the CLI).
#[cfg(feature = "test-support")]
pub mod test_support {
    /// The keyed HMAC inner and outer states of `key` exactly as a [`Generator`](crate::Generator)
    /// holds them in memory (patterns the memory checks look for in freed blocks).
    pub fn keyed_state_bytes(algorithm: crate::Algorithm, key: &[u8]) -> [Vec<u8>; 2] {
        crate::keyed::KeyedHmac::new(algorithm, key).state_bytes()
    }
}

pub use clock::{Clock, ManualClock, SystemClock, TimeCorrection};
pub use error::{SecretError, UriError};
pub use otp::{Algorithm, CodeValue, Format, Generator, StepCache, TotpCode};
pub use policy::UnlockPolicy;
pub use secret::Secret;
pub use token::{OtpKind, Token, TokenParams};
