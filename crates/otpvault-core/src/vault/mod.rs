//! The PIN-locked vault: keys, unlock policy, throttling and the token operations.
//!
//! ## Keys
//! A random 256-bit vault key (DEK) seals every token row and the settings with AES-256-GCM. The
//! associated data binds the vault id, the row id and the format version, so a row cannot be
//! swapped with another or moved to another vault. The PIN slot holds the DEK sealed under
//! PBKDF2-HMAC-SHA256(PIN, 128-bit salt, iterations); a wrong PIN is detected by that seal's tag,
//! so there is no PIN hash that would make offline guessing cheaper. With a [`KeyProtector`]
//! (Android Keystore, iOS Secure Enclave) the PIN-sealed DEK is wrapped once more by a key that
//! never leaves the device: the file plus every PIN then yields nothing without the device.
//!
//! ## Sessions
//! [`Vault::unlock`] derives the key once and, under a 5- or 10-minute policy, keeps it with the
//! decrypted tokens (and their keyed HMAC states) until that many minutes after the unlock, on the
//! monotonic clock. Under [`UnlockPolicy::EveryCode`] nothing is kept: every call passes the PIN
//! (`Some(&pin)`), which derives the key, does that one thing and wipes everything. Any method that
//! takes `pin: Option<&Pin>` accepts the PIN in any policy; `None` uses the open session.
//!
//! ## Wrong PINs
//! See [`throttle`]: the attempt is counted durably before the KDF runs; during a delay an
//! attempt is refused at once. Optionally the keys are erased after 10 consecutive failures.
//!
//! ## Threads and foreign code
//! `Vault` is `Send + Sync`; one mutex guards the connection and the session. The KDF, the clock
//! and the device key protector (which may be Kotlin or Swift code) are called without holding it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use zeroize::Zeroizing;

use crate::clock::{Clock, SystemClock};
use crate::error::VaultError;
use crate::otp::{Algorithm, TotpCode};
use crate::secret::Secret;
use crate::token::{OtpKind, Token, TokenParams};
use crate::uri;

pub(crate) mod crypto;
mod keyslot;
pub mod pin;
pub(crate) mod record;
mod session;
pub(crate) mod storage;
pub mod throttle;

use crypto::{KDF_TARGET_MILLIS, MIN_PBKDF2_ITERATIONS, VaultKey};
use keyslot::{new_pin_slot, protector_error, slot_aad};
use pin::Pin;
pub use record::{Settings, UnlockPolicy};
use session::{Load, Loaded, Session, settings_aad};
use storage::SlotRow;

/// Consecutive wrong PINs after which the keys are erased, when that option is on.
pub const WIPE_AFTER_FAILURES: u32 = 10;

/// Why the device key protector failed (text from the platform; it must not contain secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectorError {
    /// A description for logs and error messages.
    pub reason: String,
}

/// A key that never leaves the device (Android Keystore, iOS Secure Enclave) wrapping the
/// PIN-sealed vault key once more. It only ever sees ciphertext.
pub trait KeyProtector: Send + Sync {
    /// Encrypts `data` with the device key.
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError>;
    /// Decrypts what [`KeyProtector::wrap`] returned.
    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError>;
}

/// How to create a vault.
#[derive(Clone)]
pub struct CreateOptions {
    /// The unlock policy.
    pub policy: UnlockPolicy,
    /// PBKDF2 iterations; `None` calibrates to about 0.5 s on this device (never below 600,000).
    pub kdf_iterations: Option<u32>,
    /// Erase the keys after 10 consecutive wrong PINs.
    pub wipe_after_failures: bool,
    /// The device key protector, if the platform has one.
    pub protector: Option<Arc<dyn KeyProtector>>,
    /// The clock (wall time for codes, monotonic time for sessions and delays).
    pub clock: Arc<dyn Clock>,
    min_iterations: u32,
}

impl CreateOptions {
    /// Defaults: the given policy, calibrated KDF, no erase, no device key, the system clock.
    pub fn new(policy: UnlockPolicy) -> Self {
        Self {
            policy,
            kdf_iterations: None,
            wipe_after_failures: false,
            protector: None,
            clock: Arc::new(SystemClock::new()),
            min_iterations: MIN_PBKDF2_ITERATIONS,
        }
    }

