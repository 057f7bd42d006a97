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
//! The count is stored in the vault file and written durably *before* the PIN is checked, so
//! killing the app during the check still counts the attempt; it resets on success. Delays run on
//! the monotonic clock; after a restart the current delay starts over in full (never shorter),
//! because a monotonic origin does not survive a restart and the wall clock cannot be trusted.

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
}
