//! Schema migrations: a vault written by schema v1 (a kept snapshot) opens, upgrades to the
//! current schema, matches a freshly created vault's schema, and keeps every token and setting.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::path::Path;

use common::*;
use otpvault_codes::OtpKind;
use otpvault_vault::test_support::SCHEMA_VERSION;
use otpvault_vault::{UnlockPolicy, Vault, VaultError};

const V1_SNAPSHOT: &str = include_str!("snapshots/vault-v1.sql");

fn load_snapshot(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn schema(path: &Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    // Whitespace differs between CREATE and ALTER-rewritten statements; compare normalized SQL.
    stmt.query_map([], |r| {
        let sql: String = r.get(2)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn table_columns(path: &Path, table: &str) -> Vec<(String, String, bool, Option<String>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info({table})"))
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? == 1, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn user_version(path: &Path) -> u32 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn v1_snapshot_upgrades_to_the_current_schema_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v1.db");
    load_snapshot(&old, V1_SNAPSHOT);
    assert_eq!(user_version(&old), 1);

    let clock = clock();
    let vault = Vault::open(&old, open_options(&clock)).unwrap();
    assert_eq!(user_version(&old), SCHEMA_VERSION);
    let info = vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(info.policy, UnlockPolicy::TenMinutes);
    assert_eq!(vault.time_offset(None).unwrap(), -15);
    assert!(
        !vault.status().wipe_after_failures,
        "the new column defaults to off"
    );
    let tokens = vault.list(None).unwrap();
    let names: Vec<_> = tokens
        .iter()
        .map(|t| (t.issuer.as_str(), t.account.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("ACME Co", "alice@example.com"),
            ("Yubi", "me"),
            ("Provincia di Trento", "mario")
        ]
    );
    assert_eq!(tokens[1].kind, OtpKind::Hotp { counter: 5 });
    // RFC 6238, SHA1, T = 59 (device time 74 minus the stored 15 s correction).
    assert_eq!(
        vault.code(None, tokens[0].id, 74).unwrap().value,
        "94287082"
    );
    // RFC 4226 Appendix D, counter 5.
    assert_eq!(vault.next_hotp(None, tokens[1].id).unwrap().value, "254676");
    vault.set_wipe_after_failures(&pin(PIN), true).unwrap();
    drop(vault);

    let fresh = dir.path().join("fresh.db");
    drop(create(&fresh, UnlockPolicy::FiveMinutes, &clock));
    assert_eq!(schema(&old), schema(&fresh));
    for table in ["vault", "key_slots", "tokens"] {
        assert_eq!(
            table_columns(&old, table),
            table_columns(&fresh, table),
            "{table}"
        );
    }
    assert!(reopen(&old, &clock).status().wipe_after_failures);
}

#[test]
fn a_planted_table_is_refused_before_any_migration_runs() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v1.db");
    load_snapshot(&old, V1_SNAPSHOT);
    // Something in the way of migration 2 (its index name is taken): the file is tampered with,
    // and it is refused before migration 2 (or anything else) writes to it.
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch("CREATE TABLE tokens_by_position (x);")
        .unwrap();
    let err = Vault::open(&old, open_options(&clock())).unwrap_err();
    assert!(matches!(err, VaultError::Corrupted { .. }), "{err:?}");
    assert_eq!(user_version(&old), 1);
    let columns = table_columns(&old, "vault");
    assert!(
        !columns.iter().any(|c| c.0 == "wipe_after_failures"),
        "no migration ran"
    );
}
