//! # otpvault-vault
//!
//! The PIN-locked vault: keys, unlock policy, throttling and the token operations, over one
//! SQLite file. The top layer below the facade: it stores the tokens of `otpvault-codes`, imports
//! the candidates `otpvault-transfer` reads, exports the snapshots it writes, and keeps what
//! `otpvault-activation` derives.
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

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use zeroize::Zeroizing;

use otpvault_codes::clock::{Clock, SystemClock};
use otpvault_codes::otp::{Algorithm, TotpCode};
use otpvault_codes::secret::Secret;
use otpvault_codes::token::{OtpKind, Token, TokenParams};
use otpvault_codes::uri;

pub(crate) mod crypto;
pub mod error;
mod keyslot;
pub mod pin;
pub(crate) mod record;
mod session;
pub(crate) mod storage;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod throttle;

pub use crate::error::ProtectorError;
use crypto::{KDF_TARGET_MILLIS, MIN_PBKDF2_ITERATIONS, VaultKey};
pub use error::{StorageKind, VaultError};
use keyslot::{
    OpenedQuickSlot, QUICK_ALLOWS_EVERY_CODE, new_pin_slot, new_quick_slot, open_quick_slot,
    protector_error,
};
pub use otpvault_codes::UnlockPolicy;
pub use pin::Pin;
pub use record::Settings;
use session::{Load, RowKeys, Session};
use storage::SlotKind;

pub use session::SINGLE_CALL_MILLIS;
use storage::SlotRow;

/// Consecutive wrong PINs after which the keys are erased, when that option is on.
pub const WIPE_AFTER_FAILURES: u32 = 10;

/// A key that never leaves the device (Android Keystore, iOS Secure Enclave) wrapping the
/// PIN-sealed vault key once more. It only ever sees ciphertext.
pub trait KeyProtector: Send + Sync {
    /// Encrypts `data` with the device key.
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError>;
    /// Decrypts what [`KeyProtector::wrap`] returned.
    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError>;
}

/// The platform key behind quick unlock (biometrics). Besides wrapping and unwrapping, it can be
/// told to delete itself: when quick unlock is disabled, the slot's row goes and so must the key,
/// so that a copy of the row written back into the file has nothing left to unwrap it.
pub trait QuickUnlockKey: KeyProtector {
    /// Deletes the platform key (it wraps nothing the vault will use again).
    fn delete_key(&self) -> Result<(), ProtectorError>;
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
    /// The groups (tags) it belongs to.
    pub groups: Vec<String>,
    /// The user's note.
    pub note: String,
    /// Marked as a favourite (pinned).
    pub favourite: bool,
    /// The type of its icon, if it has one (the bytes: [`Vault::icon`]).
    pub icon: Option<otpvault_transfer::details::IconKind>,
}

/// The codes of every token at one instant: what a main screen refreshes every second, with what
/// changes per token (the code) apart from what changes per period (the step and the time left).
/// `values[i]` is the code of the `i`-th token of [`Vault::list`] (display order; `""` for an
/// HOTP token, whose code is drawn with [`Vault::next_hotp`]). When `revision` differs from the
/// previous sheet's, the list changed (a token was added, removed, renamed or moved, or a new
/// session began): call [`Vault::list`] again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSheet {
    /// Changes whenever the token list changes; never repeats within a process.
    pub revision: u64,
    /// Each period in use, once, in the order its first token is displayed.
    pub periods: Vec<PeriodState>,
    /// The codes, aligned with [`Vault::list`].
    pub values: Vec<String>,
}

/// Where one period's time step stands: shared by every token with that period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodState {
    /// Seconds per step.
    pub period: u32,
    /// The current time step.
    pub step: u64,
    /// Unix time (corrected) at which the step began.
    pub step_start: u64,
    /// Seconds until the codes of this period change (1..=period).
    pub seconds_left: u32,
}

impl CodeSheet {
    /// The state of `period` (`None` if no token uses it).
    pub fn period(&self, period: u32) -> Option<&PeriodState> {
        self.periods.iter().find(|p| p.period == period)
    }
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
    /// Quick unlock (biometrics) is set up.
    pub quick_unlock: bool,
    /// Quick unlock may stand in for the PIN under `EveryCode` (as the slot's row says; the
    /// wrapped copy is checked at each quick unlock).
    pub quick_unlock_every_code: bool,
}

