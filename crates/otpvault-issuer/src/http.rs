//! The HTTP JSON API (versioned paths under `/v1`) on tokio, hyper and axum, with `/metrics`.
//!
//! Every connection is a task, so no client can hold a worker the others need: headers must
//! arrive within [`Limits::header_timeout`] (which also closes a keep-alive connection idle that
//! long), a body within [`Limits::body_timeout`] and 16 KiB, and at most
//! [`Limits::max_connections`] are open (more are closed at once). The issuer's work is
//! synchronous (SQLite, Argon2id): it runs on tokio's blocking threads with one of
//! [`Limits::connections`] database connections, and the requests that check a password take one
//! of [`Limits::kdf_concurrency`] slots first, so password checks queue among themselves while
//! health checks, metrics and activation exchanges go on. `Cache-Control: no-store` on every
//! answer. TLS (rustls) when a certificate and key are given; otherwise it is meant for loopback
//! or behind the portal's TLS-terminating proxy. SIGTERM/SIGINT (through `stop`) end the accept
//! loop, and open connections get [`Limits::shutdown_grace`] to finish.
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
//! | `GET /metrics` | — | 200 Prometheus text | — |
//!
//! Any path answers 408 `body_timeout` to a body slower than the limit, 413 `too_large` above
//! 16 KiB, 400 `not_utf8`.

use crate::account::{Login, Refusal};
use crate::activation::StepError;
use crate::db::Target;
use crate::metrics::{Metrics, route_label};
use crate::verifier::{Confirmation, Verdict};
use crate::{Config, Issuer, IssuerError, now_ms};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Response, Uri, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use otpvault_core::activation::{MAX_BODY, MAX_FIELD, parse_body, text_field};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

/// An answer: status, body (JSON for the API, HTML for the pages), and a `Retry-After` in
/// seconds when there is one.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
    /// `Retry-After` seconds.
    pub retry_after: Option<u64>,
    /// For a code check: the verdict's name and whether it started a lockout (for `/metrics`).
    pub verification: Option<(&'static str, bool)>,
    /// The body's media type (`application/json` for the API).
    pub content_type: &'static str,
    /// More headers (the pages' security headers, cookies, redirects).
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: String) -> Self {
        Self {
            status,
            body,
            retry_after: None,
            verification: None,
            content_type: "application/json",
            headers: Vec::new(),
        }
    }
}

fn answer(status: u16, body: Value) -> Answer {
    Answer::json(status, body.to_string())
}

fn error(status: u16, code: &str) -> Answer {
    answer(status, json!({ "error": code }))
}

fn step_answer(result: Result<String, StepError>) -> Answer {
    match result {
        Ok(body) => Answer::json(200, body),
        Err(StepError::Malformed(what)) => answer(400, json!({"error": "malformed", "what": what})),
        Err(StepError::UnknownSession) => error(404, "unknown_session"),
        Err(StepError::Expired) => error(410, "expired"),
        Err(StepError::Burned) => error(410, "burned"),
        Err(StepError::Used) => error(409, "used"),
        Err(StepError::WrongCode { attempts_left }) => answer(
            401,
            json!({"error": "wrong_code", "attempts_left": attempts_left}),
        ),
        Err(StepError::Throttled { retry_after_ms }) => throttled(retry_after_ms),
        Err(StepError::Internal) => error(500, "internal"),
    }
}

/// 429 for a name with too many wrong passwords, with `Retry-After`.
fn throttled(retry_after_ms: u64) -> Answer {
    let seconds = retry_after_ms.div_ceil(1000).max(1);
    let mut out = answer(429, json!({"error": "throttled", "retry_after": seconds}));
    out.retry_after = Some(seconds);
    out
}

/// The HTTP answer of a refused new credential.
fn refusal_answer(refusal: &Refusal) -> Answer {
    match refusal {
        Refusal::PukRequired => error(403, "puk_required"),
        Refusal::WrongPuk { attempts_left } => answer(
            403,
            json!({"error": "wrong_puk", "attempts_left": attempts_left}),
        ),
        Refusal::PukBlocked => error(403, "puk_blocked"),
        Refusal::CodeRequired => error(403, "current_code_required"),
        Refusal::Code(verdict) => verdict_answer(verdict),
    }
}

