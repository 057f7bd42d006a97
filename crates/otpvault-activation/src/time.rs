//! Authenticated time for the app (`otpvault-time/v1`): the app asks its issuer for the time and
//! checks the answer with a key both sides hold since enrolment, so no one in the middle can
//! shift the app's clock, and hence its codes.
//!
//! - The key is HKDF-SHA256 of the credential's TOTP secret (salt `otpvault-time/v1`): the issuer
//!   has the secret of every credential it enrolled, by activation or by QR code, and the app has
//!   it in its vault. Knowing it already lets one make codes, so it gives no one new power.
//! - Request: `POST /v1/time` `{"account", "nonce"}` (16 random bytes, hex). Answer:
//!   `{"server_time_ms", "mac"}`, the MAC an HMAC-SHA256 over the protocol name, the account,
//!   the nonce and the time, so an answer cannot be replayed to another request or account.
//! - The offset is the server's time minus the midpoint of the round trip; its uncertainty is
//!   half the round trip. [`TimeSync::far_off`] tells the app to warn (more than 15 s off, as
//!   Aegis and Google Authenticator do).
//! - For a server that speaks no such protocol, [`from_date_header`] gives an offset from any
//!   HTTPS answer's `Date` header (1-second resolution), flagged unauthenticated.
//!
//! Everything here is a pure function of its inputs: the app does the HTTP.

use crate::{ActivationError, hex_decode, hex_encode, parse_body};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The protocol name, bound into the key and every MAC.
pub const TIME_PROTOCOL: &str = "otpvault-time/v1";
/// Path of the request.
pub const TIME_PATH: &str = "/v1/time";
/// An offset beyond this is worth a warning (milliseconds).
pub const FAR_OFF_MS: i64 = 15_000;

/// A measured offset between the server's clock and the device's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSync {
    /// Server time − device time, in milliseconds.
    pub offset_ms: i64,
    /// How far the true offset may be from `offset_ms` (half the round trip, plus the `Date`
    /// header's resolution when it came from one).
    pub uncertainty_ms: u64,
    /// Whether the server proved the answer with the credential's key.
    pub authenticated: bool,
}

impl TimeSync {
    /// Whether the device clock is off by more than 15 s (warn the user).
    pub fn far_off(&self) -> bool {
        self.offset_ms.unsigned_abs() > FAR_OFF_MS.unsigned_abs()
    }
}

/// The time key of a credential's secret.
pub fn time_key(secret: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(TIME_PROTOCOL.as_bytes()), secret)
        .expand(b"time key", key.as_mut_slice())
        .unwrap_or_default();
    key
}

/// The MAC of an answer: over the protocol, the account (length-prefixed), the nonce and the time.
pub fn time_mac(key: &[u8; 32], account: &str, nonce: &[u8], server_time_ms: u64) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(TIME_PROTOCOL.as_bytes());
    mac.update(&(account.len() as u64).to_be_bytes());
    mac.update(account.as_bytes());
    mac.update(nonce);
    mac.update(&server_time_ms.to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// The server's answer body (the issuer's side).
pub fn time_answer(key: &[u8; 32], account: &str, nonce: &[u8], server_time_ms: u64) -> String {
    serde_json::json!({
        "server_time_ms": server_time_ms,
        "mac": hex_encode(&time_mac(key, account, nonce, server_time_ms)),
    })
    .to_string()
}

/// The app's side of one time request.
pub struct TimeClient {
    key: Zeroizing<[u8; 32]>,
    account: String,
    nonce: [u8; 16],
    sent_ms: u64,
}

impl TimeClient {
    /// A request for the credential with `secret`, known to the server as `account`, sent at
    /// `sent_ms` (device time) with a fresh random nonce. Returns the client and the body to
    /// `POST` to [`TIME_PATH`].
    pub fn new(
        secret: &[u8],
        account: &str,
        sent_ms: u64,
    ) -> Result<(Self, String), ActivationError> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|_| ActivationError::Rng)?;
        Ok(Self::with_nonce(secret, account, sent_ms, nonce))
    }

    /// [`TimeClient::new`] with a given nonce (conformance vectors and tests).
    pub fn with_nonce(
        secret: &[u8],
        account: &str,
        sent_ms: u64,
        nonce: [u8; 16],
    ) -> (Self, String) {
        let body = serde_json::json!({"account": account, "nonce": hex_encode(&nonce)}).to_string();
        (
            Self {
                key: time_key(secret),
                account: account.to_owned(),
                nonce,
                sent_ms,
            },
            body,
        )
    }

    /// When the request was made (device wall clock, ms).
    pub fn sent_ms(&self) -> u64 {
        self.sent_ms
    }

    /// Checks the server's answer, received at `received_ms` (device time), and measures the
    /// offset. An answer whose MAC does not verify is refused: the time may have been shifted.
    pub fn finish(
        &self,
        status: u16,
        body: &str,
        received_ms: u64,
    ) -> Result<TimeSync, ActivationError> {
        if status != 200 {
            return Err(ActivationError::ServerError { status });
        }
        let map = parse_body(body)?;
        let server_time_ms = map
            .get("server_time_ms")
            .and_then(serde_json::Value::as_u64)
            .ok_or(ActivationError::Malformed {
                what: "server_time_ms",
            })?;
        let mac = map
            .get("mac")
            .and_then(serde_json::Value::as_str)
            .and_then(|hex| hex_decode(hex, 32))
            .ok_or(ActivationError::Malformed { what: "mac" })?;
        let expected = time_mac(&self.key, &self.account, &self.nonce, server_time_ms);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_slice(),
            mac.as_slice(),
        )) {
            return Err(ActivationError::ServerNotAuthenticated {
                reason: "the time's MAC does not verify",
            });
        }
        measure(server_time_ms, self.sent_ms, received_ms, 0, true)
    }
}

