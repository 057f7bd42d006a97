//! Crash safety: a child process that adds, renames and removes tokens is killed with SIGKILL at
//! random moments, again and again; after each kill the vault must open, pass SQLite's integrity
//! check, unlock, and hold every token either wholly or not at all (each token's secret is derived
//! from the number in its name, so a torn write would show as a wrong code). A second part kills
//! a child during the PIN check and proves the attempt was already counted.
//!
//! Further parts race child processes against one file: 16 processes guessing PINs get exactly
//! the attempts the schedule allows, 8 processes drawing one HOTP token get 8 distinct codes, and
//! a PIN change killed at random moments leaves either the old or the new PIN working.
//!
//! A custom harness: the same binary is the parent and, with `--child`, the child.
//! `OTPVAULT_CRASH_ROUNDS` sets the number of kills (default 200).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use otpvault_codes::{Algorithm, TokenParams};
use otpvault_vault::{UnlockPolicy, Vault};

/// KDF cost for the PIN-check part: long enough that the kill lands inside the KDF.
const SLOW_ITERATIONS: u32 = 3_000_000;

/// Adds token `n`: its secret and names are derived from `n`, so `verify` can check it whole.
/// A number drawn again is already there (the vault refuses the copy): nothing to add.
fn add_numbered(vault: &Vault, n: u64) {
    let added = vault.add_typed(
        None,
        &numbered_secret(n),
        TokenParams {
            issuer: format!("issuer-{n}"),
            account: format!("{n}"),
            ..TokenParams::default()
        },
    );
    match added {
        Ok(_) | Err(otpvault_vault::VaultError::Duplicate { .. }) => {}
        Err(err) => panic!("{err}"),
    }
}

fn child_edit(path: &Path, seed: u64) {
    let clock = clock();
    let vault = reopen(path, &clock);
    vault.unlock(&pin(PIN)).unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    let mut state = seed | 1;
    let mut next = || {
        // xorshift64: deterministic per seed, no dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    loop {
        let roll = next() % 10;
        let tokens = vault.list(None).unwrap();
        // Keep the vault between 3 and 150 tokens so that every round does every kind of edit.
        let roll = if tokens.len() < 3 {
            0
        } else if tokens.len() > 150 {
            9
        } else {
            roll
        };
        if roll < 5 {
            add_numbered(&vault, next() % 1_000_000);
        } else if roll < 8 {
            let token = &tokens[(next() % tokens.len() as u64) as usize];
            let round = next() % 100;
            vault
                .rename(None, token.id, &format!("renamed-{round}"), &token.account)
                .unwrap();
        } else {
            let token = &tokens[(next() % tokens.len() as u64) as usize];
            vault.remove(None, token.id).unwrap();
        }
    }
}

fn child_wrong_pin(path: &Path) {
    let vault = Vault::open(path, open_options(&clock())).unwrap();
    println!("begin");
    std::io::stdout().flush().unwrap();
    let result = vault.unlock(&pin(WRONG));
    println!("done {result:?}");
    std::io::stdout().flush().unwrap();
}

/// The PIN a PIN-change child alternates with [`PIN`].
const ALT: &str = "11235";

fn child_change_pin(path: &Path) {
    let vault = reopen(path, &clock());
    println!("ready");
    std::io::stdout().flush().unwrap();
    let (mut current, mut next) = (PIN, ALT);
    loop {
        vault.change_pin(&pin(current), next).unwrap();
        std::mem::swap(&mut current, &mut next);
    }
}