/// The HTTP answer of a verifier verdict.
pub fn verdict_answer(verdict: &Verdict) -> Answer {
    let (mut out, outcome, lockout) = match verdict {
        Verdict::Accepted { step, drift_steps } => (
            answer(
                200,
                json!({"accepted": true, "step": step, "drift_steps": drift_steps}),
            ),
            "accepted",
            false,
        ),
        Verdict::Wrong {
            failures,
            locked_for_ms,
        } => (
            answer(
                401,
                json!({"error": "wrong_code", "failures": failures,
                       "locked_for_seconds": locked_for_ms.map(|ms| ms.div_ceil(1000))}),
            ),
            "wrong",
            locked_for_ms.is_some(),
        ),
        Verdict::Replayed => (error(409, "replayed"), "replayed", false),
        Verdict::LockedOut { retry_after_ms } => {
            let seconds = retry_after_ms.div_ceil(1000);
            let mut out = answer(429, json!({"error": "locked_out", "retry_after": seconds}));
            out.retry_after = Some(seconds);
            (out, "locked_out", false)
        }
        Verdict::NoCredential => (error(404, "no_credential"), "no_credential", false),
        Verdict::Malformed { digits } => (
            answer(
                400,
                json!({"error": "malformed", "what": "code", "digits": digits}),
            ),
            "malformed",
            false,
        ),
    };
    out.verification = Some((outcome, lockout));
    out
}

fn internal(_: IssuerError) -> Answer {
    error(500, "internal")
}

/// Routes one request (method, path, body) at `now_ms`.
pub fn route(issuer: &mut Issuer, method: &str, path: &str, body: &str, now_ms: u64) -> Answer {
    route_with_bearer(issuer, method, path, body, None, now_ms)
}

/// Routes one request with the API key of its `Authorization: Bearer` header, if any.
pub fn route_with_bearer(
    issuer: &mut Issuer,
    method: &str,
    path: &str,
    body: &str,
    bearer: Option<&str>,
    now_ms: u64,
) -> Answer {
    match (method, path) {
        ("GET", "/v1/portal/whoami") => match bearer {
            None => error(401, "api_key_required"),
            Some(key) => match issuer.check_api_key_bearer(key, now_ms) {
                Ok(Some(user)) => answer(200, json!({"username": user})),
                Ok(None) => error(401, "unknown_api_key"),
                Err(err) => internal(err),
            },
        },
        ("GET", "/v1/health") => answer(200, json!({"status": "ok"})),
        ("POST", "/v1/activation/start") => step_answer(issuer.activation_start(body, now_ms)),
        ("POST", "/v1/time") => match issuer.time_answer(body, now_ms) {
            Ok(body) => Answer::json(200, body),
            Err(IssuerError::InvalidInput(what)) => {
                answer(400, json!({"error": "malformed", "what": what}))
            }
            Err(err) => internal(err),
        },
        ("POST", "/v1/activation/exchange") => {
            step_answer(issuer.activation_exchange(body, now_ms))
        }
        ("POST", "/v1/activation/confirm") => step_answer(issuer.activation_confirm(body, now_ms)),
        (
            "POST",
            "/v1/portal/activation"
            | "/v1/portal/enrol"
            | "/v1/portal/confirm"
            | "/v1/portal/api-key"
            | "/v1/portal/api-key/regenerate"
            | "/v1/resync"
            | "/v1/verify",
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
            | "/v1/portal/api-key"
            | "/v1/portal/api-key/regenerate"
            | "/v1/portal/whoami"
            | "/v1/time"
            | "/v1/resync"
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
    let user_id = match issuer
        .login(&username, &password, now_ms)
        .map_err(internal)?
    {
        Login::User(id) => id,
        Login::Wrong => return Err(error(401, "unauthorized")),
        Login::Throttled { retry_after_ms } => return Err(throttled(retry_after_ms)),
    };
    let optional = |name: &'static str, max: usize| -> Result<Option<String>, Answer> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => text_field(&map, name, max, name)
                .map(Some)
                .map_err(|_| malformed(name)),
        }
    };
    let code = || text_field(&map, "code", 16, "code").map_err(|_| malformed("code"));
    // A new credential: the PUK for a first one, a current code to replace one.
    let authorize = |issuer: &mut Issuer| -> Result<(), Answer> {
        let puk = optional("puk", 32)?;
        let current = optional("current_code", 16)?;
        issuer
            .authorize_new_credential(
                &username,
                user_id,
                puk.as_deref(),
                current.as_deref(),
                now_ms,
            )
            .map_err(internal)?
            .map_err(|refusal| refusal_answer(&refusal))
    };
    Ok(match path {
        "/v1/portal/activation" => {
            let chosen = optional("code", 16)?;
            authorize(issuer)?;
            let (code, expires_ms) =
                match issuer.create_activation(&username, chosen.as_deref(), now_ms) {
                    Ok(created) => created,
                    Err(IssuerError::WeakCode(why)) => {
                        return Err(answer(400, json!({"error": "weak_code", "why": why})));
                    }
                    Err(err) => return Err(internal(err)),
                };
            answer(
                200,
                json!({"code": code.as_str(), "expires_ms": expires_ms}),
            )
        }
        "/v1/portal/enrol" => {
            authorize(issuer)?;
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
            Confirmation::NothingPending => error(409, "nothing_pending"),
            Confirmation::Refused(verdict) => verdict_answer(&verdict),
        },
        "/v1/portal/api-key" => match issuer.api_key_info(&username).map_err(internal)? {
            Some(info) => answer(
                200,
                json!({"created_ms": info.created_ms, "last_used_ms": info.last_used_ms}),
            ),
            None => error(404, "no_api_key"),
        },
        "/v1/portal/api-key/regenerate" => {
            // The Sicurezza page's confirmation: a current code of the active credential.
            let current = code()?;
            let verdict = issuer
                .verify(&username, &current, now_ms)
                .map_err(internal)?;
            if !matches!(verdict, Verdict::Accepted { .. }) {
                return Err(verdict_answer(&verdict));
            }
            let key = issuer
                .regenerate_api_key(&username, now_ms)
                .map_err(internal)?;
            answer(200, json!({"api_key": key.as_str()}))
        }
        "/v1/resync" => {
            let first = text_field(&map, "code1", 16, "code1").map_err(|_| malformed("code1"))?;
            let second = text_field(&map, "code2", 16, "code2").map_err(|_| malformed("code2"))?;
            verdict_answer(
                &issuer
                    .resync(&username, &first, &second, now_ms)
                    .map_err(internal)?,
            )
        }
        _ => verdict_answer(
            &issuer
                .verify(&username, &code()?, now_ms)
                .map_err(internal)?,
        ),
    })
}

