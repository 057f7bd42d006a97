//! Quick unlock (biometrics) as a second key slot: the PIN stays the root, protector failures are
//! never PIN failures, an invalidated key falls back to the PIN, and the `EveryCode` policy is
//! only satisfied when the user allowed it — also when the file is edited to say otherwise. The
//! manifest names the one slot that may open the vault: an older or disabled slot written back
//! into the file opens nothing, and disabling deletes the platform key.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};

use common::*;
use otpvault_vault::{KeyProtector, ProtectorError, QuickUnlockKey, UnlockPolicy, VaultError};
use rusqlite::Connection;

const RFC_URI: &str =
    "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";

/// What the simulated platform key does at the next prompt.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Next {
    Succeed,
    Cancel,
    Invalidate,
    /// Another key: decrypts to bytes that are not this vault's key.
    WrongKey,
}

/// A platform key simulated in the test: XOR with a pad (the hardware's job), a prompt outcome
/// chosen by the test, and a count of prompts. Deleting it makes it report `KeyInvalidated`
/// until the next `wrap` creates a new key (a new pad), as a keystore does; an app that ignores
/// the deletion is simulated with `ignore_delete`.
struct SimulatedBiometricKey {
    next: Mutex<Next>,
    prompts: AtomicU32,
    generation: AtomicU8,
    deleted: AtomicBool,
    deletions: AtomicU32,
    ignore_delete: AtomicBool,
}

impl SimulatedBiometricKey {
    fn new() -> Self {
        Self {
            next: Mutex::new(Next::Succeed),
            prompts: AtomicU32::new(0),
            generation: AtomicU8::new(0),
            deleted: AtomicBool::new(false),
            deletions: AtomicU32::new(0),
            ignore_delete: AtomicBool::new(false),
        }
    }

    fn set(&self, next: Next) {
        *self.next.lock().unwrap() = next;
    }

    fn pad(&self, data: Vec<u8>) -> Vec<u8> {
        let generation = self.generation.load(Ordering::SeqCst);
        data.into_iter()
            .enumerate()
            .map(|(i, b)| b ^ (0x5a ^ i as u8 ^ generation.wrapping_mul(0x3d)))
            .collect()
    }
}

impl KeyProtector for SimulatedBiometricKey {
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        if self.deleted.swap(false, Ordering::SeqCst) {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        Ok(self.pad(data))
    }

    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        self.prompts.fetch_add(1, Ordering::SeqCst);
        if self.deleted.load(Ordering::SeqCst) {
            return Err(ProtectorError::KeyInvalidated);
        }
        match *self.next.lock().unwrap() {
            Next::Succeed => Ok(self.pad(data)),
            Next::Cancel => Err(ProtectorError::Cancelled),
            Next::Invalidate => Err(ProtectorError::KeyInvalidated),
            Next::WrongKey => {
                let mut plain = self.pad(data);
                let last = plain.len() - 1;
                plain[last] ^= 1;
                Ok(plain)
            }
        }
    }
}

