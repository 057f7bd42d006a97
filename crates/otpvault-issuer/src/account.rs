//! Portal accounts beyond the password: the PUK that a first enrolment needs, the rule for
//! replacing a credential, the operator's reset, password throttling, user-chosen activation
//! codes and API keys as the CARGOS "Sicurezza" page shows them.
//!
//! - **PUK.** Every account is issued a one-time PUK (10 random digits) with the account; only
//!   its Argon2id hash is stored. Enrolling or activating a *first* credential needs password +
//!   PUK; 5 wrong PUKs block it until an operator's `reset-credential`. Confirming a credential
//!   uses the PUK up.
//! - **Replacing** an active credential needs password + a current code of it (the old one keeps
//!   working until the new one is confirmed), or the operator's reset.
//! - **Password throttling** by the name given, known or not (the same answers either way):
//!   5 wrong passwords are free, then each one starts a delay of 1 s, doubled per further wrong
//!   password and capped at 15 minutes, so no one can lock a user out for good. The failure is
//!   counted before the password is checked.
//! - **API keys** are `ovk_` + 256 random bits; only their SHA-256 is stored, with when they
//!   were made and last used. Regenerating one refuses the old key at once.

use crate::db::Sql;
use crate::verifier::Verdict;
use crate::{Issuer, IssuerError, args, password, random, random_digits};
use otpvault_core::activation::hex_encode;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Digits of a PUK.
pub const PUK_DIGITS: usize = 10;
/// Wrong PUKs before the PUK is blocked.
pub const PUK_ATTEMPTS: u32 = 5;
/// Wrong passwords for one name before delays start.
pub const FREE_PASSWORD_FAILURES: u32 = 5;
/// The longest password delay.
pub const MAX_PASSWORD_DELAY_MS: u64 = 900_000;

/// The outcome of a password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// The password is the user's (their id).
    User(i64),
    /// Unknown user or wrong password (the same answer).
    Wrong,
    /// Too many wrong passwords for this name: try again after this long.
    Throttled {
        /// Milliseconds until the next attempt is checked.
        retry_after_ms: u64,
    },
}

/// Why a new credential (enrolment or activation code) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The user has no credential yet: the PUK is needed.
    PukRequired,
    /// The PUK is wrong.
    WrongPuk {
        /// Attempts left before the PUK is blocked.
        attempts_left: u32,
    },
    /// The PUK was used up or blocked: only an operator's reset issues a new one.
    PukBlocked,
    /// The user has an active credential: a current code of it is needed.
    CodeRequired,
    /// The current code was refused.
    Code(Verdict),
}

/// What the portal shows of an API key (never the key after it was made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// When the key was made (ms since the epoch).
    pub created_ms: Option<u64>,
    /// When it was last accepted (ms since the epoch).
    pub last_used_ms: Option<u64>,
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

/// The delay a name's `failures`-th wrong password starts (none among the free ones).
fn password_delay_ms(failures: u32) -> Option<u64> {
    (failures >= FREE_PASSWORD_FAILURES).then(|| {
        let doublings = (failures - FREE_PASSWORD_FAILURES).min(20);
        (1_000u64 << doublings).min(MAX_PASSWORD_DELAY_MS)
    })
}

/// A new API key and its stored hash.
pub(crate) fn new_api_key() -> Result<(Zeroizing<String>, Vec<u8>), IssuerError> {
    let key = Zeroizing::new(format!("ovk_{}", hex_encode(&random::<32>()?)));
    let hash = Sha256::digest(key.as_bytes()).to_vec();
    Ok((key, hash))
}

