//! The app's side of an activation: a state machine with no I/O. The app sends each
//! [`Request`] over HTTPS and passes the answer (status and body) to [`ActivationClient::handle`].

use crate::{
    ActivationError, CONFIRM_PATH, CredentialParams, EXCHANGE_PATH, MAX_FIELD, MAX_OFFSET_SECONDS,
    MAX_ROUND_TRIP_MILLIS, NONCE_LEN, Randomness, START_PATH, channel_identifier, check_code,
    client_ad, cpace, derive, hex_encode, hex_field, parse_body, session_id, time_tag,
};
use otpvault_codes::clock::Clock;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::{OtpKind, Token, TokenParams};
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// A message for the server: POST `body` (JSON) to `path` under the configured origin.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The path, e.g. `/v1/activation/start`.
    pub path: String,
    /// The JSON body. The first request carries the portal password: send it over HTTPS only.
    pub body: String,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("path", &self.path)
            .field("body", &"<redacted>")
            .finish()
    }
}

/// What the app does next.
#[derive(Debug)]
pub enum Step {
    /// Send this request and pass the answer to `handle`.
    Send(Request),
    /// The activation succeeded.
    Done(Activated),
}

/// The result of a successful activation: the token (its secret derived on both sides) and the
/// clock offset measured against the server. The vault's `activate` stores both at once.
#[derive(Debug, Clone)]
pub struct Activated {
    /// The new token.
    pub token: Token,
    /// Seconds to add to the device clock (server time − device time).
    pub clock_offset: i64,
    /// Round trip of the final step, in milliseconds.
    pub round_trip_millis: u64,
    /// The server's credential id.
    pub credential_id: String,
}

enum State {
    Started {
        client_nonce: [u8; NONCE_LEN],
    },
    Exchanged {
        server_nonce: [u8; NONCE_LEN],
        sid: Vec<u8>,
        y: Zeroizing<curve25519_dalek::scalar::Scalar>,
        ya: [u8; cpace::POINT_LEN],
    },
    Confirming {
        params: CredentialParams,
        finish_key: Zeroizing<[u8; 32]>,
        secret: Zeroizing<Vec<u8>>,
        sent_at_millis: u64,
    },
    Ended,
}

/// The client state machine of `otpvault-activation/v1` (see the [module docs](super)).
pub struct ActivationClient {
    origin: String,
    username: String,
    code: Zeroizing<String>,
    clock: Arc<dyn Clock>,
    rng: Randomness,
    state: State,
}

