//! Activation with a short code: the portal shows a 5-digit code valid for 5 minutes, the user
//! types it (with the username and portal password) into the app, and both sides end up with the
//! same TOTP secret without it ever crossing the wire.
//!
//! The code has only 10^5 values, so nothing on the wire may let anyone test guesses offline. The
//! exchange is CPace ([`cpace`], a balanced PAKE): a passive eavesdropper learns nothing about the
//! code, an active attacker gets one guess per exchange (and the issuer burns the code after 3).
//!
//! Protocol `otpvault-activation/v1` (JSON over HTTPS, the app does the transport; every binary
//! field is lowercase hex):
//!
//! | step | request (client → server) | response |
//! |---|---|---|
//! | 1 `POST /v1/activation/start` | `username`, `password`, `client_nonce` (16 B) | `session` = the server nonce (16 B) |
//! | 2 `POST /v1/activation/exchange` | `session`, `ya` (32 B) | `yb`, `credential` {`id`, `issuer`, `account`, `algorithm`, `digits`, `period`}, `tb` (64 B), `attempts_left` |
//! | 3 `POST /v1/activation/confirm` | `session`, `ta` (64 B) | `server_time_ms`, `tf` (32 B) |
//!
//! - `PRS` = the code's digits; `CI = lv_cat("otpvault-activation/v1", username, origin)` with
//!   the origin **as configured in the app**; `sid = client_nonce ‖ server_nonce`.
//! - `ADa = lv_cat("otpvault-activation/v1", "client")`; `ADb` = `lv_cat` of the protocol name,
//!   `"server"` and the credential's fields, so a changed parameter breaks confirmation.
//! - The server confirms first (`tb`); the client checks it **before** sending `ta`, so a server
//!   that does not know the code never receives anything that depends on the client's key.
//! - Secret = HKDF-SHA-256(salt = sid, IKM = ISK, info = `lv_cat(protocol, "totp-secret", id,
//!   algorithm)`), 20/32/64 bytes for SHA-1/256/512 (RFC 6238 §5.1).
//! - `tf` = HMAC-SHA-256 over the server time under a key from the ISK; the client measures the
//!   round trip of step 3 on its monotonic clock and sets the vault's time correction to
//!   `server_time + rtt/2 − device_time` (refused beyond a 5 s round trip or a 24 h offset).
//!
//! This crate is a layer of its own: it builds on `otpvault-codes` (the credential it derives is a
//! [`Token`](otpvault_codes::Token)) and knows nothing of the vault that stores the result.

#![forbid(unsafe_code)]

mod client;
pub mod cpace;
mod server;
pub mod time;

pub use client::{Activated, ActivationClient, Request, Step};
pub use server::{
    ServerExchange, ServerKeys, finish_body, finish_tag, server_exchange, start_body,
};

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use otpvault_codes::otp::Algorithm;
pub use otpvault_crypto::encoding::{hex_decode, hex_encode};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

/// The protocol name and version, bound into every derivation.
pub const PROTOCOL: &str = "otpvault-activation/v1";
/// Path of step 1.
pub const START_PATH: &str = "/v1/activation/start";
/// Path of step 2.
pub const EXCHANGE_PATH: &str = "/v1/activation/exchange";
/// Path of step 3.
pub const CONFIRM_PATH: &str = "/v1/activation/confirm";
/// Length of each side's nonce.
pub const NONCE_LEN: usize = 16;
/// Largest message body either side parses.
pub const MAX_BODY: usize = 16 * 1024;
/// Longest username, password, origin, issuer or account accepted.
pub const MAX_FIELD: usize = 256;
/// Longest credential id.
pub const MAX_ID: usize = 64;
/// Longest round trip of the final step that still gives a usable clock offset.
pub const MAX_ROUND_TRIP_MILLIS: u64 = 5_000;
/// Largest clock offset accepted from a server (24 h).
pub const MAX_OFFSET_SECONDS: i64 = 24 * 3600;

/// What is left of an activation code after a wrong attempt, in words: "2 attempts left",
/// "1 attempt left", or, at 0, that the code is burned.
pub fn attempts_words(attempts_left: u32) -> String {
    match attempts_left {
        0 => "no attempts left: the code is burned, ask the portal for a new one".into(),
        1 => "1 attempt left".into(),
        n => format!("{n} attempts left"),
    }
}