/// Why a user-chosen activation code is refused, if it is: not 5 digits, or among the choices
/// an attacker would try first (one guess per attempt must not start with 12345).
pub fn weak_activation_code(code: &str) -> Option<&'static str> {
    let digits: Vec<u8> = code.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    if digits.len() != crate::ACTIVATION_DIGITS || digits.iter().any(|&d| d > 9) {
        return Some("the code must be exactly 5 digits");
    }
    let steps: Vec<i8> = digits
        .windows(2)
        .map(|w| i8::try_from(w[1]).unwrap_or(0) - i8::try_from(w[0]).unwrap_or(0))
        .collect();
    if steps.iter().all(|&s| s == 0) {
        return Some("one digit repeated is the first thing anyone tries");
    }
    // Counting up or down by a fixed step, around the dial (12345, 13579, 24680, 67890, 97531).
    if steps
        .iter()
        .all(|&s| s.rem_euclid(10) == steps[0].rem_euclid(10))
    {
        return Some("digits in a regular sequence (like 12345, 13579 or 67890) are tried early");
    }
    let mut seen = [false; 10];
    for &d in &digits {
        seen[usize::from(d)] = true;
    }
    if seen.iter().filter(|&&s| s).count() <= 2 {
        return Some("two different digits (like 11122 or 10101) are too easy to guess");
    }
    if digits.iter().eq(digits.iter().rev()) {
        return Some("a mirrored code (like 12321) is too easy to guess");
    }
    let year = |d: &[u8]| -> bool {
        let value = d.iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
        (1950..=2029).contains(&value)
    };
    if year(&digits[..4]) || year(&digits[1..]) {
        return Some("a year (like a birthday's) is among the first guesses");
    }
    const COMMON: &[&str] = &[
        "12312", "12123", "11223", "12344", "12354", "69696", "42069",
    ];
    if COMMON.contains(&code) {
        return Some("this code is among the most common choices");
    }
    None
}

impl Issuer {
    /// Checks `password` for `name`, with the throttle of that name (known or not: the same
    /// answers and the same Argon2id run either way). The failure is counted before the
    /// password is checked and taken back when it was right.
    pub fn login(&mut self, name: &str, password: &str, now_ms: u64) -> Result<Login, IssuerError> {
        let now = to_i64(now_ms);
        // Counted first, unless a delay is running.
        let counted = self.db.query_opt(
            "INSERT INTO password_throttle (name, failures, locked_until_ms, updated_ms)
             VALUES (?1, 1, 0, ?2)
             ON CONFLICT (name) DO UPDATE SET failures = password_throttle.failures + 1,
                 updated_ms = ?2
             WHERE password_throttle.locked_until_ms <= ?2
             RETURNING failures",
            args![name, now],
        )?;
        let Some(counted) = counted else {
            let until = self
                .db
                .query_opt(
                    "SELECT locked_until_ms FROM password_throttle WHERE name = ?1",
                    args![name],
                )?
                .map_or(Ok(0), |row| row.int(0))?;
            return Ok(Login::Throttled {
                retry_after_ms: u64::try_from(until.saturating_sub(now)).unwrap_or(0),
            });
        };
        let failures = counted.uint::<u32>(0)?;
        if let Some(delay) = password_delay_ms(failures) {
            // Set before the check, so that concurrent guesses wait too.
            self.db.execute(
                "UPDATE password_throttle SET locked_until_ms = ?1 WHERE name = ?2",
                args![now.saturating_add(to_i64(delay)), name],
            )?;
        }
        let row = self.db.query_opt(
            "SELECT id, password_hash FROM users WHERE name = ?1",
            args![name],
        )?;
        static DUMMY: OnceLock<String> = OnceLock::new();
        let memory = self.config.password_memory_kib;
        let user = match row {
            Some(row) => {
                let (id, hash) = (row.int(0)?, row.text(1)?);
                password::verify(password, &hash).then_some(id)
            }
            None => {
                let dummy = DUMMY.get_or_init(|| password::dummy_hash(memory));
                let _ = password::verify(password, dummy);
                None
            }
        };
        match user {
            Some(id) => {
                self.db
                    .execute("DELETE FROM password_throttle WHERE name = ?1", args![name])?;
                Ok(Login::User(id))
            }
            None => {
                // Names nobody has tried for a day are forgotten (a spray of random names
                // does not grow the table for ever).
                if random::<1>()?[0] < 4 {
                    self.db.execute(
                        "DELETE FROM password_throttle WHERE updated_ms < ?1",
                        args![now.saturating_sub(86_400_000)],
                    )?;
                }
                Ok(Login::Wrong)
            }
        }
    }

