//! The `otpvault-issuer` binary as scripts drive it: add-user from standard input, activation
//! (the code is the first word), enrol with a QR PNG, confirm, verify's exit codes and `--json`,
//! and `serve` stopping cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn issuer(db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault-issuer"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading its input (a refused argument): a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn now() -> u64 {
    otpvault_issuer::now_ms() / 1000
}

#[test]
fn the_admin_commands_work_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let out = issuer(
        &db,
        &["add-user", "mario", "--password-stdin"],
        "portal password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = issuer(&db, &["add-user", "mario", "--password-stdin"], "again\n");
    assert_eq!(out.status.code(), Some(2));

    let out = issuer(&db, &["activation", "mario"], "");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let code = stdout.split_whitespace().next().unwrap();
    assert!(
        code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()),
        "{stdout}"
    );
    // Issue 20, item 13: a time people read, not milliseconds since the epoch.
    let until = stdout
        .split("until ")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches(')');
    assert!(
        until.len() == 20 && until.ends_with('Z') && until.as_bytes()[10] == b'T',
        "{stdout}"
    );
    assert!(!stdout.contains("epoch"), "{stdout}");
    assert_eq!(
        issuer(&db, &["activation", "nobody"], "").status.code(),
        Some(2)
    );

    let png = dir.path().join("enrol.png");
    let out = issuer(&db, &["enrol", "mario", "--qr", png.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let uri = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(uri.starts_with("otpauth://totp/otpvault-issuer:mario?"));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let token = otpvault_core::uri::parse(&uri).unwrap();
    // Not confirmed yet: verify has no credential.
    let code = token.code_at(now());
    assert_eq!(
        issuer(&db, &["verify", "mario", &code], "").status.code(),
        Some(1)
    );
    let out = issuer(&db, &["confirm", "mario", &code], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("ovk_"));
    // The confirming code was consumed: verifying it again is a replay.
    let out = issuer(&db, &["verify", "mario", &code, "--json"], "");
    assert_eq!(out.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["error"], "replayed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("replayed"));
    // The next step's code is accepted (window +1).
    let next = token.code_at(now() + 30);
    let out = issuer(&db, &["verify", "mario", &next, "--json"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["accepted"], true);
    // One failure reads in the singular (issue 20, item 13): a code of no step near now.
    let near: Vec<String> = (-3..=3)
        .map(|k: i64| token.code_at(now().saturating_add_signed(30 * k)))
        .collect();
    let wrong = (0..10)
        .map(|d| format!("00000{d}"))
        .find(|c| !near.contains(c))
        .unwrap();
    let out = issuer(&db, &["verify", "mario", &wrong], "");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(1 failure)"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn puks_chosen_codes_resets_and_api_keys_from_the_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let puk_file = dir.path().join("mario.puk");
    let out = issuer(
        &db,
        &[
            "add-user",
            "mario",
            "--password-stdin",
            "--puk-out",
            puk_file.to_str().unwrap(),
        ],
        "portal password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the PUK went to the file only");
    let puk = std::fs::read_to_string(&puk_file).unwrap();
    assert_eq!(puk.trim().len(), 10);
    let mode = std::fs::metadata(&puk_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // An existing file is never written through (and the account is not changed).
    let out = issuer(
        &db,
        &[
            "reset-credential",
            "mario",
            "--puk-out",
            puk_file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&puk_file).unwrap(), puk);
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A chosen activation code: the first guesses are refused with the reason.
    let out = issuer(&db, &["activation", "mario", "--code", "12345"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("regular sequence"));
    let out = issuer(&db, &["activation", "mario", "--code", "48213"], "");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("48213 "));

    // Enrol, confirm; a second confirmation says that nothing is pending; codes that are not
    // codes are usage errors.
    let out = issuer(&db, &["enrol", "mario"], "");
    let token = otpvault_core::uri::parse(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    let code = token.code_at(now());
    assert_eq!(
        issuer(&db, &["confirm", "mario", "abc"], "").status.code(),
        Some(2)
    );
    let out = issuer(&db, &["confirm", "mario", &code], "");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(key.starts_with("ovk_"));
    let out = issuer(&db, &["confirm", "mario", &code], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no enrolment of mario is pending"));
    assert_eq!(
        issuer(&db, &["verify", "mario", "abc"], "").status.code(),
        Some(2)
    );

    // API keys: metadata, check, regenerate (the old key refused at once).
    let out = issuer(&db, &["api-key", "mario"], "");
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains("created 20") && shown.contains("last used never"),
        "{shown}"
    );
    assert!(!shown.contains(&key[4..]));
    let out = issuer(&db, &["check-api-key"], &format!("{key}\n"));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "mario");
    let out = issuer(&db, &["api-key", "mario", "--regenerate"], "");
    let new_key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(new_key.starts_with("ovk_") && new_key != key);
    assert_eq!(
        issuer(&db, &["check-api-key"], &format!("{key}\n"))
            .status
            .code(),
        Some(1)
    );
    assert!(
        issuer(&db, &["check-api-key"], &format!("{new_key}\n"))
            .status
            .success()
    );

    // A KEK: generated into a new 0600 file; a file others can read is refused.
    let kek = dir.path().join("kek");
    let out = issuer(&db, &["generate-kek", "--out", kek.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(&kek).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = issuer(
        &db,
        &["--kek-file", kek.to_str().unwrap(), "rotate-kek"],
        "",
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "0 data keys re-wrapped, 1 secrets sealed"
    );
    // Without the KEK the sealed credential cannot be used: a storage failure (exit 3).
    let later = token.code_at(now() + 30);
    assert_eq!(
        issuer(&db, &["verify", "mario", &later], "").status.code(),
        Some(3)
    );
    let out = issuer(
        &db,
        &[
            "--kek-file",
            kek.to_str().unwrap(),
            "verify",
            "mario",
            &later,
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::set_permissions(&kek, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = issuer(
        &db,
        &["--kek-file", kek.to_str().unwrap(), "rotate-kek"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));

    // The operator's reset: the credential is gone, a new PUK is printed.
    let out = issuer(&db, &["reset-credential", "mario"], "");
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.starts_with("PUK ") && printed.trim().len() == 14,
        "{printed}"
    );
    assert_eq!(
        issuer(&db, &["api-key", "mario"], "").status.code(),
        Some(1)
    );
    assert_eq!(
        issuer(&db, &["check-api-key"], &format!("{new_key}\n"))
            .status
            .code(),
        Some(1)
    );
}

#[cfg(unix)]
#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault-issuer"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", &listen])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains(&format!("listening on http://{listen}")),
        "{line}"
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut health = agent
        .get(format!("http://{listen}/v1/health"))
        .call()
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(
        health.body_mut().read_to_string().unwrap(),
        "{\"status\":\"ok\"}"
    );
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"));
}
