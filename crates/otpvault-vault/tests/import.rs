//! Importing other authenticators' export files: every fixture of `tests/fixtures/import` (made by
//! its generator, with codes computed by Python's own hmac) is previewed, imported, and checked
//! entry by entry — outcome, names and the code the exporting app shows. A second import finds
//! only duplicates; files that cannot be read are refused whole and import nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use std::path::PathBuf;

use common::*;
use otpvault_transfer::import::{
    ImportError, ImportFormat, ImportNote, ImportOutcome, SkipReason, sniff,
};
use otpvault_vault::{UnlockPolicy, VaultError};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/import")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn expected() -> Value {
    serde_json::from_slice(&fixture("expected.json")).unwrap()
}

fn outcome_name(outcome: &ImportOutcome) -> String {
    match outcome {
        ImportOutcome::Imported { .. } => "imported".into(),
        ImportOutcome::DuplicateOf { .. } => "duplicate".into(),
        ImportOutcome::DuplicateInFile { .. } => "duplicate_in_file".into(),
        ImportOutcome::Skipped(reason) => reason.name().into(),
    }
}

#[test]
fn every_fixture_imports_with_the_codes_the_exporting_app_shows() {
    let expected = expected();
    let time = expected["time"].as_u64().unwrap();
    // Every file the generator wrote, with the format it must be recognised as.
    let formats = expected["formats"].as_object().unwrap();
    assert_eq!(formats.len(), expected["files"].as_object().unwrap().len());
    assert!(formats.len() >= 25);
    for (file, format) in formats {
        let file = file.as_str();
        let format = ImportFormat::from_name(format.as_str().unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let clock = clock();
        let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock);
        let bytes = fixture(file);
        assert_eq!(sniff(&bytes), Some(format), "{file}");
        let wanted = expected["files"][file].as_array().unwrap();
        let password = expected["passwords"][file].as_str();

        // The preview changes nothing.
        let preview = vault.preview_import(None, &bytes, password).unwrap();
        assert_eq!(preview.format, format);
        assert_eq!(preview.entries.len(), wanted.len(), "{file}");
        assert!(vault.list(None).unwrap().is_empty());

        let report = vault.import(None, &bytes, password).unwrap();
        assert_eq!(report.entries.len(), wanted.len(), "{file}");
        for (entry, want) in report.entries.iter().zip(wanted) {
            let label = format!("{file} #{}", entry.index);
            assert_eq!(
                outcome_name(&entry.outcome),
                want["outcome"].as_str().unwrap(),
                "{label}"
            );
            assert_eq!(entry.issuer, want["issuer"].as_str().unwrap(), "{label}");
            assert_eq!(entry.account, want["account"].as_str().unwrap(), "{label}");
            // The preview said the same (ids aside).
            let previewed = &preview.entries[entry.index];
            assert_eq!(
                outcome_name(&previewed.outcome),
                outcome_name(&entry.outcome),
                "{label}"
            );
            if let ImportOutcome::Imported { id } = entry.outcome {
                let code = if want["hotp"].as_bool() == Some(true) {
                    vault.next_hotp(None, id).unwrap().value
                } else {
                    vault.code(None, id, time).unwrap().value.to_string()
                };
                assert_eq!(code, want["code"].as_str().unwrap(), "{label}");
            }
        }
        let imported = wanted.iter().filter(|w| w["outcome"] == "imported").count();
        assert_eq!(report.imported(), imported, "{file}");
        assert_eq!(vault.list(None).unwrap().len(), imported, "{file}");

        // Importing the same file again: every entry is a duplicate of a token already there.
        let again = vault.import(None, &bytes, password).unwrap();
        assert_eq!(again.imported(), 0, "{file}");
        assert!(
            again
                .entries
                .iter()
                .all(|e| !matches!(e.outcome, ImportOutcome::Imported { .. }))
        );
        assert_eq!(vault.list(None).unwrap().len(), imported, "{file}");
    }
}

