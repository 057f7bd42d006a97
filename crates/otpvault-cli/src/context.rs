//! What every command shares: the vault's path, the output mode, and how the PIN is obtained.

use std::path::PathBuf;

use otpvault_core::{Clock, OpenOptions, Pin, StorageKind, SystemClock, Vault, VaultError};
use zeroize::Zeroizing;

use crate::access::Access;
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
    /// Use (and start) the agent under the 5- and 10-minute policies.
    pub agent: bool,
    /// Lock the agent after at most this many seconds.
    pub agent_timeout: Option<u64>,
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

impl Context {
    /// Opens the vault, locked; errors name the path and the next step.
    pub fn open(&self) -> Outcome<Vault> {
        let path = self.vault_path.display();
        if self.vault_path.is_dir() {
            return Err(Failure::new(
                EXIT_VAULT,
                "not_a_vault",
                format!(
                    "{path} is a directory: give the vault file with --vault (e.g. {path}/vault.db)"
                ),
            ));
        }
        Vault::open(&self.vault_path, OpenOptions::default()).map_err(|err| match err {
            VaultError::NoVault => Failure::new(
                EXIT_VAULT,
                "no_vault",
                format!("no vault at {path} — create one with `otpvault init`"),
            ),
            VaultError::NotAVault => Failure::new(
                EXIT_VAULT,
                "not_a_vault",
                format!("{path} is not an otpvault vault"),
            ),
            VaultError::Storage { kind } => Failure::new(
                EXIT_VAULT,
                "storage",
                format!(
                    "cannot open {path}: {} — check the file's permissions",
                    match kind {
                        StorageKind::ReadOnly => "it is read-only",
                        StorageKind::CannotOpen => "it cannot be opened",
                        StorageKind::Busy => "another program holds it locked",
                        StorageKind::Full => "the disk is full",
                        StorageKind::Io => "a read failed",
                        StorageKind::Other => "the database refused it",
                    }
                ),
            ),
            other => Failure::from(other),
        })
    }

    /// Asks for the PIN of `vault`, unless a wrong-PIN delay is running: then says how long to
    /// wait without asking.
    pub fn ask_pin(&self, vault: &Vault, prompt: &str) -> Outcome<Zeroizing<String>> {
        let status = vault.status();
        if status.locked_out_seconds > 0 {
            return Err(VaultError::LockedOut {
                seconds_left: status.locked_out_seconds,
            }
            .into());
        }
        self.pins.read(prompt)
    }

    /// The agent holding this vault, if one runs (and the agent is not turned off).
    #[cfg(unix)]
    pub fn agent_client(&self) -> Outcome<Option<crate::agent::Client>> {
        if !self.agent {
            return Ok(None);
        }
        crate::agent::Client::connect(&self.vault_path)
    }

    /// The unlocked vault: through the agent when one holds it; otherwise opened here with the
    /// PIN, and under a 5/10-minute policy an agent is started to hold it for the next commands.
    pub fn access(&self) -> Outcome<Access> {
        #[cfg(unix)]
        if let Some(client) = self.agent_client()? {
            return Ok(Access::Agent(client));
        }
        let vault = self.open()?;
        let pin_text = self.ask_pin(&vault, "PIN: ")?;
        let pin = Pin::new(&pin_text)?;
        let info = vault.unlock(&pin)?;
        let timed = info.session_seconds.is_some();
        if !timed {
            // Under EveryCode the unlock would serve the next call; the CLI passes the PIN to
            // each call instead (Access::pin), so nothing stays open between frames.
            vault.lock();
        }
        let access = Access::local(vault, pin, info.policy);
        #[cfg(unix)]
        if self.agent && timed {
            // Best effort: without an agent the next command asks the PIN again (and says why).
            match crate::agent::spawn(&self.vault_path, &pin_text, self.agent_timeout) {
                Ok(starting) => return Ok(access.with_agent_starting(starting)),
                Err(failure) => crate::input::tell(&format!(
                    "No agent holds the vault for the next commands: {}",
                    failure.message
                )),
            }
        }
        let _ = timed;
        Ok(access)
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
