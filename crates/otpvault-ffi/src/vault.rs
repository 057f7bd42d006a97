//! The vault object and the two capabilities foreign code provides: a device key and a clock.

use std::path::Path;
use std::sync::Arc;

use otpvault_core::{self as core, Pin};

use crate::error::{OtpError, ProtectorFailure};
use crate::types::{
    CodeEntry, Entry, HotpCode, TokenInfo, TokenSpec, TotpCode, UnlockInfo, UnlockPolicy,
    VaultStatus,
};

/// A key that never leaves the device (Android Keystore, iOS Secure Enclave). It wraps the
/// PIN-sealed vault key once more, and only ever sees ciphertext.
#[uniffi::export(foreign)]
pub trait DeviceKeyProtector: Send + Sync {
    /// Encrypts `data` with the device key.
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorFailure>;
    /// Decrypts what `wrap` returned.
    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorFailure>;
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

struct ForeignProtector(Arc<dyn DeviceKeyProtector>);

impl core::KeyProtector for ForeignProtector {
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, core::ProtectorError> {
        self.0.wrap(data).map_err(Into::into)
    }

    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, core::ProtectorError> {
        self.0.unwrap(data).map_err(Into::into)
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

fn protector(p: Option<Arc<dyn DeviceKeyProtector>>) -> Option<Arc<dyn core::KeyProtector>> {
    p.map(|p| Arc::new(ForeignProtector(p)) as Arc<dyn core::KeyProtector>)
}

fn clock(c: Option<Arc<dyn Clock>>) -> Arc<dyn core::Clock> {
    match c {
        Some(c) => Arc::new(ForeignClock(c)),
        None => Arc::new(core::SystemClock::new()),
    }
}

fn pin(text: Option<String>) -> Result<Option<Pin>, OtpError> {
    Ok(text.map(|t| Pin::new(&t)).transpose()?)
}

/// The PIN-locked token vault. Every method that takes `pin: String?` uses the open session when
/// it is null, or checks that PIN for this one call (as the `EveryCode` policy requires).
#[derive(uniffi::Object)]
pub struct OtpVault {
    inner: core::Vault,
}

#[uniffi::export]
impl OtpVault {
    /// Creates a vault at `path` with a new 5-digit PIN. `kdf_iterations` null calibrates to
    /// about 0.5 s on this device (never below 600,000).
    #[uniffi::constructor]
    pub fn create(
        path: String,
        pin: String,
        policy: UnlockPolicy,
        kdf_iterations: Option<u32>,
        wipe_after_failures: bool,
        device_key: Option<Arc<dyn DeviceKeyProtector>>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, OtpError> {
        let mut options = core::CreateOptions::new(policy.into());
        options.kdf_iterations = kdf_iterations;
        options.wipe_after_failures = wipe_after_failures;
        options.protector = self::protector(device_key);
        options.clock = self::clock(clock);
        let inner = core::Vault::create(Path::new(&path), &pin, options)?;
        Ok(Arc::new(OtpVault { inner }))
    }

    /// Opens an existing vault, locked.
    #[uniffi::constructor]
    pub fn open(
        path: String,
        device_key: Option<Arc<dyn DeviceKeyProtector>>,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<Arc<Self>, OtpError> {
        let mut options = core::OpenOptions::default();
        options.protector = self::protector(device_key);
        options.clock = self::clock(clock);
        let inner = core::Vault::open(Path::new(&path), options)?;
        Ok(Arc::new(OtpVault { inner }))
    }

    /// Checks the PIN; under a 5/10-minute policy, codes stay available until then.
    pub fn unlock(&self, pin: String) -> Result<UnlockInfo, OtpError> {
        Ok(self.inner.unlock(&Pin::new(&pin)?)?.into())
    }

    /// Locks at once, wiping keys and decrypted tokens (call it when the app goes to the background).
    pub fn lock(&self) {
        self.inner.lock();
    }

    /// The vault's state; no PIN needed.
    pub fn status(&self) -> VaultStatus {
        self.inner.status().into()
    }

    /// The tokens in display order.
    pub fn list(&self, pin: Option<String>) -> Result<Vec<TokenInfo>, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self
            .inner
            .list(pin.as_ref())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every token with its code at device time `unix_time`: the main screen in one call.
    pub fn entries(&self, pin: Option<String>, unix_time: u64) -> Result<Vec<Entry>, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self
            .inner
            .entries(pin.as_ref(), unix_time)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The TOTP code of one token at device time `unix_time` (the time correction is applied).
    pub fn code(&self, pin: Option<String>, id: i64, unix_time: u64) -> Result<TotpCode, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.code(pin.as_ref(), id, unix_time)?.into())
    }

    /// The codes of every time-based token at device time `unix_time`.
    pub fn codes(&self, pin: Option<String>, unix_time: u64) -> Result<Vec<CodeEntry>, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self
            .inner
            .codes(pin.as_ref(), unix_time)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The codes of every time-based token now (the clock's wall time).
    pub fn codes_now(&self, pin: Option<String>) -> Result<Vec<CodeEntry>, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self
            .inner
            .codes_now(pin.as_ref())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The next HOTP code; the incremented counter is stored before it is returned.
    pub fn next_hotp(&self, pin: Option<String>, id: i64) -> Result<HotpCode, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.next_hotp(pin.as_ref(), id)?.into())
    }

    /// Adds a token from a scanned otpauth:// or steam:// URI.
    pub fn add_uri(&self, pin: Option<String>, uri: String) -> Result<TokenInfo, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.add_uri(pin.as_ref(), &uri)?.into())
    }

