//! Moving out and back: otpvault's encrypted backup (round trip of every kind of token with the
//! settings, the version-1 fixture written by an independent generator, wrong and weak
//! passphrases, tampered and hostile headers), the Aegis export (plain and encrypted, read back)
//! and the Google Authenticator transfer export (batches, what it leaves out).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::path::PathBuf;

use common::*;
use otpvault_codes::{Algorithm, OtpKind, Secret, Token, TokenParams};
use otpvault_transfer::backup::{self, BackupKdf};
use otpvault_transfer::import::{self, ImportError, ImportFormat, ImportOutcome};
use otpvault_vault::{UnlockPolicy, Vault, VaultError};
use serde_json::Value;

const STRONG: &str = "violin tundra marble compass 1887";
/// Cheap Argon2id so tests run in milliseconds (a real export uses 64 MiB, 3 passes).
const CHEAP: BackupKdf = BackupKdf {
    memory_kib: 1024,
    iterations: 1,
    lanes: 1,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/backup")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn token(
    n: u8,
    len: usize,
    issuer: &str,
    account: &str,
    algorithm: Algorithm,
    digits: u8,
    kind: OtpKind,
) -> Token {
    let secret = Secret::from_bytes(
        (0..len)
            .map(|i| n.wrapping_mul(31).wrapping_add(i as u8))
            .collect(),
    )
    .unwrap();
    Token::new(
        secret,
        TokenParams {
            issuer: issuer.into(),
            account: account.into(),
            algorithm,
            digits,
            kind,
        },
    )
    .unwrap()
}

/// One of every kind: TOTP with each algorithm, 6–8 digits, 30/60 s, HOTP with a counter moved,
/// Steam, an empty issuer and unicode names.
fn every_kind() -> Vec<Token> {
    vec![
        token(
            1,
            20,
            "Provincia",
            "mario.rossi",
            Algorithm::Sha1,
            6,
            OtpKind::Totp { period: 30 },
        ),
        token(
            2,
            32,
            "Bank",
            "conto",
            Algorithm::Sha256,
            8,
            OtpKind::Totp { period: 60 },
        ),
        token(
            3,
            64,
            "",
            "no issuer",
            Algorithm::Sha512,
            7,
            OtpKind::Totp { period: 30 },
        ),
        token(
            4,
            20,
            "VPN",
            "ünïcødé 用户",
            Algorithm::Sha1,
            6,
            OtpKind::Hotp { counter: 41 },
        ),
        token(5, 20, "Steam", "gamer", Algorithm::Sha1, 6, OtpKind::Steam),
    ]
}

fn vault_with(tokens: &[Token], policy: UnlockPolicy) -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = Vault::create(
        &dir.path().join("v.db"),
        PIN,
        create_options(policy, &clock),
    )
    .unwrap();
    let p = pin(PIN);
    for t in tokens {
        vault.add_token(Some(&p), t.clone()).unwrap();
    }
    (dir, vault)
}

fn empty_vault() -> (tempfile::TempDir, Vault) {
    vault_with(&[], UnlockPolicy::FiveMinutes)
}

#[test]
fn a_backup_restores_every_token_its_order_counters_and_the_settings() {
    let tokens = every_kind();
    let (_d, vault) = vault_with(&tokens, UnlockPolicy::TenMinutes);
    let p = pin(PIN);
    // Move the HOTP counter and the time correction, so the backup must carry both.
    let hotp = vault.list(Some(&p)).unwrap()[3].id;
    vault.next_hotp(Some(&p), hotp).unwrap();
    vault.set_time_offset(Some(&p), 42).unwrap();
    let bytes = vault.export_backup(&p, STRONG, CHEAP).unwrap();
    assert!(backup::looks_like(&bytes));
    assert_eq!(import::sniff(&bytes), Some(ImportFormat::OtpvaultBackup));
    for t in &tokens {
        let secret = t.secret().to_base32();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
        assert!(!bytes.windows(5).any(|w| w == b"Bank\""));
    }

    let (_d2, restored) = empty_vault();
    let report = restored.restore(&p, &bytes, Some(STRONG)).unwrap();
    assert_eq!(report.imported(), tokens.len());
    assert_eq!(restored.time_offset(Some(&p)).unwrap(), 42);
    assert_eq!(restored.status().policy, Some(UnlockPolicy::TenMinutes));
    let before = vault.export_tokens(&p).unwrap();
    let after = restored.export_tokens(&p).unwrap();
    assert_eq!(
        before, after,
        "same tokens, names, parameters, counters and order"
    );
    assert!(matches!(after[3].kind(), OtpKind::Hotp { counter: 42 }));
    // Restoring again finds only duplicates.
    let again = restored.restore(&p, &bytes, Some(STRONG)).unwrap();
    assert_eq!(again.imported(), 0);
    assert!(
        again
            .entries
            .iter()
            .all(|e| matches!(e.outcome, ImportOutcome::DuplicateOf { .. }))
    );
}

