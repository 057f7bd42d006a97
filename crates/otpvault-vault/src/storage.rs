//! The vault file: one SQLite database, its schema, its migrations and its rows.
//!
//! This module knows tables and bytes, not keys: every blob it stores was sealed by the vault
//! module. What is in the file:
//!
//! - `vault` (one row): `vault_id` (16 random bytes bound into every associated-data string),
//!   `format` (crypto format: 1 = rows without a manifest, 2 = rows under a manifest), `settings`
//!   (sealed: unlock policy, time offset), `failures` (consecutive wrong PINs, plaintext because it
//!   must be read and written before the PIN is known), `wipe_after_failures` (since v2),
//!   `manifest` (since v3; sealed: the generation, the next token id and the nonce of every sealed
//!   row, so an old copy of one row written back is detected) and `delay_anchor_ms` (since v3:
//!   when the current wrong-PIN delay began, in milliseconds of the boot-time clock, so every
//!   process on the device sees the same delay).
//! - `key_slots`: one row per way to unwrap the vault key. The `pin` slot (id 1): the PBKDF2 salt
//!   and iteration count, `device_bound` (the PIN-wrapped key is wrapped again by the device key),
//!   the wrapped key, and a `checksum` (SHA-256 of all of the above and the vault id) that tells a
//!   damaged slot from a wrong PIN *before* the KDF runs. The checksum is not a secret and guards
//!   against accidents, not attackers: an attacker who rewrites a slot only locks the owner out.
//!   The optional `quick` slot (id 2, `kdf = 'platform'`): the vault key wrapped by a platform
//!   key that needs user presence (biometric unlock); `iterations` holds its flags (bit 0: it may
//!   satisfy the `EveryCode` policy), repeated inside the wrapped payload, which is what counts.
//! - `tokens`: `id`, `position` (display order) and `sealed` (everything about the account).
//!
//! Schema changes are numbered migrations in [`MIGRATIONS`]; `PRAGMA user_version` is the number
//! applied. Each runs in its own transaction together with the version bump. Opening never creates
//! a file, and checks what it opened before writing anything: the version, and the **whole schema**
//! (`sqlite_master`: every table, column, index, trigger and view) against what the migrations
//! produce. A trigger or view planted with any SQLite tool could otherwise reset the wrong-PIN
//! count or swallow the erase, so anything unexpected is refused as tampered, and a foreign, newer
//! or damaged file is left untouched.
//!
//! The connection runs in WAL mode with `synchronous=FULL` (a committed transaction survives power
//! loss) and `secure_delete` (removed rows are overwritten, not left in free pages). Writes that
//! must not linger (a removed token, an old PIN slot) are followed by a `TRUNCATE` checkpoint, so
//! no old page stays in the `-wal` file either.

use std::fs::OpenOptions;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use crate::error::VaultError;

/// The numbered migrations; entry `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first format.
    "CREATE TABLE vault (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        vault_id BLOB NOT NULL,
        format INTEGER NOT NULL,
        settings BLOB NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE key_slots (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        kdf TEXT NOT NULL,
        salt BLOB NOT NULL,
        iterations INTEGER NOT NULL,
        device_bound INTEGER NOT NULL,
        wrapped_key BLOB NOT NULL,
        checksum BLOB NOT NULL
    );
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        position INTEGER NOT NULL,
        sealed BLOB NOT NULL
    );",
    // 2: the optional erase-after-10-failures setting, and an index for the display order.
    "ALTER TABLE vault ADD COLUMN wipe_after_failures INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX tokens_by_position ON tokens (position, id);",
    // 3: the sealed manifest (rollback detection) and the shared wrong-PIN delay anchor. Rows of a
    // format-1 vault are re-sealed under format 2 with a manifest at its first unlock.
    "ALTER TABLE vault ADD COLUMN manifest BLOB;
    ALTER TABLE vault ADD COLUMN delay_anchor_ms INTEGER;",
    // 4: the delay's anchor on the wall clock too: a delay ends only when both clocks have moved
    // on by it (a time namespace moves the boot clock without privileges, not the wall clock).
    "ALTER TABLE vault ADD COLUMN delay_wall_anchor_ms INTEGER;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The crypto format this build writes, bound into every row's associated data. Format 1 (before
