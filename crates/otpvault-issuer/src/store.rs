//! The issuer's SQLite file: schema versioned with `PRAGMA user_version`, numbered forward
//! migrations, WAL journal with full sync, a busy timeout so concurrent requests queue.

use crate::IssuerError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Migration `n` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 → 1
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE activations (
        id INTEGER PRIMARY KEY,
        user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
        username TEXT NOT NULL,
        code TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        used INTEGER NOT NULL DEFAULT 0,
        decoy INTEGER NOT NULL
    );
    CREATE INDEX activations_by_name ON activations(username, decoy);
    CREATE TABLE activation_sessions (
        nonce BLOB PRIMARY KEY,
        activation_id INTEGER NOT NULL REFERENCES activations(id) ON DELETE CASCADE,
        client_nonce BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        state INTEGER NOT NULL,
        credential_id TEXT,
        expected_ta BLOB,
        finish_key BLOB,
        secret BLOB
    );
    CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        secret BLOB NOT NULL,
        algorithm TEXT NOT NULL,
        digits INTEGER NOT NULL,
        period INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
        source TEXT NOT NULL CHECK (source IN ('activation', 'enrolment')),
        created_ms INTEGER NOT NULL,
        last_step INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until_ms INTEGER NOT NULL DEFAULT 0,
        drift_steps INTEGER NOT NULL DEFAULT 0,
        api_key_hash BLOB
    );
    CREATE INDEX credentials_by_user ON credentials(user_id, status);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens the file, creating it, and runs the migrations it lacks in one transaction.
pub fn open(path: &Path) -> Result<Connection, IssuerError> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "secure_delete", true)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), IssuerError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(IssuerError::TooNew(version));
    }
    for (n, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}
