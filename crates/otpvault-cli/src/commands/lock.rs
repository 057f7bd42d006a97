//! `otpvault lock`: end the session held by the agent (its keys are wiped as it exits).

use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context) -> Outcome<Report> {
    #[cfg(unix)]
    if let Some(client) = crate::agent::Client::connect(&ctx.vault_path)? {
        client.lock()?;
        return Ok(Report::Locked {
            agent_was_running: true,
        });
    }
    let _ = ctx;
    Ok(Report::Locked {
        agent_was_running: false,
    })
}
