//! `otpvault remove ID`.

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, id: i64) -> Outcome<Report> {
    ctx.access()?.remove(id)?;
    Ok(Report::Removed(id))
}
