//! The portal's account rules under attack, on both engines: a password alone takes over
//! nothing, PUK and password guessing are limited, a burned decoy tells nothing, chosen
//! activation codes are not the first guesses, API keys are shown, checked and regenerated as
//! CARGOS does, and codes that are not codes count nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use otpvault_core::activation::{ActivationClient, ActivationError, Step};
use otpvault_core::{Generator, ManualClock};
use otpvault_issuer::db::Sql;
use otpvault_issuer::http::{Answer, route, route_with_bearer};
use otpvault_issuer::{Config, Issuer, args};
use serde_json::{Value, json};
use std::sync::Arc;
use support::{ORIGIN, Store, config};

mod support;

const T0_MS: u64 = 1_700_000_000_000;
const PASSWORD: &str = "portal password";

fn post(issuer: &mut Issuer, path: &str, body: &Value, now: u64) -> (u16, Value) {
    let answer: Answer = route(issuer, "POST", path, &body.to_string(), now);
    (answer.status, serde_json::from_str(&answer.body).unwrap())
}

/// mario with a confirmed credential (through the portal: password + PUK, then the first code);
/// the generator and the API key.
fn enrolled(issuer: &mut Issuer, now: u64) -> (Generator, String) {
    let puk = issuer.add_user("mario", PASSWORD, now).unwrap();
    let (status, body) = post(
        issuer,
        "/v1/portal/enrol",
        &json!({"username": "mario", "password": PASSWORD, "puk": puk.as_str()}),
        now,
    );
    assert_eq!(status, 200, "{body}");
    let generator = otpvault_core::uri::parse(body["uri"].as_str().unwrap())
        .unwrap()
        .generator();
    let code = generator.totp(now / 1000, 30).value.to_string();
    let (status, body) = post(
        issuer,
        "/v1/portal/confirm",
        &json!({"username": "mario", "password": PASSWORD, "code": code}),
        now,
    );
    assert_eq!(status, 200, "{body}");
    (generator, body["api_key"].as_str().unwrap().to_owned())
}

fn a_password_alone_takes_over_nothing(store: &Store) {
    let mut issuer = store.open(config());
    let (generator, _) = enrolled(&mut issuer, T0_MS);
    let now = T0_MS + 120_000;
    let password_only = json!({"username": "mario", "password": PASSWORD});
    // Enrolment and activation codes both want a current code of the active credential.
    for path in ["/v1/portal/enrol", "/v1/portal/activation"] {
        let (status, body) = post(&mut issuer, path, &password_only, now);
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("current_code_required"))
        );
        let mut with_wrong = password_only.clone();
        with_wrong["current_code"] = json!("000000");
        with_wrong["puk"] = json!("0000000000");
        let (status, body) = post(&mut issuer, path, &with_wrong, now);
        assert_eq!((status, body["error"].as_str()), (401, Some("wrong_code")));
    }
    // The victim's authenticator still works; nothing pending was created.
    let code = generator.totp(now / 1000, 30).value.to_string();
    assert_eq!(
        post(
            &mut issuer,
            "/v1/verify",
            &json!({"username": "mario", "password": PASSWORD, "code": code}),
            now
        )
        .0,
        200
    );
    let pending = issuer
        .db()
        .query_one(
            "SELECT COUNT(*) FROM credentials WHERE status = 'pending'",
            args![],
        )
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(pending, 0);
    // With a current code, a replacement is pending and the old credential keeps working until
    // the new one is confirmed.
    let later = now + 60_000;
    let current = generator.totp(later / 1000, 30).value.to_string();
    let (status, body) = post(
        &mut issuer,
        "/v1/portal/enrol",
        &json!({"username": "mario", "password": PASSWORD, "current_code": current}),
        later,
    );
    assert_eq!(status, 200, "{body}");
    let new = otpvault_core::uri::parse(body["uri"].as_str().unwrap())
        .unwrap()
        .generator();
    let after = later + 30_000;
    let old_code = generator.totp(after / 1000, 30).value.to_string();
    assert!(matches!(
        issuer.verify("mario", &old_code, after).unwrap(),
        otpvault_issuer::verifier::Verdict::Accepted { .. }
    ));
    let new_code = new.totp(after / 1000, 30).value.to_string();
    let (status, _) = post(
        &mut issuer,
        "/v1/portal/confirm",
        &json!({"username": "mario", "password": PASSWORD, "code": new_code}),
        after,
    );
    assert_eq!(status, 200);
    let last = after + 30_000;
    assert_eq!(
        issuer
            .verify(
                "mario",
                &generator.totp(last / 1000, 30).value.to_string(),
                last
            )
            .unwrap(),
        otpvault_issuer::verifier::Verdict::Wrong {
            failures: 1,
            locked_for_ms: None
        }
    );
    // A second confirmation says that nothing is pending.
    let (status, body) = post(
        &mut issuer,
        "/v1/portal/confirm",
        &json!({"username": "mario", "password": PASSWORD, "code": "123456"}),
        last,
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("nothing_pending"))
    );
}