    /// Lowers the KDF floor for this vault. Only in builds with the `test-support` feature,
    /// which tests use to run thousands of unlocks; never enabled by a binding.
    #[cfg(feature = "test-support")]
    pub fn insecure_min_iterations(mut self, minimum: u32) -> Self {
        self.min_iterations = minimum;
        self
    }
}

/// How to open a vault.
#[derive(Clone)]
pub struct OpenOptions {
    /// The device key protector; required when the vault was created with one.
    pub protector: Option<Arc<dyn KeyProtector>>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    min_iterations: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            protector: None,
            clock: Arc::new(SystemClock::new()),
            min_iterations: MIN_PBKDF2_ITERATIONS,
        }
    }
}

impl OpenOptions {
    /// See [`CreateOptions::insecure_min_iterations`].
    #[cfg(feature = "test-support")]
    pub fn insecure_min_iterations(mut self, minimum: u32) -> Self {
        self.min_iterations = minimum;
        self
    }
}

/// A token as listed (everything but the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Stable id of the token in this vault.
    pub id: i64,
    /// Service name.
    pub issuer: String,
    /// Account name.
    pub account: String,
    /// TOTP, HOTP or Steam, with the period or counter.
    pub kind: OtpKind,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Characters per code.
    pub digits: u8,
    /// The secret is shorter than 128 bits.
    pub weak_secret: bool,
}

/// The current code of one time-based token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    /// The token's id.
    pub id: i64,
    /// The code with its validity and the next code.
    pub code: TotpCode,
}

/// A token with its current code: what one row of an authenticator's main screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The token.
    pub info: TokenInfo,
    /// Its TOTP code now (`None` for HOTP, whose code is drawn with [`Vault::next_hotp`]).
    pub code: Option<TotpCode>,
}

/// An HOTP code and the counter it was computed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotpCode {
    /// The code.
    pub value: String,
    /// The counter value used (the stored counter is now one more).
    pub counter: u64,
}

/// What an unlock opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockInfo {
    /// The vault's policy.
    pub policy: UnlockPolicy,
    /// How long codes stay available without the PIN (`None` under `EveryCode`).
    pub session_seconds: Option<u64>,
}

/// The state of a vault, readable without the PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultStatus {
    /// A session is open.
    pub unlocked: bool,
    /// Seconds until the session ends.
    pub session_seconds_left: Option<u64>,
    /// The policy (known only while unlocked: it is sealed).
    pub policy: Option<UnlockPolicy>,
    /// Consecutive wrong PINs.
    pub failed_attempts: u32,
    /// Wrong PINs still possible before a delay.
    pub attempts_before_delay: u32,
    /// Seconds before the next attempt is allowed (0: now).
    pub locked_out_seconds: u64,
    /// The vault needs the device key.
    pub device_bound: bool,
    /// PBKDF2 iterations of the PIN slot.
    pub kdf_iterations: u32,
    /// Keys are erased after 10 consecutive wrong PINs.
    pub wipe_after_failures: bool,
    /// The keys were erased.
    pub erased: bool,
    /// Tokens whose rows failed authentication (while unlocked).
    pub damaged_tokens: Vec<i64>,
}

struct Inner {
    conn: Connection,
    vault_id: [u8; 16],
    failures: u32,
    wipe_after_failures: bool,
    delay_anchor_ms: Option<u64>,
    device_bound: bool,
    kdf_iterations: u32,
    erased: bool,
    session: Option<Session>,
}