impl QuickUnlockKey for SimulatedBiometricKey {
    fn delete_key(&self) -> Result<(), ProtectorError> {
        self.deletions.fetch_add(1, Ordering::SeqCst);
        if !self.ignore_delete.load(Ordering::SeqCst) {
            self.deleted.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[test]
fn quick_unlock_opens_the_same_session_and_its_failures_are_not_pin_failures() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let id = {
        let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
        vault.add_uri(None, RFC_URI).unwrap().id
    };
    let key = SimulatedBiometricKey::new();
    let vault = reopen(&path, &clock);
    assert_eq!(vault.quick_unlock(&key), Err(VaultError::QuickUnlockNotSet));
    // Setting it up needs the PIN, and a wrong one counts.
    assert!(matches!(
        vault.enable_quick_unlock(&pin(WRONG), &key, false),
        Err(VaultError::WrongPin { .. })
    ));
    assert_eq!(vault.status().failed_attempts, 1);
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    let status = vault.status();
    assert!(status.quick_unlock && !status.quick_unlock_every_code);
    assert_eq!(status.failed_attempts, 0);
    vault.lock();

    // Cancel and a wrong platform key: refused, no attempt counted, the slot kept.
    for next in [Next::Cancel, Next::WrongKey] {
        key.set(next);
        let err = vault.quick_unlock(&key).unwrap_err();
        match next {
            Next::Cancel => assert_eq!(err, VaultError::QuickUnlock(ProtectorError::Cancelled)),
            _ => assert!(matches!(err, VaultError::Corrupted { .. }), "{err:?}"),
        }
        let status = vault.status();
        assert!(!status.unlocked && status.quick_unlock);
        assert_eq!(status.failed_attempts, 0);
    }

    key.set(Next::Succeed);
    let info = vault.quick_unlock(&key).unwrap();
    assert_eq!(info.session_seconds, Some(300));
    assert_eq!(vault.code(None, id, 59).unwrap().value, "94287082");
    assert_eq!(vault.status().session_seconds_left, Some(300));

    // Reopened elsewhere: the slot is in the file.
    drop(vault);
    let vault = reopen(&path, &clock);
    vault.quick_unlock(&key).unwrap();
    assert_eq!(vault.list(None).unwrap().len(), 1);
}

#[test]
fn an_invalidated_key_removes_the_slot_and_the_pin_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::TenMinutes, &clock);
    let key = SimulatedBiometricKey::new();
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    vault.lock();
    key.set(Next::Invalidate);
    assert_eq!(
        vault.quick_unlock(&key),
        Err(VaultError::QuickUnlock(ProtectorError::KeyInvalidated))
    );
    assert!(!vault.status().quick_unlock);
    let prompts = key.prompts.load(Ordering::SeqCst);
    assert_eq!(vault.quick_unlock(&key), Err(VaultError::QuickUnlockNotSet));
    assert_eq!(
        key.prompts.load(Ordering::SeqCst),
        prompts,
        "no prompt without a slot"
    );
    vault.unlock(&pin(PIN)).unwrap();
    // Set up again with a new key.
    key.set(Next::Succeed);
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    vault.lock();
    vault.quick_unlock(&key).unwrap();
}

#[test]
fn a_pin_change_and_the_erase_remove_quick_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let key = SimulatedBiometricKey::new();
    vault.enable_quick_unlock(&pin(PIN), &key, true).unwrap();
    // An old copy of the quick slot, to write back after the PIN change.
    let old_slot: Vec<u8> = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT wrapped_key FROM key_slots WHERE kind = 'quick'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    vault.change_pin(&pin(PIN), "97531").unwrap();
    assert!(!vault.status().quick_unlock);
    assert_eq!(vault.quick_unlock(&key), Err(VaultError::QuickUnlockNotSet));
    vault
        .enable_quick_unlock(&pin("97531"), &key, true)
        .unwrap();
    // The old slot put back wraps the revoked key: it opens nothing.
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE key_slots SET wrapped_key = ?1 WHERE kind = 'quick'",
            [old_slot],
        )
        .unwrap();
    vault.lock();
    assert!(vault.quick_unlock(&key).is_err());
    assert!(!vault.status().unlocked);

    // The erase after 10 wrong PINs takes the quick slot with it.
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let mut options = create_options(UnlockPolicy::FiveMinutes, &clock);
    options.wipe_after_failures = true;
    let vault = otpvault_vault::Vault::create(&path, PIN, options).unwrap();
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    vault.lock();
    for _ in 0..10 {
        let _ = vault.unlock(&pin(WRONG));
        clock.advance_seconds(3_600);
    }
    assert!(vault.status().erased);
    assert!(!vault.status().quick_unlock);
    assert!(vault.quick_unlock(&key).is_err());
}

#[test]
fn every_code_is_satisfied_by_quick_unlock_only_when_allowed_even_if_the_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::EveryCode, &clock);
    let id = vault.add_uri(Some(&pin(PIN)), RFC_URI).unwrap().id;
    let key = SimulatedBiometricKey::new();

    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    assert_eq!(
        vault.quick_unlock(&key),
        Err(VaultError::QuickUnlockNotAllowed)
    );
    assert!(!vault.status().unlocked);

    // Someone flips the row's flag (and fixes its checksum): the wrapped copy still says no.
    flip_quick_flag(&path);
    let vault = reopen(&path, &clock);
    assert!(vault.status().quick_unlock_every_code);
    assert_eq!(
        vault.quick_unlock(&key),
        Err(VaultError::QuickUnlockNotAllowed)
    );
    assert!(!vault.status().unlocked);

    // Allowed by the user: one quick unlock serves one call.
    vault.enable_quick_unlock(&pin(PIN), &key, true).unwrap();
    vault.quick_unlock(&key).unwrap();
    assert_eq!(vault.code(None, id, 59).unwrap().value, "94287082");
    assert_eq!(vault.code(None, id, 59), Err(VaultError::Locked));
}

