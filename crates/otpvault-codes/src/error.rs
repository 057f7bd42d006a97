//! Error types of the codes layer: secrets and `otpauth://` URIs.
//!
//! Every error here is safe to show or log: none of them carries a secret, a URI, a PIN or any
//! other user-supplied value — only positions, parameter names and limits. Each type has a
//! stable machine-readable [`kind`](UriError::kind) string that the conformance vectors in
//! `tests/vectors` (and the bindings' tests) compare against.

use thiserror::Error;

/// Why a secret (a base32 string typed by the user or carried in a URI) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SecretError {
    /// Nothing but separators (spaces, dashes, `=`) or nothing at all.
    #[error("the secret is empty")]
    Empty,
    /// A character outside the base32 alphabet; `position` counts characters from 1.
    #[error("the secret has an invalid character at position {position}")]
    InvalidCharacter {
        /// 1-based position of the offending character in the input.
        position: usize,
    },
    /// The number of base32 characters cannot come from any byte string (1, 3 or 6 mod 8).
    #[error("the secret has an impossible length for base32 ({chars} characters)")]
    InvalidLength {
        /// How many base32 characters (separators excluded) the input held.
        chars: usize,
    },
    /// The input is longer than [`crate::secret::MAX_BASE32_INPUT`] bytes.
    #[error("the secret is longer than {max} bytes")]
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The operating system's random generator failed.
    #[error("the system random generator failed")]
    Rng,
}

impl SecretError {
    /// A stable snake_case name for this error, used by conformance vectors and bindings.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretError::Empty => "empty",
            SecretError::InvalidCharacter { .. } => "invalid_character",
            SecretError::InvalidLength { .. } => "invalid_length",
            SecretError::TooLong { .. } => "too_long",
            SecretError::Rng => "rng",
        }
    }
}

/// Why an `otpauth://` (or `steam://`) URI, or a set of typed token fields, was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum UriError {
    /// The input is longer than [`crate::uri::MAX_URI_LEN`] bytes.
    #[error("the URI is longer than {max} bytes")]
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The scheme is not `otpauth://` or `steam://`.
    #[error("not an otpauth:// URI")]
    WrongScheme,
    /// The type after `otpauth://` is not `totp`, `hotp` or `steam`.
    #[error("unknown OTP type (expected totp or hotp)")]
    UnknownType,
    /// No `secret` parameter, or an empty one.
    #[error("the URI has no secret")]
    MissingSecret,
    /// The `secret` parameter is not valid base32.
    #[error("invalid secret: {0}")]
    InvalidSecret(#[from] SecretError),
    /// The `algorithm` parameter is not SHA1, SHA256 or SHA512.
    #[error("unknown algorithm (expected SHA1, SHA256 or SHA512)")]
    UnknownAlgorithm,
    /// `digits` outside 6..=10.
    #[error("digits must be between 6 and 10")]
    InvalidDigits,
    /// `period` is 0 or above 86,400 seconds.
    #[error("period must be between 1 and 86400 seconds")]
    InvalidPeriod,
    /// An `hotp` URI without a `counter`.
    #[error("an HOTP URI needs a counter")]
    MissingCounter,
    /// A numeric parameter that is not a plain decimal number.
    #[error("parameter {param} is not a number")]
    InvalidNumber {
        /// The parameter's name.
        param: &'static str,
    },
    /// A numeric parameter too large for its type.
    #[error("parameter {param} is too large")]
    NumberOverflow {
        /// The parameter's name.
        param: &'static str,
    },
    /// A known parameter given twice (ambiguous, so refused).
    #[error("parameter {param} is given more than once")]
    DuplicateParameter {
        /// The parameter's name.
        param: &'static str,
    },
    /// A `%` not followed by two hexadecimal digits.
    #[error("invalid percent-encoding")]
    InvalidPercentEncoding,
    /// Percent-decoded bytes that are not UTF-8.
    #[error("the URI does not decode to UTF-8 text")]
    InvalidUtf8,
    /// A label or issuer longer than [`crate::token::MAX_NAME_LEN`] bytes.
    #[error("the {field} is longer than {max} bytes")]
    NameTooLong {
        /// `issuer` or `account`.
        field: &'static str,
        /// The limit in bytes.
        max: usize,
    },
}

impl UriError {
    /// A stable snake_case name for this error, used by conformance vectors and bindings.
    pub fn kind(&self) -> &'static str {
        match self {
            UriError::TooLong { .. } => "too_long",
            UriError::WrongScheme => "wrong_scheme",
            UriError::UnknownType => "unknown_type",
            UriError::MissingSecret => "missing_secret",
            UriError::InvalidSecret(_) => "invalid_secret",
            UriError::UnknownAlgorithm => "unknown_algorithm",
            UriError::InvalidDigits => "invalid_digits",
            UriError::InvalidPeriod => "invalid_period",
            UriError::MissingCounter => "missing_counter",
            UriError::InvalidNumber { .. } => "invalid_number",
            UriError::NumberOverflow { .. } => "number_overflow",
            UriError::DuplicateParameter { .. } => "duplicate_parameter",
            UriError::InvalidPercentEncoding => "invalid_percent_encoding",
            UriError::InvalidUtf8 => "invalid_utf8",
            UriError::NameTooLong { .. } => "name_too_long",
        }
    }
}
