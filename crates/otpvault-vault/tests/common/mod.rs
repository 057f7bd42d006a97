//! Helpers shared by the vault tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use otpvault_codes::{Algorithm, Format, Generator, ManualClock, Secret};
use otpvault_vault::{CreateOptions, OpenOptions, Pin, UnlockPolicy, Vault};

/// The PIN of every test vault.
pub const PIN: &str = "13579";
/// A wrong PIN.
pub const WRONG: &str = "24680";
/// Low KDF cost so tests can unlock thousands of times (test-support builds only).
pub const TEST_ITERATIONS: u32 = 1_000;
/// A fixed wall-clock start: 2023-11-14.
pub const T0: u64 = 1_700_000_000;

pub fn pin(text: &str) -> Pin {
    Pin::new(text).unwrap()
}

pub fn clock() -> ManualClock {
    ManualClock::new(T0)
}

pub fn create_options(policy: UnlockPolicy, clock: &ManualClock) -> CreateOptions {
    let mut options = CreateOptions::new(policy).insecure_min_iterations(1);
    options.kdf_iterations = Some(TEST_ITERATIONS);
    options.clock = Arc::new(clock.clone());
    options
}

pub fn open_options(clock: &ManualClock) -> OpenOptions {
    let mut options = OpenOptions::default().insecure_min_iterations(1);
    options.clock = Arc::new(clock.clone());
    options
}

pub fn create(path: &Path, policy: UnlockPolicy, clock: &ManualClock) -> Vault {
    Vault::create(path, PIN, create_options(policy, clock)).unwrap()
}

pub fn reopen(path: &Path, clock: &ManualClock) -> Vault {
    Vault::open(path, open_options(clock)).unwrap()
}

pub fn vault_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("vault.db")
}

/// The expected TOTP code computed directly (independently of the vault).
pub fn expected_totp(
    secret_base32: &str,
    algorithm: Algorithm,
    digits: u8,
    unix: u64,
    period: u32,
) -> String {
    let secret = Secret::from_base32(secret_base32).unwrap();
    Generator::new(&secret, algorithm, Format::Decimal(digits))
        .unwrap()
        .totp(unix, period)
        .value
        .to_string()
}

/// A 20-byte secret derived from a number, as base32 (for tokens whose content a test re-derives).
pub fn numbered_secret(n: u64) -> String {
    // `n` itself in the first 8 bytes: distinct numbers give distinct secrets (the vault refuses
    // a second copy of a token).
    let mut bytes: Vec<u8> = (0..20u64)
        .map(|i| (n.wrapping_mul(31).wrapping_add(i * 7) % 251) as u8 ^ 0x5a)
        .collect();
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    Secret::from_bytes(bytes).unwrap().to_base32().to_string()
}
