//! The decrypted state of an unlocked vault, and every read and write of sealed rows.
//!
//! A [`Session`] holds the vault key ([`RowKeys`]), the settings and the tokens with their keyed
//! HMAC states; it lives for the policy's time (or one call under `EveryCode`) and wipes
//! everything on drop. Tokens are boxed: the list can grow, shrink and be sorted without the
//! allocator ever freeing a block that held a keyed state (only pointers move).
//!
//! Every write runs in one `BEGIN IMMEDIATE` transaction that reads the **file's** manifest (not
//! the session's copy), checks the rows it touches against it, writes the rows with fresh nonces
//! and seals the manifest again with its generation bumped. Two `Vault` objects or two processes
//! on one file are serialised by that transaction, and a token is always modified from its
//! current row: an HOTP counter never goes back, and no code is handed out twice.

use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::sync::atomic::{AtomicU64, Ordering};
use zeroize::Zeroizing;

use super::crypto::{self, VaultKey};
use super::record::{self, Manifest, QuickSlotId, RowNonce, Settings, nonce_of};
use super::storage::{self, FORMAT_VERSION, LEGACY_FORMAT, SlotKind, TokenRow};
use super::{CodeSheet, Entry, HotpCode, PeriodState, TokenInfo};
use crate::error::VaultError;
use otpvault_codes::clock::TimeCorrection;
use otpvault_codes::otp::{Generator, StepCache, TotpCode};
use otpvault_codes::token::{OtpKind, Token};
use otpvault_transfer::details::Details;

/// A decrypted token with its keyed HMAC state and its last step's codes.
pub(super) struct Loaded {
    pub(super) id: i64,
    pub(super) token: Token,
    pub(super) details: Details,
    pub(super) generator: Generator,
    pub(super) cache: Option<StepCache>,
}

impl Loaded {
    pub(super) fn boxed(id: i64, token: Token, details: Details) -> Box<Self> {
        Box::new(Self {
            id,
            generator: token.generator(),
            token,
            details,
            cache: None,
        })
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
            groups: self.details.groups.clone(),
            note: self.details.note.clone(),
            favourite: self.details.favourite,
            icon: self.details.icon.as_ref().map(|icon| icon.kind()),
        }
    }
}

/// What a session decrypts when it is made.
#[derive(Debug, Clone, Copy)]
pub(super) enum Load {
    All,
    One(i64),
    Nothing,
}

/// The vault key with the vault id: seals and opens every row with its associated data.
pub(super) struct RowKeys {
    key: VaultKey,
    vault_id: [u8; 16],
}

/// `label ‖ vault id ‖ format ‖ row id`: a row cannot be moved to another vault, another format
/// or another row.
fn aad(label: &[u8], vault_id: &[u8; 16], format: u32, id: Option<i64>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 16 + 4 + 8);
    aad.extend_from_slice(label);
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&format.to_be_bytes());
    if let Some(id) = id {
        aad.extend_from_slice(&id.to_be_bytes());
    }
    aad
}

const TOKEN_LABEL: &[u8] = b"otpvault.token.v1";
const SETTINGS_LABEL: &[u8] = b"otpvault.settings.v1";
const MANIFEST_LABEL: &[u8] = b"otpvault.manifest.v1";

impl RowKeys {
    /// The vault key itself (to wrap it in another key slot).
    pub(super) fn key(&self) -> &VaultKey {
        &self.key
    }

    pub(super) fn new(key: VaultKey, vault_id: [u8; 16]) -> Self {
        Self { key, vault_id }
    }

    /// Seals `plain` as the row `label` (and `id`) of this vault, in the current format.
    fn seal(&self, label: &[u8], id: Option<i64>, plain: &[u8]) -> Result<Vec<u8>, VaultError> {
        crypto::seal(
            self.key.as_bytes(),
            &aad(label, &self.vault_id, FORMAT_VERSION, id),
            plain,
        )
    }

    /// Opens the row `label` (and `id`) sealed in `format`; `what` names it when it does not open.
    fn open(
        &self,
        label: &[u8],
        format: u32,
        id: Option<i64>,
        sealed: &[u8],
        what: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        crypto::open(
            self.key.as_bytes(),
            &aad(label, &self.vault_id, format, id),
            sealed,
        )
        .map_err(|_| VaultError::Corrupted { what })
    }