/// The PIN-locked token vault.
pub struct Vault {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    protector: Option<Arc<dyn KeyProtector>>,
    min_iterations: u32,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn remove_vault_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

impl Vault {
    /// Creates a new vault at `path` (which must not exist) protected by `pin`.
    pub fn create(path: &Path, pin: &str, options: CreateOptions) -> Result<Self, VaultError> {
        let pin = Pin::new_for_setting(pin)?;
        let iterations = options
            .kdf_iterations
            .unwrap_or_else(|| crypto::calibrate_iterations(KDF_TARGET_MILLIS));
        crypto::check_iterations(iterations, options.min_iterations)?;
        if path.exists() {
            return Err(VaultError::AlreadyExists);
        }
        let mut vault_id = [0u8; 16];
        crypto::fill_random(&mut vault_id)?;
        let dek = VaultKey::generate()?;
        let slot = new_pin_slot(
            &vault_id,
            &pin,
            &dek,
            iterations,
            options.min_iterations,
            options.protector.as_ref(),
        )?;
        let settings = Settings {
            policy: options.policy,
            time_offset: 0,
        };
        let sealed_settings =
            crypto::seal(dek.as_bytes(), &settings_aad(&vault_id), &settings.encode())?;

        let mut conn = storage::create(path).inspect_err(|err| {
            if *err != VaultError::AlreadyExists {
                remove_vault_files(path);
            }
        })?;
        let written = (|| {
            let tx = conn.transaction()?;
            storage::insert_header(
                &tx,
                &storage::Header {
                    vault_id,
                    settings: sealed_settings,
                    failures: 0,
                    wipe_after_failures: options.wipe_after_failures,
                },
            )?;
            storage::write_pin_slot(&tx, &vault_id, &slot)?;
            tx.commit()?;
            Ok::<_, VaultError>(())
        })();
        if let Err(err) = written {
            drop(conn);
            remove_vault_files(path);
            return Err(err);
        }
        drop(conn);
        // Read back what was written, as any later open will.
        let vault = Vault::open(
            path,
            OpenOptions {
                protector: options.protector,
                clock: options.clock,
                min_iterations: options.min_iterations,
            },
        )?;
        // The user has just typed the PIN: a timed policy starts its session now.
        if options.policy.session_millis().is_some() {
            let now = vault.clock.monotonic_millis();
            vault.lock_inner().session = Some(Session {
                key: dek,
                vault_id,
                settings,
                unlocked_at_ms: now,
                tokens: Vec::new(),
                damaged: Vec::new(),
            });
        }
        Ok(vault)
    }

    /// Opens an existing vault, locked. The file is checked (and migrated) but no key is derived.
    pub fn open(path: &Path, options: OpenOptions) -> Result<Self, VaultError> {
        let conn = storage::open(path)?;
        let header = storage::read_header(&conn)?;
        let slot = storage::read_pin_slot(&conn, &header.vault_id)?;
        let now = options.clock.monotonic_millis();
        // A delay in force when the app stopped starts over in full.
        let delay_anchor_ms = (throttle::delay_after(header.failures) > 0).then_some(now);
        Ok(Vault {
            path: path.to_owned(),
            clock: options.clock,
            protector: options.protector,
            min_iterations: options.min_iterations,
            inner: Mutex::new(Inner {
                conn,
                vault_id: header.vault_id,
                failures: header.failures,
                wipe_after_failures: header.wipe_after_failures,
                delay_anchor_ms,
                device_bound: slot.as_ref().is_some_and(|s| s.device_bound),
                kdf_iterations: slot.as_ref().map_or(0, |s| s.iterations),
                erased: slot.is_none(),
                session: None,
            }),
        })
    }

    /// The file this vault lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the file inconsistent (every write is a
        // transaction), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_delay(inner: &mut Inner, now_ms: u64) -> Result<(), VaultError> {
        if throttle::delay_after(inner.failures) == 0 {
            return Ok(());
        }
        let anchor = *inner.delay_anchor_ms.get_or_insert(now_ms);
        let left = throttle::remaining_millis(inner.failures, anchor, now_ms);
        if left > 0 {
            return Err(VaultError::LockedOut {
                seconds_left: left.div_ceil(1000),
            });
        }
        Ok(())
    }

