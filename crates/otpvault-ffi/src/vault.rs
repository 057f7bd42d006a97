//! The vault object and the capabilities foreign code provides: a device key, a quick-unlock
//! (biometric) key and a clock.
//!
//! Calls that run the PIN KDF (~0.5 s) or wait for a biometric prompt are `async` (Kotlin
//! `suspend`, Swift `async`, Python coroutines) and run on a thread of their own
//! ([`crate::background`]); everything else is synchronous, cheap, and never waits for a KDF
//! running elsewhere. Session calls take no PIN: under `EveryCode`, `unlock` opens the vault for
//! the next one call (within 30 s).

use std::path::Path;
use std::sync::Arc;

use otpvault_core::{
    self as core, CodeSheet, Entry, HotpCode, Pin, TokenInfo, TokenParams, TotpCode, UnlockInfo,
    UnlockPolicy, VaultStatus,
};
use zeroize::Zeroizing;

use crate::background;
use crate::error::{OtpError, ProtectorFailure};
use crate::types::{CreateOptions, IconImage};

/// A key that never leaves the device (Android Keystore, iOS Secure Enclave). It wraps the
/// PIN-sealed vault key once more, and only ever sees ciphertext.
#[uniffi::export(foreign)]
pub trait DeviceKeyProtector: Send + Sync {
    /// Encrypts `data` with the device key.
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorFailure>;
    /// Decrypts what `wrap` returned.
    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorFailure>;
}

/// A platform key that needs the user's presence (Android: a Keystore key bound to
/// BiometricPrompt; iOS: a Secure Enclave key with `.biometryCurrentSet`). It wraps the vault key
/// for quick unlock. `unwrap` shows the prompt and reports `Cancelled` when the user dismisses it,
/// `KeyInvalidated` when the key is gone (new biometrics enrolled), `Unavailable` when it cannot
/// be used now. It is called on a background thread, never on the caller's.
#[uniffi::export(foreign)]
pub trait QuickUnlockProtector: Send + Sync {
    /// Encrypts the vault key.
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorFailure>;
    /// Asks for the user's presence and decrypts what `wrap` returned.
    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorFailure>;
    /// Deletes the platform key: quick unlock was disabled or its key invalidated, and a copy of
    /// the old slot written back into the file must find nothing to unwrap it.
    fn delete_key(&self) -> Result<(), ProtectorFailure>;
}

/// Wall and boot time, provided by the app (tests drive it by hand). Pass none to use the
/// system's (`CLOCK_BOOTTIME` on Android and Linux, the continuous clock on Apple platforms).
/// Implementations must not throw.
#[uniffi::export(foreign)]
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch (the device's wall clock).
    fn wall_seconds(&self) -> u64;
    /// Milliseconds since boot that keep counting while the device sleeps and are the same in
    /// every process: Android `SystemClock.elapsedRealtime()`; iOS
    /// `clock_gettime_nsec_np(CLOCK_MONOTONIC) / 1_000_000` (not `ProcessInfo.systemUptime` or
    /// `DispatchTime`, which stop during sleep and would let a 5-minute session last hours).
    fn monotonic_millis(&self) -> u64;
}

struct ForeignDeviceKey(Arc<dyn DeviceKeyProtector>);

impl core::KeyProtector for ForeignDeviceKey {
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, core::ProtectorError> {
        self.0.wrap(data).map_err(Into::into)
    }

    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, core::ProtectorError> {
        self.0.unwrap(data).map_err(Into::into)
    }
}

struct ForeignQuickKey(Arc<dyn QuickUnlockProtector>);

impl core::KeyProtector for ForeignQuickKey {
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, core::ProtectorError> {
        self.0.wrap(data).map_err(Into::into)
    }

    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, core::ProtectorError> {
        self.0.unwrap(data).map_err(Into::into)
    }
}

impl core::QuickUnlockKey for ForeignQuickKey {
    fn delete_key(&self) -> Result<(), core::ProtectorError> {
        self.0.delete_key().map_err(Into::into)
    }
}

