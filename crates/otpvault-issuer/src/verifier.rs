//! The code verifier every portal needs, and CARGOS-style enrolment on top of it.
//!
//! `verify(user, code, now)`:
//! 1. In one statement (`UPDATE … RETURNING`, atomic on both engines): a locked-out credential
//!    answers `LockedOut` with the time left; otherwise the failure counter is incremented and
//!    **committed before the code is checked** (a crash or a killed request cannot give a free
//!    guess; RFC 4226 §7.3).
//! 2. The code is compared in constant time with the steps `current ± window` (RFC 6238 §5.2),
//!    the window stretched on one side by the drift the last accepted code showed (§6; at most
//!    `window` more steps), so a clock that runs steadily behind keeps working while the ±2
//!    steps of a fresh credential stay refused.
//! 3. A match is accepted by a compare-and-swap: `UPDATE … SET last_step = s WHERE last_step < s`.
//!    Of N concurrent submissions of one code exactly one changes the row, whichever connection,
//!    process or node they reach (the database re-checks the condition on the row it locked);
//!    the others, and any code for a step not newer than the last accepted one, are `Replayed`
//!    and take back the failure counted for them (a replay is no guess at the secret, and must
//!    not be a lever to lock the user out). Acceptance resets the failure counter and records
//!    the drift.
//! 4. A mismatch that reaches `max_failures` locks the credential for `lockout_ms`, doubled with
//!    every further failure, capped at an hour (one conditional `UPDATE`: a lockout is never
//!    shortened by a concurrent one).

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
    /// From `id, secret, algorithm, digits, period, drift_steps`.
    fn read(row: &Row) -> Result<Self, IssuerError> {
        Ok(Self {
            id: row.text(0)?,
            secret: Zeroizing::new(row.blob(1)?),
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
            "SELECT id, secret, algorithm, digits, period, drift_steps FROM credentials
             WHERE id = ({NEWEST_CREDENTIAL})"
        );
        self.db
            .query_opt(&sql, args![user, status])?
            .map(|row| CredentialRow::read(&row))
            .transpose()
    }

    /// Verifies `code` for the user's active credential at `now_ms`.
    pub fn verify(&mut self, user: &str, code: &str, now_ms: u64) -> Result<Verdict, IssuerError> {
        self.verify_status(user, code, now_ms, "active")
    }

    fn verify_status(
        &mut self,
        user: &str,
        code: &str,
        now_ms: u64,
        status: &str,
    ) -> Result<Verdict, IssuerError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        // 1. Lockout check and the failure counted, durably, before anything is compared: one
        //    statement, so no other request can slip between the check and the count.
        let sql = format!(
            "UPDATE credentials SET failures = CASE WHEN locked_until_ms > ?3 THEN failures
                 ELSE failures + 1 END
             WHERE id = ({NEWEST_CREDENTIAL})
             RETURNING id, secret, algorithm, digits, period, drift_steps, locked_until_ms,
                 failures"
        );
        let Some(counted) = self.db.query_opt(&sql, args![user, status, now])? else {
            return Ok(Verdict::NoCredential);
        };
        let row = CredentialRow::read(&counted)?;
        let locked_until = counted.int(6)?;
        let failures: u32 = counted.uint(7)?;
        drop(counted);
        if locked_until > now {
            return Ok(Verdict::LockedOut {
                retry_after_ms: u64::try_from(locked_until - now).unwrap_or(0),
            });
        }

        // 2. Constant-time comparison over the window.
        let secret = Secret::from_bytes(row.secret.to_vec())
            .map_err(|_| IssuerError::InvalidInput("stored secret"))?;
        let generator = Generator::new(
            &secret,
            parse_algorithm(&row.algorithm),
            Format::Decimal(row.digits),
        )
        .map_err(|_| IssuerError::InvalidInput("stored credential"))?;
        let period = u64::from(row.period.max(1));
        let current = now_ms / 1000 / period;
        // The window around the current step, stretched by the drift the last accepted code
        // showed (at most `window` more steps, on that side only).
        let window = i64::from(self.config.window);
        let drift = row.drift_steps.clamp(-window, window);
        let (low, high) = (-window + drift.min(0), window + drift.max(0));
        let mut matched = None;
        for offset in low..=high {
            let Some(step) = current.checked_add_signed(offset) else {
                continue;
            };
            // Every candidate is computed and compared in constant time; the one closest to
            // the current step wins.
            if otpvault_core::otp::codes_equal(generator.value_at(step).as_str(), code.trim())
                && matched.is_none_or(|(_, best): (u64, i64)| offset.abs() < best.abs())
            {
                matched = Some((step, offset));
            }
        }

        Ok(match matched {
            Some((step, _)) => {
                let step_i = i64::try_from(step).unwrap_or(i64::MAX);
                let drift_steps = step_i - i64::try_from(current).unwrap_or(i64::MAX);
                // 3. Compare-and-swap on the last accepted step.
                let changed = self.db.execute(
                    "UPDATE credentials SET last_step = ?1, failures = 0, locked_until_ms = 0,
                     drift_steps = ?2 WHERE id = ?3 AND (last_step IS NULL OR last_step < ?1)",
                    args![step_i, drift_steps, &row.id],
                )?;
                if changed == 1 {
                    Verdict::Accepted { step, drift_steps }
                } else {
                    // A code already accepted is no guess at the secret: the failure counted
                    // for it is taken back, so replays cannot be used to lock the user out.
                    self.db.execute(
                        "UPDATE credentials SET failures = failures - 1
                         WHERE id = ?1 AND failures > 0",
                        args![&row.id],
                    )?;
                    Verdict::Replayed
                }
            }
            None => {
                let max = self.config.max_failures;
                let locked_for_ms = (failures >= max).then(|| {
                    let doublings = (failures - max).min(20);
                    self.config
                        .lockout_ms
                        .saturating_mul(1u64 << doublings)
                        .min(MAX_LOCKOUT_MS)
                });
                if let Some(length) = locked_for_ms {
                    // Unless a code was accepted in the meantime (the count is back under the
                    // limit), and never shortening a longer lockout set by a concurrent failure.
                    let until = now.saturating_add(i64::try_from(length).unwrap_or(0));
                    self.db.execute(
                        "UPDATE credentials SET locked_until_ms = CASE
                             WHEN locked_until_ms < ?1 THEN ?1 ELSE locked_until_ms END
                         WHERE id = ?2 AND failures >= ?3",
                        args![until, &row.id, max],
                    )?;
                }
                Verdict::Wrong {
                    failures,
                    locked_for_ms,
                }
            }
        })
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
        let verdict = self.verify_status(user, code, now_ms, "pending")?;
        if !matches!(verdict, Verdict::Accepted { .. }) {
            return Ok(Confirmation::Refused(verdict));
        }
        let Some(row) = self.credential(user, "pending")? else {
            return Ok(Confirmation::Refused(Verdict::NoCredential));
        };
        let api_key = Zeroizing::new(format!("ovk_{}", hex_encode(&random::<32>()?)));
        let hash = Sha256::digest(api_key.as_bytes());
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
                "UPDATE credentials SET status = 'active', api_key_hash = ?1
                 WHERE id = ?2 AND status = 'pending'",
                args![hash.as_slice(), &row.id],
            )?;
            Ok(true)
        })?;
        if !confirmed {
            return Ok(Confirmation::Refused(Verdict::Replayed));
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
