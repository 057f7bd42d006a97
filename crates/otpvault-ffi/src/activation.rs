//! The activation client (`otpvault-activation/v1`, see the core's `activation` module) for apps:
//! a state machine with no I/O. The app sends each [`ActivationRequest`] with its own HTTPS stack
//! (POST, JSON body, to the origin it is configured with) and passes the status and body of the
//! answer to [`ActivationClient::handle`]. The result is stored with `OtpVault.activate`; the
//! TOTP secret stays inside the library.

use crate::error::OtpError;
use crate::vault::Clock;
use otpvault_core::activation as core;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// A request for the issuer: POST `body` to the configured origin + `path`.
#[derive(Clone, uniffi::Record)]
pub struct ActivationRequest {
    /// The path, e.g. `/v1/activation/start`.
    pub path: String,
    /// The JSON body (the first one carries the portal password: HTTPS only).
    pub body: String,
}

impl From<core::Request> for ActivationRequest {
    fn from(request: core::Request) -> Self {
        Self {
            path: request.path,
            body: request.body,
        }
    }
}

/// What the activation gives, for the app to show before storing it.
#[derive(Clone, Debug, uniffi::Record)]
pub struct ActivationInfo {
    /// Issuer name.
    pub issuer: String,
    /// Account name.
    pub account: String,
    /// The issuer's credential id.
    pub credential_id: String,
    /// Seconds the vault's time correction will be set to (server time − device time).
    pub clock_offset: i64,
    /// Round trip of the final step in milliseconds.
    pub round_trip_millis: u64,
}

/// A finished activation, ready for `OtpVault.activate` (usable once).
#[derive(uniffi::Object)]
pub struct ActivationResult {
    info: ActivationInfo,
    activated: Mutex<Option<core::Activated>>,
}

#[uniffi::export]
impl ActivationResult {
    /// The token's names, the credential id and the measured clock offset.
    pub fn info(&self) -> ActivationInfo {
        self.info.clone()
    }
}

impl ActivationResult {
    /// Takes the result out (once).
    pub(crate) fn take(&self) -> Result<core::Activated, OtpError> {
        self.activated
            .lock()
            .map_err(|_| OtpError::Internal {
                reason: "activation result lock".into(),
            })?
            .take()
            .ok_or(OtpError::ActivationUsed)
    }
}

/// The next thing to do.
#[derive(uniffi::Enum)]
pub enum ActivationStep {
    /// Send this request and pass the answer to `handle`.
    Send {
        /// The request.
        request: ActivationRequest,
    },
    /// The activation succeeded: store it with `OtpVault.activate`.
    Done {
        /// The result.
        result: Arc<ActivationResult>,
    },
}

/// The app's side of an activation with a 5-digit code.
#[derive(uniffi::Object)]
pub struct ActivationClient {
    inner: Mutex<core::ActivationClient>,
    first: ActivationRequest,
}

fn locked<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, OtpError> {
    m.lock().map_err(|_| OtpError::Internal {
        reason: "activation client lock".into(),
    })
}

#[uniffi::export]
impl ActivationClient {
    /// Starts an activation with the issuer at `origin` (as configured in the app, e.g.
    /// `https://portal.example.org`; never one a server reported) for `username`, with the portal
    /// `password` and the activation `code`. `clock` defaults to the system's.
    #[uniffi::constructor(default(clock = None))]
    pub fn new(
        origin: String,
        username: String,
        password: String,
        code: String,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, OtpError> {
        let (password, code) = (Zeroizing::new(password), Zeroizing::new(code));
        let (inner, first) = core::ActivationClient::new(
            &origin,
            &username,
            &password,
            &code,
            crate::vault::clock(clock),
        )?;
        Ok(Arc::new(Self {
            inner: Mutex::new(inner),
            first: first.into(),
        }))
    }

    /// As `new`, with every random value expanded from `seed`. **Test vectors only**: an
    /// activation made this way is predictable.
    #[uniffi::constructor]
    pub fn new_deterministic(
        origin: String,
        username: String,
        password: String,
        code: String,
        clock: Option<Arc<dyn Clock>>,
        seed: Vec<u8>,
    ) -> Result<Arc<Self>, OtpError> {
        let (password, code) = (Zeroizing::new(password), Zeroizing::new(code));
        let (inner, first) = core::ActivationClient::new_deterministic(
            &origin,
            &username,
            &password,
            &code,
            crate::vault::clock(clock),
            &seed,
        )?;
        Ok(Arc::new(Self {
            inner: Mutex::new(inner),
            first: first.into(),
        }))
    }

    /// The first request to send.
    pub fn first_request(&self) -> ActivationRequest {
        self.first.clone()
    }

    /// Handles the issuer's answer (HTTP status and body) to the last request. Any error ends
    /// the activation; nothing is stored unless the app passes a `Done` result to
    /// `OtpVault.activate`.
    pub fn handle(&self, status: u16, body: String) -> Result<ActivationStep, OtpError> {
        Ok(match locked(&self.inner)?.handle(status, &body)? {
            core::Step::Send(request) => ActivationStep::Send {
                request: request.into(),
            },
            core::Step::Done(done) => ActivationStep::Done {
                result: Arc::new(ActivationResult {
                    info: ActivationInfo {
                        issuer: done.token.issuer().to_owned(),
                        account: done.token.account().to_owned(),
                        credential_id: done.credential_id.clone(),
                        clock_offset: done.clock_offset,
                        round_trip_millis: done.round_trip_millis,
                    },
                    activated: Mutex::new(Some(done)),
                }),
            },
        })
    }
}
