//! The vault attacked as an auditor would: racing the wrong-PIN throttle from threads and
//! instances, planting schema objects, writing old rows and old PIN slots back, drawing HOTP codes
//! from two instances, and feeding hostile clock values. (Processes racing the throttle and HOTP,
//! and a crash in the middle of a PIN change, are in `crash.rs`, which can spawn children.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};

use common::*;
use otpvault_codes::{Clock, OtpKind, TokenParams};
use otpvault_vault::{UnlockPolicy, Vault, VaultError};

const HOTP_URI: &str = "otpauth://hotp/Bank:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
const RFC4226: [&str; 4] = ["755224", "287082", "359152", "969429"];

fn sql(path: &Path, statement: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(statement)
        .unwrap();
}

fn blob(path: &Path, query: &str) -> Vec<u8> {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(query, [], |r| r.get(0))
        .unwrap()
}

fn write_blob(path: &Path, statement: &str, value: &[u8]) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute(statement, [value])
        .unwrap();
}

fn outcomes(results: Vec<Result<(), VaultError>>) -> (usize, usize) {
    let mut wrong = 0;
    let mut locked = 0;
    for result in results {
        match result {
            Err(VaultError::WrongPin { .. }) => wrong += 1,
            Err(VaultError::LockedOut { seconds_left }) => {
                assert!(seconds_left > 0);
                locked += 1;
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    (wrong, locked)
}

fn race<T: Sync>(
    n: usize,
    shared: &[T],
    attempt: impl Fn(&T) -> Result<(), VaultError> + Sync,
) -> (usize, usize) {
    let barrier = Barrier::new(n);
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let barrier = &barrier;
                let attempt = &attempt;
                let target = &shared[i % shared.len()];
                scope.spawn(move || {
                    barrier.wait();
                    attempt(target)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    outcomes(results)
}

#[test]
fn threads_on_one_vault_never_get_more_guesses_than_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    drop(create(&path, UnlockPolicy::FiveMinutes, &clock));
    let vault = reopen(&path, &clock);
    // A fresh vault allows 5 wrong PINs before the first delay: 16 racing threads get 5.
    let (wrong, locked) = race(16, std::slice::from_ref(&vault), |v| {
        v.unlock(&pin(WRONG)).map(|_| ())
    });
    assert_eq!((wrong, locked), (5, 11));
    // Walk to the 9th failure; after its hour, 8 racing threads get exactly one guess.
    for delay in [60, 300, 900, 900] {
        clock.advance_seconds(delay);
        assert!(matches!(
            vault.unlock(&pin(WRONG)),
            Err(VaultError::WrongPin { .. })
        ));
    }
    assert_eq!(vault.status().failed_attempts, 9);
    clock.advance_seconds(3600);
    let (wrong, locked) = race(8, std::slice::from_ref(&vault), |v| {
        v.unlock(&pin(WRONG)).map(|_| ())
    });
    assert_eq!((wrong, locked), (1, 7));
    assert_eq!(vault.status().failed_attempts, 10);
}

#[test]
fn many_vault_objects_on_one_file_share_one_throttle() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    drop(create(&path, UnlockPolicy::FiveMinutes, &clock));
    let vaults: Vec<Vault> = (0..4).map(|_| reopen(&path, &clock)).collect();
    let (wrong, locked) = race(12, &vaults, |v| v.unlock(&pin(WRONG)).map(|_| ()));
    assert_eq!((wrong, locked), (5, 7));
    // Each object sees the delay another one started, with the seconds left.
    for vault in &vaults {
        assert_eq!(vault.status().locked_out_seconds, 60);
        assert_eq!(
            vault.unlock(&pin(PIN)),
            Err(VaultError::LockedOut { seconds_left: 60 })
        );
    }
    clock.advance_seconds(60);
    vaults[3].unlock(&pin(PIN)).unwrap();
    assert_eq!(vaults[0].status().failed_attempts, 0);
}

#[test]
fn moving_one_clock_does_not_end_a_delay() {
    // Issue 20, item 3: `unshare -Ur -T --boottime N` moves the boot clock without privileges;
    // setting the wall clock forward is the user's. A delay ends only when both have moved on.
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    vault.lock();
    for _ in 0..5 {
        let _ = vault.unlock(&pin(WRONG));
    }
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 60 })
    );
    // The boot clock jumps a day ahead: still 60 s to wait on the wall clock.
    clock.advance_boot_millis(86_400_000);
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 60 })
    );
    // The wall clock then moves 59 s: 1 s left; at 60 s the right PIN works.
    let now = clock.wall_seconds();
    clock.set_wall_seconds(now + 59);
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 1 })
    );
    clock.set_wall_seconds(now + 60);
    vault.unlock(&pin(PIN)).unwrap();
}

