//! The wrong-PIN schedule, modelled on iOS: a few free attempts, then growing delays.
//!
//! | consecutive failures | delay before the next attempt |
//! |---|---|
//! | 1–4 | none |
//! | 5 | 1 minute |
//! | 6 | 5 minutes |
//! | 7–8 | 15 minutes |
//! | 9 and more | 1 hour each |
//!
//! An attempt is *claimed* in one `BEGIN IMMEDIATE` transaction of the vault file: read the count
//! and the delay, refuse if a delay is running, count the attempt, commit — and only then run the
//! KDF. Threads, `Vault` objects and processes on one file are serialised by that transaction, so
//! together they never get more attempts than the schedule allows, and a killed process has
//! already paid for its attempt. The count resets on success.
//!
//! One attempt at a time: each attempt holds an exclusive lock on a sidecar file (`VAULT-pin`,
//! `AttemptLock`) from its claim until its outcome is written. Without it, attempts in flight
//! would all count as failures until they resolve, and a few *right* PINs entered at once (an app
//! and its widget, parallel CLI runs) would lock the owner out; with it, they wait for one another
//! (one KDF each) and an attacker's parallel guesses are no faster than serial ones. The operating
//! system releases the lock of a process that dies.
//!
//! The delay is stored too: the failure's time on the clock's monotonic milliseconds, which must
//! count from boot and include sleep (`CLOCK_BOOTTIME`, Android's `elapsedRealtime`, Apple's
//! continuous clock), so every process on the device sees the same countdown and a new process
//! continues it. Elapsed time is credited only as `now - anchor` on that clock; after a reboot the
//! clock restarts near zero, so that difference can never exceed the real time that passed. A
//! clock reading *before* the anchor (a reboot, another clock origin) cannot be told apart from
//! tampering: the delay starts over in full from now. Nothing ever shortens a delay.
//!
//! The wall clock is consulted too, as a second condition: the failure's wall time is stored
//! beside its boot time, and a delay ends only when **both** clocks have moved on by it. A time
//! namespace (`unshare -Ur -T --boottime N`, no privileges needed) moves the boot clock of the
//! processes inside it but cannot move the wall clock, and setting the wall clock needs
//! privileges; a wall clock set back before the anchor counts the delay in full from now.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use super::storage::{self, SlotRow, ThrottleRow};
use crate::error::{StorageKind, VaultError};

/// Failures allowed before the first delay.
pub const FREE_FAILURES: u32 = 4;

/// The delay in seconds that follows the `failures`-th consecutive wrong PIN.
pub fn delay_after(failures: u32) -> u64 {
    match failures {
        0..=4 => 0,
        5 => 60,
        6 => 300,
        7 | 8 => 900,
        _ => 3_600,
    }
}

/// How many more wrong PINs can be entered before one of them starts a delay.
pub fn attempts_before_delay(failures: u32) -> u32 {
    (FREE_FAILURES + 1).saturating_sub(failures)
}

/// Milliseconds left of the delay that began at `anchor_ms` after `failures` failures.
pub fn remaining_millis(failures: u32, anchor_ms: u64, now_ms: u64) -> u64 {
    let delay = delay_after(failures).saturating_mul(1000);
    delay.saturating_sub(now_ms.saturating_sub(anchor_ms))
}

/// The delay in force now (`now_ms` on the boot clock, `wall_now_ms` on the wall clock): the
/// milliseconds left, by whichever clock has moved on less, and the anchors to store. A missing
/// anchor, or one later than now (a reboot, a clock set back, another clock origin), starts that
/// clock's count over in full from now.
pub fn delay_state(
    failures: u32,
    (anchor_ms, wall_anchor_ms): (Option<u64>, Option<u64>),
    (now_ms, wall_now_ms): (u64, u64),
) -> (u64, (Option<u64>, Option<u64>)) {
    if delay_after(failures) == 0 {
        return (0, (anchor_ms, wall_anchor_ms));
    }
    let boot = match anchor_ms {
        Some(anchor) if anchor <= now_ms => anchor,
        _ => now_ms,
    };
    let wall = match wall_anchor_ms {
        Some(anchor) if anchor <= wall_now_ms => anchor,
        _ => wall_now_ms,
    };
    let left =
        remaining_millis(failures, boot, now_ms).max(remaining_millis(failures, wall, wall_now_ms));
    (left, (Some(boot), Some(wall)))
}

/// An exclusive lock on `VAULT-pin`, held by the one PIN attempt in flight for a vault file (any
/// thread, `Vault` object or process). Released on drop, or by the OS when the process dies.
pub(crate) struct AttemptLock {
    _file: File,
}

impl AttemptLock {
    /// Waits for the lock (another attempt's KDF at most, per attempt ahead of this one).
    pub(crate) fn acquire(vault_path: &Path) -> Result<Self, VaultError> {
        let mut name = vault_path.as_os_str().to_owned();
        name.push("-pin");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let storage = |err: std::io::Error| VaultError::Storage {
            kind: match err.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    StorageKind::ReadOnly
                }
                _ => StorageKind::CannotOpen,
            },
        };
        let file = options.open(PathBuf::from(name)).map_err(storage)?;
        file.lock().map_err(storage)?;
        Ok(Self { _file: file })
    }
}

/// The outcome of claiming a PIN attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Counted: this is consecutive failure number `failures` unless the PIN is right.
    Granted {
        /// The count including this attempt.
        failures: u32,
    },
    /// The PIN slot changed since it was read (a PIN change elsewhere): nothing was counted.
    SlotChanged,
}

