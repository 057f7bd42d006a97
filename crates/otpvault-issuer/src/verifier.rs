//! The code verifier every portal needs, and CARGOS-style enrolment on top of it.
//!
//! `verify(user, code, now)`:
//! 1. The credential is read. A locked-out one answers `LockedOut` with the time left.
//! 2. The code is compared in constant time with the steps `current ± window` (RFC 6238 §5.2),
//!    the window stretched on one side by the drift the last accepted code showed (§6; at most
//!    `window` more steps), so a clock that runs steadily behind keeps working while the ±2
//!    steps of a fresh credential stay refused.
//! 3. **One conditional write decides, and the answer is given only after it is committed**,
//!    so a crash or a killed request can reveal nothing about a guess that was not counted
//!    (RFC 4226 §7.3). Each write is a single statement, atomic on both engines, that re-checks
//!    the row it locked, whichever connection, process or node the competing requests reached:
//!    - a match is accepted by a compare-and-swap, `UPDATE … SET last_step = s WHERE
//!      last_step < s AND locked_until <= now`: of N concurrent submissions of one code exactly
//!      one changes the row. The others, and any code for a step not newer than the last
//!      accepted one, are `Replayed`, which counts as no failure (a replay is no guess at the
//!      secret, and must not be a lever to lock the user out). Acceptance resets the failure
//!      counter and records the drift;
//!    - a mismatch sets `failures = n + 1` where the row still says `n` and is not locked, with
//!      the lockout that count starts (at `max_failures`: `lockout_ms`, doubled with every
//!      further failure, capped at an hour). When the row changed since it was read, the
//!      request reads it again and retries: every wrong code is counted exactly once, and once
//!      a concurrent failure has locked the credential the others answer `LockedOut` without
//!      telling whether their code was right.

use crate::activation::parse_algorithm;
use crate::args;
use crate::db::{Row, Sql};
use crate::{Issuer, IssuerError, random};
use otpvault_core::activation::hex_encode;
use otpvault_core::{Format, Generator, OtpKind, Secret, Token, TokenParams};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Longest lockout.
const MAX_LOCKOUT_MS: u64 = 3_600_000;
/// Conditional writes re-read and retried at most this often under contention on one row.
const MAX_CONTENTION_RETRIES: usize = 1_000;

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Steps either side of now that a resync searches (100 steps of 30 s: 50 minutes), and the
/// largest drift a credential keeps.
pub const RESYNC_STEPS: i64 = 100;

/// What a verification checks: one code, or two consecutive ones (a resync).
#[derive(Clone, Copy)]
enum Probe<'a> {
    Code(&'a str),
    Resync(&'a str, &'a str),
}

/// The step of the second of two consecutive codes within [`RESYNC_STEPS`] of now (the pair
/// closest to now wins), its drift, and the step of the first code.
fn resync_step(
    row: &CredentialRow,
    first: &str,
    second: &str,
    now_ms: u64,
) -> Result<Option<(u64, i64, u64)>, IssuerError> {
    let generator = row.generator()?;
    let current = now_ms / 1000 / u64::from(row.period.max(1));
    let mut best: Option<(u64, i64, u64)> = None;
    let mut previous: Option<(u64, bool)> = None;
    for offset in -RESYNC_STEPS..=RESYNC_STEPS {
        let Some(step) = current.checked_add_signed(offset) else {
            previous = None;
            continue;
        };
        let code = generator.value_at(step);
        // Both comparisons at every step, in constant time.
        let is_first = otpvault_core::otp::codes_equal(code.as_str(), first.trim());
        let is_second = otpvault_core::otp::codes_equal(code.as_str(), second.trim());
        if let Some((before, first_matched)) = previous
            && first_matched
            && is_second
            && best.is_none_or(|(_, drift, _)| offset.abs() < drift.abs())
        {
            best = Some((step, offset, before));
        }
        previous = Some((step, is_first));
    }
    Ok(best)
}

