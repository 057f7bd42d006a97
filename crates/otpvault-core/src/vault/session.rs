//! The decrypted state of an unlocked vault: the vault key, the settings and the tokens with their
//! keyed HMAC states. A [`Session`] lives for the policy's time (or one call under `EveryCode`)
//! and wipes everything on drop.

use rusqlite::Connection;

use super::crypto::{self, VaultKey};
use super::record::{self, Settings};
use super::storage::{self, FORMAT_VERSION, TokenRow};
use super::{CodeEntry, Entry, HotpCode, TokenInfo};
use crate::clock::TimeCorrection;
use crate::error::VaultError;
use crate::otp::{Generator, StepCache, TotpCode};
use crate::token::{OtpKind, Token};

pub(super) struct Loaded {
    pub(super) id: i64,
    pub(super) token: Token,
    pub(super) generator: Generator,
    pub(super) cache: Option<StepCache>,
}

impl Loaded {
    pub(super) fn new(id: i64, token: Token) -> Self {
        Self {
            id,
            generator: token.generator(),
            token,
            cache: None,
        }
    }

    /// The TOTP code at (already corrected) `unix`, through the step cache; `None` for HOTP.
    pub(super) fn code_at(&mut self, unix: u64) -> Option<TotpCode> {
        let period = self.token.period()?;
        Some(self.generator.totp_cached(unix, period, &mut self.cache))
    }

    pub(super) fn info(&self) -> TokenInfo {
        TokenInfo {
            id: self.id,
            issuer: self.token.issuer().to_owned(),
            account: self.token.account().to_owned(),
            kind: self.token.kind(),
            algorithm: self.token.algorithm(),
            digits: self.token.digits(),
            weak_secret: self.token.secret().is_weak(),
        }
    }
}

/// What a one-shot session decrypts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Load {
    All,
    One(i64),
    Nothing,
}

/// Decrypted state: the vault key, the settings and the tokens. Wiped on drop.
pub(super) struct Session {
    pub(super) key: VaultKey,
    pub(super) vault_id: [u8; 16],
    pub(super) settings: Settings,
    pub(super) unlocked_at_ms: u64,
    pub(super) tokens: Vec<Loaded>,
    pub(super) damaged: Vec<i64>,
}

pub(super) fn settings_aad(vault_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = b"otpvault.settings.v1".to_vec();
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    aad
}

pub(super) fn token_aad(vault_id: &[u8; 16], id: i64) -> Vec<u8> {
    let mut aad = b"otpvault.token.v1".to_vec();
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    aad.extend_from_slice(&id.to_be_bytes());
    aad
}

impl Session {
    pub(super) fn load(
        conn: &Connection,
        key: VaultKey,
        vault_id: [u8; 16],
        load: Load,
        now_ms: u64,
    ) -> Result<Self, VaultError> {
        let header = storage::read_header(conn)?;
        let settings_plain =
            crypto::open(key.as_bytes(), &settings_aad(&vault_id), &header.settings)
                .map_err(|_| VaultError::Corrupted { what: "settings" })?;
        let settings = Settings::decode(&settings_plain)?;
        let mut session = Session {
            key,
            vault_id,
            settings,
            unlocked_at_ms: now_ms,
            tokens: Vec::new(),
            damaged: Vec::new(),
        };
        session.load_tokens(conn, load)?;
        Ok(session)
    }

    /// Decrypts the token rows `load` names; rows that fail authentication are listed as damaged.
    pub(super) fn load_tokens(&mut self, conn: &Connection, load: Load) -> Result<(), VaultError> {
        let rows = match load {
            Load::All => storage::read_tokens(conn, None)?,
            Load::One(id) => storage::read_tokens(conn, Some(id))?,
            Load::Nothing => Vec::new(),
        };
        for row in rows {
            let token = crypto::open(
                self.key.as_bytes(),
                &token_aad(&self.vault_id, row.id),
                &row.sealed,
            )
            .map_err(|_| VaultError::Corrupted { what: "token" })
            .and_then(|plain| record::decode_token(&plain));
            match token {
                Ok(token) => self.tokens.push(Loaded::new(row.id, token)),
                Err(_) => self.damaged.push(row.id),
            }
        }
        Ok(())
    }

    pub(super) fn find(&mut self, id: i64) -> Result<&mut Loaded, VaultError> {
        if self.damaged.contains(&id) {
            return Err(VaultError::Corrupted { what: "token" });
        }
        self.tokens
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(VaultError::NotFound)
    }

    pub(super) fn seal_token(&self, id: i64, token: &Token) -> Result<Vec<u8>, VaultError> {
        crypto::seal(
            self.key.as_bytes(),
            &token_aad(&self.vault_id, id),
            &record::encode_token(token),
        )
    }

