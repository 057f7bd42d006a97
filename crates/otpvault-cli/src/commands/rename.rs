//! `otpvault rename ID`: a new issuer and/or account name.

use otpvault_core::VaultError;

use crate::context::Context;
use crate::failure::Outcome;
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
    Ok(Report::Renamed(access.rename(id, &issuer, &account)?))
}