fn the_puk_is_limited_used_up_and_reissued_by_the_operator(store: &Store) {
    let mut issuer = store.open(config());
    let puk = issuer.add_user("lucia", PASSWORD, T0_MS).unwrap();
    let body = |puk: &str| json!({"username": "lucia", "password": PASSWORD, "puk": puk});
    for left in (0..5).rev() {
        let (status, answer) = post(&mut issuer, "/v1/portal/enrol", &body("1234567890"), T0_MS);
        assert_eq!(status, 403);
        assert_eq!(answer["error"], "wrong_puk");
        assert_eq!(answer["attempts_left"], left);
    }
    // Blocked: even the right PUK is refused now.
    let (status, answer) = post(&mut issuer, "/v1/portal/enrol", &body(&puk), T0_MS);
    assert_eq!(
        (status, answer["error"].as_str()),
        (403, Some("puk_blocked"))
    );
    // The operator's reset issues a new one, which works once: confirming uses it up.
    let puk = issuer.reset_credential("lucia").unwrap();
    let (status, answer) = post(&mut issuer, "/v1/portal/enrol", &body(&puk), T0_MS);
    assert_eq!(status, 200);
    let generator = otpvault_core::uri::parse(answer["uri"].as_str().unwrap())
        .unwrap()
        .generator();
    let code = generator.totp(T0_MS / 1000, 30).value.to_string();
    let confirm = json!({"username": "lucia", "password": PASSWORD, "code": code});
    assert_eq!(
        post(&mut issuer, "/v1/portal/confirm", &confirm, T0_MS).0,
        200
    );
    issuer.reset_credential("lucia").unwrap();
    let (status, answer) = post(&mut issuer, "/v1/portal/enrol", &body(&puk), T0_MS);
    assert_eq!((status, answer["error"].as_str()), (403, Some("wrong_puk")));
}

fn a_hundred_password_guesses_check_five(store: &Store) {
    // For a real user and for a name that does not exist: the same answers.
    let mut issuer = store.open(config());
    issuer.add_user("mario", PASSWORD, T0_MS).unwrap();
    let mut seen = Vec::new();
    for name in ["mario", "nobody"] {
        let mut statuses = Vec::new();
        for _ in 0..100 {
            let body = json!({"username": name, "password": "guess", "code": "123456"});
            statuses.push(post(&mut issuer, "/v1/verify", &body, T0_MS).0);
        }
        assert_eq!(statuses.iter().filter(|&&s| s == 401).count(), 5);
        assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 95);
        seen.push(statuses);
    }
    assert_eq!(seen[0], seen[1]);
    // No one is locked out for good: after the delay the right password works, and resets it.
    let body = json!({"username": "mario", "password": PASSWORD, "code": "123456"});
    let (status, answer) = post(&mut issuer, "/v1/verify", &body, T0_MS);
    assert_eq!(status, 429);
    let wait = answer["retry_after"].as_u64().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    let later = T0_MS + wait * 1000;
    assert_eq!(post(&mut issuer, "/v1/verify", &body, later).0, 404); // no credential yet
    let guess = json!({"username": "mario", "password": "guess", "code": "123456"});
    assert_eq!(post(&mut issuer, "/v1/verify", &guess, later).0, 401);
}

