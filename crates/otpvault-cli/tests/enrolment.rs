//! Both enrolment flows end to end with the real `otpvault` binary against the reference issuer
//! (its HTTP server and admin calls run in this process on loopback):
//! - OTP PAT: `otpvault activate --server URL --user NAME --pin-stdin` with the PIN, the portal
//!   password and the 5-digit code on standard input; the first code it prints verifies;
//! - CARGOS: enrol → `otpvault add --qr` of the issuer's PNG → confirm with the printed code →
//!   API key.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use otpvault_issuer::verifier::{Confirmation, Verdict};
use otpvault_issuer::{Config, Issuer, now_ms};
use serde_json::Value;

const PIN: &str = "13579";

/// Runs `otpvault --vault VAULT ARGS --pin-stdin` (the flag last, as the issue's scripts write it).
fn otpvault(vault: &Path, args: &[&str], stdin: &str) -> Output {
    otpvault_with_agent(vault, None, args, stdin)
}

/// [`otpvault`], with the agent on (its sockets in `agent_dir`) when one is given.
fn otpvault_with_agent(
    vault: &Path,
    agent_dir: Option<&Path>,
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_otpvault"));
    command
        .arg("--vault")
        .arg(vault)
        .args(args)
        .arg("--pin-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match agent_dir {
        Some(dir) => command
            .env_remove("OTPVAULT_NO_AGENT")
            .env("OTPVAULT_AGENT_DIR", dir),
        None => command.env("OTPVAULT_NO_AGENT", "1"),
    };
    let mut child = command.spawn().unwrap();
    // The command may exit before reading its input (a refused argument): a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    origin: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn serve(db: &Path) -> Server {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = {
        let (db, stop) = (db.to_owned(), stop.clone());
        let config = Config {
            origin: String::new(),
            password_memory_kib: 64,
            ..Config::default()
        };
        std::thread::spawn(move || {
            otpvault_issuer::http::serve(&db, &config, "127.0.0.1:0", stop, |a| tx.send(a).unwrap())
                .unwrap()
        })
    };
    let origin = format!("http://{}", rx.recv().unwrap());
    Server {
        stop,
        thread: Some(thread),
        origin,
    }
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, Issuer, Server) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let server = serve(&db);
    let mut issuer = Issuer::open(
        &db,
        Config {
            origin: server.origin.clone(),
            password_memory_kib: 64,
            ..Config::default()
        },
    )
    .unwrap();
    issuer
        .add_user("mario", "portal password", now_ms())
        .unwrap();
    let vault = dir.path().join("vault.db");
    let out = otpvault(
        &vault,
        &["init", "--kdf-iterations", "600000"],
        &format!("{PIN}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, vault, issuer, server)
}

#[test]
fn otp_pat_activation_with_the_cli_stores_the_token_and_its_first_code_verifies() {
    let (_dir, vault, mut issuer, server) = setup();
    let (code, _) = issuer.create_activation("mario", None, now_ms()).unwrap();
    let args = [
        "--json",
        "activate",
        "--server",
        &server.origin,
        "--user",
        "mario",
    ];
    // A wrong PIN costs no activation attempt: the PIN is checked before the issuer is called.
    let out = otpvault(
        &vault,
        &args,
        &format!("24680\nportal password\n{}\n", code.as_str()),
    );
    assert_eq!(out.status.code(), Some(3));
    // Issue 20, item 10: `localhost` for an issuer configured as `127.0.0.1` stops before the
    // exchange, says which origin to use, and spends no attempt (three tries, then the right
    // origin still works below).
    let localhost = server.origin.replace("127.0.0.1", "localhost");
    for _ in 0..3 {
        let out = otpvault(
            &vault,
            &["activate", "--server", &localhost, "--user", "mario"],
            &format!("{PIN}\nportal password\n{}\n", code.as_str()),
        );
        assert_eq!(out.status.code(), Some(7));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("configured as {}", server.origin))
                && stderr.contains("no attempt was spent"),
            "{stderr}"
        );
    }
    // A wrong code: exit 7, nothing stored.
    let wrong = if code.as_str() == "00000" {
        "11111"
    } else {
        "00000"
    };
    let out = otpvault(&vault, &args, &format!("{PIN}\nportal password\n{wrong}\n"));
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = otpvault(&vault, &["--json", "list"], &format!("{PIN}\n"));
    assert_eq!(
        serde_json::from_slice::<Value>(&list.stdout).unwrap(),
        Value::Array(vec![])
    );

    let out = otpvault(
        &vault,
        &args,
        &format!("{PIN}\nportal password\n{}\n", code.as_str()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["account"], "mario");
    assert!(report["clock_offset"].as_i64().unwrap().abs() <= 1);
    let first = report["code"].as_str().unwrap();
    assert!(matches!(
        issuer.verify("mario", first, now_ms()).unwrap(),
        Verdict::Accepted { .. }
    ));
    let offset = otpvault(&vault, &["--json", "time-offset"], &format!("{PIN}\n"));
    assert!(offset.status.success());
    // The code was used: a second activation with it fails and stores nothing more.
    let out = otpvault(
        &vault,
        &args,
        &format!("{PIN}\nportal password\n{}\n", code.as_str()),
    );
    assert_eq!(out.status.code(), Some(7));
    let list = otpvault(&vault, &["--json", "list"], &format!("{PIN}\n"));
    assert_eq!(
        serde_json::from_slice::<Value>(&list.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn cargos_enrolment_scans_the_issuers_png_and_confirms_with_the_printed_code() {
    let (dir, vault, mut issuer, server) = setup();
    let uri = issuer.enrol("mario", now_ms()).unwrap();
    let png = dir.path().join("enrol.png");
    otpvault_qr::write_png(&uri, &png).unwrap();
    let out = otpvault(
        &vault,
        &["--json", "add", "--qr", png.to_str().unwrap()],
        &format!("{PIN}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["issuer"], "otpvault-issuer");
    let code = added["code"].as_str().unwrap();
    match issuer.confirm_enrolment("mario", code, now_ms()).unwrap() {
        Confirmation::Confirmed { api_key } => assert!(api_key.starts_with("ovk_")),
        other => panic!("{other:?}"),
    }

    // The token asks its issuer for the time, checked with its own key; --apply stores it.
    let id = added["id"].as_i64().unwrap().to_string();
    let out = otpvault(
        &vault,
        &[
            "--json",
            "time-sync",
            "--server",
            &server.origin,
            &id,
            "--apply",
        ],
        &format!("{PIN}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sync: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sync["authenticated"], true);
    assert!(sync["offset_ms"].as_i64().unwrap().abs() < 2_000, "{sync}");
    assert_eq!(sync["time_offset_applied"], 0);
    // Someone in the middle answers with a shifted time: refused (exit 7), nothing stored.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fake = format!("http://{}", listener.local_addr().unwrap());
    let forger = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 4096];
        let _ = stream.read(&mut buffer).unwrap();
        let body = format!(
            r#"{{"server_time_ms":{},"mac":"{}"}}"#,
            now_ms() + 3_600_000,
            "00".repeat(32)
        );
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).unwrap();
    });
    let out = otpvault(
        &vault,
        &["--json", "time-sync", "--server", &fake, &id, "--apply"],
        &format!("{PIN}\n"),
    );
    forger.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offset = otpvault(&vault, &["--json", "time-offset"], &format!("{PIN}\n"));
    let offset: Value = serde_json::from_slice(&offset.stdout).unwrap();
    assert_eq!(offset["time_offset"], 0);
}

#[test]
fn otp_pat_activation_goes_through_the_agent_without_the_pin() {
    // Issue 20, item 8: under 5m/10m with an agent holding the vault, `activate` asks only the
    // portal password and the code; the token is stored by the agent, whose session goes on.
    let (dir, vault, mut issuer, server) = setup();
    let agent_dir = dir.path().join("agent");
    let run =
        |args: &[&str], stdin: &str| otpvault_with_agent(&vault, Some(&agent_dir), args, stdin);
    let out = run(&["policy", "10m"], &format!("{PIN}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["list"], &format!("{PIN}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, _) = issuer.create_activation("mario", None, now_ms()).unwrap();
    let out = run(
        &[
            "--json",
            "activate",
            "--server",
            &server.origin,
            "--user",
            "mario",
        ],
        &format!("portal password\n{}\n", code.as_str()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(matches!(
        issuer
            .verify("mario", report["code"].as_str().unwrap(), now_ms())
            .unwrap(),
        Verdict::Accepted { .. }
    ));
    // Still held by the agent: no PIN.
    let list = run(&["--json", "list"], "");
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let listed: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed[0]["account"], "mario");
    let _ = run(&["lock"], "");
}
