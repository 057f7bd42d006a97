//! The issuer against the core's activation client, in process and over loopback HTTP: the
//! activation rules (300 s, 3 attempts, single use, no user enumeration), malicious client
//! messages, and the verifier (window, replay, concurrency, lockout).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use otpvault_core::activation::{ActivationClient, ActivationError, Step, hex_encode};
use otpvault_core::{Clock, Generator, ManualClock};
use otpvault_issuer::activation::StepError;
use otpvault_issuer::args;
use otpvault_issuer::db::Sql;
use otpvault_issuer::verifier::{Confirmation, Verdict};
use otpvault_issuer::{Config, Issuer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use support::{ORIGIN, Store, config};

mod support;

const T0_MS: u64 = 1_700_000_000_000;

fn setup(store: &Store) -> Issuer {
    let mut issuer = store.open(config());
    issuer.add_user("mario", "portal password", T0_MS).unwrap();
    issuer
}

/// Runs an activation against the issuer in process; the phone's clock is `phone`, the server's
/// time `server_ms` (advanced by `step_ms` between requests). Every body is logged.
fn activate(
    issuer: &mut Issuer,
    user: &str,
    password: &str,
    code: &str,
    phone: &ManualClock,
    server_ms: &mut u64,
    log: &mut Vec<String>,
) -> Result<otpvault_core::activation::Activated, ActivationError> {
    let (mut client, mut request) =
        ActivationClient::new(ORIGIN, user, password, code, Arc::new(phone.clone()))?;
    loop {
        log.push(request.body.clone());
        let answer =
            otpvault_issuer::http::route(issuer, "POST", &request.path, &request.body, *server_ms);
        log.push(answer.body.clone());
        *server_ms += 50;
        phone.advance_millis(50);
        match client.handle(answer.status, &answer.body)? {
            Step::Send(next) => request = next,
            Step::Done(done) => return Ok(done),
        }
    }
}

fn a_95_s_slow_phone_activates_and_its_first_code_verifies_at_drift_zero(store: &Store) {
    let mut issuer = setup(store);
    let (code, _) = issuer.create_activation("mario", None, T0_MS).unwrap();
    assert_eq!(code.len(), 5);
    let phone = ManualClock::new(T0_MS / 1000 - 95);
    let mut now = T0_MS + 1_000;
    let mut log = Vec::new();
    let done = activate(
        &mut issuer,
        "mario",
        "portal password",
        &code,
        &phone,
        &mut now,
        &mut log,
    )
    .unwrap();
    assert!(
        (94..=96).contains(&done.clock_offset),
        "{}",
        done.clock_offset
    );
    let corrected = phone
        .wall_seconds()
        .checked_add_signed(done.clock_offset)
        .unwrap();
    let phone_code = done.token.code_at(corrected);
    assert_eq!(
        issuer.verify("mario", &phone_code, now).unwrap(),
        Verdict::Accepted {
            step: now / 1000 / 30,
            drift_steps: 0
        }
    );
    // Neither the secret (hex or base32) nor an otpauth URI ever crossed the wire.
    let stored = issuer
        .db()
        .query_one("SELECT secret FROM credentials", args![])
        .unwrap()
        .blob(0)
        .unwrap();
    let hex = hex_encode(&stored);
    let base32 = otpvault_core::secret::encode_base32(&stored);
    for body in &log {
        assert!(!body.contains(&hex) && !body.contains(base32.as_str()));
        assert!(!body.to_ascii_lowercase().contains("otpauth"));
    }
    // Single use: the same code again runs against a decoy and fails.
    let phone = ManualClock::new(T0_MS / 1000);
    let again = activate(
        &mut issuer,
        "mario",
        "portal password",
        &code,
        &phone,
        &mut now,
        &mut Vec::new(),
    );
    assert!(
        matches!(again, Err(ActivationError::WrongCode { .. })),
        "{again:?}"
    );
}

fn three_wrong_codes_burn_the_activation_and_the_right_one_then_fails(store: &Store) {
    let mut issuer = setup(store);
    let (code, _) = issuer.create_activation("mario", None, T0_MS).unwrap();
    let wrong = if code.as_str() == "00000" {
        "11111"
    } else {
        "00000"
    };
    let phone = ManualClock::new(T0_MS / 1000);
    let mut now = T0_MS;
    for left in [2, 1, 0] {
        let result = activate(
            &mut issuer,
            "mario",
            "portal password",
            wrong,
            &phone,
            &mut now,
            &mut Vec::new(),
        );
        assert_eq!(
            result.unwrap_err(),
            ActivationError::WrongCode {
                attempts_left: left
            }
        );
    }
    let result = activate(
        &mut issuer,
        "mario",
        "portal password",
        &code,
        &phone,
        &mut now,
        &mut Vec::new(),
    );
    assert_eq!(result.unwrap_err(), ActivationError::Burned);
}

fn a_code_works_at_299_s_and_not_at_301_s(store: &Store) {
    let mut issuer = setup(store);
    for (age, expired) in [(299_000, false), (301_000, true)] {
        let (code, _) = issuer.create_activation("mario", None, T0_MS).unwrap();
        let phone = ManualClock::new(T0_MS / 1000);
        // The three requests start at `age` and take 50 ms each.
        let mut now = T0_MS + age;
        let result = activate(
            &mut issuer,
            "mario",
            "portal password",
            &code,
            &phone,
            &mut now,
            &mut Vec::new(),
        );
        if expired {
            assert_eq!(result.unwrap_err(), ActivationError::Expired);
        } else {
            assert!(result.is_ok(), "{result:?}");
        }
    }
}

fn unknown_users_and_wrong_passwords_look_like_wrong_codes(store: &Store) {
    let mut issuer = setup(store);
    let (code, _) = issuer.create_activation("mario", None, T0_MS).unwrap();
    let phone = ManualClock::new(T0_MS / 1000);
    let mut now = T0_MS;
    let mut shapes = Vec::new();
    for (user, password) in [("nobody", "portal password"), ("mario", "wrong password")] {
        let mut log = Vec::new();
        let result = activate(
            &mut issuer,
            user,
            password,
            &code,
            &phone,
            &mut now,
            &mut log,
        );
        assert_eq!(
            result.unwrap_err(),
            ActivationError::WrongCode { attempts_left: 2 }
        );
        let exchange: Value = serde_json::from_str(&log[3]).unwrap();
        let mut keys: Vec<_> = exchange.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        shapes.push(keys);
    }
    assert_eq!(shapes[0], shapes[1]);
    // The real activation was not touched by the wrong password.
    let result = activate(
        &mut issuer,
        "mario",
        "portal password",
        &code,
        &phone,
        &mut now,
        &mut Vec::new(),
    );
    assert!(result.is_ok(), "{result:?}");
}

fn malicious_client_messages_are_refused_without_harm(store: &Store) {
    let mut issuer = setup(store);
    let (code, _) = issuer.create_activation("mario", None, T0_MS).unwrap();
    let start = json!({"username": "mario", "password": "portal password",
                       "client_nonce": "00112233445566778899aabbccddeeff"})
    .to_string();
    let session = |issuer: &mut Issuer| -> String {
        let body = issuer.activation_start(&start, T0_MS).unwrap();
        serde_json::from_str::<Value>(&body).unwrap()["session"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let s = session(&mut issuer);
    let bad_bodies = [
        String::new(),
        "null".into(),
        "[]".into(),
        "{\"session\": 5}".into(),
        json!({"session": s, "ya": "zz"}).to_string(),
        json!({"session": s, "ya": "00".repeat(33)}).to_string(),
        "{".repeat(100_000),
        format!("{{\"session\":\"{}\"}}", "a".repeat(40_000)),
    ];
    for body in &bad_bodies {
        for step in [
            Issuer::activation_start,
            Issuer::activation_exchange,
            Issuer::activation_confirm,
        ] {
            assert!(matches!(
                step(&mut issuer, body, T0_MS),
                Err(StepError::Malformed(_))
            ));
        }
    }
    // Identity and invalid points: refused, and the attempt counted.
    for point in [
        "00".repeat(32),
        "2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c".into(),
    ] {
        let s = session(&mut issuer);
        let body = json!({"session": s, "ya": point}).to_string();
        assert!(matches!(
            issuer.activation_exchange(&body, T0_MS),
            Err(StepError::Malformed(_))
        ));
        // A second exchange on the same session is refused.
        assert_eq!(
            issuer.activation_exchange(&body, T0_MS),
            Err(StepError::Used)
        );
    }
    // Confirm before exchange, an unknown session, a wrong tag.
    let s = session(&mut issuer);
    let confirm = json!({"session": s, "ta": "00".repeat(64)}).to_string();
    assert!(matches!(
        issuer.activation_confirm(&confirm, T0_MS),
        Err(StepError::Malformed(_))
    ));
    let unknown = json!({"session": "ff".repeat(16), "ta": "00".repeat(64)}).to_string();
    assert_eq!(
        issuer.activation_confirm(&unknown, T0_MS),
        Err(StepError::UnknownSession)
    );
    // Two malformed exchanges spent two attempts; the third burns the code.
    let phone = ManualClock::new(T0_MS / 1000);
    let mut now = T0_MS;
    let wrong = if code.as_str() == "00000" {
        "11111"
    } else {
        "00000"
    };
    let result = activate(
        &mut issuer,
        "mario",
        "portal password",
        wrong,
        &phone,
        &mut now,
        &mut Vec::new(),
    );
    assert_eq!(
        result.unwrap_err(),
        ActivationError::WrongCode { attempts_left: 0 }
    );
    let result = activate(
        &mut issuer,
        "mario",
        "portal password",
        &code,
        &phone,
        &mut now,
        &mut Vec::new(),
    );
    assert_eq!(result.unwrap_err(), ActivationError::Burned);
}

fn enrolled(issuer: &mut Issuer) -> Generator {
    let uri = issuer.enrol("mario", T0_MS).unwrap();
    let token = otpvault_core::uri::parse(&uri).unwrap();
    let generator = token.generator();
    let code = generator.totp(T0_MS / 1000, 30);
    assert_eq!(
        issuer.verify("mario", code.value.as_str(), T0_MS).unwrap(),
        Verdict::NoCredential,
        "a pending credential verifies nothing"
    );
    match issuer
        .confirm_enrolment("mario", code.value.as_str(), T0_MS)
        .unwrap()
    {
        Confirmation::Confirmed { api_key } => {
            assert!(api_key.starts_with("ovk_"));
            assert!(issuer.check_api_key("mario", &api_key).unwrap());
            assert!(!issuer.check_api_key("mario", "ovk_0").unwrap());
        }
        other => panic!("{other:?}"),
    }
    generator
}

fn the_verifier_takes_one_step_either_side_and_never_a_replay(store: &Store) {
    let mut issuer = setup(store);
    let generator = enrolled(&mut issuer);
    let code = |unix: u64| generator.totp(unix, 30).value.to_string();
    let base = T0_MS / 1000 + 3_000;
    let now = base * 1000;
    assert!(
        matches!(
            issuer.verify("mario", &code(base - 60), now).unwrap(),
            Verdict::Wrong { .. }
        ),
        "-2"
    );
    assert!(
        matches!(
            issuer.verify("mario", &code(base + 60), now).unwrap(),
            Verdict::Wrong { .. }
        ),
        "+2"
    );
    assert!(matches!(
        issuer.verify("mario", &code(base - 30), now).unwrap(),
        Verdict::Accepted {
            drift_steps: -1,
            ..
        }
    ));
    assert!(matches!(
        issuer.verify("mario", &code(base + 30), now).unwrap(),
        Verdict::Accepted { drift_steps: 1, .. }
    ));
    // After a +1 the window reaches +2 (the side of the drift), not -2.
    let next = now + 60_000;
    assert!(matches!(
        issuer.verify("mario", &code(base + 120), next).unwrap(),
        Verdict::Accepted { drift_steps: 2, .. }
    ));
    // The same code twice, and an older step after a newer one.
    assert_eq!(
        issuer.verify("mario", &code(base + 30), now).unwrap(),
        Verdict::Replayed
    );
    let later = now + 60_000;
    assert_eq!(
        issuer.verify("mario", &code(base + 30), later).unwrap(),
        Verdict::Replayed
    );
}

fn of_many_concurrent_identical_submissions_exactly_one_is_accepted(store: &Store) {
    let mut issuer = setup(store);
    let generator = enrolled(&mut issuer);
    let now = T0_MS + 600_000;
    let code = generator.totp(now / 1000, 30).value.to_string();
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (target, code, barrier) = (store.target.clone(), code.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut issuer = Issuer::connect(&target, config()).unwrap();
                barrier.wait();
                issuer.verify("mario", &code, now).unwrap()
            })
        })
        .collect();
    let verdicts: Vec<Verdict> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let accepted = verdicts
        .iter()
        .filter(|v| matches!(v, Verdict::Accepted { .. }))
        .count();
    assert_eq!(accepted, 1, "{verdicts:?}");
    assert!(
        verdicts
            .iter()
            .all(|v| matches!(v, Verdict::Accepted { .. } | Verdict::Replayed))
    );
}