/// Waits for the parent's go file, so that every child starts its attempt at the same moment.
fn wait_for_go(go: &Path) {
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn child_race_wrong_pin(path: &Path, go: &Path) {
    let vault = Vault::open(path, open_options(&clock())).unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    wait_for_go(go);
    println!("done {:?}", vault.unlock(&pin(WRONG)));
    std::io::stdout().flush().unwrap();
}

fn child_race_hotp(path: &Path, go: &Path) {
    let vault = Vault::open(path, open_options(&clock())).unwrap();
    vault.unlock(&pin(PIN)).unwrap();
    let id = vault.list(None).unwrap()[0].id;
    println!("ready");
    std::io::stdout().flush().unwrap();
    wait_for_go(go);
    let code = vault.next_hotp(None, id).unwrap();
    println!("done {} {}", code.counter, code.value);
    std::io::stdout().flush().unwrap();
}

/// Starts `n` children of `mode`, lets them go at once, and returns their last lines.
fn race_children(mode: &str, path: &Path, n: usize) -> Vec<String> {
    let go = path.with_extension("go");
    let _ = std::fs::remove_file(&go);
    let mut children: Vec<_> = (0..n)
        .map(|_| {
            let mut child = spawn_child(&[mode, path.to_str().unwrap(), go.to_str().unwrap()]);
            let mut out = BufReader::new(child.stdout.take().unwrap());
            wait_for_line(&mut out, "ready");
            (child, out)
        })
        .collect();
    std::fs::write(&go, b"go").unwrap();
    children
        .iter_mut()
        .map(|(child, out)| {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            child.wait().unwrap();
            line.trim().to_owned()
        })
        .collect()
}

fn processes_race_the_throttle(dir: &Path) -> Result<String, String> {
    let path = dir.join("race.db");
    drop(create(&path, UnlockPolicy::FiveMinutes, &clock()));
    let lines = race_children("race-wrong-pin", &path, 16);
    let wrong = lines.iter().filter(|l| l.contains("WrongPin")).count();
    let locked = lines.iter().filter(|l| l.contains("LockedOut")).count();
    if (wrong, locked) != (5, 11) {
        return Err(format!(
            "16 processes: {wrong} PINs checked, {locked} locked out ({lines:?})"
        ));
    }
    Ok("16 processes guessing at once: 5 PINs checked (the schedule), 11 locked out".into())
}

fn processes_race_hotp(dir: &Path) -> Result<String, String> {
    let path = dir.join("hotp.db");
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock());
    vault
        .add_uri(
            None,
            "otpauth://hotp/Bank:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0",
        )
        .unwrap();
    drop(vault);
    let lines = race_children("race-hotp", &path, 8);
    let mut codes: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').nth(2)).collect();
    let mut counters: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.split(' ').nth(1)?.parse().ok())
        .collect();
    counters.sort_unstable();
    codes.sort_unstable();
    codes.dedup();
    if counters != (0..8).collect::<Vec<u64>>() || codes.len() != 8 {
        return Err(format!("8 processes drew {lines:?}"));
    }
    Ok("8 processes drawing one HOTP token at once: counters 0..7, 8 distinct codes".into())
}

fn kill_during_pin_change(dir: &Path, rounds: u64) -> Result<String, String> {
    let path = dir.join("change.db");
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock());
    for n in 0..5 {
        add_numbered(&vault, n);
    }
    drop(vault);
    let (mut old_pin, mut new_pin) = (0, 0);
    for round in 0..rounds {
        let mut child = spawn_child(&["change-pin", path.to_str().unwrap()]);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        wait_for_line(&mut out, "ready");
        std::thread::sleep(random_delay(round));
        child.kill().unwrap();
        child.wait().unwrap();
        let vault = reopen(&path, &clock());
        if !vault.integrity_ok().unwrap() {
            return Err(format!("round {round}: integrity_check failed"));
        }
        match vault.unlock(&pin(PIN)) {
            Ok(_) => old_pin += 1,
            Err(otpvault_vault::VaultError::WrongPin { .. }) => {
                vault
                    .unlock(&pin(ALT))
                    .map_err(|e| format!("round {round}: neither PIN works ({e:?})"))?;
                new_pin += 1;
                // Back to the PIN every child starts from.
                vault.change_pin(&pin(ALT), PIN).unwrap();
            }
            Err(err) => return Err(format!("round {round}: {err:?}")),
        }
        if vault.list(None).unwrap().len() != 5 || !vault.status().damaged_tokens.is_empty() {
            return Err(format!("round {round}: tokens lost or damaged"));
        }
        drop(vault);
        verify(&path);
    }
    Ok(format!(
        "{rounds} SIGKILLs during PIN changes: one PIN always worked (PIN {old_pin}×, other PIN {new_pin}×), tokens intact"
    ))
}

fn spawn_child(args: &[&str]) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn wait_for_line(reader: &mut impl BufRead, expected: &str) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), expected, "child said {line:?}");
}