fn locked_out(until: i64, now: i64) -> Verdict {
    Verdict::LockedOut {
        retry_after_ms: u64::try_from(until.saturating_sub(now)).unwrap_or(0),
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The code is right and newer than any accepted before.
    Accepted {
        /// The accepted step.
        step: u64,
        /// Accepted step − current step.
        drift_steps: i64,
    },
    /// The code matches no step in the window.
    Wrong {
        /// Consecutive failures so far.
        failures: u32,
        /// When this failure started a lockout, its length.
        locked_for_ms: Option<u64>,
    },
    /// The code is for a step not newer than the last accepted one.
    Replayed,
    /// Too many failures: try again later.
    LockedOut {
        /// Milliseconds until the lockout ends.
        retry_after_ms: u64,
    },
    /// The user has no credential in the state asked for.
    NoCredential,
    /// The code is not the credential's number of digits (nothing was counted).
    Malformed {
        /// The digits a code of this credential has.
        digits: u8,
    },
}

struct CredentialRow {
    id: String,
    secret: Zeroizing<Vec<u8>>,
    algorithm: String,
    digits: u8,
    period: u32,
    drift_steps: i64,
}

impl CredentialRow {
    /// The code generator of the stored credential.
    fn generator(&self) -> Result<Generator, IssuerError> {
        let secret = Secret::from_bytes(self.secret.to_vec())
            .map_err(|_| IssuerError::InvalidInput("stored secret"))?;
        Generator::new(
            &secret,
            parse_algorithm(&self.algorithm),
            Format::Decimal(self.digits),
        )
        .map_err(|_| IssuerError::InvalidInput("stored credential"))
    }

    /// From `id, secret, algorithm, digits, period, drift_steps, kek_id, wrapped_key`; a sealed
    /// secret is opened with the node's keyring.
    fn read(row: &Row, keys: &crate::seal::Keyring) -> Result<Self, IssuerError> {
        let id = row.text(0)?;
        let stored = Zeroizing::new(row.blob(1)?);
        let wrapped = row.opt_blob(7)?.map(Zeroizing::new);
        let secret = keys.open(
            &id,
            &stored,
            row.opt_text(6)?.as_deref(),
            wrapped.as_deref().map(Vec::as_slice),
        )?;
        Ok(Self {
            id,
            secret,
            algorithm: row.text(2)?,
            digits: row.uint(3)?,
            period: row.uint(4)?,
            drift_steps: row.int(5)?,
        })
    }
}

/// The newest credential of a user in a state (there is at most one pending and one active).
const NEWEST_CREDENTIAL: &str = "SELECT c.id FROM credentials c JOIN users u ON u.id = c.user_id
     WHERE u.name = ?1 AND c.status = ?2 ORDER BY c.created_ms DESC, c.id DESC LIMIT 1";

/// What confirming an enrolment gives.
#[derive(Debug)]
pub enum Confirmation {
    /// The credential is active; the API key is shown once (only its SHA-256 is stored).
    Confirmed {
        /// The new API key.
        api_key: Zeroizing<String>,
    },
    /// No enrolment is pending for the user (none was started, or it was already confirmed).
    NothingPending,
    /// The code was refused.
    Refused(Verdict),
}

impl Issuer {
    fn credential(
        &mut self,
        user: &str,
        status: &str,
    ) -> Result<Option<CredentialRow>, IssuerError> {
        let sql = format!(
            "SELECT id, secret, algorithm, digits, period, drift_steps, kek_id, wrapped_key
             FROM credentials
             WHERE id = ({NEWEST_CREDENTIAL})"
        );
        self.db
            .query_opt(&sql, args![user, status])?
            .map(|row| CredentialRow::read(&row, &self.config.keys))
            .transpose()
    }

    /// Verifies `code` for the user's active credential at `now_ms`.
    pub fn verify(&mut self, user: &str, code: &str, now_ms: u64) -> Result<Verdict, IssuerError> {
        self.verify_status(user, Probe::Code(code), now_ms, "active")
    }

    /// The `otpauth://` URI of the user's pending enrolment, if one is waiting for its first
    /// code (the portal page shows it again on a reload instead of making a new secret).
    pub fn pending_uri(&mut self, user: &str) -> Result<Option<Zeroizing<String>>, IssuerError> {
        let Some(row) = self.credential(user, "pending")? else {
            return Ok(None);
        };
        let secret = Secret::from_bytes(row.secret.to_vec())
            .map_err(|_| IssuerError::InvalidInput("stored secret"))?;
        let token = Token::new(
            secret,
            TokenParams {
                issuer: self.config.issuer.clone(),
                account: user.to_owned(),
                algorithm: parse_algorithm(&row.algorithm),
                digits: row.digits,
                kind: OtpKind::Totp { period: row.period },
            },
        )
        .map_err(|_| IssuerError::InvalidInput("credential parameters"))?;
        Ok(Some(otpvault_core::uri::build(&token)))
    }

    /// `POST /v1/time` (`otpvault-time/v1`, see [`otpvault_core::activation::time`]): the
    /// server's time under the MAC of the user's active credential, so the app can check it. An
    /// unknown account gets an answer under a random key, which the app refuses like a forgery.
    pub fn time_answer(&mut self, body: &str, now_ms: u64) -> Result<String, IssuerError> {
        use otpvault_core::activation::{self, time};
        let map = activation::parse_body(body)
            .map_err(|_| IssuerError::InvalidInput("a time request is {account, nonce}"))?;
        let account = activation::text_field(&map, "account", activation::MAX_FIELD, "account")
            .map_err(|_| IssuerError::InvalidInput("account"))?;
        let nonce = activation::hex_field(&map, "nonce", 16, "nonce")
            .map_err(|_| IssuerError::InvalidInput("nonce"))?;
        let key = match self.credential(&account, "active")? {
            Some(row) => time::time_key(&row.secret),
            None => Zeroizing::new(random::<32>()?),
        };
        Ok(time::time_answer(&key, &account, &nonce, now_ms))
    }

    /// Resynchronises a credential whose device clock is far off, as LinOTP and Duo do: two
    /// consecutive codes (`first`, then the one after it) found together within
    /// [`RESYNC_STEPS`] steps either side of now are accepted, and the drift they show centres
    /// the window of later verifications. A failed resync counts as one wrong code.
    pub fn resync(
        &mut self,
        user: &str,
        first: &str,
        second: &str,
        now_ms: u64,
    ) -> Result<Verdict, IssuerError> {
        self.verify_status(user, Probe::Resync(first, second), now_ms, "active")
    }

    fn verify_status(
        &mut self,
        user: &str,
        probe: Probe<'_>,
        now_ms: u64,
        status: &str,
    ) -> Result<Verdict, IssuerError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        // 1. The credential and its counters (a read: nothing is written before the verdict).
        let sql = format!(
            "SELECT id, secret, algorithm, digits, period, drift_steps, kek_id, wrapped_key,
                 locked_until_ms, failures FROM credentials WHERE id = ({NEWEST_CREDENTIAL})"
        );
        let Some(found) = self.db.query_opt(&sql, args![user, status])? else {
            return Ok(Verdict::NoCredential);
        };
        let row = CredentialRow::read(&found, &self.config.keys)?;
        let (mut locked_until, mut failures) = (found.int(8)?, found.int(9)?);
        drop(found);
        // Not a code of this credential at all: refused before anything is counted.
        let well_formed = |code: &str| {
            let code = code.trim();
            code.len() == usize::from(row.digits) && code.bytes().all(|b| b.is_ascii_digit())
        };
        let codes_ok = match probe {
            Probe::Code(code) => well_formed(code),
            Probe::Resync(first, second) => well_formed(first) && well_formed(second),
        };
        if !codes_ok {
            return Ok(Verdict::Malformed { digits: row.digits });
        }
        if locked_until > now {
            return Ok(locked_out(locked_until, now));
        }

        // 2. Constant-time comparison over the window: the accepted step, its drift, and the
        //    oldest step the probe used (which must be newer than the last accepted one).
        let matched = match probe {
            Probe::Code(code) => self
                .matching_step(&row, code, now_ms)?
                .map(|(step, drift)| (step, drift, step)),
            Probe::Resync(first, second) => resync_step(&row, first, second, now_ms)?,
        };

        // 3. One conditional write decides, atomically on both engines; the answer is given
        //    only after it is committed. A write that finds the row changed since it was read
        //    (a concurrent request) reads again and retries, so every wrong code is counted
        //    exactly once and no request acts on a lockout it has not seen.
        for _ in 0..MAX_CONTENTION_RETRIES {
            if let Some((step, drift_steps, oldest)) = matched {
                // Compare-and-swap on the last accepted step, unless locked out meanwhile.
                let changed = self.db.execute(
                    "UPDATE credentials SET last_step = ?1, failures = 0, locked_until_ms = 0,
                     drift_steps = ?2 WHERE id = ?3 AND (last_step IS NULL OR last_step < ?5)
                     AND locked_until_ms <= ?4",
                    args![
                        to_i64(step),
                        drift_steps.clamp(-RESYNC_STEPS, RESYNC_STEPS),
                        &row.id,
                        now,
                        to_i64(oldest)
                    ],
                )?;
                if changed == 1 {
                    return Ok(Verdict::Accepted { step, drift_steps });
                }
                let until = self.locked_until(&row.id)?;
                // Not locked: the step was already accepted (a replay, which is no guess at the
                // secret and counts as no failure).
                return Ok(if until > now {
                    locked_out(until, now)
                } else {
                    Verdict::Replayed
                });
            }
            let count = u32::try_from(failures.saturating_add(1)).unwrap_or(u32::MAX);
            let max = self.config.max_failures;
            let locked_for_ms = (count >= max).then(|| {
                let doublings = (count - max).min(20);
                self.config
                    .lockout_ms
                    .saturating_mul(1u64 << doublings)
                    .min(MAX_LOCKOUT_MS)
            });
            let until = locked_for_ms.map_or(0, |ms| now.saturating_add(to_i64(ms)));
            let changed = self.db.execute(
                "UPDATE credentials SET failures = ?1, locked_until_ms = CASE
                     WHEN ?2 > locked_until_ms THEN ?2 ELSE locked_until_ms END
                 WHERE id = ?3 AND failures = ?4 AND locked_until_ms <= ?5",
                args![i64::from(count), until, &row.id, failures, now],
            )?;
            if changed == 1 {
                return Ok(Verdict::Wrong {
                    failures: count,
                    locked_for_ms,
                });
            }
            let Some(again) = self.db.query_opt(
                "SELECT locked_until_ms, failures FROM credentials WHERE id = ?1",
                args![&row.id],
            )?
            else {
                return Ok(Verdict::NoCredential);
            };
            (locked_until, failures) = (again.int(0)?, again.int(1)?);
            if locked_until > now {
                return Ok(locked_out(locked_until, now));
            }
        }
        Err(IssuerError::Busy)
    }

    /// The step `code` is for within the window, and its drift (accepted − current step).
    fn matching_step(
        &self,
        row: &CredentialRow,
        code: &str,
        now_ms: u64,
    ) -> Result<Option<(u64, i64)>, IssuerError> {
        let generator = row.generator()?;
        let period = u64::from(row.period.max(1));
        let current = now_ms / 1000 / period;
        // The window around the current step, stretched by the drift the last accepted code
        // showed (at most `window` more steps, on that side only); after a resync found a drift
        // beyond what that reaches, the window is centred on it.
        let window = i64::from(self.config.window);
        let drift = row.drift_steps.clamp(-RESYNC_STEPS, RESYNC_STEPS);
        let stretched = drift.clamp(-window, window);
        let (low, high) = if drift.abs() <= 2 * window {
            (-window + stretched.min(0), window + stretched.max(0))
        } else {
            (drift - window, drift + window)
        };
        let mut matched: Option<(u64, i64)> = None;
        for offset in low..=high {
            let Some(step) = current.checked_add_signed(offset) else {
                continue;
            };
            // Every candidate is computed and compared in constant time; the one closest to
            // the current step wins.
            if otpvault_core::otp::codes_equal(generator.value_at(step).as_str(), code.trim())
                && matched.is_none_or(|(_, best)| offset.abs() < best.abs())
            {
                matched = Some((step, offset));
            }
        }
        Ok(matched)
    }

    fn locked_until(&mut self, id: &str) -> Result<i64, IssuerError> {
        Ok(self
            .db
            .query_opt(
                "SELECT locked_until_ms FROM credentials WHERE id = ?1",
                args![id],
            )?
            .map_or(Ok(0), |row| row.int(0))?)
    }

    /// Starts a CARGOS-style enrolment: a new random secret for `user`, pending until the first
    /// code confirms it (an earlier pending one is dropped). Returns the `otpauth://` URI to show
    /// as a QR code or as text.
    pub fn enrol(&mut self, user: &str, now_ms: u64) -> Result<Zeroizing<String>, IssuerError> {
        let user_id = self
            .db
            .query_opt("SELECT id FROM users WHERE name = ?1", args![user])?
            .ok_or(IssuerError::UnknownUser)?
            .int(0)?;
        let secret = Secret::generate().map_err(|_| IssuerError::Rng)?;
        let token = Token::new(
            secret.clone(),
            TokenParams {
                issuer: self.config.issuer.clone(),
                account: user.to_owned(),
                algorithm: self.config.algorithm,
                digits: self.config.digits,
                kind: OtpKind::Totp {
                    period: self.config.period,
                },
            },
        )
        .map_err(|_| IssuerError::InvalidInput("credential parameters"))?;
        let id = format!("c{}", hex_encode(&random::<12>()?));
        let config = &self.config;
        self.db.transaction(|tx| -> Result<(), IssuerError> {
            tx.execute(
                "DELETE FROM credentials WHERE user_id = ?1 AND status = 'pending'",
                args![user_id],
            )?;
            crate::activation::insert_credential(
                tx,
                config,
                (&id, user_id, secret.expose()),
                "pending",
                "enrolment",
                now_ms,
            )?;
            Ok(())
        })?;
        Ok(otpvault_core::uri::build(&token))
    }

    /// Confirms the pending enrolment of `user` with a code from the app: the credential becomes
    /// the user's active one and an API key is issued.
    pub fn confirm_enrolment(
        &mut self,
        user: &str,
        code: &str,
        now_ms: u64,
    ) -> Result<Confirmation, IssuerError> {
        let verdict = self.verify_status(user, Probe::Code(code), now_ms, "pending")?;
        match verdict {
            Verdict::Accepted { .. } => {}
            Verdict::NoCredential => return Ok(Confirmation::NothingPending),
            verdict => return Ok(Confirmation::Refused(verdict)),
        }
        let Some(row) = self.credential(user, "pending")? else {
            return Ok(Confirmation::NothingPending);
        };
        let (api_key, hash) = crate::account::new_api_key()?;
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let confirmed = self.db.transaction(|tx| -> Result<bool, IssuerError> {
            // Still pending (a concurrent confirmation may have won).
            if tx
                .query_opt(
                    "SELECT 1 FROM credentials WHERE id = ?1 AND status = 'pending'",
                    args![&row.id],
                )?
                .is_none()
            {
                return Ok(false);
            }
            tx.execute(
                "UPDATE credentials SET status = 'revoked' WHERE status = 'active'
                 AND user_id = (SELECT user_id FROM credentials WHERE id = ?1)",
                args![&row.id],
            )?;
            tx.execute(
                "UPDATE credentials SET status = 'active', api_key_hash = ?1,
                 api_key_created_ms = ?2 WHERE id = ?3 AND status = 'pending'",
                args![hash.as_slice(), now, &row.id],
            )?;
            // A credential the user holds uses the PUK up.
            tx.execute(
                "UPDATE users SET puk_hash = NULL, puk_failures = 0
                 WHERE id = (SELECT user_id FROM credentials WHERE id = ?1)",
                args![&row.id],
            )?;
            Ok(true)
        })?;
        if !confirmed {
            return Ok(Confirmation::NothingPending);
        }
        Ok(Confirmation::Confirmed { api_key })
    }

    /// Whether `api_key` is the key of `user`'s active credential (constant-time on the hash).
    pub fn check_api_key(&mut self, user: &str, api_key: &str) -> Result<bool, IssuerError> {
        let stored = self
            .db
            .query_opt(
                "SELECT c.api_key_hash FROM credentials c JOIN users u ON u.id = c.user_id
                 WHERE u.name = ?1 AND c.status = 'active' AND c.api_key_hash IS NOT NULL",
                args![user],
            )?
            .map(|row| row.blob(0))
            .transpose()?;
        let hash = Sha256::digest(api_key.as_bytes());
        Ok(stored.is_some_and(|s| {
            bool::from(subtle::ConstantTimeEq::ct_eq(s.as_slice(), hash.as_slice()))
        }))
    }
}