/// The statuses a phone sees for 4 activation attempts with `password` and `code`.
fn attempts(issuer: &mut Issuer, user: &str, password: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut now = T0_MS + 10_000;
    for _ in 0..4 {
        let phone = ManualClock::new(now / 1000);
        let (mut client, mut request) =
            ActivationClient::new(ORIGIN, user, password, code, Arc::new(phone)).unwrap();
        let outcome = loop {
            let answer = route(issuer, "POST", &request.path, &request.body, now);
            now += 50;
            match client.handle(answer.status, &answer.body) {
                Ok(Step::Send(next)) => request = next,
                Ok(Step::Done(_)) => break "activated".to_owned(),
                Err(err) => break format!("{err:?}"),
            }
        };
        out.push(outcome);
    }
    out
}

fn a_burned_decoy_tells_nothing_about_the_password(store: &Store) {
    let mut issuer = store.open(config());
    issuer.add_user("mario", PASSWORD, T0_MS).unwrap();
    let (code, _) = issuer.create_activation("mario", None, T0_MS).unwrap();
    // Wrong password, right code, for the real user: the real code's attempts are spent as
    // with a wrong code, and it burns.
    let wrong_password = attempts(&mut issuer, "mario", "nope", &code);
    // An unknown user: a decoy, the same answers.
    let unknown = attempts(&mut issuer, "nobody", "nope", &code);
    assert_eq!(wrong_password, unknown);
    assert!(wrong_password[3].contains("Burned"), "{wrong_password:?}");
    // And the right password now gets what a wrong one gets: the code is burned.
    let right = attempts(&mut issuer, "mario", PASSWORD, &code);
    assert!(right.iter().all(|o| o.contains("Burned")), "{right:?}");
    assert!(!right.iter().any(|o| o == "activated"));
    let _ = ActivationError::Expired;
}

fn chosen_activation_codes_are_not_the_first_guesses(store: &Store) {
    let mut issuer = store.open(config());
    let puk = issuer.add_user("mario", PASSWORD, T0_MS).unwrap();
    let body = |code: &str| json!({"username": "mario", "password": PASSWORD, "puk": puk.as_str(), "code": code});
    for weak in ["12345", "00000", "13579", "19850"] {
        let (status, answer) = post(&mut issuer, "/v1/portal/activation", &body(weak), T0_MS);
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("weak_code")),
            "{weak}"
        );
        assert!(!answer["why"].as_str().unwrap().is_empty());
    }
    let (status, answer) = post(&mut issuer, "/v1/portal/activation", &body("48213"), T0_MS);
    assert_eq!((status, answer["code"].as_str()), (200, Some("48213")));
    // The chosen code activates the app.
    let outcome = attempts(&mut issuer, "mario", PASSWORD, "48213");
    assert_eq!(outcome[0], "activated");
}

fn api_keys_are_shown_checked_and_regenerated(store: &Store) {
    let mut issuer = store.open(config());
    let (generator, key) = enrolled(&mut issuer, T0_MS);
    let whoami = |issuer: &mut Issuer, key: Option<&str>, now: u64| {
        route_with_bearer(issuer, "GET", "/v1/portal/whoami", "", key, now)
    };
    let answer = whoami(&mut issuer, Some(&key), T0_MS + 1_000);
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"username":"mario"}"#)
    );
    assert_eq!(whoami(&mut issuer, None, T0_MS).status, 401);
    assert_eq!(whoami(&mut issuer, Some("ovk_00"), T0_MS).status, 401);
    let (status, info) = post(
        &mut issuer,
        "/v1/portal/api-key",
        &json!({"username": "mario", "password": PASSWORD}),
        T0_MS + 2_000,
    );
    assert_eq!(status, 200);
    assert_eq!(info["created_ms"], T0_MS);
    assert_eq!(info["last_used_ms"], T0_MS + 1_000);
    assert!(!info.to_string().contains(&key[4..]));
    // Regenerating needs a current code; the old key is refused at once.
    let now = T0_MS + 60_000;
    let (status, _) = post(
        &mut issuer,
        "/v1/portal/api-key/regenerate",
        &json!({"username": "mario", "password": PASSWORD, "code": "000000"}),
        now,
    );
    assert_eq!(status, 401);
    let code = generator.totp(now / 1000, 30).value.to_string();
    let (status, answer) = post(
        &mut issuer,
        "/v1/portal/api-key/regenerate",
        &json!({"username": "mario", "password": PASSWORD, "code": code}),
        now,
    );
    assert_eq!(status, 200);
    let new_key = answer["api_key"].as_str().unwrap();
    assert_ne!(new_key, key);
    assert_eq!(whoami(&mut issuer, Some(&key), now).status, 401);
    assert_eq!(whoami(&mut issuer, Some(new_key), now).status, 200);
}

