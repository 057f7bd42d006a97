//! `otpvault remove ID`: names the token and asks for confirmation (`--yes` skips it).

use otpvault_core::VaultError;

use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::input;
use crate::render::{Report, label};

pub fn run(ctx: &Context, id: i64, yes: bool) -> Outcome<Report> {
    let access = ctx.access()?;
    let token = access
        .list()?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(VaultError::NotFound)?;
    if !yes {
        let question = format!(
            "Remove #{id} {}? Its codes cannot be made again without the service. [y/N] ",
            label(&token)
        );
        if !input::confirm(&question)? {
            return Err(Failure::invalid("not removed"));
        }
    }
    access.remove(id)?;
    Ok(Report::Removed(token))
}