/// Sets bit 0 of the quick slot's flags and recomputes the (non-secret) checksum, as an attacker
/// with the file and the format description can.
fn flip_quick_flag(path: &std::path::Path) {
    set_quick_flags_and_checksum(path, Some(1));
}

/// Recomputes the quick slot's (non-secret) checksum after its wrapped key was replaced.
fn fix_quick_checksum(path: &std::path::Path) {
    set_quick_flags_and_checksum(path, None);
}

fn set_quick_flags_and_checksum(path: &std::path::Path, flags: Option<u32>) {
    use sha2::{Digest, Sha256};
    let conn = Connection::open(path).unwrap();
    let vault_id: Vec<u8> = conn
        .query_row("SELECT vault_id FROM vault", [], |r| r.get(0))
        .unwrap();
    let (id, wrapped, stored): (i64, Vec<u8>, u32) = conn
        .query_row(
            "SELECT id, wrapped_key, iterations FROM key_slots WHERE kind = 'quick'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let flags = flags.unwrap_or(stored);
    let mut hash = Sha256::new();
    hash.update(b"otpvault.slot-checksum.v1");
    hash.update(&vault_id);
    hash.update(id.to_be_bytes());
    hash.update(b"quick");
    hash.update(b"platform");
    hash.update(0u32.to_be_bytes());
    hash.update(flags.to_be_bytes());
    hash.update([0u8]);
    hash.update(&wrapped);
    let checksum = &hash.finalize()[..16];
    conn.execute(
        "UPDATE key_slots SET iterations = ?1, checksum = ?2 WHERE kind = 'quick'",
        rusqlite::params![flags, checksum],
    )
    .unwrap();
}

/// The quick slot's whole row, as anyone who can write the file can copy and put back.
#[derive(Clone, Debug, PartialEq)]
struct QuickRow {
    id: i64,
    salt: Vec<u8>,
    iterations: i64,
    device_bound: bool,
    wrapped_key: Vec<u8>,
    checksum: Vec<u8>,
}

fn copy_quick_row(path: &std::path::Path) -> Option<QuickRow> {
    use rusqlite::OptionalExtension;
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT id, salt, iterations, device_bound, wrapped_key, checksum
             FROM key_slots WHERE kind = 'quick'",
            [],
            |r| {
                Ok(QuickRow {
                    id: r.get(0)?,
                    salt: r.get(1)?,
                    iterations: r.get(2)?,
                    device_bound: r.get(3)?,
                    wrapped_key: r.get(4)?,
                    checksum: r.get(5)?,
                })
            },
        )
        .optional()
        .unwrap()
}

fn write_back_quick_row(path: &std::path::Path, row: &QuickRow) {
    Connection::open(path)
        .unwrap()
        .execute(
            "INSERT OR REPLACE INTO key_slots
                (id, kind, kdf, salt, iterations, device_bound, wrapped_key, checksum)
             VALUES (?1, 'quick', 'platform', ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                row.id,
                row.salt,
                row.iterations,
                row.device_bound,
                row.wrapped_key,
                row.checksum
            ],
        )
        .unwrap();
}

#[test]
fn an_older_quick_slot_written_back_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::EveryCode, &clock);
    let id = vault.add_uri(Some(&pin(PIN)), RFC_URI).unwrap().id;
    let key = SimulatedBiometricKey::new();
    // The user once allowed quick unlock to stand in for the PIN at every code, then took that
    // back (the same platform key wraps both slots).
    vault.enable_quick_unlock(&pin(PIN), &key, true).unwrap();
    let allowing = copy_quick_row(&path).unwrap();
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    let current = copy_quick_row(&path).unwrap();
    assert_ne!(allowing, current);
    assert_eq!(
        vault.quick_unlock(&key),
        Err(VaultError::QuickUnlockNotAllowed)
    );

    // The allowing slot written back, whole and with its checksum: the platform key unwraps it,
    // but the manifest names the other slot.
    write_back_quick_row(&path, &allowing);
    for vault in [&vault, &reopen(&path, &clock)] {
        assert!(vault.status().quick_unlock_every_code, "the row says so");
        assert!(matches!(
            vault.quick_unlock(&key),
            Err(VaultError::Corrupted { .. })
        ));
        assert!(!vault.status().unlocked);
        assert_eq!(vault.code(None, id, 59), Err(VaultError::Locked));
    }
    // The current slot put back is honoured as it was.
    write_back_quick_row(&path, &current);
    assert_eq!(
        vault.quick_unlock(&key),
        Err(VaultError::QuickUnlockNotAllowed)
    );
    // No PIN attempt was counted by any of it.
    assert_eq!(vault.status().failed_attempts, 0);
}

