//! The CLI on a pseudo-terminal (util-linux `script` provides one): the PIN prompt restores the
//! terminal after Ctrl-C under /bin/sh, and `watch` draws in the alternate screen with grouped
//! digits and colours (none with NO_COLOR).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const PIN: &str = "13579";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        for args in [
            &["init", "--policy", "5m"][..],
            &[
                "add",
                "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            ],
        ] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault"))
                .args(["--no-agent", "--pin-stdin", "--vault"])
                .arg(env.vault())
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(format!("{PIN}\n").as_bytes()).unwrap();
            drop(stdin);
            assert!(child.wait().unwrap().success(), "{args:?}");
        }
        env
    }

    fn vault(&self) -> std::path::PathBuf {
        self.dir.path().join("vault.db")
    }

    /// Runs `shell_command` under /bin/sh on a pseudo-terminal, typing `keys` after `delay`.
    fn on_terminal(
        &self,
        shell_command: &str,
        keys: &[u8],
        delay: Duration,
        env: &[(&str, &str)],
    ) -> String {
        let mut command = Command::new("script");
        command
            .args(["-qfec", &format!("sh -c '{shell_command}'"), "/dev/null"])
            .env("OTPVAULT_NO_AGENT", "1")
            .env("OTPVAULT_VAULT", self.vault())
            .env("OTP", env!("CARGO_BIN_EXE_otpvault"))
            .env_remove("NO_COLOR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(delay);
        stdin.write_all(keys).unwrap();
        stdin.flush().unwrap();
        // Keep the terminal open while the command finishes.
        std::thread::sleep(Duration::from_secs(3));
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn have_script() -> bool {
    Command::new("script").arg("--version").output().is_ok()
}

#[test]
fn ctrl_c_at_the_pin_prompt_restores_the_terminal_under_sh() {
    assert!(
        have_script(),
        "util-linux script is needed for the terminal tests"
    );
    let env = Env::new();
    let out = env.on_terminal(
        r#"trap "echo trapped" INT; "$OTP" list; echo "rc=$?"; stty -a | tr " " "\n" | grep -x -- "-\?echo""#,
        b"\x03",
        Duration::from_millis(800),
        &[],
    );
    assert!(out.contains("PIN: "), "{out}");
    assert!(out.contains("rc=130"), "{out}");
    let echo = out.lines().last().unwrap_or_default().trim();
    assert_eq!(echo, "echo", "echo is back on after Ctrl-C: {out:?}");
}

#[test]
fn watch_on_a_terminal_uses_the_alternate_screen_grouping_and_colour() {
    assert!(
        have_script(),
        "util-linux script is needed for the terminal tests"
    );
    let env = Env::new();
    let out = env.on_terminal(
        r#""$OTP" watch --frames 2"#,
        format!("{PIN}\r").as_bytes(),
        Duration::from_millis(800),
        &[],
    );
    assert!(
        out.contains("\x1b[?1049h"),
        "enters the alternate screen: {out:?}"
    );
    assert!(out.contains("\x1b[?1049l"), "and leaves it: {out:?}");
    assert!(out.contains("ACME (alice)"), "{out:?}");
    let grouped = out
        .split("ACME (alice)")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().take(2).collect::<Vec<_>>().into())
        .unwrap();
    assert!(
        grouped.len() == 2
            && grouped
                .iter()
                .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())),
        "grouped digits: {grouped:?} in {out:?}"
    );
    assert!(out.contains("\x1b[3"), "colour: {out:?}");

    let plain = env.on_terminal(
        r#""$OTP" watch --frames 1"#,
        format!("{PIN}\r").as_bytes(),
        Duration::from_millis(800),
        &[("NO_COLOR", "1")],
    );
    assert!(plain.contains("ACME (alice)"), "{plain:?}");
    assert!(
        !plain.contains("\x1b[3"),
        "no colour with NO_COLOR: {plain:?}"
    );
}
