//! `vault`: unlock with 1,000 tokens (KDF excluded: 1 iteration, test-support build), opening a
//! 10,000-token vault, `codes()` for 1,000 tokens (every second: cached; at a step change: one
//! HMAC per token; after a time jump: two), and the PIN KDF at 600,000 iterations, from which it
//! prints the time to try all 100,000 PINs on this machine when there is no device key.
//!
//! Run: `cargo bench -p otpvault-core --bench vault`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use otpvault_codes::{ManualClock, Secret, TokenParams};
use otpvault_vault::test_support::{MIN_PBKDF2_ITERATIONS, derive_pin_key};
use otpvault_vault::{CreateOptions, OpenOptions, Pin, UnlockPolicy, Vault};

const PIN: &str = "13579";

fn options(clock: &ManualClock) -> (CreateOptions, OpenOptions) {
    let mut create = CreateOptions::new(UnlockPolicy::TenMinutes).insecure_min_iterations(1);
    create.kdf_iterations = Some(1);
    create.clock = Arc::new(clock.clone());
    let mut open = OpenOptions::default().insecure_min_iterations(1);
    open.clock = Arc::new(clock.clone());
    (create, open)
}

fn build(path: &Path, tokens: u64, clock: &ManualClock) {
    let vault = Vault::create(path, PIN, options(clock).0).unwrap();
    for n in 0..tokens {
        let secret = Secret::generate().unwrap().to_base32();
        let params = TokenParams {
            issuer: format!("Issuer {n}"),
            account: format!("user{n}@example.com"),
            ..TokenParams::default()
        };
        vault.add_typed(None, &secret, params).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_700_000_000);
    let pin = Pin::new(PIN).unwrap();
    let small = dir.path().join("1k.db");
    let large = dir.path().join("10k.db");
    build(&small, 1_000, &clock);
    build(&large, 10_000, &clock);

    let mut group = c.benchmark_group("vault");
    group.sample_size(20);
    let vault = Vault::open(&small, options(&clock).1).unwrap();
    group.bench_function("unlock/1000-tokens-kdf-excluded", |b| {
        b.iter(|| black_box(vault.unlock(&pin).unwrap()))
    });
    group.bench_function("open/10000-tokens", |b| {
        b.iter(|| black_box(Vault::open(&large, options(&clock).1).unwrap()))
    });
    let large_vault = Vault::open(&large, options(&clock).1).unwrap();
    group.bench_function("open+unlock/10000-tokens-kdf-excluded", |b| {
        b.iter(|| black_box(large_vault.unlock(&pin).unwrap()))
    });
    group.finish();

    let mut group = c.benchmark_group("codes");
    vault.unlock(&pin).unwrap();
    group.bench_function("1000-tokens/same-step", |b| {
        b.iter(|| black_box(vault.codes(None, black_box(1_700_000_000)).unwrap()))
    });
    let one = vault.list(None).unwrap()[500].id;
    group.bench_function("one-of-1000-tokens/code", |b| {
        b.iter(|| black_box(vault.code(None, black_box(one), 1_700_000_000).unwrap()))
    });
    let mut t = 1_700_000_000u64;
    group.bench_function("1000-tokens/next-step", |b| {
        b.iter(|| {
            t += 30;
            black_box(vault.codes(None, t).unwrap())
        })
    });
    group.bench_function("1000-tokens/time-jump", |b| {
        b.iter(|| {
            t += 3_000;
            black_box(vault.codes(None, t).unwrap())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("kdf");
    group.sample_size(10);
    group.bench_function("pbkdf2-sha256/600000", |b| {
        b.iter(|| black_box(derive_pin_key(b"13579", &[7u8; 16], MIN_PBKDF2_ITERATIONS)))
    });
    group.finish();

    let start = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        black_box(derive_pin_key(b"13579", &[7u8; 16], MIN_PBKDF2_ITERATIONS));
    }
    let per_pin = start.elapsed().as_secs_f64() / f64::from(rounds);
    let calibrated = otpvault_vault::test_support::calibrate_iterations(500);
    println!(
        "KDF: {:.0} ms per PIN at {MIN_PBKDF2_ITERATIONS} iterations; calibrated default here: {calibrated} iterations",
        per_pin * 1000.0
    );
    println!(
        "Without a device key, trying all 100,000 PINs costs {:.1} h on one core of this machine ({:.1} h at the calibrated count); expected half of that to find it",
        per_pin * 100_000.0 / 3600.0,
        per_pin * 100_000.0 / 3600.0 * f64::from(calibrated) / f64::from(MIN_PBKDF2_ITERATIONS)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
