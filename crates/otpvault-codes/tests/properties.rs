//! Property tests: round trips and "never panics" for the parsers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use otpvault_codes::secret::encode_base32;
use otpvault_codes::{Algorithm, OtpKind, Secret, Token, TokenParams, uri};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

fn kind() -> impl Strategy<Value = OtpKind> {
    prop_oneof![
        (1u32..=86_400).prop_map(|period| OtpKind::Totp { period }),
        any::<u64>().prop_map(|counter| OtpKind::Hotp { counter }),
        Just(OtpKind::Steam),
    ]
}

prop_compose! {
    fn token()(
        secret in proptest::collection::vec(any::<u8>(), 1..64),
        issuer in "\\PC{0,24}",
        account in "\\PC{0,24}",
        algorithm in algorithm(),
        digits in 6u8..=10,
        kind in kind(),
    ) -> Token {
        Token::new(
            Secret::from_bytes(secret).unwrap(),
            TokenParams { issuer, account, algorithm, digits, kind },
        ).unwrap()
    }
}

proptest! {
    #[test]
    fn base32_round_trip(bytes in proptest::collection::vec(any::<u8>(), 1..200)) {
        let encoded = encode_base32(&bytes);
        let secret = Secret::from_base32(&encoded).unwrap();
        prop_assert_eq!(secret.expose(), bytes.as_slice());
        // Lowercase and grouped with spaces decodes to the same bytes.
        let typed: String = encoded
            .to_lowercase()
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        let again = Secret::from_base32(&typed).unwrap();
        prop_assert_eq!(again.expose(), bytes.as_slice());
    }

    #[test]
    fn uri_round_trip(token in token()) {
        let built = uri::build(&token);
        prop_assert_eq!(uri::parse(&built).unwrap(), token);
    }

    #[test]
    fn base32_decoder_never_panics(input in "\\PC{0,300}") {
        let _ = Secret::from_base32(&input);
    }

    #[test]
    fn uri_parser_never_panics(input in "\\PC{0,300}") {
        let _ = uri::parse(&input);
    }

    #[test]
    fn uri_parser_never_panics_on_otpauth_shapes(
        kind in "(?i)(totp|hotp|steam|x)",
        label in "[%:a-zA-Z0-9 +]{0,20}",
        query in "([a-zA-Z]{1,9}=[%a-zA-Z0-9+=-]{0,40}&?){0,8}",
    ) {
        let _ = uri::parse(&format!("otpauth://{kind}/{label}?{query}"));
    }
}
