//! `otpvault change-pin`: the current PIN, then the new one (which revokes the old one).

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    let vault = ctx.open()?;
    let old = ctx.pins.pin("Current PIN: ")?;
    let new_pin = ctx.pins.new_pin()?;
    vault.change_pin(&old, &new_pin)?;
    Ok(Report::PinChanged)
}
