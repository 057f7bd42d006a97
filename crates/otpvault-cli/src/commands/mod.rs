//! One module per command. Each takes the [`Context`] and its arguments and returns a [`Report`]
//! for the rendering layer (or, for the live views, draws frames itself through `watch`).

mod activate;
mod add;
mod change_pin;
mod code;
mod demo;
mod export;
pub mod import;
mod init;
mod list;
mod lock;
mod otp;
mod policy;
mod remove;
mod rename;
mod time_offset;
mod time_sync;
pub mod watch;

use crate::args::{Command, ExportFormat};
use crate::context::Context;
use crate::failure::Outcome;
use crate::render::{self, Report};

/// Runs one command and prints what it reports.
pub fn run(ctx: &Context, command: Command) -> Outcome {
    let report: Report = match command {
        Command::Init {
            policy,
            kdf_iterations,
        } => init::run(ctx, policy, kdf_iterations)?,
        Command::Add {
            uri,
            qr,
            account,
            issuer,
            typed,
        } => add::run(ctx, uri, qr, account, issuer, &typed)?,
        Command::Activate { server, user } => activate::run(ctx, &server, &user)?,
        Command::TimeSync { server, id, apply } => time_sync::run(ctx, &server, id, apply)?,
        Command::List { group } => list::run(ctx, group.as_deref())?,
        Command::Tag { id, groups, remove } => list::tag(ctx, id, &groups, remove)?,
        Command::Note { id, text, clear } => list::note(ctx, id, text.or(clear.then(String::new)))?,
        Command::Favourite { id, off } => list::favourite(ctx, id, !off)?,
        Command::Code { query, at } => code::run(ctx, query.as_deref(), at)?,
        Command::Next { query } => code::next(ctx, &query)?,
        Command::Rename {
            id,
            issuer,
            account,
        } => rename::run(ctx, id, issuer, account)?,
        Command::Remove { id, yes } => remove::run(ctx, id, yes)?,
        Command::ChangePin => change_pin::run(ctx)?,
        Command::Policy { policy } => policy::run(ctx, policy)?,
        Command::TimeOffset { seconds } => time_offset::run(ctx, seconds)?,
        Command::Export {
            uris,
            format,
            out,
            qr,
            password_file,
        } => export::run(
            ctx,
            if uris {
                Some(ExportFormat::Uris)
            } else {
                format
            },
            out.as_deref(),
            qr.as_deref(),
            password_file.as_deref(),
        )?,
        Command::Restore {
            file,
            password_file,
        } => import::restore(ctx, &file, password_file.as_deref())?,
        Command::Import {
            file,
            dry_run,
            format,
            password_file,
        } => import::run(ctx, &file, dry_run, format, password_file.as_deref())?,
        Command::Otp {
            key,
            at,
            window,
            totp,
            typed,
            ..
        } => otp::run(key.as_deref(), at, window, totp, &typed)?,
        Command::Watch { query, frames } => return watch::run(ctx, query.as_deref(), frames),
        Command::Demo { frames } => return demo::run(frames),
        Command::Lock => lock::run(ctx)?,
        #[cfg(unix)]
        Command::Agent { timeout } => {
            return crate::agent::serve(&ctx.vault_path, timeout.or(ctx.agent_timeout));
        }
        #[cfg(not(unix))]
        Command::Agent { .. } => {
            return Err(crate::failure::Failure::invalid("no agent on this system"));
        }
    };
    render::print(&report, ctx.json)
}
