//! `otpauth://` Key URIs, the content of enrolment QR codes, and the `steam://` form.
//!
//! Format: `otpauth://TYPE/LABEL?PARAMETERS` with `TYPE` `totp` or `hotp` (any case), `LABEL` the
//! percent-encoded `Issuer:account` (or just `account`), and parameters `secret` (required),
//! `issuer`, `algorithm`, `digits`, `period`, `counter` (required for HOTP). `encoder=steam` or a
//! `steam://SECRET` URI makes a Steam Guard token; `otpauth://steam/…` (Aegis's export) too.
//!
//! Easy to get wrong:
//! - the label is split on the **first** `:` (literal or `%3A`), spaces after it are dropped;
//! - the `issuer` parameter wins when it differs from the label's prefix;
//! - parameter names and algorithm values are case-insensitive; unknown parameters (`image`,
//!   `color`, …) are ignored, but a known parameter given twice is refused as ambiguous;
//! - `+` in a parameter value is a space (form encoding), in the label it is a literal `+`;
//! - a stray `%` is an error, not a literal: silently keeping it would corrupt names and secrets;
//! - errors never contain the URI or any part of it: a URI carries the secret.
//!
//! [`build`] writes every parameter out, so an exported URI loses nothing; `parse(build(t)) == t`
//! for every valid token (a property test checks it).

use std::fmt::Write;

use zeroize::{Zeroize, Zeroizing};

use crate::error::UriError;
use crate::otp::Algorithm;
use crate::secret::Secret;
use crate::token::{DEFAULT_DIGITS, DEFAULT_PERIOD, OtpKind, Token, TokenParams};

/// The longest URI accepted, in bytes.
pub const MAX_URI_LEN: usize = 4096;

