//! `otpvault time-offset [SECONDS]`: show or set the clock correction.

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, seconds: Option<i64>) -> Outcome<Report> {
    Ok(Report::TimeOffset(ctx.access()?.time_offset(seconds)?))
}