#[test]
fn right_pins_entered_at_once_are_never_locked_out() {
    // An app and its widget (or parallel CLI runs) unlocking together: one attempt is in flight
    // at a time, so in-flight attempts never pile up as failures.
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    drop(create(&path, UnlockPolicy::FiveMinutes, &clock));
    let vaults: Vec<Vault> = (0..4).map(|_| reopen(&path, &clock)).collect();
    let barrier = Barrier::new(16);
    std::thread::scope(|scope| {
        for i in 0..16 {
            let (vault, barrier) = (&vaults[i % 4], &barrier);
            scope.spawn(move || {
                barrier.wait();
                vault.unlock(&pin(PIN)).unwrap();
            });
        }
    });
    assert_eq!(vaults[0].status().failed_attempts, 0);
}

#[test]
fn planted_schema_objects_are_refused_before_any_write() {
    let plants = [
        // The demonstrated attacks: a trigger that resets the count, one that swallows the erase.
        "CREATE TRIGGER reset AFTER UPDATE OF failures ON vault BEGIN UPDATE vault SET failures = 0; END;",
        "CREATE TRIGGER keep BEFORE DELETE ON key_slots BEGIN SELECT RAISE(IGNORE); END;",
        "CREATE VIEW everything AS SELECT * FROM tokens;",
        "CREATE INDEX by_blob ON tokens (sealed);",
        "CREATE TABLE notes (x);",
        "ALTER TABLE vault ADD COLUMN extra INTEGER;",
    ];
    for plant in plants {
        let dir = tempfile::tempdir().unwrap();
        let path = vault_path(&dir);
        let clock = clock();
        drop(create(&path, UnlockPolicy::FiveMinutes, &clock));
        sql(&path, plant);
        let before = std::fs::read(&path).unwrap();
        let err = Vault::open(&path, open_options(&clock)).unwrap_err();
        assert!(
            matches!(err, VaultError::Corrupted { .. }),
            "{plant}: {err:?}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{plant}: file written"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn file_and_wal(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(more) = std::fs::read(&wal) {
        bytes.extend(more);
    }
    bytes
}

#[test]
fn a_pin_change_revokes_the_old_pin_and_leaves_no_old_bytes_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let kept = vault.add_uri(None, HOTP_URI).unwrap().id;
    let removed = vault
        .add_typed(None, &numbered_secret(7), TokenParams::default())
        .unwrap()
        .id;
    let old_slot = blob(&path, "SELECT wrapped_key FROM key_slots");
    let old_slot_row: (Vec<u8>, Vec<u8>, Vec<u8>) = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT salt, wrapped_key, checksum FROM key_slots",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let removed_sealed = blob(
        &path,
        &format!("SELECT sealed FROM tokens WHERE id = {removed}"),
    );
    let kept_old_sealed = blob(
        &path,
        &format!("SELECT sealed FROM tokens WHERE id = {kept}"),
    );
    vault.remove(None, removed).unwrap();
    vault.change_pin(&pin(PIN), "11235").unwrap();
    // A token added after the change.
    let later = vault
        .add_typed(None, &numbered_secret(8), TokenParams::default())
        .unwrap()
        .id;

    // Neither the file nor its -wal holds the old wrapped key, a removed token or an old row.
    let bytes = file_and_wal(&path);
    assert!(
        !contains(&bytes, &old_slot),
        "old wrapped key still in the files"
    );
    assert!(
        !contains(&bytes, &removed_sealed),
        "removed token still in the files"
    );
    assert!(
        !contains(&bytes, &kept_old_sealed),
        "a pre-change row still in the files"
    );
    drop(vault);

    // The old slot written back: the old PIN opens the old key, which opens nothing now.
    write_blob(&path, "UPDATE key_slots SET salt = ?1", &old_slot_row.0);
    write_blob(
        &path,
        "UPDATE key_slots SET wrapped_key = ?1",
        &old_slot_row.1,
    );
    write_blob(&path, "UPDATE key_slots SET checksum = ?1", &old_slot_row.2);
    let vault = reopen(&path, &clock);
    let err = vault.unlock(&pin(PIN)).unwrap_err();
    assert!(matches!(err, VaultError::Corrupted { .. }), "{err:?}");
    assert!(!vault.status().unlocked);
    assert!(vault.code(Some(&pin(PIN)), later, T0).is_err());
    assert!(vault.next_hotp(Some(&pin(PIN)), kept).is_err());
}

#[test]
fn a_copy_taken_after_a_pin_change_does_not_open_with_the_old_pin() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    vault.add_uri(None, HOTP_URI).unwrap();
    vault.change_pin(&pin(PIN), "11235").unwrap();
    // A copy of the file as it is now (e.g. a backup taken later), without its -wal.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let copied = reopen(&copy, &clock);
    assert!(matches!(
        copied.unlock(&pin(PIN)),
        Err(VaultError::WrongPin { .. })
    ));
    copied.unlock(&pin("11235")).unwrap();
    assert_eq!(copied.list(None).unwrap().len(), 1);
}