/// Why an activation failed. None of these carries the code, the password or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    /// The server could not prove it knows the code: the code (or the password) is wrong, or
    /// this is not the server the app is configured for. `attempts_left` is what the server said.
    #[error("the activation code or password is wrong ({})", attempts_words(*attempts_left))]
    WrongCode {
        /// Exchanges the server will still accept for this code.
        attempts_left: u32,
    },
    /// The code is older than its validity (5 minutes at the reference issuer).
    #[error("the activation code has expired; ask the portal for a new one")]
    Expired,
    /// The code was burned by too many failed attempts.
    #[error(
        "the activation code was burned by too many failed attempts; ask the portal for a new one"
    )]
    Burned,
    /// The code was already used to activate a device.
    #[error("the activation code was already used")]
    AlreadyUsed,
    /// The server asks to wait.
    #[error("the server asks to wait {retry_after_seconds} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// The server's messages failed a check that an honest server always passes (an invalid or
    /// identity point, a tag over its time that does not verify, a parameter out of range).
    #[error("the server is not authenticated: {reason}")]
    ServerNotAuthenticated {
        /// What failed.
        reason: &'static str,
    },
    /// A message that is not what the protocol says (size, field, encoding).
    #[error("malformed message: {what}")]
    Malformed {
        /// What was wrong.
        what: &'static str,
    },
    /// The server answered with an HTTP status the protocol does not use.
    #[error("the server answered with HTTP status {status}")]
    ServerError {
        /// The status.
        status: u16,
    },
    /// The final round trip took too long to measure the clock offset.
    #[error("the round trip took {round_trip_millis} ms; the clock offset cannot be measured")]
    ClockUnreliable {
        /// Measured round trip.
        round_trip_millis: u64,
    },
    /// The server's time is more than 24 hours from the device's.
    #[error("the server's time is {offset_seconds} s from the device's; refused")]
    ClockOffsetAbsurd {
        /// The offset the server's time implies.
        offset_seconds: i64,
    },
    /// The issuer is configured with another origin than the one the app was given (e.g.
    /// `http://127.0.0.1:8080` for `http://localhost:8080`): stopped before the exchange, so no
    /// attempt was spent. The app must be reconfigured, never switched to what a server says.
    #[error(
        "the issuer is configured as {server_origin}, not the origin given: use that \
         (no attempt was spent)"
    )]
    OriginMismatch {
        /// The origin the server says it is configured with.
        server_origin: String,
    },
    /// An argument the app passed is unusable (an empty username, a code that is not digits).
    #[error("invalid input: {what}")]
    InvalidInput {
        /// Which argument.
        what: &'static str,
    },
    /// `handle` was called after the activation ended.
    #[error("the activation has already ended")]
    Finished,
    /// The operating system's random number generator failed.
    #[error("the random number generator failed")]
    Rng,
}

/// The token parameters the server proposes; they travel as CPace associated data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialParams {
    /// The server's credential id (at most 64 characters).
    pub id: String,
    /// Issuer shown in the app.
    pub issuer: String,
    /// Account shown in the app (the username at the reference issuer).
    pub account: String,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits, 6..=8.
    pub digits: u8,
    /// Period in seconds, 15..=300.
    pub period: u32,
}

impl CredentialParams {
    fn check(&self) -> Result<(), ActivationError> {
        let bad = |what| Err(ActivationError::Malformed { what });
        if self.id.is_empty() || self.id.len() > MAX_ID {
            return bad("credential id");
        }
        if self.issuer.len() > MAX_FIELD || self.account.len() > MAX_FIELD {
            return bad("credential name");
        }
        if !(6..=8).contains(&self.digits) {
            return bad("digits");
        }
        if !(15..=300).contains(&self.period) {
            return bad("period");
        }
        Ok(())
    }

    /// `ADb`: every field, length-prefixed.
    fn associated_data(&self) -> Vec<u8> {
        cpace::lv_cat(&[
            PROTOCOL.as_bytes(),
            b"server",
            self.id.as_bytes(),
            self.issuer.as_bytes(),
            self.account.as_bytes(),
            self.algorithm.as_str().as_bytes(),
            self.digits.to_string().as_bytes(),
            self.period.to_string().as_bytes(),
        ])
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "issuer": self.issuer,
            "account": self.account,
            "algorithm": self.algorithm.as_str(),
            "digits": self.digits,
            "period": self.period,
        })
    }

    fn from_json(value: &serde_json::Value) -> Result<Self, ActivationError> {
        let text = |key, what| {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or(ActivationError::Malformed { what })
        };
        let number = |key, what| {
            value
                .get(key)
                .and_then(|v| v.as_u64())
                .ok_or(ActivationError::Malformed { what })
        };
        let algorithm = match text("algorithm", "algorithm")?.as_str() {
            "SHA1" => Algorithm::Sha1,
            "SHA256" => Algorithm::Sha256,
            "SHA512" => Algorithm::Sha512,
            _ => return Err(ActivationError::Malformed { what: "algorithm" }),
        };
        let params = Self {
            id: text("id", "credential id")?,
            issuer: text("issuer", "issuer")?,
            account: text("account", "account")?,
            algorithm,
            digits: u8::try_from(number("digits", "digits")?)
                .map_err(|_| ActivationError::Malformed { what: "digits" })?,
            period: u32::try_from(number("period", "period")?)
                .map_err(|_| ActivationError::Malformed { what: "period" })?,
        };
        params.check()?;
        Ok(params)
    }
}

/// `CI`: the protocol, the initiator (the username) and the responder (the origin).
fn channel_identifier(username: &str, origin: &str) -> Vec<u8> {
    cpace::lv_cat(&[PROTOCOL.as_bytes(), username.as_bytes(), origin.as_bytes()])
}