impl fmt::Debug for ActivationClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivationClient")
            .field("origin", &self.origin)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl ActivationClient {
    /// Starts an activation with the issuer at `origin` (as configured in the app, e.g.
    /// `https://portal.example.org`; never taken from a server's answer) for `username`, with the
    /// portal `password` and the activation `code` the portal showed. Returns the client and the
    /// first request.
    pub fn new(
        origin: &str,
        username: &str,
        password: &str,
        code: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, Request), ActivationError> {
        Self::with_randomness(origin, username, password, code, clock, Randomness::Os)
    }

    /// As [`ActivationClient::new`] with every random value expanded from `seed`. **For test
    /// vectors only**: an activation made this way is predictable.
    pub fn new_deterministic(
        origin: &str,
        username: &str,
        password: &str,
        code: &str,
        clock: Arc<dyn Clock>,
        seed: &[u8],
    ) -> Result<(Self, Request), ActivationError> {
        let rng = Randomness::Seeded {
            seed: Zeroizing::new(seed.to_vec()),
            counter: 0,
        };
        Self::with_randomness(origin, username, password, code, clock, rng)
    }

    fn with_randomness(
        origin: &str,
        username: &str,
        password: &str,
        code: &str,
        clock: Arc<dyn Clock>,
        mut rng: Randomness,
    ) -> Result<(Self, Request), ActivationError> {
        let invalid = |what| Err(ActivationError::InvalidInput { what });
        if origin.is_empty() || origin.len() > MAX_FIELD {
            return invalid("the origin must be 1 to 256 bytes");
        }
        if username.is_empty() || username.len() > MAX_FIELD {
            return invalid("the username must be 1 to 256 bytes");
        }
        if password.len() > MAX_FIELD {
            return invalid("the password is longer than 256 bytes");
        }
        check_code(code)?;
        let client_nonce = rng.array::<NONCE_LEN>()?;
        let body = Zeroizing::new(
            serde_json::json!({
                "username": username,
                "password": password,
                "client_nonce": hex_encode(&client_nonce),
            })
            .to_string(),
        );
        let client = Self {
            origin: origin.to_owned(),
            username: username.to_owned(),
            code: Zeroizing::new(code.to_owned()),
            clock,
            rng,
            state: State::Started { client_nonce },
        };
        Ok((
            client,
            Request {
                path: START_PATH.to_owned(),
                body: body.to_string(),
            },
        ))
    }

    /// Handles the server's answer to the last request: the next request, or the result. Any
    /// error ends the activation (later calls return [`ActivationError::Finished`]).
    pub fn handle(&mut self, status: u16, body: &str) -> Result<Step, ActivationError> {
        let state = std::mem::replace(&mut self.state, State::Ended);
        let result = self.advance(state, status, body);
        if result.is_err() {
            self.state = State::Ended;
        }
        result
    }

    fn advance(&mut self, state: State, status: u16, body: &str) -> Result<Step, ActivationError> {
        if matches!(state, State::Ended) {
            return Err(ActivationError::Finished);
        }
        let map = answer(status, body)?;
        match state {
            State::Started { client_nonce } => {
                if let Some(server_origin) = map.get("origin").and_then(serde_json::Value::as_str)
                    && server_origin != self.origin
                {
                    return Err(ActivationError::OriginMismatch {
                        server_origin: server_origin.chars().take(MAX_FIELD).collect(),
                    });
                }
                let server_nonce: [u8; NONCE_LEN] =
                    to_array(hex_field(&map, "session", NONCE_LEN, "session")?)?;
                let sid = session_id(&client_nonce, &server_nonce);
                let ci = channel_identifier(&self.username, &self.origin);
                let g = cpace::calculate_generator(self.code.as_bytes(), &ci, &sid);
                let y = cpace::sample_scalar(self.rng.array()?);
                let ya = cpace::scalar_mult(&y, &g);
                let request = Request {
                    path: EXCHANGE_PATH.to_owned(),
                    body: serde_json::json!({
                        "session": hex_encode(&server_nonce),
                        "ya": hex_encode(&ya),
                    })
                    .to_string(),
                };
                self.state = State::Exchanged {
                    server_nonce,
                    sid,
                    y,
                    ya,
                };
                Ok(Step::Send(request))
            }
            State::Exchanged {
                server_nonce,
                sid,
                y,
                ya,
            } => {
                let yb = hex_field(&map, "yb", cpace::POINT_LEN, "yb")?;
                let tb = hex_field(&map, "tb", cpace::ISK_LEN, "tb")?;
                let attempts_left = map
                    .get("attempts_left")
                    .and_then(|v| v.as_u64())
                    .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
                let params = CredentialParams::from_json(
                    map.get("credential")
                        .ok_or(ActivationError::Malformed { what: "credential" })?,
                )?;
                let k = cpace::scalar_mult_vfy(&y, &yb).ok_or(
                    ActivationError::ServerNotAuthenticated {
                        reason: "its share is not a valid group element",
                    },
                )?;
                let ada = client_ad();
                let adb = params.associated_data();
                let isk = cpace::isk(&sid, k.as_slice(), &ya, &ada, &yb, &adb);
                let keys = derive(&sid, isk.as_slice(), &params);
                if !cpace::tag_matches(&cpace::tag(keys.mac_key.as_slice(), &yb, &adb), &tb) {
                    // A wrong code, a wrong password (the server ran the exchange with a code no
                    // one knows), another origin or a changed parameter all end here, before
                    // anything that depends on our key is sent.
                    return Err(ActivationError::WrongCode { attempts_left });
                }
                let ta = cpace::tag(keys.mac_key.as_slice(), &ya, &ada);
                let request = Request {
                    path: CONFIRM_PATH.to_owned(),
                    body: serde_json::json!({
                        "session": hex_encode(&server_nonce),
                        "ta": hex_encode(&ta),
                    })
                    .to_string(),
                };
                self.state = State::Confirming {
                    params,
                    finish_key: keys.finish_key,
                    secret: keys.secret,
                    sent_at_millis: self.clock.monotonic_millis(),
                };
                Ok(Step::Send(request))
            }
            State::Confirming {
                params,
                finish_key,
                secret,
                sent_at_millis,
            } => {
                let received_at = self.clock.monotonic_millis();
                let device_seconds = self.clock.wall_seconds();
                let server_time_ms = map.get("server_time_ms").and_then(|v| v.as_u64()).ok_or(
                    ActivationError::Malformed {
                        what: "server_time_ms",
                    },
                )?;
                let tf = hex_field(&map, "tf", 32, "tf")?;
                if !cpace::tag_matches(&time_tag(finish_key.as_slice(), server_time_ms), &tf) {
                    return Err(ActivationError::ServerNotAuthenticated {
                        reason: "the tag over its time does not verify",
                    });
                }
                let round_trip_millis = received_at.saturating_sub(sent_at_millis);
                if round_trip_millis > MAX_ROUND_TRIP_MILLIS {
                    return Err(ActivationError::ClockUnreliable { round_trip_millis });
                }
                let clock_offset =
                    offset_seconds(server_time_ms, round_trip_millis, device_seconds)?;
                let token = Token::new(
                    Secret::from_bytes(secret.to_vec())
                        .map_err(|_| ActivationError::Malformed { what: "secret" })?,
                    TokenParams {
                        issuer: params.issuer.clone(),
                        account: params.account.clone(),
                        algorithm: params.algorithm,
                        digits: params.digits,
                        kind: OtpKind::Totp {
                            period: params.period,
                        },
                    },
                )
                .map_err(|_| ActivationError::Malformed { what: "credential" })?;
                Ok(Step::Done(Activated {
                    token,
                    clock_offset,
                    round_trip_millis,
                    credential_id: params.id,
                }))
            }
            State::Ended => Err(ActivationError::Finished),
        }
    }
}