    /// Issues a new PUK for the user (a fresh account, or an operator's reset): returns it once;
    /// only its Argon2id hash is kept.
    pub(crate) fn issue_puk(&mut self, user_id: i64) -> Result<Zeroizing<String>, IssuerError> {
        let puk = Zeroizing::new(random_digits(PUK_DIGITS)?);
        let hash = password::hash(&puk, self.config.password_memory_kib)?;
        self.db.execute(
            "UPDATE users SET puk_hash = ?1, puk_failures = 0 WHERE id = ?2",
            args![&hash, user_id],
        )?;
        Ok(puk)
    }

    /// Whether the user may get a new credential (an enrolment or an activation code): password
    /// already checked, then the PUK for a first credential, or a current code of the active
    /// one. A current code given is verified (and so used up, as any accepted code).
    pub fn authorize_new_credential(
        &mut self,
        name: &str,
        user_id: i64,
        puk: Option<&str>,
        code: Option<&str>,
        now_ms: u64,
    ) -> Result<Result<(), Refusal>, IssuerError> {
        let active = self
            .db
            .query_opt(
                "SELECT 1 FROM credentials WHERE user_id = ?1 AND status = 'active'",
                args![user_id],
            )?
            .is_some();
        if active {
            let Some(code) = code else {
                return Ok(Err(Refusal::CodeRequired));
            };
            return Ok(match self.verify(name, code, now_ms)? {
                Verdict::Accepted { .. } => Ok(()),
                verdict => Err(Refusal::Code(verdict)),
            });
        }
        let Some(puk) = puk else {
            return Ok(Err(Refusal::PukRequired));
        };
        // Counted first (at most PUK_ATTEMPTS checks, however many arrive at once).
        let Some(counted) = self.db.query_opt(
            "UPDATE users SET puk_failures = puk_failures + 1
             WHERE id = ?1 AND puk_hash IS NOT NULL AND puk_failures < ?2
             RETURNING puk_hash, puk_failures",
            args![user_id, PUK_ATTEMPTS],
        )?
        else {
            return Ok(Err(Refusal::PukBlocked));
        };
        let (hash, failures) = (counted.text(0)?, counted.uint::<u32>(1)?);
        if password::verify(puk.trim(), &hash) {
            self.db.execute(
                "UPDATE users SET puk_failures = puk_failures - 1
                 WHERE id = ?1 AND puk_failures > 0",
                args![user_id],
            )?;
            return Ok(Ok(()));
        }
        Ok(Err(Refusal::WrongPuk {
            attempts_left: PUK_ATTEMPTS.saturating_sub(failures),
        }))
    }

    /// The operator's reset: the user's credentials are revoked, their activation codes stop
    /// working, and a new PUK is issued (returned once) for the next first enrolment.
    pub fn reset_credential(&mut self, name: &str) -> Result<Zeroizing<String>, IssuerError> {
        let user_id = self.user_id(name)?;
        self.db.transaction(|tx| -> Result<(), IssuerError> {
            tx.execute(
                "DELETE FROM credentials WHERE user_id = ?1 AND status = 'pending'",
                args![user_id],
            )?;
            tx.execute(
                "UPDATE credentials SET status = 'revoked' WHERE user_id = ?1
                 AND status = 'active'",
                args![user_id],
            )?;
            tx.execute(
                "UPDATE activations SET used = 1 WHERE user_id = ?1 AND used = 0",
                args![user_id],
            )?;
            Ok(())
        })?;
        self.issue_puk(user_id)
    }