#[test]
fn unreadable_files_are_refused_whole_and_import_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock);
    let encrypted = fixture("aegis-encrypted.json");
    assert_eq!(
        vault.import(None, &encrypted, None),
        Err(VaultError::Import(ImportError::PasswordRequired {
            format: "Aegis"
        }))
    );
    assert_eq!(
        vault.import(None, &encrypted, Some("Tr0ub4dor&3")),
        Err(VaultError::Import(ImportError::WrongPassword {
            format: "Aegis"
        }))
    );
    // 2FAS: no password, a wrong one (told by the reference), a damaged services field.
    let two_fas = fixture("2fas-encrypted.2fas");
    assert_eq!(
        vault.import(None, &two_fas, None),
        Err(VaultError::Import(ImportError::PasswordRequired {
            format: "2FAS"
        }))
    );
    assert_eq!(
        vault.import(None, &two_fas, Some("Tr0ub4dor&3")),
        Err(VaultError::Import(ImportError::WrongPassword {
            format: "2FAS"
        }))
    );
    let doc: serde_json::Value = serde_json::from_slice(&two_fas).unwrap();
    let field = doc["servicesEncrypted"].as_str().unwrap();
    let damaged = String::from_utf8(two_fas.clone())
        .unwrap()
        .replace(field, &format!("AAAA{}", &field[4..]));
    assert_eq!(
        vault.import(None, damaged.as_bytes(), Some("2fas fixture password")),
        Err(VaultError::Import(ImportError::Unreadable {
            format: "2FAS",
            what: "servicesEncrypted"
        }))
    );
    // andOTP (binary): no password, a wrong one, and a file asking for 2^32-1 PBKDF2 iterations.
    let and_otp = fixture("andotp.json.aes");
    assert_eq!(
        vault.import(None, &and_otp, None),
        Err(VaultError::Import(ImportError::PasswordRequired {
            format: "andOTP"
        }))
    );
    assert_eq!(
        vault.import(None, &and_otp, Some("Tr0ub4dor&3")),
        Err(VaultError::Import(ImportError::WrongPassword {
            format: "andOTP"
        }))
    );
    // 2^32-1 iterations are never run. The old format's first 4 bytes are its random IV, which
    // read as a count is above the cap 99.95% of the time, so such a file is first an old-format
    // file the password does not open: a wrong password (the next step the user needs), not a
    // "too costly" verdict that would send them looking for a different problem.
    let mut greedy_and_otp = and_otp.clone();
    greedy_and_otp[..4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(
        vault.import(None, &greedy_and_otp, Some("andotp fixture password")),
        Err(VaultError::Import(ImportError::WrongPassword {
            format: "andOTP"
        }))
    );
    let old = fixture("andotp-old.json.aes");
    let head = u32::from_be_bytes(old[..4].try_into().unwrap());
    assert!(head > otpvault_transfer::import::andotp::MAX_ITERATIONS);
    assert_eq!(
        vault.import(None, &old, Some("Tr0ub4dor&3")),
        Err(VaultError::Import(ImportError::WrongPassword {
            format: "andOTP"
        }))
    );
    // Bitwarden password-protected (PBKDF2 and Argon2id): no password, a wrong one (told by
    // the MAC), greedy KDF parameters refused before anything runs.
    for name in [
        "bitwarden-encrypted.json",
        "bitwarden-encrypted-argon2.json",
    ] {
        let bytes = fixture(name);
        assert_eq!(
            vault.import(None, &bytes, None),
            Err(VaultError::Import(ImportError::PasswordRequired {
                format: "Bitwarden"
            })),
            "{name}"
        );
        assert_eq!(
            vault.import(None, &bytes, Some("Tr0ub4dor&3")),
            Err(VaultError::Import(ImportError::WrongPassword {
                format: "Bitwarden"
            })),
            "{name}"
        );
    }
    let greedy_bw = String::from_utf8(fixture("bitwarden-encrypted-argon2.json"))
        .unwrap()
        .replace("\"kdfMemory\": 64", "\"kdfMemory\": 4096");
    assert!(matches!(
        vault.import(None, greedy_bw.as_bytes(), Some("x")),
        Err(VaultError::Import(ImportError::KdfTooCostly { .. }))
    ));
    // Stratum (both encrypted formats): no password, a wrong one, a truncated file.
    for name in ["stratum-encrypted.authpro", "stratum-legacy.authpro"] {
        let bytes = fixture(name);
        assert_eq!(
            vault.import(None, &bytes, None),
            Err(VaultError::Import(ImportError::PasswordRequired {
                format: "Stratum"
            })),
            "{name}"
        );
        assert_eq!(
            vault.import(None, &bytes, Some("Tr0ub4dor&3")),
            Err(VaultError::Import(ImportError::WrongPassword {
                format: "Stratum"
            })),
            "{name}"
        );
        assert!(
            vault.import(None, &bytes[..40], Some("x")).is_err(),
            "{name}"
        );
    }
    // A file asking scrypt for 1 GiB is refused before anything is allocated.
    let greedy = String::from_utf8(encrypted.clone())
        .unwrap()
        .replace("\"n\": 32768", "\"n\": 1048576");
    assert!(matches!(
        vault.import(None, greedy.as_bytes(), Some("x")),
        Err(VaultError::Import(ImportError::KdfTooCostly { .. }))
    ));
    // Issue 21, item 8: many slots, each within the per-slot cap, are refused as a whole before
    // any scrypt runs (40 slots at Aegis's own parameters: 1.25 GiB of work).
    let mut many: Value = serde_json::from_slice(&encrypted).unwrap();
    let slot = many["header"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == 1)
        .unwrap()
        .clone();
    many["header"]["slots"] = Value::Array(vec![slot; 40]);
    assert!(matches!(
        vault.import(None, many.to_string().as_bytes(), Some("x")),
        Err(VaultError::Import(ImportError::KdfTooCostly { .. }))
    ));
    let cases: [(&[u8], ImportError); 3] = [
        (b"hello, world", ImportError::UnknownFormat),
        (&[0xff, 0xfe, 0x00, 0x41], ImportError::UnknownFormat),
        (
            b"otpauth-migration://offline?data=%%%",
            ImportError::Unreadable {
                format: "Google Authenticator",
                what: "percent-encoding",
            },
        ),
    ];
    for (bytes, error) in cases {
        assert_eq!(
            vault.import(None, bytes, None),
            Err(VaultError::Import(error))
        );
    }
    // Issue 21, item 7: an app's database, an archive, a FreeOTP backup or XML are named as what
    // they are, with a password or without one, never "wrong password for the andOTP file".
    let padded = |head: &[u8]| {
        let mut bytes = head.to_vec();
        bytes.resize(4096, 0x5a);
        bytes
    };
    for (bytes, what) in [
        (padded(b"SQLite format 3\0"), "SQLite database"),
        (padded(b"PK\x03\x04"), "zip archive"),
        (padded(&[0xac, 0xed, 0x00, 0x05]), "FreeOTP backup"),
        (
            b"<?xml version='1.0'?><map><string name='x'>{}</string></map>".to_vec(),
            "XML file",
        ),
    ] {
        for password in [None, Some("Tr0ub4dor&3")] {
            match vault.import(None, &bytes, password) {
                Err(VaultError::Import(ImportError::NotAnExport { what: said })) => {
                    assert!(said.contains(what), "{said}");
                }
                other => panic!("{what}: {other:?}"),
            }
        }
    }
    let huge = vec![b' '; otpvault_transfer::import::MAX_IMPORT_BYTES + 1];
    assert!(matches!(
        vault.import(None, &huge, None),
        Err(VaultError::Import(ImportError::TooLarge { .. }))
    ));
    assert!(vault.list(None).unwrap().is_empty());
    // A list of URIs with a byte that is not UTF-8 (a Latin-1 name) is still a list of URIs.
    let latin1 = b"otpauth://totp/Caf\xe9:alice?secret=JBSWY3DPEHPK3PXP\n";
    assert_eq!(vault.import(None, latin1, None).unwrap().imported(), 1);
}

