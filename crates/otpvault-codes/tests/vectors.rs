//! The shared conformance vectors in `tests/vectors` (the same files every binding reads).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::path::PathBuf;

use otpvault_codes::{Algorithm, Format, Generator, OtpKind, Secret, Token, uri};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing {key} in {v}"))
}

fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("missing {key} in {v}"))
}

#[test]
fn rfc4226_appendix_d() {
    let doc = load("rfc4226.json");
    let secret = Secret::from_bytes(hex(str_of(&doc, "secret_hex"))).unwrap();
    let generator = Generator::new(&secret, Algorithm::Sha1, Format::Decimal(6)).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for case in cases {
        assert_eq!(
            generator.at_counter(u64_of(case, "counter")),
            str_of(case, "code")
        );
    }
}

#[test]
fn rfc6238_appendix_b() {
    let doc = load("rfc6238.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 18);
    for case in cases {
        let name = str_of(case, "algorithm");
        let algorithm = Algorithm::parse(name).unwrap();
        let seed = hex(doc["seeds_hex"][name].as_str().unwrap());
        let generator = Generator::new(
            &Secret::from_bytes(seed).unwrap(),
            algorithm,
            Format::Decimal(8),
        )
        .unwrap();
        let code = generator.totp(u64_of(case, "time"), 30);
        assert_eq!(code.value, str_of(case, "code"), "{case}");
        assert_eq!(
            code.step,
            u64::from_str_radix(str_of(case, "step_hex"), 16).unwrap()
        );
        assert_eq!(
            generator.verify_totp(str_of(case, "code"), u64_of(case, "time") + 30, 30, 1),
            Some(-1)
        );
    }
}

#[test]
fn generated_code_vectors() {
    let doc = load("codes.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let secret = Secret::from_base32(str_of(case, "secret")).unwrap();
        let algorithm = Algorithm::parse(str_of(case, "algorithm")).unwrap();
        let digits = u8::try_from(u64_of(case, "digits")).unwrap();
        match str_of(case, "kind") {
            "hotp" => {
                let generator =
                    Generator::new(&secret, algorithm, Format::Decimal(digits)).unwrap();
                assert_eq!(
                    generator.at_counter(u64_of(case, "counter")),
                    str_of(case, "code"),
                    "{case}"
                );
            }
            kind => {
                let format = if kind == "steam" {
                    Format::Steam
                } else {
                    Format::Decimal(digits)
                };
                let generator = Generator::new(&secret, algorithm, format).unwrap();
                let period = u32::try_from(u64_of(case, "period")).unwrap();
                let code = generator.totp(u64_of(case, "time"), period);
                assert_eq!(code.value, str_of(case, "code"), "{case}");
                assert_eq!(code.next_value, str_of(case, "next_code"), "{case}");
                assert_eq!(
                    u64::from(code.seconds_left),
                    u64_of(case, "seconds_left"),
                    "{case}"
                );
            }
        }
    }
}

fn check_expected(token: &Token, expect: &Value, name: &str) {
    assert_eq!(token.issuer(), str_of(expect, "issuer"), "{name}");
    assert_eq!(token.account(), str_of(expect, "account"), "{name}");
    assert_eq!(
        token.secret().to_base32().as_str(),
        str_of(expect, "secret"),
        "{name}"
    );
    assert_eq!(
        token.algorithm().as_str(),
        str_of(expect, "algorithm"),
        "{name}"
    );
    assert_eq!(
        u64::from(token.digits()),
        u64_of(expect, "digits"),
        "{name}"
    );
    match (str_of(expect, "type"), token.kind()) {
        ("totp", OtpKind::Totp { period }) => {
            assert_eq!(u64::from(period), u64_of(expect, "period"), "{name}")
        }
        ("hotp", OtpKind::Hotp { counter }) => {
            assert_eq!(counter, u64_of(expect, "counter"), "{name}")
        }
        ("steam", OtpKind::Steam) => assert_eq!(token.period(), Some(30)),
        (expected, actual) => panic!("{name}: expected {expected}, got {actual:?}"),
    }
}

#[test]
fn uri_table() {
    let doc = load("uris.json");
    for case in doc["valid"].as_array().unwrap() {
        let name = str_of(case, "name");
        let token = uri::parse(str_of(case, "uri")).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_expected(&token, &case["expect"], name);
        // The canonical URI parses back to the same token.
        assert_eq!(uri::parse(&uri::build(&token)).unwrap(), token, "{name}");
    }
    for case in doc["invalid"].as_array().unwrap() {
        let name = str_of(case, "name");
        let err = uri::parse(str_of(case, "uri")).expect_err(name);
        assert_eq!(err.kind(), str_of(case, "error"), "{name}: {err}");
    }
}

#[test]
fn secret_table() {
    let doc = load("secrets.json");
    for case in doc["valid"].as_array().unwrap() {
        let secret = Secret::from_base32(str_of(case, "input")).unwrap();
        assert_eq!(secret.to_base32().as_str(), str_of(case, "canonical"));
        assert_eq!(secret.len() as u64, u64_of(case, "bytes"));
        assert_eq!(secret.is_weak(), case["weak"].as_bool().unwrap());
    }
    for case in doc["invalid"].as_array().unwrap() {
        let err = Secret::from_base32(str_of(case, "input")).unwrap_err();
        assert_eq!(err.kind(), str_of(case, "error"), "{case}");
        if let Some(position) = case["position"].as_u64() {
            assert_eq!(
                err,
                otpvault_codes::SecretError::InvalidCharacter {
                    position: position as usize
                }
            );
        }
    }
}

#[test]
fn oversized_inputs_are_refused() {
    let long = format!("otpauth://totp/a?secret={}", "A".repeat(5000));
    assert_eq!(uri::parse(&long).unwrap_err().kind(), "too_long");
    let long_secret = format!("otpauth://totp/a?secret={}", "A".repeat(1100));
    assert_eq!(
        uri::parse(&long_secret).unwrap_err().kind(),
        "invalid_secret"
    );
}
