//! `otpvault list`: the tokens, without codes.

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    Ok(Report::Tokens(ctx.access()?.list()?))
}
