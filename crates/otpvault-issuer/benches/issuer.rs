//! Issuer figures (a bench binary that prints them; `cargo bench -p otpvault-issuer`):
//! - a whole activation (3 requests) on loopback HTTP, including the Argon2id password check;
//! - verifier throughput with the replay and failure state in SQLite (WAL, synchronous=FULL):
//!   accepted codes (each at a new step), wrong codes and replayed codes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use otpvault_core::activation::{ActivationClient, Step};
use otpvault_core::{Format, Generator, ManualClock, Secret};
use otpvault_issuer::db::Sql;
use otpvault_issuer::{Config, Issuer, now_ms};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `scripts/bench-all --quick` (CI): a few rounds, only to prove the bench still works.
fn quick() -> bool {
    std::env::var_os("OTPVAULT_BENCH_QUICK").is_some()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let config = Config {
        origin: String::new(),
        ..Config::default()
    };
    let server = {
        let (db, stop, config) = (db.clone(), stop.clone(), config.clone());
        std::thread::spawn(move || {
            otpvault_issuer::http::serve(&db, &config, "127.0.0.1:0", stop, |a| tx.send(a).unwrap())
                .unwrap()
        })
    };
    let origin = format!("http://{}", rx.recv().unwrap());
    let config = Config {
        origin: origin.clone(),
        ..config
    };
    let mut issuer = Issuer::open(&db, config.clone()).unwrap();
    issuer
        .add_user("bench", "bench password", now_ms())
        .unwrap();

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut times = Vec::new();
    let activations = if quick() { 2 } else { 20 };
    for _ in 0..activations {
        let (code, _) = issuer.create_activation("bench", None, now_ms()).unwrap();
        let start = Instant::now();
        let (mut client, mut request) = ActivationClient::new(
            &origin,
            "bench",
            "bench password",
            &code,
            Arc::new(otpvault_core::SystemClock::new()),
        )
        .unwrap();
        loop {
            let mut response = agent
                .post(format!("{origin}{}", request.path))
                .send(request.body.as_str())
                .unwrap();
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().unwrap();
            match client.handle(status, &body).unwrap() {
                Step::Send(next) => request = next,
                Step::Done(_) => break,
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "activation round trip on loopback (3 requests, Argon2id 19 MiB t=2 password check): median {:.1} ms, min {:.1} ms over {}",
        median(times.clone()),
        times.iter().copied().fold(f64::MAX, f64::min),
        times.len()
    );

    // Verifier throughput on the credential the last activation created.
    let mut verifier = Issuer::open(
        &db,
        Config {
            max_failures: u32::MAX,
            ..config.clone()
        },
    )
    .unwrap();
    let secret = verifier
        .db()
        .query_one(
            "SELECT secret FROM credentials WHERE status = 'active'",
            otpvault_issuer::args![],
        )
        .unwrap()
        .blob(0)
        .unwrap();
    let generator = Generator::new(
        &Secret::from_bytes(secret).unwrap(),
        otpvault_core::Algorithm::Sha1,
        Format::Decimal(6),
    )
    .unwrap();
    let clock = ManualClock::new(2_000_000_000);
    let n = if quick() { 50 } else { 2_000 };
    let start = Instant::now();
    for _ in 0..n {
        clock.advance_seconds(30);
        let t = otpvault_core::Clock::wall_seconds(&clock);
        let code = generator.totp(t, 30);
        let verdict = verifier
            .verify("bench", code.value.as_str(), t * 1000)
            .unwrap();
        assert!(matches!(
            verdict,
            otpvault_issuer::verifier::Verdict::Accepted { .. }
        ));
    }
    let accepted = n as f64 / start.elapsed().as_secs_f64();
    let t = otpvault_core::Clock::wall_seconds(&clock);
    let code = generator.totp(t, 30);
    let start = Instant::now();
    for _ in 0..n {
        verifier
            .verify("bench", code.value.as_str(), t * 1000)
            .unwrap();
    }
    let replayed = n as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for _ in 0..n {
        verifier.verify("bench", "000000", t * 1000).unwrap();
    }
    let wrong = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "verifier (SQLite WAL, synchronous=FULL, 2 transactions per call): {accepted:.0} accepted/s, {replayed:.0} replayed/s, {wrong:.0} wrong/s"
    );
    stop.store(true, Ordering::SeqCst);
    server.join().unwrap();
    password_memory();
}

/// A line of /proc/self/status in KiB (Linux), or 0.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// The resident memory after many password checks at the default cost, on as many threads as
/// there are cores (what the server's KDF slots allow at once).
fn password_memory() {
    let stored = otpvault_issuer::password::hash(
        "bench password",
        otpvault_issuer::password::DEFAULT_MEMORY_KIB,
    )
    .unwrap();
    let checks = if quick() { 20 } else { 10_000 };
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let before = status_kib("VmRSS:");
    let start = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let stored = &stored;
            scope.spawn(move || {
                for i in (t..checks).step_by(threads) {
                    let password = if i % 2 == 0 {
                        "bench password"
                    } else {
                        "wrong"
                    };
                    assert_eq!(
                        otpvault_issuer::password::verify(password, stored),
                        i % 2 == 0
                    );
                }
            });
        }
    });
    println!(
        "{checks} password checks (Argon2id 19 MiB, t=2) on {threads} threads in {:.1} s: RSS {} MiB before, {} MiB after, peak {} MiB",
        start.elapsed().as_secs_f64(),
        before / 1024,
        status_kib("VmRSS:") / 1024,
        status_kib("VmHWM:") / 1024
    );
}
