//! Activation with a 5-digit code: CPace against the draft's vectors, the whole protocol against
//! an honest and a malicious server (the server side run from the core's pure functions; the
//! issuer crate's tests run the real server), and the fixed-randomness vector that every
//! language replays (`tests/vectors/activation.json`; `OTPVAULT_REGENERATE=1` rewrites it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use curve25519_dalek::scalar::Scalar;
use otpvault_activation::{
    self as activation, Activated, ActivationClient, ActivationError, CredentialParams, Request,
    Step, cpace, hex_decode, hex_encode,
};
use otpvault_codes::{Algorithm, Clock, Format, Generator, ManualClock, Secret};
use otpvault_vault::{UnlockPolicy, Vault};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn unhex(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap();
    hex_decode(s, s.len() / 2).unwrap()
}

#[test]
fn cpace_matches_the_drafts_ristretto255_vectors() {
    let text = std::fs::read_to_string(vectors_dir().join("cpace-ristretto255.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let (prs, ci, sid) = (unhex(&v["PRS"]), unhex(&v["CI"]), unhex(&v["sid"]));
    assert_eq!(
        cpace::generator_string(&prs, &ci, &sid).as_slice(),
        unhex(&v["generator_string"])
    );
    let g = cpace::calculate_generator(&prs, &ci, &sid);
    assert_eq!(g.compress().to_bytes().to_vec(), unhex(&v["g"]));
    let scalar = |key: &str| Scalar::from_bytes_mod_order(unhex(&v[key]).try_into().unwrap());
    let ya = cpace::sample_scalar(unhex(&v["ya"]).try_into().unwrap());
    assert_eq!(*ya, scalar("ya"), "the vector's scalar survives sampling");
    let yb = cpace::sample_scalar(unhex(&v["yb"]).try_into().unwrap());
    let big_ya = cpace::scalar_mult(&ya, &g);
    let big_yb = cpace::scalar_mult(&yb, &g);
    assert_eq!(big_ya.to_vec(), unhex(&v["Ya"]));
    assert_eq!(big_yb.to_vec(), unhex(&v["Yb"]));
    let k_a = cpace::scalar_mult_vfy(&ya, &big_yb).unwrap();
    let k_b = cpace::scalar_mult_vfy(&yb, &big_ya).unwrap();
    assert_eq!(k_a.to_vec(), unhex(&v["K"]));
    assert_eq!(k_b.to_vec(), unhex(&v["K"]));
    let (ada, adb) = (unhex(&v["ADa"]), unhex(&v["ADb"]));
    let transcript = [
        cpace::lv_cat(&[&big_ya, &ada]),
        cpace::lv_cat(&[&big_yb, &adb]),
    ]
    .concat();
    assert_eq!(transcript, unhex(&v["transcript_ir"]));
    let isk = cpace::isk(&sid, k_a.as_slice(), &big_ya, &ada, &big_yb, &adb);
    assert_eq!(isk.to_vec(), unhex(&v["ISK_IR"]));

    let valid = &v["scalar_mult_valid"];
    let s = Scalar::from_bytes_mod_order(unhex(&valid["s"]).try_into().unwrap());
    assert_eq!(
        cpace::scalar_mult_vfy(&s, &unhex(&valid["X"]))
            .unwrap()
            .to_vec(),
        unhex(&valid["result"])
    );
    let invalid = &v["scalar_mult_vfy_invalid"];
    let s = Scalar::from_bytes_mod_order(unhex(&invalid["s"]).try_into().unwrap());
    for point in invalid["points"].as_array().unwrap() {
        assert!(cpace::scalar_mult_vfy(&s, &unhex(point)).is_none());
    }
    assert!(
        cpace::scalar_mult_vfy(&s, &[0u8; 31]).is_none(),
        "short encoding"
    );
}

/// A minimal honest issuer run from the core's pure server functions.
struct TestServer {
    origin: String,
    username: String,
    code: String,
    params: CredentialParams,
    seed: u8,
    clock: ManualClock,
    client_nonce: Vec<u8>,
    server_nonce: [u8; 16],
    keys: Option<activation::ServerKeys>,
}

impl TestServer {
    fn new(code: &str, clock: ManualClock) -> Self {
        Self {
            origin: "https://portal.example.org".into(),
            username: "mario.rossi".into(),
            code: code.into(),
            params: CredentialParams {
                id: "cred-1".into(),
                issuer: "Provincia".into(),
                account: "mario.rossi".into(),
                algorithm: Algorithm::Sha1,
                digits: 6,
                period: 30,
            },
            seed: 7,
            clock,
            client_nonce: Vec::new(),
            server_nonce: [0x5a; 16],
            keys: None,
        }
    }

    fn answer(&mut self, request: &Request) -> (u16, String) {
        let map = activation::parse_body(&request.body).unwrap();
        match request.path.as_str() {
            activation::START_PATH => {
                self.client_nonce =
                    activation::hex_field(&map, "client_nonce", 16, "nonce").unwrap();
                (
                    200,
                    activation::start_body(&self.server_nonce, &self.origin),
                )
            }
            activation::EXCHANGE_PATH => {
                let ya = activation::hex_field(&map, "ya", 32, "ya").unwrap();
                let (exchange, keys) = activation::server_exchange(
                    &self.origin,
                    &self.username,
                    self.code.as_bytes(),
                    &self.client_nonce,
                    &self.server_nonce,
                    &ya,
                    &self.params,
                    [self.seed; 32],
                )
                .unwrap();
                self.keys = Some(keys);
                (200, exchange.to_json(&self.params, 2))
            }
            activation::CONFIRM_PATH => {
                let ta = activation::hex_field(&map, "ta", 64, "ta").unwrap();
                let keys = self.keys.as_ref().unwrap();
                if !cpace::tag_matches(&keys.expected_ta, &ta) {
                    return (
                        401,
                        json!({"error": "wrong_code", "attempts_left": 2}).to_string(),
                    );
                }
                let now_ms = self.clock.wall_seconds() * 1000;
                (
                    200,
                    activation::finish_body(keys.finish_key.as_slice(), now_ms),
                )
            }
            _ => (404, "{}".into()),
        }
    }
}

/// Runs a whole activation; `tamper` may rewrite each answer before the client sees it.
fn run(
    client_clock: &ManualClock,
    server: &mut TestServer,
    origin: &str,
    code: &str,
    mut tamper: impl FnMut(&str, &mut u16, &mut String),
) -> Result<Activated, ActivationError> {
    let (mut client, mut request) = ActivationClient::new(
        origin,
        "mario.rossi",
        "portal password",
        code,
        Arc::new(client_clock.clone()),
    )?;
    loop {
        let (mut status, mut body) = server.answer(&request);
        tamper(&request.path, &mut status, &mut body);
        client_clock.advance_millis(40);
        match client.handle(status, &body)? {
            Step::Send(next) => request = next,
            Step::Done(done) => return Ok(done),
        }
    }
}

#[test]
fn a_slow_phone_is_corrected_and_its_first_code_verifies_at_offset_zero() {
    let server_clock = ManualClock::new(T0);
    let phone = ManualClock::new(T0 - 95);
    let mut server = TestServer::new("04217", server_clock.clone());
    let done = run(
        &phone,
        &mut server,
        "https://portal.example.org",
        "04217",
        |_, _, _| {},
    )
    .expect("honest activation");
    assert!(
        (94..=96).contains(&done.clock_offset),
        "{}",
        done.clock_offset
    );
    assert_eq!(done.credential_id, "cred-1");
    assert_eq!(done.token.issuer(), "Provincia");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let vault = Vault::create(
        &path,
        PIN,
        create_options(UnlockPolicy::FiveMinutes, &phone),
    )
    .unwrap();
    let p = pin(PIN);
    let info = vault.activate(Some(&p), done).unwrap();
    assert_eq!(vault.time_offset(Some(&p)).unwrap(), 95);
    // The phone's code (its own clock plus the correction) is the server's current code.
    let phone_code = vault.code(Some(&p), info.id, phone.wall_seconds()).unwrap();
    let keys = server.keys.as_ref().unwrap();
    let secret = Secret::from_bytes(keys.secret.to_vec()).unwrap();
    let generator = Generator::new(&secret, Algorithm::Sha1, Format::Decimal(6)).unwrap();
    let server_code = generator.totp(server_clock.wall_seconds(), 30);
    assert_eq!(phone_code.value.as_str(), server_code.value.as_str());
}

#[test]
fn a_server_without_the_code_gets_nothing_stored() {
    let clock = ManualClock::new(T0);
    type Tamper = Box<dyn FnMut(&str, &mut u16, &mut String)>;
    let rewrite = |path: &'static str, f: fn(&mut Value)| -> Tamper {
        Box::new(move |p: &str, _: &mut u16, body: &mut String| {
            if p == path {
                let mut v: Value = serde_json::from_str(body).unwrap();
                f(&mut v);
                *body = v.to_string();
            }
        })
    };
    let identity = hex_encode(&[0u8; 32]);
    let cases: Vec<(&str, &str, &str, Tamper, ActivationError)> = vec![
        (
            "wrong code",
            "https://portal.example.org",
            "11111",
            Box::new(|_: &str, _: &mut u16, _: &mut String| {}),
            ActivationError::WrongCode { attempts_left: 2 },
        ),
        (
            // The server says which origin it is configured with: stopped before the exchange.
            "another origin",
            "https://portal.example.org.evil.test",
            "04217",
            Box::new(|_: &str, _: &mut u16, _: &mut String| {}),
            ActivationError::OriginMismatch {
                server_origin: "https://portal.example.org".into(),
            },
        ),
        (
            // A relaying portal that hides it still fails: the origin is bound into CPace.
            "another origin, hidden by a relay",
            "https://portal.example.org.evil.test",
            "04217",
            rewrite(activation::START_PATH, |v| {
                v.as_object_mut().unwrap().remove("origin");
            }),
            ActivationError::WrongCode { attempts_left: 2 },
        ),
        (
            "tampered digits",
            "https://portal.example.org",
            "04217",
            rewrite(activation::EXCHANGE_PATH, |v| {
                v["credential"]["digits"] = json!(8)
            }),
            ActivationError::WrongCode { attempts_left: 2 },
        ),
        (
            "tampered issuer",
            "https://portal.example.org",
            "04217",
            rewrite(activation::EXCHANGE_PATH, |v| {
                v["credential"]["issuer"] = json!("Evil")
            }),
            ActivationError::WrongCode { attempts_left: 2 },
        ),
        (
            "identity point",
            "https://portal.example.org",
            "04217",
            Box::new(move |p: &str, _: &mut u16, body: &mut String| {
                if p == activation::EXCHANGE_PATH {
                    let mut v: Value = serde_json::from_str(body).unwrap();
                    v["yb"] = json!(identity.clone());
                    *body = v.to_string();
                }
            }),
            ActivationError::ServerNotAuthenticated {
                reason: "its share is not a valid group element",
            },
        ),
        (
            "invalid point",
            "https://portal.example.org",
            "04217",
            rewrite(activation::EXCHANGE_PATH, |v| {
                v["yb"] = json!("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c")
            }),
            ActivationError::ServerNotAuthenticated {
                reason: "its share is not a valid group element",
            },
        ),
        (
            "tampered server time",
            "https://portal.example.org",
            "04217",
            rewrite(activation::CONFIRM_PATH, |v| {
                v["server_time_ms"] = json!(v["server_time_ms"].as_u64().unwrap() + 3_600_000)
            }),
            ActivationError::ServerNotAuthenticated {
                reason: "the tag over its time does not verify",
            },
        ),
        (
            "digits out of range",
            "https://portal.example.org",
            "04217",
            rewrite(activation::EXCHANGE_PATH, |v| {
                v["credential"]["digits"] = json!(300)
            }),
            ActivationError::Malformed { what: "digits" },
        ),
    ];
    for (name, origin, code, tamper, expected) in cases {
        let mut server = TestServer::new("04217", clock.clone());
        let mut sent_confirm = false;
        let mut tamper = tamper;
        let result = run(&clock, &mut server, origin, code, |path, status, body| {
            sent_confirm |= path == activation::CONFIRM_PATH;
            tamper(path, status, body)
        });
        assert_eq!(result.unwrap_err(), expected, "{name}");
        if !name.contains("time") {
            assert!(!sent_confirm, "{name}: the client sent its confirmation");
        }
    }
}

#[test]
fn a_slow_final_round_trip_or_an_absurd_server_time_stores_nothing() {
    // More than 5 s between sending the confirmation and its answer: no usable offset.
    let clock = ManualClock::new(T0);
    let mut server = TestServer::new("04217", clock.clone());
    let result = run(
        &clock,
        &mut server,
        "https://portal.example.org",
        "04217",
        |path, _, _| {
            if path == activation::CONFIRM_PATH {
                clock.advance_millis(6_000);
            }
        },
    );
    assert_eq!(
        result.unwrap_err(),
        ActivationError::ClockUnreliable {
            round_trip_millis: 6_040
        }
    );
    // A server two days ahead (its time correctly tagged): refused.
    let phone = ManualClock::new(T0 - 2 * 86_400);
    let mut server = TestServer::new("04217", ManualClock::new(T0));
    let result = run(
        &phone,
        &mut server,
        "https://portal.example.org",
        "04217",
        |_, _, _| {},
    );
    assert!(matches!(
        result.unwrap_err(),
        ActivationError::ClockOffsetAbsurd { .. }
    ));
}

#[test]
fn errors_end_the_activation_and_statuses_map_to_typed_errors() {
    let clock = Arc::new(ManualClock::new(T0));
    let statuses = [
        (
            401,
            json!({"error": "wrong_code", "attempts_left": 1}),
            ActivationError::WrongCode { attempts_left: 1 },
        ),
        (410, json!({"error": "expired"}), ActivationError::Expired),
        (410, json!({"error": "burned"}), ActivationError::Burned),
        (409, json!({"error": "used"}), ActivationError::AlreadyUsed),
        (
            429,
            json!({"error": "rate_limited", "retry_after": 30}),
            ActivationError::RateLimited {
                retry_after_seconds: 30,
            },
        ),
        (500, json!({}), ActivationError::ServerError { status: 500 }),
    ];
    for (status, body, expected) in statuses {
        let (mut client, _) =
            ActivationClient::new("https://p.example", "u", "pw", "12345", clock.clone()).unwrap();
        assert_eq!(
            client.handle(status, &body.to_string()).unwrap_err(),
            expected
        );
        assert_eq!(
            client.handle(200, "{}").unwrap_err(),
            ActivationError::Finished
        );
    }
    let (mut client, _) =
        ActivationClient::new("https://p.example", "u", "pw", "12345", clock.clone()).unwrap();
    let huge = format!("{{\"session\":\"{}\"}}", "0".repeat(activation::MAX_BODY));
    assert!(matches!(
        client.handle(200, &huge),
        Err(ActivationError::Malformed { .. })
    ));
    for bad in ["123", "12a45", "", "12345678901"] {
        assert!(matches!(
            ActivationClient::new("https://p.example", "u", "pw", bad, clock.clone()),
            Err(ActivationError::InvalidInput { .. })
        ));
    }
}

/// The fixed-randomness vector: the client with a seed, an honest server with fixed nonces,
/// fixed clocks (the phone 95 s slow). Every language's binding test replays it.
#[test]
fn the_fixed_randomness_vector_is_reproduced() {
    let phone = ManualClock::new(T0 - 95);
    let server_clock = ManualClock::new(T0);
    let mut server = TestServer::new("04217", server_clock);
    let (mut client, mut request) = ActivationClient::new_deterministic(
        &server.origin.clone(),
        "mario.rossi",
        "portal password",
        "04217",
        Arc::new(phone.clone()),
        b"otpvault activation vector v1",
    )
    .unwrap();
    let mut steps = Vec::new();
    let done = loop {
        let (status, body) = server.answer(&request);
        steps.push(json!({
            "request": {"path": request.path, "body": request.body},
            "response": {"status": status, "body": body},
        }));
        match client.handle(status, &body).unwrap() {
            Step::Send(next) => request = next,
            Step::Done(done) => break done,
        }
    };
    let token = &done.token;
    let at = T0 - 95;
    let p = pin(PIN);
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::create(
        &dir.path().join("v.db"),
        PIN,
        create_options(UnlockPolicy::FiveMinutes, &phone),
    )
    .unwrap();
    let info = vault.activate(Some(&p), done.clone()).unwrap();
    let code = vault.code(Some(&p), info.id, at).unwrap().value.to_string();
    let vector = json!({
        "description": "otpvault-activation/v1 with fixed randomness: replay the responses into a client made with new_deterministic(seed) and a clock at device_wall_seconds (monotonic constant); every request must equal the recorded one (as JSON), and the result must be the credential below, with the vault's code at device_wall_seconds equal to code_at_device_time.",
        "origin": server.origin,
        "username": "mario.rossi",
        "password": "portal password",
        "code": "04217",
        "seed_utf8": "otpvault activation vector v1",
        "device_wall_seconds": at,
        "steps": steps,
        "result": {
            "credential_id": done.credential_id,
            "issuer": token.issuer(),
            "account": token.account(),
            "algorithm": "SHA1",
            "digits": 6,
            "period": 30,
            "clock_offset": done.clock_offset,
            "code_at_device_time": code,
        },
    });
    let path = vectors_dir().join("activation.json");
    let text = serde_json::to_string_pretty(&vector).unwrap() + "\n";
    if std::env::var_os("OTPVAULT_REGENERATE").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        stored, vector,
        "tests/vectors/activation.json is stale (OTPVAULT_REGENERATE=1)"
    );
    assert_eq!(done.clock_offset, 95);
}
