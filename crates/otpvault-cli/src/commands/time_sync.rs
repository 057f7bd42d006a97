//! `otpvault time-sync --server URL ID [--apply]`: asks the issuer of a token for the time
//! (`otpvault-time/v1`), checked with the token's own key so that no one in the middle can shift
//! this computer's codes; reports the offset, warns past 15 s, and with `--apply` stores it as
//! the vault's time correction.

use std::time::Duration;

use otpvault_core::Pin;
use otpvault_core::activation::Request;
use otpvault_core::activation::time::TIME_PATH;

use crate::commands::activate::{origin_of, post};
use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, server: &str, id: i64, apply: bool) -> Outcome<Report> {
    let origin = origin_of(server)?;
    let vault = ctx.open()?;
    let pin_text = ctx.ask_pin(&vault, "Vault PIN: ")?;
    let pin = Pin::new(&pin_text)?;
    vault.unlock(&pin)?;
    let (client, body, sent_mono) = vault.time_sync_request(Some(&pin), id)?;
    let agent = super::activate::issuer_agent(Duration::from_secs(10));
    let request = Request {
        path: TIME_PATH.to_owned(),
        body,
    };
    let (status, answer) = post(&agent, &origin, &request)?;
    // The round trip on the monotonic clock, from the send time on the wall clock.
    let elapsed = vault.clock().monotonic_millis().saturating_sub(sent_mono);
    let sync = client.finish(status, &answer, client.sent_ms().saturating_add(elapsed))?;
    let applied = if apply {
        let seconds = (sync.offset_ms as f64 / 1000.0).round() as i64;
        vault.set_time_offset(Some(&pin), seconds)?;
        Some(seconds)
    } else {
        None
    };
    vault.lock();
    Ok(Report::TimeSync { sync, applied })
}
