//! Runs every vault operation under an allocator that scans each freed block for the tokens'
//! secrets, their base32 and their keyed HMAC states: no operation may give memory back to the
//! allocator with a secret still in it. One test function, so no other test's frees interfere.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::sync::Arc;

use otpvault_core::test_support::secret_fingerprints;
use otpvault_core::{
    Algorithm, CreateOptions, ManualClock, OpenOptions, OtpKind, Pin, Secret, TokenParams,
    UnlockPolicy, Vault,
};
use otpvault_memcheck::{ScanningAllocator, arm, disarm, set_patterns};
use zeroize::Zeroizing;

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator;

const PIN: &str = "13579";
const T0: u64 = 1_700_000_000;

/// A distinctive 20-byte secret per token (no accidental matches in unrelated memory).
fn secret_bytes(n: u8) -> Vec<u8> {
    (0..20u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(n.wrapping_mul(101)) ^ 0xA5)
        .collect()
}

fn algorithm(n: u8) -> Algorithm {
    [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][usize::from(n % 3)]
}

/// Runs `op` with the scanner armed and fails if any freed block held a pattern.
fn check<R>(label: &str, op: impl FnOnce() -> R) -> R {
    arm();
    let result = op();
    let (hits, mask) = disarm();
    assert_eq!(
        hits, 0,
        "{label}: {hits} freed blocks held secret material (pattern mask {mask:#x})"
    );
    result
}

#[test]
fn no_operation_frees_a_block_that_still_holds_a_secret() {
    const TOKENS: u8 = 25;
    let mut patterns = Vec::new();
    for n in 0..TOKENS {
        patterns.extend(secret_fingerprints(&secret_bytes(n), algorithm(n)));
    }
    // 25 tokens × 4 patterns exceed the table: watch the first 16 tokens' patterns (64).
    patterns.truncate(otpvault_memcheck::MAX_PATTERNS);
    assert!(set_patterns(&patterns));
    // Typed secrets, prepared before arming (the test's own buffers are zeroizing).
    let typed: Vec<Zeroizing<String>> = (0..TOKENS)
        .map(|n| Secret::from_bytes(secret_bytes(n)).unwrap().to_base32())
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let clock = ManualClock::new(T0);
    let mut options = CreateOptions::new(UnlockPolicy::TenMinutes).insecure_min_iterations(1);
    options.kdf_iterations = Some(1_000);
    options.clock = Arc::new(clock.clone());
    let pin = Pin::new(PIN).unwrap();
    let vault = Vault::create(&path, PIN, options).unwrap();

    let mut ids = Vec::new();
    check("add", || {
        for n in 0..TOKENS {
            let kind = if n % 5 == 4 {
                OtpKind::Hotp { counter: 0 }
            } else {
                OtpKind::Totp { period: 30 }
            };
            let info = vault
                .add_typed(
                    None,
                    &typed[usize::from(n)],
                    TokenParams {
                        issuer: format!("Issuer {n}"),
                        account: format!("user{n}@example.com"),
                        algorithm: algorithm(n),
                        digits: 6,
                        kind,
                    },
                )
                .unwrap();
            ids.push(info.id);
        }
    });
    // The first secret again with 8 digits: another token (the same parameters would be a
    // duplicate, refused — that path is checked too).
    let uri = Zeroizing::new(format!(
        "otpauth://totp/ACME:uri@example.com?secret={}&issuer=ACME&digits=8",
        typed[0].as_str()
    ));
    check("add_uri", || vault.add_uri(None, &uri).unwrap());
    check("add_uri duplicate", || {
        assert!(matches!(
            vault.add_uri(None, &uri),
            Err(otpvault_core::VaultError::Duplicate { .. })
        ));
    });
    check("codes", || {
        vault.codes(None, T0).unwrap();
        vault.entries(None, T0 + 30).unwrap();
        vault.code(None, ids[0], T0 + 60).unwrap();
        vault.next_hotp(None, ids[4]).unwrap();
    });
    check("lock", || vault.lock());
    check("unlock", || vault.unlock(&pin).unwrap());
    check("reorder", || {
        let mut order: Vec<i64> = vault.list(None).unwrap().iter().map(|t| t.id).collect();
        order.reverse();
        vault.reorder(None, &order).unwrap();
    });
    check("rename", || {
        vault.rename(None, ids[1], "Renamed", "someone").unwrap();
    });
    check("remove", || vault.remove(None, ids[2]).unwrap());
    check("lock after remove", || vault.lock());
    check("unlock again", || vault.unlock(&pin).unwrap());
    check("change pin", || vault.change_pin(&pin, "11235").unwrap());
    let new_pin = Pin::new("11235").unwrap();
    check("export", || {
        let uris = vault.export_uris(&new_pin).unwrap();
        assert_eq!(uris.len(), usize::from(TOKENS));
    });
    check("every-code calls", || {
        vault.set_policy(&new_pin, UnlockPolicy::EveryCode).unwrap();
        vault.codes(Some(&new_pin), T0).unwrap();
        vault.next_hotp(Some(&new_pin), ids[9]).unwrap();
    });
    check("reopen and drop", || {
        drop(vault);
        let mut open = OpenOptions::default().insecure_min_iterations(1);
        open.clock = Arc::new(clock.clone());
        let vault = Vault::open(&path, open).unwrap();
        vault.codes(Some(&new_pin), T0).unwrap();
        drop(vault);
    });
}
