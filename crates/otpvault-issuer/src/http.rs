//! The HTTP JSON API (versioned paths under `/v1`), on `tiny_http`: a few worker threads, each
//! with its own database connection, every body capped at 16 KiB, `Cache-Control: no-store` on
//! every answer. Meant to run behind the portal's TLS-terminating proxy; it listens on loopback
//! unless told otherwise.
//!
//! | path | body | success | errors |
//! |---|---|---|---|
//! | `POST /v1/activation/start` | `username`, `password`, `client_nonce` | 200 `session` | 400 |
//! | `POST /v1/activation/exchange` | `session`, `ya` | 200 `yb`, `credential`, `tb`, `attempts_left` | 400, 404, 409 used, 410 expired/burned |
//! | `POST /v1/activation/confirm` | `session`, `ta` | 200 `server_time_ms`, `tf` | 401 `attempts_left`, 409, 410 |
//! | `POST /v1/portal/activation` | `username`, `password` | 200 `code`, `expires_ms` | 401 |
//! | `POST /v1/portal/enrol` | `username`, `password` | 200 `uri`, `qr_png_base64` | 401 |
//! | `POST /v1/portal/confirm` | `username`, `password`, `code` | 200 `api_key` | 401, 409, 429 |
//! | `POST /v1/verify` | `username`, `password`, `code` | 200 `accepted`, `drift_steps` | 401, 404, 409 replayed, 429 + `Retry-After` |
//! | `GET /v1/health` | — | 200 | — |

use crate::activation::StepError;
use crate::verifier::{Confirmation, Verdict};
use crate::{Config, Issuer, IssuerError, now_ms};
use otpvault_core::activation::{MAX_BODY, MAX_FIELD, parse_body, text_field};
use serde_json::{Value, json};
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use zeroize::Zeroizing;

/// Worker threads (each with a connection; SQLite serialises the writes).
const WORKERS: usize = 4;

/// An answer: status, JSON body, and a `Retry-After` in seconds when there is one.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// `Retry-After` seconds.
    pub retry_after: Option<u64>,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body: body.to_string(),
        retry_after: None,
    }
}

fn error(status: u16, code: &str) -> Answer {
    answer(status, json!({ "error": code }))
}

fn step_answer(result: Result<String, StepError>) -> Answer {
    match result {
        Ok(body) => Answer {
            status: 200,
            body,
            retry_after: None,
        },
        Err(StepError::Malformed(what)) => answer(400, json!({"error": "malformed", "what": what})),
        Err(StepError::UnknownSession) => error(404, "unknown_session"),
        Err(StepError::Expired) => error(410, "expired"),
        Err(StepError::Burned) => error(410, "burned"),
        Err(StepError::Used) => error(409, "used"),
        Err(StepError::WrongCode { attempts_left }) => answer(
            401,
            json!({"error": "wrong_code", "attempts_left": attempts_left}),
        ),
        Err(StepError::Internal) => error(500, "internal"),
    }
}

/// The HTTP answer of a verifier verdict.
pub fn verdict_answer(verdict: &Verdict) -> Answer {
    match verdict {
        Verdict::Accepted { step, drift_steps } => answer(
            200,
            json!({"accepted": true, "step": step, "drift_steps": drift_steps}),
        ),
        Verdict::Wrong {
            failures,
            locked_for_ms,
        } => answer(
            401,
            json!({"error": "wrong_code", "failures": failures,
                   "locked_for_seconds": locked_for_ms.map(|ms| ms.div_ceil(1000))}),
        ),
        Verdict::Replayed => error(409, "replayed"),
        Verdict::LockedOut { retry_after_ms } => {
            let seconds = retry_after_ms.div_ceil(1000);
            Answer {
                status: 429,
                body: json!({"error": "locked_out", "retry_after": seconds}).to_string(),
                retry_after: Some(seconds),
            }
        }
        Verdict::NoCredential => error(404, "no_credential"),
    }
}

fn internal(_: IssuerError) -> Answer {
    error(500, "internal")
}

/// Routes one request (method, path, body) at `now_ms`.
pub fn route(issuer: &mut Issuer, method: &str, path: &str, body: &str, now_ms: u64) -> Answer {
    match (method, path) {
        ("GET", "/v1/health") => answer(200, json!({"status": "ok"})),
        ("POST", "/v1/activation/start") => step_answer(issuer.activation_start(body, now_ms)),
        ("POST", "/v1/activation/exchange") => {
            step_answer(issuer.activation_exchange(body, now_ms))
        }
        ("POST", "/v1/activation/confirm") => step_answer(issuer.activation_confirm(body, now_ms)),
        (
            "POST",
            "/v1/portal/activation" | "/v1/portal/enrol" | "/v1/portal/confirm" | "/v1/verify",
        ) => portal(issuer, path, body, now_ms).unwrap_or_else(|a| a),
        (
            _,
            "/v1/health"
            | "/v1/activation/start"
            | "/v1/activation/exchange"
            | "/v1/activation/confirm"
            | "/v1/portal/activation"
            | "/v1/portal/enrol"
            | "/v1/portal/confirm"
            | "/v1/verify",
        ) => error(405, "method_not_allowed"),
        _ => error(404, "not_found"),
    }
}