#[test]
fn ente_proton_and_authy_files_refuse_a_missing_or_wrong_password_and_greedy_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock);
    let refused = |bytes: &[u8], password: Option<&str>| match vault.import(None, bytes, password) {
        Err(VaultError::Import(err)) => err,
        other => panic!("imported: {other:?}"),
    };
    // Ente: no password; parameters changed in the file (the key differs: the MAC refuses);
    // memory or work beyond what Ente writes refused before anything is allocated.
    let ente = String::from_utf8(fixture("ente-encrypted.txt")).unwrap();
    let format = "Ente Auth";
    assert_eq!(
        refused(ente.as_bytes(), None),
        ImportError::PasswordRequired { format }
    );
    let cheap = ente.replace("\"memLimit\": 1073741824", "\"memLimit\": 65536");
    assert_ne!(cheap, ente);
    let password = expected()["passwords"]["ente-encrypted.txt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        refused(cheap.as_bytes(), Some(&password)),
        ImportError::WrongPassword { format }
    );
    for greedy in [
        ente.replace("\"memLimit\": 1073741824", "\"memLimit\": 2147483648"),
        ente.replace("\"opsLimit\": 4", "\"opsLimit\": 5"),
    ] {
        assert!(matches!(
            refused(greedy.as_bytes(), Some(&password)),
            ImportError::KdfTooCostly { .. }
        ));
    }
    let other_version = ente.replace("\"version\": 1", "\"version\": 2");
    assert!(matches!(
        refused(other_version.as_bytes(), Some(&password)),
        ImportError::Unreadable { .. }
    ));

    // Proton: no password, a wrong one, a content cut short.
    let proton = String::from_utf8(fixture("proton-encrypted.json")).unwrap();
    let format = "Proton Authenticator";
    assert_eq!(
        refused(proton.as_bytes(), None),
        ImportError::PasswordRequired { format }
    );
    assert_eq!(
        refused(proton.as_bytes(), Some("Tr0ub4dor&3")),
        ImportError::WrongPassword { format }
    );
    let doc: Value = serde_json::from_str(&proton).unwrap();
    let content = doc["content"].as_str().unwrap();
    let cut = proton.replace(content, &content[..content.len() - 8]);
    let password = expected()["passwords"]["proton-encrypted.json"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        refused(cut.as_bytes(), Some(&password)),
        ImportError::WrongPassword { format }
    );

    // Authy: no password, a wrong one; one damaged entry is skipped while the others import.
    let authy = String::from_utf8(fixture("authy-encrypted.xml")).unwrap();
    let format = "Authy";
    assert_eq!(
        refused(authy.as_bytes(), None),
        ImportError::PasswordRequired { format }
    );
    assert_eq!(
        refused(authy.as_bytes(), Some("Tr0ub4dor&3")),
        ImportError::WrongPassword { format }
    );
    // Other XML is named as such (issue 21, item 7), not taken for an encrypted file.
    assert!(matches!(
        refused(b"<map><string name=\"other\">[]</string></map>", None),
        ImportError::NotAnExport { .. }
    ));
    let broken = authy.replace("&quot;digits", "&bogus;digits");
    assert!(matches!(
        refused(broken.as_bytes(), None),
        ImportError::Unreadable { .. }
    ));
    assert!(vault.list(None).unwrap().is_empty());
    let password = expected()["passwords"]["authy-encrypted.xml"]
        .as_str()
        .unwrap()
        .to_owned();
    let start = authy.find("encryptedSecret&quot;: &quot;").unwrap() + 30;
    let mut damaged = authy.clone();
    damaged.replace_range(start..start + 4, "AAAA");
    let report = vault
        .import(None, damaged.as_bytes(), Some(&password))
        .unwrap();
    assert_eq!(
        report.entries[0].outcome,
        ImportOutcome::Skipped(SkipReason::InvalidSecret)
    );
    assert_eq!(report.imported(), 2);
}