struct Inner {
    conn: Connection,
    vault_id: [u8; 16],
    session: Option<Session>,
    /// The file could only be opened for reading: PIN attempts cannot be counted.
    read_only: bool,
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
    for suffix in ["", "-wal", "-shm", "-journal", "-pin"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// A key just recovered from the PIN slot, with the slot it came from.
struct Unlocked {
    keys: RowKeys,
    slot: SlotRow,
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
        let keys = RowKeys::new(dek, vault_id);
        let sealed_settings = keys.seal_settings(&settings)?;
        let manifest = record::Manifest {
            generation: 0,
            next_id: 1,
            settings: record::nonce_of(&sealed_settings).ok_or(VaultError::Rng)?,
            tokens: Vec::new(),
            quick: None,
        };
        let sealed_manifest = keys.seal_manifest(&manifest)?;

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
                    format: storage::FORMAT_VERSION,
                    manifest: Some(sealed_manifest),
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
            let now = vault.now();
            vault.lock_inner().session = Some(Session {
                keys,
                slot_salt: slot.salt,
                settings,
                unlocked_at_ms: now.0,
                unlocked_at_wall: now.1,
                tokens: Vec::new(),
                damaged: Vec::new(),
                single_call: false,
                revision: session::next_revision(),
            });
        }
        Ok(vault)
    }