#[test]
fn an_old_settings_row_written_back_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::TenMinutes, &clock);
    let old_settings = blob(&path, "SELECT settings FROM vault");
    vault.set_time_offset(None, 42).unwrap();
    vault
        .set_policy(&pin(PIN), UnlockPolicy::EveryCode)
        .unwrap();
    drop(vault);
    write_blob(&path, "UPDATE vault SET settings = ?1", &old_settings);
    let vault = reopen(&path, &clock);
    let err = vault.unlock(&pin(PIN)).unwrap_err();
    assert!(matches!(err, VaultError::Corrupted { .. }), "{err:?}");
    assert!(
        !vault.status().unlocked,
        "the old TenMinutes policy did not apply"
    );
}

#[test]
fn an_old_hotp_row_written_back_never_yields_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault.add_uri(None, HOTP_URI).unwrap().id;
    let row_at_0 = blob(&path, &format!("SELECT sealed FROM tokens WHERE id = {id}"));
    assert_eq!(vault.next_hotp(None, id).unwrap().value, RFC4226[0]);
    assert_eq!(vault.next_hotp(None, id).unwrap().value, RFC4226[1]);
    drop(vault);
    write_blob(
        &path,
        &format!("UPDATE tokens SET sealed = ?1 WHERE id = {id}"),
        &row_at_0,
    );
    let vault = reopen(&path, &clock);
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.status().damaged_tokens, vec![id]);
    assert!(matches!(
        vault.next_hotp(None, id),
        Err(VaultError::Corrupted { .. })
    ));
    assert!(vault.list(None).unwrap().is_empty());
}

#[test]
fn a_removed_token_put_back_stays_dead_and_ids_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let first = vault.add_uri(None, HOTP_URI).unwrap().id;
    let second = vault
        .add_typed(None, &numbered_secret(1), TokenParams::default())
        .unwrap()
        .id;
    let row: (i64, Vec<u8>) = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            &format!("SELECT position, sealed FROM tokens WHERE id = {second}"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    vault.remove(None, second).unwrap();
    // A new token never gets the removed id.
    let third = vault
        .add_typed(None, &numbered_secret(2), TokenParams::default())
        .unwrap()
        .id;
    assert!(third > second, "id {second} was reused");
    drop(vault);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO tokens (id, position, sealed) VALUES (?1, ?2, ?3)",
            rusqlite::params![second, row.0, row.1],
        )
        .unwrap();
    let vault = reopen(&path, &clock);
    vault.unlock(&pin(PIN)).unwrap();
    let ids: Vec<i64> = vault.list(None).unwrap().iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![first, third]);
    assert_eq!(vault.status().damaged_tokens, vec![second]);
    assert!(vault.code(None, second, T0).is_err());
    // The user can clear it away.
    vault.remove(None, second).unwrap();
    assert!(vault.status().damaged_tokens.is_empty());
}

#[test]
fn a_deleted_row_is_reported_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault.add_uri(None, HOTP_URI).unwrap().id;
    drop(vault);
    sql(&path, "DELETE FROM tokens");
    let vault = reopen(&path, &clock);
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.status().damaged_tokens, vec![id]);
}

