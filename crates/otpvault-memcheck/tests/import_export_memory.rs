//! Moving in and out under the scanning allocator: reading every import fixture, writing every
//! export format and reading those exports back may not give memory back to the allocator with a
//! token's secret (raw, base32 or as a keyed HMAC state) still in it. One test function, so no
//! other test's frees interfere.
//!
//! The patterns of a fixture are the secrets of the tokens it holds: the file is read once with
//! the scanner off to learn them, then read again with the scanner armed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::path::PathBuf;
use std::sync::Arc;

use otpvault_core::backup::BackupKdf;
use otpvault_core::import::read_file;
use otpvault_core::test_support::secret_fingerprints;
use otpvault_core::{
    Algorithm, CreateOptions, ManualClock, OtpKind, Pin, Secret, TokenParams, UnlockPolicy, Vault,
};
use otpvault_memcheck::{MAX_LEN, MAX_PATTERNS, MIN_LEN, ScanningAllocator, arm, disarm};
use zeroize::{Zeroize, Zeroizing};

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator;

const PIN: &str = "13579";
const T0: u64 = 1_700_000_000;
/// A passphrase the strength check accepts for the encrypted exports.
const PASSPHRASE: &str = "correct horse battery staple 7391 Lagorai";
/// The cheapest Argon2id the backup accepts keeps the scan of freed KDF memory short.
const CHEAP_KDF: BackupKdf = BackupKdf {
    memory_kib: 64,
    iterations: 1,
    lanes: 1,
};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import")
}

/// Registers the fingerprints of `tokens`' secrets (as many as the table holds). Every buffer
/// that held one is wiped before it is freed: a stale copy left by the test itself could be
/// handed out again inside a block the scanner then blames on the code under test.
fn watch<'a>(secrets: impl IntoIterator<Item = (&'a [u8], Algorithm)>) -> usize {
    let mut patterns: Vec<Vec<u8>> = Vec::with_capacity(MAX_PATTERNS);
    let trace = std::env::var_os("OTPVAULT_MEMCHECK_TRACE").is_some();
    for (source, (secret, algorithm)) in secrets.into_iter().enumerate() {
        let mut fingerprints = secret_fingerprints(secret, algorithm);
        for (kind, fingerprint) in fingerprints.iter().enumerate() {
            if (MIN_LEN..=MAX_LEN).contains(&fingerprint.len())
                && !patterns.contains(fingerprint)
                && patterns.len() < MAX_PATTERNS
            {
                if trace {
                    // Which secret a hit's pattern number stands for.
                    let what = ["raw", "base32", "inner HMAC state", "outer HMAC state"][kind];
                    eprintln!(
                        "pattern {}: {what} of secret {source} ({algorithm:?})",
                        patterns.len()
                    );
                }
                patterns.push(fingerprint.clone());
            }
        }
        fingerprints.zeroize();
    }
    assert!(otpvault_memcheck::set_patterns(&patterns));
    let count = patterns.len();
    patterns.zeroize();
    count
}

/// Runs `op` with the scanner armed; a freed block that held a pattern is written to `leaks`
/// (every operation is checked before the test fails, so one run names every leak).
fn check<R>(leaks: &mut Vec<String>, label: &str, op: impl FnOnce() -> R) -> R {
    arm();
    let result = op();
    let (hits, mask) = disarm();
    if hits > 0 {
        leaks.push(format!(
            "{label}: {hits} freed blocks held secret material (pattern mask {mask:#x})"
        ));
    }
    result
}

/// A distinctive secret per token.
fn secret_bytes(n: u8, len: u8) -> Vec<u8> {
    (0..len)
        .map(|i| i.wrapping_mul(53).wrapping_add(n.wrapping_mul(89)) ^ 0x3C)
        .collect()
}