fn repeated_failures_lock_out_with_a_retry_after(store: &Store) {
    let mut issuer = setup(store);
    let generator = enrolled(&mut issuer);
    let now = T0_MS + 900_000;
    let right = generator.totp(now / 1000, 30).value.to_string();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for n in 1..5 {
        assert_eq!(
            issuer.verify("mario", wrong, now).unwrap(),
            Verdict::Wrong {
                failures: n,
                locked_for_ms: None
            }
        );
    }
    assert_eq!(
        issuer.verify("mario", wrong, now).unwrap(),
        Verdict::Wrong {
            failures: 5,
            locked_for_ms: Some(30_000)
        }
    );
    // Even the right code is refused while locked, with the time left.
    assert_eq!(
        issuer.verify("mario", &right, now + 10_000).unwrap(),
        Verdict::LockedOut {
            retry_after_ms: 20_000
        }
    );
    let answer = otpvault_issuer::http::verdict_answer(&Verdict::LockedOut {
        retry_after_ms: 20_000,
    });
    assert_eq!((answer.status, answer.retry_after), (429, Some(20)));
    // The next failure doubles it; a right code after it resets the counter.
    let after = now + 31_000;
    assert_eq!(
        issuer.verify("mario", wrong, after).unwrap(),
        Verdict::Wrong {
            failures: 6,
            locked_for_ms: Some(60_000)
        }
    );
    let later = after + 61_000;
    let code = generator.totp(later / 1000, 30).value.to_string();
    assert!(matches!(
        issuer.verify("mario", &code, later).unwrap(),
        Verdict::Accepted { .. }
    ));
    assert!(matches!(
        issuer.verify("mario", wrong, later).unwrap(),
        Verdict::Wrong { failures: 1, .. }
    ));
}

