//! Time sources: wall time for codes, monotonic time for timeouts and throttling.
//!
//! Codes are always computed for an explicit Unix time; the [`Clock`] trait supplies it, so apps
//! and tests can inject their own. Timeouts (the 5/10-minute unlock session, PIN delays) run on the
//! clock's **monotonic** milliseconds, so moving the wall clock never shortens a delay; a session
//! also ends when the wall clock says its time is up (moving it back never extends one).
//!
//! The monotonic clock must count from boot and keep counting while the device sleeps, and every
//! process must read the same one: Linux/Android `CLOCK_BOOTTIME` (Android's
//! `SystemClock.elapsedRealtime()`), Apple's `CLOCK_MONOTONIC` (`mach_continuous_time`; *not*
//! `ProcessInfo.systemUptime` or `CLOCK_UPTIME_RAW`, which stop during sleep). [`SystemClock`]
//! reads exactly those. A clock that stops during sleep would let a 5-minute session last hours;
//! one private to a process would let every new process start the PIN delay over. A [`TimeCorrection`] is the offset, in seconds, added to the wall clock for devices
//! whose clock is wrong (see [`crate::otp::Generator::estimate_offset`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
use std::time::Instant;
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest clock correction accepted, either way: a century, enough for a device whose clock
/// restarted at 1970; a larger value is a mistake or an attack (the codes of Unix time 0).
pub const MAX_TIME_OFFSET_SECONDS: u64 = 100 * 366 * 86_400;

/// True when `seconds` is an acceptable clock correction ([`MAX_TIME_OFFSET_SECONDS`] either way).
pub fn time_offset_in_range(seconds: i64) -> bool {
    seconds.unsigned_abs() <= MAX_TIME_OFFSET_SECONDS
}

/// `unix_seconds` as an ISO-8601 UTC time, `2023-11-14T22:13:20Z` (for people: expiries, logs).
pub fn iso8601_utc(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let rest = unix_seconds % 86_400;
    // The proleptic Gregorian calendar counted in 400-year eras of 146,097 days, from 0000-03-01
    // so that the leap day ends each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// A source of wall and monotonic time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch according to the device's wall clock.
    fn wall_seconds(&self) -> u64;
    /// Milliseconds since boot, counting sleep, the same in every process of the device; never
    /// goes backwards and ignores wall-clock changes (Android's `SystemClock.elapsedRealtime()`,
    /// Apple's `clock_gettime_nsec_np(CLOCK_MONOTONIC) / 1_000_000`, Linux `CLOCK_BOOTTIME`).
    fn monotonic_millis(&self) -> u64;
    /// Milliseconds since the Unix epoch by the wall clock (a time request's send time); by
    /// default the whole seconds.
    fn wall_millis(&self) -> u64 {
        self.wall_seconds().saturating_mul(1000)
    }
}

/// The operating system's clocks: the wall clock, and the boot-time clock that counts sleep
/// (`CLOCK_BOOTTIME` on Linux and Android, `CLOCK_MONOTONIC` on Apple platforms, where it counts
/// sleep too). On other systems the monotonic clock falls back to [`std::time::Instant`], which may stop
/// during sleep and starts from zero in every process.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    origin: Instant,
}