/// Claims one PIN attempt in one `BEGIN IMMEDIATE` transaction: refuses (`LockedOut`) while a
/// delay runs, otherwise counts the attempt and anchors its delay at `now_ms`, and commits — all
/// before the caller runs the KDF against `slot`.
pub(crate) fn claim(
    conn: &mut Connection,
    vault_id: &[u8; 16],
    (now_ms, wall_now_ms): (u64, u64),
    slot: &SlotRow,
) -> Result<Claim, VaultError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let state = storage::read_throttle(&tx)?;
    let (left, (anchor, wall_anchor)) = delay_state(
        state.failures,
        (state.anchor_ms, state.wall_anchor_ms),
        (now_ms, wall_now_ms),
    );
    if left > 0 {
        if (anchor, wall_anchor) != (state.anchor_ms, state.wall_anchor_ms) {
            // A count starts over in full (reboot, clock set back): remember from when.
            storage::write_throttle(
                &tx,
                ThrottleRow {
                    anchor_ms: anchor,
                    wall_anchor_ms: wall_anchor,
                    ..state
                },
            )?;
            tx.commit()?;
        }
        return Err(VaultError::LockedOut {
            seconds_left: left.div_ceil(1000),
        });
    }
    match storage::read_pin_slot(&tx, vault_id)? {
        None => return Err(VaultError::Erased),
        Some(current) if current.salt != slot.salt || current.wrapped_key != slot.wrapped_key => {
            return Ok(Claim::SlotChanged);
        }
        Some(_) => {}
    }
    let failures = state.failures.saturating_add(1);
    storage::write_throttle(
        &tx,
        ThrottleRow {
            failures,
            anchor_ms: Some(now_ms),
            wall_anchor_ms: Some(wall_now_ms),
        },
    )?;
    tx.commit()?;
    Ok(Claim::Granted { failures })
}

/// The PIN was right: the count starts again from zero.
pub(crate) fn succeeded(conn: &Connection) -> Result<(), VaultError> {
    storage::write_throttle(
        conn,
        ThrottleRow {
            failures: 0,
            anchor_ms: None,
            wall_anchor_ms: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule() {
        let delays: Vec<u64> = (1..=11).map(delay_after).collect();
        assert_eq!(delays, [0, 0, 0, 0, 60, 300, 900, 900, 3600, 3600, 3600]);
        assert_eq!(attempts_before_delay(0), 5);
        assert_eq!(attempts_before_delay(1), 4);
        assert_eq!(attempts_before_delay(4), 1);
        assert_eq!(attempts_before_delay(5), 0);
        assert_eq!(attempts_before_delay(u32::MAX), 0);
        assert_eq!(remaining_millis(5, 1_000, 1_000), 60_000);
        assert_eq!(remaining_millis(5, 1_000, 60_999), 1);
        assert_eq!(remaining_millis(5, 1_000, 61_000), 0);
        assert_eq!(remaining_millis(3, 1_000, 1_000), 0);
    }

    #[test]
    fn delays_continue_restart_in_full_and_never_shorten() {
        let w = 1_700_000_000_000;
        // Another process on the same boot continues the countdown (both clocks moved alike).
        assert_eq!(
            delay_state(5, (Some(10_000), Some(w)), (40_000, w + 30_000)),
            (30_000, (Some(10_000), Some(w)))
        );
        assert_eq!(
            delay_state(5, (Some(10_000), Some(w)), (70_000, w + 60_000)).0,
            0
        );
        // A clock before the anchor (reboot): the full delay from now, re-anchored.
        assert_eq!(
            delay_state(5, (Some(10_000), Some(w)), (5_000, w)).1,
            (Some(5_000), Some(w))
        );
        assert_eq!(
            delay_state(5, (Some(10_000), Some(w)), (5_000, w)).0,
            60_000
        );
        // No anchor stored (a vault from before v3): the full delay from now.
        assert_eq!(
            delay_state(9, (None, None), (7, w)),
            (3_600_000, (Some(7), Some(w)))
        );
        // No delay due.
        assert_eq!(
            delay_state(2, (Some(99), None), (0, w)),
            (0, (Some(99), None))
        );
        // Hostile values saturate instead of overflowing.
        assert_eq!(
            delay_state(u32::MAX, (Some(0), Some(0)), (u64::MAX, u64::MAX)).0,
            0
        );
        assert_eq!(delay_state(5, (Some(u64::MAX), None), (0, w)).0, 60_000);
    }

    #[test]
    fn a_delay_ends_only_when_both_clocks_have_moved_on() {
        let w = 1_700_000_000_000;
        // The boot clock moved an hour (a time namespace), the wall clock 10 s: 50 s left.
        assert_eq!(
            delay_state(5, (Some(1_000), Some(w)), (3_601_000, w + 10_000)).0,
            50_000
        );
        // The wall clock moved an hour (set forward), the boot clock 10 s: 50 s left.
        assert_eq!(
            delay_state(5, (Some(1_000), Some(w)), (11_000, w + 3_600_000)).0,
            50_000
        );
        // The wall clock set back before the anchor: counted in full from now.
        assert_eq!(
            delay_state(5, (Some(1_000), Some(w)), (61_000, w - 5_000)),
            (60_000, (Some(1_000), Some(w - 5_000)))
        );
    }
}
