//! What every command shares: the vault's path, the output mode, and how the PIN is obtained.

use std::path::PathBuf;

use otpvault_core::{Clock, OpenOptions, Pin, SystemClock, Vault};

use crate::failure::{EXIT_VAULT, Failure, Outcome};
use crate::input::PinSource;

/// The parsed global options.
pub struct Context {
    /// The vault file.
    pub vault_path: PathBuf,
    /// Print JSON.
    pub json: bool,
    /// Where PINs come from.
    pub pins: PinSource,
}

/// The platform's default vault location.
pub fn default_vault_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("otpvault")
        .join("vault.db")
}

/// The wall clock now.
pub fn now() -> u64 {
    SystemClock::new().wall_seconds()
}

/// An unlocked vault and the PIN that opened it (needed per call under `EveryCode`).
pub struct Unlocked {
    /// The vault.
    pub vault: Vault,
    pin: Pin,
}

impl Unlocked {
    /// The PIN to pass per call: `None` while a session is open, the PIN under `EveryCode`.
    pub fn auth(&self) -> Option<&Pin> {
        (!self.vault.status().unlocked).then_some(&self.pin)
    }
}

impl Context {
    /// Opens the vault, locked.
    pub fn open(&self) -> Outcome<Vault> {
        Ok(Vault::open(&self.vault_path, OpenOptions::default())?)
    }

    /// Opens and unlocks: every CLI run is a fresh process, so the PIN is asked once per run.
    pub fn open_unlocked(&self) -> Outcome<Unlocked> {
        let vault = self.open()?;
        let pin = self.pins.pin("PIN: ")?;
        vault.unlock(&pin)?;
        Ok(Unlocked { vault, pin })
    }

    /// Creates the vault's directory (0700) when it does not exist.
    pub fn create_vault_dir(&self) -> Outcome {
        let Some(dir) = self.vault_path.parent() else {
            return Ok(());
        };
        if dir.as_os_str().is_empty() || dir.exists() {
            return Ok(());
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|err| {
            Failure::new(
                EXIT_VAULT,
                "storage",
                format!("cannot create the vault directory: {}", err.kind()),
            )
        })
    }
}
