//! Import and export figures (a bench binary that prints them; `cargo bench -p otpvault-core
//! --bench import`): a 1,000-entry plain file read, previewed and imported into a vault, and the
//! cost of opening each encrypted format at the parameters real exports use (the fixtures of
//! tests/fixtures/import carry those parameters: Aegis scrypt N = 2^15, r = 8; 2FAS PBKDF2-SHA256
//! × 10,000; andOTP PBKDF2-SHA1 × 150,000; the old andOTP SHA-256; Stratum Argon2id 64 MiB × 3
//! and PBKDF2-SHA1 × 64,000; Bitwarden PBKDF2-SHA256 × 600,000 and Argon2id 64 MiB × 3; Ente
//! Argon2id 1 GiB × 4 (libsodium's "sensitive" limits); Proton Argon2id 19 MiB × 2; Authy
//! PBKDF2-SHA1 × 1,000 per entry; otpvault's backup Argon2id 64 MiB × 3).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use otpvault_codes::{Algorithm, ManualClock, OtpKind, Secret, Token, TokenParams};
use otpvault_transfer::backup::{self, BackupKdf, BackupSettings};
use otpvault_transfer::import;
use otpvault_vault::{CreateOptions, Pin, UnlockPolicy, Vault};

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(|a, b| a.total_cmp(b));
    runs[runs.len() / 2]
}

fn time_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

/// `scripts/bench-all --quick` (CI): one run of each, only to prove the bench still works.
fn rounds(full: usize) -> usize {
    if std::env::var_os("OTPVAULT_BENCH_QUICK").is_some() {
        1
    } else {
        full
    }
}

fn main() {
    let tokens: Vec<Token> = (0..1000u32)
        .map(|n| {
            let mut secret: Vec<u8> = (0..20u32).map(|i| (n * 31 + i * 7) as u8).collect();
            secret[..4].copy_from_slice(&n.to_be_bytes());
            Token::new(
                Secret::from_bytes(secret).unwrap(),
                TokenParams {
                    issuer: format!("Service {n}"),
                    account: format!("user{n}@example.com"),
                    algorithm: Algorithm::Sha1,
                    digits: 6,
                    kind: OtpKind::Totp { period: 30 },
                },
            )
            .unwrap()
        })
        .collect();
    let aegis = otpvault_transfer::export::aegis::write(&tokens, &[], None).unwrap();
    let read = time_ms(rounds(5), || {
        import::read(aegis.as_bytes(), None).unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_700_000_000);
    let mut options = CreateOptions::new(UnlockPolicy::FiveMinutes);
    options.kdf_iterations = Some(600_000);
    options.clock = Arc::new(clock);
    let pin = Pin::new("13579").unwrap();
    let mut import_runs = Vec::new();
    let mut preview_runs = Vec::new();
    for run in 0..rounds(3) {
        let vault = Vault::create(
            &dir.path().join(format!("v{run}.db")),
            "13579",
            options.clone(),
        )
        .unwrap();
        let start = Instant::now();
        let report = vault
            .preview_import(Some(&pin), aegis.as_bytes(), None)
            .unwrap();
        preview_runs.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.imported(), 1000);
        let start = Instant::now();
        let report = vault.import(None, aegis.as_bytes(), None).unwrap();
        import_runs.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.imported(), 1000);
    }
    println!(
        "1,000-entry Aegis plain file ({} KiB): read {read:.1} ms, preview {:.1} ms, import into a vault (one transaction) {:.1} ms",
        aegis.len() / 1024,
        median(preview_runs),
        median(import_runs)
    );

    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures.join("expected.json")).unwrap()).unwrap();
    for (name, label) in [
        ("aegis-encrypted.json", "Aegis (scrypt N=2^15, r=8, p=1)"),
        ("2fas-encrypted.2fas", "2FAS (PBKDF2-SHA256 x 10,000)"),
        ("andotp.json.aes", "andOTP (PBKDF2-SHA1 x 150,000)"),
        ("andotp-old.json.aes", "andOTP before 0.6.3 (one SHA-256)"),
        (
            "stratum-encrypted.authpro",
            "Stratum (Argon2id 64 MiB x 3, 4 lanes)",
        ),
        (
            "stratum-legacy.authpro",
            "Stratum legacy (PBKDF2-SHA1 x 64,000)",
        ),
        (
            "bitwarden-encrypted.json",
            "Bitwarden (PBKDF2-SHA256 x 600,000)",
        ),
        (
            "bitwarden-encrypted-argon2.json",
            "Bitwarden (Argon2id 64 MiB x 3, 4 lanes)",
        ),
        (
            "ente-encrypted.txt",
            "Ente Auth (Argon2id 1 GiB x 4, 1 lane)",
        ),
        (
            "proton-encrypted.json",
            "Proton Authenticator (Argon2id 19 MiB x 2)",
        ),
        (
            "authy-encrypted.xml",
            "Authy, 4 entries (PBKDF2-SHA1 x 1,000 each)",
        ),
    ] {
        let bytes = std::fs::read(fixtures.join(name)).unwrap();
        let password = expected["passwords"][name].as_str().unwrap().to_owned();
        let ms = time_ms(rounds(5), || {
            import::read(&bytes, Some(&password)).unwrap();
        });
        println!("open {label}: {ms:.1} ms");
    }
    let backup = backup::seal(
        &tokens[..10],
        &[],
        BackupSettings {
            time_offset: 0,
            policy: UnlockPolicy::FiveMinutes,
        },
        "violin tundra marble compass 1887",
        BackupKdf::DEFAULT,
    )
    .unwrap();
    let ms = time_ms(rounds(5), || {
        backup::open(&backup, Some("violin tundra marble compass 1887")).unwrap();
    });
    println!("open otpvault backup (Argon2id 64 MiB, 3 passes, 1 lane): {ms:.1} ms");
    let ms = time_ms(rounds(3), || {
        backup::check_passphrase("violin tundra marble compass 1887", &[]).unwrap();
    });
    println!("passphrase strength check: {ms:.2} ms");
}
