//! `otpvault add`: a token from a URI (argument, `-` for standard input, or a QR image) or typed
//! fields; reports the current code so the user can confirm enrolment with the service.

use std::path::PathBuf;

use otpvault_core::{OtpKind, Secret, Token, uri};

use crate::args::TypedToken;
use crate::context::{Context, now};
use crate::failure::{Failure, Outcome};
use crate::input::secret_argument;
use crate::qr;
use crate::render::Report;

pub fn run(
    ctx: &Context,
    uri_text: Option<String>,
    qr_image: Option<PathBuf>,
    account: Option<String>,
    issuer: String,
    typed: &TypedToken,
) -> Outcome<Report> {
    let uri_text = match (uri_text, qr_image) {
        (Some(text), _) => Some(secret_argument(&text)?),
        (None, Some(path)) => Some(qr::decode_file(&path)?),
        (None, None) => None,
    };
    // A Google Authenticator transfer QR code carries a batch of accounts: import them all.
    if let Some(text) = &uri_text
        && text
            .trim_start()
            .get(..20)
            .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration://"))
    {
        let read = otpvault_core::import::read_file(text.as_bytes(), None)
            .map_err(otpvault_core::VaultError::from)?;
        return super::import::apply(ctx, read, false);
    }
    let token = match (&uri_text, &typed.secret) {
        (Some(text), _) => uri::parse(text)?,
        (None, Some(secret)) => {
            let account = account.ok_or_else(|| Failure::invalid("--secret needs --account"))?;
            let secret = secret_argument(secret)?;
            Token::new(Secret::from_base32(&secret)?, typed.params(issuer, account))?
        }
        (None, None) => return Err(Failure::invalid("give a URI, --qr IMAGE or --secret")),
    };
    let access = ctx.access()?;
    let (info, shares_secret_with) = access.add(token)?;
    let code = match info.kind {
        OtpKind::Hotp { .. } => None,
        _ => Some(access.code(info.id, now())?),
    };
    Ok(Report::Added {
        token: info,
        code,
        shares_secret_with,
    })
}
