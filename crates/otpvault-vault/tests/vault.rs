//! Behaviour of the vault: tokens, policies and timeouts, throttling, device key, persistence,
//! durability, concurrency, and what the file reveals.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::sync::Arc;

use common::*;
use otpvault_codes::{Algorithm, ManualClock, OtpKind, TokenParams};
use otpvault_vault::{KeyProtector, ProtectorError, StorageKind, UnlockPolicy, Vault, VaultError};

const RFC_URI: &str = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8";

#[test]
fn create_add_list_code_rename_reorder_remove_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    assert!(
        vault.status().unlocked,
        "creating with a timed policy opens a session"
    );

    let acme = vault.add_uri(None, RFC_URI).unwrap();
    assert_eq!(
        (acme.issuer.as_str(), acme.account.as_str()),
        ("ACME Co", "alice@example.com")
    );
    assert_eq!(acme.kind, OtpKind::Totp { period: 30 });
    // RFC 6238 Appendix B, SHA1, T = 59.
    assert_eq!(vault.code(None, acme.id, 59).unwrap().value, "94287082");

    let typed = vault
        .add_typed(
            None,
            "jbsw y3dp ehpk 3pxp",
            TokenParams {
                issuer: "GitHub".into(),
                account: "octo".into(),
                algorithm: Algorithm::Sha256,
                digits: 6,
                kind: OtpKind::Totp { period: 60 },
            },
        )
        .unwrap();
    assert!(typed.weak_secret, "an 80-bit secret is flagged weak");
    let expected = expected_totp("JBSWY3DPEHPK3PXP", Algorithm::Sha256, 6, T0, 60);
    assert_eq!(vault.code(None, typed.id, T0).unwrap().value, expected);

    let steam = vault
        .add_uri(None, "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        .unwrap();
    let sheet = vault.codes(None, T0).unwrap();
    // Each period once, in the order its first token is displayed; the codes aligned with list().
    assert_eq!(
        sheet.periods.iter().map(|p| p.period).collect::<Vec<_>>(),
        [30, 60]
    );
    assert_eq!(sheet.values.len(), 3);
    assert_eq!(sheet.values[2].len(), 5, "the Steam code");
    let entries = vault.entries(None, T0).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.info.id).collect::<Vec<_>>(),
        [acme.id, typed.id, steam.id]
    );
    for (entry, value) in entries.iter().zip(&sheet.values) {
        let code = entry.code.as_ref().unwrap();
        assert_eq!(code.value, *value);
        let state = sheet.period(code.period).unwrap();
        assert_eq!(
            (state.step, state.step_start, state.seconds_left),
            (code.step, code.step_start, code.seconds_left)
        );
    }
    // The revision moves with the list, and only with it.
    let revision = sheet.revision;
    assert_eq!(vault.codes(None, T0 + 100).unwrap().revision, revision);
    let hotp = vault
        .add_uri(None, "otpauth://hotp/H:h?secret=JBSWY3DPEHPK3PXP&counter=0")
        .unwrap();
    let sheet = vault.codes(None, T0).unwrap();
    assert_ne!(sheet.revision, revision);
    assert_eq!(sheet.values[3], "", "no time code for HOTP");
    let revision = sheet.revision;
    vault.remove(None, hotp.id).unwrap();
    assert_ne!(vault.codes(None, T0).unwrap().revision, revision);

    vault
        .rename(None, typed.id, "GitHub Inc", "octocat")
        .unwrap();
    vault.reorder(None, &[steam.id, typed.id, acme.id]).unwrap();
    assert_eq!(
        vault.reorder(None, &[steam.id, acme.id]),
        Err(VaultError::NotFound)
    );
    vault.remove(None, steam.id).unwrap();
    assert_eq!(vault.remove(None, steam.id), Err(VaultError::NotFound));
    assert_eq!(vault.code(None, 999, T0), Err(VaultError::NotFound));
    assert!(matches!(
        vault.add_uri(None, "otpauth://totp/x?secret=01"),
        Err(VaultError::InvalidToken(_))
    ));
    assert!(matches!(
        vault.add_typed(None, "0000", TokenParams::default()),
        Err(VaultError::InvalidSecret(_))
    ));
    drop(vault);

    let vault = reopen(&path, &clock);
    assert!(!vault.status().unlocked);
    assert_eq!(vault.list(None), Err(VaultError::Locked));
    let info = vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(info.policy, UnlockPolicy::FiveMinutes);
    assert_eq!(info.session_seconds, Some(300));
    let listed = vault.list(None).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|t| (t.issuer.as_str(), t.account.as_str()))
            .collect::<Vec<_>>(),
        [("GitHub Inc", "octocat"), ("ACME Co", "alice@example.com")]
    );
    assert_eq!(vault.code(None, acme.id, 59).unwrap().value, "94287082");
    assert!(vault.integrity_ok().unwrap());
}