fn codes_that_are_not_codes_count_nothing(store: &Store) {
    let mut issuer = store.open(config());
    let _ = enrolled(&mut issuer, T0_MS);
    for code in ["abc", "", "12345", "1234567", "12 456", "１２３４５６"] {
        let body = json!({"username": "mario", "password": PASSWORD, "code": code});
        let (status, answer) = post(&mut issuer, "/v1/verify", &body, T0_MS + 60_000);
        assert_eq!(status, 400, "{code:?}: {answer}");
        assert_eq!(answer["what"], "code");
    }
    let failures = issuer
        .db()
        .query_one(
            "SELECT failures FROM credentials WHERE status = 'active'",
            args![],
        )
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(failures, 0);
}

fn secrets_are_sealed_at_rest_and_rotate_without_downtime(store: &Store) {
    use otpvault_issuer::seal::{Kek, Keyring};
    use otpvault_issuer::verifier::Verdict;
    let kek = |byte: u8| Kek::from_hex(&format!("{byte:02x}").repeat(32)).unwrap();
    let with = |keks: Vec<Kek>| Config {
        keys: Keyring::new(keks),
        ..config()
    };
    // Sealed under A.
    let mut node_a = Issuer::connect(&store.target, with(vec![kek(0xa1)])).unwrap();
    let puk = node_a.add_user("mario", PASSWORD, T0_MS).unwrap();
    let (_, body) = post(
        &mut node_a,
        "/v1/portal/enrol",
        &json!({"username": "mario", "password": PASSWORD, "puk": puk.as_str()}),
        T0_MS,
    );
    let token = otpvault_core::uri::parse(body["uri"].as_str().unwrap()).unwrap();
    let raw = token.secret().expose().to_vec();
    let generator = token.generator();
    let code_at = |ms: u64| generator.totp(ms / 1000, 30).value.to_string();
    assert!(matches!(
        node_a
            .confirm_enrolment("mario", &code_at(T0_MS), T0_MS)
            .unwrap(),
        otpvault_issuer::verifier::Confirmation::Confirmed { .. }
    ));
    let row = node_a
        .db()
        .query_one(
            "SELECT secret, kek_id FROM credentials WHERE status = 'active'",
            args![],
        )
        .unwrap();
    assert_ne!(row.blob(0).unwrap(), raw);
    assert_eq!(row.text(1).unwrap(), kek(0xa1).id());
    // Nowhere in the SQLite file or its WAL.
    if let otpvault_issuer::db::Target::Sqlite(path) = &store.target {
        for suffix in ["", "-wal"] {
            let bytes = std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default();
            assert!(
                !bytes.windows(raw.len()).any(|w| w == raw.as_slice()),
                "{suffix}"
            );
        }
    }
    // A node without the KEK, or with another one, cannot open it (and says why).
    let mut step = T0_MS + 30_000;
    for keks in [vec![], vec![kek(0xb2)]] {
        let mut node = Issuer::connect(&store.target, with(keks)).unwrap();
        assert!(matches!(
            node.verify("mario", &code_at(step), step),
            Err(otpvault_issuer::IssuerError::Sealed(_))
        ));
    }
    // Rotation: nodes hold B then A and keep verifying; rotate-kek re-wraps; then B alone does.
    let mut both = Issuer::connect(&store.target, with(vec![kek(0xb2), kek(0xa1)])).unwrap();
    assert!(matches!(
        both.verify("mario", &code_at(step), step).unwrap(),
        Verdict::Accepted { .. }
    ));
    // A credential stored in clear (before sealing was turned on) is sealed by the rotation.
    let mut clear = Issuer::connect(&store.target, config()).unwrap();
    clear.add_user("lucia", PASSWORD, T0_MS).unwrap();
    let lucia = otpvault_core::uri::parse(&clear.enrol("lucia", T0_MS).unwrap())
        .unwrap()
        .generator();
    let lucia_code = lucia.totp(T0_MS / 1000, 30).value.to_string();
    clear
        .confirm_enrolment("lucia", &lucia_code, T0_MS)
        .unwrap();
    let done = both.rotate_kek().unwrap();
    assert_eq!((done.rewrapped, done.sealed), (1, 1));
    assert_eq!(
        both.rotate_kek().unwrap(),
        otpvault_issuer::seal::Rotation::default()
    );
    step += 30_000;
    let mut node_b = Issuer::connect(&store.target, with(vec![kek(0xb2)])).unwrap();
    assert!(matches!(
        node_b.verify("mario", &code_at(step), step).unwrap(),
        Verdict::Accepted { .. }
    ));
    let lucia_next = lucia.totp(step / 1000, 30).value.to_string();
    assert!(matches!(
        node_b.verify("lucia", &lucia_next, step).unwrap(),
        Verdict::Accepted { .. }
    ));
    let mut node_a = Issuer::connect(&store.target, with(vec![kek(0xa1)])).unwrap();
    assert!(
        node_a
            .verify("mario", &code_at(step + 30_000), step + 30_000)
            .is_err()
    );
}

