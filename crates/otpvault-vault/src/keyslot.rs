//! Key slots: the ways to unwrap the vault key. The PIN slot (the root): the vault key sealed under
//! PBKDF2(PIN), optionally wrapped once more by a device key ([`KeyProtector`]). The optional
//! quick-unlock slot: the vault key wrapped by a platform key that needs user presence
//! (biometrics), set up with the PIN and removed by a PIN change.

use std::sync::Arc;

use super::crypto::{self, PinKey, SALT_LEN, VaultKey};
use super::pin::Pin;
use super::record::QuickSlotId;
use super::storage::{SlotKind, SlotRow};
use super::{KeyProtector, ProtectorError};
use crate::error::VaultError;
use zeroize::Zeroizing;

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

/// Quick-unlock flag: the slot may stand in for the PIN under the `EveryCode` policy.
pub(super) const QUICK_ALLOWS_EVERY_CODE: u32 = 1;
/// The quick-unlock payload's version byte before slots carried an id (no longer opened).
const QUICK_PAYLOAD_V1: u8 = 1;
/// The quick-unlock payload's version byte.
const QUICK_PAYLOAD_V2: u8 = 2;

/// A quick-unlock slot holding `key`: `version ‖ flags (u32 BE) ‖ slot id ‖ vault key`, wrapped
/// by the platform key; the random slot id is what the manifest names. The flags are also stored
/// in the row (for `status()`, which reads no key), but only the wrapped copy is trusted. The
/// protector sees the vault key: it is the platform key's job to encrypt it (in hardware, behind
/// the user's presence).
pub(super) fn new_quick_slot(
    key: &VaultKey,
    allow_every_code: bool,
    protector: &dyn KeyProtector,
) -> Result<(SlotRow, QuickSlotId), VaultError> {
    let flags = if allow_every_code {
        QUICK_ALLOWS_EVERY_CODE
    } else {
        0
    };
    let mut id: QuickSlotId = [0; 16];
    crypto::fill_random(&mut id)?;
    let mut payload = Zeroizing::new(Vec::with_capacity(5 + 16 + 32));
    payload.push(QUICK_PAYLOAD_V2);
    payload.extend_from_slice(&flags.to_be_bytes());
    payload.extend_from_slice(&id);
    payload.extend_from_slice(key.as_bytes());
    let wrapped = protector
        .wrap(payload.to_vec())
        .map_err(VaultError::QuickUnlock)?;
    let row = SlotRow {
        id: SlotKind::QuickUnlock.row_id(),
        salt: Vec::new(),
        iterations: flags,
        device_bound: false,
        wrapped_key: wrapped,
    };
    Ok((row, id))
}

/// What a quick-unlock slot unwrapped to.
pub(super) enum OpenedQuickSlot {
    /// The vault key, the flags the platform key vouches for, and the slot's id.
    Key(VaultKey, u32, QuickSlotId),
    /// A slot written before slots carried an id: the manifest cannot vouch for it.
    Legacy,
}

/// Unwraps a quick-unlock slot.
pub(super) fn open_quick_slot(
    slot: &SlotRow,
    protector: &dyn KeyProtector,
) -> Result<OpenedQuickSlot, VaultError> {
    let payload = Zeroizing::new(
        protector
            .unwrap(slot.wrapped_key.clone())
            .map_err(VaultError::QuickUnlock)?,
    );
    let garbled = || {
        VaultError::QuickUnlock(ProtectorError::Failed {
            reason: "the quick unlock key returned data that is not a vault key".into(),
        })
    };
    match payload.as_slice() {
        [QUICK_PAYLOAD_V2, f0, f1, f2, f3, rest @ ..] if rest.len() == 16 + 32 => {
            let flags = u32::from_be_bytes([*f0, *f1, *f2, *f3]);
            let (id, key) = rest.split_at(16);
            let id: QuickSlotId = id.try_into().map_err(|_| garbled())?;
            let key = VaultKey::from_slice(key).map_err(|_| garbled())?;
            Ok(OpenedQuickSlot::Key(key, flags, id))
        }
        [QUICK_PAYLOAD_V1, _, _, _, _, key @ ..] if key.len() == 32 => Ok(OpenedQuickSlot::Legacy),
        _ => Err(garbled()),
    }
}