#[test]
fn every_code_policy_serves_one_call_per_pin_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::EveryCode, &clock);
    assert!(!vault.status().unlocked);
    assert_eq!(vault.add_uri(None, RFC_URI), Err(VaultError::Locked));
    let id = vault.add_uri(Some(&pin(PIN)), RFC_URI).unwrap().id;
    assert!(!vault.status().unlocked);
    assert_eq!(vault.code(None, id, 59), Err(VaultError::Locked));
    assert_eq!(
        vault.code(Some(&pin(PIN)), id, 59).unwrap().value,
        "94287082"
    );
    assert!(!vault.status().unlocked);
    // An unlock serves the next call, and only that one.
    let info = vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(
        info,
        otpvault_vault::UnlockInfo {
            policy: UnlockPolicy::EveryCode,
            session_seconds: None
        }
    );
    assert!(vault.status().unlocked);
    assert_eq!(vault.status().session_seconds_left, Some(30));
    assert_eq!(vault.code(None, id, 59).unwrap().value, "94287082");
    assert!(!vault.status().unlocked);
    assert_eq!(vault.codes(None, 59), Err(VaultError::Locked));
    // ...within 30 s of the unlock, on either clock.
    vault.unlock(&pin(PIN)).unwrap();
    clock.advance_seconds(30);
    assert!(!vault.status().unlocked);
    assert_eq!(vault.codes(None, 59), Err(VaultError::Locked));
    vault.unlock(&pin(PIN)).unwrap();
    clock.set_wall_seconds(otpvault_codes::Clock::wall_seconds(&clock) + 31);
    assert_eq!(vault.list(None), Err(VaultError::Locked));
    // ...and lock() ends it at once.
    vault.unlock(&pin(PIN)).unwrap();
    vault.lock();
    assert_eq!(vault.list(None), Err(VaultError::Locked));
    assert_eq!(
        vault.code(Some(&pin(WRONG)), id, 59),
        Err(VaultError::WrongPin {
            attempts_before_delay: 4
        })
    );
}

#[test]
fn sessions_end_five_and_ten_minutes_after_unlock_on_the_monotonic_clock() {
    for (policy, minutes) in [
        (UnlockPolicy::FiveMinutes, 5u64),
        (UnlockPolicy::TenMinutes, 10),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = vault_path(&dir);
        let clock = clock();
        let id = {
            let vault = create(&path, policy, &clock);
            vault.add_uri(None, RFC_URI).unwrap().id
        };
        let vault = reopen(&path, &clock);
        vault.unlock(&pin(PIN)).unwrap();
        let t = minutes * 60;
        // Using the vault does not extend the session, and the wall clock moving back a day
        // does not either.
        clock.advance_seconds(t - 1);
        clock.set_wall_seconds(T0 - 86_400);
        assert!(
            vault.code(None, id, T0).is_ok(),
            "{minutes} min: unlocked at T-1 s"
        );
        assert_eq!(vault.status().session_seconds_left, Some(1));
        clock.advance_seconds(2);
        assert_eq!(
            vault.code(None, id, T0),
            Err(VaultError::Locked),
            "{minutes} min: locked at T+1 s"
        );
        assert!(!vault.status().unlocked);
        // lock() ends a session at once.
        vault.unlock(&pin(PIN)).unwrap();
        vault.lock();
        assert_eq!(vault.codes(None, T0), Err(VaultError::Locked));
    }
}