    /// Opens an existing vault, locked. The file and its schema are checked (and migrated) but no
    /// key is derived.
    pub fn open(path: &Path, options: OpenOptions) -> Result<Self, VaultError> {
        let conn = storage::open(path)?;
        let header = storage::read_header(&conn)?;
        storage::read_pin_slot(&conn, &header.vault_id)?;
        let read_only = storage::is_read_only(&conn)?;
        Ok(Vault {
            path: path.to_owned(),
            clock: options.clock,
            protector: options.protector,
            min_iterations: options.min_iterations,
            inner: Mutex::new(Inner {
                conn,
                vault_id: header.vault_id,
                session: None,
                read_only,
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

    /// (monotonic ms, wall s) now.
    fn now(&self) -> (u64, u64) {
        (self.clock.monotonic_millis(), self.clock.wall_seconds())
    }

    /// Checks the PIN against the PIN slot and returns the vault key with the slot it opened.
    ///
    /// The slot is read and unwrapped by the device key first (a missing or failing device key
    /// costs no attempt); then the attempt is claimed in one write transaction
    /// ([`throttle::claim`]), and only then does the KDF run, outside every lock.
    fn verify_pin(&self, pin: &Pin) -> Result<Unlocked, VaultError> {
        if self.lock_inner().read_only {
            return self.verify_pin_read_only(pin);
        }
        // The slot can change between the read and the claim (a PIN change elsewhere): then the
        // claim refuses without counting and the slot is read again.
        for _ in 0..3 {
            let (slot, vault_id) = {
                let inner = self.lock_inner();
                let slot = storage::read_pin_slot(&inner.conn, &inner.vault_id)?
                    .ok_or(VaultError::Erased)?;
                (slot, inner.vault_id)
            };
            crypto::check_iterations(slot.iterations, self.min_iterations)?;
            let sealed = if slot.device_bound {
                let protector = self
                    .protector
                    .as_ref()
                    .ok_or(VaultError::DeviceKeyRequired)?;
                Zeroizing::new(
                    protector
                        .unwrap(slot.wrapped_key.clone())
                        .map_err(protector_error)?,
                )
            } else {
                Zeroizing::new(slot.wrapped_key.clone())
            };
            // Held until the outcome is written: one attempt in flight per vault file.
            let _attempt = throttle::AttemptLock::acquire(&self.path)?;
            let claim = {
                let mut inner = self.lock_inner();
                throttle::claim(
                    &mut inner.conn,
                    &vault_id,
                    (self.clock.monotonic_millis(), self.clock.wall_millis()),
                    &slot,
                )?
            };
            let failures = match claim {
                throttle::Claim::Granted { failures } => failures,
                throttle::Claim::SlotChanged => continue,
            };
            let checked = keyslot::check_pin(&vault_id, &slot, &sealed, pin, self.min_iterations)?;
            let mut inner = self.lock_inner();
            return match checked {
                Some(key) => {
                    let keys = RowKeys::new(key, vault_id);
                    throttle::succeeded(&inner.conn)?;
                    session::upgrade_legacy(&mut inner.conn, &keys)?;
                    Ok(Unlocked { keys, slot })
                }
                None => {
                    if failures >= WIPE_AFTER_FAILURES
                        && storage::read_header(&inner.conn)?.wipe_after_failures
                    {
                        inner.session = None;
                        storage::erase(&mut inner.conn)?;
                        return Err(VaultError::Erased);
                    }
                    Err(VaultError::WrongPin {
                        attempts_before_delay: throttle::attempts_before_delay(failures),
                    })
                }
            };
        }
        Err(VaultError::Storage {
            kind: crate::error::StorageKind::Busy,
        })
    }

    /// A file this user may only read cannot count attempts. It is as exposed as a copied file
    /// (threat 2: every PIN can be tried offline), so the PIN is checked without counting — but
    /// only when no device key protects the vault (there the count is the on-device protection,
    /// so a read-only device-bound vault is refused), and never during a stored delay.
    fn verify_pin_read_only(&self, pin: &Pin) -> Result<Unlocked, VaultError> {
        let (slot, vault_id, throttle) = {
            let inner = self.lock_inner();
            let slot =
                storage::read_pin_slot(&inner.conn, &inner.vault_id)?.ok_or(VaultError::Erased)?;
            (slot, inner.vault_id, storage::read_throttle(&inner.conn)?)
        };
        if slot.device_bound {
            return Err(VaultError::Storage {
                kind: crate::error::StorageKind::ReadOnly,
            });
        }
        crypto::check_iterations(slot.iterations, self.min_iterations)?;
        // A stored delay is honoured (the anchor cannot be moved: a clock behind it, after a
        // reboot, counts the whole delay from now).
        let (left, _) = throttle::delay_state(
            throttle.failures,
            (throttle.anchor_ms, throttle.wall_anchor_ms),
            (self.clock.monotonic_millis(), self.clock.wall_millis()),
        );
        if left > 0 {
            return Err(VaultError::LockedOut {
                seconds_left: left.div_ceil(1000),
            });
        }
        match keyslot::check_pin(
            &vault_id,
            &slot,
            &slot.wrapped_key,
            pin,
            self.min_iterations,
        )? {
            Some(key) => Ok(Unlocked {
                keys: RowKeys::new(key, vault_id),
                slot,
            }),
            None => Err(VaultError::WrongPin {
                attempts_before_delay: throttle::attempts_before_delay(throttle.failures),
            }),
        }
    }

    /// Runs `f` on the open session (`pin` = `None`) or on one made for this call from the PIN,
    /// which decrypts only what `load` names. A session that turns out stale (the PIN was changed
    /// by another instance) is dropped.
    fn with_session<R>(
        &self,
        pin: Option<&Pin>,
        load: Load,
        f: impl FnOnce(&mut Connection, &mut Session) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        let unlocked = pin.map(|pin| self.verify_pin(pin)).transpose()?;
        let now = self.now();
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        if inner.session.as_ref().is_some_and(|s| s.expired(now)) {
            inner.session = None;
        }
        // An unlock under `EveryCode` stands for the PIN of exactly one call: it is taken here,
        // and the call decrypts what it needs, as with the PIN itself.
        let single_call = inner
            .session
            .take_if(|s| s.single_call)
            .map(|once| (once.keys, once.slot_salt));
        let unlocked = single_call.or(unlocked.map(|Unlocked { keys, slot }| (keys, slot.salt)));
        let result = match (inner.session.as_mut(), unlocked) {
            (Some(session), _) => f(&mut inner.conn, session),
            (None, Some((keys, slot_salt))) => {
                let salt = slot_salt.clone();
                match Session::load(&inner.conn, keys, slot_salt, load, now) {
                    Ok(mut transient) => f(&mut inner.conn, &mut transient),
                    // (Keys from an `EveryCode` unlock that a PIN change elsewhere made old.)
                    Err(err) => Err(
                        match storage::read_pin_slot(&inner.conn, &inner.vault_id)? {
                            Some(current) if current.salt == salt => err,
                            _ => VaultError::Locked,
                        },
                    ),
                }
                // `transient` (key, secrets, keyed states) is wiped here.
            }
            (None, None) => Err(VaultError::Locked),
        };
        if matches!(result, Err(VaultError::Locked)) {
            inner.session = None;
        }
        result
    }

    /// Checks the PIN and opens a session: under a 5/10-minute policy until that many minutes
    /// after now; under `EveryCode` for the next one call only, made within
    /// [`SINGLE_CALL_MILLIS`] (so an app can run the KDF here, off its UI thread, and
    /// then make the call that shows the code without passing the PIN again).
    pub fn unlock(&self, pin: &Pin) -> Result<UnlockInfo, VaultError> {
        let Unlocked { keys, slot } = self.verify_pin(pin)?;
        self.open_session(keys, slot.salt, true)
    }

    /// Keeps `keys` as the session: under a 5/10-minute policy with every token decrypted; under
    /// `EveryCode` (if `every_code_allowed`) with nothing decrypted but the settings, for the one
    /// call it serves. The settings are read first, so a refused session decrypts no token.
    fn open_session(
        &self,
        keys: RowKeys,
        slot_salt: Vec<u8>,
        every_code_allowed: bool,
    ) -> Result<UnlockInfo, VaultError> {
        let now = self.now();
        let mut inner = self.lock_inner();
        let mut session = Session::load(&inner.conn, keys, slot_salt, Load::Nothing, now)?;
        let policy = session.settings.policy;
        match policy.session_millis() {
            Some(_) => session.load_all(&inner.conn)?,
            None if every_code_allowed => session.single_call = true,
            None => return Err(VaultError::QuickUnlockNotAllowed),
        }
        inner.session = Some(session);
        Ok(UnlockInfo {
            policy,
            session_seconds: policy.session_millis().map(|ms| ms / 1000),
        })
    }

    /// Ends the session at once and wipes the keys and decrypted tokens.
    pub fn lock(&self) {
        self.lock_inner().session = None;
    }

    /// The vault's state (no PIN needed), read from the file: what another process did counts.
    pub fn status(&self) -> VaultStatus {
        let now = self.now();
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        if inner.session.as_ref().is_some_and(|s| s.expired(now)) {
            inner.session = None;
        }
        let throttle = storage::read_throttle(&inner.conn).ok();
        let header = storage::read_header(&inner.conn).ok();
        let slot = storage::read_pin_slot(&inner.conn, &inner.vault_id)
            .ok()
            .flatten();
        let quick = storage::read_slot(&inner.conn, &inner.vault_id, SlotKind::QuickUnlock)
            .ok()
            .flatten();
        let failures = throttle.map_or(0, |t| t.failures);
        let locked_out_millis = throttle.map_or(0, |t| {
            throttle::delay_state(
                t.failures,
                (t.anchor_ms, t.wall_anchor_ms),
                (now.0, self.clock.wall_millis()),
            )
            .0
        });
        let session = inner.session.as_ref();
        VaultStatus {
            unlocked: session.is_some(),
            session_seconds_left: session
                .and_then(|s| s.millis_left(now))
                .map(|ms| ms.div_ceil(1000)),
            policy: session.map(|s| s.settings.policy),
            failed_attempts: failures,
            attempts_before_delay: throttle::attempts_before_delay(failures),
            locked_out_seconds: locked_out_millis.div_ceil(1000),
            device_bound: slot.as_ref().is_some_and(|s| s.device_bound),
            kdf_iterations: slot.as_ref().map_or(0, |s| s.iterations),
            wipe_after_failures: header.is_some_and(|h| h.wipe_after_failures),
            erased: slot.is_none(),
            damaged_tokens: session.map(|s| s.damaged.clone()).unwrap_or_default(),
            quick_unlock: quick.is_some(),
            quick_unlock_every_code: quick
                .is_some_and(|q| q.iterations & QUICK_ALLOWS_EVERY_CODE != 0),
        }
    }

    /// The tokens in display order.
    pub fn list(&self, pin: Option<&Pin>) -> Result<Vec<TokenInfo>, VaultError> {
        self.with_session(pin, Load::All, |_, s| {
            Ok(s.tokens.iter().map(|t| t.info()).collect())
        })
    }

    /// The TOTP code of one token at device time `unix` (the time correction is applied).
    pub fn code(&self, pin: Option<&Pin>, id: i64, unix: u64) -> Result<TotpCode, VaultError> {
        self.with_session(pin, Load::One(id), |_, s| s.code(id, unix))
    }

    /// The code of every token at device time `unix`, aligned with [`Vault::list`], with each
    /// period's step once ([`CodeSheet`]): the call a UI makes every second. Keyed states and the
    /// last step's codes are cached per token.
    pub fn codes(&self, pin: Option<&Pin>, unix: u64) -> Result<CodeSheet, VaultError> {
        self.with_session(pin, Load::All, |_, s| Ok(s.codes(unix)))
    }

    /// Every token with its current code, in display order, in one call (one KDF run when the
    /// PIN is passed): the main screen of an authenticator.
    pub fn entries(&self, pin: Option<&Pin>, unix: u64) -> Result<Vec<Entry>, VaultError> {
        self.with_session(pin, Load::All, |_, s| Ok(s.entries(unix)))
    }

    /// [`Vault::codes`] at the clock's current time.
    pub fn codes_now(&self, pin: Option<&Pin>) -> Result<CodeSheet, VaultError> {
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

    /// Adds a validated token. A token the vault already holds (the same secret, kind,
    /// parameters and names, as an import judges it: [`otpvault_transfer::import::same_entry`])
    /// is not added a second time: [`VaultError::Duplicate`] names the one already there. One
    /// secret under other names is another account enrolled with it: added (see
    /// [`Vault::add_token_noting`] for which tokens it shares the secret with).
    pub fn add_token(&self, pin: Option<&Pin>, token: Token) -> Result<TokenInfo, VaultError> {
        Ok(self.add_token_noting(pin, token)?.0)
    }

    /// [`Vault::add_token`], with the ids of the tokens that hold the same secret, kind and
    /// parameters under other names.
    pub fn add_token_noting(
        &self,
        pin: Option<&Pin>,
        token: Token,
    ) -> Result<(TokenInfo, Vec<i64>), VaultError> {
        self.with_session(pin, Load::All, |conn, s| {
            if let Some(existing) = s
                .tokens
                .iter()
                .find(|t| otpvault_transfer::import::same_entry(&t.token, &token))
            {
                return Err(VaultError::Duplicate { id: existing.id });
            }
            let twins: Vec<i64> = s
                .tokens
                .iter()
                .filter(|t| otpvault_transfer::import::same_token(&t.token, &token))
                .map(|t| t.id)
                .collect();
            Ok((s.add(conn, token)?, twins))
        })
    }

    /// Stores the result of an activation ([`otpvault_activation`]): the token and the measured
    /// clock offset as the time correction, in one transaction.
    pub fn activate(
        &self,
        pin: Option<&Pin>,
        activated: otpvault_activation::Activated,
    ) -> Result<TokenInfo, VaultError> {
        self.with_session(pin, Load::Nothing, |conn, s| {
            s.add_with_offset(conn, activated.token, Some(activated.clock_offset))
        })
    }

    /// Reads an export file of another authenticator ([`otpvault_transfer::import`]; `password` opens an
    /// encrypted one) and reports what importing
    /// it would do, entry by entry (import, duplicate of a token already here or earlier in the
    /// file, or skipped with the reason), without changing the vault.
    pub fn preview_import(
        &self,
        pin: Option<&Pin>,
        bytes: &[u8],
        password: Option<&str>,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        self.preview_read(pin, &otpvault_transfer::import::read_file(bytes, password)?)
    }

    /// [`Vault::preview_import`] of a file already read ([`otpvault_transfer::import::read_file`]).
    pub fn preview_read(
        &self,
        pin: Option<&Pin>,
        file: &otpvault_transfer::import::ReadFile,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        self.with_session(pin, Load::All, |_, s| {
            Ok(s.preview_import(file.format, &file.candidates))
        })
    }

    /// Imports an export file: every entry the preview would import is added, in one transaction
    /// (all or none); duplicates and unreadable entries are skipped and reported. A file that
    /// cannot be read at all is refused as a whole ([`VaultError::Import`]).
    pub fn import(
        &self,
        pin: Option<&Pin>,
        bytes: &[u8],
        password: Option<&str>,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        self.import_read(pin, otpvault_transfer::import::read_file(bytes, password)?)
    }

    /// [`Vault::import`] of a file already read ([`otpvault_transfer::import::read_file`]).
    pub fn import_read(
        &self,
        pin: Option<&Pin>,
        file: otpvault_transfer::import::ReadFile,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        self.with_session(pin, Load::Nothing, |conn, s| {
            s.import(conn, file.format, file.candidates)
        })
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

    /// Puts token `id` in exactly these groups (names cleaned, each once, at most 32).
    pub fn set_groups<S: AsRef<str>>(
        &self,
        pin: Option<&Pin>,
        id: i64,
        groups: &[S],
    ) -> Result<TokenInfo, VaultError> {
        self.with_session(pin, Load::One(id), |conn, s| {
            s.set_details(conn, id, |d| Ok(d.set_groups(groups)?))
        })
    }

    /// Sets token `id`'s note (empty removes it; at most 4096 bytes).
    pub fn set_note(
        &self,
        pin: Option<&Pin>,
        id: i64,
        note: &str,
    ) -> Result<TokenInfo, VaultError> {
        self.with_session(pin, Load::One(id), |conn, s| {
            s.set_details(conn, id, |d| Ok(d.set_note(note)?))
        })
    }

    /// Marks token `id` as a favourite, or not.
    pub fn set_favourite(
        &self,
        pin: Option<&Pin>,
        id: i64,
        favourite: bool,
    ) -> Result<TokenInfo, VaultError> {
        self.with_session(pin, Load::One(id), |conn, s| {
            s.set_details(conn, id, |d| {
                d.favourite = favourite;
                Ok(())
            })
        })
    }

    /// Sets token `id`'s icon (`None` removes it): a PNG, JPEG, WebP or SVG of at most 64 KiB,
    /// typed by its bytes. The core stores it and hands it back; it never decodes it.
    pub fn set_icon(
        &self,
        pin: Option<&Pin>,
        id: i64,
        icon: Option<Vec<u8>>,
    ) -> Result<TokenInfo, VaultError> {
        let icon = icon
            .map(otpvault_transfer::details::Icon::new)
            .transpose()?;
        self.with_session(pin, Load::One(id), |conn, s| {
            s.set_details(conn, id, |d| {
                d.icon = icon;
                Ok(())
            })
        })
    }

    /// Token `id`'s icon, if it has one.
    pub fn icon(
        &self,
        pin: Option<&Pin>,
        id: i64,
    ) -> Result<Option<otpvault_transfer::details::Icon>, VaultError> {
        self.with_session(pin, Load::One(id), |_, s| {
            Ok(s.find(id)?.details.icon.clone())
        })
    }

    /// Removes a token (also a damaged one). Its row is overwritten on disk and the `-wal` file is
    /// checkpointed, so its sealed bytes do not stay behind in either file.
    pub fn remove(&self, pin: Option<&Pin>, id: i64) -> Result<(), VaultError> {
        self.with_session(pin, Load::Nothing, |conn, s| s.remove(conn, id))
    }

    /// Sets the display order: `ids` must be every token id exactly once.
    pub fn reorder(&self, pin: Option<&Pin>, ids: &[i64]) -> Result<(), VaultError> {
        self.with_session(pin, Load::All, |conn, s| s.reorder(conn, ids))
    }

    /// The time correction in seconds.
    pub fn time_offset(&self, pin: Option<&Pin>) -> Result<i64, VaultError> {
        self.with_session(pin, Load::Nothing, |_, s| Ok(s.settings.time_offset))
    }

    /// The clock the vault reads (the one a time request's round trip is measured on).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// A time request (`otpvault-time/v1`) to the issuer of token `id`, checked with the token's
    /// secret: the client, the body to `POST` to [`otpvault_activation::time::TIME_PATH`], and the
    /// monotonic time it was made at (the round trip is measured on the monotonic clock; the
    /// send time is the device's wall clock, not corrected by [`Vault::time_offset`]).
    pub fn time_sync_request(
        &self,
        pin: Option<&Pin>,
        id: i64,
    ) -> Result<(otpvault_activation::time::TimeClient, String, u64), VaultError> {
        let sent_ms = self.clock.wall_millis();
        let sent_mono = self.clock.monotonic_millis();
        self.with_session(pin, Load::One(id), |_, s| {
            let loaded = s.find(id)?;
            let (client, body) = otpvault_activation::time::TimeClient::new(
                loaded.token.secret().expose(),
                &loaded.token.params().account,
                sent_ms,
            )
            .map_err(|_| VaultError::Rng)?;
            Ok((client, body, sent_mono))
        })
    }

    /// Sets the time correction added to the device clock for every TOTP code.
    /// Refuses more than [`otpvault_codes::clock::MAX_TIME_OFFSET_SECONDS`] either way.
    pub fn set_time_offset(&self, pin: Option<&Pin>, seconds: i64) -> Result<(), VaultError> {
        if !otpvault_codes::clock::time_offset_in_range(seconds) {
            return Err(VaultError::TimeOffsetOutOfRange {
                max_seconds: otpvault_codes::clock::MAX_TIME_OFFSET_SECONDS,
            });
        }
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
        storage::set_wipe_after_failures(&self.lock_inner().conn, on)
    }

    /// Changes the PIN and revokes the old one: a **new** vault key is generated, every row, the
    /// settings and the manifest are re-sealed under it and the new PIN slot is written, all in one
    /// transaction (a crash leaves either the old PIN or the new one working). The file is then
    /// vacuumed and the `-wal` file truncated, so neither keeps the old slot or the old rows: an
    /// old slot written back, or a copy of the file taken later, opens nothing with the old PIN.
    pub fn change_pin(&self, old: &Pin, new_pin: &str) -> Result<(), VaultError> {
        let new_pin = Pin::new_for_setting(new_pin)?;
        let Unlocked {
            keys: old_keys,
            slot: old_slot,
        } = self.verify_pin(old)?;
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
        let new_key = VaultKey::generate()?;
        let slot = new_pin_slot(
            &vault_id,
            &new_pin,
            &new_key,
            old_slot.iterations,
            self.min_iterations,
            protector,
        )?;
        let new_keys = RowKeys::new(new_key, vault_id);
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        session::rekey(&mut inner.conn, &old_keys, &new_keys, |tx| {
            storage::write_pin_slot(tx, &vault_id, &slot)?;
            // The quick-unlock slot wraps the old key: it goes (set it up again with the new PIN).
            storage::delete_slot(tx, SlotKind::QuickUnlock)
        })?;
        if let Some(session) = inner.session.as_mut() {
            session.keys = new_keys;
            session.slot_salt = slot.salt;
        }
        // Committed: the old key opens nothing any more. Vacuuming removes every free page that
        // held old bytes; if it cannot run (disk full), secure_delete has already zeroed them.
        if storage::vacuum(&inner.conn).is_err() {
            storage::checkpoint(&inner.conn)?;
        }
        Ok(())
    }

    /// Every token as a canonical `otpauth://` URI (the PIN is always required: this is the
    /// secret material itself).
    pub fn export_uris(&self, pin: &Pin) -> Result<Vec<Zeroizing<String>>, VaultError> {
        Ok(self.export_snapshot(pin)?.uris())
    }

    /// Every token, decrypted, in display order (the PIN is always required).
    pub fn export_tokens(&self, pin: &Pin) -> Result<Vec<Token>, VaultError> {
        Ok(self.export_snapshot(pin)?.tokens)
    }

    /// Every token and the settings a backup carries, with one PIN check (the PIN is always
    /// required): each export format is made from it ([`otpvault_transfer::export::Snapshot`]).
    pub fn export_snapshot(
        &self,
        pin: &Pin,
    ) -> Result<otpvault_transfer::export::Snapshot, VaultError> {
        self.with_session(Some(pin), Load::All, |_, s| {
            Ok(otpvault_transfer::export::Snapshot {
                tokens: s.tokens.iter().map(|t| t.token.clone()).collect(),
                details: s.tokens.iter().map(|t| t.details.clone()).collect(),
                settings: otpvault_transfer::backup::BackupSettings {
                    time_offset: s.settings.time_offset,
                    policy: s.settings.policy,
                },
            })
        })
    }

    /// otpvault's encrypted backup of every token, the order, the names, the HOTP counters, the
    /// time correction and the policy ([`otpvault_transfer::backup`]). The passphrase must reach
    /// strength score 3 (names in the vault count against it): [`VaultError::WeakPassphrase`]
    /// otherwise.
    pub fn export_backup(
        &self,
        pin: &Pin,
        passphrase: &str,
        kdf: otpvault_transfer::backup::BackupKdf,
    ) -> Result<Vec<u8>, VaultError> {
        Ok(self.export_snapshot(pin)?.backup(passphrase, kdf)?)
    }

    /// Every token as an Aegis vault file (the format Aegis imports), encrypted with `password`
    /// when given (checked like a backup passphrase).
    pub fn export_aegis(
        &self,
        pin: &Pin,
        password: Option<&str>,
    ) -> Result<Zeroizing<String>, VaultError> {
        Ok(self.export_snapshot(pin)?.aegis(password)?)
    }

    /// Every token Google Authenticator can hold, as transfer URIs batched for QR codes, and
    /// the ones it cannot (period other than 30 s, digits other than 6 or 8, Steam).
    pub fn export_google(
        &self,
        pin: &Pin,
    ) -> Result<otpvault_transfer::export::google::Transfer, VaultError> {
        Ok(self.export_snapshot(pin)?.google()?)
    }

    /// Restores an otpvault backup (or imports any export file): its tokens are imported as by
    /// [`Vault::import`] (duplicates skipped) in one transaction, then a backup's time
    /// correction and policy are applied.
    pub fn restore(
        &self,
        pin: &Pin,
        bytes: &[u8],
        passphrase: Option<&str>,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        self.restore_read(
            Some(pin),
            otpvault_transfer::import::read_file(bytes, passphrase)?,
        )
    }

    /// [`Vault::restore`] of a file already read ([`otpvault_transfer::import::read_file`]).
    /// With `pin` = `None` it runs in the open session, but only when the backup keeps the
    /// vault's policy: changing the policy takes the PIN (refused as [`VaultError::Locked`]).
    pub fn restore_read(
        &self,
        pin: Option<&Pin>,
        file: otpvault_transfer::import::ReadFile,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        let restored = file.settings;
        if pin.is_none() {
            // Checked here, not in the session's call: a `Locked` from there ends the session.
            let policy = self
                .lock_inner()
                .session
                .as_ref()
                .map(|s| s.settings.policy);
            if restored.is_some_and(|r| Some(r.policy) != policy) {
                return Err(VaultError::Locked);
            }
        }
        // One PIN check (one KDF run) for the tokens and the settings.
        let report = self.with_session(pin, Load::Nothing, |conn, s| {
            let report = s.import(conn, file.format, file.candidates)?;
            if let Some(restored) = restored {
                let settings = Settings {
                    time_offset: restored.time_offset,
                    policy: restored.policy,
                };
                s.save_settings(conn, settings)?;
            }
            Ok(report)
        })?;
        // As `set_policy`: switching to `EveryCode` locks at once.
        if restored.is_some_and(|r| r.policy == UnlockPolicy::EveryCode) {
            self.lock();
        }
        Ok(report)
    }

    /// Sets up quick unlock (biometrics): the vault key is wrapped by `protector`, a platform key
    /// that needs the user's presence. The PIN stays the root: setting this up needs it (checked
    /// and counted like any PIN entry), a PIN change removes the slot, and the erase option still
    /// erases it. `allow_every_code` lets a quick unlock stand in for the PIN under `EveryCode`.
    /// Replaces an earlier quick-unlock slot. The manifest names the new slot (by the random id
    /// sealed inside it) in the same transaction: an older slot written back opens nothing.
    pub fn enable_quick_unlock(
        &self,
        pin: &Pin,
        protector: &dyn QuickUnlockKey,
        allow_every_code: bool,
    ) -> Result<(), VaultError> {
        let Unlocked {
            keys,
            slot: pin_slot,
        } = self.verify_pin(pin)?;
        let (slot, slot_id) = new_quick_slot(keys.key(), allow_every_code, protector)?;
        let mut inner = self.lock_inner();
        let vault_id = inner.vault_id;
        let tx = inner
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A PIN change committed since the check made `keys` old: wrapping them would be useless.
        let current = storage::read_pin_slot(&tx, &vault_id)?.ok_or(VaultError::Erased)?;
        if current.salt != pin_slot.salt {
            return Err(VaultError::Locked);
        }
        storage::write_slot(&tx, &vault_id, SlotKind::QuickUnlock, &slot)?;
        keys.update_manifest(&tx, |manifest| manifest.quick = Some(slot_id))?;
        tx.commit()?;
        Ok(())
    }

    /// Removes quick unlock (no PIN needed: it only takes a way in away), then tells `protector`
    /// to delete the platform key. With a session open, the manifest stops naming the slot in
    /// the same transaction; on a locked vault it stops at the next write. Either way a copy of
    /// the slot written back finds its platform key deleted.
    pub fn disable_quick_unlock(&self, protector: &dyn QuickUnlockKey) -> Result<(), VaultError> {
        self.remove_quick_slot()?;
        protector.delete_key().map_err(VaultError::QuickUnlock)
    }

    /// Deletes the quick slot's row and, when the open session's keys are at hand, the
    /// manifest's name for it.
    fn remove_quick_slot(&self) -> Result<(), VaultError> {
        let now = self.now();
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        let tx = inner
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        storage::delete_slot(&tx, SlotKind::QuickUnlock)?;
        if let Some(session) = inner.session.as_ref().filter(|s| !s.expired(now)) {
            // A session made stale by a PIN change elsewhere cannot open the manifest: the row
            // goes all the same, and the next write drops the name.
            match session
                .keys
                .update_manifest(&tx, |manifest| manifest.quick = None)
            {
                Ok(()) | Err(VaultError::Corrupted { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        tx.commit()?;
        storage::checkpoint(&inner.conn)
    }

    /// Unlocks with the quick-unlock slot: `protector` asks for the user's presence and unwraps
    /// the vault key. Opens the same session as [`Vault::unlock`]. Failures are the protector's
    /// ([`VaultError::QuickUnlock`]) and never count as wrong PINs; `KeyInvalidated` (new
    /// biometrics enrolled, key deleted) removes the slot, so the app falls back to the PIN. Under
    /// `EveryCode`, refused with [`VaultError::QuickUnlockNotAllowed`] unless the user allowed it.
    /// A slot the manifest does not name (an older or removed one written back) is refused as
    /// `Corrupted`; a slot from before manifests named them is removed (set it up again).
    pub fn quick_unlock(&self, protector: &dyn QuickUnlockKey) -> Result<UnlockInfo, VaultError> {
        let (slot, pin_slot, vault_id) = {
            let inner = self.lock_inner();
            let pin_slot =
                storage::read_pin_slot(&inner.conn, &inner.vault_id)?.ok_or(VaultError::Erased)?;
            let slot = storage::read_slot(&inner.conn, &inner.vault_id, SlotKind::QuickUnlock)?
                .ok_or(VaultError::QuickUnlockNotSet)?;
            (slot, pin_slot, inner.vault_id)
        };
        let (key, flags, slot_id) = match open_quick_slot(&slot, protector) {
            Ok(OpenedQuickSlot::Key(key, flags, slot_id)) => (key, flags, slot_id),
            Ok(OpenedQuickSlot::Legacy) => {
                self.remove_quick_slot()?;
                let _ = protector.delete_key();
                return Err(VaultError::QuickUnlockNotSet);
            }
            Err(VaultError::QuickUnlock(ProtectorError::KeyInvalidated)) => {
                self.remove_quick_slot()?;
                let _ = protector.delete_key();
                return Err(VaultError::QuickUnlock(ProtectorError::KeyInvalidated));
            }
            Err(err) => return Err(err),
        };
        let keys = RowKeys::new(key, vault_id);
        {
            let inner = self.lock_inner();
            let tx = inner.conn.unchecked_transaction()?;
            if keys.named_quick_slot(&tx)? != Some(slot_id) {
                // Set up again while the prompt was showing: not an attack, try again.
                let now = storage::read_slot(&tx, &vault_id, SlotKind::QuickUnlock)?;
                if now.is_some_and(|now| now.wrapped_key != slot.wrapped_key) {
                    return Err(VaultError::QuickUnlock(ProtectorError::Failed {
                        reason: "quick unlock was set up again meanwhile: try again".into(),
                    }));
                }
                return Err(VaultError::Corrupted {
                    what: "quick unlock slot (not the one the manifest names)",
                });
            }
        }
        self.open_session(keys, pin_slot.salt, flags & QUICK_ALLOWS_EVERY_CODE != 0)
    }

    /// A number that changes whenever *another* connection (another `Vault` object or process)
    /// commits a change to the file; this object's own writes leave it unchanged (SQLite's
    /// `PRAGMA data_version`). A long-lived holder of a session (the CLI's agent) ends its session
    /// when it moves.
    pub fn external_changes(&self) -> Result<i64, VaultError> {
        let inner = self.lock_inner();
        Ok(inner
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
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
    use super::*;

    #[test]
    fn vault_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Vault>();
    }
}