fn replays_do_not_count_towards_a_lockout(store: &Store) {
    // 31 replays of an accepted code, then one wrong code: no lockout (a replay is no guess at
    // the secret, and must not be a lever to lock the user out).
    let mut issuer = setup(store);
    let generator = enrolled(&mut issuer);
    let now = T0_MS + 1_500_000;
    let code = generator.totp(now / 1000, 30).value.to_string();
    assert!(matches!(
        issuer.verify("mario", &code, now).unwrap(),
        Verdict::Accepted { .. }
    ));
    for _ in 0..31 {
        assert_eq!(
            issuer.verify("mario", &code, now).unwrap(),
            Verdict::Replayed
        );
    }
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        issuer.verify("mario", wrong, now).unwrap(),
        Verdict::Wrong {
            failures: 1,
            locked_for_ms: None
        }
    );
}

fn a_version_1_database_migrates_forward_with_its_data(store: &Store) {
    // A database as release 1 of the schema left it: a user with an active credential.
    let mut old = otpvault_issuer::db::Db::connect(&store.target).unwrap();
    otpvault_issuer::store::migrate_to(&mut old, 1).unwrap();
    assert_eq!(otpvault_issuer::store::version(&mut old).unwrap(), 1);
    old.execute(
        "INSERT INTO users (name, password_hash, created_ms) VALUES ('mario', 'x', 1)",
        args![],
    )
    .unwrap();
    old.execute(
        "INSERT INTO credentials (id, user_id, secret, algorithm, digits, period, status, source,
         created_ms) SELECT 'c1', id, ?1, 'SHA1', 6, 30, 'active', 'enrolment', 1 FROM users",
        args![b"12345678901234567890".as_slice()],
    )
    .unwrap();
    drop(old);
    // Opened by this release: migrated, the credential verifies.
    let mut issuer = store.open(config());
    assert_eq!(
        otpvault_issuer::store::version(issuer.db()).unwrap(),
        otpvault_issuer::store::SCHEMA_VERSION
    );
    let now = T0_MS + 2_000_000;
    let secret = otpvault_core::Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
    let generator = Generator::new(
        &secret,
        otpvault_core::Algorithm::Sha1,
        otpvault_core::Format::Decimal(6),
    )
    .unwrap();
    let code = generator.totp(now / 1000, 30).value.to_string();
    assert!(matches!(
        issuer.verify("mario", &code, now).unwrap(),
        Verdict::Accepted { .. }
    ));
    // Migration 2's rule: a second active credential for the user is refused by the database.
    assert!(
        issuer
            .db()
            .execute(
                "INSERT INTO credentials (id, user_id, secret, algorithm, digits, period, status,
                 source, created_ms) SELECT 'c2', id, ?1, 'SHA1', 6, 30, 'active', 'enrolment', 2
                 FROM users",
                args![b"x".as_slice()],
            )
            .is_err()
    );
}

