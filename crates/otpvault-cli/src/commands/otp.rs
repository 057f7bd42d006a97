//! `otpvault otp`: a code without a vault, like oathtool; the code is the first word printed.

use otpvault_core::{Secret, Token, uri};

use crate::args::TypedToken;
use crate::context::now;
use crate::failure::{Failure, Outcome};
use crate::input::secret_argument;
use crate::render::Report;

pub fn run(uri_text: Option<&str>, at: Option<u64>, typed: &TypedToken) -> Outcome<Report> {
    let token = match (uri_text, &typed.secret) {
        (Some(text), _) => uri::parse(&secret_argument(text)?)?,
        (None, Some(secret)) => Token::new(
            Secret::from_base32(&secret_argument(secret)?)?,
            typed.params(String::new(), String::new()),
        )?,
        (None, None) => return Err(Failure::invalid("give a URI or --secret")),
    };
    Ok(match token.totp_at(at.unwrap_or_else(now)) {
        Some(code) => Report::OtpTotp(code.into()),
        None => Report::OtpHotp(token.hotp_current().unwrap_or_default()),
    })
}