#[test]
fn the_version_1_fixture_from_the_independent_generator_restores() {
    let expected: Value = serde_json::from_slice(&fixture("expected.json")).unwrap();
    let bytes = fixture("backup-v1.otpvault");
    let (_d, vault) = empty_vault();
    let p = pin(PIN);
    let report = vault
        .restore(&p, &bytes, expected["passphrase"].as_str())
        .unwrap();
    assert_eq!(report.imported(), 5);
    assert_eq!(vault.time_offset(Some(&p)).unwrap(), -17);
    assert_eq!(vault.status().policy, Some(UnlockPolicy::TenMinutes));
    let time = expected["time"].as_u64().unwrap();
    let tokens = vault.export_tokens(&p).unwrap();
    for (token, want) in tokens.iter().zip(expected["tokens"].as_array().unwrap()) {
        assert_eq!(token.issuer(), want["issuer"].as_str().unwrap());
        assert_eq!(token.account(), want["account"].as_str().unwrap());
        assert_eq!(
            token.code_at(time),
            want["code"].as_str().unwrap(),
            "{}",
            token.account()
        );
    }
}

#[test]
fn a_backup_with_an_absurd_time_offset_is_refused_whole() {
    let (_d, vault) = vault_with(&every_kind(), UnlockPolicy::FiveMinutes);
    for offset in [i64::MIN, i64::MAX] {
        let sealed = backup::seal(
            &every_kind(),
            &[],
            backup::BackupSettings {
                time_offset: offset,
                policy: UnlockPolicy::TenMinutes,
            },
            "violin tundra marble compass 1887",
            CHEAP,
        )
        .unwrap();
        assert!(matches!(
            backup::open(&sealed, Some("violin tundra marble compass 1887")),
            Err(ImportError::Unreadable {
                what: "settings",
                ..
            })
        ));
        let (_e, other) = vault_with(&[], UnlockPolicy::FiveMinutes);
        assert!(matches!(
            other.restore(
                &pin(PIN),
                &sealed,
                Some("violin tundra marble compass 1887")
            ),
            Err(VaultError::Import(ImportError::Unreadable { .. }))
        ));
        assert!(other.list(Some(&pin(PIN))).unwrap().is_empty());
        assert_eq!(other.time_offset(Some(&pin(PIN))).unwrap(), 0);
    }
    drop(vault);
}

#[test]
fn wrong_weak_tampered_and_hostile_backups_are_refused() {
    let (_d, vault) = vault_with(&every_kind(), UnlockPolicy::FiveMinutes);
    let p = pin(PIN);
    for weak in [
        "password123",
        "12345678",
        "Provincia2024",
        "mario.rossi",
        "qwertyuiop",
    ] {
        assert!(
            matches!(
                vault.export_backup(&p, weak, CHEAP),
                Err(VaultError::WeakPassphrase { .. })
            ),
            "{weak}"
        );
        assert!(matches!(
            vault.export_aegis(&p, Some(weak)),
            Err(VaultError::WeakPassphrase { .. })
        ));
    }
    let bytes = vault.export_backup(&p, STRONG, CHEAP).unwrap();
    let (_d2, other) = empty_vault();
    let wrong = other.restore(&p, &bytes, Some("violin tundra marble compass 1888"));
    assert!(matches!(
        wrong,
        Err(VaultError::Import(ImportError::WrongPassword { .. }))
    ));
    assert!(matches!(
        other.restore(&p, &bytes, None),
        Err(VaultError::Import(ImportError::PasswordRequired { .. }))
    ));
    // Any changed byte (header, nonce, ciphertext or tag) makes it fail to open; KDF parameters
    // raised beyond what a phone can run are refused before anything is allocated.
    for at in [16usize, 20, 25, 30, 45, 60, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 1;
        assert!(other.restore(&p, &bad, Some(STRONG)).is_err(), "byte {at}");
    }
    let mut costly = bytes.clone();
    costly[18..22].copy_from_slice(&(4u32 * 1024 * 1024).to_be_bytes());
    assert!(matches!(
        other.restore(&p, &costly, Some(STRONG)),
        Err(VaultError::Import(ImportError::KdfTooCostly { .. }))
    ));
    for len in [0, 16, 40, 70] {
        assert!(
            other
                .restore(&p, &bytes[..len.min(bytes.len())], Some(STRONG))
                .is_err()
        );
    }
    assert!(
        other.export_tokens(&p).unwrap().is_empty(),
        "nothing was imported"
    );
}

