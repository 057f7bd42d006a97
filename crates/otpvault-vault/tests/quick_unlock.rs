//! Quick unlock (biometrics) as a second key slot: the PIN stays the root, protector failures are
//! never PIN failures, an invalidated key falls back to the PIN, and the `EveryCode` policy is
//! only satisfied when the user allowed it — also when the file is edited to say otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use common::*;
use otpvault_vault::{KeyProtector, ProtectorError, UnlockPolicy, VaultError};
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

/// A platform key simulated in the test: XOR with a fixed pad (the hardware's job), a prompt
/// outcome chosen by the test, and a count of prompts.
struct SimulatedBiometricKey {
    next: Mutex<Next>,
    prompts: AtomicU32,
}

impl SimulatedBiometricKey {
    fn new() -> Self {
        Self {
            next: Mutex::new(Next::Succeed),
            prompts: AtomicU32::new(0),
        }
    }

    fn set(&self, next: Next) {
        *self.next.lock().unwrap() = next;
    }

    fn pad(data: Vec<u8>) -> Vec<u8> {
        data.into_iter()
            .enumerate()
            .map(|(i, b)| b ^ (0x5a ^ i as u8))
            .collect()
    }
}

impl KeyProtector for SimulatedBiometricKey {
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Ok(Self::pad(data))
    }

    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        self.prompts.fetch_add(1, Ordering::SeqCst);
        match *self.next.lock().unwrap() {
            Next::Succeed => Ok(Self::pad(data)),
            Next::Cancel => Err(ProtectorError::Cancelled),
            Next::Invalidate => Err(ProtectorError::KeyInvalidated),
            Next::WrongKey => {
                let mut plain = Self::pad(data);
                let last = plain.len() - 1;
                plain[last] ^= 1;
                Ok(plain)
            }
        }
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
    use sha2::{Digest, Sha256};
    let conn = Connection::open(path).unwrap();
    let vault_id: Vec<u8> = conn
        .query_row("SELECT vault_id FROM vault", [], |r| r.get(0))
        .unwrap();
    let (id, wrapped): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT id, wrapped_key FROM key_slots WHERE kind = 'quick'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let flags = 1u32;
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