fn nodes_starting_together_migrate_once(store: &Store) {
    // Eight connections open a fresh database at the same moment (nodes of a portal started
    // together): each one succeeds and the schema is built once.
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (target, barrier) = (store.target.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                Issuer::connect(&target, config()).map(drop)
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    let mut issuer = setup(store);
    assert_eq!(
        otpvault_issuer::store::version(issuer.db()).unwrap(),
        otpvault_issuer::store::SCHEMA_VERSION
    );
}

fn concurrent_wrong_codes_get_no_more_answers_than_the_limit(store: &Store) {
    // 32 wrong codes at once from 32 connections: each is counted once, exactly `max_failures`
    // (5) are answered "wrong" and the others "locked out", which tells nothing about the code.
    let mut issuer = setup(store);
    let _ = enrolled(&mut issuer);
    let now = T0_MS + 2_400_000;
    let barrier = Arc::new(std::sync::Barrier::new(32));
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let (target, barrier) = (store.target.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut issuer = Issuer::connect(&target, config()).unwrap();
                barrier.wait();
                issuer
                    .verify("mario", &format!("{:06}", 900_000 + i), now)
                    .unwrap()
            })
        })
        .collect();
    let verdicts: Vec<Verdict> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut counts: Vec<u32> = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::Wrong { failures, .. } => Some(*failures),
            _ => None,
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2, 3, 4, 5], "{verdicts:?}");
    assert_eq!(
        verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::LockedOut { .. }))
            .count(),
        27
    );
}

