//! `codes`: nanoseconds per code with the kept keyed HMAC state, per algorithm; the floor (two
//! serial SHA-1 compressions); and totp-rs's `generate` on the same secret as the baseline.
//!
//! Run: `cargo bench -p otpvault-codes --bench codes`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use otpvault_codes::{Algorithm, Format, Generator, Secret};

fn codes(c: &mut Criterion) {
    let secret = Secret::from_bytes(b"12345678901234567890123456789012".to_vec()).unwrap();
    let mut group = c.benchmark_group("codes");
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let generator = Generator::new(&secret, algorithm, Format::Decimal(6)).unwrap();
        let mut counter = 56_666_666u64;
        group.bench_function(format!("otpvault/{}", algorithm.as_str()), |b| {
            b.iter(|| {
                counter = counter.wrapping_add(1);
                black_box(generator.value_at(black_box(counter)))
            })
        });
        if algorithm == Algorithm::Sha1 {
            group.bench_function("otpvault-string/SHA1", |b| {
                b.iter(|| {
                    counter = counter.wrapping_add(1);
                    black_box(generator.at_counter(black_box(counter)))
                })
            });
        }
    }
    // The floor: two serial SHA-1 compressions of a varying block, nothing else (no key schedule,
    // no padding, no truncation, no rendering).
    let mut state = [
        0x6745_2301u32,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut counter = 0u64;
    group.bench_function("limit/two-sha1-compressions", |b| {
        b.iter(|| {
            counter = counter.wrapping_add(1);
            let mut block = [0u8; 64];
            block[..8].copy_from_slice(&black_box(counter).to_be_bytes());
            let mut inner = black_box(state);
            sha1::block_api::compress(&mut inner, &[block]);
            block[..4].copy_from_slice(&inner[0].to_be_bytes());
            block[4..8].copy_from_slice(&inner[1].to_be_bytes());
            let mut outer = black_box(state);
            sha1::block_api::compress(&mut outer, &[block]);
            black_box(outer)
        })
    });
    state[0] ^= 1;
    black_box(state);
    let baseline = [
        ("SHA1", totp_rs::Algorithm::SHA1),
        ("SHA256", totp_rs::Algorithm::SHA256),
        ("SHA512", totp_rs::Algorithm::SHA512),
    ];
    for (name, algorithm) in baseline {
        let totp = totp_rs::Builder::new()
            .with_algorithm(algorithm)
            .with_digits(6)
            .with_step_duration(30)
            .with_secret(secret.expose().to_vec())
            .build()
            .unwrap();
        let mut time = 1_700_000_000u64;
        group.bench_function(format!("totp-rs/{name}"), |b| {
            b.iter(|| {
                time = time.wrapping_add(30);
                black_box(totp.generate(black_box(time)))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, codes);
criterion_main!(benches);