#[test]
fn aegis_exports_read_back_plain_and_encrypted() {
    let tokens = every_kind();
    let (_d, vault) = vault_with(&tokens, UnlockPolicy::FiveMinutes);
    let p = pin(PIN);
    let plain = vault.export_aegis(&p, None).unwrap();
    let (format, candidates) = import::read(plain.as_bytes(), None).unwrap();
    assert_eq!(format, ImportFormat::Aegis);
    let read: Vec<Token> = candidates.into_iter().map(|c| c.token.unwrap()).collect();
    assert_eq!(read, tokens);
    let sealed = vault.export_aegis(&p, Some(STRONG)).unwrap();
    assert!(!sealed.contains(tokens[0].secret().to_base32().as_str()));
    let doc: Value = serde_json::from_str(&sealed).unwrap();
    assert_eq!(doc["header"]["slots"][0]["n"], 32768);
    let (_, candidates) = import::read(sealed.as_bytes(), Some(STRONG)).unwrap();
    let read: Vec<Token> = candidates.into_iter().map(|c| c.token.unwrap()).collect();
    assert_eq!(read, tokens);
    assert!(matches!(
        import::read(sealed.as_bytes(), Some("nope")),
        Err(ImportError::WrongPassword { .. })
    ));
}

/// Decodes the varint fields 2–5 of a MigrationPayload (version, batch size, index, id).
fn batch_fields(uri: &str) -> [u64; 4] {
    let data = uri
        .split_once("data=")
        .unwrap()
        .1
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    let bytes = import::google::base64_decode(data.as_bytes()).unwrap();
    let (mut at, mut out) = (0, [0u64; 4]);
    let varint = |at: &mut usize| {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let b = bytes[*at];
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b < 0x80 {
                return v;
            }
        }
    };
    while at < bytes.len() {
        let key = varint(&mut at);
        if key & 7 == 2 {
            let len = varint(&mut at) as usize;
            at += len;
        } else {
            let value = varint(&mut at);
            if (2..=5).contains(&(key >> 3)) {
                out[(key >> 3) as usize - 2] = value;
            }
        }
    }
    out
}

#[test]
fn google_transfer_exports_batch_for_qr_codes_and_say_what_they_leave_out() {
    let mut tokens = every_kind();
    for n in 0..23u8 {
        tokens.push(token(
            10 + n,
            20,
            "Service",
            &format!("user{n}@example.com"),
            Algorithm::Sha1,
            6,
            OtpKind::Totp { period: 30 },
        ));
    }
    let (_d, vault) = vault_with(&tokens, UnlockPolicy::FiveMinutes);
    let p = pin(PIN);
    let transfer = vault.export_google(&p).unwrap();
    // 60 s period, 7 digits and Steam cannot be written in Google's format.
    let left: Vec<(usize, &str)> = transfer
        .left_out
        .iter()
        .map(|(i, r)| (*i, r.name()))
        .collect();
    assert_eq!(
        left,
        vec![(1, "period_not_30"), (2, "digits_not_6_or_8"), (4, "steam")]
    );
    assert_eq!(transfer.uris.len(), 3, "25 accounts, at most 10 a batch");
    let id = batch_fields(&transfer.uris[0])[3];
    for (index, uri) in transfer.uris.iter().enumerate() {
        assert!(uri.len() < 1600, "fits a QR code: {}", uri.len());
        assert_eq!(batch_fields(uri), [1, 3, index as u64, id]);
    }
    let text = transfer
        .uris
        .iter()
        .map(|u| u.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let (format, candidates) = import::read(text.as_bytes(), None).unwrap();
    assert_eq!(format, ImportFormat::GoogleAuthenticator);
    let read: Vec<Token> = candidates.into_iter().map(|c| c.token.unwrap()).collect();
    let kept: Vec<Token> = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| ![1, 2, 4].contains(i))
        .map(|(_, t)| t.clone())
        .collect();
    assert_eq!(read, kept);
}

#[test]
fn adding_a_token_that_is_already_there_names_it_instead_of_adding_a_copy() {
    let tokens = every_kind();
    let (_d, vault) = vault_with(&tokens, UnlockPolicy::FiveMinutes);
    let p = pin(PIN);
    let ids: Vec<i64> = vault.list(Some(&p)).unwrap().iter().map(|t| t.id).collect();
    for (token, id) in tokens.iter().zip(&ids) {
        // The same names (in another case), or the HOTP counter elsewhere: the same account.
        let mut copy = token.clone();
        copy.rename(&token.issuer().to_uppercase(), token.account())
            .unwrap();
        if let OtpKind::Hotp { .. } = copy.kind() {
            copy.set_counter(99);
        }
        assert_eq!(
            vault.add_token(Some(&p), copy),
            Err(VaultError::Duplicate { id: *id })
        );
    }
    // Issue 21: the same secret under other names is another account enrolled with it, as on
    // import: added, and the vault says which token it shares the secret with.
    let mut twin = tokens[0].clone();
    twin.rename("Other name", "other account").unwrap();
    let (info, shares) = vault.add_token_noting(Some(&p), twin).unwrap();
    assert_eq!(shares, [ids[0]]);
    assert_eq!(info.account, "other account");
    // The same secret with other parameters is another token.
    let other = token(
        1,
        20,
        "Provincia",
        "mario.rossi",
        Algorithm::Sha256,
        6,
        OtpKind::Totp { period: 30 },
    );
    assert!(vault.add_token(Some(&p), other).is_ok());
    // (The twin and the other-parameters token.)
    assert_eq!(vault.list(Some(&p)).unwrap().len(), tokens.len() + 2);
}