fn a_clock_far_off_is_resynchronised_with_two_consecutive_codes(store: &Store) {
    use otpvault_issuer::verifier::Verdict;
    let mut issuer = store.open(config());
    let (generator, _) = enrolled(&mut issuer, T0_MS);
    // The phone runs 20 minutes (40 steps) ahead: its code is refused.
    let now = T0_MS + 300_000;
    let phone = |now: u64| now + 1_200_000;
    let at = |ms: u64| generator.totp(ms / 1000, 30).value.to_string();
    let body = |first: &str, second: &str| json!({"username": "mario", "password": PASSWORD, "code1": first, "code2": second});
    assert!(matches!(
        issuer.verify("mario", &at(phone(now)), now).unwrap(),
        Verdict::Wrong { .. }
    ));
    // Two codes that are not consecutive: refused, counted as one wrong code.
    let (status, answer) = post(
        &mut issuer,
        "/v1/resync",
        &body(&at(phone(now)), &at(phone(now) + 60_000)),
        now,
    );
    assert_eq!((status, answer["failures"].as_u64()), (401, Some(2)));
    assert_eq!(
        post(&mut issuer, "/v1/resync", &body("12", "x"), now).0,
        400
    );
    // Two consecutive codes: accepted, the drift recorded.
    let (status, answer) = post(
        &mut issuer,
        "/v1/resync",
        &body(&at(phone(now)), &at(phone(now) + 30_000)),
        now,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["drift_steps"], 41);
    // The same pair again is a replay.
    let (status, _) = post(
        &mut issuer,
        "/v1/resync",
        &body(&at(phone(now)), &at(phone(now) + 30_000)),
        now,
    );
    assert_eq!(status, 409);
    // Later codes from the phone verify, centred on its drift; a code of the true time does not.
    let later = now + 90_000;
    assert!(matches!(
        issuer.verify("mario", &at(phone(later)), later).unwrap(),
        Verdict::Accepted {
            drift_steps: 40,
            ..
        }
    ));
    let after = later + 30_000;
    assert!(matches!(
        issuer.verify("mario", &at(after), after).unwrap(),
        Verdict::Wrong { .. }
    ));
    // Beyond the resync window (100 steps), nothing is found.
    let far = after + 60_000;
    let far_phone = far + 3_300_000;
    assert!(matches!(
        issuer
            .resync("mario", &at(far_phone), &at(far_phone + 30_000), far)
            .unwrap(),
        Verdict::Wrong { .. }
    ));
}

