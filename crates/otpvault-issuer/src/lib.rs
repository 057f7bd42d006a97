//! # otpvault-issuer
//!
//! A reference issuer, as a portal would run it: portal users with Argon2id password hashes,
//! activation with a 5-digit code over CPace (the server side of
//! [`otpvault_core::activation`]), CARGOS-style enrolment (an `otpauth://` URI and its QR code,
//! confirmed by the first code, then an API key), and a TOTP verifier with a ±1 step window,
//! replay refusal by compare-and-swap, durable failure counting with lockout, and drift recording.
//!
//! State lives in one SQLite file, or in PostgreSQL shared by several issuer nodes ([`db`],
//! [`store`]); every change is one atomic statement or a transaction, and every call takes the
//! time explicitly (`now_ms`) so tests can move it.

#![forbid(unsafe_code)]

pub mod account;
pub mod activation;
pub mod db;
pub mod http;
pub mod metrics;
pub mod password;
pub mod seal;
pub mod store;
pub mod verifier;
pub mod web;

use db::{Db, Target};
use otpvault_core::Algorithm;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds an activation code stays valid.
pub const ACTIVATION_TTL_MS: u64 = 300_000;
/// Failed exchanges that burn an activation code.
pub const ACTIVATION_ATTEMPTS: u32 = 3;
/// Digits of an activation code.
pub const ACTIVATION_DIGITS: usize = 5;

/// What the issuer proposes for new credentials and how it verifies codes.
#[derive(Debug, Clone)]
pub struct Config {
    /// The issuer name shown in apps.
    pub issuer: String,
    /// This server's origin as apps are configured with it (bound into every activation).
    pub origin: String,
    /// HMAC algorithm of new credentials.
    pub algorithm: Algorithm,
    /// Digits of new credentials.
    pub digits: u8,
    /// Period of new credentials.
    pub period: u32,
    /// Steps accepted either side of the current one (RFC 6238 §5.2).
    pub window: u32,
    /// Consecutive failures before a lockout (RFC 4226 §7.3).
    pub max_failures: u32,
    /// First lockout, doubled with every further failure, capped at one hour.
    pub lockout_ms: u64,
    /// Argon2id memory in KiB for portal passwords.
    pub password_memory_kib: u32,
    /// The key-encryption keys that seal credential secrets at rest (none: stored in clear).
    pub keys: seal::Keyring,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: "otpvault-issuer".into(),
            origin: "http://127.0.0.1:8080".into(),
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            window: 1,
            max_failures: 5,
            lockout_ms: 30_000,
            password_memory_kib: password::DEFAULT_MEMORY_KIB,
            keys: seal::Keyring::default(),
        }
    }
}

/// Errors of the issuer. Messages never carry a code, a password, a secret or a key.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The database failed.
    #[error("database: {0}")]
    Storage(#[from] db::DbError),
    /// The database file is from a newer version.
    #[error("the database has schema version {0}, newer than this issuer knows")]
    TooNew(i64),
    /// No such user.
    #[error("no such user")]
    UnknownUser,
    /// The user already exists.
    #[error("the user already exists")]
    UserExists,
    /// The username or password is unusable.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The activation protocol refused a message.
    #[error(transparent)]
    Activation(#[from] activation::StepError),
    /// The operating system's random number generator failed.
    #[error("the random number generator failed")]
    Rng,
    /// The user has no active credential.
    #[error("the user has no active credential")]
    NoCredential,
    /// A chosen activation code is among the first guesses (the reason).
    #[error("choose another code: {0}")]
    WeakCode(&'static str),
    /// A sealed secret could not be opened (the reason; never the key).
    #[error("sealed secret: {0}")]
    Sealed(&'static str),
    /// A row changed under too many concurrent requests to settle; try again.
    #[error("too many concurrent changes; try again")]
    Busy,
    /// The server could not listen.
    #[error("listen: {0}")]
    Listen(String),
    /// Writing the QR image failed.
    #[error(transparent)]
    Qr(#[from] otpvault_qr::QrError),
}

/// An issuer over one connection to its database (open one per thread).
pub struct Issuer {
    db: Db,
    config: Config,
}

impl Issuer {
    /// Opens (creating and migrating) the SQLite issuer database at `path`.
    pub fn open(path: &Path, config: Config) -> Result<Self, IssuerError> {
        Self::connect(&Target::from(path), config)
    }

    /// Connects to the database at `target` (an SQLite file or a PostgreSQL URL) and runs the
    /// migrations it lacks.
    pub fn connect(target: &Target, config: Config) -> Result<Self, IssuerError> {
        // SQLite may answer "busy" without waiting while another connection creates the file
        // or switches it to WAL (nodes and pools starting together): a few short retries.
        let mut attempt = 0;
        loop {
            let opened = Db::connect(target)
                .map_err(IssuerError::from)
                .and_then(|mut db| store::migrate(&mut db).map(|()| db));
            match opened {
                Ok(db) => return Ok(Self { db, config }),
                Err(IssuerError::Storage(db::DbError::Sqlite(rusqlite::Error::SqliteFailure(
                    failure,
                    _,
                )))) if failure.code == rusqlite::ErrorCode::DatabaseBusy && attempt < 50 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The database connection (for tests and the benches that inspect state).
    pub fn db(&mut self) -> &mut Db {
        &mut self.db
    }
}

/// The wall clock in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Random bytes from the OS.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], IssuerError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| IssuerError::Rng)?;
    Ok(out)
}

/// A uniformly random decimal string of `digits` digits (rejection sampling, no modulo bias).
pub(crate) fn random_digits(digits: usize) -> Result<String, IssuerError> {
    let mut out = String::with_capacity(digits);
    while out.len() < digits {
        let [byte] = random::<1>()?;
        if byte < 250 {
            out.push(char::from(b'0' + byte % 10));
        }
    }
    Ok(out)
}