    pub(super) fn seal_token(
        &self,
        id: i64,
        token: &Token,
        details: &Details,
    ) -> Result<Vec<u8>, VaultError> {
        self.seal(TOKEN_LABEL, Some(id), &record::encode_token(token, details))
    }

    fn open_token(
        &self,
        format: u32,
        id: i64,
        sealed: &[u8],
    ) -> Result<(Token, Details), VaultError> {
        record::decode_token(&self.open(TOKEN_LABEL, format, Some(id), sealed, "token")?)
    }

    pub(super) fn seal_settings(&self, settings: &Settings) -> Result<Vec<u8>, VaultError> {
        self.seal(SETTINGS_LABEL, None, &settings.encode())
    }

    fn open_settings(&self, format: u32, sealed: &[u8]) -> Result<Settings, VaultError> {
        Settings::decode(&self.open(SETTINGS_LABEL, format, None, sealed, "settings")?)
    }

    pub(super) fn seal_manifest(&self, manifest: &Manifest) -> Result<Vec<u8>, VaultError> {
        self.seal(MANIFEST_LABEL, None, &manifest.encode())
    }

    fn open_manifest(&self, sealed: &[u8]) -> Result<Manifest, VaultError> {
        Manifest::decode(&self.open(MANIFEST_LABEL, FORMAT_VERSION, None, sealed, "manifest")?)
    }

    /// Reads the file's manifest under these keys, lets `f` change it, and seals it back with the
    /// generation bumped, inside the caller's transaction.
    pub(super) fn update_manifest(
        &self,
        tx: &Transaction<'_>,
        f: impl FnOnce(&mut Manifest),
    ) -> Result<(), VaultError> {
        let (mut manifest, _) = self.read_state(tx)?;
        f(&mut manifest);
        manifest.generation = manifest.generation.wrapping_add(1);
        storage::set_manifest(tx, FORMAT_VERSION, &self.seal_manifest(&manifest)?)
    }

    /// The id of the quick-unlock slot the file's manifest names (authenticated under these
    /// keys: a key the manifest does not open is refused as `Corrupted`).
    pub(super) fn named_quick_slot(
        &self,
        conn: &Connection,
    ) -> Result<Option<QuickSlotId>, VaultError> {
        Ok(self.read_state(conn)?.0.quick)
    }

    /// Reads and authenticates the manifest and the settings (which must be the ones it names).
    fn read_state(&self, conn: &Connection) -> Result<(Manifest, Settings), VaultError> {
        let header = storage::read_header(conn)?;
        let sealed_manifest = match (header.format, header.manifest) {
            (FORMAT_VERSION, Some(manifest)) => manifest,
            _ => return Err(VaultError::Corrupted { what: "manifest" }),
        };
        let manifest = self.open_manifest(&sealed_manifest)?;
        if nonce_of(&header.settings) != Some(manifest.settings) {
            return Err(VaultError::Corrupted {
                what: "settings (not the version the manifest names)",
            });
        }
        let settings = self.open_settings(FORMAT_VERSION, &header.settings)?;
        Ok((manifest, settings))
    }

    /// The current version of token `id`: its row must carry the nonce the manifest names.
    fn current_token(
        &self,
        conn: &Connection,
        manifest: &Manifest,
        id: i64,
    ) -> Result<(Token, Details), VaultError> {
        let row = storage::read_tokens(conn, Some(id))?.pop();
        match (manifest.token(id), row) {
            (None, None) => Err(VaultError::NotFound),
            (Some(nonce), Some(row)) if nonce_of(&row.sealed) == Some(nonce) => {
                self.open_token(FORMAT_VERSION, id, &row.sealed)
            }
            _ => Err(VaultError::Corrupted {
                what: "token (not the version the manifest names)",
            }),
        }
    }
}

/// The nonce of a blob this module has just sealed.
fn sealed_nonce(sealed: &[u8]) -> Result<RowNonce, VaultError> {
    nonce_of(sealed).ok_or(VaultError::Corrupted { what: "sealed row" })
}

