//! `otpvault export --uris`: every token as an otpauth:// URI (the PIN is always asked).

use otpvault_core::Pin;

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN (export reveals every secret): ")?)?;
    Ok(Report::Uris(vault.export_uris(&pin)?))
}
