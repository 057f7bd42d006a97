//! Leaving and coming back with the real binary: `export --format backup|aegis|aegis-encrypted|
//! google|uris`, `restore`, `import --format`, the Google transfer QR PNGs scanned back with
//! `add --qr`, weak passphrases (exit 2) and wrong ones (exit 6).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PIN: &str = "13579";
const STRONG: &str = "violin tundra marble compass 1887";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        for vault in ["a.db", "b.db"] {
            env.ok(
                vault,
                &["init", "--kdf-iterations", "600000"],
                &format!("{PIN}\n"),
            );
        }
        std::fs::write(env.path("pass"), format!("{STRONG}\n")).unwrap();
        std::fs::write(env.path("weak"), "password123\n").unwrap();
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, vault: &str, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault"))
            .arg("--vault")
            .arg(self.path(vault))
            .arg("--pin-stdin")
            .args(args)
            .env("OTPVAULT_NO_AGENT", "1")
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The command may exit before reading its input (a refused argument): a closed pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }

    fn ok(&self, vault: &str, args: &[&str], stdin: &str) -> String {
        let out = self.run(vault, args, stdin);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn codes(&self, vault: &str) -> Vec<(String, String)> {
        let out = self.ok(
            vault,
            &["--json", "code", "--at", "1700000000"],
            &format!("{PIN}\n"),
        );
        let rows: Value = serde_json::from_str(&out).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    format!(
                        "{}:{}",
                        r["issuer"].as_str().unwrap(),
                        r["account"].as_str().unwrap()
                    ),
                    r["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    fn add(&self, vault: &str, uri: &str) {
        self.ok(vault, &["add", "-"], &format!("{uri}\n{PIN}\n"));
    }
}

fn sample(env: &Env) {
    env.add(
        "a.db",
        "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    );
    env.add(
        "a.db",
        "otpauth://totp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=60",
    );
    env.add(
        "a.db",
        "otpauth://hotp/VPN:carol?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&counter=5",
    );
}

#[test]
fn a_weak_passphrase_is_refused_before_the_pin_is_asked() {
    let env = Env::new();
    sample(&env);
    // No PIN on standard input: had the PIN been asked first, reading it would fail instead.
    for format in ["backup", "aegis-encrypted"] {
        let weak = env.run(
            "a.db",
            &[
                "export",
                "--format",
                format,
                "--out",
                "x.out",
                "--password-file",
                "weak",
            ],
            "",
        );
        assert_eq!(weak.status.code(), Some(2), "{format}");
        let stderr = String::from_utf8_lossy(&weak.stderr);
        assert!(stderr.contains("too easy to guess"), "{format}: {stderr}");
        assert!(!stderr.contains("PIN"), "{format}: {stderr}");
        assert!(!env.path("x.out").exists());
    }
}

#[test]
fn a_backup_restores_into_another_vault_and_weak_or_wrong_passphrases_are_refused() {
    let env = Env::new();
    sample(&env);
    env.ok("a.db", &["time-offset", "12"], &format!("{PIN}\n"));
    let weak = env.run(
        "a.db",
        &[
            "export",
            "--format",
            "backup",
            "--out",
            "x.bak",
            "--password-file",
            "weak",
        ],
        &format!("{PIN}\n"),
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("too easy to guess"));
    assert!(!env.path("x.bak").exists());
    let out = env.ok(
        "a.db",
        &[
            "--json",
            "export",
            "--format",
            "backup",
            "--out",
            "a.bak",
            "--password-file",
            "pass",
        ],
        &format!("{PIN}\n"),
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["tokens"], 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.path("a.bak"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::write(env.path("wrong"), "violin tundra marble compass 1888\n").unwrap();
    let wrong = env.run(
        "b.db",
        &["restore", "a.bak", "--password-file", "wrong"],
        &format!("{PIN}\n"),
    );
    assert_eq!(wrong.status.code(), Some(6));
    let restored = env.run(
        "b.db",
        &["restore", "a.bak", "--password-file", "pass"],
        &format!("{PIN}\n"),
    );
    assert!(restored.status.success());
    // The restored policy is named (issue 20, item 13).
    let said = String::from_utf8_lossy(&restored.stderr);
    assert!(
        said.contains("the unlock policy: the PIN is asked"),
        "{said}"
    );
    assert_eq!(env.codes("a.db"), env.codes("b.db"));
    let offset: Value =
        serde_json::from_str(&env.ok("b.db", &["--json", "time-offset"], &format!("{PIN}\n")))
            .unwrap();
    assert_eq!(offset["time_offset"], 12);
}

#[test]
fn aegis_exports_import_back_and_format_is_checked() {
    let env = Env::new();
    sample(&env);
    for (format, password) in [("aegis", false), ("aegis-encrypted", true)] {
        let file = format!("{format}.json");
        let mut args = vec!["export", "--format", format, "--out", &file];
        if password {
            args.extend(["--password-file", "pass"]);
        }
        let out = env.run("a.db", &args, &format!("{PIN}\n"));
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).contains("clear text"),
            !password,
            "{format}: warning"
        );
        let b = format!("{format}.db");
        env.ok(
            &b,
            &["init", "--kdf-iterations", "600000"],
            &format!("{PIN}\n"),
        );
        let mut import = vec!["import", file.as_str(), "--format", "aegis"];
        if password {
            import.extend(["--password-file", "pass"]);
        }
        env.ok(&b, &import, &format!("{PIN}\n"));
        assert_eq!(env.codes("a.db"), env.codes(&b), "{format}");
    }
    // A file that is not in the format asked for is refused whole (exit 2).
    let wrong = env.run(
        "b.db",
        &["import", "aegis.json", "--format", "2fas"],
        &format!("{PIN}\n"),
    );
    assert_eq!(wrong.status.code(), Some(2));
    let unknown = env.run("b.db", &["import", "aegis.json", "--format", "nope"], "");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn google_transfer_qr_codes_scan_back_with_add_qr() {
    let env = Env::new();
    sample(&env);
    for n in 0..12 {
        env.add(
            "a.db",
            &format!(
                "otpauth://totp/Service:user{n}?secret=JBSWY3DPEHPK3PX{}",
                (b'A' + n) as char
            ),
        );
    }
    let out = env.run(
        "a.db",
        &["--json", "export", "--format", "google", "--qr", "qrs"],
        &format!("{PIN}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Left out") && stderr.contains("period_not_30"),
        "{stderr}"
    );
    let uris: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(uris.len(), 2, "14 accounts Google can hold, 10 a batch");
    for (i, uri) in uris.iter().enumerate() {
        let png = env.path(&format!("qrs/otpauth-migration-{}-of-2.png", i + 1));
        assert_eq!(otpvault_qr::decode_file(&png).unwrap().as_str(), uri);
        env.ok(
            "b.db",
            &["add", "--qr", png.to_str().unwrap()],
            &format!("{PIN}\n"),
        );
    }
    let mut expected = env.codes("a.db");
    expected.retain(|(name, _)| name != "Bank:bob");
    assert_eq!(env.codes("b.db"), expected);
}

#[cfg(unix)]
#[test]
fn exports_never_go_through_a_file_or_directory_others_prepared() {
    // Issue 20, item 5: another user pre-creates the old predictable temporary name (0666) and
    // offers a readable QR directory; neither receives a secret.
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    sample(&env);
    let trap = env.path("out.txt.otpvault-tmp");
    std::fs::write(&trap, "").unwrap();
    std::fs::set_permissions(&trap, std::fs::Permissions::from_mode(0o666)).unwrap();
    env.ok(
        "a.db",
        &["export", "--uris", "--out", "out.txt"],
        &format!("{PIN}\n"),
    );
    assert_eq!(
        std::fs::read_to_string(&trap).unwrap(),
        "",
        "the trap got nothing"
    );
    let written = std::fs::read_to_string(env.path("out.txt")).unwrap();
    assert!(written.contains("secret="));
    let mode = std::fs::metadata(env.path("out.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".otpvault-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A QR directory others can read is refused; a private one works, its files 0600.
    let open = env.path("shared");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = env.run(
        "a.db",
        &["export", "--format", "google", "--qr", "shared"],
        &format!("{PIN}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 700"));
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0);
    env.ok(
        "a.db",
        &["export", "--format", "google", "--qr", "private"],
        &format!("{PIN}\n"),
    );
    for entry in std::fs::read_dir(env.path("private")).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
