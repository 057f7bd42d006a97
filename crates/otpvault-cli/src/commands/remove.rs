//! `otpvault remove ID`.

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, id: i64) -> Outcome<Report> {
    let unlocked = ctx.open_unlocked()?;
    unlocked.vault.remove(unlocked.auth(), id)?;
    Ok(Report::Removed(id))
}