/// the manifest) is still read, and upgraded at the first unlock.
pub const FORMAT_VERSION: u32 = 2;
/// The format of vaults written before the manifest existed.
pub const LEGACY_FORMAT: u32 = 1;

/// The `vault` row.
#[derive(Debug, Clone)]
pub struct Header {
    /// 16 random bytes naming this vault.
    pub vault_id: [u8; 16],
    /// The crypto format ([`FORMAT_VERSION`] or [`LEGACY_FORMAT`]).
    pub format: u32,
    /// The sealed manifest (`None` only in a format-1 vault).
    pub manifest: Option<Vec<u8>>,
    /// The sealed settings.
    pub settings: Vec<u8>,
    /// Consecutive wrong PINs.
    pub failures: u32,
    /// Erase the keys after 10 consecutive wrong PINs.
    pub wipe_after_failures: bool,
}

/// A `key_slots` row.
#[derive(Debug, Clone)]
pub struct SlotRow {
    /// Row id (bound into the wrap's associated data).
    pub id: i64,
    /// PBKDF2 salt.
    pub salt: Vec<u8>,
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// Whether the wrapped key is also wrapped by the device key.
    pub device_bound: bool,
    /// The wrapped vault key.
    pub wrapped_key: Vec<u8>,
}

/// A `tokens` row.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Row id (bound into the token's associated data).
    pub id: i64,
    /// Display order.
    pub position: i64,
    /// The sealed token.
    pub sealed: Vec<u8>,
}

/// The kinds of `key_slots` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// The vault key sealed under PBKDF2-SHA256(PIN) (`kind = 'pin'`, id 1).
    Pin,
    /// The vault key wrapped by a platform key that needs user presence (`kind = 'quick'`,
    /// id 2, `kdf = 'platform'`, no salt, `iterations` holding the flags).
    QuickUnlock,
}

impl SlotKind {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            SlotKind::Pin => ("pin", "pbkdf2-sha256"),
            SlotKind::QuickUnlock => ("quick", "platform"),
        }
    }

    /// The row id of this kind's slot.
    pub fn row_id(self) -> i64 {
        match self {
            SlotKind::Pin => 1,
            SlotKind::QuickUnlock => 2,
        }
    }
}

fn configure(conn: &Connection) -> Result<(), VaultError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(VaultError::Storage {
            kind: crate::error::StorageKind::Other,
        });
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;")?;
    Ok(())
}

fn user_version(conn: &Connection) -> Result<u32, VaultError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    u32::try_from(version).map_err(|_| VaultError::NotAVault)
}

/// Applies the migrations from the file's version up to `target`, each in its own transaction.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), VaultError> {
    apply_migrations(conn, MIGRATIONS, target)
}

fn apply_migrations(
    conn: &mut Connection,
    migrations: &[&str],
    target: u32,
) -> Result<(), VaultError> {
    let mut version = user_version(conn)?;
    while version < target {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(migrations[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        version += 1;
    }
    Ok(())
}

/// Creates a new, empty vault file (mode 0600) with the current schema.
pub fn create(path: &Path) -> Result<Connection, VaultError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(VaultError::AlreadyExists);
        }
        Err(_) => {
            return Err(VaultError::Storage {
                kind: crate::error::StorageKind::CannotOpen,
            });
        }
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    migrate_to(&mut conn, SCHEMA_VERSION)?;
    Ok(conn)
}

/// Whether the connection could only open the file for reading (the file or its file system is
/// read-only for this user).
pub fn is_read_only(conn: &Connection) -> Result<bool, VaultError> {
    Ok(conn.is_readonly(rusqlite::MAIN_DB)?)
}