    /// Checks the PIN against the PIN slot (throttled, counted first) and returns the vault key
    /// with the slot it was checked against.
    fn verify_pin(&self, pin: &Pin) -> Result<(VaultKey, SlotRow), VaultError> {
        let now = self.clock.monotonic_millis();
        let (slot, vault_id) = {
            let mut inner = self.lock_inner();
            if inner.erased {
                return Err(VaultError::Erased);
            }
            inner.failures = storage::read_header(&inner.conn)?.failures;
            Self::check_delay(&mut inner, now)?;
            let slot =
                storage::read_pin_slot(&inner.conn, &inner.vault_id)?.ok_or(VaultError::Erased)?;
            crypto::check_iterations(slot.iterations, self.min_iterations)?;
            (slot, inner.vault_id)
        };
        let sealed = if slot.device_bound {
            let protector = self
                .protector
                .as_ref()
                .ok_or(VaultError::DeviceKeyRequired)?;
            protector
                .unwrap(slot.wrapped_key.clone())
                .map_err(protector_error)?
        } else {
            slot.wrapped_key.clone()
        };
        {
            let mut inner = self.lock_inner();
            Self::check_delay(&mut inner, now)?;
            inner.failures = storage::increment_failures(&inner.conn)?;
        }
        let pin_key = crypto::derive_pin_key(
            pin.as_bytes(),
            &slot.salt,
            slot.iterations,
            self.min_iterations,
        )?;
        match crypto::open(pin_key.as_bytes(), &slot_aad(&vault_id, &slot), &sealed) {
            Ok(plain) => {
                let key = VaultKey::from_slice(&plain)?;
                let mut inner = self.lock_inner();
                storage::set_failures(&inner.conn, 0)?;
                inner.failures = 0;
                inner.delay_anchor_ms = None;
                Ok((key, slot))
            }
            Err(crypto::AuthError) => {
                let anchor = self.clock.monotonic_millis();
                let mut inner = self.lock_inner();
                inner.delay_anchor_ms = Some(anchor);
                if inner.wipe_after_failures && inner.failures >= WIPE_AFTER_FAILURES {
                    inner.session = None;
                    storage::erase(&mut inner.conn)?;
                    inner.erased = true;
                    return Err(VaultError::Erased);
                }
                Err(VaultError::WrongPin {
                    attempts_before_delay: throttle::attempts_before_delay(inner.failures),
                })
            }
        }
    }

    /// Runs `f` on the open session (`pin` = `None`) or on one made for this call from the PIN,
    /// which decrypts only what `load` names.
    fn with_session<R>(
        &self,
        pin: Option<&Pin>,
        load: Load,
        f: impl FnOnce(&mut Connection, &mut Session) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        let key = pin
            .map(|pin| self.verify_pin(pin).map(|(key, _)| key))
            .transpose()?;
        let now = self.clock.monotonic_millis();
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        if inner.session.as_ref().is_some_and(|s| s.expired(now)) {
            inner.session = None;
        }
        match (inner.session.as_mut(), key) {
            (Some(session), _) => f(&mut inner.conn, session),
            (None, Some(key)) => {
                let mut transient = Session::load(&inner.conn, key, inner.vault_id, load, now)?;
                f(&mut inner.conn, &mut transient)
                // `transient` (key, secrets, keyed states) is wiped here.
            }
            (None, None) => Err(VaultError::Locked),
        }
    }

    /// Checks the PIN and, under a 5/10-minute policy, opens a session until that many minutes
    /// after now. Under `EveryCode` the PIN is only checked: nothing stays unlocked.
    pub fn unlock(&self, pin: &Pin) -> Result<UnlockInfo, VaultError> {
        let (key, _) = self.verify_pin(pin)?;
        let now = self.clock.monotonic_millis();
        let mut inner = self.lock_inner();
        // Under EveryCode nothing is kept, so only the settings are decrypted.
        let mut session = Session::load(&inner.conn, key, inner.vault_id, Load::Nothing, now)?;
        let policy = session.settings.policy;
        inner.session = match policy.session_millis() {
            Some(_) => {
                session.load_tokens(&inner.conn, Load::All)?;
                Some(session)
            }
            None => None,
        };
        Ok(UnlockInfo {
            policy,
            session_seconds: policy.session_millis().map(|ms| ms / 1000),
        })
    }

    /// Ends the session at once and wipes the keys and decrypted tokens.
    pub fn lock(&self) {
        self.lock_inner().session = None;
    }