struct ForeignClock(Arc<dyn Clock>);

impl core::Clock for ForeignClock {
    fn wall_seconds(&self) -> u64 {
        self.0.wall_seconds()
    }

    fn monotonic_millis(&self) -> u64 {
        self.0.monotonic_millis()
    }
}

fn device_key(p: Option<Arc<dyn DeviceKeyProtector>>) -> Option<Arc<dyn core::KeyProtector>> {
    p.map(|p| Arc::new(ForeignDeviceKey(p)) as Arc<dyn core::KeyProtector>)
}

pub(crate) fn clock(c: Option<Arc<dyn Clock>>) -> Arc<dyn core::Clock> {
    match c {
        Some(c) => Arc::new(ForeignClock(c)),
        None => Arc::new(core::SystemClock::new()),
    }
}

/// A PIN from the foreign string, which is wiped once checked.
pub(crate) fn pin(text: String) -> Result<Pin, OtpError> {
    let text = Zeroizing::new(text);
    Ok(Pin::new(&text)?)
}

/// The PIN-locked token vault.
#[derive(uniffi::Object)]
pub struct OtpVault {
    inner: Arc<core::Vault>,
}

impl OtpVault {
    /// Runs `work` on the vault off the caller's thread.
    pub(crate) async fn background<T, F>(&self, work: F) -> Result<T, OtpError>
    where
        T: Send + 'static,
        F: FnOnce(&core::Vault) -> Result<T, core::VaultError> + Send + 'static,
    {
        let vault = Arc::clone(&self.inner);
        background::run(move || work(&vault).map_err(Into::into)).await
    }
}

