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

use crate::account::Login;
use crate::args;
use crate::db::{DbError, Sql, Tx};
use crate::{
    ACTIVATION_ATTEMPTS, ACTIVATION_DIGITS, ACTIVATION_TTL_MS, Issuer, IssuerError, password,
    random, random_digits,
};
use otpvault_core::Algorithm;
use otpvault_core::activation::{
    self, CredentialParams, MAX_FIELD, NONCE_LEN, cpace, hex_encode, hex_field, parse_body,
    text_field,
};
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
    /// 429: too many wrong passwords for this name; try again later.
    #[error("too many wrong passwords: try again in {} s", retry_after_ms.div_ceil(1000))]
    Throttled {
        /// Milliseconds until the next attempt is checked.
        retry_after_ms: u64,
    },
    /// 500.
    #[error("internal error")]
    Internal,
}

impl From<DbError> for StepError {
    fn from(_: DbError) -> Self {
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
    /// Creates a portal user and returns the account's one-time PUK (shown once: only its
    /// Argon2id hash is kept), which the first enrolment or activation needs.
    pub fn add_user(
        &mut self,
        name: &str,
        password: &str,
        now_ms: u64,
    ) -> Result<Zeroizing<String>, IssuerError> {
        check_name(name)?;
        let hash = password::hash(password, self.config.password_memory_kib)?;
        let user_id = self.db.transaction(|tx| -> Result<i64, IssuerError> {
            let exists = tx
                .query_one(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)",
                    args![name],
                )?
                .int(0)?;
            if exists != 0 {
                return Err(IssuerError::UserExists);
            }
            Ok(tx
                .query_one(
                    "INSERT INTO users (name, password_hash, created_ms) VALUES (?1, ?2, ?3)
                     RETURNING id",
                    args![name, &hash, to_i64(now_ms)],
                )?
                .int(0)?)
        })?;
        self.issue_puk(user_id)
    }

    pub(crate) fn user_id(&mut self, name: &str) -> Result<i64, IssuerError> {
        Ok(self
            .db
            .query_opt("SELECT id FROM users WHERE name = ?1", args![name])?
            .ok_or(IssuerError::UnknownUser)?
            .int(0)?)
    }

