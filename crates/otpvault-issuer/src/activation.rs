//! Portal users and the issuer's side of `otpvault-activation/v1` (see
//! [`otpvault_core::activation`] for the protocol).
//!
//! - An activation code is 5 uniformly random digits, valid 300 s, single use, burned after 3
//!   exchanges that did not end in a confirmed activation. The attempt is committed **before**
//!   the server computes its answer, so a crash or a dropped connection never gives a free guess.
//! - A start request with an unknown username or a wrong password gets a session too, run
//!   against a *decoy* activation (a random 20-digit code no one knows, with the same expiry and
//!   attempt rules): the answers look the same, so usernames cannot be enumerated, and the
//!   password and code can only be tested together, online, 3 times per code.

use crate::{
    ACTIVATION_ATTEMPTS, ACTIVATION_DIGITS, ACTIVATION_TTL_MS, Issuer, IssuerError, password,
    random, random_digits,
};
use otpvault_core::Algorithm;
use otpvault_core::activation::{
    self, CredentialParams, MAX_FIELD, NONCE_LEN, cpace, hex_encode, hex_field, parse_body,
    text_field,
};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Sessions (started exchanges) are purged after this long.
const SESSION_TTL_MS: u64 = 900_000;
/// Decoy activations are purged after a day.
const DECOY_TTL_MS: u64 = 86_400_000;

/// Why a step of the activation protocol was refused; each maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// 400: the message is not what the protocol says.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// 404: no such session.
    #[error("unknown session")]
    UnknownSession,
    /// 410: the code expired.
    #[error("expired")]
    Expired,
    /// 410: the code was burned.
    #[error("burned")]
    Burned,
    /// 409: the code or the session was already used.
    #[error("already used")]
    Used,
    /// 401: the client's confirmation does not verify.
    #[error(
        "wrong code ({})",
        otpvault_core::activation::attempts_words(*attempts_left)
    )]
    WrongCode {
        /// Exchanges left for this code.
        attempts_left: u32,
    },
    /// 500.
    #[error("internal error")]
    Internal,
}

impl From<rusqlite::Error> for StepError {
    fn from(_: rusqlite::Error) -> Self {
        Self::Internal
    }
}

impl From<IssuerError> for StepError {
    fn from(err: IssuerError) -> Self {
        match err {
            IssuerError::Activation(step) => step,
            _ => Self::Internal,
        }
    }
}

impl From<activation::ActivationError> for StepError {
    fn from(err: activation::ActivationError) -> Self {
        match err {
            activation::ActivationError::Malformed { what } => Self::Malformed(what),
            _ => Self::Internal,
        }
    }
}

struct ActivationRow {
    user_id: Option<i64>,
    username: String,
    code: Zeroizing<String>,
    expires_ms: u64,
    attempts: u32,
    used: bool,
}

