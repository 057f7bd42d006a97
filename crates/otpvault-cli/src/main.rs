//! `otpvault`: the desktop harness and terminal authenticator on top of `otpvault-core`.
//!
//! Stateless codes like `oathtool` (`otp`), and a PIN-locked vault (`init`, `add`, `list`,
//! `code`, `watch`, …). Errors are one line on standard error and map to documented exit codes;
//! nothing here prints a secret unless asked to (`export --uris`), and no error quotes input.
//!
//! - [`args`]: the command line as clap parses it.
//! - [`commands`]: one module per command, each returning a report.
//! - [`render`]: the one place that prints reports and errors, as text or JSON.
//! - [`failure`]: exit codes, mapped exhaustively from the core's errors.
//! - [`context`], [`input`]: the vault path, and where PINs and secrets come from.
//! - [`access`], [`agent`]: the unlocked vault, here or held by the agent across commands.

mod access;
#[cfg(unix)]
mod agent;
mod args;
mod commands;
mod context;
mod failure;
mod input;
mod keys;
mod qr;
mod render;
mod time;

use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::context::{Context, default_vault_path};
use crate::failure::EXIT_OK;
use crate::input::PinSource;

fn main() -> ExitCode {
    // Never a panic trace (which could show internal state): one line and a distinct status.
    std::panic::set_hook(Box::new(|_| {
        eprintln!("otpvault: internal error (please report it)");
    }));
    let cli = Cli::parse();
    let ctx = Context {
        vault_path: cli.vault.clone().unwrap_or_else(default_vault_path),
        json: cli.json,
        pins: PinSource {
            from_stdin: cli.pin_stdin,
        },
        agent: !cli.no_agent,
        agent_timeout: cli.agent_timeout,
    };
    match commands::run(&ctx, cli.command) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => {
            render::error(&failure, ctx.json);
            ExitCode::from(failure.code)
        }
    }
}