    /// The vault's state (no PIN needed).
    pub fn status(&self) -> VaultStatus {
        let now = self.clock.monotonic_millis();
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        if inner.session.as_ref().is_some_and(|s| s.expired(now)) {
            inner.session = None;
        }
        let locked_out_seconds = match Self::check_delay(inner, now) {
            Err(VaultError::LockedOut { seconds_left }) => seconds_left,
            _ => 0,
        };
        let session = inner.session.as_ref();
        VaultStatus {
            unlocked: session.is_some(),
            session_seconds_left: session.and_then(|s| {
                s.settings
                    .policy
                    .session_millis()
                    .map(|len| (s.unlocked_at_ms + len).saturating_sub(now).div_ceil(1000))
            }),
            policy: session.map(|s| s.settings.policy),
            failed_attempts: inner.failures,
            attempts_before_delay: throttle::attempts_before_delay(inner.failures),
            locked_out_seconds,
            device_bound: inner.device_bound,
            kdf_iterations: inner.kdf_iterations,
            wipe_after_failures: inner.wipe_after_failures,
            erased: inner.erased,
            damaged_tokens: session.map(|s| s.damaged.clone()).unwrap_or_default(),
        }
    }

    /// The tokens in display order.
    pub fn list(&self, pin: Option<&Pin>) -> Result<Vec<TokenInfo>, VaultError> {
        self.with_session(pin, Load::All, |_, s| {
            Ok(s.tokens.iter().map(Loaded::info).collect())
        })
    }

    /// The TOTP code of one token at device time `unix` (the time correction is applied).
    pub fn code(&self, pin: Option<&Pin>, id: i64, unix: u64) -> Result<TotpCode, VaultError> {
        self.with_session(pin, Load::One(id), |_, s| s.code(id, unix))
    }

    /// The codes of every time-based token at device time `unix`, in display order: the call a
    /// UI makes every second. Keyed states and the last step's codes are cached per token.
    pub fn codes(&self, pin: Option<&Pin>, unix: u64) -> Result<Vec<CodeEntry>, VaultError> {
        self.with_session(pin, Load::All, |_, s| Ok(s.codes(unix)))
    }

    /// Every token with its current code, in display order, in one call (one KDF run when the
    /// PIN is passed): the main screen of an authenticator.
    pub fn entries(&self, pin: Option<&Pin>, unix: u64) -> Result<Vec<Entry>, VaultError> {
        self.with_session(pin, Load::All, |_, s| Ok(s.entries(unix)))
    }

    /// [`Vault::codes`] at the clock's current time.
    pub fn codes_now(&self, pin: Option<&Pin>) -> Result<Vec<CodeEntry>, VaultError> {
        let unix = self.clock.wall_seconds();
        self.codes(pin, unix)
    }

    /// Returns the HOTP code for the stored counter after storing the incremented counter.
    pub fn next_hotp(&self, pin: Option<&Pin>, id: i64) -> Result<HotpCode, VaultError> {
        self.with_session(pin, Load::One(id), |conn, s| s.next_hotp(conn, id))
    }

    /// Adds a token from an `otpauth://` or `steam://` URI (a scanned QR code).
    pub fn add_uri(&self, pin: Option<&Pin>, text: &str) -> Result<TokenInfo, VaultError> {
        let token = uri::parse(text)?;
        self.add_token(pin, token)
    }

    /// Adds a token from typed fields ("enter the key by hand").
    pub fn add_typed(
        &self,
        pin: Option<&Pin>,
        secret_base32: &str,
        params: TokenParams,
    ) -> Result<TokenInfo, VaultError> {
        let token = Token::new(Secret::from_base32(secret_base32)?, params)?;
        self.add_token(pin, token)
    }

    /// Adds a validated token.
    pub fn add_token(&self, pin: Option<&Pin>, token: Token) -> Result<TokenInfo, VaultError> {
        self.with_session(pin, Load::Nothing, |conn, s| s.add(conn, token))
    }

    /// Renames a token.
    pub fn rename(
        &self,
        pin: Option<&Pin>,
        id: i64,
        issuer: &str,
        account: &str,
    ) -> Result<TokenInfo, VaultError> {
        self.with_session(pin, Load::One(id), |conn, s| {
            s.rename(conn, id, issuer, account)
        })
    }

    /// Removes a token (its row is overwritten on disk).
    pub fn remove(&self, pin: Option<&Pin>, id: i64) -> Result<(), VaultError> {
        self.with_session(pin, Load::One(id), |conn, s| {
            // A damaged row may be removed too: that is how a user gets rid of it.
            if !s.damaged.contains(&id) {
                s.find(id)?;
            }
            s.remove(conn, id)
        })
    }