/// Each parser alone (no sniffing in front, as the per-parser fuzz targets drive them) refuses
/// empty, short and header-only inputs with an error, never a panic. The first `parse_stratum`
/// fuzz run found an empty input panicking the Stratum reader, which sniffing had shielded.
#[test]
fn every_parser_alone_refuses_empty_short_and_header_only_input() {
    let inputs: [&[u8]; 7] = [
        b"",
        b"A",
        b"AUTHENTICATORPRO",
        b"AuthenticatorPro0123",
        b"otpvault-backup\n",
        b"{}",
        b"<map></map>",
    ];
    for format in otpvault_transfer::import::FORMATS {
        for input in inputs {
            let result = otpvault_transfer::import::parse_as(input, Some("password"), format);
            // Read or refused, nothing in these bytes is a token.
            if let Ok(candidates) = result {
                assert!(
                    candidates.iter().all(|c| c.token.is_err()),
                    "{format:?} {input:?}"
                );
            }
        }
    }
}

#[test]
fn a_truncated_transfer_payload_never_panics_and_never_half_imports() {
    let text = String::from_utf8(fixture("google-transfer.txt")).unwrap();
    let first = text.lines().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock);
    // Every prefix of the first batch: either read whole, or refused whole.
    for cut in 40..first.len() {
        match vault.preview_import(None, &first.as_bytes()[..cut], None) {
            Ok(report) => assert!(report.entries.len() <= 3),
            Err(VaultError::Import(_)) => {}
            Err(other) => panic!("cut {cut}: {other:?}"),
        }
    }
    assert!(vault.list(None).unwrap().is_empty());
    assert_eq!(SkipReason::UnsupportedKind.name(), "unsupported_kind");
}