#[test]
fn policy_change_needs_the_pin_and_takes_effect() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::TenMinutes, &clock);
    assert!(matches!(
        vault.set_policy(&pin(WRONG), UnlockPolicy::FiveMinutes),
        Err(VaultError::WrongPin { .. })
    ));
    vault
        .set_policy(&pin(PIN), UnlockPolicy::FiveMinutes)
        .unwrap();
    assert_eq!(vault.status().policy, Some(UnlockPolicy::FiveMinutes));
    clock.advance_seconds(301);
    assert!(
        !vault.status().unlocked,
        "the session follows the new, shorter policy"
    );
    vault
        .set_policy(&pin(PIN), UnlockPolicy::EveryCode)
        .unwrap();
    assert!(!vault.status().unlocked);
    drop(vault);
    let vault = reopen(&path, &clock);
    assert_eq!(
        vault.unlock(&pin(PIN)).unwrap().policy,
        UnlockPolicy::EveryCode
    );
}

#[test]
fn full_throttling_schedule_on_the_monotonic_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    drop(create(&path, UnlockPolicy::FiveMinutes, &clock));
    let vault = reopen(&path, &clock);
    let wrong = pin(WRONG);
    for left in [4, 3, 2, 1] {
        assert_eq!(
            vault.unlock(&wrong),
            Err(VaultError::WrongPin {
                attempts_before_delay: left
            })
        );
    }
    // Failure 5 starts 1 minute, 6 → 5 minutes, 7 and 8 → 15 minutes, 9 and later → 1 hour.
    for (failure, delay) in [
        (5u32, 60u64),
        (6, 300),
        (7, 900),
        (8, 900),
        (9, 3600),
        (10, 3600),
        (11, 3600),
    ] {
        assert_eq!(
            vault.unlock(&wrong),
            Err(VaultError::WrongPin {
                attempts_before_delay: 0
            }),
            "failure {failure}"
        );
        assert_eq!(vault.status().failed_attempts, failure);
        // Refused at once, even with the right PIN, and not counted.
        assert_eq!(
            vault.unlock(&pin(PIN)),
            Err(VaultError::LockedOut {
                seconds_left: delay
            })
        );
        assert_eq!(vault.status().failed_attempts, failure);
        // Moving the wall clock a day ahead does not shorten the delay.
        clock.set_wall_seconds(T0 + 86_400 * u64::from(failure));
        clock.advance_seconds(delay - 1);
        assert_eq!(
            vault.unlock(&wrong),
            Err(VaultError::LockedOut { seconds_left: 1 })
        );
        assert_eq!(vault.status().locked_out_seconds, 1);
        clock.advance_seconds(1);
    }
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(
        vault.status().failed_attempts,
        0,
        "success resets the count"
    );
    assert_eq!(
        vault.unlock(&wrong),
        Err(VaultError::WrongPin {
            attempts_before_delay: 4
        })
    );
}

#[test]
fn delays_continue_across_instances_and_restart_in_full_only_after_a_reboot() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    drop(create(&path, UnlockPolicy::FiveMinutes, &clock));
    clock.advance_seconds(100);
    {
        let vault = reopen(&path, &clock);
        for _ in 0..5 {
            assert!(matches!(
                vault.unlock(&pin(WRONG)),
                Err(VaultError::WrongPin { .. })
            ));
        }
        clock.advance_seconds(50);
        assert_eq!(
            vault.unlock(&pin(PIN)),
            Err(VaultError::LockedOut { seconds_left: 10 })
        );
    }
    // A new instance (a new process) on the same boot continues the countdown.
    let vault = reopen(&path, &clock);
    assert_eq!(vault.status().failed_attempts, 5);
    assert_eq!(vault.status().locked_out_seconds, 10);
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 10 })
    );
    // A reboot: the boot clock starts again below the stored anchor, which cannot be told apart
    // from tampering, so the delay starts over in full, and is then remembered from there.
    let rebooted = ManualClock::new(T0 + 10_000);
    let vault = reopen(&path, &rebooted);
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 60 }),
        "never shorter"
    );
    rebooted.advance_seconds(30);
    assert_eq!(
        reopen(&path, &rebooted).unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 30 })
    );
    // The wall clock moved forward a day changes nothing.
    rebooted.set_wall_seconds(T0 + 200_000);
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::LockedOut { seconds_left: 30 })
    );
    rebooted.advance_seconds(30);
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.status().failed_attempts, 0);
}