/// Opens an existing vault file, checking it before writing anything, then migrating it. A file
/// this user may only read is opened read-only (nothing is migrated or written).
pub fn open(path: &Path) -> Result<Connection, VaultError> {
    if !path.exists() {
        return Err(VaultError::NoVault);
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let version = user_version(&conn)?;
    if version == 0 {
        // An empty file or another application's database.
        return Err(VaultError::NotAVault);
    }
    let has_vault_table: bool = conn.query_row(
        "SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault'",
        [],
        |r| r.get(0),
    )?;
    if !has_vault_table {
        return Err(VaultError::NotAVault);
    }
    if version > SCHEMA_VERSION {
        return Err(VaultError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    check_schema(&conn, version)?;
    if is_read_only(&conn)? {
        if version < SCHEMA_VERSION {
            // Upgrading needs a write.
            return Err(VaultError::Storage {
                kind: crate::error::StorageKind::ReadOnly,
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        return Ok(conn);
    }
    configure(&conn)?;
    migrate_to(&mut conn, SCHEMA_VERSION)?;
    Ok(conn)
}

/// One `sqlite_master` row: type, name, table, SQL text.
type SchemaRow = (String, String, String, Option<String>);

fn read_schema(conn: &Connection) -> Result<Vec<SchemaRow>, VaultError> {
    let mut stmt =
        conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The schema the first `version` migrations produce, built in memory by this very SQLite.
fn expected_schema(version: u32) -> Result<Vec<SchemaRow>, VaultError> {
    let conn = Connection::open_in_memory()?;
    for migration in &MIGRATIONS[..version as usize] {
        conn.execute_batch(migration)?;
    }
    read_schema(&conn)
}

/// Refuses a file whose schema is not exactly what the migrations up to `version` produce: an
/// extra trigger, view, index or table, or a changed column, is tampering.
pub fn check_schema(conn: &Connection, version: u32) -> Result<(), VaultError> {
    if read_schema(conn)? != expected_schema(version)? {
        return Err(VaultError::Corrupted {
            what: "schema (unexpected tables, columns, indexes, triggers or views)",
        });
    }
    Ok(())
}

/// The wrong-PIN state shared by every process: the count and when the current delay began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRow {
    /// Consecutive wrong PINs.
    pub failures: u32,
    /// Boot-clock milliseconds when the current delay began (`None`: no anchor stored).
    pub anchor_ms: Option<u64>,
    /// Wall-clock milliseconds (Unix) when it began (`None`: no anchor stored).
    pub wall_anchor_ms: Option<u64>,
}

/// Reads the throttle state.
pub fn read_throttle(conn: &Connection) -> Result<ThrottleRow, VaultError> {
    let (failures, anchor, wall_anchor): (i64, Option<i64>, Option<i64>) = conn
        .query_row(
            "SELECT failures, delay_anchor_ms, delay_wall_anchor_ms FROM vault WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(VaultError::Corrupted {
            what: "vault header",
        })?;
    Ok(ThrottleRow {
        failures: u32::try_from(failures).map_err(|_| VaultError::Corrupted {
            what: "failure count",
        })?,
        // A negative anchor can only be written by hand: treated like a missing one (the delay
        // starts over in full).
        anchor_ms: anchor.and_then(|a| u64::try_from(a).ok()),
        wall_anchor_ms: wall_anchor.and_then(|a| u64::try_from(a).ok()),
    })
}

/// Writes the throttle state.
pub fn write_throttle(conn: &Connection, state: ThrottleRow) -> Result<(), VaultError> {
    let anchor = state
        .anchor_ms
        .map(|a| i64::try_from(a).unwrap_or(i64::MAX));
    let wall_anchor = state
        .wall_anchor_ms
        .map(|a| i64::try_from(a).unwrap_or(i64::MAX));
    let changed = conn.execute(
        "UPDATE vault SET failures = ?1, delay_anchor_ms = ?2, delay_wall_anchor_ms = ?3
         WHERE singleton = 1",
        params![state.failures, anchor, wall_anchor],
    )?;
    if changed != 1 {
        return Err(VaultError::Corrupted {
            what: "vault header",
        });
    }
    Ok(())
}

/// Replaces the sealed manifest and sets the crypto format.
pub fn set_manifest(conn: &Connection, format: u32, sealed: &[u8]) -> Result<(), VaultError> {
    conn.execute(
        "UPDATE vault SET manifest = ?1, format = ?2 WHERE singleton = 1",
        params![sealed, format],
    )?;
    Ok(())
}

/// Moves every committed page from the `-wal` file into the database and truncates the `-wal`
/// file, so an old version of a page (a removed token, an old PIN slot) is not left there.
/// Best effort: a reader in another process can hold pages back until its next checkpoint.
pub fn checkpoint(conn: &Connection) -> Result<(), VaultError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Rebuilds the database file so no free page keeps old content, then checkpoints.
pub fn vacuum(conn: &Connection) -> Result<(), VaultError> {
    conn.execute_batch("VACUUM")?;
    checkpoint(conn)
}

/// Reads the `vault` row.
pub fn read_header(conn: &Connection) -> Result<Header, VaultError> {
    let row = conn
        .query_row(
            "SELECT vault_id, format, settings, failures, wipe_after_failures, manifest
             FROM vault WHERE singleton = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or(VaultError::Corrupted {
            what: "vault header",
        })?;
    let (vault_id, format, settings, failures, wipe, manifest) = row;
    let vault_id: [u8; 16] = vault_id
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::Corrupted { what: "vault id" })?;
    let format = match u32::try_from(format) {
        Ok(FORMAT_VERSION) if manifest.is_some() => FORMAT_VERSION,
        Ok(LEGACY_FORMAT) if manifest.is_none() => LEGACY_FORMAT,
        _ => {
            return Err(VaultError::Corrupted {
                what: "format version",
            });
        }
    };
    let failures = u32::try_from(failures).map_err(|_| VaultError::Corrupted {
        what: "failure count",
    })?;
    let wipe_after_failures = match wipe {
        0 => false,
        1 => true,
        _ => {
            return Err(VaultError::Corrupted {
                what: "wipe setting",
            });
        }
    };
    Ok(Header {
        vault_id,
        format,
        manifest,
        settings,
        failures,
        wipe_after_failures,
    })
}

/// Writes the first `vault` row.
pub fn insert_header(tx: &Transaction<'_>, header: &Header) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO vault
            (singleton, vault_id, format, settings, failures, wipe_after_failures, manifest)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            header.vault_id.as_slice(),
            header.format,
            header.settings,
            header.failures,
            header.wipe_after_failures,
            header.manifest
        ],
    )?;
    Ok(())
}

/// Replaces the sealed settings.
pub fn set_settings(conn: &Connection, sealed: &[u8]) -> Result<(), VaultError> {
    conn.execute(
        "UPDATE vault SET settings = ?1 WHERE singleton = 1",
        [sealed],
    )?;
    Ok(())
}

/// Sets the erase-after-failures option.
pub fn set_wipe_after_failures(conn: &Connection, on: bool) -> Result<(), VaultError> {
    conn.execute(
        "UPDATE vault SET wipe_after_failures = ?1 WHERE singleton = 1",
        [on],
    )?;
    Ok(())
}

fn slot_checksum(vault_id: &[u8; 16], kind: SlotKind, slot: &SlotRow) -> [u8; 16] {
    let (kind, kdf) = kind.names();
    let mut hash = Sha256::new();
    hash.update(b"otpvault.slot-checksum.v1");
    hash.update(vault_id);
    hash.update(slot.id.to_be_bytes());
    hash.update(kind.as_bytes());
    hash.update(kdf.as_bytes());
    hash.update((slot.salt.len() as u32).to_be_bytes());
    hash.update(&slot.salt);
    hash.update(slot.iterations.to_be_bytes());
    hash.update([u8::from(slot.device_bound)]);
    hash.update(&slot.wrapped_key);
    let digest = hash.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// Reads the PIN slot and checks its checksum; `Ok(None)` when the keys were erased.
pub fn read_pin_slot(
    conn: &Connection,
    vault_id: &[u8; 16],
) -> Result<Option<SlotRow>, VaultError> {
    read_slot(conn, vault_id, SlotKind::Pin)
}

/// Reads the slot of `kind` and checks its checksum; `Ok(None)` when there is none.
pub fn read_slot(
    conn: &Connection,
    vault_id: &[u8; 16],
    kind: SlotKind,
) -> Result<Option<SlotRow>, VaultError> {
    let (kind_name, kdf_name) = kind.names();
    let row = conn
        .query_row(
            "SELECT id, kdf, salt, iterations, device_bound, wrapped_key, checksum
             FROM key_slots WHERE kind = ?1 ORDER BY id LIMIT 1",
            [kind_name],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((id, kdf, salt, iterations, device_bound, wrapped_key, checksum)) = row else {
        return Ok(None);
    };
    let corrupted = VaultError::Corrupted { what: "key slot" };
    if kdf != kdf_name || !(0..=1).contains(&device_bound) {
        return Err(corrupted);
    }
    let slot = SlotRow {
        id,
        salt,
        iterations: u32::try_from(iterations).map_err(|_| corrupted.clone())?,
        device_bound: device_bound == 1,
        wrapped_key,
    };
    if checksum != slot_checksum(vault_id, kind, &slot) {
        return Err(corrupted);
    }
    Ok(Some(slot))
}

/// Inserts or replaces the PIN slot (with its checksum).
pub fn write_pin_slot(
    tx: &Transaction<'_>,
    vault_id: &[u8; 16],
    slot: &SlotRow,
) -> Result<(), VaultError> {
    write_slot(tx, vault_id, SlotKind::Pin, slot)
}

/// Deletes the slot of `kind` (if any).
pub fn delete_slot(tx: &Transaction<'_>, kind: SlotKind) -> Result<(), VaultError> {
    tx.execute("DELETE FROM key_slots WHERE kind = ?1", [kind.names().0])?;
    Ok(())
}

/// Inserts or replaces the slot of `kind` (with its checksum).
pub fn write_slot(
    tx: &Transaction<'_>,
    vault_id: &[u8; 16],
    kind: SlotKind,
    slot: &SlotRow,
) -> Result<(), VaultError> {
    let checksum = slot_checksum(vault_id, kind, slot);
    let (kind_name, kdf_name) = kind.names();
    tx.execute(
        "INSERT OR REPLACE INTO key_slots
            (id, kind, kdf, salt, iterations, device_bound, wrapped_key, checksum)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            slot.id,
            kind_name,
            kdf_name,
            slot.salt,
            slot.iterations,
            slot.device_bound,
            slot.wrapped_key,
            checksum.as_slice()
        ],
    )?;
    Ok(())
}

/// All token rows in display order (or only `only`).
pub fn read_tokens(conn: &Connection, only: Option<i64>) -> Result<Vec<TokenRow>, VaultError> {
    let map = |r: &rusqlite::Row<'_>| {
        Ok(TokenRow {
            id: r.get(0)?,
            position: r.get(1)?,
            sealed: r.get(2)?,
        })
    };
    let rows = match only {
        Some(id) => conn
            .prepare("SELECT id, position, sealed FROM tokens WHERE id = ?1")?
            .query_map([id], map)?
            .collect::<Result<Vec<_>, _>>()?,
        None => conn
            .prepare("SELECT id, position, sealed FROM tokens ORDER BY position, id")?
            .query_map([], map)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(rows)
}

/// The display position after the last token (ids come from the sealed manifest, never from the
/// table, so a removed token's id is never handed out again).
pub fn next_position(tx: &Transaction<'_>) -> Result<i64, VaultError> {
    Ok(tx.query_row(
        "SELECT coalesce(max(position), -1) + 1 FROM tokens",
        [],
        |r| r.get(0),
    )?)
}

/// The largest token id in the table (0 when empty).
pub fn max_token_id(conn: &Connection) -> Result<i64, VaultError> {
    Ok(conn.query_row("SELECT coalesce(max(id), 0) FROM tokens", [], |r| r.get(0))?)
}

/// Inserts a token row (replacing a stray row planted under the same id).
pub fn insert_token(tx: &Transaction<'_>, row: &TokenRow) -> Result<(), VaultError> {
    tx.execute(
        "INSERT OR REPLACE INTO tokens (id, position, sealed) VALUES (?1, ?2, ?3)",
        params![row.id, row.position, row.sealed],
    )?;
    Ok(())
}

/// Replaces a token's sealed blob; `NotFound` when the row is gone.
pub fn update_token(conn: &Connection, id: i64, sealed: &[u8]) -> Result<(), VaultError> {
    let changed = conn.execute(
        "UPDATE tokens SET sealed = ?2 WHERE id = ?1",
        params![id, sealed],
    )?;
    if changed == 0 {
        return Err(VaultError::NotFound);
    }
    Ok(())
}

/// Deletes a token row; false when there was none.
pub fn delete_token(conn: &Connection, id: i64) -> Result<bool, VaultError> {
    Ok(conn.execute("DELETE FROM tokens WHERE id = ?1", [id])? > 0)
}

/// Sets a token's display position.
pub fn set_position(tx: &Transaction<'_>, id: i64, position: i64) -> Result<(), VaultError> {
    if tx.execute(
        "UPDATE tokens SET position = ?2 WHERE id = ?1",
        params![id, position],
    )? == 0
    {
        return Err(VaultError::NotFound);
    }
    Ok(())
}

/// Erases the keys and every token (after too many wrong PINs), then truncates the WAL so the old
/// pages do not linger there.
pub fn erase(conn: &mut Connection) -> Result<(), VaultError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM key_slots", [])?;
    tx.execute("DELETE FROM tokens", [])?;
    tx.execute("UPDATE vault SET settings = x'', manifest = x''", [])?;
    tx.commit()?;
    vacuum(conn)
}

/// Runs `PRAGMA integrity_check`; true when SQLite reports `ok`.
pub fn integrity_ok(conn: &Connection) -> Result<bool, VaultError> {
    let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    Ok(result == "ok")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_migration_rolls_back_and_leaves_the_file_at_its_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps = [
            "CREATE TABLE a (x);",
            "ALTER TABLE a ADD COLUMN y; CREATE TABLE a (z);",
        ];
        assert!(apply_migrations(&mut conn, &steps, 2).is_err());
        assert_eq!(user_version(&conn).unwrap(), 1);
        let columns: i64 = conn
            .query_row("SELECT count(*) FROM pragma_table_info('a')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            columns, 1,
            "the ALTER TABLE of the failed step was rolled back"
        );
    }

    #[test]
    fn every_planted_kind_of_schema_object_is_refused() {
        for plant in [
            "CREATE TRIGGER t AFTER UPDATE OF failures ON vault BEGIN UPDATE vault SET failures = 0; END;",
            "CREATE TRIGGER t BEFORE DELETE ON key_slots BEGIN SELECT RAISE(IGNORE); END;",
            "CREATE VIEW v AS SELECT * FROM tokens;",
            "CREATE INDEX i ON tokens (sealed);",
            "CREATE TABLE extra (x);",
            "ALTER TABLE tokens ADD COLUMN note TEXT;",
        ] {
            let conn = Connection::open_in_memory().unwrap();
            for migration in MIGRATIONS {
                conn.execute_batch(migration).unwrap();
            }
            check_schema(&conn, SCHEMA_VERSION).unwrap();
            conn.execute_batch(plant).unwrap();
            assert!(
                matches!(
                    check_schema(&conn, SCHEMA_VERSION),
                    Err(VaultError::Corrupted { .. })
                ),
                "{plant}"
            );
        }
    }
}
