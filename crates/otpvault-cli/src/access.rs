//! An unlocked vault as commands use it: opened here with the PIN, or reached through the agent
//! (which holds the session of an earlier command). Both answer the same calls.

use otpvault_core::{Pin, Token, TokenInfo, UnlockPolicy, Vault};

#[cfg(unix)]
use crate::agent;
use crate::failure::Outcome;
use crate::render::Code;

/// A vault opened by this process, with the PIN that unlocked it.
pub struct Local {
    vault: Vault,
    pin: Pin,
    policy: UnlockPolicy,
    #[cfg(unix)]
    starting: Option<agent::Starting>,
}

impl Local {
    /// The PIN to pass per call: `None` while a session is open, the PIN under `EveryCode`.
    fn auth(&self) -> Option<&Pin> {
        (!self.vault.status().unlocked).then_some(&self.pin)
    }
}

#[cfg(unix)]
impl Drop for Local {
    fn drop(&mut self) {
        // An agent started by this command: wait until it serves, so the next command finds it.
        if let Some(starting) = self.starting.take() {
            starting.wait_ready();
        }
    }
}

/// One change to what was organised about a token.
pub enum DetailsEdit {
    /// Exactly these groups.
    Groups(Vec<String>),
    /// This note (empty removes it).
    Note(String),
    /// Favourite, or not.
    Favourite(bool),
}

/// An unlocked vault: here, or in the agent.
pub enum Access {
    /// Opened by this process.
    Local(Box<Local>),
    /// Held by the agent.
    #[cfg(unix)]
    Agent(agent::Client),
}

impl Access {
    /// A vault opened by this process.
    pub fn local(vault: Vault, pin: Pin, policy: UnlockPolicy) -> Self {
        Access::Local(Box::new(Local {
            vault,
            pin,
            policy,
            #[cfg(unix)]
            starting: None,
        }))
    }

    /// Remembers an agent this command started (waited for when the command ends).
    #[cfg(unix)]
    pub fn with_agent_starting(mut self, starting: agent::Starting) -> Self {
        if let Access::Local(local) = &mut self {
            local.starting = Some(starting);
        }
        self
    }

    /// The same vault through the agent this command started, once it serves: a long-running
    /// command (`watch`) then follows the agent's session, and `otpvault lock` or the agent's
    /// timeout in another terminal ends what it shows. The session opened here is locked.
    #[cfg(unix)]
    pub fn through_agent(self, vault_path: &std::path::Path) -> Self {
        let Access::Local(mut local) = self else {
            return self;
        };
        let Some(starting) = local.starting.take() else {
            return Access::Local(local);
        };
        starting.wait_ready();
        match agent::Client::connect(vault_path) {
            Ok(Some(client)) => {
                local.vault.lock();
                Access::Agent(client)
            }
            _ => Access::Local(local),
        }
    }

    /// Seconds until the session ends; `None` when nothing stays unlocked (`EveryCode`). An
    /// agent that cannot be reached any more counts as ended (`Some(0)`).
    pub fn session_seconds_left(&self) -> Option<u64> {
        match self {
            Access::Local(l) => l.vault.status().session_seconds_left,
            #[cfg(unix)]
            Access::Agent(a) => Some(a.seconds_left().unwrap_or(0)),
        }
    }

    /// The vault's unlock policy.
    pub fn policy(&self) -> Outcome<UnlockPolicy> {
        match self {
            Access::Local(l) => Ok(l.policy),
            #[cfg(unix)]
            Access::Agent(a) => a.policy(),
        }
    }

    /// The tokens.
    pub fn list(&self) -> Outcome<Vec<TokenInfo>> {
        match self {
            Access::Local(l) => Ok(l.vault.list(l.auth())?),
            #[cfg(unix)]
            Access::Agent(a) => a.list(),
        }
    }

    /// Every token with its current code (`None` for HOTP) at `at`.
    pub fn entries(&self, at: u64) -> Outcome<Vec<(TokenInfo, Option<Code>)>> {
        match self {
            Access::Local(l) => Ok(l
                .vault
                .entries(l.auth(), at)?
                .into_iter()
                .map(|e| (e.info, e.code.map(Code::from)))
                .collect()),
            #[cfg(unix)]
            Access::Agent(a) => a.entries(at),
        }
    }

    /// The code of a time-based token at `at`.
    pub fn code(&self, id: i64, at: u64) -> Outcome<Code> {
        match self {
            Access::Local(l) => Ok(Code::from(l.vault.code(l.auth(), id, at)?)),
            #[cfg(unix)]
            Access::Agent(a) => a.code(id, at),
        }
    }

    /// Draws an HOTP code: (code, counter used).
    pub fn next_hotp(&self, id: i64) -> Outcome<(String, u64)> {
        match self {
            Access::Local(l) => {
                let code = l.vault.next_hotp(l.auth(), id)?;
                Ok((code.value, code.counter))
            }
            #[cfg(unix)]
            Access::Agent(a) => a.next_hotp(id),
        }
    }

    /// Adds a token: it, and the ids of the tokens that share its secret under other names.
    pub fn add(&self, token: Token) -> Outcome<(TokenInfo, Vec<i64>)> {
        match self {
            Access::Local(l) => Ok(l.vault.add_token_noting(l.auth(), token)?),
            #[cfg(unix)]
            Access::Agent(a) => a.add(&token),
        }
    }

    /// Renames a token.
    pub fn rename(&self, id: i64, issuer: &str, account: &str) -> Outcome<TokenInfo> {
        match self {
            Access::Local(l) => Ok(l.vault.rename(l.auth(), id, issuer, account)?),
            #[cfg(unix)]
            Access::Agent(a) => a.rename(id, issuer, account),
        }
    }

    /// Changes a token's groups, note or favourite mark.
    pub fn edit_details(&self, id: i64, edit: DetailsEdit) -> Outcome<TokenInfo> {
        match self {
            Access::Local(l) => Ok(match edit {
                DetailsEdit::Groups(groups) => l.vault.set_groups(l.auth(), id, &groups)?,
                DetailsEdit::Note(note) => l.vault.set_note(l.auth(), id, &note)?,
                DetailsEdit::Favourite(on) => l.vault.set_favourite(l.auth(), id, on)?,
            }),
            #[cfg(unix)]
            Access::Agent(a) => a.edit_details(id, &edit),
        }
    }

    /// Removes a token.
    pub fn remove(&self, id: i64) -> Outcome {
        match self {
            Access::Local(l) => Ok(l.vault.remove(l.auth(), id)?),
            #[cfg(unix)]
            Access::Agent(a) => a.remove(id),
        }
    }

    /// Reads (and with `set`, first changes) the time offset.
    pub fn time_offset(&self, set: Option<i64>) -> Outcome<i64> {
        match self {
            Access::Local(l) => {
                if let Some(seconds) = set {
                    l.vault.set_time_offset(l.auth(), seconds)?;
                }
                Ok(l.vault.time_offset(l.auth())?)
            }
            #[cfg(unix)]
            Access::Agent(a) => a.time_offset(set),
        }
    }
}
