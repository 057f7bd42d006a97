//! Tamper and truncation: every byte of a small vault file flipped in turn, and the file cut at
//! every offset. Each damaged copy must either fail cleanly (an error, no panic) or give exactly
//! the right codes: never a wrong code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use otpvault_vault::{UnlockPolicy, Vault};

/// Device time at which the codes are compared.
const AT: u64 = 1_234_567_890;

struct Fixture {
    bytes: Vec<u8>,
    expected: HashMap<i64, String>,
}

fn fixture(dir: &Path) -> Fixture {
    let path = dir.join("original.db");
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    vault
        .add_uri(
            None,
            "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
        )
        .unwrap();
    vault
        .add_uri(
            None,
            "otpauth://totp/Bank:bob?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&period=60",
        )
        .unwrap();
    vault
        .add_uri(None, "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        .unwrap();
    vault.set_time_offset(None, 30).unwrap();
    let ids = vault.list(None).unwrap().into_iter().map(|t| t.id);
    let expected = ids
        .zip(vault.codes(None, AT).unwrap().values)
        .collect::<HashMap<_, _>>();
    assert_eq!(expected.len(), 3);
    drop(vault);
    assert!(
        !dir.join("original.db-wal").exists(),
        "closing the vault checkpoints the WAL"
    );
    Fixture {
        bytes: std::fs::read(&path).unwrap(),
        expected,
    }
}

enum Outcome {
    Refused,
    Correct,
}

/// Opens a damaged copy and checks that whatever comes out is right.
fn check(path: &Path, fixture: &Fixture, label: &str) -> Outcome {
    let clock = clock();
    let Ok(vault) = Vault::open(path, open_options(&clock)) else {
        return Outcome::Refused;
    };
    if vault.unlock(&pin(PIN)).is_err() {
        return Outcome::Refused;
    }
    let mut any = false;
    if let (Ok(list), Ok(sheet)) = (vault.list(None), vault.codes(None, AT)) {
        for (id, value) in list.iter().map(|t| t.id).zip(sheet.values) {
            let expected = fixture.expected.get(&id);
            assert_eq!(expected, Some(&value), "{label}: wrong code for token {id}");
            any = true;
        }
    }
    for (id, expected) in &fixture.expected {
        if let Ok(code) = vault.code(None, *id, AT) {
            assert_eq!(&code.value, expected, "{label}: wrong code for token {id}");
        }
    }
    if any {
        Outcome::Correct
    } else {
        Outcome::Refused
    }
}

fn run_parallel(
    fixture: &Fixture,
    dir: &Path,
    cases: usize,
    make: impl Fn(usize) -> (Vec<u8>, String) + Sync,
) -> (usize, usize) {
    let refused = AtomicUsize::new(0);
    let correct = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (refused, correct, next, make) = (&refused, &correct, &next, &make);
            scope.spawn(move || {
                let path = dir.join(format!("worker{worker}.db"));
                loop {
                    let case = next.fetch_add(1, Ordering::Relaxed);
                    if case >= cases {
                        break;
                    }
                    let (bytes, label) = make(case);
                    for suffix in ["-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                    std::fs::write(&path, &bytes).unwrap();
                    match check(&path, fixture, &label) {
                        Outcome::Refused => refused.fetch_add(1, Ordering::Relaxed),
                        Outcome::Correct => correct.fetch_add(1, Ordering::Relaxed),
                    };
                }
            });
        }
    });
    (refused.into_inner(), correct.into_inner())
}

/// A scratch directory in memory when the system has one: each case writes and fsyncs a copy of
/// the file, tens of thousands of times.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().unwrap()
}

#[test]
fn every_flipped_byte_errors_cleanly_or_gives_the_right_codes() {
    let dir = scratch();
    let fixture = fixture(dir.path());
    let len = fixture.bytes.len();
    assert!(
        len <= 64 * 1024,
        "the fixture should stay small ({len} bytes)"
    );
    let (refused, correct) = run_parallel(&fixture, dir.path(), len, |offset| {
        let mut bytes = fixture.bytes.clone();
        bytes[offset] ^= 0xff;
        (bytes, format!("byte {offset} flipped"))
    });
    println!(
        "{len} bytes flipped one at a time: {refused} refused cleanly, {correct} gave the right codes"
    );
    assert_eq!(refused + correct, len);
    assert!(refused > 0, "flipping key material must be detected");
}

#[test]
fn every_truncation_errors_cleanly_or_gives_the_right_codes() {
    let dir = scratch();
    let fixture = fixture(dir.path());
    let len = fixture.bytes.len();
    let (refused, correct) = run_parallel(&fixture, dir.path(), len, |cut| {
        (fixture.bytes[..cut].to_vec(), format!("cut at {cut}"))
    });
    println!("{len} truncations: {refused} refused cleanly, {correct} gave the right codes");
    assert_eq!(refused + correct, len);
    assert!(refused > len / 2);
}