#[test]
fn two_instances_never_hand_out_the_same_hotp_counter() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let a = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = a.add_uri(None, HOTP_URI).unwrap().id;
    let b = reopen(&path, &clock);
    b.unlock(&pin(PIN)).unwrap();
    // Both sessions cached counter 0; each draw reads the file.
    let mut codes = [
        a.next_hotp(None, id).unwrap(),
        b.next_hotp(None, id).unwrap(),
        a.next_hotp(None, id).unwrap(),
        b.next_hotp(None, id).unwrap(),
    ];
    codes.sort_by_key(|c| c.counter);
    let values: Vec<&str> = codes.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(values, RFC4226);
    // Renaming from a stale session does not roll the counter back.
    a.rename(None, id, "Bank", "renamed").unwrap();
    assert_eq!(b.next_hotp(None, id).unwrap().counter, 4);
    let listed = a.list(None).unwrap();
    assert_eq!(listed[0].kind, OtpKind::Hotp { counter: 4 });

    // Threads on both instances at once: all counters distinct.
    let drawn = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let vault = if i % 2 == 0 { &a } else { &b };
                scope.spawn(move || vault.next_hotp(None, id).unwrap().counter)
            })
            .collect();
        let mut drawn: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        drawn.sort_unstable();
        drawn
    });
    assert_eq!(drawn, (5..13).collect::<Vec<u64>>());
}

#[test]
fn a_pin_change_elsewhere_ends_the_other_instances_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let a = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = a.add_uri(None, HOTP_URI).unwrap().id;
    let b = reopen(&path, &clock);
    b.unlock(&pin(PIN)).unwrap();
    a.change_pin(&pin(PIN), "11235").unwrap();
    assert_eq!(b.next_hotp(None, id), Err(VaultError::Locked));
    assert!(!b.status().unlocked);
    b.unlock(&pin("11235")).unwrap();
    assert_eq!(b.next_hotp(None, id).unwrap().counter, 0);
    assert_eq!(a.next_hotp(None, id).unwrap().counter, 1);
}

/// A clock whose values an attacker (or a broken platform) chose.
struct HostileClock {
    wall: u64,
    monotonic: u64,
}

impl Clock for HostileClock {
    fn wall_seconds(&self) -> u64 {
        self.wall
    }
    fn monotonic_millis(&self) -> u64 {
        self.monotonic
    }
}

#[test]
fn hostile_clock_values_never_overflow() {
    for (wall, monotonic) in [(u64::MAX, u64::MAX), (0, u64::MAX), (u64::MAX, 0), (0, 0)] {
        let dir = tempfile::tempdir().unwrap();
        let path = vault_path(&dir);
        let mut options = create_options(UnlockPolicy::TenMinutes, &clock());
        options.clock = Arc::new(HostileClock { wall, monotonic });
        let vault = Vault::create(&path, PIN, options).unwrap();
        let status = vault.status();
        assert!(status.session_seconds_left.unwrap_or(0) <= 600);
        vault.add_uri(None, HOTP_URI).unwrap();
        for _ in 0..6 {
            let _ = vault.unlock(&pin(WRONG));
        }
        let status = vault.status();
        assert!(status.locked_out_seconds <= 300, "{status:?}");
        vault.lock();
        let _ = vault.unlock(&pin(PIN));
        let _ = vault.codes_now(None);
    }
}

#[test]
fn a_session_ends_when_either_clock_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    // The device slept (the boot clock counts it): 5 minutes have passed.
    clock.advance_seconds(299);
    assert!(vault.status().unlocked);
    clock.advance_seconds(1);
    assert!(!vault.status().unlocked);

    // A monotonic clock that stopped during sleep: the wall clock still ends the session.
    vault.unlock(&pin(PIN)).unwrap();
    clock.set_wall_seconds(clock.wall_seconds() + 300);
    assert!(!vault.status().unlocked);

    // The wall clock moved back never extends it.
    vault.unlock(&pin(PIN)).unwrap();
    clock.set_wall_seconds(clock.wall_seconds() - 10_000);
    assert_eq!(vault.status().session_seconds_left, Some(300));
    clock.advance_seconds(300);
    assert!(!vault.status().unlocked);
}

#[test]
fn external_changes_move_only_for_other_writers() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let a = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let before = a.external_changes().unwrap();
    a.add_uri(None, HOTP_URI).unwrap();
    assert_eq!(a.external_changes().unwrap(), before, "own writes");
    let b = reopen(&path, &clock);
    b.unlock(&pin(PIN)).unwrap();
    assert_ne!(a.external_changes().unwrap(), before, "another writer");
}