/// `ADa`.
fn client_ad() -> Vec<u8> {
    cpace::lv_cat(&[PROTOCOL.as_bytes(), b"client"])
}

/// The session id: both nonces.
fn session_id(client_nonce: &[u8], server_nonce: &[u8]) -> Vec<u8> {
    [client_nonce, server_nonce].concat()
}

/// Keys both sides derive from the ISK.
struct Derived {
    mac_key: Zeroizing<[u8; cpace::ISK_LEN]>,
    finish_key: Zeroizing<[u8; 32]>,
    secret: Zeroizing<Vec<u8>>,
}

fn derive(sid: &[u8], isk: &[u8], params: &CredentialParams) -> Derived {
    let hkdf = Hkdf::<Sha256>::new(Some(sid), isk);
    let mut finish_key = Zeroizing::new([0u8; 32]);
    let mut secret = Zeroizing::new(vec![0u8; secret_len(params.algorithm)]);
    let expand = |info: &[u8], out: &mut [u8]| {
        hkdf.expand(info, out)
            .unwrap_or_else(|_| unreachable!("at most 64 bytes from HKDF-SHA-256"));
    };
    expand(
        &cpace::lv_cat(&[PROTOCOL.as_bytes(), b"server-time"]),
        finish_key.as_mut_slice(),
    );
    expand(
        &cpace::lv_cat(&[
            PROTOCOL.as_bytes(),
            b"totp-secret",
            params.id.as_bytes(),
            params.algorithm.as_str().as_bytes(),
        ]),
        secret.as_mut_slice(),
    );
    Derived {
        mac_key: cpace::mac_key(sid, isk),
        finish_key,
        secret,
    }
}

/// RFC 6238 §5.1: the key length of each algorithm's HMAC output.
fn secret_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Sha1 => 20,
        Algorithm::Sha256 => 32,
        Algorithm::Sha512 => 64,
    }
}

fn time_tag(finish_key: &[u8], server_time_ms: u64) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(finish_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(&cpace::lv_cat(&[
        b"server_time_ms",
        &server_time_ms.to_be_bytes(),
    ]));
    mac.finalize().into_bytes().into()
}

/// A JSON object from a message body, within the size cap.
pub fn parse_body(
    body: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, ActivationError> {
    if body.len() > MAX_BODY {
        return Err(ActivationError::Malformed {
            what: "body too large",
        });
    }
    match serde_json::from_str(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(ActivationError::Malformed {
            what: "not a JSON object",
        }),
    }
}

/// A hex field of exactly `len` bytes.
pub fn hex_field(
    map: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    len: usize,
    what: &'static str,
) -> Result<Vec<u8>, ActivationError> {
    map.get(key)
        .and_then(|v| v.as_str())
        .and_then(|s| hex_decode(s, len))
        .ok_or(ActivationError::Malformed { what })
}

/// A string field of at most `max` bytes.
pub fn text_field(
    map: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    max: usize,
    what: &'static str,
) -> Result<String, ActivationError> {
    map.get(key)
        .and_then(|v| v.as_str())
        .filter(|s| s.len() <= max)
        .map(str::to_owned)
        .ok_or(ActivationError::Malformed { what })
}

/// Random bytes: the OS CSPRNG, or (for test vectors only) a stream expanded from a seed.
pub(crate) enum Randomness {
    Os,
    Seeded {
        seed: Zeroizing<Vec<u8>>,
        counter: u64,
    },
}

impl Randomness {
    pub(crate) fn fill(&mut self, out: &mut [u8]) -> Result<(), ActivationError> {
        match self {
            Self::Os => getrandom::fill(out).map_err(|_| ActivationError::Rng),
            Self::Seeded { seed, counter } => {
                for chunk in out.chunks_mut(64) {
                    let block = Sha512::new()
                        .chain_update(b"otpvault test randomness")
                        .chain_update(seed.as_slice())
                        .chain_update(counter.to_be_bytes())
                        .finalize();
                    chunk.copy_from_slice(&block[..chunk.len()]);
                    *counter += 1;
                }
                Ok(())
            }
        }
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], ActivationError> {
        let mut out = [0u8; N];
        self.fill(&mut out)?;
        Ok(out)
    }
}

/// Checks an activation code as typed: 4 to 10 ASCII digits.
fn check_code(code: &str) -> Result<(), ActivationError> {
    if (4..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ActivationError::InvalidInput {
            what: "the activation code must be 4 to 10 digits",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_read_in_words_and_the_last_one_says_burned() {
        assert_eq!(attempts_words(2), "2 attempts left");
        assert_eq!(attempts_words(1), "1 attempt left");
        assert!(attempts_words(0).contains("burned"));
        assert_eq!(
            ActivationError::WrongCode { attempts_left: 1 }.to_string(),
            "the activation code or password is wrong (1 attempt left)"
        );
    }
}