    /// The metadata of the user's API key, if their active credential has one.
    pub fn api_key_info(&mut self, name: &str) -> Result<Option<ApiKeyInfo>, IssuerError> {
        let user_id = self.user_id(name)?;
        self.db
            .query_opt(
                "SELECT api_key_created_ms, api_key_used_ms FROM credentials
                 WHERE user_id = ?1 AND status = 'active' AND api_key_hash IS NOT NULL",
                args![user_id],
            )?
            .map(|row| -> Result<ApiKeyInfo, IssuerError> {
                Ok(ApiKeyInfo {
                    created_ms: to_u64(row.opt_int(0)?),
                    last_used_ms: to_u64(row.opt_int(1)?),
                })
            })
            .transpose()
    }

    /// A new API key for the user's active credential (shown once); the old one is refused from
    /// this moment on.
    pub fn regenerate_api_key(
        &mut self,
        name: &str,
        now_ms: u64,
    ) -> Result<Zeroizing<String>, IssuerError> {
        let user_id = self.user_id(name)?;
        let (key, hash) = new_api_key()?;
        let changed = self.db.execute(
            "UPDATE credentials SET api_key_hash = ?1, api_key_created_ms = ?2,
             api_key_used_ms = NULL WHERE user_id = ?3 AND status = 'active'",
            args![hash.as_slice(), to_i64(now_ms), user_id],
        )?;
        if changed == 0 {
            return Err(IssuerError::NoCredential);
        }
        Ok(key)
    }

    /// The user an API key belongs to (`Authorization: Bearer` on the portal's web services), and
    /// the key's last use recorded. The stored SHA-256 is compared in constant time.
    pub fn check_api_key_bearer(
        &mut self,
        api_key: &str,
        now_ms: u64,
    ) -> Result<Option<String>, IssuerError> {
        let hash = Sha256::digest(api_key.as_bytes());
        let Some(row) = self.db.query_opt(
            "SELECT u.name, c.api_key_hash, c.id FROM credentials c
             JOIN users u ON u.id = c.user_id
             WHERE c.api_key_hash = ?1 AND c.status = 'active'",
            args![hash.as_slice()],
        )?
        else {
            return Ok(None);
        };
        let stored = row.blob(1)?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            stored.as_slice(),
            hash.as_slice(),
        )) {
            return Ok(None);
        }
        self.db.execute(
            "UPDATE credentials SET api_key_used_ms = ?1 WHERE id = ?2",
            args![to_i64(now_ms), &row.text(2)?],
        )?;
        Ok(Some(row.text(0)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_guesses_are_refused_as_activation_codes() {
        for weak in [
            "12345", "00000", "11111", "54321", "13579", "24680", "97531", "67890", "89012",
            "10101", "11122", "12321", "19850", "02001", "20245", "12312", "69696",
        ] {
            assert!(weak_activation_code(weak).is_some(), "{weak} was accepted");
        }
        for bad in ["1234", "123456", "12a45", "", "١٢٣٤٥"] {
            assert_eq!(
                weak_activation_code(bad),
                Some("the code must be exactly 5 digits")
            );
        }
        for fine in ["48213", "90417", "27360", "58102"] {
            assert_eq!(weak_activation_code(fine), None, "{fine}");
        }
        // The rules refuse a small share of all codes, not most of them.
        let refused = (0..100_000)
            .filter(|n| weak_activation_code(&format!("{n:05}")).is_some())
            .count();
        assert!((1_000..10_000).contains(&refused), "{refused} refused");
    }

    #[test]
    fn password_delays_grow_and_are_capped() {
        assert_eq!(password_delay_ms(4), None);
        assert_eq!(password_delay_ms(5), Some(1_000));
        assert_eq!(password_delay_ms(6), Some(2_000));
        assert_eq!(password_delay_ms(15), Some(900_000));
        assert_eq!(password_delay_ms(u32::MAX), Some(900_000));
    }
}