#[test]
fn optional_erase_after_ten_failures() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    vault.add_uri(None, RFC_URI).unwrap();
    assert!(!vault.status().wipe_after_failures, "off by default");
    vault.set_wipe_after_failures(&pin(PIN), true).unwrap();
    for failure in 1..=10u32 {
        clock.advance_seconds(3600);
        let result = vault.unlock(&pin(WRONG));
        if failure < 10 {
            assert!(
                matches!(result, Err(VaultError::WrongPin { .. })),
                "{failure}: {result:?}"
            );
        } else {
            assert_eq!(result, Err(VaultError::Erased));
        }
    }
    assert!(vault.status().erased);
    assert!(!vault.status().unlocked);
    assert_eq!(vault.unlock(&pin(PIN)), Err(VaultError::Erased));
    drop(vault);
    let vault = reopen(&path, &clock);
    assert!(vault.status().erased);
    assert_eq!(vault.unlock(&pin(PIN)), Err(VaultError::Erased));
    let bytes = std::fs::read(&path).unwrap();
    assert!(!contains(&bytes, b"otpauth"), "sanity");
}

#[test]
fn pin_rules_and_pin_change() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    for (bad, err) in [
        ("12345", VaultError::WeakPin),
        ("77777", VaultError::WeakPin),
        ("1234", VaultError::InvalidPin),
        ("abcde", VaultError::InvalidPin),
    ] {
        let path = dir.path().join(format!("{bad}.db"));
        assert_eq!(
            Vault::create(
                &path,
                bad,
                create_options(UnlockPolicy::FiveMinutes, &clock)
            )
            .unwrap_err(),
            err
        );
        assert!(!path.exists(), "a refused creation leaves no file");
    }
    let path = vault_path(&dir);
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault.add_uri(None, RFC_URI).unwrap().id;
    assert_eq!(
        vault.change_pin(&pin(PIN), "98765"),
        Err(VaultError::WeakPin)
    );
    assert!(matches!(
        vault.change_pin(&pin(WRONG), "11235"),
        Err(VaultError::WrongPin { .. })
    ));
    vault.change_pin(&pin(PIN), "11235").unwrap();
    drop(vault);
    let vault = reopen(&path, &clock);
    assert!(matches!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::WrongPin { .. })
    ));
    vault.unlock(&pin("11235")).unwrap();
    assert_eq!(vault.code(None, id, 59).unwrap().value, "94287082");
    assert_eq!(
        Vault::create(
            &path,
            PIN,
            create_options(UnlockPolicy::FiveMinutes, &clock)
        )
        .unwrap_err(),
        VaultError::AlreadyExists
    );
}

#[test]
fn production_builds_refuse_a_weak_kdf() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = otpvault_vault::CreateOptions::new(UnlockPolicy::FiveMinutes);
    options.kdf_iterations = Some(100_000);
    assert_eq!(
        Vault::create(&vault_path(&dir), PIN, options).unwrap_err(),
        VaultError::KdfTooWeak {
            iterations: 100_000,
            minimum: 600_000
        }
    );
    // A vault written with a low count (as tests do) does not unlock with the default floor.
    let clock = clock();
    drop(create(&vault_path(&dir), UnlockPolicy::FiveMinutes, &clock));
    let mut open = otpvault_vault::OpenOptions::default();
    open.clock = Arc::new(clock.clone());
    let vault = Vault::open(&vault_path(&dir), open).unwrap();
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::KdfTooWeak {
            iterations: TEST_ITERATIONS,
            minimum: 600_000
        })
    );
    assert_eq!(vault.status().failed_attempts, 0, "refused before counting");
}

/// A stand-in for the Android Keystore / Secure Enclave: AES-GCM under a key of its own.
struct TestProtector {
    key: [u8; 32],
    fail: bool,
}

impl TestProtector {
    fn new() -> Self {
        Self {
            key: otpvault_vault::test_support::random_key(),
            fail: false,
        }
    }
}

impl KeyProtector for TestProtector {
    fn wrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Ok(otpvault_vault::test_support::seal(
            &self.key, b"device", &data,
        ))
    }

    fn unwrap(&self, data: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        if self.fail {
            return Err(ProtectorError::Cancelled);
        }
        otpvault_vault::test_support::open(&self.key, b"device", &data)
            .ok_or(ProtectorError::KeyInvalidated)
    }
}

