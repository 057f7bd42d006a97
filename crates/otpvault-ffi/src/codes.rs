//! Stateless functions: codes, secrets and URIs without a vault.

use otpvault_core::{Algorithm, Format, Generator, Secret, Token, TokenParams, TotpCode, uri};

use crate::error::OtpError;
use crate::types::{DecodedSecret, ParsedUri};

fn generator(secret: Vec<u8>, algorithm: Algorithm, format: Format) -> Result<Generator, OtpError> {
    let secret = Secret::from_bytes(secret)?;
    Ok(Generator::new(&secret, algorithm, format)?)
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
    Ok(generator(secret, algorithm, Format::Decimal(digits))?.totp_checked(unix_time, period)?)
}

/// The Steam Guard code of raw key bytes at Unix time `unix_time`.
#[uniffi::export]
pub fn steam_code(secret: Vec<u8>, unix_time: u64) -> Result<TotpCode, OtpError> {
    Ok(generator(secret, Algorithm::Sha1, Format::Steam)?
        .totp_checked(unix_time, otpvault_core::otp::STEAM_PERIOD)?)
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
        params: token.params(),
        secret: token.secret().to_base32().to_string(),
        weak_secret: token.secret().is_weak(),
    })
}

/// Builds the canonical otpauth:// URI of a secret and its fields (every parameter written).
#[uniffi::export]
pub fn build_uri(secret: String, params: TokenParams) -> Result<String, OtpError> {
    let token = Token::new(Secret::from_base32(&secret)?, params)?;
    Ok(uri::build(&token).to_string())
}

/// The code of a token at Unix time `unix_time` from its URI (TOTP and Steam; HOTP at its
/// counter).
#[uniffi::export]
pub fn code_from_uri(uri: String, unix_time: u64) -> Result<String, OtpError> {
    Ok(uri::parse(&uri)?.code_at(unix_time))
}

/// Does nothing and returns a fixed record of the shape `OtpVault.code` returns: the cost of one
/// call through the bindings and nothing else (the floor the benchmarks report beside `code`).
#[uniffi::export]
pub fn call_floor(id: i64, unix_time: u64) -> Result<TotpCode, OtpError> {
    let value = otpvault_core::CodeValue::parse("123456").ok_or(OtpError::NotFound)?;
    Ok(TotpCode {
        value,
        step: unix_time / 30,
        period: 30,
        step_start: unix_time - unix_time % 30,
        seconds_left: u32::try_from(id).unwrap_or(0),
        next_value: value,
    })
}