fn verify(path: &Path) -> usize {
    let clock = clock();
    let vault = reopen(path, &clock);
    assert!(vault.integrity_ok().unwrap(), "integrity_check failed");
    vault.unlock(&pin(PIN)).unwrap();
    assert!(
        vault.status().damaged_tokens.is_empty(),
        "a token row is damaged"
    );
    let tokens = vault.list(None).unwrap();
    for token in &tokens {
        let n: u64 = token.account.parse().unwrap();
        assert!(
            token.issuer == format!("issuer-{n}") || token.issuer.starts_with("renamed-"),
            "token {n} has a torn name"
        );
        let expected = expected_totp(&numbered_secret(n), Algorithm::Sha1, 6, T0, 30);
        assert_eq!(
            vault.code(None, token.id, T0).unwrap().value,
            expected,
            "token {n} has a torn secret"
        );
    }
    tokens.len()
}

fn random_delay(round: u64) -> Duration {
    // 20–120 ms after the child is ready: spread over many different points of its work.
    let mixed = round.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    Duration::from_millis(20 + mixed % 100)
}

fn kill_during_edits(dir: &Path, rounds: u64) -> Result<String, String> {
    let path = dir.join("edits.db");
    drop(create(&path, UnlockPolicy::TenMinutes, &clock()));
    let start = Instant::now();
    let mut max_tokens = 0;
    for round in 0..rounds {
        let mut child = spawn_child(&["edit", path.to_str().unwrap(), &round.to_string()]);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        wait_for_line(&mut out, "ready");
        std::thread::sleep(random_delay(round));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        max_tokens = max_tokens.max(verify(&path));
    }
    Ok(format!(
        "{rounds} SIGKILLs during edits: vault intact every time (up to {max_tokens} tokens, {:.1} s)",
        start.elapsed().as_secs_f64()
    ))
}

fn kill_during_pin_check(dir: &Path) -> Result<String, String> {
    let path: PathBuf = dir.join("pin.db");
    let clock = clock();
    let mut options = create_options(UnlockPolicy::FiveMinutes, &clock);
    options.kdf_iterations = Some(SLOW_ITERATIONS);
    drop(Vault::create(&path, PIN, options).unwrap());
    for attempt in 1..=3u32 {
        let mut child = spawn_child(&["wrong-pin", path.to_str().unwrap()]);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        wait_for_line(&mut out, "begin");
        std::thread::sleep(Duration::from_millis(400));
        child.kill().unwrap();
        child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        if rest.contains("done") {
            return Err(format!(
                "the PIN check finished before the kill ({rest:?}): raise SLOW_ITERATIONS"
            ));
        }
        let vault = Vault::open(&path, open_options(&clock)).unwrap();
        let failures = vault.status().failed_attempts;
        if failures != attempt {
            return Err(format!(
                "after {attempt} killed checks the vault counts {failures} failures"
            ));
        }
    }
    Ok("3 SIGKILLs during the PIN check: each attempt was already counted".into())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        match args.get(2).map(String::as_str) {
            Some("edit") => child_edit(Path::new(&args[3]), args[4].parse().unwrap()),
            Some("wrong-pin") => child_wrong_pin(Path::new(&args[3])),
            Some("change-pin") => child_change_pin(Path::new(&args[3])),
            Some("race-wrong-pin") => {
                child_race_wrong_pin(Path::new(&args[3]), Path::new(&args[4]))
            }
            Some("race-hotp") => child_race_hotp(Path::new(&args[3]), Path::new(&args[4])),
            other => panic!("unknown child mode {other:?}"),
        }
        return;
    }
    // `cargo test` passes filters and flags such as --nocapture; this harness ignores them.
    let rounds: u64 = std::env::var("OTPVAULT_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let results = [
        kill_during_edits(dir.path(), rounds),
        kill_during_pin_check(dir.path()),
        kill_during_pin_change(dir.path(), rounds.div_ceil(4)),
        processes_race_the_throttle(dir.path()),
        processes_race_hotp(dir.path()),
    ];
    let mut failed = 0;
    for result in &results {
        match result {
            Ok(message) => println!("ok: {message}"),
            Err(message) => {
                println!("FAILED: {message}");
                failed += 1;
            }
        }
    }
    println!("crash: {} passed, {failed} failed", results.len() - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
