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
        env.with_pin(&["init", "--policy", "5m"]);
        env.with_pin(&[
            "add",
            "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        ]);
        env
    }

    /// Runs `otpvault ARGS` (no agent) with the PIN on standard input; it must succeed.
    fn with_pin(&self, args: &[&str]) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault"))
            .args(["--no-agent", "--pin-stdin", "--vault"])
            .arg(self.vault())
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
        self.on_terminal_typing(shell_command, &[(delay, keys)], env)
    }

    /// Runs `shell_command` under /bin/sh on a pseudo-terminal, typing each step's keys after
    /// its delay.
    fn on_terminal_typing(
        &self,
        shell_command: &str,
        steps: &[(Duration, &[u8])],
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
        for (delay, keys) in steps {
            std::thread::sleep(*delay);
            stdin.write_all(keys).unwrap();
            stdin.flush().unwrap();
        }
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

#[test]
fn watch_pages_with_space_quits_with_q_filters_and_fits_40_columns() {
    // Issue 20, item 14.
    assert!(
        have_script(),
        "util-linux script is needed for the terminal tests"
    );
    let env = Env::new();
    for n in 1..=5 {
        env.with_pin(&[
            "add",
            &format!(
                "otpauth://totp/Bank{n}:user{n}?secret=JBSWY3DPEHPK3PX{}",
                char::from(b'A' + n)
            ),
        ]);
    }
    // 6 tokens on 6 rows: two pages of 4. Space turns to the second, q quits (exit 0).
    let out = env.on_terminal_typing(
        r#"stty rows 6 cols 40; "$OTP" watch; echo "rc=$?""#,
        &[
            (Duration::from_millis(800), format!("{PIN}\r").as_bytes()),
            (Duration::from_millis(1500), b" "),
            (Duration::from_millis(1500), b"q"),
        ],
        &[],
    );
    assert!(out.contains("page 1/2"), "{out:?}");
    assert!(out.contains("page 2/2"), "space turns the page: {out:?}");
    assert!(out.contains("rc=0"), "q quits: {out:?}");
    assert!(
        out.contains("\x1b[?1049l"),
        "leaves the alternate screen: {out:?}"
    );
    // At 40 columns the bar gives way: no line of the frame is wider.
    let frame = out.rsplit("\x1b[H\x1b[2J").next().unwrap_or_default();
    for line in frame.split("\r\n").take_while(|l| !l.contains("\x1b[?")) {
        let visible: String = {
            let mut text = String::new();
            let mut escape = false;
            for c in line.chars().filter(|&c| c != '\r') {
                match (escape, c) {
                    (_, '\x1b') => escape = true,
                    (true, 'm') => escape = false,
                    (true, _) => {}
                    (false, c) => text.push(c),
                }
            }
            text
        };
        assert!(visible.chars().count() <= 40, "{visible:?} in {out:?}");
    }

    // A query keeps the matching tokens only.
    let out = env.on_terminal(
        r#""$OTP" watch bank3 --frames 1"#,
        format!("{PIN}\r").as_bytes(),
        Duration::from_millis(800),
        &[],
    );
    assert!(out.contains("Bank3 (user3)"), "{out:?}");
    assert!(!out.contains("ACME") && !out.contains("Bank1"), "{out:?}");
}
