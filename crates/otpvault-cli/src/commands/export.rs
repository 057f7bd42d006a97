//! `otpvault export --uris`: every token as an otpauth:// URI (the PIN is always asked).

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    let vault = ctx.open()?;
    let pin = ctx.pins.pin("PIN (export reveals every secret): ")?;
    Ok(Report::Uris(vault.export_uris(&pin)?))
}
