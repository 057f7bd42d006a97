//! `otpvault export --uris`: every token as an otpauth:// URI (the PIN is always asked).

use otpvault_core::Pin;

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN (export reveals every secret): ")?)?;
    let uris = vault.export_uris(&pin)?;
    // On standard error, so it is seen even when the PIN came from --pin-stdin and the URIs go
    // to a file or a pipe.
    crate::input::tell(
        "Warning: these otpauth:// URIs hold every secret in clear text; anyone who sees them can make your codes. Store them encrypted and delete them after use.",
    );
    Ok(Report::Uris(uris))
}
