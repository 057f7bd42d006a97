//! Key slots: the ways to unwrap the vault key. Today one kind, the PIN slot: the vault key
//! sealed under PBKDF2(PIN), optionally wrapped once more by a device key ([`KeyProtector`]).

use std::sync::Arc;

use super::crypto::{self, PinKey, SALT_LEN, VaultKey};
use super::pin::Pin;
use super::storage::SlotRow;
use super::{KeyProtector, ProtectorError};
use crate::error::VaultError;

/// The slot format bound into its associated data (unchanged since the first vault format).
const SLOT_FORMAT: u32 = 1;

fn slot_aad(vault_id: &[u8; 16], slot: &SlotRow) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + slot.salt.len());
    aad.extend_from_slice(b"otpvault.slot.v1");
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&SLOT_FORMAT.to_be_bytes());
    aad.extend_from_slice(&slot.id.to_be_bytes());
    aad.extend_from_slice(&slot.salt);
    aad.extend_from_slice(&slot.iterations.to_be_bytes());
    aad.push(u8::from(slot.device_bound));
    aad
}

/// A PIN slot holding `key`: a fresh salt, PBKDF2 at `iterations`, the key sealed under the PIN
/// key, then wrapped once more by the device key when there is one.
pub(super) fn new_pin_slot(
    vault_id: &[u8; 16],
    pin: &Pin,
    key: &VaultKey,
    iterations: u32,
    min_iterations: u32,
    protector: Option<&Arc<dyn KeyProtector>>,
) -> Result<SlotRow, VaultError> {
    let mut salt = vec![0u8; SALT_LEN];
    crypto::fill_random(&mut salt)?;
    let pin_key = crypto::derive_pin_key(pin.as_bytes(), &salt, iterations, min_iterations)?;
    let mut slot = SlotRow {
        id: 1,
        salt,
        iterations,
        device_bound: protector.is_some(),
        wrapped_key: Vec::new(),
    };
    let sealed = crypto::seal(
        pin_key.as_bytes(),
        &slot_aad(vault_id, &slot),
        key.as_bytes(),
    )?;
    slot.wrapped_key = match protector {
        Some(protector) => protector.wrap(sealed).map_err(protector_error)?,
        None => sealed,
    };
    Ok(slot)
}

/// Runs the KDF for `pin` and opens the (already device-unwrapped) sealed vault key with it;
/// `Ok(None)` for a wrong PIN.
pub(super) fn check_pin(
    vault_id: &[u8; 16],
    slot: &SlotRow,
    sealed: &[u8],
    pin: &Pin,
    min_iterations: u32,
) -> Result<Option<VaultKey>, VaultError> {
    let pin_key: PinKey =
        crypto::derive_pin_key(pin.as_bytes(), &slot.salt, slot.iterations, min_iterations)?;
    match crypto::open(pin_key.as_bytes(), &slot_aad(vault_id, slot), sealed) {
        Ok(plain) => VaultKey::from_slice(&plain).map(Some),
        Err(crypto::AuthError) => Ok(None),
    }
}

pub(super) fn protector_error(err: ProtectorError) -> VaultError {
    VaultError::DeviceKey(err)
}