/// The server's limits. The defaults suit a portal node on a small machine.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A request's headers must arrive within this; a keep-alive connection idle this long
    /// between requests is closed too (5 s).
    pub header_timeout: Duration,
    /// A request's body must arrive within this (10 s).
    pub body_timeout: Duration,
    /// Client connections open at once; more are closed as soon as they are accepted (1,024).
    pub max_connections: usize,
    /// Database connections, each serving one request at a time (8).
    pub connections: usize,
    /// Password checks (Argon2id) running at once: the number of cores.
    pub kdf_concurrency: usize,
    /// After the stop signal, how long open connections get to finish (10 s).
    pub shutdown_grace: Duration,
    /// Password checks per second from one client address, with bursts of twice that; more
    /// get 429 `rate_limited`. 0 (the default) turns it off: behind a reverse proxy every
    /// request comes from the proxy's address, so set it where clients connect directly.
    pub per_address_rate: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
            connections: 8,
            kdf_concurrency: std::thread::available_parallelism().map_or(2, usize::from),
            shutdown_grace: Duration::from_secs(10),
            per_address_rate: 0,
        }
    }
}

/// A certificate chain and its private key, PEM files (`serve --tls-cert --tls-key`).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// How to serve.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Timeouts and caps.
    pub limits: Limits,
    /// Serve HTTPS with these files; plain HTTP when `None`.
    pub tls: Option<TlsFiles>,
}

/// Serves the API on `listen` with the default options until `stop` is set; `ready` gets the
/// bound address (port 0 picks a free one). An empty `config.origin` becomes `http://ADDRESS`.
pub fn serve(
    db: impl Into<Target>,
    config: &Config,
    listen: &str,
    stop: Arc<AtomicBool>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), IssuerError> {
    serve_with(db, config, listen, &ServeOptions::default(), stop, ready)
}

/// Serves the API on `listen` until `stop` is set (see [`serve`]); blocks the calling thread,
/// which drives its own tokio runtime.
pub fn serve_with(
    db: impl Into<Target>,
    config: &Config,
    listen: &str,
    options: &ServeOptions,
    stop: Arc<AtomicBool>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), IssuerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("otpvault-issuer")
        .build()
        .map_err(|e| IssuerError::Listen(e.to_string()))?;
    let db = db.into();
    runtime.block_on(run(&db, config, listen, options, stop, ready))
}