impl SystemClock {
    /// The system clock.
    pub fn new() -> Self {
        Self {
            #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn wall_seconds(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn wall_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    fn monotonic_millis(&self) -> u64 {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let id = rustix::time::ClockId::Boottime;
        #[cfg(target_vendor = "apple")]
        let id = rustix::time::ClockId::Monotonic;
        let now = rustix::time::clock_gettime(id);
        let seconds = u64::try_from(now.tv_sec).unwrap_or(0);
        let millis = u64::try_from(now.tv_nsec / 1_000_000).unwrap_or(0);
        seconds.saturating_mul(1000).saturating_add(millis)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    fn monotonic_millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A clock moved by hand, for tests and simulations. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    wall: Arc<AtomicU64>,
    monotonic: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at the given wall time and monotonic 0.
    pub fn new(wall_seconds: u64) -> Self {
        let clock = Self::default();
        clock.wall.store(wall_seconds, Ordering::SeqCst);
        clock
    }

    /// Moves both clocks forward by `millis` (the wall clock by whole seconds elapsed).
    pub fn advance_millis(&self, millis: u64) {
        let before = self.monotonic.fetch_add(millis, Ordering::SeqCst);
        let whole_seconds = (before + millis) / 1000 - before / 1000;
        self.wall.fetch_add(whole_seconds, Ordering::SeqCst);
    }

    /// Moves both clocks forward by whole seconds.
    pub fn advance_seconds(&self, seconds: u64) {
        self.advance_millis(seconds.saturating_mul(1000));
    }

    /// Sets the wall clock only (the user changing the device time).
    pub fn set_wall_seconds(&self, seconds: u64) {
        self.wall.store(seconds, Ordering::SeqCst);
    }

    /// Moves the boot clock only (what a time namespace does to the processes inside it).
    pub fn advance_boot_millis(&self, millis: u64) {
        self.monotonic.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn wall_seconds(&self) -> u64 {
        self.wall.load(Ordering::SeqCst)
    }

    fn monotonic_millis(&self) -> u64 {
        self.monotonic.load(Ordering::SeqCst)
    }
}

/// A correction in seconds added to the wall clock before computing TOTP codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeCorrection {
    /// Seconds to add (negative when the device clock runs ahead).
    pub offset_seconds: i64,
}

impl TimeCorrection {
    /// Applies the correction, saturating at 0 and `u64::MAX`.
    pub fn apply(self, wall_seconds: u64) -> u64 {
        if self.offset_seconds >= 0 {
            wall_seconds.saturating_add(self.offset_seconds.unsigned_abs())
        } else {
            wall_seconds.saturating_sub(self.offset_seconds.unsigned_abs())
        }
    }

    /// The corrected current time of `clock`.
    pub fn now(self, clock: &dyn Clock) -> u64 {
        self.apply(clock.wall_seconds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_utc_names_the_calendar_day() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_utc(59), "1970-01-01T00:00:59Z");
        assert_eq!(iso8601_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_utc(1_111_111_109), "2005-03-18T01:58:29Z");
        assert_eq!(iso8601_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso8601_utc(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(iso8601_utc(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(iso8601_utc(20_000_000_000), "2603-10-11T11:33:20Z");
    }

    #[test]
    fn manual_clock_moves_both_clocks() {
        let clock = ManualClock::new(1_000);
        clock.advance_millis(1_500);
        assert_eq!(clock.monotonic_millis(), 1_500);
        assert_eq!(clock.wall_seconds(), 1_001);
        clock.advance_millis(600);
        assert_eq!(clock.wall_seconds(), 1_002);
        clock.set_wall_seconds(5);
        assert_eq!(clock.monotonic_millis(), 2_100);
    }

    #[test]
    fn correction_saturates() {
        let plus = TimeCorrection { offset_seconds: 90 };
        let minus = TimeCorrection {
            offset_seconds: -90,
        };
        assert_eq!(plus.apply(10), 100);
        assert_eq!(minus.apply(10), 0);
        assert_eq!(plus.apply(u64::MAX), u64::MAX);
        let clock = ManualClock::new(1_000);
        assert_eq!(minus.now(&clock), 910);
    }

    #[test]
    fn system_clock_is_sane() {
        let clock = SystemClock::new();
        // 2020-01-01: any machine running this has a later clock.
        assert!(clock.wall_seconds() > 1_577_836_800);
        let a = clock.monotonic_millis();
        assert!(clock.monotonic_millis() >= a);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn system_monotonic_clock_is_the_boot_clock_shared_by_processes() {
        // /proc/uptime is seconds since boot including sleep: CLOCK_BOOTTIME's own source.
        let uptime: f64 = std::fs::read_to_string("/proc/uptime")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let ours = SystemClock::new().monotonic_millis() as f64 / 1000.0;
        assert!((ours - uptime).abs() < 5.0, "{ours} vs {uptime}");
        // Two clock objects (two processes' worth) agree: there is no per-object origin.
        let (a, b) = (SystemClock::new(), SystemClock::new());
        assert!(b.monotonic_millis().abs_diff(a.monotonic_millis()) < 1000);
    }
}