#[test]
fn reading_imports_and_writing_exports_free_no_block_that_holds_a_secret() {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("expected.json")).unwrap()).unwrap();
    // OTPVAULT_MEMCHECK_TRACE=1 prints where each leaking block was freed.
    otpvault_memcheck::trace_hits(std::env::var_os("OTPVAULT_MEMCHECK_TRACE").is_some());
    let mut leaks = Vec::new();
    let mut files = 0;
    for (file, _) in expected["formats"].as_object().unwrap() {
        // Ente's encrypted fixture runs Argon2id at 1 GiB: scanning that freed block for every
        // pattern would take minutes. Its plain twin and the shared JSON and base64 paths are
        // checked here; its decryption buffers are zeroizing by type.
        if file == "ente-encrypted.txt" {
            continue;
        }
        let bytes = std::fs::read(fixtures().join(file)).unwrap();
        let password = expected["passwords"][file].as_str();
        let read = read_file(&bytes, password).unwrap();
        let tokens = read.candidates.iter().filter_map(|c| c.token.as_ref().ok());
        let watched = watch(tokens.map(|t| (t.secret().expose(), t.algorithm())));
        assert!(watched >= 4, "{file}: too few patterns to watch");
        drop(read);
        check(&mut leaks, file, || {
            drop(read_file(&bytes, password).unwrap())
        });
        files += 1;
    }
    assert!(files >= 24);

    // Exports: a vault with every kind of token, 16 and 32-byte secrets.
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let options = || {
        let mut options = CreateOptions::new(UnlockPolicy::TenMinutes).insecure_min_iterations(1);
        options.kdf_iterations = Some(1_000);
        options.clock = Arc::new(clock.clone());
        options
    };
    let pin = Pin::new(PIN).unwrap();
    let vault = Vault::create(&dir.path().join("vault.db"), PIN, options()).unwrap();
    let algorithms = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];
    let tokens: Vec<(Zeroizing<Vec<u8>>, TokenParams)> = (0..12u8)
        .map(|n| {
            let kind = match n % 4 {
                0 => OtpKind::Hotp {
                    counter: u64::from(n),
                },
                1 => OtpKind::Steam,
                _ => OtpKind::Totp { period: 30 },
            };
            let params = TokenParams {
                issuer: format!("Issuer {n}"),
                account: format!("user{n}@example.com"),
                algorithm: if kind == OtpKind::Steam {
                    Algorithm::Sha1
                } else {
                    algorithms[usize::from(n % 3)]
                },
                digits: if kind == OtpKind::Steam { 5 } else { 6 },
                kind,
            };
            (Zeroizing::new(secret_bytes(n, 16 + 16 * (n % 2))), params)
        })
        .collect();
    let watched = watch(tokens.iter().map(|(s, p)| (&s[..], p.algorithm)));
    assert_eq!(watched, 48);
    let typed: Vec<Zeroizing<String>> = tokens
        .iter()
        .map(|(s, _)| Secret::from_bytes(s.to_vec()).unwrap().to_base32())
        .collect();
    check(&mut leaks, "add every kind of token", || {
        for ((_, params), typed) in tokens.iter().zip(&typed) {
            vault.add_typed(None, typed, params.clone()).unwrap();
        }
    });
    let snapshot = check(&mut leaks, "snapshot", || {
        vault.export_snapshot(&pin).unwrap()
    });
    let (aegis, aegis_encrypted, backup, google) = check(&mut leaks, "exports", || {
        drop(snapshot.uris());
        (
            snapshot.aegis(None).unwrap(),
            snapshot.aegis(Some(PASSPHRASE)).unwrap(),
            otpvault_core::backup::seal(
                &snapshot.tokens,
                &snapshot.details,
                snapshot.settings,
                PASSPHRASE,
                CHEAP_KDF,
            )
            .unwrap(),
            snapshot.google().unwrap().uris,
        )
    });
    check(&mut leaks, "exports read back", || {
        for (bytes, password) in [
            (aegis.as_bytes(), None),
            (aegis_encrypted.as_bytes(), Some(PASSPHRASE)),
            (&backup[..], Some(PASSPHRASE)),
        ] {
            let read = read_file(bytes, password).unwrap();
            assert_eq!(read.candidates.len(), 12);
        }
        for uri in &google {
            assert!(
                !read_file(uri.as_bytes(), None)
                    .unwrap()
                    .candidates
                    .is_empty()
            );
        }
    });
    check(&mut leaks, "restore into a vault", || {
        let restored = tempfile::tempdir().unwrap();
        let other = Vault::create(&restored.path().join("vault.db"), PIN, options()).unwrap();
        let report = other.restore(&pin, &backup, Some(PASSPHRASE)).unwrap();
        assert_eq!(report.imported(), 12);
        drop(other);
    });
    drop(snapshot);
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}