/// Re-seals a format-1 vault (rows without a manifest) under format 2 with a manifest, in one
/// transaction, the first time its key is known. Rows that do not open stay behind as damaged.
pub(super) fn upgrade_legacy(conn: &mut Connection, keys: &RowKeys) -> Result<(), VaultError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let header = storage::read_header(&tx)?;
    if header.format != LEGACY_FORMAT {
        return Ok(());
    }
    let settings = keys.open_settings(LEGACY_FORMAT, &header.settings)?;
    let sealed_settings = keys.seal_settings(&settings)?;
    let mut manifest = Manifest {
        generation: 1,
        next_id: storage::max_token_id(&tx)?.saturating_add(1),
        settings: sealed_nonce(&sealed_settings)?,
        tokens: Vec::new(),
        quick: None,
    };
    for row in storage::read_tokens(&tx, None)? {
        if let Ok(token) = keys.open_token(LEGACY_FORMAT, row.id, &row.sealed) {
            let sealed = keys.seal_token(row.id, &token.0, &token.1)?;
            storage::update_token(&tx, row.id, &sealed)?;
            manifest.set_token(row.id, sealed_nonce(&sealed)?);
        }
    }
    storage::set_settings(&tx, &sealed_settings)?;
    storage::set_manifest(&tx, FORMAT_VERSION, &keys.seal_manifest(&manifest)?)?;
    tx.commit()?;
    Ok(())
}

/// Decrypted state: the vault key, the settings and the tokens. Wiped on drop.
pub(super) struct Session {
    pub(super) keys: RowKeys,
    /// The salt of the PIN slot the key came from: a PIN change elsewhere makes this session stale.
    pub(super) slot_salt: Vec<u8>,
    pub(super) settings: Settings,
    pub(super) unlocked_at_ms: u64,
    pub(super) unlocked_at_wall: u64,
    /// Boxed on purpose: growing, shrinking or sorting the list moves pointers, never a keyed
    /// HMAC state into a block the allocator then frees unzeroed.
    #[allow(clippy::vec_box)]
    pub(super) tokens: Vec<Box<Loaded>>,
    pub(super) damaged: Vec<i64>,
    /// Opened under `EveryCode`: holds the keys (no token) for one call, within
    /// [`SINGLE_CALL_MILLIS`].
    pub(super) single_call: bool,
    /// Changes whenever the token list this session shows changes (see [`CodeSheet::revision`]).
    pub(super) revision: u64,
}

/// Revisions are unique in the process: a new session never repeats an old one's.
static REVISIONS: AtomicU64 = AtomicU64::new(1);

pub(super) fn next_revision() -> u64 {
    REVISIONS.fetch_add(1, Ordering::Relaxed)
}

/// How long an unlock under `EveryCode` waits for the one call it serves.
pub const SINGLE_CALL_MILLIS: u64 = 30_000;

impl Session {
    /// Decrypts the settings and the tokens `load` names, in one read transaction.
    pub(super) fn load(
        conn: &Connection,
        keys: RowKeys,
        slot_salt: Vec<u8>,
        load: Load,
        now: (u64, u64),
    ) -> Result<Self, VaultError> {
        let tx = conn.unchecked_transaction()?;
        let (manifest, settings) = keys.read_state(&tx)?;
        let mut session = Session {
            keys,
            slot_salt,
            settings,
            unlocked_at_ms: now.0,
            unlocked_at_wall: now.1,
            tokens: Vec::new(),
            damaged: Vec::new(),
            single_call: false,
            revision: next_revision(),
        };
        session.load_tokens(&tx, &manifest, load)?;
        Ok(session)
    }

    /// Decrypts every token (after a [`Load::Nothing`] load).
    pub(super) fn load_all(&mut self, conn: &Connection) -> Result<(), VaultError> {
        let tx = conn.unchecked_transaction()?;
        let (manifest, _) = self.keys.read_state(&tx)?;
        self.load_tokens(&tx, &manifest, Load::All)
    }