/// The portal's requests: authenticated by the user's password.
fn portal(issuer: &mut Issuer, path: &str, body: &str, now_ms: u64) -> Result<Answer, Answer> {
    let malformed = |what: &'static str| answer(400, json!({"error": "malformed", "what": what}));
    let map = parse_body(body).map_err(|_| malformed("body"))?;
    let username =
        text_field(&map, "username", MAX_FIELD, "username").map_err(|_| malformed("username"))?;
    let password = Zeroizing::new(
        text_field(&map, "password", MAX_FIELD, "password").map_err(|_| malformed("password"))?,
    );
    if issuer
        .authenticate(&username, &password)
        .map_err(internal)?
        .is_none()
    {
        return Err(error(401, "unauthorized"));
    }
    let code = || text_field(&map, "code", 16, "code").map_err(|_| malformed("code"));
    Ok(match path {
        "/v1/portal/activation" => {
            let (code, expires_ms) = issuer
                .create_activation(&username, now_ms)
                .map_err(internal)?;
            answer(
                200,
                json!({"code": code.as_str(), "expires_ms": expires_ms}),
            )
        }
        "/v1/portal/enrol" => {
            let uri = issuer.enrol(&username, now_ms).map_err(internal)?;
            let png = otpvault_qr::png_bytes(&uri).map_err(|e| internal(e.into()))?;
            answer(
                200,
                json!({"uri": uri.as_str(), "qr_png_base64": otpvault_core::export::base64_encode(&png)}),
            )
        }
        "/v1/portal/confirm" => match issuer
            .confirm_enrolment(&username, &code()?, now_ms)
            .map_err(internal)?
        {
            Confirmation::Confirmed { api_key } => {
                answer(200, json!({"api_key": api_key.as_str()}))
            }
            Confirmation::Refused(verdict) => verdict_answer(&verdict),
        },
        _ => verdict_answer(
            &issuer
                .verify(&username, &code()?, now_ms)
                .map_err(internal)?,
        ),
    })
}

fn respond(request: tiny_http::Request, answer: Answer) {
    let mut response = tiny_http::Response::from_string(answer.body)
        .with_status_code(answer.status)
        .with_header(header("Content-Type", "application/json"))
        .with_header(header("Cache-Control", "no-store"));
    if let Some(seconds) = answer.retry_after {
        response = response.with_header(header("Retry-After", &seconds.to_string()));
    }
    // The client may have gone; nothing to do about it.
    let _ = request.respond(response);
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| unreachable!("static ASCII header"))
}

fn handle(issuer: &mut Issuer, mut request: tiny_http::Request) {
    if request.body_length().is_some_and(|n| n > MAX_BODY) {
        return respond(request, error(413, "too_large"));
    }
    let mut body = Zeroizing::new(Vec::new());
    let read = request
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return respond(request, error(400, "unreadable"));
    }
    if body.len() > MAX_BODY {
        return respond(request, error(413, "too_large"));
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return respond(request, error(400, "not_utf8"));
    };
    let method = request.method().as_str().to_owned();
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let answer = route(issuer, &method, &path, text, now_ms());
    respond(request, answer);
}

/// Serves the API on `listen` until `stop` is set; `ready` gets the bound address (port 0 picks
/// a free one). An empty `config.origin` becomes `http://ADDRESS` of the bound address.
pub fn serve(
    db: &Path,
    config: &Config,
    listen: &str,
    stop: Arc<AtomicBool>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), IssuerError> {
    let server = Arc::new(
        tiny_http::Server::http(listen).map_err(|err| IssuerError::Listen(err.to_string()))?,
    );
    let address = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| IssuerError::Listen("not an IP address".into()))?;
    let mut config = config.clone();
    if config.origin.is_empty() {
        config.origin = format!("http://{address}");
    }
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let mut issuer = Issuer::open(db, config.clone())?;
        let (server, stop) = (server.clone(), stop.clone());
        workers.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match server.recv_timeout(Duration::from_millis(100)) {
                    Ok(Some(request)) => handle(&mut issuer, request),
                    Ok(None) => {}
                    Err(_) => break,
                }
            }
        }));
    }
    ready(address);
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}