#[test]
fn entries_sharing_a_secret_under_different_names_are_all_imported() {
    // Issue 21, item 6: 20 accounts enrolled with one secret import as 20 (Aegis and Proton
    // keep them all); the same file again adds nothing.
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock);
    let list: String = (0..20)
        .map(|n| format!("otpauth://totp/Shared:user{n}?secret=JBSWY3DPEHPK3PXP\n"))
        .collect();
    let report = vault.import(None, list.as_bytes(), None).unwrap();
    assert_eq!(report.imported(), 20);
    // Each report says which token it shares the secret with.
    assert!(report.entries[0].notes.is_empty());
    for entry in &report.entries[1..] {
        assert_eq!(
            entry.notes,
            [ImportNote::SharesSecretWithEntry { index: 0 }]
        );
    }
    let again = vault.import(None, list.as_bytes(), None).unwrap();
    assert_eq!(again.imported(), 0);
    assert!(again.entries.iter().all(|e| e.notes.is_empty()));
    assert_eq!(vault.list(None).unwrap().len(), 20);
    // A 21st account on the same secret, imported later, names the token already there.
    let first = vault.list(None).unwrap()[0].id;
    let later = vault
        .import(
            None,
            b"otpauth://totp/Shared:user20?secret=JBSWY3DPEHPK3PXP\n",
            None,
        )
        .unwrap();
    assert_eq!(
        later.entries[0].notes,
        [ImportNote::SharesSecretWith { id: first }]
    );
}

#[test]
fn an_ente_hotp_line_without_a_counter_starts_at_0_and_says_so() {
    // Issue 21, item 4: the generated ente.txt ends with such a line.
    let dir = tempfile::tempdir().unwrap();
    let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock());
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/import/ente.txt"),
    )
    .unwrap();
    let report = vault.import(None, &bytes, None).unwrap();
    let last = report.entries.last().unwrap();
    assert_eq!(last.issuer, "Pump");
    assert!(matches!(last.outcome, ImportOutcome::Imported { .. }));
    assert_eq!(last.notes, [ImportNote::CounterAssumedZero]);
    assert!(
        report.entries[..report.entries.len() - 1]
            .iter()
            .all(|e| !e.notes.contains(&ImportNote::CounterAssumedZero))
    );
}

#[test]
fn zips_are_read_for_what_they_hold_or_refused_by_name() {
    // Issue 21, item 9: Proton Pass's export and WinAuth's zipped text are read (their codes
    // are checked with every fixture); Authenticator Plus and protected zips are named.
    let fixture = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/import")
                .join(name),
        )
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let vault = create(&vault_path(&dir), UnlockPolicy::TenMinutes, &clock());
    let report = vault
        .import(None, &fixture("proton-pass.zip"), None)
        .unwrap();
    assert_eq!(report.format, ImportFormat::ProtonPass);
    let tokens = vault.list(None).unwrap();
    assert_eq!(tokens[0].groups, ["Work"]);
    assert_eq!(tokens[0].note, "root account");
    assert_eq!(tokens[1].groups, ["Home"]);
    for (name, said) in [
        (
            "refused-authenticator-plus.zip",
            "Authenticator Plus backup",
        ),
        ("refused-protected.zip", "password-protected zip"),
    ] {
        for password in [None, Some("Tr0ub4dor&3")] {
            match vault.import(None, &fixture(name), password) {
                Err(VaultError::Import(ImportError::NotAnExport { what })) => {
                    assert!(what.contains(said), "{name}: {what}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
    assert_eq!(vault.list(None).unwrap().len(), 2);
}