#[test]
fn device_key_protector_is_required_once_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let device: Arc<dyn KeyProtector> = Arc::new(TestProtector::new());
    let mut options = create_options(UnlockPolicy::FiveMinutes, &clock);
    options.protector = Some(device.clone());
    let vault = Vault::create(&path, PIN, options).unwrap();
    let id = vault.add_uri(None, RFC_URI).unwrap().id;
    assert!(vault.status().device_bound);
    drop(vault);

    // The file and the right PIN are not enough without the device.
    let vault = reopen(&path, &clock);
    assert_eq!(vault.unlock(&pin(PIN)), Err(VaultError::DeviceKeyRequired));
    // Another device's key fails cleanly and costs no attempt.
    let mut other = open_options(&clock);
    other.protector = Some(Arc::new(TestProtector::new()));
    let vault = Vault::open(&path, other).unwrap();
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::DeviceKey(ProtectorError::KeyInvalidated))
    );
    let mut failing = open_options(&clock);
    failing.protector = Some(Arc::new(TestProtector {
        key: otpvault_vault::test_support::random_key(),
        fail: true,
    }));
    let vault = Vault::open(&path, failing).unwrap();
    // The platform's own report comes through unchanged (here: the user cancelled the prompt).
    assert_eq!(
        vault.unlock(&pin(PIN)),
        Err(VaultError::DeviceKey(ProtectorError::Cancelled))
    );
    assert_eq!(vault.status().failed_attempts, 0);

    let mut right = open_options(&clock);
    right.protector = Some(device);
    let vault = Vault::open(&path, right).unwrap();
    assert!(matches!(
        vault.unlock(&pin(WRONG)),
        Err(VaultError::WrongPin { .. })
    ));
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.code(None, id, 59).unwrap().value, "94287082");
    vault.change_pin(&pin(PIN), "11235").unwrap();
    vault.lock();
    vault.unlock(&pin("11235")).unwrap();
}

#[test]
fn hotp_counter_is_stored_before_the_code_is_returned() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault
        .add_uri(
            None,
            "otpauth://hotp/RFC4226:test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0",
        )
        .unwrap()
        .id;
    assert_eq!(vault.code(None, id, T0), Err(VaultError::NotTimeBased));
    assert_eq!(
        vault.codes(None, T0).unwrap().values,
        [""],
        "no time code for HOTP"
    );
    for (counter, code) in [(0, "755224"), (1, "287082"), (2, "359152")] {
        assert_eq!(
            vault.next_hotp(None, id).unwrap(),
            otpvault_vault::HotpCode {
                value: code.into(),
                counter
            }
        );
    }
    drop(vault);
    let vault = reopen(&path, &clock);
    assert_eq!(
        vault.next_hotp(Some(&pin(PIN)), id).unwrap().value,
        "969429"
    );
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(
        vault.list(None).unwrap()[0].kind,
        OtpKind::Hotp { counter: 4 }
    );
    let totp = vault.add_uri(None, RFC_URI).unwrap().id;
    assert_eq!(
        vault.next_hotp(None, totp),
        Err(VaultError::NotCounterBased)
    );
}

/// Issue 20, item 6: `time-offset -9223372036854775808` was accepted (abs() wraps) and the vault
/// then showed the codes of Unix time 0. Offsets beyond a century either way are refused, and
/// the stored one does not move.
#[test]
fn absurd_time_offsets_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = create(&vault_path(&dir), UnlockPolicy::FiveMinutes, &clock);
    vault.set_time_offset(None, 42).unwrap();
    let max = otpvault_codes::clock::MAX_TIME_OFFSET_SECONDS;
    let max_i64 = i64::try_from(max).unwrap();
    for absurd in [i64::MIN, i64::MIN + 1, i64::MAX, max_i64 + 1, -max_i64 - 1] {
        assert_eq!(
            vault.set_time_offset(None, absurd),
            Err(VaultError::TimeOffsetOutOfRange { max_seconds: max }),
            "{absurd}"
        );
        assert_eq!(vault.time_offset(None).unwrap(), 42);
    }
    vault.set_time_offset(None, -max_i64).unwrap();
    vault.set_time_offset(None, max_i64).unwrap();
    assert_eq!(vault.time_offset(None).unwrap(), max_i64);
}

