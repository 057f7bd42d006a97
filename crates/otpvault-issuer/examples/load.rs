//! The load generator behind `scripts/bench-issuer`: it enrols accounts on an otpvault issuer
//! database, then drives code verifications at an otpvault issuer or a privacyIDEA server over
//! HTTP with keep-alive connections, and prints one JSON line of figures per run.
//!
//! ```text
//! load setup --db TARGET --users N --kdf-kib K --out accounts.json
//! load run   --kind otpvault|privacyidea --url URL --accounts FILE [--skip K] [--take N] --clients N --seconds S
//! load kdf   --kdf-kib K      the median time of one password check at that cost, on one core
//! load race  --kind otpvault|privacyidea --url URL --accounts FILE [--skip K] --index I --clients 32
//! ```
//!
//! An account is `{"user", "password", "secret_hex", "serial"}`; for privacyIDEA `password` is
//! the token PIN and `serial` the token. Every account is used for one accepted code per run
//! (each client takes its own slice), so every acceptance is a real one: a fresh step, never a
//! replay.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use otpvault_core::{Algorithm, Format, Generator, Secret};
use otpvault_issuer::db::{Sql, Target};
use otpvault_issuer::verifier::Confirmation;
use otpvault_issuer::{Config, Issuer, args, now_ms, password};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench password";

fn arg(args: &[String], name: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .unwrap_or_else(|| panic!("{name} is required"))
        .clone()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("setup") => setup(&args),
        Some("run") => run(&args),
        Some("race") => race(&args),
        Some("kdf") => kdf(&args),
        _ => {
            eprintln!("usage: load setup|run|race … (see the source's header)");
            std::process::exit(2);
        }
    }
}

/// Users `b0…` with one password hash (made once: the run measures verification, not set-up),
/// each with an active credential confirmed 90 s ago.
fn setup(args: &[String]) {
    let target = Target::parse(&arg(args, "--db"));
    let users: usize = arg(args, "--users").parse().unwrap();
    let kib: u32 = arg(args, "--kdf-kib").parse().unwrap();
    let config = Config {
        issuer: "bench".into(),
        password_memory_kib: kib,
        ..Config::default()
    };
    let mut issuer = Issuer::connect(&target, config).unwrap();
    let hash = password::hash(PASSWORD, kib).unwrap();
    let earlier = now_ms() - 90_000;
    let mut accounts = Vec::with_capacity(users);
    for n in 0..users {
        let user = format!("b{n}");
        issuer
            .db()
            .execute(
                "INSERT INTO users (name, password_hash, created_ms) VALUES (?1, ?2, ?3)",
                args![&user, &hash, 0i64],
            )
            .unwrap();
        let uri = issuer.enrol(&user, earlier).unwrap();
        let token = otpvault_core::uri::parse(&uri).unwrap();
        let code = token.generator().totp(earlier / 1000, 30);
        let confirmed = issuer
            .confirm_enrolment(&user, code.value.as_str(), earlier)
            .unwrap();
        assert!(matches!(confirmed, Confirmation::Confirmed { .. }));
        let secret = token.secret().expose();
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        accounts.push(json!({"user": user, "password": PASSWORD, "secret_hex": hex, "serial": ""}));
    }
    std::fs::write(arg(args, "--out"), Value::Array(accounts).to_string()).unwrap();
}

struct Account {
    user: String,
    password: String,
    serial: String,
    generator: Generator,
}

