//! Opens arbitrary bytes as a vault file (any SQLite tool can write one), then reads its status,
//! unlocks it with the seed vaults' PIN and lists and computes codes: it must never panic,
//! whatever the file holds. Files live in a tmpfs directory when there is one (speed).
#![no_main]

use std::path::PathBuf;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use otpvault_codes::ManualClock;
use otpvault_vault::{OpenOptions, Pin, Vault};

fn scratch() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let base = if shm.is_dir() { shm } else { std::env::temp_dir() };
    base.join(format!("otpvault-fuzz-{}.db", std::process::id()))
}

fn remove(path: &PathBuf) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    remove(&path);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let mut options = OpenOptions::default().insecure_min_iterations(1);
    options.clock = Arc::new(ManualClock::new(1_700_000_000));
    if let Ok(vault) = Vault::open(&path, options) {
        let _ = vault.status();
        if let Ok(pin) = Pin::new("13579") {
            if vault.unlock(&pin).is_ok() {
                let _ = vault.list(None);
                let _ = vault.codes(None, 1_700_000_000);
                let _ = vault.status();
            }
        }
    }
    remove(&path);
});