    /// Creates an activation code for `name` (what the portal shows after the user logged in):
    /// the 5 digits the user chose (refused when among the first guesses, with the reason:
    /// [`crate::account::weak_activation_code`]) or 5 random ones, valid 300 s. Any earlier
    /// unused code of the user stops working. Returns the code and its expiry (ms since the
    /// epoch).
    pub fn create_activation(
        &mut self,
        name: &str,
        chosen: Option<&str>,
        now_ms: u64,
    ) -> Result<(Zeroizing<String>, u64), IssuerError> {
        let user_id = self.user_id(name)?;
        let code = match chosen {
            Some(chosen) => {
                if let Some(why) = crate::account::weak_activation_code(chosen) {
                    return Err(IssuerError::WeakCode(why));
                }
                Zeroizing::new(chosen.to_owned())
            }
            None => Zeroizing::new(random_digits(ACTIVATION_DIGITS)?),
        };
        let expires = now_ms.saturating_add(ACTIVATION_TTL_MS);
        self.db.transaction(|tx| -> Result<(), IssuerError> {
            tx.execute(
                "UPDATE activations SET used = 1 WHERE user_id = ?1 AND used = 0",
                args![user_id],
            )?;
            tx.execute(
                "INSERT INTO activations (user_id, username, code, created_ms, expires_ms, decoy)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                args![
                    user_id,
                    name,
                    code.as_str(),
                    to_i64(now_ms),
                    to_i64(expires)
                ],
            )?;
            Ok(())
        })?;
        Ok((code, expires))
    }

    /// Step 1: `{username, password, client_nonce}` → `{session}`.
    pub fn activation_start(&mut self, body: &str, now_ms: u64) -> Result<String, StepError> {
        let map = parse_body(body)?;
        let username = text_field(&map, "username", MAX_FIELD, "username")?;
        let password = Zeroizing::new(text_field(&map, "password", MAX_FIELD, "password")?);
        let client_nonce = hex_field(&map, "client_nonce", NONCE_LEN, "client_nonce")?;
        // A wrong password for a known user runs against the user's real activation (its
        // expiry and its 3 attempts, with a code no one knows): the answers, and when they turn
        // to "burned" or "expired", are those a right password with a wrong code would get.
        let (user_id, password_ok) = match self.login(&username, &password, now_ms)? {
            Login::User(id) => (Some(id), true),
            Login::Wrong => (self.user_id(&username).ok(), false),
            Login::Throttled { retry_after_ms } => {
                return Err(StepError::Throttled { retry_after_ms });
            }
        };
        let nonce = random::<NONCE_LEN>()?;
        let decoy_code = Zeroizing::new(random_digits(20)?);
        let now = to_i64(now_ms);
        self.db.transaction(|tx| -> Result<(), StepError> {
            tx.execute(
                "DELETE FROM activation_sessions WHERE created_ms < ?1",
                args![now.saturating_sub(to_i64(SESSION_TTL_MS))],
            )?;
            tx.execute(
                "DELETE FROM activations WHERE decoy = 1 AND created_ms < ?1",
                args![now.saturating_sub(to_i64(DECOY_TTL_MS))],
            )?;
            let real = match user_id {
                Some(id) => tx
                    .query_opt(
                        "SELECT id FROM activations WHERE user_id = ?1 AND decoy = 0 AND used = 0
                         ORDER BY id DESC LIMIT 1",
                        args![id],
                    )?
                    .map(|row| row.int(0))
                    .transpose()?,
                None => None,
            };
            let decoy = match real {
                Some(_) => None,
                None => tx
                    .query_opt(
                        "SELECT id FROM activations WHERE username = ?1 AND decoy = 1
                         ORDER BY id DESC LIMIT 1",
                        args![&username],
                    )?
                    .map(|row| row.int(0))
                    .transpose()?,
            };
            let activation_id = match real.or(decoy) {
                Some(id) => id,
                None => tx
                    .query_one(
                        "INSERT INTO activations
                         (user_id, username, code, created_ms, expires_ms, decoy)
                         VALUES (NULL, ?1, ?2, ?3, ?4, 1) RETURNING id",
                        args![
                            &username,
                            decoy_code.as_str(),
                            now,
                            now.saturating_add(to_i64(ACTIVATION_TTL_MS))
                        ],
                    )?
                    .int(0)?,
            };
            tx.execute(
                "INSERT INTO activation_sessions
                 (nonce, activation_id, client_nonce, created_ms, state, password_ok)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                args![
                    nonce.as_slice(),
                    activation_id,
                    &client_nonce,
                    now,
                    real.is_some() && password_ok
                ],
            )?;
            Ok(())
        })?;
        Ok(activation::start_body(&nonce, &self.config.origin))
    }

    fn load_activation(tx: &mut Tx<'_>, id: i64) -> Result<ActivationRow, StepError> {
        let row = tx.query_one(
            "SELECT user_id, username, code, expires_ms, attempts, used FROM activations
             WHERE id = ?1",
            args![id],
        )?;
        Ok(ActivationRow {
            user_id: row.opt_int(0)?,
            username: row.text(1)?,
            code: Zeroizing::new(row.text(2)?),
            expires_ms: u64::try_from(row.int(3)?).unwrap_or(0),
            attempts: row.uint(4)?,
            used: row.int(5)? != 0,
        })
    }

    /// Step 2: `{session, ya}` → `{yb, credential, tb, attempts_left}`. The attempt is committed
    /// before the answer is computed.
    pub fn activation_exchange(&mut self, body: &str, now_ms: u64) -> Result<String, StepError> {
        let map = parse_body(body)?;
        let nonce = hex_field(&map, "session", NONCE_LEN, "session")?;
        let ya = hex_field(&map, "ya", cpace::POINT_LEN, "ya")?;
        let (client_nonce, row, attempts, password_ok) = self.db.transaction(|tx| {
            let session = tx
                .query_opt(
                    "SELECT activation_id, client_nonce, state, password_ok
                     FROM activation_sessions WHERE nonce = ?1",
                    args![&nonce],
                )?
                .ok_or(StepError::UnknownSession)?;
            let (activation_id, client_nonce, state, password_ok) = (
                session.int(0)?,
                session.blob(1)?,
                session.int(2)?,
                session.int(3)? != 0,
            );
            if state != 0 {
                return Err(StepError::Used);
            }
            let row = Self::load_activation(tx, activation_id)?;
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
                args![attempts, activation_id],
            )?;
            tx.execute(
                "UPDATE activation_sessions SET state = 1 WHERE nonce = ?1",
                args![&nonce],
            )?;
            Ok((client_nonce, row, attempts, password_ok))
        })?;
        // Without the right password the exchange runs with a code no one knows.
        let code = if password_ok {
            row.code.clone()
        } else {
            Zeroizing::new(random_digits(20)?)
        };

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
            code.as_bytes(),
            &client_nonce,
            &nonce,
            &ya,
            &credential,
            random::<32>()?,
        )?;
        self.db.execute(
            "UPDATE activation_sessions SET credential_id = ?1, expected_ta = ?2,
             finish_key = ?3, secret = ?4 WHERE nonce = ?5",
            args![
                &credential.id,
                keys.expected_ta.as_slice(),
                keys.finish_key.as_slice(),
                keys.secret.as_slice(),
                &nonce
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
        let config = &self.config;
        // `Err` rolls back; `Ok(Err(_))` commits (the session is spent) and refuses.
        let finish_key = self.db.transaction(|tx| {
            let session = tx
                .query_opt(
                    "SELECT activation_id, state, credential_id, expected_ta, finish_key, secret,
                     password_ok FROM activation_sessions WHERE nonce = ?1",
                    args![&nonce],
                )?
                .ok_or(StepError::UnknownSession)?;
            let (activation_id, state) = (session.int(0)?, session.int(1)?);
            let password_ok = session.int(6)? != 0;
            let (Some(credential_id), Some(expected), Some(finish_key), Some(secret)) = (
                session.opt_text(2)?,
                session.opt_blob(3)?,
                session.opt_blob(4)?.map(Zeroizing::new),
                session.opt_blob(5)?.map(Zeroizing::new),
            ) else {
                return Err(if state == 0 {
                    StepError::Malformed("confirm before exchange")
                } else {
                    StepError::Used
                });
            };
            if state != 1 {
                return Err(StepError::Used);
            }
            let row = Self::load_activation(tx, activation_id)?;
            // The session is spent whatever the outcome; its keys are erased.
            tx.execute(
                "UPDATE activation_sessions SET state = 2, expected_ta = NULL, finish_key = NULL,
                 secret = NULL WHERE nonce = ?1",
                args![&nonce],
            )?;
            if row.used {
                return Ok(Err(StepError::Used));
            }
            if now_ms > row.expires_ms {
                return Ok(Err(StepError::Expired));
            }
            let user_id = match row.user_id {
                Some(id) if password_ok && cpace::tag_matches(&expected, &ta) => id,
                _ => {
                    return Ok(Err(StepError::WrongCode {
                        attempts_left: ACTIVATION_ATTEMPTS.saturating_sub(row.attempts),
                    }));
                }
            };
            tx.execute(
                "UPDATE activations SET used = 1 WHERE id = ?1",
                args![activation_id],
            )?;
            tx.execute(
                "UPDATE credentials SET status = 'revoked' WHERE user_id = ?1 AND status = 'active'",
                args![user_id],
            )?;
            // A credential the user holds uses the PUK up.
            tx.execute(
                "UPDATE users SET puk_hash = NULL, puk_failures = 0 WHERE id = ?1",
                args![user_id],
            )?;
            insert_credential(
                tx,
                config,
                (&credential_id, user_id, secret.as_slice()),
                "active",
                "activation",
                now_ms,
            )?;
            Ok(Ok(finish_key))
        })??;
        Ok(activation::finish_body(&finish_key, now_ms))
    }
}

/// Inserts a credential with the issuer's algorithm, digits and period: `(id, user id, secret)`,
/// its status (`pending`/`active`) and where it came from (`activation`/`enrolment`).
pub(crate) fn insert_credential(
    tx: &mut Tx<'_>,
    config: &crate::Config,
    (id, user_id, secret): (&str, i64, &[u8]),
    status: &str,
    source: &str,
    now_ms: u64,
) -> Result<(), IssuerError> {
    // Sealed under the node's current KEK, when it has one.
    let stored = config.keys.seal(id, secret)?;
    tx.execute(
        "INSERT INTO credentials (id, user_id, secret, algorithm, digits, period, status, source,
         created_ms, kek_id, wrapped_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        args![
            id,
            user_id,
            stored.secret.as_slice(),
            config.algorithm.as_str(),
            config.digits,
            config.period,
            status,
            source,
            to_i64(now_ms),
            stored.kek_id.clone(),
            stored.wrapped_key.clone()
        ],
    )?;
    Ok(())
}

/// The algorithm column of a credential.
pub(crate) fn parse_algorithm(name: &str) -> Algorithm {
    Algorithm::parse(name).unwrap_or(Algorithm::Sha1)
}