#[uniffi::export]
impl OtpVault {
    /// Creates a vault at `path` with a new 5-digit PIN (runs the KDF, off the caller's thread).
    /// The session of a 5/10-minute policy starts at once.
    #[uniffi::constructor(default(device_key = None, clock = None, options))]
    pub async fn create(
        path: String,
        pin: String,
        policy: UnlockPolicy,
        options: CreateOptions,
        device_key: Option<Arc<dyn DeviceKeyProtector>>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, OtpError> {
        let mut core_options = core::CreateOptions::new(policy);
        core_options.kdf_iterations = options.kdf_iterations;
        core_options.wipe_after_failures = options.wipe_after_failures;
        core_options.protector = self::device_key(device_key);
        core_options.clock = self::clock(clock);
        let pin = Zeroizing::new(pin);
        let inner =
            background::run(move || Ok(core::Vault::create(Path::new(&path), &pin, core_options)?))
                .await?;
        Ok(Arc::new(OtpVault {
            inner: Arc::new(inner),
        }))
    }

    /// Opens an existing vault, locked (no KDF runs).
    #[uniffi::constructor(default(device_key = None, clock = None))]
    pub fn open(
        path: String,
        device_key: Option<Arc<dyn DeviceKeyProtector>>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, OtpError> {
        let mut options = core::OpenOptions::default();
        options.protector = self::device_key(device_key);
        options.clock = self::clock(clock);
        let inner = core::Vault::open(Path::new(&path), options)?;
        Ok(Arc::new(OtpVault {
            inner: Arc::new(inner),
        }))
    }

    /// Checks the PIN (off the caller's thread) and opens a session: 5 or 10 minutes, or under
    /// `EveryCode` the next one call within 30 s.
    pub async fn unlock(&self, pin: String) -> Result<UnlockInfo, OtpError> {
        let pin = self::pin(pin)?;
        self.background(move |v| v.unlock(&pin)).await
    }

    /// Unlocks with the quick-unlock key (the prompt runs off the caller's thread). Failures are
    /// `QuickUnlock…` errors and never count as wrong PINs; after `QuickUnlockInvalidated` the
    /// slot is gone and the PIN must be used.
    pub async fn quick_unlock(
        &self,
        protector: Arc<dyn QuickUnlockProtector>,
    ) -> Result<UnlockInfo, OtpError> {
        self.background(move |v| v.quick_unlock(&ForeignQuickKey(protector)))
            .await
    }

    /// Sets up quick unlock: checks the PIN (counted like any entry) and wraps the vault key with
    /// `protector`. `allow_every_code` lets a quick unlock stand in for the PIN under `EveryCode`.
    /// A PIN change removes it.
    #[uniffi::method(default(allow_every_code = false))]
    pub async fn enable_quick_unlock(
        &self,
        pin: String,
        protector: Arc<dyn QuickUnlockProtector>,
        allow_every_code: bool,
    ) -> Result<(), OtpError> {
        let pin = self::pin(pin)?;
        self.background(move |v| {
            v.enable_quick_unlock(&pin, &ForeignQuickKey(protector), allow_every_code)
        })
        .await
    }

    /// Removes quick unlock (no PIN needed), then calls `protector.delete_key()`: the app's
    /// platform key must go with the slot (off the caller's thread).
    pub async fn disable_quick_unlock(
        &self,
        protector: Arc<dyn QuickUnlockProtector>,
    ) -> Result<(), OtpError> {
        self.background(move |v| v.disable_quick_unlock(&ForeignQuickKey(protector)))
            .await
    }

    /// Locks at once, wiping keys and decrypted tokens (call it when the app goes to the background).
    pub fn lock(&self) {
        self.inner.lock();
    }

    /// The vault's state; no PIN needed.
    pub fn status(&self) -> VaultStatus {
        self.inner.status()
    }

    /// The tokens in display order.
    pub fn list(&self) -> Result<Vec<TokenInfo>, OtpError> {
        Ok(self.inner.list(None)?)
    }

    /// Every token with its code at device time `unix_time`.
    pub fn entries(&self, unix_time: u64) -> Result<Vec<Entry>, OtpError> {
        Ok(self.inner.entries(None, unix_time)?)
    }

    /// The TOTP code of one token at device time `unix_time` (the time correction is applied).
    pub fn code(&self, id: i64, unix_time: u64) -> Result<TotpCode, OtpError> {
        Ok(self.inner.code(None, id, unix_time)?)
    }

    /// The code of every token at device time `unix_time`, aligned with `list()`, each period's
    /// step once: the call a main screen makes every second.
    pub fn codes(&self, unix_time: u64) -> Result<CodeSheet, OtpError> {
        Ok(self.inner.codes(None, unix_time)?)
    }

    /// [`OtpVault::codes`] now (the clock's wall time).
    pub fn codes_now(&self) -> Result<CodeSheet, OtpError> {
        Ok(self.inner.codes_now(None)?)
    }

    /// The next HOTP code; the incremented counter is stored before it is returned.
    pub fn next_hotp(&self, id: i64) -> Result<HotpCode, OtpError> {
        Ok(self.inner.next_hotp(None, id)?)
    }

    /// Adds a token from a scanned otpauth:// or steam:// URI.
    pub fn add_uri(&self, uri: String) -> Result<TokenInfo, OtpError> {
        let uri = Zeroizing::new(uri);
        Ok(self.inner.add_uri(None, &uri)?)
    }

    /// Stores a finished activation: the token and the measured clock correction, in one
    /// transaction. A result can be stored once.
    pub fn activate(
        &self,
        result: Arc<crate::activation::ActivationResult>,
    ) -> Result<TokenInfo, OtpError> {
        Ok(self.inner.activate(None, result.take()?)?)
    }

    /// Adds a token typed by hand: the base32 secret and its fields.
    pub fn add_typed(&self, secret: String, params: TokenParams) -> Result<TokenInfo, OtpError> {
        let secret = Zeroizing::new(secret);
        Ok(self.inner.add_typed(None, &secret, params)?)
    }

    /// Renames a token.
    pub fn rename(&self, id: i64, issuer: String, account: String) -> Result<TokenInfo, OtpError> {
        Ok(self.inner.rename(None, id, &issuer, &account)?)
    }

    /// Puts a token in exactly these groups (names cleaned, each once, at most 32).
    pub fn set_groups(&self, id: i64, groups: Vec<String>) -> Result<TokenInfo, OtpError> {
        Ok(self.inner.set_groups(None, id, &groups)?)
    }

    /// Sets a token's note (empty removes it; at most 4096 bytes).
    pub fn set_note(&self, id: i64, note: String) -> Result<TokenInfo, OtpError> {
        Ok(self.inner.set_note(None, id, &note)?)
    }

    /// Marks a token as a favourite, or not.
    pub fn set_favourite(&self, id: i64, favourite: bool) -> Result<TokenInfo, OtpError> {
        Ok(self.inner.set_favourite(None, id, favourite)?)
    }

    /// Sets a token's icon (none removes it): PNG, JPEG, WebP or SVG bytes, at most 64 KiB.
    pub fn set_icon(&self, id: i64, icon: Option<Vec<u8>>) -> Result<TokenInfo, OtpError> {
        Ok(self.inner.set_icon(None, id, icon)?)
    }

    /// A token's icon, if it has one.
    pub fn icon(&self, id: i64) -> Result<Option<IconImage>, OtpError> {
        Ok(self.inner.icon(None, id)?.map(|icon| IconImage {
            kind: icon.kind(),
            bytes: icon.bytes().to_vec(),
        }))
    }

    /// Removes a token.
    pub fn remove(&self, id: i64) -> Result<(), OtpError> {
        Ok(self.inner.remove(None, id)?)
    }

    /// Sets the display order (every id exactly once).
    pub fn reorder(&self, ids: Vec<i64>) -> Result<(), OtpError> {
        Ok(self.inner.reorder(None, &ids)?)
    }

    /// The time correction in seconds.
    pub fn time_offset(&self) -> Result<i64, OtpError> {
        Ok(self.inner.time_offset(None)?)
    }

    /// A time request to the issuer of token `id` (`otpvault-time/v1`), checked with the token's
    /// own key: send `body()` to the issuer's origin + `path()`, then `finish` with the answer.
    pub fn time_sync(&self, id: i64) -> Result<Arc<crate::time::TimeSyncClient>, OtpError> {
        let (client, body, sent_mono) = self.inner.time_sync_request(None, id)?;
        Ok(Arc::new(crate::time::TimeSyncClient::new(
            client,
            body,
            self.inner.clock(),
            sent_mono,
        )))
    }

    /// Sets the time correction added to the device clock for every TOTP code.
    pub fn set_time_offset(&self, seconds: i64) -> Result<(), OtpError> {
        Ok(self.inner.set_time_offset(None, seconds)?)
    }

    /// Changes the unlock policy (the PIN is always required).
    pub async fn set_policy(&self, pin: String, policy: UnlockPolicy) -> Result<(), OtpError> {
        let pin = self::pin(pin)?;
        self.background(move |v| v.set_policy(&pin, policy)).await
    }

    /// Turns the erase-after-10-failures option on or off (the PIN is required).
    pub async fn set_wipe_after_failures(&self, pin: String, on: bool) -> Result<(), OtpError> {
        let pin = self::pin(pin)?;
        self.background(move |v| v.set_wipe_after_failures(&pin, on))
            .await
    }

    /// Changes the PIN and revokes the old one (every row is re-sealed under a new key); quick
    /// unlock must be set up again.
    pub async fn change_pin(&self, old_pin: String, new_pin: String) -> Result<(), OtpError> {
        let old_pin = self::pin(old_pin)?;
        let new_pin = Zeroizing::new(new_pin);
        self.background(move |v| v.change_pin(&old_pin, &new_pin))
            .await
    }

    /// Every token as a canonical otpauth:// URI (the PIN is always required).
    pub async fn export_uris(&self, pin: String) -> Result<Vec<String>, OtpError> {
        let pin = self::pin(pin)?;
        self.background(move |v| Ok(v.export_uris(&pin)?.iter().map(|u| u.to_string()).collect()))
            .await
    }
}
