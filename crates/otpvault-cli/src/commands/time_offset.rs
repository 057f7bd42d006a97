//! `otpvault time-offset [SECONDS]`: show or set the clock correction.

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, seconds: Option<i64>) -> Outcome<Report> {
    let unlocked = ctx.open_unlocked()?;
    let (vault, auth) = (&unlocked.vault, unlocked.auth());
    if let Some(seconds) = seconds {
        vault.set_time_offset(auth, seconds)?;
    }
    Ok(Report::TimeOffset(vault.time_offset(auth)?))
}