/// Strictly percent-decodes `input` (and `+` as space when `plus_is_space`) into a zeroizing string.
pub fn percent_decode(input: &str, plus_is_space: bool) -> Result<Zeroizing<String>, UriError> {
    let bytes = input.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                let (Some(hi), Some(lo)) = (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) else {
                    return Err(UriError::InvalidPercentEncoding);
                };
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    match String::from_utf8(std::mem::take(&mut *out)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(err) => {
            err.into_bytes().zeroize();
            Err(UriError::InvalidUtf8)
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(out: &mut impl Write, text: &str) {
    for byte in text.bytes() {
        // Writing to a String or a counter cannot fail.
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            let _ = out.write_char(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// A `Write` that only counts bytes: sizes a buffer exactly before a secret is written into it.
#[derive(Default)]
struct Counter(usize);

impl Write for Counter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

fn parse_number<T: std::str::FromStr>(value: &str, param: &'static str) -> Result<T, UriError> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UriError::InvalidNumber { param });
    }
    // Only digits remain, so the only possible failure is overflow.
    value
        .parse::<T>()
        .map_err(|_| UriError::NumberOverflow { param })
}

/// The parameters this parser understands, each at most once.
#[derive(Default)]
struct Params {
    secret: Option<Zeroizing<String>>,
    issuer: Option<Zeroizing<String>>,
    algorithm: Option<Zeroizing<String>>,
    digits: Option<Zeroizing<String>>,
    period: Option<Zeroizing<String>>,
    counter: Option<Zeroizing<String>>,
    encoder: Option<Zeroizing<String>>,
}

impl Params {
    fn parse(query: &str) -> Result<Self, UriError> {
        let mut params = Params::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name, true)?;
            let (slot, param) = match name.to_ascii_lowercase().as_str() {
                "secret" => (&mut params.secret, "secret"),
                "issuer" => (&mut params.issuer, "issuer"),
                "algorithm" => (&mut params.algorithm, "algorithm"),
                "digits" => (&mut params.digits, "digits"),
                "period" => (&mut params.period, "period"),
                "counter" => (&mut params.counter, "counter"),
                "encoder" => (&mut params.encoder, "encoder"),
                _ => continue,
            };
            if slot.is_some() {
                return Err(UriError::DuplicateParameter { param });
            }
            *slot = Some(percent_decode(value, true)?);
        }
        Ok(params)
    }
}

/// Splits a decoded label into (issuer prefix, account) on the first `:`.
fn split_label(label: &str) -> (Option<&str>, &str) {
    match label.split_once(':') {
        Some((issuer, account)) => (Some(issuer.trim()), account.trim()),
        None => (None, label.trim()),
    }
}

/// Parses an `otpauth://` or `steam://` URI into a validated token.
pub fn parse(uri: &str) -> Result<Token, UriError> {
    parse_with(uri, false)
}

/// [`parse`] for URIs found in another app's export: secrets of a length no encoder produces
/// have their trailing bits dropped ([`Secret::from_base32_lenient`]) instead of being refused.
pub fn parse_exported(uri: &str) -> Result<Token, UriError> {
    parse_with(uri, true)
}

fn parse_with(uri: &str, lenient: bool) -> Result<Token, UriError> {
    let decode_secret = |text: &str| decode_secret(text, lenient);
    if uri.len() > MAX_URI_LEN {
        return Err(UriError::TooLong { max: MAX_URI_LEN });
    }
    let uri = uri.trim();
    let (scheme, rest) = uri.split_once("://").ok_or(UriError::WrongScheme)?;
    if scheme.eq_ignore_ascii_case("steam") {
        let encoded = rest.trim_end_matches('/');
        let secret = percent_decode(encoded, false)?;
        let params = TokenParams {
            issuer: "Steam".into(),
            kind: OtpKind::Steam,
            ..TokenParams::default()
        };
        return Token::new(decode_secret(&secret)?, params);
    }
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return Err(UriError::WrongScheme);
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (otp_type, raw_label) = path.split_once('/').unwrap_or((path, ""));
    let otp_type = otp_type.to_ascii_lowercase();
    if !matches!(otp_type.as_str(), "totp" | "hotp" | "steam") {
        return Err(UriError::UnknownType);
    }
    let label = percent_decode(raw_label, false)?;
    let (label_issuer, account) = split_label(&label);
    let params = Params::parse(query)?;

    let secret_text = params.secret.as_ref().ok_or(UriError::MissingSecret)?;
    let secret = decode_secret(secret_text)?;
    let issuer = params
        .issuer
        .as_deref()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .or(label_issuer)
        .unwrap_or_default();
    let algorithm = match params.algorithm.as_deref() {
        Some(name) => Algorithm::parse(name).ok_or(UriError::UnknownAlgorithm)?,
        None => Algorithm::Sha1,
    };
    let is_steam = otp_type == "steam"
        || params
            .encoder
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("steam"));
    let digits = match params.digits.as_deref() {
        // Steam URIs carry digits=5, which is outside 6..=10; Token::new fixes Steam at 5 anyway.
        Some(_) if is_steam => DEFAULT_DIGITS,
        Some(text) => {
            let digits: u64 = parse_number(text, "digits")?;
            u8::try_from(digits).map_err(|_| UriError::InvalidDigits)?
        }
        None => DEFAULT_DIGITS,
    };
    let kind = if is_steam {
        OtpKind::Steam
    } else if otp_type == "hotp" {
        let counter = params.counter.as_deref().ok_or(UriError::MissingCounter)?;
        OtpKind::Hotp {
            counter: parse_number(counter, "counter")?,
        }
    } else {
        let period = match params.period.as_deref() {
            Some(text) => {
                let period: u64 = parse_number(text, "period")?;
                u32::try_from(period).map_err(|_| UriError::InvalidPeriod)?
            }
            None => DEFAULT_PERIOD,
        };
        OtpKind::Totp { period }
    };
    Token::new(
        secret,
        TokenParams {
            issuer: issuer.to_owned(),
            account: account.to_owned(),
            algorithm,
            digits,
            kind,
        },
    )
}

/// The (issuer, account) an `otpauth://` URI names, to report an entry that cannot be imported;
/// `None` when the URI does not get that far. The secret is never read.
pub fn label_names(uri: &str) -> Option<(String, String)> {
    if uri.len() > MAX_URI_LEN {
        return None;
    }
    let (scheme, rest) = uri.trim().split_once("://")?;
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return None;
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (_, raw_label) = path.split_once('/')?;
    let label = percent_decode(raw_label, false).ok()?;
    let (label_issuer, account) = split_label(&label);
    let issuer_param = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.eq_ignore_ascii_case("issuer"))
        .and_then(|(_, value)| percent_decode(value, true).ok());
    let issuer = issuer_param
        .as_deref()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .or(label_issuer)
        .unwrap_or_default();
    Some((issuer.to_owned(), account.to_owned()))
}

fn decode_secret(text: &str, lenient: bool) -> Result<Secret, UriError> {
    if text.trim().is_empty() {
        return Err(UriError::MissingSecret);
    }
    Ok(if lenient {
        Secret::from_base32_lenient(text)?
    } else {
        Secret::from_base32(text)?
    })
}

/// Builds the canonical URI of a token, every parameter written out. The result holds the secret.
///
/// The label is always `Issuer:account` when either name holds a `:` or the issuer is non-empty;
/// an issuer that itself contains `:` is written only in the `issuer` parameter (with an empty
/// label prefix) so that the first-colon split still finds the right account.
pub fn build(token: &Token) -> Zeroizing<String> {
    let secret = token.secret().to_base32();
    // Measure first, then write into a buffer of exactly that size: a growing String would free
    // its old block with the secret still in it.
    let mut counter = Counter::default();
    write_uri(&mut counter, token, &secret);
    let mut out = Zeroizing::new(String::with_capacity(counter.0));
    write_uri(&mut *out, token, &secret);
    debug_assert_eq!(out.len(), out.capacity());
    out
}

fn write_uri(out: &mut impl Write, token: &Token, secret: &str) {
    // Writing to a String or a counter cannot fail.
    let otp_type = match token.kind() {
        OtpKind::Hotp { .. } => "hotp",
        OtpKind::Totp { .. } | OtpKind::Steam => "totp",
    };
    let _ = write!(out, "otpauth://{otp_type}/");
    let issuer = token.issuer();
    let account = token.account();
    if !issuer.is_empty() || account.contains(':') {
        if !issuer.contains(':') {
            percent_encode(out, issuer);
        }
        let _ = out.write_char(':');
    }
    percent_encode(out, account);
    let _ = write!(out, "?secret={secret}");
    if !issuer.is_empty() {
        let _ = out.write_str("&issuer=");
        percent_encode(out, issuer);
    }
    let _ = write!(
        out,
        "&algorithm={}&digits={}",
        token.algorithm().as_str(),
        token.digits()
    );
    let _ = match token.kind() {
        OtpKind::Totp { period } => write!(out, "&period={period}"),
        OtpKind::Hotp { counter } => write!(out, "&counter={counter}"),
        OtpKind::Steam => write!(out, "&period={}&encoder=steam", crate::otp::STEAM_PERIOD),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_example() {
        let token =
            parse("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example")
                .unwrap();
        assert_eq!(token.issuer(), "Example");
        assert_eq!(token.account(), "alice@google.com");
        assert_eq!(token.kind(), OtpKind::Totp { period: 30 });
        assert_eq!(token.digits(), 6);
        assert_eq!(token.algorithm(), Algorithm::Sha1);
    }

    #[test]
    fn errors_never_echo_the_uri() {
        let secretish = "otpauth://totp/Bank:me?secret=SUPERSECRET1&issuer=Bank";
        let err = parse(secretish).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SUPERSECRET"), "{text}");
        assert!(!text.contains("Bank"), "{text}");
    }

    #[test]
    fn issuer_with_colon_round_trips() {
        let token = Token::new(
            Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap(),
            TokenParams {
                issuer: "a:b".into(),
                account: "c:d".into(),
                ..TokenParams::default()
            },
        )
        .unwrap();
        assert_eq!(parse(&build(&token)).unwrap(), token);
    }
}
