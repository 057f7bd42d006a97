//! `otpvault otp`: a code without a vault, like oathtool; the code is the first word printed.
//! The key is an otpauth:// or steam:// URI, or a bare base32 secret (`-b` is accepted and
//! implied); `--window N` prints the codes of the N steps (or counters) either side of now;
//! `--totp[=MODE]` is oathtool's spelling of a TOTP with that hash.

use otpvault_core::{Secret, Token, uri};

use crate::args::{AlgorithmArg, TypedToken};
use crate::context::now;
use crate::failure::{Failure, Outcome};
use crate::input::secret_argument;
use crate::render::{Code, Report};

fn is_uri(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("otpauth://") || lower.starts_with("steam://")
}

pub fn run(
    key: Option<&str>,
    at: Option<u64>,
    window: u32,
    totp: Option<AlgorithmArg>,
    typed: &TypedToken,
) -> Outcome<Report> {
    let secret_from = |text: &str| -> Outcome<Token> {
        let mut params = typed.params(String::new(), String::new());
        // oathtool's --totp[=MODE] names the hash; TOTP is already the default kind here.
        if let Some(mode) = totp {
            params.algorithm = mode.into();
        }
        Ok(Token::new(Secret::from_base32(text)?, params)?)
    };
    let token = match (key, &typed.secret) {
        (Some(text), _) => {
            let text = secret_argument(text)?;
            if is_uri(&text) {
                uri::parse(&text)?
            } else {
                secret_from(&text)?
            }
        }
        (None, Some(secret)) => secret_from(&secret_argument(secret)?)?,
        (None, None) => return Err(Failure::invalid("give a URI, a base32 secret or --secret")),
    };
    let unix = at.unwrap_or_else(now);
    let generator = token.generator();
    let span = i64::from(window);
    if window == 0 {
        return Ok(match token.totp_at(unix) {
            Some(code) => Report::OtpTotp(code.into()),
            None => Report::OtpHotp(token.hotp_current().unwrap_or_default()),
        });
    }
    let codes = (-span..=span)
        .filter_map(|offset| {
            let code = match (token.period(), token.kind()) {
                (Some(period), _) => {
                    let at = unix.checked_add_signed(offset * i64::from(period))?;
                    Code::from(generator.totp(at, period)).value
                }
                (None, otpvault_core::OtpKind::Hotp { counter }) => {
                    generator.at_counter(counter.checked_add_signed(offset)?)
                }
                (None, _) => return None,
            };
            Some((offset, code))
        })
        .collect();
    Ok(Report::OtpWindow(codes))
}