    /// Adds a token typed by hand: the base32 secret and its fields.
    pub fn add_typed(
        &self,
        pin: Option<String>,
        secret: String,
        spec: TokenSpec,
    ) -> Result<TokenInfo, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self
            .inner
            .add_typed(pin.as_ref(), &secret, spec.into())?
            .into())
    }

    /// Renames a token.
    pub fn rename(
        &self,
        pin: Option<String>,
        id: i64,
        issuer: String,
        account: String,
    ) -> Result<TokenInfo, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self
            .inner
            .rename(pin.as_ref(), id, &issuer, &account)?
            .into())
    }

    /// Removes a token.
    pub fn remove(&self, pin: Option<String>, id: i64) -> Result<(), OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.remove(pin.as_ref(), id)?)
    }

    /// Sets the display order (every id exactly once).
    pub fn reorder(&self, pin: Option<String>, ids: Vec<i64>) -> Result<(), OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.reorder(pin.as_ref(), &ids)?)
    }

    /// The time correction in seconds.
    pub fn time_offset(&self, pin: Option<String>) -> Result<i64, OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.time_offset(pin.as_ref())?)
    }

    /// Sets the time correction added to the device clock for every TOTP code.
    pub fn set_time_offset(&self, pin: Option<String>, seconds: i64) -> Result<(), OtpError> {
        let pin = self::pin(pin)?;
        Ok(self.inner.set_time_offset(pin.as_ref(), seconds)?)
    }

    /// Changes the unlock policy (the PIN is always required).
    pub fn set_policy(&self, pin: String, policy: UnlockPolicy) -> Result<(), OtpError> {
        Ok(self.inner.set_policy(&Pin::new(&pin)?, policy.into())?)
    }

    /// Turns the erase-after-10-failures option on or off (the PIN is required).
    pub fn set_wipe_after_failures(&self, pin: String, on: bool) -> Result<(), OtpError> {
        Ok(self.inner.set_wipe_after_failures(&Pin::new(&pin)?, on)?)
    }

    /// Changes the PIN; no token is re-encrypted.
    pub fn change_pin(&self, old_pin: String, new_pin: String) -> Result<(), OtpError> {
        Ok(self.inner.change_pin(&Pin::new(&old_pin)?, &new_pin)?)
    }

    /// Every token as a canonical otpauth:// URI (the PIN is always required).
    pub fn export_uris(&self, pin: String) -> Result<Vec<String>, OtpError> {
        let uris = self.inner.export_uris(&Pin::new(&pin)?)?;
        Ok(uris.iter().map(|u| u.to_string()).collect())
    }
}
