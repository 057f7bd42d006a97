//! The agent, driven through the real binary: the 5/10-minute policy across commands, its
//! timeout, `lock`, SIGTERM, a vault file changed under it, a killed agent, EveryCode (no agent),
//! and another user knocking on its socket.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PIN: &str = "13579";
const URI: &str = "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(policy: &str) -> Self {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = env.run(
            &["--no-agent", "init", "--policy", policy],
            &format!("{PIN}\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("vault.db")
    }

    fn agent_dir(&self) -> PathBuf {
        self.dir.path().join("agent")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_otpvault"));
        command
            .arg("--vault")
            .arg(self.vault())
            .arg("--pin-stdin")
            .args(args)
            .env_remove("OTPVAULT_VAULT")
            .env_remove("OTPVAULT_NO_AGENT")
            .env("OTPVAULT_AGENT_DIR", self.agent_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self.command(args).spawn().unwrap();
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }

    fn agent_running(&self) -> bool {
        std::fs::read_dir(self.agent_dir())
            .map(|entries| entries.count() > 0)
            .unwrap_or(false)
    }

    fn wait_agent_gone(&self) {
        let start = Instant::now();
        while self.agent_running() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the agent did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn agent_pid(&self) -> u32 {
        let out = Command::new("pgrep")
            .args([
                "-f",
                "--",
                &format!("--vault {} agent", self.vault().display()),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .expect("an agent process")
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.run(&["lock"], "");
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn two_commands_within_the_window_ask_the_pin_once() {
    let env = Env::new("5m");
    // The first command needs the PIN and starts the agent.
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    assert!(env.agent_running());
    let mode = std::fs::metadata(env.agent_dir())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "private socket directory");
    // The next ones get nothing on standard input, and work.
    let listed: Value = serde_json::from_str(&ok(&env.run(&["--json", "list"], ""))).unwrap();
    assert_eq!(listed[0]["issuer"], "ACME");
    let codes: Value =
        serde_json::from_str(&ok(&env.run(&["--json", "code", "acme"], ""))).unwrap();
    assert_eq!(codes[0]["code"].as_str().unwrap().len(), 6);
    ok(&env.run(&["rename", "1", "--issuer", "Acme Corp"], ""));
    assert!(ok(&env.run(&["list"], "")).contains("Acme Corp (alice)"));
    // `lock` ends it: the PIN is asked again.
    ok(&env.run(&["lock"], ""));
    env.wait_agent_gone();
    let out = env.run(&["list"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no PIN"), "{}", stderr(&out));
}

#[test]
fn after_the_timeout_the_pin_is_asked_again() {
    let env = Env::new("10m");
    ok(&env.run(&["--agent-timeout", "2", "add", URI], &format!("{PIN}\n")));
    ok(&env.run(&["list"], ""));
    env.wait_agent_gone();
    let out = env.run(&["list"], "");
    assert_eq!(out.status.code(), Some(2), "asks again: {}", stderr(&out));
    assert!(ok(&env.run(&["list"], &format!("{PIN}\n"))).contains("ACME"));
}

#[test]
fn sigterm_and_a_changed_vault_file_stop_the_agent() {
    let env = Env::new("5m");
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    let pid = env.agent_pid();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    env.wait_agent_gone();

    // Another process writes to the vault (a script with --no-agent): the agent stops rather
    // than serve a stale session.
    ok(&env.run(&["list"], &format!("{PIN}\n")));
    assert!(env.agent_running());
    ok(&env.run(
        &[
            "--no-agent",
            "add",
            "otpauth://totp/Other:bob?secret=JBSWY3DPEHPK3PXP",
        ],
        &format!("{PIN}\n"),
    ));
    env.wait_agent_gone();
    let listed = ok(&env.run(&["list"], &format!("{PIN}\n")));
    assert!(listed.contains("Other (bob)"), "{listed}");
}

#[test]
fn killing_the_agent_loses_nothing() {
    let env = Env::new("5m");
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    ok(&env.run(
        &[
            "add",
            "otpauth://hotp/Bank:me?secret=JBSWY3DPEHPK3PXP&counter=0",
        ],
        "",
    ));
    let drawn = ok(&env.run(&["--json", "code", "bank"], ""));
    assert!(drawn.contains("\"counter\":0"), "{drawn}");
    let pid = env.agent_pid();
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // A stale socket is left behind: the next command notices and asks the PIN.
    let listed: Value = serde_json::from_str(&ok(
        &env.run(&["--no-agent", "--json", "list"], &format!("{PIN}\n"))
    ))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["counter"], 1, "the HOTP draw was committed");
    let again = ok(&env.run(&["--json", "code", "bank"], &format!("{PIN}\n")));
    assert!(again.contains("\"counter\":1"), "{again}");
}

#[test]
fn every_code_never_starts_an_agent() {
    let env = Env::new("every-code");
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    assert!(!env.agent_running());
    let out = env.run(&["list"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_agent_means_every_command_asks() {
    let env = Env::new("5m");
    ok(&env.run(&["--no-agent", "add", URI], &format!("{PIN}\n")));
    assert!(!env.agent_running());
    let mut command = env.command(&["list"]);
    command.env("OTPVAULT_NO_AGENT", "1");
    let child = command.spawn().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!env.agent_running());
}

fn as_nobody(env: &Env, args: &[&str]) -> Output {
    let exe = env!("CARGO_BIN_EXE_otpvault");
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(exe)
        .arg("--vault")
        .arg(env.vault())
        .arg("--pin-stdin")
        .args(args)
        .env("OTPVAULT_AGENT_DIR", env.agent_dir())
        .env_remove("OTPVAULT_NO_AGENT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.output().unwrap()
}

fn make_world_reachable(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn another_user_cannot_talk_to_the_agent() {
    if rustix_uid() != 0 || Command::new("setpriv").arg("--version").output().is_err() {
        // Switching to another uid needs root and setpriv (CI runs as root on Debian).
        eprintln!("another_user_cannot_talk_to_the_agent: needs root and setpriv; not run");
        return;
    }
    let env = Env::new("5m");
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    // The binary and the test directory must be reachable for the other user to run at all.
    make_world_reachable(env.dir.path(), 0o755);
    // 1. As the files are: the 0700 directory keeps the other user away from the socket.
    let out = as_nobody(&env, &["--json", "list"]);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ACME"));
    // 2. Even with the directory and socket opened to everyone, the agent checks the peer's
    //    uid and answers nothing.
    make_world_reachable(&env.agent_dir(), 0o755);
    for entry in std::fs::read_dir(env.agent_dir()).unwrap() {
        make_world_reachable(&entry.unwrap().path(), 0o777);
    }
    let out = as_nobody(&env, &["--json", "list"]);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ACME"));
    // The other user's client does not trust a socket it does not own either.
    assert!(
        stderr(&out).contains("Not using the agent at")
            || stderr(&out).contains("refused this connection"),
        "{}",
        stderr(&out)
    );
    // The owner is still served.
    make_world_reachable(&env.agent_dir(), 0o700);
    assert!(ok(&env.run(&["list"], "")).contains("ACME"));
}

/// A listener run as uid 65534 at `socket` that records every line it is sent in `log` and
/// answers as an agent would, with a code of its choosing carrying a terminal escape.
fn hostile_agent(socket: &Path, log: &Path) -> std::process::Child {
    let script = r#"
import json, os, socket, sys
path, log = sys.argv[1], sys.argv[2]
server = socket.socket(socket.AF_UNIX)
server.bind(path)
os.chmod(path, 0o777)
server.listen(8)
while True:
    conn, _ = server.accept()
    data = conn.recv(65536)
    with open(log, "ab") as f:
        f.write(data)
    conn.sendall((json.dumps({"ok": {"version": 1}}) + "\n").encode())
    conn.close()
"#;
    let child = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/usr/bin/python3",
            "-c",
            script,
        ])
        .arg(socket)
        .arg(log)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::fs::symlink_metadata(socket).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the hostile listener did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// The agent's socket name for `vault` (as the CLI computes it).
fn socket_name(vault: &Path) -> String {
    use sha2::Digest;
    let absolute = std::path::absolute(vault).unwrap();
    let digest = sha2::Sha256::digest(absolute.as_os_str().as_encoded_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("agent-{hex}.sock")
}

#[test]
fn a_socket_another_user_prepared_gets_nothing() {
    // Issue 20, item 1: another local user creates the agent directory first (0755) with a
    // listening socket at the predictable name. The client checks before it sends a byte, runs
    // without the agent, and says why, naming the path.
    if rustix_uid() != 0 || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("a_socket_another_user_prepared_gets_nothing: needs root and setpriv; not run");
        return;
    }
    let env = Env::new("5m");
    make_world_reachable(env.dir.path(), 0o755);
    let agent_dir = env.agent_dir();
    std::fs::create_dir(&agent_dir).unwrap();
    make_world_reachable(&agent_dir, 0o777);
    std::os::unix::fs::chown(&agent_dir, Some(65534), Some(65534)).unwrap();
    make_world_reachable(&agent_dir, 0o755);
    let log = env.dir.path().join("stolen.log");
    std::fs::write(&log, "").unwrap();
    make_world_reachable(&log, 0o666);
    let socket = agent_dir.join(socket_name(&env.vault()));
    let mut attacker = hostile_agent(&socket, &log);
    // 1. The directory is another user's: not used; the URI is added here, with the PIN.
    let out = env.run(&["add", "-"], &format!("{URI}\n{PIN}\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Not using the agent at"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("belongs to uid 65534"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&socket.display().to_string()));
    // 2. The socket moved into a private directory of ours and made ours: the process answering
    //    is still another user's, and the peer check refuses it.
    let private = env.dir.path().join("private");
    std::fs::create_dir(&private).unwrap();
    make_world_reachable(&private, 0o700);
    let moved = private.join(socket_name(&env.vault()));
    std::fs::rename(&socket, &moved).unwrap();
    std::os::unix::fs::lchown(&moved, Some(0), Some(0)).unwrap();
    let mut command = env.command(&["--json", "code"]);
    command.env("OTPVAULT_AGENT_DIR", &private);
    let mut child = command.spawn().unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PIN}\n").as_bytes());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("belongs to another user"),
        "{}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ACME"));
    attacker.kill().unwrap();
    let _ = attacker.wait();
    // Nothing ever reached the other user's listener.
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "");
}

fn rustix_uid() -> u32 {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn watch_clears_the_codes_when_the_session_ends() {
    let env = Env::new("5m");
    // The session (held by the agent) ends 3 s from now.
    ok(&env.run(&["--agent-timeout", "3", "add", URI], &format!("{PIN}\n")));
    // watch follows the agent; when it locks, a locked screen replaces the codes before the PIN
    // is asked again (here from standard input), then codes come back.
    let out = ok(&env.run(&["watch", "--frames", "6"], &format!("{PIN}\n")));
    let locked = out.find("locked (the session ended)").expect(&out);
    let before = &out[..locked];
    let after = &out[locked..];
    assert!(before.contains("ACME (alice)"), "{out}");
    assert!(
        before.contains("locks in 1 s") || before.contains("locks in 2 s"),
        "{out}"
    );
    let locked_screen: Vec<&str> = after.lines().take(3).collect();
    assert!(
        locked_screen.iter().all(|l| !l.contains("ACME")),
        "no code on the locked screen: {out}"
    );
    assert!(
        after.contains("ACME (alice)"),
        "codes again after the PIN: {out}"
    );
}

#[test]
fn demo_removes_its_files_on_ctrl_c() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault"))
        .arg("demo")
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert!(line.contains("PIN 13579"), "{line}");
    assert!(
        !line.contains("otpvault code"),
        "no command on the user's vault: {line}"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().count() > 0,
        "the demo vault exists while it runs"
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!rest.contains("otpvault code"), "{rest}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "the demo's folder, vault and WAL are gone"
    );
}

#[test]
fn lock_in_another_terminal_clears_a_running_watch() {
    // Issue 20, item 2: `watch` started without an agent opens the vault itself and starts one;
    // it then follows the agent, so `otpvault lock` elsewhere clears its codes at once.
    let env = Env::new("5m");
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    ok(&env.run(&["lock"], ""));
    env.wait_agent_gone();
    let mut watch = env.command(&["watch", "--frames", "8"]).spawn().unwrap();
    // The PIN now, and again after the lock.
    watch
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PIN}\n{PIN}\n").as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_millis(3_000));
    ok(&env.run(&["lock"], ""));
    let out = watch.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let locked = text.find("locked (the session ended)").expect(&text);
    assert!(text[..locked].contains("ACME (alice)"), "{text}");
    assert!(
        text[locked..].lines().take(2).all(|l| !l.contains("ACME")),
        "no code right after the lock: {text}"
    );
}

#[test]
fn import_and_restore_go_through_the_agent_without_the_pin() {
    // Issue 20, item 8: under 5m/10m an agent holds the vault; import, a dry run and restore ask
    // no PIN (nothing on standard input), and the agent's session goes on (same process).
    let env = Env::new("5m");
    ok(&env.run(&["add", URI], &format!("{PIN}\n")));
    let pid = env.agent_pid();
    let list = env.dir.path().join("list.txt");
    std::fs::write(
        &list,
        "otpauth://totp/Beta:bob?secret=JBSWY3DPEHPK3PXP\n\
         otpauth://hotp/Gamma:carol?secret=KRSXG5CTMVRXEZLU&counter=7\n\
         otpauth://totp/Bad:x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5\n",
    )
    .unwrap();
    let list = list.to_str().unwrap();
    let preview: Value =
        serde_json::from_str(&ok(&env.run(&["--json", "import", "--dry-run", list], ""))).unwrap();
    assert_eq!(preview["imported"], 2, "{preview}");
    assert_eq!(preview["dry_run"], true);
    let report: Value =
        serde_json::from_str(&ok(&env.run(&["--json", "import", list], ""))).unwrap();
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["entries"][1]["type"], "hotp");
    assert_eq!(report["entries"][1]["counter"], 7);
    assert_eq!(report["entries"][2]["reason"], "unsupported_algorithm");
    let text = ok(&env.run(&["import", list], ""));
    assert!(text.contains("already in the vault as #2"), "{text}");
    // Groups, notes and favourites are edited through the agent too.
    let tagged: Value =
        serde_json::from_str(&ok(&env.run(&["--json", "tag", "2", "Work"], ""))).unwrap();
    assert_eq!(tagged["groups"][0], "Work");
    ok(&env.run(&["note", "2", "spare key"], ""));
    ok(&env.run(&["favourite", "2"], ""));
    let work: Value =
        serde_json::from_str(&ok(&env.run(&["--json", "list", "--group", "work"], ""))).unwrap();
    assert_eq!(work[0]["note"], "spare key");
    assert_eq!(work[0]["favourite"], true);
    assert_eq!(env.agent_pid(), pid, "the agent goes on");

    // A backup that keeps the policy restores through the agent too.
    let pass = env.dir.path().join("pass");
    std::fs::write(&pass, "correct horse battery staple 42\n").unwrap();
    let backup = env.dir.path().join("vault.bak");
    ok(&env.run(
        &[
            "export",
            "--format",
            "backup",
            "--out",
            backup.to_str().unwrap(),
            "--password-file",
            pass.to_str().unwrap(),
        ],
        &format!("{PIN}\n"),
    ));
    // (The export checked the PIN in its own process, a write the agent sees: it stopped. The
    // next command starts another.)
    env.wait_agent_gone();
    ok(&env.run(&["list"], &format!("{PIN}\n")));
    let pid = env.agent_pid();
    let restore_args = [
        "--json",
        "restore",
        backup.to_str().unwrap(),
        "--password-file",
        pass.to_str().unwrap(),
    ];
    let restored: Value = serde_json::from_str(&ok(&env.run(&restore_args, ""))).unwrap();
    assert_eq!(restored["imported"], 0, "all already there: {restored}");
    assert_eq!(restored["entries"].as_array().unwrap().len(), 3);
    assert_eq!(env.agent_pid(), pid, "the agent goes on");
    let listed: Value = serde_json::from_str(&ok(&env.run(&["--json", "list"], ""))).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);

    // One that would change the policy takes the PIN.
    let other = Env::new("10m");
    ok(&other.run(&["--no-agent", "add", URI], &format!("{PIN}\n")));
    let other_backup = env.dir.path().join("other.bak");
    ok(&other.run(
        &[
            "--no-agent",
            "export",
            "--format",
            "backup",
            "--out",
            other_backup.to_str().unwrap(),
            "--password-file",
            pass.to_str().unwrap(),
        ],
        &format!("{PIN}\n"),
    ));
    let args = [
        "restore",
        other_backup.to_str().unwrap(),
        "--password-file",
        pass.to_str().unwrap(),
    ];
    let refused = env.run(&args, "");
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("changing the policy takes the PIN"),
        "{}",
        stderr(&refused)
    );
    let out = env.run(&args, &format!("{PIN}\n"));
    assert!(ok(&out).contains("0 of 1"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("once per 10 minutes"),
        "{}",
        stderr(&out)
    );
}
