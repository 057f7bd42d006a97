//! `otpvault rename ID`: a new issuer and/or account name.

use otpvault_core::VaultError;

use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::render::Report;

pub fn run(
    ctx: &Context,
    id: i64,
    issuer: Option<String>,
    account: Option<String>,
) -> Outcome<Report> {
    let access = ctx.access()?;
    let current = access
        .list()?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(VaultError::NotFound)?;
    let issuer = issuer.unwrap_or(current.issuer);
    let account = account.unwrap_or(current.account);
    if issuer.trim().is_empty() && account.trim().is_empty() {
        return Err(Failure::invalid(
            "a token needs an issuer or an account name: keep at least one",
        ));
    }
    Ok(Report::Renamed(access.rename(id, &issuer, &account)?))
}
