//! Two issuer nodes (two `otpvault-issuer serve` processes) on one PostgreSQL database: a code is
//! accepted once whichever node sees it, failures and lockouts are shared, and a node killed
//! in the middle of its requests leaves no half-written state and no lock behind.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use otpvault_core::Generator;
use otpvault_issuer::db::{Sql, Target};
use otpvault_issuer::verifier::Confirmation;
use otpvault_issuer::{Config, Issuer, args, now_ms};
use serde_json::{Value, json};
use support::Store;

mod support;

const PASSWORD: &str = "portal password";

fn config() -> Config {
    Config {
        issuer: "Provincia".into(),
        // Cheap password hashes: the test is about the database, not Argon2.
        password_memory_kib: 64,
        ..Config::default()
    }
}

/// An `otpvault-issuer serve` process on a free loopback port.
struct Node {
    child: Child,
    origin: String,
}

impl Node {
    fn start(target: &Target, extra: &[&str]) -> Self {
        let Target::Postgres(url) = target else {
            panic!("nodes share a PostgreSQL database")
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault-issuer"))
            .args(["--db", url])
            .args(extra)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let origin = loop {
            let line = lines
                .next()
                .expect("the node exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining the logs so that the node never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, origin }
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        post(&self.origin, path, body)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn post(origin: &str, path: &str, body: &Value) -> (u16, Value) {
    try_post(origin, path, body).expect("the node did not answer")
}

/// `None` when the connection fails (the node is gone).
fn try_post(origin: &str, path: &str, body: &Value) -> Option<(u16, Value)> {
    let mut response = agent()
        .post(format!("{origin}{path}"))
        .content_type("application/json")
        .send(body.to_string())
        .ok()?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// A user `name` with an active credential confirmed two steps ago; its generator.
fn enrolled(issuer: &mut Issuer, name: &str) -> Generator {
    issuer.add_user(name, PASSWORD, now_ms()).unwrap();
    let earlier = now_ms() - 60_000;
    let uri = issuer.enrol(name, earlier).unwrap();
    let generator = otpvault_core::uri::parse(&uri).unwrap().generator();
    let code = generator.totp(earlier / 1000, 30);
    let confirmed = issuer
        .confirm_enrolment(name, code.value.as_str(), earlier)
        .unwrap();
    assert!(matches!(confirmed, Confirmation::Confirmed { .. }));
    generator
}

fn verify_body(name: &str, code: &str) -> Value {
    json!({"username": name, "password": PASSWORD, "code": code})
}

fn credential_state(issuer: &mut Issuer, name: &str) -> (i64, i64, Option<i64>) {
    let row = issuer
        .db()
        .query_one(
            "SELECT c.failures, c.locked_until_ms, c.last_step FROM credentials c
             JOIN users u ON u.id = c.user_id WHERE u.name = ?1 AND c.status = 'active'",
            args![name],
        )
        .unwrap();
    (
        row.int(0).unwrap(),
        row.int(1).unwrap(),
        row.opt_int(2).unwrap(),
    )
}

#[test]
fn two_nodes_accept_a_code_once_and_share_failures_and_lockouts() {
    let store = Store::postgres();
    let mut issuer = store.open(config());
    let generator = enrolled(&mut issuer, "mario");
    let nodes = [
        Node::start(&store.target, &[]),
        Node::start(&store.target, &[]),
    ];

    // 64 identical valid codes at once, spread over both nodes: exactly one is accepted, every
    // other one is a replay.
    for round in 0..3 {
        // A fresh step each round (the previous round's code was accepted).
        let wait = 30_000 - now_ms() % 30_000;
        // (and never a code about to expire in the first one).
        if round > 0 || wait < 3_000 {
            std::thread::sleep(Duration::from_millis(wait + 50));
        }
        let code = generator
            .totp(now_ms() / 1000, 30)
            .value
            .as_str()
            .to_owned();
        let barrier = Arc::new(Barrier::new(64));
        let threads: Vec<_> = (0..64)
            .map(|i| {
                let origin = nodes[i % 2].origin.clone();
                let (barrier, body) = (barrier.clone(), verify_body("mario", &code));
                std::thread::spawn(move || {
                    barrier.wait();
                    post(&origin, "/v1/verify", &body).0
                })
            })
            .collect();
        let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let accepted = statuses.iter().filter(|&&s| s == 200).count();
        let replayed = statuses.iter().filter(|&&s| s == 409).count();
        assert_eq!((accepted, replayed), (1, 63), "round {round}: {statuses:?}");
    }

    // Failures counted on one node are seen by the other: 4 wrong codes on node 0, the 5th on
    // node 1 starts the lockout, and node 0 then refuses even the right code.
    for n in 1..=4 {
        let (status, body) = nodes[0].post("/v1/verify", &verify_body("mario", "000000"));
        assert_eq!((status, body["failures"].as_u64()), (401, Some(n)));
    }
    let (status, body) = nodes[1].post("/v1/verify", &verify_body("mario", "000000"));
    assert_eq!(status, 401);
    assert_eq!(body["failures"], 5);
    assert_eq!(body["locked_for_seconds"], 30);
    let right = generator.totp(now_ms() / 1000, 30);
    let (status, body) = nodes[0].post("/v1/verify", &verify_body("mario", right.value.as_str()));
    assert_eq!(status, 429, "{body}");
    assert!(body["retry_after"].as_u64().unwrap() > 0);
    let (failures, locked_until, _) = credential_state(&mut issuer, "mario");
    assert_eq!(failures, 5);
    assert!(locked_until > i64::try_from(now_ms()).unwrap());
}

#[test]
fn a_node_killed_mid_request_leaves_nothing_half_written() {
    let store = Store::postgres();
    let mut issuer = store.open(config());
    let generator = enrolled(&mut issuer, "mario");
    drop(issuer);
    // Failures allowed without end, so that every wrong code of the storm below is counted.
    let lenient = ["--max-failures", "1000000"];
    let mut doomed = Node::start(&store.target, &lenient);
    let survivor = Node::start(&store.target, &lenient);

    // 16 clients send wrong codes and start activations on one node; it is killed while they
    // are in flight.
    let kill_at = Instant::now() + Duration::from_millis(500);
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let origin = doomed.origin.clone();
            std::thread::spawn(move || {
                let mut counted = 0u64;
                loop {
                    let answer = if i % 2 == 0 {
                        try_post(&origin, "/v1/verify", &verify_body("mario", "000000"))
                    } else {
                        try_post(
                            &origin,
                            "/v1/activation/start",
                            &json!({"username": "mario", "password": PASSWORD,
                                    "client_nonce": "00".repeat(32)}),
                        )
                    };
                    match answer {
                        Some((401, _)) if i % 2 == 0 => counted += 1,
                        Some(_) => {}
                        None => return counted,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(kill_at - Instant::now());
    doomed.kill();
    let counted: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(counted > 0, "no wrong code was answered before the kill");

    // The survivor sees a consistent row at once: every answered failure counted, at most one
    // more per client (a request whose answer the kill cut off), and no row left locked by the
    // dead node's sessions.
    let mut issuer = store.open(config());
    let (failures, _, _) = credential_state(&mut issuer, "mario");
    let failures = u64::try_from(failures).unwrap();
    assert!(
        failures >= counted && failures <= counted + 8,
        "{failures} failures for {counted} answered wrong codes"
    );
    let started = Instant::now();
    let right = generator.totp(now_ms() / 1000, 30);
    let (status, body) = survivor.post("/v1/verify", &verify_body("mario", right.value.as_str()));
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(credential_state(&mut issuer, "mario").0, 0);
    // Every activation session the dead node started is whole: its activation exists and it
    // is waiting for its exchange.
    let broken = issuer
        .db()
        .query_one(
            "SELECT COUNT(*) FROM activation_sessions s
             LEFT JOIN activations a ON a.id = s.activation_id
             WHERE a.id IS NULL OR s.state <> 0",
            args![],
        )
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(broken, 0);
    // The survivor takes new work: another user enrols and verifies through it.
    let other = enrolled(&mut issuer, "lucia");
    let code = other.totp(now_ms() / 1000, 30);
    assert_eq!(
        survivor
            .post("/v1/verify", &verify_body("lucia", code.value.as_str()))
            .0,
        200
    );
}