#[test]
fn disabling_deletes_the_platform_key_and_the_slot_written_back_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault.add_uri(None, RFC_URI).unwrap().id;
    let key = SimulatedBiometricKey::new();

    // Disabled with the session open: the manifest stops naming the slot at once, so even an app
    // that kept its platform key gets nothing from the row written back.
    key.ignore_delete.store(true, Ordering::SeqCst);
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    let slot = copy_quick_row(&path).unwrap();
    vault.disable_quick_unlock(&key).unwrap();
    assert_eq!(key.deletions.load(Ordering::SeqCst), 1, "told to delete");
    assert!(!vault.status().quick_unlock);
    assert_eq!(copy_quick_row(&path), None);
    vault.lock();
    write_back_quick_row(&path, &slot);
    assert!(matches!(
        vault.quick_unlock(&key),
        Err(VaultError::Corrupted { .. })
    ));
    assert!(!vault.status().unlocked);

    // Disabled on a locked vault (no key at hand for the manifest): the platform key is deleted,
    // so the row written back has nothing to unwrap it; the slot goes again.
    key.ignore_delete.store(false, Ordering::SeqCst);
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    vault.lock();
    let slot = copy_quick_row(&path).unwrap();
    vault.disable_quick_unlock(&key).unwrap();
    assert_eq!(key.deletions.load(Ordering::SeqCst), 2);
    write_back_quick_row(&path, &slot);
    assert_eq!(
        vault.quick_unlock(&key),
        Err(VaultError::QuickUnlock(ProtectorError::KeyInvalidated))
    );
    assert_eq!(copy_quick_row(&path), None);
    assert!(!vault.status().unlocked);

    // An app that ignored the deletion is covered from the next write on: the manifest drops the
    // name of a slot whose row is gone.
    key.ignore_delete.store(true, Ordering::SeqCst);
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    vault.lock();
    let slot = copy_quick_row(&path).unwrap();
    vault.disable_quick_unlock(&key).unwrap();
    vault
        .rename(Some(&pin(PIN)), id, "ACME", "alice@work")
        .unwrap();
    vault.lock();
    write_back_quick_row(&path, &slot);
    assert!(matches!(
        vault.quick_unlock(&key),
        Err(VaultError::Corrupted { .. })
    ));
    assert!(!vault.status().unlocked);
    // The PIN still opens, and quick unlock can be set up again.
    vault.unlock(&pin(PIN)).unwrap();
    vault.enable_quick_unlock(&pin(PIN), &key, false).unwrap();
    vault.lock();
    vault.quick_unlock(&key).unwrap();
    assert_eq!(vault.code(None, id, 59).unwrap().value, "94287082");
}

#[test]
fn a_quick_slot_from_before_the_manifest_named_them_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let key = SimulatedBiometricKey::new();
    vault.enable_quick_unlock(&pin(PIN), &key, true).unwrap();
    vault.lock();
    // Rewrite the slot as the previous release wrote it: `1 ‖ flags ‖ vault key`, no id.
    let mut row = copy_quick_row(&path).unwrap();
    let payload = key.pad(row.wrapped_key.clone());
    assert_eq!(payload.len(), 1 + 4 + 16 + 32);
    let mut legacy = vec![1];
    legacy.extend_from_slice(&payload[1..5]);
    legacy.extend_from_slice(&payload[21..]);
    row.wrapped_key = key.pad(legacy);
    write_back_quick_row(&path, &row);
    fix_quick_checksum(&path);
    assert!(vault.status().quick_unlock);
    assert_eq!(vault.quick_unlock(&key), Err(VaultError::QuickUnlockNotSet));
    assert!(!vault.status().quick_unlock);
    assert_eq!(key.deletions.load(Ordering::SeqCst), 1);
    assert!(!vault.status().unlocked);
}