    pub(super) fn corrected(&self, unix: u64) -> u64 {
        TimeCorrection {
            offset_seconds: self.settings.time_offset,
        }
        .apply(unix)
    }

    pub(super) fn expired(&self, now_ms: u64) -> bool {
        match self.settings.policy.session_millis() {
            None => true,
            Some(length) => {
                now_ms < self.unlocked_at_ms || now_ms >= self.unlocked_at_ms.saturating_add(length)
            }
        }
    }

    pub(super) fn code(&mut self, id: i64, unix: u64) -> Result<TotpCode, VaultError> {
        let unix = self.corrected(unix);
        let loaded = self.find(id)?;
        let period = loaded.token.period().ok_or(VaultError::NotTimeBased)?;
        Ok(loaded
            .generator
            .totp_cached(unix, period, &mut loaded.cache))
    }

    pub(super) fn codes(&mut self, unix: u64) -> Vec<CodeEntry> {
        let unix = self.corrected(unix);
        self.tokens
            .iter_mut()
            .filter_map(|t| {
                Some(CodeEntry {
                    id: t.id,
                    code: t.code_at(unix)?,
                })
            })
            .collect()
    }

    pub(super) fn entries(&mut self, unix: u64) -> Vec<Entry> {
        let unix = self.corrected(unix);
        self.tokens
            .iter_mut()
            .map(|t| Entry {
                code: t.code_at(unix),
                info: t.info(),
            })
            .collect()
    }

    pub(super) fn next_hotp(&mut self, conn: &Connection, id: i64) -> Result<HotpCode, VaultError> {
        let loaded = self.find(id)?;
        let OtpKind::Hotp { counter } = loaded.token.kind() else {
            return Err(VaultError::NotCounterBased);
        };
        let next = counter.checked_add(1).ok_or(VaultError::CounterExhausted)?;
        let mut updated = loaded.token.clone();
        updated.set_counter(next);
        let value = loaded.generator.at_counter(counter);
        let sealed = self.seal_token(id, &updated)?;
        // Stored (durably) before the code is returned: a code is never shown twice.
        storage::update_token(conn, id, &sealed)?;
        self.find(id)?.token = updated;
        Ok(HotpCode { value, counter })
    }

    pub(super) fn add(
        &mut self,
        conn: &mut Connection,
        token: Token,
    ) -> Result<TokenInfo, VaultError> {
        let tx = conn.transaction()?;
        let (id, position) = storage::next_token_slot(&tx)?;
        let sealed = self.seal_token(id, &token)?;
        storage::insert_token(
            &tx,
            &TokenRow {
                id,
                position,
                sealed,
            },
        )?;
        tx.commit()?;
        let loaded = Loaded::new(id, token);
        let info = loaded.info();
        self.tokens.push(loaded);
        Ok(info)
    }

    pub(super) fn rename(
        &mut self,
        conn: &Connection,
        id: i64,
        issuer: &str,
        account: &str,
    ) -> Result<TokenInfo, VaultError> {
        let mut updated = self.find(id)?.token.clone();
        updated.rename(issuer, account)?;
        let sealed = self.seal_token(id, &updated)?;
        storage::update_token(conn, id, &sealed)?;
        let loaded = self.find(id)?;
        loaded.token = updated;
        Ok(loaded.info())
    }

    pub(super) fn remove(&mut self, conn: &Connection, id: i64) -> Result<(), VaultError> {
        storage::delete_token(conn, id)?;
        self.tokens.retain(|t| t.id != id);
        self.damaged.retain(|d| *d != id);
        Ok(())
    }

    pub(super) fn reorder(&mut self, conn: &mut Connection, ids: &[i64]) -> Result<(), VaultError> {
        let mut wanted = ids.to_vec();
        wanted.sort_unstable();
        let mut present: Vec<i64> = self.tokens.iter().map(|t| t.id).collect();
        present.sort_unstable();
        if wanted != present {
            return Err(VaultError::NotFound);
        }
        let tx = conn.transaction()?;
        for (position, id) in ids.iter().enumerate() {
            storage::set_position(&tx, *id, position as i64)?;
        }
        tx.commit()?;
        self.tokens
            .sort_by_key(|t| ids.iter().position(|id| *id == t.id).unwrap_or(usize::MAX));
        Ok(())
    }

    pub(super) fn save_settings(
        &mut self,
        conn: &Connection,
        settings: Settings,
    ) -> Result<(), VaultError> {
        let sealed = crypto::seal(
            self.key.as_bytes(),
            &settings_aad(&self.vault_id),
            &settings.encode(),
        )?;
        storage::set_settings(conn, &sealed)?;
        self.settings = settings;
        Ok(())
    }
}