/// The accounts of `--accounts`, `--take` of them from `--skip` on (each run takes its own range, so that its
/// codes are never replays of an earlier run's).
fn accounts(args: &[String]) -> Vec<Account> {
    let text = std::fs::read_to_string(arg(args, "--accounts")).unwrap();
    let list: Vec<Value> = serde_json::from_str(&text).unwrap();
    let skip: usize = args
        .iter()
        .position(|a| a == "--skip")
        .map_or(0, |i| args[i + 1].parse().unwrap());
    let take: usize = args
        .iter()
        .position(|a| a == "--take")
        .map_or(usize::MAX, |i| args[i + 1].parse().unwrap());
    list.iter()
        .skip(skip)
        .take(take)
        .map(|a| {
            let hex = a["secret_hex"].as_str().unwrap();
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            let secret = Secret::from_bytes(bytes).unwrap();
            Account {
                user: a["user"].as_str().unwrap_or_default().to_owned(),
                password: a["password"].as_str().unwrap_or_default().to_owned(),
                serial: a["serial"].as_str().unwrap_or_default().to_owned(),
                generator: Generator::new(&secret, Algorithm::Sha1, Format::Decimal(6)).unwrap(),
            }
        })
        .collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn form_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One verification of the account's current code: (accepted, HTTP status).
fn verify(agent: &ureq::Agent, kind: &str, url: &str, account: &Account) -> (bool, u16) {
    let code = account.generator.totp(now_ms() / 1000, 30);
    let code = code.value.as_str();
    let response = if kind == "privacyidea" {
        let body = format!(
            "serial={}&pass={}{}",
            form_escape(&account.serial),
            form_escape(&account.password),
            code
        );
        agent
            .post(format!("{url}/validate/check"))
            .content_type("application/x-www-form-urlencoded")
            .send(body)
    } else {
        let body = json!({"username": account.user, "password": account.password, "code": code});
        agent
            .post(format!("{url}/v1/verify"))
            .content_type("application/json")
            .send(body.to_string())
    };
    let Ok(mut response) = response else {
        return (false, 0);
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let accepted = if kind == "privacyidea" {
        status == 200 && answer["result"]["value"] == Value::Bool(true)
    } else {
        status == 200 && answer["accepted"] == Value::Bool(true)
    };
    (accepted, status)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn run(args: &[String]) {
    let kind = arg(args, "--kind");
    let url = arg(args, "--url");
    let clients: usize = arg(args, "--clients").parse().unwrap();
    let seconds: f64 = arg(args, "--seconds").parse().unwrap();
    let accounts = Arc::new(accounts(args));
    let barrier = Arc::new(Barrier::new(clients));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (accounts, barrier, kind, url) =
                (accounts.clone(), barrier.clone(), kind.clone(), url.clone());
            std::thread::spawn(move || {
                let agent = agent();
                barrier.wait();
                let end = Instant::now() + Duration::from_secs_f64(seconds);
                let mut latencies = Vec::new();
                let mut statuses = BTreeMap::<u16, u64>::new();
                let mut accepted = 0u64;
                for account in accounts.iter().skip(c).step_by(clients) {
                    if Instant::now() >= end {
                        break;
                    }
                    let sent = Instant::now();
                    let (ok, status) = verify(&agent, &kind, &url, account);
                    latencies.push(sent.elapsed());
                    *statuses.entry(status).or_default() += 1;
                    accepted += u64::from(ok);
                }
                (latencies, statuses, accepted)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::<u16, u64>::new();
    let mut accepted = 0;
    for thread in threads {
        let (l, s, a) = thread.join().unwrap();
        latencies.extend(l);
        for (status, n) in s {
            *statuses.entry(status).or_default() += n;
        }
        accepted += a;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let out = json!({
        "clients": clients,
        "requests": latencies.len(),
        "accepted": accepted,
        "accepted_per_s": accepted as f64 / elapsed,
        "p50_ms": percentile(&latencies, 0.50),
        "p99_ms": percentile(&latencies, 0.99),
        "max_ms": percentile(&latencies, 1.0),
        "seconds": elapsed,
        "statuses": statuses.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "exhausted": latencies.len() >= accounts.len(),
    });
    println!("{out}");
}

/// `--clients` identical current codes of one account at once: how many were accepted.
fn race(args: &[String]) {
    let kind = arg(args, "--kind");
    let url = arg(args, "--url");
    let clients: usize = arg(args, "--clients").parse().unwrap();
    let index: usize = arg(args, "--index").parse().unwrap();
    let accounts = accounts(args);
    let account = Arc::new(accounts.into_iter().nth(index).expect("no such account"));
    let barrier = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (account, barrier, kind, url) =
                (account.clone(), barrier.clone(), kind.clone(), url.clone());
            std::thread::spawn(move || {
                let agent = agent();
                barrier.wait();
                verify(&agent, &kind, &url, &account).0
            })
        })
        .collect();
    let accepted = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|&ok| ok)
        .count();
    println!("{}", json!({"clients": clients, "accepted": accepted}));
}

/// The median of 15 password checks at `--kdf-kib`: what the KDF alone costs per request.
fn kdf(args: &[String]) {
    let kib: u32 = arg(args, "--kdf-kib").parse().unwrap();
    let hash = password::hash(PASSWORD, kib).unwrap();
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            assert!(password::verify(PASSWORD, &hash));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({"kdf_ms": times[times.len() / 2], "kdf_kib": kib})
    );
}