/// What every request handler shares.
/// `count` connections to `db`, opened on a blocking thread: connecting blocks (and PostgreSQL's
/// client drives its own runtime), so never on the async threads.
async fn connect_off_thread(
    db: &Target,
    config: &Config,
    count: usize,
) -> Result<Vec<Issuer>, IssuerError> {
    let (db, config) = (db.clone(), config.clone());
    tokio::task::spawn_blocking(move || {
        (0..count)
            .map(|_| Issuer::connect(&db, config.clone()))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|_| IssuerError::Listen("opening the database failed".into()))?
}

struct Shared {
    /// Idle database connections; `connections` counts them.
    pool: Mutex<Vec<Issuer>>,
    connections: Semaphore,
    kdf: Semaphore,
    limits: Limits,
    metrics: Metrics,
    db: Target,
    config: Config,
    /// Token buckets of password checks by client address.
    addresses: Mutex<HashMap<IpAddr, Bucket>>,
    /// Served over TLS (the pages' cookies are `Secure`).
    secure: bool,
}

/// A token bucket: `tokens` left at `at`.
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Addresses remembered at most; idle full buckets are forgotten first.
const MAX_ADDRESSES: usize = 100_000;

impl Shared {
    /// Whether `peer` may have one more password check now; if not, the seconds to wait.
    fn admit(&self, peer: IpAddr) -> Result<(), u64> {
        let rate = f64::from(self.limits.per_address_rate);
        if rate <= 0.0 {
            return Ok(());
        }
        let burst = rate * 2.0;
        let now = Instant::now();
        let Ok(mut buckets) = self.addresses.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, b| now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(peer).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// The client address of a connection, handed to its requests.
#[derive(Clone, Copy)]
struct Peer(IpAddr);

fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, IssuerError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
        IssuerError::Listen(format!("{what} {}: {e}", path.display()))
    };
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad("certificate", &files.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| bad("key", &files.key, &e))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| IssuerError::Listen(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("certificate and key", &files.cert, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn run(
    db: &Target,
    config: &Config,
    listen: &str,
    options: &ServeOptions,
    stop: Arc<AtomicBool>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), IssuerError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| IssuerError::Listen(e.to_string()))?;
    let address = listener
        .local_addr()
        .map_err(|e| IssuerError::Listen(e.to_string()))?;
    let tls = options.tls.as_ref().map(tls_acceptor).transpose()?;
    let mut config = config.clone();
    if config.origin.is_empty() {
        let scheme = if tls.is_some() { "https" } else { "http" };
        config.origin = format!("{scheme}://{address}");
    }
    let limits = options.limits.clone();
    let pool = connect_off_thread(db, &config, limits.connections.max(1)).await?;
    let shared = Arc::new(Shared {
        connections: Semaphore::new(pool.len()),
        pool: Mutex::new(pool),
        kdf: Semaphore::new(limits.kdf_concurrency.max(1)),
        limits: limits.clone(),
        metrics: Metrics::default(),
        db: db.clone(),
        config,
        addresses: Mutex::new(HashMap::new()),
        secure: tls.is_some(),
    });
    let router = axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .fallback(api)
        .with_state(shared.clone());
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    ready(address);
    tracing::info!(%address, tls = tls.is_some(), engine = db.engine(), "listening");
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = tick.tick() => {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            shared.metrics.refused();
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            TowerToHyperService::new(router.clone().layer(axum::Extension(Peer(peer.ip()))));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true);
        let watcher = graceful.watcher();
        let (shared, tls, header_timeout) = (shared.clone(), tls.clone(), limits.header_timeout);
        tokio::spawn(async move {
            shared.metrics.connection(true);
            match tls {
                None => {
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
                Some(acceptor) => {
                    // The handshake has the headers' deadline: a silent client costs a task only.
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    {
                        let connection = builder.serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(connection).await;
                    }
                }
            }
            shared.metrics.connection(false);
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("stopping: no new connections");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the grace period were closed");
    }
    // Database connections are closed on a blocking thread, as they were opened.
    let idle = shared
        .pool
        .lock()
        .map(|mut pool| std::mem::take(&mut *pool))
        .unwrap_or_default();
    let _ = tokio::task::spawn_blocking(move || drop(idle)).await;
    Ok(())
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response<Body> {
    let text = shared.metrics.render();
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The requests that check a portal password (an Argon2id run each).
fn checks_password(method: &Method, path: &str) -> bool {
    method == Method::POST
        && (crate::web::checks_password(path)
            || matches!(
                path,
                "/v1/activation/start"
                    | "/v1/portal/activation"
                    | "/v1/portal/enrol"
                    | "/v1/portal/confirm"
                    | "/v1/portal/api-key"
                    | "/v1/portal/api-key/regenerate"
                    | "/v1/resync"
                    | "/v1/verify"
            ))
}

async fn api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
    peer: Option<axum::Extension<Peer>>,
    body: Body,
) -> Response<Body> {
    let start = Instant::now();
    let path = uri.path().to_owned();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|key| Zeroizing::new(key.trim().to_owned()));
    let admitted = match peer {
        Some(peer) if checks_password(&method, &path) => shared.admit(peer.0.0),
        _ => Ok(()),
    };
    let header_text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let meta = Meta {
        bearer,
        cookie: header_text(header::COOKIE).map(Zeroizing::new),
        accept_language: header_text(header::ACCEPT_LANGUAGE),
        secure: shared.secure,
    };
    let answer = match admitted {
        Err(seconds) => {
            let mut out = answer(
                429,
                json!({"error": "rate_limited", "retry_after": seconds}),
            );
            out.retry_after = Some(seconds);
            out
        }
        Ok(()) => handle(&shared, &method, &path, meta, body).await,
    };
    let route = route_label(&path);
    shared
        .metrics
        .request(route, answer.status, start.elapsed());
    if let Some((outcome, lockout)) = answer.verification {
        shared.metrics.verification(outcome, lockout);
    }
    // Route, status and time only: never a body, a username, a code or a password.
    tracing::info!(
        method = %method,
        route,
        status = answer.status,
        ms = start.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        axum::http::StatusCode::from_u16(answer.status).unwrap_or(axum::http::StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(seconds) = answer.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    for (name, value) in answer.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}

/// What a handler needs of a request's headers.
struct Meta {
    bearer: Option<Zeroizing<String>>,
    cookie: Option<Zeroizing<String>>,
    accept_language: Option<String>,
    secure: bool,
}

async fn handle(shared: &Shared, method: &Method, path: &str, meta: Meta, body: Body) -> Answer {
    // Health needs no database connection: it answers even when every connection is busy.
    if method == Method::GET && path == "/v1/health" {
        return answer(200, json!({"status": "ok"}));
    }
    let limited = Limited::new(body, MAX_BODY);
    let body = match tokio::time::timeout(shared.limits.body_timeout, limited.collect()).await {
        Err(_) => return error(408, "body_timeout"),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return error(413, "too_large");
        }
        Ok(Err(_)) => return error(400, "unreadable"),
        Ok(Ok(collected)) => Zeroizing::new(collected.to_bytes().to_vec()),
    };
    if std::str::from_utf8(&body).is_err() {
        return error(400, "not_utf8");
    }
    // Password checks queue for a KDF slot before they take a database connection.
    let _kdf = if checks_password(method, path) {
        shared.kdf.acquire().await.ok()
    } else {
        None
    };
    let Ok(_connection) = shared.connections.acquire().await else {
        return error(503, "unavailable");
    };
    let Some(mut issuer) = shared.pool.lock().ok().and_then(|mut pool| pool.pop()) else {
        return error(503, "unavailable");
    };
    let (method, path) = (method.as_str().to_owned(), path.to_owned());
    let worked = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&body).unwrap_or_default();
        let answer = if crate::web::is_page(&path) {
            let request = crate::web::WebRequest {
                method: &method,
                path: &path,
                body: text,
                cookie: meta.cookie.as_ref().map(|c| c.as_str()),
                accept_language: meta.accept_language.as_deref(),
                secure: meta.secure,
            };
            crate::web::route(&mut issuer, &request, now_ms())
        } else {
            let bearer = meta.bearer.as_ref().map(|key| key.as_str());
            route_with_bearer(&mut issuer, &method, &path, text, bearer, now_ms())
        };
        (issuer, answer)
    })
    .await;
    match worked {
        Ok((issuer, answer)) => {
            if let Ok(mut pool) = shared.pool.lock() {
                pool.push(issuer);
            }
            answer
        }
        Err(_) => {
            // The connection went with the failed task: open another in its place.
            if let Ok(fresh) = connect_off_thread(&shared.db, &shared.config, 1).await
                && let Ok(mut pool) = shared.pool.lock()
            {
                pool.extend(fresh);
            }
            error(500, "internal")
        }
    }
}
