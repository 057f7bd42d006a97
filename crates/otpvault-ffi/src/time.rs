//! Authenticated time (`otpvault-time/v1`, see the core's `activation::time`): the app asks the
//! issuer of a token for the time with [`TimeSyncClient`] (from `OtpVault.time_sync`), sends
//! `body` to the issuer's origin + `path` with its own HTTPS stack, and passes the answer to
//! [`TimeSyncClient::finish`]. An answer someone in the middle shifted is refused. For a server
//! that speaks no such protocol, [`time_from_date_header`] reads any HTTPS answer's `Date`.

use crate::error::OtpError;
use otpvault_core::activation::time as core;
use otpvault_core::{Clock, Secret};
use std::sync::Arc;

/// A measured offset between a server's clock and the device's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TimeSync {
    /// Server time − device time, in milliseconds (pass `offset_ms / 1000`, rounded, to
    /// `OtpVault.set_time_offset` to correct the codes).
    pub offset_ms: i64,
    /// How far the true offset may be from `offset_ms`.
    pub uncertainty_ms: u64,
    /// Whether the server proved the answer with the token's key (`false` for a `Date` header).
    pub authenticated: bool,
    /// More than 15 s off: warn the user, as Aegis and Google Authenticator do.
    pub far_off: bool,
}

impl From<core::TimeSync> for TimeSync {
    fn from(sync: core::TimeSync) -> Self {
        Self {
            offset_ms: sync.offset_ms,
            uncertainty_ms: sync.uncertainty_ms,
            authenticated: sync.authenticated,
            far_off: sync.far_off(),
        }
    }
}

/// One time request to a token's issuer.
#[derive(uniffi::Object)]
pub struct TimeSyncClient {
    inner: core::TimeClient,
    body: String,
    clock: Arc<dyn Clock>,
    sent_ms: u64,
    sent_mono: u64,
}

impl TimeSyncClient {
    pub(crate) fn new(
        inner: core::TimeClient,
        body: String,
        clock: Arc<dyn Clock>,
        sent_mono: u64,
    ) -> Self {
        let sent_ms = clock.wall_millis();
        Self {
            inner,
            body,
            clock,
            sent_ms,
            sent_mono,
        }
    }
}

#[uniffi::export]
impl TimeSyncClient {
    /// A request for the token of `uri` (its account is the name the issuer knows), sent at
    /// `sent_ms` with the given 16-byte `nonce`. **Test vectors only**: a real request has a
    /// random nonce (`OtpVault.time_sync`).
    #[uniffi::constructor]
    pub fn for_vector(uri: String, nonce: Vec<u8>, sent_ms: u64) -> Result<Arc<Self>, OtpError> {
        let token = otpvault_core::uri::parse(&uri)?;
        let nonce: [u8; 16] =
            nonce
                .as_slice()
                .try_into()
                .map_err(|_| OtpError::ActivationFailed {
                    reason: "the nonce is 16 bytes".into(),
                })?;
        let secret: &Secret = token.secret();
        let (inner, body) =
            core::TimeClient::with_nonce(secret.expose(), &token.params().account, sent_ms, nonce);
        let clock: Arc<dyn Clock> = Arc::new(otpvault_core::SystemClock::new());
        let sent_mono = clock.monotonic_millis();
        Ok(Arc::new(Self {
            inner,
            body,
            clock,
            sent_ms,
            sent_mono,
        }))
    }

    /// The path to POST to, on the token's issuer: `/v1/time`.
    pub fn path(&self) -> String {
        core::TIME_PATH.to_owned()
    }

    /// The JSON body to POST.
    pub fn body(&self) -> String {
        self.body.clone()
    }

    /// Checks the answer (HTTP status and body) and measures the offset, the round trip timed
    /// on the monotonic clock from when the request was made.
    pub fn finish(&self, status: u16, body: String) -> Result<TimeSync, OtpError> {
        let elapsed = self.clock.monotonic_millis().saturating_sub(self.sent_mono);
        self.finish_at(status, body, self.sent_ms.saturating_add(elapsed))
    }

    /// [`finish`](Self::finish) with the receive time given (device wall clock, ms).
    pub fn finish_at(
        &self,
        status: u16,
        body: String,
        received_ms: u64,
    ) -> Result<TimeSync, OtpError> {
        Ok(self.inner.finish(status, &body, received_ms)?.into())
    }
}

/// An unauthenticated offset from an HTTP `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`) of an
/// answer to a request sent at `sent_ms` and received at `received_ms` (device wall clock, ms).
#[uniffi::export]
pub fn time_from_date_header(
    date: String,
    sent_ms: u64,
    received_ms: u64,
) -> Result<TimeSync, OtpError> {
    Ok(core::from_date_header(&date, sent_ms, received_ms)?.into())
}
