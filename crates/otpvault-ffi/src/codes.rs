//! Stateless functions: codes, secrets and URIs without a vault.

use otpvault_core::{self as core, Format, Generator, Secret, Token, uri};

use crate::error::OtpError;
use crate::types::{Algorithm, DecodedSecret, ParsedUri, TokenSpec, TotpCode};

fn generator(secret: Vec<u8>, algorithm: Algorithm, format: Format) -> Result<Generator, OtpError> {
    let secret = Secret::from_bytes(secret)?;
    Ok(Generator::new(&secret, algorithm.into(), format)?)
}

/// The HOTP code (RFC 4226) of raw key bytes for a counter.
#[uniffi::export]
pub fn hotp_code(
    secret: Vec<u8>,
    algorithm: Algorithm,
    digits: u8,
    counter: u64,
) -> Result<String, OtpError> {
    Ok(generator(secret, algorithm, Format::Decimal(digits))?.at_counter(counter))
}

/// The TOTP code (RFC 6238) of raw key bytes at Unix time `unix_time`.
#[uniffi::export]
pub fn totp_code(
    secret: Vec<u8>,
    algorithm: Algorithm,
    digits: u8,
    period: u32,
    unix_time: u64,
) -> Result<TotpCode, OtpError> {
    if !core::otp::PERIOD_RANGE.contains(&period) {
        return Err(core::UriError::InvalidPeriod.into());
    }
    Ok(generator(secret, algorithm, Format::Decimal(digits))?
        .totp(unix_time, period)
        .into())
}

/// The Steam Guard code of raw key bytes at Unix time `unix_time`.
#[uniffi::export]
pub fn steam_code(secret: Vec<u8>, unix_time: u64) -> Result<TotpCode, OtpError> {
    Ok(generator(secret, Algorithm::Sha1, Format::Steam)?
        .totp(unix_time, core::otp::STEAM_PERIOD)
        .into())
}

/// Decodes a base32 secret as users type it (any case, spaces, dashes, no padding).
#[uniffi::export]
pub fn decode_secret(text: String) -> Result<DecodedSecret, OtpError> {
    let secret = Secret::from_base32(&text)?;
    Ok(DecodedSecret {
        bytes: secret.expose().to_vec(),
        canonical: secret.to_base32().to_string(),
        weak: secret.is_weak(),
    })
}

/// Parses an otpauth:// or steam:// URI.
#[uniffi::export]
pub fn parse_uri(uri: String) -> Result<ParsedUri, OtpError> {
    let token = uri::parse(&uri)?;
    Ok(ParsedUri {
        spec: token.params().into(),
        secret: token.secret().to_base32().to_string(),
        weak_secret: token.secret().is_weak(),
    })
}

/// Builds the canonical otpauth:// URI of a secret and its fields (every parameter written).
#[uniffi::export]
pub fn build_uri(secret: String, spec: TokenSpec) -> Result<String, OtpError> {
    let token = Token::new(Secret::from_base32(&secret)?, spec.into())?;
    Ok(uri::build(&token).to_string())
}

/// The code of a token at Unix time `unix_time` from its URI (TOTP and Steam; HOTP uses its counter).
#[uniffi::export]
pub fn code_from_uri(uri: String, unix_time: u64) -> Result<String, OtpError> {
    let token = uri::parse(&uri)?;
    match token.totp_at(unix_time) {
        Some(code) => Ok(code.value.to_string()),
        None => Ok(token.hotp_current().unwrap_or_default()),
    }
}