fn a_wrong_code_is_counted_before_it_is_answered(store: &Store) {
    // The failure is committed before the verdict is returned: another connection sees it as
    // soon as the answer exists.
    let mut issuer = setup(store);
    let _ = enrolled(&mut issuer);
    let now = T0_MS + 1_200_000;
    issuer.verify("mario", "000000", now).unwrap();
    let mut other = store.open(config());
    let failures = other
        .db()
        .query_one(
            "SELECT failures FROM credentials WHERE status = 'active'",
            args![],
        )
        .unwrap()
        .int(0)
        .unwrap();
    assert!(failures >= 1);
}

fn a_newer_schema_is_refused_and_reopening_keeps_the_data(store: &Store) {
    let issuer = setup(store);
    drop(issuer);
    let mut again = store.open(config());
    assert_eq!(
        otpvault_issuer::store::version(again.db()).unwrap(),
        otpvault_issuer::store::SCHEMA_VERSION
    );
    assert!(matches!(
        again.add_user("mario", "x", T0_MS),
        Err(otpvault_issuer::IssuerError::UserExists)
    ));
    let newer = match again.db().engine() {
        "sqlite" => "PRAGMA user_version = 99",
        _ => "UPDATE otpvault_schema SET version = 99",
    };
    again.db().execute(newer, args![]).unwrap();
    drop(again);
    assert!(matches!(
        Issuer::connect(&store.target, config()),
        Err(otpvault_issuer::IssuerError::TooNew(99))
    ));
}