fn check_name(name: &str) -> Result<(), IssuerError> {
    if name.is_empty() || name.len() > MAX_FIELD || name.chars().any(char::is_control) {
        return Err(IssuerError::InvalidInput(
            "the username must be 1 to 256 bytes without control characters",
        ));
    }
    Ok(())
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Issuer {
    /// Creates a portal user.
    pub fn add_user(&mut self, name: &str, password: &str, now_ms: u64) -> Result<(), IssuerError> {
        check_name(name)?;
        let hash = password::hash(password, self.config.password_memory_kib)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(IssuerError::UserExists);
        }
        tx.execute(
            "INSERT INTO users (name, password_hash, created_ms) VALUES (?1, ?2, ?3)",
            params![name, hash, to_i64(now_ms)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The user's id if `password` is theirs. Costs one Argon2id run whether or not the user
    /// exists.
    pub fn authenticate(&self, name: &str, password: &str) -> Result<Option<i64>, IssuerError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, password_hash FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        static DUMMY: OnceLock<String> = OnceLock::new();
        let memory = self.config.password_memory_kib;
        match row {
            Some((id, hash)) => Ok(password::verify(password, &hash).then_some(id)),
            None => {
                let dummy = DUMMY.get_or_init(|| password::dummy_hash(memory));
                let _ = password::verify(password, dummy);
                Ok(None)
            }
        }
    }

    fn user_id(&self, name: &str) -> Result<i64, IssuerError> {
        self.conn
            .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or(IssuerError::UnknownUser)
    }

    /// Creates an activation code for `name` (what the portal shows after the user logged in):
    /// 5 random digits, valid 300 s. Any earlier unused code of the user stops working. Returns
    /// the code and its expiry (ms since the epoch).
    pub fn create_activation(
        &mut self,
        name: &str,
        now_ms: u64,
    ) -> Result<(Zeroizing<String>, u64), IssuerError> {
        let user_id = self.user_id(name)?;
        let code = Zeroizing::new(random_digits(ACTIVATION_DIGITS)?);
        let expires = now_ms.saturating_add(ACTIVATION_TTL_MS);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE activations SET used = 1 WHERE user_id = ?1 AND used = 0",
            [user_id],
        )?;
        tx.execute(
            "INSERT INTO activations (user_id, username, code, created_ms, expires_ms, decoy)
             VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            params![
                user_id,
                name,
                code.as_str(),
                to_i64(now_ms),
                to_i64(expires)
            ],
        )?;
        tx.commit()?;
        Ok((code, expires))
    }

    /// Step 1: `{username, password, client_nonce}` → `{session}`.
    pub fn activation_start(&mut self, body: &str, now_ms: u64) -> Result<String, StepError> {
        let map = parse_body(body)?;
        let username = text_field(&map, "username", MAX_FIELD, "username")?;
        let password = Zeroizing::new(text_field(&map, "password", MAX_FIELD, "password")?);
        let client_nonce = hex_field(&map, "client_nonce", NONCE_LEN, "client_nonce")?;
        let user_id = self.authenticate(&username, &password)?;
        let nonce = random::<NONCE_LEN>()?;
        let decoy_code = Zeroizing::new(random_digits(20)?);
        let now = to_i64(now_ms);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM activation_sessions WHERE created_ms < ?1",
            [now.saturating_sub(to_i64(SESSION_TTL_MS))],
        )?;
        tx.execute(
            "DELETE FROM activations WHERE decoy = 1 AND created_ms < ?1",
            [now.saturating_sub(to_i64(DECOY_TTL_MS))],
        )?;
        let real: Option<i64> = match user_id {
            Some(id) => tx
                .query_row(
                    "SELECT id FROM activations WHERE user_id = ?1 AND decoy = 0 AND used = 0
                     ORDER BY id DESC LIMIT 1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        };
        let activation_id = match real {
            Some(id) => id,
            None => {
                let decoy: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM activations WHERE username = ?1 AND decoy = 1
                         ORDER BY id DESC LIMIT 1",
                        [&username],
                        |r| r.get(0),
                    )
                    .optional()?;
                match decoy {
                    Some(id) => id,
                    None => {
                        tx.execute(
                            "INSERT INTO activations
                             (user_id, username, code, created_ms, expires_ms, decoy)
                             VALUES (NULL, ?1, ?2, ?3, ?4, 1)",
                            params![
                                username,
                                decoy_code.as_str(),
                                now,
                                now.saturating_add(to_i64(ACTIVATION_TTL_MS))
                            ],
                        )?;
                        tx.last_insert_rowid()
                    }
                }
            }
        };
        tx.execute(
            "INSERT INTO activation_sessions (nonce, activation_id, client_nonce, created_ms, state)
             VALUES (?1, ?2, ?3, ?4, 0)",
            params![nonce.as_slice(), activation_id, client_nonce, now],
        )?;
        tx.commit()?;
        Ok(activation::start_body(&nonce))
    }

    fn load_activation(
        tx: &rusqlite::Transaction<'_>,
        id: i64,
    ) -> Result<ActivationRow, StepError> {
        Ok(tx.query_row(
            "SELECT user_id, username, code, expires_ms, attempts, used FROM activations
             WHERE id = ?1",
            [id],
            |r| {
                Ok(ActivationRow {
                    user_id: r.get(0)?,
                    username: r.get(1)?,
                    code: Zeroizing::new(r.get(2)?),
                    expires_ms: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    attempts: r.get(4)?,
                    used: r.get::<_, i64>(5)? != 0,
                })
            },
        )?)
    }

    /// Step 2: `{session, ya}` → `{yb, credential, tb, attempts_left}`. The attempt is committed
    /// before the answer is computed.
    pub fn activation_exchange(&mut self, body: &str, now_ms: u64) -> Result<String, StepError> {
        let map = parse_body(body)?;
        let nonce = hex_field(&map, "session", NONCE_LEN, "session")?;
        let ya = hex_field(&map, "ya", cpace::POINT_LEN, "ya")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let session: Option<(i64, Vec<u8>, i64)> = tx
            .query_row(
                "SELECT activation_id, client_nonce, state FROM activation_sessions
                 WHERE nonce = ?1",
                [&nonce],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (activation_id, client_nonce, state) = session.ok_or(StepError::UnknownSession)?;
        if state != 0 {
            return Err(StepError::Used);
        }
        let row = Self::load_activation(&tx, activation_id)?;
        if row.used {
            return Err(StepError::Used);
        }
        if now_ms > row.expires_ms {
            return Err(StepError::Expired);
        }
        if row.attempts >= ACTIVATION_ATTEMPTS {
            return Err(StepError::Burned);
        }
        let attempts = row.attempts + 1;
        tx.execute(
            "UPDATE activations SET attempts = ?1 WHERE id = ?2",
            params![attempts, activation_id],
        )?;
        tx.execute(
            "UPDATE activation_sessions SET state = 1 WHERE nonce = ?1",
            [&nonce],
        )?;
        tx.commit()?;

        let credential = CredentialParams {
            id: format!("c{}", hex_encode(&random::<12>()?)),
            issuer: self.config.issuer.clone(),
            account: row.username.clone(),
            algorithm: self.config.algorithm,
            digits: self.config.digits,
            period: self.config.period,
        };
        let (exchange, keys) = activation::server_exchange(
            &self.config.origin,
            &row.username,
            row.code.as_bytes(),
            &client_nonce,
            &nonce,
            &ya,
            &credential,
            random::<32>()?,
        )?;
        self.conn.execute(
            "UPDATE activation_sessions SET credential_id = ?1, expected_ta = ?2,
             finish_key = ?3, secret = ?4 WHERE nonce = ?5",
            params![
                credential.id,
                keys.expected_ta.as_slice(),
                keys.finish_key.as_slice(),
                keys.secret.as_slice(),
                nonce
            ],
        )?;
        Ok(exchange.to_json(&credential, ACTIVATION_ATTEMPTS - attempts))
    }

    /// Step 3: `{session, ta}` → `{server_time_ms, tf}`; on success the credential is created
    /// (replacing the user's earlier one) and the code is used up.
    pub fn activation_confirm(&mut self, body: &str, now_ms: u64) -> Result<String, StepError> {
        let map = parse_body(body)?;
        let nonce = hex_field(&map, "session", NONCE_LEN, "session")?;
        let ta = hex_field(&map, "ta", cpace::ISK_LEN, "ta")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        type Keys = (
            i64,
            i64,
            Option<String>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
        );
        let session: Option<Keys> = tx
            .query_row(
                "SELECT activation_id, state, credential_id, expected_ta, finish_key, secret
                 FROM activation_sessions WHERE nonce = ?1",
                [&nonce],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?;
        let (activation_id, state, credential_id, expected, finish_key, secret) =
            session.ok_or(StepError::UnknownSession)?;
        let (Some(credential_id), Some(expected), Some(finish_key), Some(secret)) = (
            credential_id,
            expected,
            finish_key,
            secret.map(Zeroizing::new),
        ) else {
            return Err(if state == 0 {
                StepError::Malformed("confirm before exchange")
            } else {
                StepError::Used
            });
        };
        let finish_key = Zeroizing::new(finish_key);
        if state != 1 {
            return Err(StepError::Used);
        }
        let row = Self::load_activation(&tx, activation_id)?;
        // The session is spent whatever the outcome; its keys are erased.
        tx.execute(
            "UPDATE activation_sessions SET state = 2, expected_ta = NULL, finish_key = NULL,
             secret = NULL WHERE nonce = ?1",
            [&nonce],
        )?;
        if row.used {
            tx.commit()?;
            return Err(StepError::Used);
        }
        if now_ms > row.expires_ms {
            tx.commit()?;
            return Err(StepError::Expired);
        }
        let user_id = match row.user_id {
            Some(id) if cpace::tag_matches(&expected, &ta) => id,
            _ => {
                tx.commit()?;
                return Err(StepError::WrongCode {
                    attempts_left: ACTIVATION_ATTEMPTS.saturating_sub(row.attempts),
                });
            }
        };
        tx.execute(
            "UPDATE activations SET used = 1 WHERE id = ?1",
            [activation_id],
        )?;
        tx.execute(
            "UPDATE credentials SET status = 'revoked' WHERE user_id = ?1 AND status = 'active'",
            [user_id],
        )?;
        insert_credential(
            &tx,
            &self.config,
            (&credential_id, user_id, secret.as_slice()),
            "active",
            "activation",
            now_ms,
        )?;
        tx.commit()?;
        Ok(activation::finish_body(&finish_key, now_ms))
    }
}

/// Inserts a credential with the issuer's algorithm, digits and period: `(id, user id, secret)`,
/// its status (`pending`/`active`) and where it came from (`activation`/`enrolment`).
pub(crate) fn insert_credential(
    tx: &rusqlite::Transaction<'_>,
    config: &crate::Config,
    (id, user_id, secret): (&str, i64, &[u8]),
    status: &str,
    source: &str,
    now_ms: u64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO credentials (id, user_id, secret, algorithm, digits, period, status, source,
         created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            user_id,
            secret,
            config.algorithm.as_str(),
            config.digits,
            config.period,
            status,
            source,
            to_i64(now_ms)
        ],
    )?;
    Ok(())
}

/// The algorithm column of a credential.
pub(crate) fn parse_algorithm(name: &str) -> Algorithm {
    Algorithm::parse(name).unwrap_or(Algorithm::Sha1)
}
