//! `watch` and `demo`: a live view of every code, refreshed every second, honouring the policy.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use otpvault_core::{CreateOptions, Entry, Pin, Secret, TokenParams, UnlockPolicy, Vault, uri};

use crate::{App, Failure, Outcome, label, now};

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

fn watch_vault(vault: &Vault, app: Option<&App>, frames: Option<u64>, title: &str) -> Outcome {
    let mut shown = 0u64;
    while frames.is_none_or(|n| shown < n) {
        let status = vault.status();
        let entries = if status.unlocked {
            vault.entries(None, now())?
        } else {
            let app = app.ok_or_else(|| Failure::invalid("the vault is locked"))?;
            let pin: Pin = app
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
pub fn run(app: &App, frames: Option<u64>) -> Outcome {
    let vault = app.open()?;
    watch_vault(&vault, Some(app), frames, "otpvault")
}

const DEMO_PIN: &str = "13579";
const DEMO_URIS: &[&str] = &[
    "otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example",
    "otpauth://totp/Provincia%20di%20Trento:mario.rossi?secret=JBSWY3DPEHPK3PXP&issuer=Provincia%20di%20Trento&digits=8&period=60",
    "otpauth://totp/GitHub:octocat?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA256",
    "otpauth://hotp/YubiKey:backup?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPI&counter=0",
    "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
];

/// `otpvault demo`: a throw-away vault with sample accounts, watched live.
pub fn demo(frames: Option<u64>) -> Outcome {
    let dir = std::env::temp_dir().join(format!("otpvault-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("vault.db");
    let result = (|| {
        let vault = Vault::create(
            &path,
            DEMO_PIN,
            CreateOptions::new(UnlockPolicy::TenMinutes),
        )?;
        for text in DEMO_URIS {
            vault.add_token(None, uri::parse(text)?)?;
        }
        let fresh = Secret::generate()?;
        vault.add_typed(
            None,
            &fresh.to_base32(),
            TokenParams {
                issuer: "Your portal".into(),
                account: "typed by hand".into(),
                ..TokenParams::default()
            },
        )?;
        println!(
            "Demo vault {} (PIN {DEMO_PIN}, {} PBKDF2 iterations), removed when the demo ends.",
            path.display(),
            vault.status().kdf_iterations
        );
        watch_vault(&vault, None, frames, "otpvault demo")
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