#[test]
fn time_offset_is_stored_and_applied_to_every_totp() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault.add_uri(None, RFC_URI).unwrap().id;
    vault.set_time_offset(None, 1_111_111_109 - 59).unwrap();
    // Device time 59 + offset = 1111111109: RFC 6238 "07081804".
    assert_eq!(vault.code(None, id, 59).unwrap().value, "07081804");
    assert_eq!(vault.codes(None, 59).unwrap().values[0], "07081804");
    drop(vault);
    let vault = reopen(&path, &clock);
    assert_eq!(vault.time_offset(Some(&pin(PIN))).unwrap(), 1_111_111_050);
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.code(None, id, 59).unwrap().value, "07081804");
    clock.set_wall_seconds(59);
    assert_eq!(vault.codes_now(None).unwrap().values[0], "07081804");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_file_never_contains_names_or_secrets_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let secret = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TFOQ";
    let raw_secret = otpvault_codes::Secret::from_base32(secret)
        .unwrap()
        .expose()
        .to_vec();
    vault
        .add_uri(None, &format!("otpauth://totp/Provincia%20Autonoma:mario.rossi.cf?secret={secret}&issuer=Provincia%20Autonoma"))
        .unwrap();
    let renamed = vault
        .add_uri(
            None,
            // Other secrets: the same one again would be refused as a duplicate.
            "otpauth://totp/OldIssuer:old.account?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        )
        .unwrap();
    vault
        .rename(None, renamed.id, "NewIssuerName", "new.account.name")
        .unwrap();
    let removed = vault
        .add_uri(
            None,
            "otpauth://totp/GoneIssuer:gone.account?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        )
        .unwrap();
    vault.remove(None, removed.id).unwrap();
    // Look at the file while the vault is open (WAL included) and after it is closed.
    let mut files = vec![std::fs::read(&path).unwrap()];
    if let Ok(wal) = std::fs::read(dir.path().join("vault.db-wal")) {
        files.push(wal);
    }
    drop(vault);
    files.push(std::fs::read(&path).unwrap());
    for bytes in &files {
        for needle in [
            "Provincia",
            "mario.rossi",
            "OldIssuer",
            "old.account",
            "NewIssuerName",
            "new.account",
            "GoneIssuer",
            "gone.account",
            secret,
            &secret.to_lowercase(),
        ] {
            assert!(
                !contains(bytes, needle.as_bytes()),
                "{needle} is readable in the file"
            );
        }
        assert!(
            !contains(bytes, &raw_secret),
            "the raw secret is readable in the file"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let _vault = create(&path, UnlockPolicy::FiveMinutes, &clock());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn disk_full_rolls_back_and_keeps_the_previous_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let first = vault.add_uri(None, RFC_URI).unwrap().id;
    let pages: u32 = 8;
    vault.set_max_page_count(pages).unwrap();
    let long_name = "x".repeat(500);
    let mut added = 1;
    let err = loop {
        match vault.add_typed(
            None,
            &numbered_secret(added),
            TokenParams {
                issuer: long_name.clone(),
                account: format!("{added}"),
                ..TokenParams::default()
            },
        ) {
            Ok(_) => added += 1,
            Err(err) => break err,
        }
        assert!(added < 1_000, "the size cap never triggered");
    };
    assert_eq!(
        err,
        VaultError::Storage {
            kind: StorageKind::Full
        }
    );
    let listed = vault.list(None).unwrap();
    assert_eq!(
        listed.len() as u64,
        added,
        "the failed add left nothing behind in memory"
    );
    assert_eq!(vault.code(None, first, 59).unwrap().value, "94287082");
    drop(vault);
    let vault = reopen(&path, &clock);
    assert!(vault.integrity_ok().unwrap());
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.list(None).unwrap(), listed);
}

#[test]
fn one_vault_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let vault = Arc::new(create(&path, UnlockPolicy::TenMinutes, &clock));
    let base = vault.add_uri(None, RFC_URI).unwrap().id;
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let vault = Arc::clone(&vault);
            std::thread::spawn(move || {
                for i in 0..25u64 {
                    let n = t * 100 + i;
                    let info = vault
                        .add_typed(
                            None,
                            &numbered_secret(n),
                            TokenParams {
                                account: format!("t{n}"),
                                ..TokenParams::default()
                            },
                        )
                        .unwrap();
                    assert_eq!(vault.code(None, base, 59).unwrap().value, "94287082");
                    let codes = vault.codes(None, T0).unwrap();
                    assert!(!codes.values.is_empty());
                    vault
                        .rename(None, info.id, "thread", &format!("t{n}"))
                        .unwrap();
                    if i % 5 == 0 {
                        vault.remove(None, info.id).unwrap();
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let listed = vault.list(None).unwrap();
    assert_eq!(listed.len(), 1 + 4 * 20);
    for token in listed.iter().filter(|t| t.id != base) {
        let n: u64 = token.account[1..].parse().unwrap();
        assert_eq!(token.issuer, "thread");
        let expected = expected_totp(&numbered_secret(n), Algorithm::Sha1, 6, T0, 30);
        assert_eq!(vault.code(None, token.id, T0).unwrap().value, expected);
    }
}

fn sha256_of(path: &std::path::Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn foreign_newer_and_missing_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    assert_eq!(
        Vault::open(&dir.path().join("missing.db"), open_options(&clock)).unwrap_err(),
        VaultError::NoVault
    );
    assert!(!dir.path().join("missing.db").exists());

    let random = dir.path().join("random.bin");
    std::fs::write(
        &random,
        (0..8192u32)
            .map(|i| (i * 7919 % 256) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let other = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi'); PRAGMA user_version = 3;").unwrap();
    }
    let newer = vault_path(&dir);
    drop(create(&newer, UnlockPolicy::FiveMinutes, &clock));
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch("PRAGMA user_version = 99;").unwrap();
    }
    for (path, expected) in [
        (&random, VaultError::NotAVault),
        (&empty, VaultError::NotAVault),
        (&other, VaultError::NotAVault),
        (
            &newer,
            VaultError::NewerSchema {
                found: 99,
                supported: 4,
            },
        ),
    ] {
        let before = sha256_of(path);
        assert_eq!(
            Vault::open(path, open_options(&clock)).unwrap_err(),
            expected,
            "{}",
            path.display()
        );
        assert_eq!(sha256_of(path), before, "{} was modified", path.display());
    }
}

#[test]
fn a_damaged_token_row_does_not_take_the_others_down() {
    let dir = tempfile::tempdir().unwrap();
    let path = vault_path(&dir);
    let clock = clock();
    let (good, bad) = {
        let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
        let good = vault.add_uri(None, RFC_URI).unwrap().id;
        let bad = vault
            .add_uri(None, "otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP")
            .unwrap()
            .id;
        (good, bad)
    };
    {
        // Swap the two rows' ciphertexts: each is bound to its own row id, so both fail...
        // then restore the good one to show that only the damaged row is affected.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE tokens SET sealed = (SELECT sealed FROM tokens WHERE id = ?1) WHERE id = ?2",
            [good, bad],
        )
        .unwrap();
    }
    let vault = reopen(&path, &clock);
    vault.unlock(&pin(PIN)).unwrap();
    assert_eq!(vault.status().damaged_tokens, vec![bad]);
    assert_eq!(vault.code(None, good, 59).unwrap().value, "94287082");
    assert_eq!(
        vault.code(None, bad, 59),
        Err(VaultError::Corrupted { what: "token" })
    );
    assert_eq!(vault.list(None).unwrap().len(), 1);
    vault.remove(None, bad).unwrap();
    assert!(vault.status().damaged_tokens.is_empty());
}

#[test]
fn export_needs_the_pin_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = create(&vault_path(&dir), UnlockPolicy::FiveMinutes, &clock);
    vault.add_uri(None, RFC_URI).unwrap();
    vault
        .add_uri(
            None,
            "otpauth://hotp/Y:z?secret=JBSWY3DPEHPK3PXP&counter=7&algorithm=SHA512",
        )
        .unwrap();
    assert!(matches!(
        vault.export_uris(&pin(WRONG)),
        Err(VaultError::WrongPin { .. })
    ));
    let uris = vault.export_uris(&pin(PIN)).unwrap();
    assert_eq!(uris.len(), 2);
    let second = otpvault_codes::uri::parse(&uris[1]).unwrap();
    assert_eq!(second.kind(), OtpKind::Hotp { counter: 7 });
    assert_eq!(second.algorithm(), Algorithm::Sha512);
    assert_eq!(
        otpvault_codes::uri::parse(&uris[0]).unwrap().issuer(),
        "ACME Co"
    );
}