fn the_time_is_authenticated_and_a_shifted_answer_refused(store: &Store) {
    use otpvault_core::activation::ActivationError;
    use otpvault_core::activation::time::TimeClient;
    let mut issuer = store.open(config());
    issuer.add_user("mario", PASSWORD, T0_MS).unwrap();
    let token = otpvault_core::uri::parse(&issuer.enrol("mario", T0_MS).unwrap()).unwrap();
    let code = token.generator().totp(T0_MS / 1000, 30).value.to_string();
    issuer.confirm_enrolment("mario", &code, T0_MS).unwrap();
    let secret = token.secret().expose().to_vec();
    // The phone's clock is 42 s behind the server's; the round trip takes 200 ms.
    let server_now = T0_MS + 100_100;
    let sent = server_now - 42_000 - 100;
    let (client, body) = TimeClient::new(&secret, "mario", sent).unwrap();
    let answer = route(&mut issuer, "POST", "/v1/time", &body, server_now);
    let sync = client
        .finish(answer.status, &answer.body, sent + 200)
        .unwrap();
    assert_eq!(sync.offset_ms, 42_000);
    assert_eq!(sync.uncertainty_ms, 100);
    assert!(sync.authenticated && sync.far_off());
    // Someone in the middle shifts the time: refused.
    let shifted = answer.body.replace(
        &server_now.to_string(),
        &(server_now + 3_600_000).to_string(),
    );
    assert_ne!(shifted, answer.body);
    assert!(matches!(
        client.finish(200, &shifted, sent + 200),
        Err(ActivationError::ServerNotAuthenticated { .. })
    ));
    // An answer made for another request (a replayed one) is refused too.
    let (other, _) = TimeClient::new(&secret, "mario", sent).unwrap();
    assert!(other.finish(200, &answer.body, sent + 200).is_err());
    // An unknown account gets an answer that verifies under no key anyone has.
    let (stranger, body) = TimeClient::new(&secret, "nobody", sent).unwrap();
    let answer = route(&mut issuer, "POST", "/v1/time", &body, server_now);
    assert_eq!(answer.status, 200);
    assert!(stranger.finish(200, &answer.body, sent + 200).is_err());
    assert_eq!(
        route(&mut issuer, "POST", "/v1/time", "{}", server_now).status,
        400
    );
}

#[cfg(unix)]
fn the_database_is_private(store: &Store) {
    use std::os::unix::fs::PermissionsExt;
    let otpvault_issuer::db::Target::Sqlite(path) = &store.target else {
        return; // PostgreSQL's files are the server's business
    };
    let mut issuer = store.open(config());
    let _ = enrolled(&mut issuer, T0_MS);
    let mut checked = 0;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "the database and its WAL");
    // Another uid (root can act as one with setpriv): the file cannot be read even though its
    // directory can be entered.
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let dir = path.parent().unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                "/bin/cat",
            ])
            .arg(path)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
    } else {
        eprintln!(
            "the_database_is_private: another uid needs root (setpriv); checked the mode only"
        );
    }
    // An existing file others could read is narrowed when opened.
    drop(issuer);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(store.open(config()));
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

on_both_engines![
    a_password_alone_takes_over_nothing,
    the_puk_is_limited_used_up_and_reissued_by_the_operator,
    a_hundred_password_guesses_check_five,
    a_burned_decoy_tells_nothing_about_the_password,
    chosen_activation_codes_are_not_the_first_guesses,
    api_keys_are_shown_checked_and_regenerated,
    codes_that_are_not_codes_count_nothing,
    the_database_is_private,
    secrets_are_sealed_at_rest_and_rotate_without_downtime,
    a_clock_far_off_is_resynchronised_with_two_consecutive_codes,
    the_time_is_authenticated_and_a_shifted_answer_refused,
];
