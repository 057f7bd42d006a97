//! `otpvault change-pin`: the current PIN, then the new one (which revokes the old one).

use otpvault_core::Pin;

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    let vault = ctx.open()?;
    let old = Pin::new(&ctx.ask_pin(&vault, "Current PIN: ")?)?;
    // Checked before the new PIN is asked: a typo here should not cost typing two new PINs.
    vault.unlock(&old)?;
    let new_pin = ctx.pins.new_pin()?;
    vault.change_pin(&old, &new_pin)?;
    Ok(Report::PinChanged)
}