fn measure(
    server_ms: u64,
    sent_ms: u64,
    received_ms: u64,
    resolution_ms: u64,
    authenticated: bool,
) -> Result<TimeSync, ActivationError> {
    if received_ms < sent_ms {
        return Err(ActivationError::InvalidInput {
            what: "received before sent",
        });
    }
    let round_trip = received_ms - sent_ms;
    if round_trip > crate::MAX_ROUND_TRIP_MILLIS {
        return Err(ActivationError::ClockUnreliable {
            round_trip_millis: round_trip,
        });
    }
    let midpoint = i128::from(sent_ms) + i128::from(round_trip / 2);
    let offset = i128::from(server_ms) - midpoint;
    let offset_ms = i64::try_from(offset).map_err(|_| ActivationError::ClockOffsetAbsurd {
        offset_seconds: i64::MAX,
    })?;
    if offset_ms.unsigned_abs() / 1000 > crate::MAX_OFFSET_SECONDS.unsigned_abs() {
        return Err(ActivationError::ClockOffsetAbsurd {
            offset_seconds: offset_ms / 1000,
        });
    }
    Ok(TimeSync {
        offset_ms,
        uncertainty_ms: round_trip.div_ceil(2) + resolution_ms,
        authenticated,
    })
}

/// An offset from an HTTP `Date` header (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37
/// GMT`) of an answer to a request sent at `sent_ms` and received at `received_ms`:
/// unauthenticated, with the header's 1-second resolution added to the uncertainty.
pub fn from_date_header(
    date: &str,
    sent_ms: u64,
    received_ms: u64,
) -> Result<TimeSync, ActivationError> {
    let bad = ActivationError::Malformed {
        what: "Date header",
    };
    let parts: Vec<&str> = date.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return Err(bad);
    };
    let day: u32 = day.parse().map_err(|_| bad.clone())?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)
    .ok_or(bad.clone())? as u32
        + 1;
    let year: i64 = year.parse().map_err(|_| bad.clone())?;
    let hms: Vec<u32> = time
        .split(':')
        .map(|p| p.parse().map_err(|_| bad.clone()))
        .collect::<Result<_, _>>()?;
    let [h, m, s] = hms.as_slice() else {
        return Err(bad);
    };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *s > 60 || !(1970..=9999).contains(&year) {
        return Err(bad);
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 {
        (year - 1, i64::from(month) + 9)
    } else {
        (year, i64::from(month) - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + i64::from(*h) * 3600 + i64::from(*m) * 60 + i64::from(*s);
    let server_ms = u64::try_from(seconds).map_err(|_| bad.clone())? * 1000 + 500;
    measure(server_ms, sent_ms, received_ms, 500, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_verifies_only_for_its_request_and_account() {
        let secret = b"12345678901234567890";
        let (client, body) = TimeClient::with_nonce(secret, "mario", 1_000_000, [7; 16]);
        assert_eq!(
            body,
            r#"{"account":"mario","nonce":"07070707070707070707070707070707"}"#
        );
        let key = time_key(secret);
        let answer = time_answer(&key, "mario", &[7; 16], 1_020_150);
        let sync = client.finish(200, &answer, 1_000_300).unwrap();
        assert_eq!(
            sync,
            TimeSync {
                offset_ms: 20_000,
                uncertainty_ms: 150,
                authenticated: true
            }
        );
        assert!(sync.far_off());
        // Another account's, another nonce's, a shifted time, another key: refused.
        for forged in [
            time_answer(&key, "luigi", &[7; 16], 1_020_150),
            time_answer(&key, "mario", &[8; 16], 1_020_150),
            time_answer(
                &time_key(b"another secret 12345"),
                "mario",
                &[7; 16],
                1_020_150,
            ),
            answer.replace("1020150", "1020151"),
        ] {
            assert!(matches!(
                client.finish(200, &forged, 1_000_300),
                Err(ActivationError::ServerNotAuthenticated { .. })
            ));
        }
        assert!(client.finish(500, &answer, 1_000_300).is_err());
        assert!(client.finish(200, &answer, 1_006_000).is_err());
    }

    #[test]
    fn a_date_header_gives_an_unauthenticated_offset() {
        // 1994-11-06T08:49:37Z = 784111777 s.
        let sent = 784_111_770_000;
        let sync = from_date_header("Sun, 06 Nov 1994 08:49:37 GMT", sent, sent + 200).unwrap();
        assert_eq!(sync.offset_ms, 784_111_777_500 - (784_111_770_000 + 100));
        assert_eq!(sync.uncertainty_ms, 600);
        assert!(!sync.authenticated);
        assert!(from_date_header("06 Nov 1994", sent, sent).is_err());
        assert!(from_date_header("Sun, 06 Foo 1994 08:49:37 GMT", sent, sent).is_err());
    }
}