    /// Sets the display order: `ids` must be every token id exactly once.
    pub fn reorder(&self, pin: Option<&Pin>, ids: &[i64]) -> Result<(), VaultError> {
        self.with_session(pin, Load::All, |conn, s| s.reorder(conn, ids))
    }

    /// The time correction in seconds.
    pub fn time_offset(&self, pin: Option<&Pin>) -> Result<i64, VaultError> {
        self.with_session(pin, Load::Nothing, |_, s| Ok(s.settings.time_offset))
    }

    /// Sets the time correction added to the device clock for every TOTP code.
    pub fn set_time_offset(&self, pin: Option<&Pin>, seconds: i64) -> Result<(), VaultError> {
        self.with_session(pin, Load::Nothing, |conn, s| {
            let settings = Settings {
                time_offset: seconds,
                ..s.settings
            };
            s.save_settings(conn, settings)
        })
    }

    /// Changes the unlock policy (the PIN is always required). An open session follows the new
    /// policy from its original unlock time; switching to `EveryCode` locks at once.
    pub fn set_policy(&self, pin: &Pin, policy: UnlockPolicy) -> Result<(), VaultError> {
        self.with_session(Some(pin), Load::Nothing, |conn, s| {
            let settings = Settings {
                policy,
                ..s.settings
            };
            s.save_settings(conn, settings)
        })?;
        if policy == UnlockPolicy::EveryCode {
            self.lock();
        }
        Ok(())
    }

    /// Turns the erase-after-10-failures option on or off (the PIN is required).
    pub fn set_wipe_after_failures(&self, pin: &Pin, on: bool) -> Result<(), VaultError> {
        self.verify_pin(pin)?;
        let mut inner = self.lock_inner();
        storage::set_wipe_after_failures(&inner.conn, on)?;
        inner.wipe_after_failures = on;
        Ok(())
    }

    /// Re-wraps the vault key under a new PIN in one transaction; no token is re-encrypted.
    pub fn change_pin(&self, old: &Pin, new_pin: &str) -> Result<(), VaultError> {
        let new_pin = Pin::new_for_setting(new_pin)?;
        let (key, old_slot) = self.verify_pin(old)?;
        let protector = if old_slot.device_bound {
            Some(
                self.protector
                    .as_ref()
                    .ok_or(VaultError::DeviceKeyRequired)?,
            )
        } else {
            None
        };
        let vault_id = self.lock_inner().vault_id;
        let slot = new_pin_slot(
            &vault_id,
            &new_pin,
            &key,
            old_slot.iterations,
            self.min_iterations,
            protector,
        )?;
        let mut inner = self.lock_inner();
        let tx = inner.conn.transaction()?;
        storage::write_pin_slot(&tx, &vault_id, &slot)?;
        tx.commit()?;
        Ok(())
    }

    /// Every token as a canonical `otpauth://` URI (the PIN is always required: this is the
    /// secret material itself).
    pub fn export_uris(&self, pin: &Pin) -> Result<Vec<Zeroizing<String>>, VaultError> {
        self.with_session(Some(pin), Load::All, |_, s| {
            Ok(s.tokens.iter().map(|t| uri::build(&t.token)).collect())
        })
    }

    /// Runs SQLite's `PRAGMA integrity_check`.
    pub fn integrity_ok(&self) -> Result<bool, VaultError> {
        storage::integrity_ok(&self.lock_inner().conn)
    }

    /// Caps the database size in pages (to test disk-full handling). Test builds only.
    #[cfg(feature = "test-support")]
    pub fn set_max_page_count(&self, pages: u32) -> Result<(), VaultError> {
        let inner = self.lock_inner();
        inner
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::session::token_aad;
    use super::*;

    #[test]
    fn vault_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Vault>();
    }

    #[test]
    fn aad_binds_row_ids_and_vaults() {
        let a = token_aad(&[1; 16], 1);
        assert_ne!(a, token_aad(&[1; 16], 2));
        assert_ne!(a, token_aad(&[2; 16], 1));
        assert_ne!(settings_aad(&[1; 16]), settings_aad(&[2; 16]));
    }
}