/// Over real HTTP on loopback: statuses, headers and size limits; every body captured.
fn the_http_api_answers_with_the_documented_statuses(store: &Store) {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let server = {
        let (db, stop) = (store.target.clone(), stop.clone());
        let config = Config {
            origin: String::new(),
            ..config()
        };
        std::thread::spawn(move || {
            otpvault_issuer::http::serve(&db, &config, "127.0.0.1:0", stop, |a| tx.send(a).unwrap())
                .unwrap()
        })
    };
    let origin = format!("http://{}", rx.recv().unwrap());
    let mut issuer = Issuer::connect(
        &store.target,
        Config {
            origin: origin.clone(),
            ..config()
        },
    )
    .unwrap();
    let puk = issuer
        .add_user("mario", "portal password", otpvault_issuer::now_ms())
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut captured = Vec::new();
    let mut post = |path: &str, body: &str| -> (u16, String, Option<String>) {
        let mut response = agent.post(format!("{origin}{path}")).send(body).unwrap();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.body_mut().read_to_string().unwrap();
        captured.push(body.to_owned());
        captured.push(text.clone());
        (status, text, retry)
    };
    // A first credential needs the PUK besides the password.
    let (status, body, _) = post(
        "/v1/portal/activation",
        &json!({"username": "mario", "password": "portal password"}).to_string(),
    );
    assert_eq!(
        (status, body.as_str()),
        (403, r#"{"error":"puk_required"}"#)
    );
    let (status, body, _) = post(
        "/v1/portal/activation",
        &json!({"username": "mario", "password": "portal password", "puk": puk.as_str()})
            .to_string(),
    );
    assert_eq!(status, 200);
    let code = serde_json::from_str::<Value>(&body).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(
            "/v1/portal/activation",
            &json!({"username": "mario", "password": "nope"}).to_string()
        )
        .0,
        401
    );
    // A whole activation over HTTP.
    let (mut client, mut request) = ActivationClient::new(
        &origin,
        "mario",
        "portal password",
        &code,
        Arc::new(otpvault_core::SystemClock::new()),
    )
    .unwrap();
    let done = loop {
        let (status, body, _) = post(&request.path, &request.body);
        match client.handle(status, &body).unwrap() {
            Step::Send(next) => request = next,
            Step::Done(done) => break done,
        }
    };
    assert!(done.clock_offset.abs() <= 1);
    // Verify: accepted, replayed (409), wrong (401), locked (429 + Retry-After).
    let now = otpvault_core::SystemClock::new().wall_seconds();
    let code = done.token.code_at(now);
    let verify = |code: &str| {
        json!({"username": "mario", "password": "portal password", "code": code}).to_string()
    };
    assert_eq!(post("/v1/verify", &verify(&code)).0, 200);
    assert_eq!(post("/v1/verify", &verify(&code)).0, 409);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // The replay is no failure; 5 wrong codes reach the lockout, which then answers 429.
    for _ in 0..5 {
        assert_eq!(post("/v1/verify", &verify(wrong)).0, 401);
    }
    let (status, _, retry) = post("/v1/verify", &verify(wrong));
    assert_eq!(status, 429);
    assert!(retry.unwrap().parse::<u64>().unwrap() > 0);
    // Sizes, paths, methods.
    assert_eq!(post("/v1/verify", &"x".repeat(20_000)).0, 413);
    assert_eq!(post("/v1/nothing", "{}").0, 404);
    assert_eq!(post("/v1/activation/exchange", "{}").0, 400);
    let get = agent.get(format!("{origin}/v1/verify")).call().unwrap();
    assert_eq!(get.status().as_u16(), 405);
    // The secret never crossed the wire.
    let stored = issuer
        .db()
        .query_one(
            "SELECT secret FROM credentials WHERE status = 'active'",
            args![],
        )
        .unwrap()
        .blob(0)
        .unwrap();
    let hex = hex_encode(&stored);
    let base32 = otpvault_core::secret::encode_base32(&stored);
    for body in &captured {
        assert!(!body.contains(&hex) && !body.contains(base32.as_str()));
        assert!(!body.to_ascii_lowercase().contains("otpauth"));
    }
    stop.store(true, Ordering::SeqCst);
    server.join().unwrap();
}

on_both_engines![
    a_95_s_slow_phone_activates_and_its_first_code_verifies_at_drift_zero,
    three_wrong_codes_burn_the_activation_and_the_right_one_then_fails,
    a_code_works_at_299_s_and_not_at_301_s,
    unknown_users_and_wrong_passwords_look_like_wrong_codes,
    malicious_client_messages_are_refused_without_harm,
    the_verifier_takes_one_step_either_side_and_never_a_replay,
    of_many_concurrent_identical_submissions_exactly_one_is_accepted,
    repeated_failures_lock_out_with_a_retry_after,
    replays_do_not_count_towards_a_lockout,
    a_version_1_database_migrates_forward_with_its_data,
    nodes_starting_together_migrate_once,
    a_wrong_code_is_counted_before_it_is_answered,
    concurrent_wrong_codes_get_no_more_answers_than_the_limit,
    a_newer_schema_is_refused_and_reopening_keeps_the_data,
    the_http_api_answers_with_the_documented_statuses,
];
