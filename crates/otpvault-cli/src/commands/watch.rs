//! `otpvault watch`: a live view of every code, refreshed every second, honouring the policy.
//! `demo` draws the same view over a throw-away vault.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use otpvault_core::{Entry, Pin, UnlockPolicy, Vault};

use crate::context::{Context, now};
use crate::failure::{Failure, Outcome};
use crate::render::label;

const BAR_WIDTH: u64 = 20;
/// The next code is shown in the last seconds of a period.
const PREVIEW_SECONDS: u32 = 5;

fn bar(seconds_left: u32, period: u32) -> String {
    let filled = u64::from(seconds_left) * BAR_WIDTH / u64::from(period.max(1));
    format!(
        "[{}{}]",
        "#".repeat(filled as usize),
        "-".repeat((BAR_WIDTH - filled) as usize)
    )
}

fn render(entries: &[Entry], header: &str) -> String {
    let mut out = String::new();
    out.push_str(header);
    out.push('\n');
    for entry in entries {
        let name = label(&entry.info);
        match &entry.code {
            Some(code) => {
                let mut line = format!(
                    "{:<36} {:>10}  {} {:>2}s",
                    name,
                    code.value,
                    bar(code.seconds_left, code.period),
                    code.seconds_left
                );
                if code.seconds_left <= PREVIEW_SECONDS {
                    line.push_str(&format!("  next {}", code.next_value));
                }
                out.push_str(&line);
            }
            None => out.push_str(&format!(
                "{name:<36} {:>10}  (HOTP: otpvault code {})",
                "------", entry.info.id
            )),
        }
        out.push('\n');
    }
    if entries.is_empty() {
        out.push_str("(no tokens yet: otpvault add)\n");
    }
    out
}

fn show(frame: &str, first: bool) -> Outcome {
    let mut out = std::io::stdout().lock();
    if out.is_terminal() {
        write!(out, "\x1b[2J\x1b[H{frame}")?;
    } else {
        if !first {
            writeln!(out)?;
        }
        write!(out, "{frame}")?;
    }
    out.flush()?;
    Ok(())
}

/// Sleeps until the next wall-clock second.
fn wait_for_next_second() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::thread::sleep(Duration::from_nanos(u64::from(
        1_000_000_000 - nanos.min(999_999_999),
    )));
}

pub fn watch_vault(
    vault: &Vault,
    ctx: Option<&Context>,
    frames: Option<u64>,
    title: &str,
) -> Outcome {
    let mut shown = 0u64;
    while frames.is_none_or(|n| shown < n) {
        let status = vault.status();
        let entries = if status.unlocked {
            vault.entries(None, now())?
        } else {
            let ctx = ctx.ok_or_else(|| Failure::invalid("the vault is locked"))?;
            let pin: Pin = ctx
                .pins
                .pin(if shown == 0 { "PIN: " } else { "PIN again: " })?;
            let info = vault.unlock(&pin)?;
            if info.policy == UnlockPolicy::EveryCode {
                // Reveal this frame's codes with the PIN; nothing stays unlocked.
                vault.entries(Some(&pin), now())?
            } else {
                vault.entries(None, now())?
            }
        };
        let status = vault.status();
        let header = match status.session_seconds_left {
            Some(left) => format!("{title} — locks in {left} s (Ctrl-C to quit)"),
            None => format!("{title} — PIN asked for every code"),
        };
        show(&render(&entries, &header), shown == 0)?;
        shown += 1;
        if frames.is_none_or(|n| shown < n) {
            wait_for_next_second();
        }
    }
    Ok(())
}

/// `otpvault watch`.
pub fn run(ctx: &Context, frames: Option<u64>) -> Outcome {
    let vault = ctx.open()?;
    watch_vault(&vault, Some(ctx), frames, "otpvault")
}