/// Server time + half the round trip − device time, in whole seconds. The device's wall clock
/// has whole seconds, so its reading is taken as the middle of that second.
fn offset_seconds(
    server_time_ms: u64,
    round_trip_millis: u64,
    device_seconds: u64,
) -> Result<i64, ActivationError> {
    let server = i128::from(server_time_ms) + i128::from(round_trip_millis / 2);
    let device = i128::from(device_seconds) * 1000 + 500;
    let millis = server - device;
    let seconds = (millis + millis.signum() * 500) / 1000;
    match i64::try_from(seconds) {
        Ok(s) if s.abs() <= MAX_OFFSET_SECONDS => Ok(s),
        Ok(s) => Err(ActivationError::ClockOffsetAbsurd { offset_seconds: s }),
        Err(_) => Err(ActivationError::ClockOffsetAbsurd {
            offset_seconds: i64::MAX,
        }),
    }
}

/// The JSON body of a successful answer, or the typed error of a failed one.
fn answer(
    status: u16,
    body: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, ActivationError> {
    if status == 200 {
        return parse_body(body);
    }
    let map = parse_body(body).unwrap_or_default();
    let error = map.get("error").and_then(|v| v.as_str()).unwrap_or("");
    let number = |key: &str| map.get(key).and_then(|v| v.as_u64()).unwrap_or(0);
    Err(match (status, error) {
        (401, _) => ActivationError::WrongCode {
            attempts_left: u32::try_from(number("attempts_left")).unwrap_or(u32::MAX),
        },
        (410, "burned") => ActivationError::Burned,
        (410, _) => ActivationError::Expired,
        (409, _) => ActivationError::AlreadyUsed,
        (429, _) => ActivationError::RateLimited {
            retry_after_seconds: number("retry_after"),
        },
        (400, _) => ActivationError::Malformed {
            what: "the server refused our message",
        },
        _ => ActivationError::ServerError { status },
    })
}

fn to_array<const N: usize>(bytes: Vec<u8>) -> Result<[u8; N], ActivationError> {
    bytes
        .try_into()
        .map_err(|_| ActivationError::Malformed { what: "length" })
}

#[cfg(test)]
mod tests {
    use super::offset_seconds;

    #[test]
    fn offset_rounds_to_the_nearest_second_and_refuses_a_day() {
        assert_eq!(offset_seconds(1_000_000_500, 0, 1_000_000), Ok(0));
        assert_eq!(offset_seconds(1_000_095_400, 200, 1_000_000), Ok(95));
        assert_eq!(offset_seconds(999_905_500, 0, 1_000_000), Ok(-95));
        assert!(offset_seconds(0, 0, 1_000_000_000).is_err());
    }
}