    /// Decrypts the token rows `load` names. A row that fails authentication, is not the version
    /// the manifest names (replayed), is not in the manifest (put back after removal) or is
    /// missing is listed as damaged and never yields a code.
    fn load_tokens(
        &mut self,
        conn: &Connection,
        manifest: &Manifest,
        load: Load,
    ) -> Result<(), VaultError> {
        let rows = match load {
            Load::All => storage::read_tokens(conn, None)?,
            Load::One(id) => storage::read_tokens(conn, Some(id))?,
            Load::Nothing => return Ok(()),
        };
        let mut seen = Vec::with_capacity(rows.len());
        for TokenRow { id, sealed, .. } in rows {
            seen.push(id);
            let token = match manifest.token(id) {
                Some(nonce) if nonce_of(&sealed) == Some(nonce) => {
                    self.keys.open_token(FORMAT_VERSION, id, &sealed)
                }
                _ => Err(VaultError::Corrupted { what: "token" }),
            };
            match token {
                Ok((token, details)) => self.tokens.push(Loaded::boxed(id, token, details)),
                Err(_) => self.damaged.push(id),
            }
        }
        let wanted: &[(i64, RowNonce)] = match load {
            Load::All => &manifest.tokens,
            Load::One(id) => match manifest.tokens.binary_search_by_key(&id, |(i, _)| *i) {
                Ok(at) => std::slice::from_ref(&manifest.tokens[at]),
                Err(_) => &[],
            },
            Load::Nothing => &[],
        };
        self.damaged.extend(
            wanted
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| !seen.contains(id)),
        );
        Ok(())
    }

    pub(super) fn find(&mut self, id: i64) -> Result<&mut Loaded, VaultError> {
        if self.damaged.contains(&id) {
            return Err(VaultError::Corrupted { what: "token" });
        }
        self.tokens
            .iter_mut()
            .find(|t| t.id == id)
            .map(|t| &mut **t)
            .ok_or(VaultError::NotFound)
    }

    /// Replaces (or adds) the cached copy of a token with what was just written.
    fn cache(&mut self, id: i64, token: Token, details: Details) -> TokenInfo {
        let loaded = Loaded::boxed(id, token, details);
        let info = loaded.info();
        self.revision = next_revision();
        self.damaged.retain(|d| *d != id);
        match self.tokens.iter_mut().find(|t| t.id == id) {
            Some(slot) => *slot = loaded,
            None => self.tokens.push(loaded),
        }
        info
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction with the file's manifest, then seals the
    /// manifest with the generation bumped and commits. A manifest this key cannot open means the
    /// PIN was changed elsewhere (the session is stale: `Locked`) or the file was tampered with.
    pub(super) fn write<R>(
        &self,
        conn: &mut Connection,
        f: impl FnOnce(&Transaction<'_>, &mut Manifest, &RowKeys) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut manifest, _) = match self.keys.read_state(&tx) {
            Ok(state) => state,
            Err(err) => {
                let vault_id = self.keys.vault_id;
                let slot = storage::read_pin_slot(&tx, &vault_id)?;
                if slot.is_none_or(|slot| slot.salt != self.slot_salt) {
                    return Err(VaultError::Locked);
                }
                return Err(err);
            }
        };
        let result = f(&tx, &mut manifest, &self.keys)?;
        // A quick slot removed while no key was at hand (`disable_quick_unlock` on a locked
        // vault) stops being named here, so that row written back opens nothing.
        if manifest.quick.is_some()
            && storage::read_slot(&tx, &self.keys.vault_id, SlotKind::QuickUnlock)?.is_none()
        {
            manifest.quick = None;
        }
        manifest.generation = manifest.generation.wrapping_add(1);
        let sealed = self.keys.seal_manifest(&manifest)?;
        storage::set_manifest(&tx, FORMAT_VERSION, &sealed)?;
        tx.commit()?;
        Ok(result)
    }

    fn corrected(&self, unix: u64) -> u64 {
        TimeCorrection {
            offset_seconds: self.settings.time_offset,
        }
        .apply(unix)
    }

    /// Milliseconds left of a timed session at `now` = (monotonic ms, wall s): the smaller of what
    /// the monotonic clock and the wall clock say. A monotonic clock behind the unlock ends it;
    /// a wall clock moved back is ignored (it never extends a session). `None` under `EveryCode`.
    pub(super) fn millis_left(&self, now: (u64, u64)) -> Option<u64> {
        let length = if self.single_call {
            SINGLE_CALL_MILLIS
        } else {
            self.settings.policy.session_millis()?
        };
        let (now_ms, now_wall) = now;
        if now_ms < self.unlocked_at_ms {
            return Some(0);
        }
        let by_monotonic = length.saturating_sub(now_ms - self.unlocked_at_ms);
        let wall_elapsed_ms = now_wall
            .saturating_sub(self.unlocked_at_wall)
            .saturating_mul(1000);
        Some(by_monotonic.min(length.saturating_sub(wall_elapsed_ms)))
    }

    pub(super) fn expired(&self, now: (u64, u64)) -> bool {
        self.millis_left(now).is_none_or(|left| left == 0)
    }

    pub(super) fn code(&mut self, id: i64, unix: u64) -> Result<TotpCode, VaultError> {
        let unix = self.corrected(unix);
        let loaded = self.find(id)?;
        let period = loaded.token.period().ok_or(VaultError::NotTimeBased)?;
        Ok(loaded
            .generator
            .totp_cached(unix, period, &mut loaded.cache))
    }

    pub(super) fn codes(&mut self, unix: u64) -> CodeSheet {
        let unix = self.corrected(unix);
        let mut sheet = CodeSheet {
            revision: self.revision,
            periods: Vec::new(),
            values: Vec::with_capacity(self.tokens.len()),
        };
        for token in &mut self.tokens {
            let Some(code) = token.code_at(unix) else {
                sheet.values.push(String::new());
                continue;
            };
            if !sheet.periods.iter().any(|p| p.period == code.period) {
                sheet.periods.push(PeriodState {
                    period: code.period,
                    step: code.step,
                    step_start: code.step_start,
                    seconds_left: code.seconds_left,
                });
            }
            sheet.values.push(code.value.as_str().to_owned());
        }
        sheet
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

    /// Reads the counter from the file, stores counter + 1 and returns the code for the counter
    /// read, all in one write transaction: concurrent callers get distinct counters.
    pub(super) fn next_hotp(
        &mut self,
        conn: &mut Connection,
        id: i64,
    ) -> Result<HotpCode, VaultError> {
        let (code, updated, details) = self.write(conn, |tx, manifest, keys| {
            let (mut token, details) = keys.current_token(tx, manifest, id)?;
            let OtpKind::Hotp { counter } = token.kind() else {
                return Err(VaultError::NotCounterBased);
            };
            let next = counter.checked_add(1).ok_or(VaultError::CounterExhausted)?;
            let value = token.generator().at_counter(counter);
            token.set_counter(next);
            let sealed = keys.seal_token(id, &token, &details)?;
            storage::update_token(tx, id, &sealed)?;
            manifest.set_token(id, sealed_nonce(&sealed)?);
            Ok((HotpCode { value, counter }, token, details))
        })?;
        self.cache(id, updated, details);
        Ok(code)
    }

    pub(super) fn add(
        &mut self,
        conn: &mut Connection,
        token: Token,
    ) -> Result<TokenInfo, VaultError> {
        self.add_with_offset(conn, token, None)
    }

    /// Adds `token` and, when given, sets the time correction, in one transaction.
    pub(super) fn add_with_offset(
        &mut self,
        conn: &mut Connection,
        token: Token,
        time_offset: Option<i64>,
    ) -> Result<TokenInfo, VaultError> {
        let settings = time_offset.map(|time_offset| Settings {
            time_offset,
            ..self.settings
        });
        let id = self.write(conn, |tx, manifest, keys| {
            if let Some(settings) = &settings {
                let sealed = keys.seal_settings(settings)?;
                storage::set_settings(tx, &sealed)?;
                manifest.settings = sealed_nonce(&sealed)?;
            }
            let id = manifest.next_id;
            manifest.next_id = id
                .checked_add(1)
                .ok_or(VaultError::Corrupted { what: "manifest" })?;
            let sealed = keys.seal_token(id, &token, &Details::default())?;
            let nonce = sealed_nonce(&sealed)?;
            let position = storage::next_position(tx)?;
            storage::insert_token(
                tx,
                &TokenRow {
                    id,
                    position,
                    sealed,
                },
            )?;
            manifest.set_token(id, nonce);
            Ok(id)
        })?;
        if let Some(settings) = settings {
            self.settings = settings;
        }
        Ok(self.cache(id, token, Details::default()))
    }

    /// Imports `candidates` as `plan` decides against the file's current tokens, all in one
    /// write transaction: every chosen entry is added, or none is.
    pub(super) fn import(
        &mut self,
        conn: &mut Connection,
        format: otpvault_transfer::import::ImportFormat,
        candidates: Vec<otpvault_transfer::import::Candidate>,
    ) -> Result<otpvault_transfer::import::ImportReport, VaultError> {
        let (entries, added) = self.write(conn, |tx, manifest, keys| {
            let ids: Vec<i64> = manifest.tokens.iter().map(|(id, _)| *id).collect();
            let existing: Vec<(i64, Token)> = ids
                .into_iter()
                .filter_map(|id| Some((id, keys.current_token(tx, manifest, id).ok()?.0)))
                .collect();
            let (mut entries, chosen) = otpvault_transfer::import::plan(&candidates, &existing);
            let mut position = storage::next_position(tx)?;
            let mut added = Vec::with_capacity(chosen.len());
            for index in chosen {
                let Ok(token) = &candidates[index].token else {
                    continue;
                };
                let details = &candidates[index].details;
                let id = manifest.next_id;
                manifest.next_id = id
                    .checked_add(1)
                    .ok_or(VaultError::Corrupted { what: "manifest" })?;
                let sealed = keys.seal_token(id, token, details)?;
                let nonce = sealed_nonce(&sealed)?;
                storage::insert_token(
                    tx,
                    &TokenRow {
                        id,
                        position,
                        sealed,
                    },
                )?;
                manifest.set_token(id, nonce);
                position += 1;
                entries[index].outcome = otpvault_transfer::import::ImportOutcome::Imported { id };
                added.push((id, token.clone(), details.clone()));
            }
            Ok((entries, added))
        })?;
        for (id, token, details) in added {
            self.cache(id, token, details);
        }
        Ok(otpvault_transfer::import::ImportReport { format, entries })
    }

    /// What [`Session::import`] would do, from this session's tokens, without writing.
    pub(super) fn preview_import(
        &self,
        format: otpvault_transfer::import::ImportFormat,
        candidates: &[otpvault_transfer::import::Candidate],
    ) -> otpvault_transfer::import::ImportReport {
        let existing: Vec<(i64, Token)> = self
            .tokens
            .iter()
            .map(|t| (t.id, t.token.clone()))
            .collect();
        let (entries, _) = otpvault_transfer::import::plan(candidates, &existing);
        otpvault_transfer::import::ImportReport { format, entries }
    }

    pub(super) fn rename(
        &mut self,
        conn: &mut Connection,
        id: i64,
        issuer: &str,
        account: &str,
    ) -> Result<TokenInfo, VaultError> {
        self.update(conn, id, |token, _| Ok(token.rename(issuer, account)?))
    }

    /// Changes what was organised about token `id` (its groups, note, icon, favourite mark).
    pub(super) fn set_details(
        &mut self,
        conn: &mut Connection,
        id: i64,
        change: impl FnOnce(&mut Details) -> Result<(), VaultError>,
    ) -> Result<TokenInfo, VaultError> {
        self.update(conn, id, |_, details| change(details))
    }

    /// Reads token `id` from the file, lets `change` edit it, and writes it back re-sealed.
    fn update(
        &mut self,
        conn: &mut Connection,
        id: i64,
        change: impl FnOnce(&mut Token, &mut Details) -> Result<(), VaultError>,
    ) -> Result<TokenInfo, VaultError> {
        let (token, details) = self.write(conn, |tx, manifest, keys| {
            let (mut token, mut details) = keys.current_token(tx, manifest, id)?;
            change(&mut token, &mut details)?;
            let sealed = keys.seal_token(id, &token, &details)?;
            storage::update_token(tx, id, &sealed)?;
            manifest.set_token(id, sealed_nonce(&sealed)?);
            Ok((token, details))
        })?;
        Ok(self.cache(id, token, details))
    }

    /// Removes a token (also a damaged one: that is how a user gets rid of it).
    pub(super) fn remove(&mut self, conn: &mut Connection, id: i64) -> Result<(), VaultError> {
        self.write(conn, |tx, manifest, _| {
            let listed = manifest.remove_token(id);
            let deleted = storage::delete_token(tx, id)?;
            if listed || deleted {
                Ok(())
            } else {
                Err(VaultError::NotFound)
            }
        })?;
        self.tokens.retain(|t| t.id != id);
        self.damaged.retain(|d| *d != id);
        self.revision = next_revision();
        storage::checkpoint(conn)
    }

    /// Sets the display order: `ids` must name every token of the vault once (damaged ones may be
    /// left out: they go last).
    pub(super) fn reorder(&mut self, conn: &mut Connection, ids: &[i64]) -> Result<(), VaultError> {
        let damaged = &self.damaged;
        self.write(conn, |tx, manifest, _| {
            let mut wanted = ids.to_vec();
            wanted.sort_unstable();
            wanted.dedup();
            let listed: Vec<i64> = manifest.tokens.iter().map(|(id, _)| *id).collect();
            let complete = wanted.len() == ids.len()
                && wanted.iter().all(|id| listed.binary_search(id).is_ok())
                && listed
                    .iter()
                    .all(|id| wanted.binary_search(id).is_ok() || damaged.contains(id));
            if !complete {
                return Err(VaultError::NotFound);
            }
            let rest = listed.iter().filter(|id| wanted.binary_search(id).is_err());
            for (position, id) in ids.iter().chain(rest).enumerate() {
                // A listed row may be missing (damaged): there is no position to set then.
                let _ = storage::set_position(tx, *id, position as i64);
            }
            Ok(())
        })?;
        // Only the boxes' pointers move: no keyed state is copied by the sort.
        self.tokens
            .sort_by_key(|t| ids.iter().position(|id| *id == t.id).unwrap_or(usize::MAX));
        self.revision = next_revision();
        Ok(())
    }

    pub(super) fn save_settings(
        &mut self,
        conn: &mut Connection,
        settings: Settings,
    ) -> Result<(), VaultError> {
        self.write(conn, |tx, manifest, keys| {
            let sealed = keys.seal_settings(&settings)?;
            storage::set_settings(tx, &sealed)?;
            manifest.settings = sealed_nonce(&sealed)?;
            Ok(())
        })?;
        self.settings = settings;
        Ok(())
    }
}

/// Re-seals every readable row, the settings and the manifest under `new` in one transaction,
/// writes `new_slot`, and drops what `old` cannot read (it is unreadable under any key). Used by
/// a PIN change: afterwards nothing in the file opens with the old key.
pub(super) fn rekey(
    conn: &mut Connection,
    old: &RowKeys,
    new: &RowKeys,
    write_slot: impl FnOnce(&Transaction<'_>) -> Result<(), VaultError>,
) -> Result<(), VaultError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (old_manifest, settings) = old.read_state(&tx)?;
    let sealed_settings = new.seal_settings(&settings)?;
    let mut manifest = Manifest {
        generation: old_manifest.generation.wrapping_add(1),
        next_id: old_manifest.next_id,
        settings: sealed_nonce(&sealed_settings)?,
        tokens: Vec::with_capacity(old_manifest.tokens.len()),
        // The caller removes the quick slot: it wraps the old key.
        quick: None,
    };
    for row in storage::read_tokens(&tx, None)? {
        let token = match old_manifest.token(row.id) {
            Some(nonce) if nonce_of(&row.sealed) == Some(nonce) => {
                old.open_token(FORMAT_VERSION, row.id, &row.sealed).ok()
            }
            _ => None,
        };
        match token {
            Some((token, details)) => {
                let sealed = new.seal_token(row.id, &token, &details)?;
                storage::update_token(&tx, row.id, &sealed)?;
                manifest.set_token(row.id, sealed_nonce(&sealed)?);
            }
            None => {
                storage::delete_token(&tx, row.id)?;
            }
        }
    }
    storage::set_settings(&tx, &sealed_settings)?;
    storage::set_manifest(&tx, FORMAT_VERSION, &new.seal_manifest(&manifest)?)?;
    write_slot(&tx)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_binds_row_ids_vaults_formats_and_kinds() {
        let a = aad(TOKEN_LABEL, &[1; 16], 2, Some(1));
        assert_ne!(a, aad(TOKEN_LABEL, &[1; 16], 2, Some(2)));
        assert_ne!(a, aad(TOKEN_LABEL, &[2; 16], 2, Some(1)));
        assert_ne!(a, aad(TOKEN_LABEL, &[1; 16], 1, Some(1)));
        assert_ne!(
            aad(SETTINGS_LABEL, &[1; 16], 2, None),
            aad(MANIFEST_LABEL, &[1; 16], 2, None)
        );
    }
}
