//! `tests/vectors/time.json` (made by an independent Python reference) through the Rust side of
//! `otpvault-time/v1`: the key, the request, the server's answer and the client's verdict.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use otpvault_activation::hex_encode;
use otpvault_activation::time::{TimeClient, from_date_header, time_answer, time_key};
use serde_json::Value;

fn vectors() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/time.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_time_vectors_agree_with_the_reference() {
    let doc = vectors();
    let secret = b"12345678901234567890";
    let token = otpvault_codes::uri::parse(doc["uri"].as_str().unwrap()).unwrap();
    assert_eq!(token.secret().expose(), secret);
    let account = doc["account"].as_str().unwrap();
    let nonce: [u8; 16] = otpvault_activation::hex_decode(doc["nonce_hex"].as_str().unwrap(), 16)
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(hex_encode(time_key(secret).as_slice()), doc["key_hex"]);
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let sent = case["sent_ms"].as_u64().unwrap();
        let (client, body) = TimeClient::with_nonce(secret, account, sent, nonce);
        assert_eq!(body, case["request_body"].as_str().unwrap(), "{name}");
        let answer = case["answer_body"].as_str().unwrap();
        let outcome = client.finish(200, answer, case["received_ms"].as_u64().unwrap());
        if case["valid"].as_bool().unwrap() {
            let sync = outcome.unwrap();
            assert_eq!(
                sync.offset_ms,
                case["offset_ms"].as_i64().unwrap(),
                "{name}"
            );
            assert_eq!(
                sync.uncertainty_ms,
                case["uncertainty_ms"].as_u64().unwrap()
            );
            assert_eq!(sync.far_off(), case["far_off"].as_bool().unwrap());
            assert!(sync.authenticated);
            // The issuer's side writes the same answer.
            let server: Value = serde_json::from_str(answer).unwrap();
            let server_ms = server["server_time_ms"].as_u64().unwrap();
            assert_eq!(
                time_answer(&time_key(secret), account, &nonce, server_ms),
                answer
            );
        } else {
            assert!(outcome.is_err(), "{name}");
        }
    }
    for case in doc["date_headers"].as_array().unwrap() {
        let sync = from_date_header(
            case["date"].as_str().unwrap(),
            case["sent_ms"].as_u64().unwrap(),
            case["received_ms"].as_u64().unwrap(),
        )
        .unwrap();
        assert_eq!(sync.offset_ms, case["offset_ms"].as_i64().unwrap());
        assert_eq!(
            sync.uncertainty_ms,
            case["uncertainty_ms"].as_u64().unwrap()
        );
        assert!(!sync.authenticated);
    }
}
