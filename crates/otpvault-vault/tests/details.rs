//! What people organised (groups, notes, icons, favourites): kept with each token, sealed like
//! it and covered by the manifest; carried in from Aegis and out again through the Aegis export
//! and the backup; edited through the vault's setters with their limits; and a vault of the
//! format before them (a kept snapshot) opens with none and takes them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use common::*;
use otpvault_transfer::backup::BackupKdf;
use otpvault_transfer::details::{DetailsError, IconKind, MAX_ICON_BYTES};
use otpvault_transfer::export::base64_encode;
use otpvault_vault::{TokenInfo, UnlockPolicy, Vault, VaultError};
use serde_json::{Value, json};

const STRONG: &str = "violin tundra marble compass 1887";
const CHEAP: BackupKdf = BackupKdf {
    memory_kib: 1024,
    iterations: 1,
    lanes: 1,
};
const SVG: &str = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>"#;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// An Aegis export (db version 3) with groups, notes, favourites and icons, built here.
fn aegis_with_details() -> Vec<u8> {
    let entry = |uuid: &str, issuer: &str, name: &str, secret: &str| {
        json!({
            "type": "totp", "uuid": uuid, "name": name, "issuer": issuer,
            "note": "", "favorite": false, "icon": null, "groups": [],
            "info": {"secret": secret, "algo": "SHA1", "digits": 6, "period": 30},
        })
    };
    let mut bank = entry("e1", "Bank", "alice", "JBSWY3DPEHPK3PXP");
    bank["groups"] = json!(["g-work", "g-money"]);
    bank["note"] = json!("PUK in the blue folder\nsecond line");
    bank["favorite"] = json!(true);
    bank["icon"] = json!(base64_encode(SVG.as_bytes()));
    bank["icon_mime"] = json!("image/svg+xml");
    let mut mail = entry("e2", "Mail", "bob", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    mail["groups"] = json!(["g-work"]);
    mail["icon"] = json!(base64_encode(PNG));
    mail["icon_mime"] = json!("image/png");
    // An icon that is not an image we keep (a GIF claiming to be a PNG): the entry imports
    // without it. A version-2 style `group` name is read too.
    let mut shop = entry("e3", "Shop", "carol", "KRSXG5CTMVRXEZLU");
    shop["icon"] = json!(base64_encode(b"GIF89a\x01\0\x01\0"));
    shop["icon_mime"] = json!("image/png");
    shop["group"] = json!("Home");
    let doc = json!({
        "version": 1,
        "header": {"slots": null, "params": null},
        "db": {
            "version": 3,
            "entries": [bank, mail, shop],
            "groups": [
                {"uuid": "g-work", "name": "Work"},
                {"uuid": "g-money", "name": "Money"},
            ],
        },
    });
    doc.to_string().into_bytes()
}

fn by_issuer<'a>(tokens: &'a [TokenInfo], issuer: &str) -> &'a TokenInfo {
    tokens.iter().find(|t| t.issuer == issuer).unwrap()
}

/// The three tokens of [`aegis_with_details`], as every vault that holds them must show them.
fn assert_details(vault: &Vault) {
    let tokens = vault.list(None).unwrap();
    assert_eq!(tokens.len(), 3);
    let bank = by_issuer(&tokens, "Bank");
    assert_eq!(bank.groups, ["Work", "Money"]);
    assert_eq!(bank.note, "PUK in the blue folder\nsecond line");
    assert!(bank.favourite);
    assert_eq!(bank.icon, Some(IconKind::Svg));
    assert_eq!(
        vault.icon(None, bank.id).unwrap().unwrap().bytes(),
        SVG.as_bytes()
    );
    let mail = by_issuer(&tokens, "Mail");
    assert_eq!(mail.groups, ["Work"]);
    assert!(!mail.favourite && mail.note.is_empty());
    assert_eq!(mail.icon, Some(IconKind::Png));
    assert_eq!(vault.icon(None, mail.id).unwrap().unwrap().bytes(), PNG);
    let shop = by_issuer(&tokens, "Shop");
    assert_eq!(shop.groups, ["Home"]);
    assert_eq!(shop.icon, None);
    assert_eq!(vault.icon(None, shop.id).unwrap(), None);
}

#[test]
fn groups_icons_notes_and_favourites_round_trip_through_aegis_and_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let first = create(&dir.path().join("a.db"), UnlockPolicy::TenMinutes, &clock);
    let report = first.import(None, &aegis_with_details(), None).unwrap();
    assert_eq!(report.imported(), 3);
    assert_details(&first);
    // Kept in the file: a fresh process sees them.
    let first = reopen(&dir.path().join("a.db"), &clock);
    first.unlock(&pin(PIN)).unwrap();
    assert_details(&first);

    // Out through the Aegis export and into another vault.
    let exported = first.export_aegis(&pin(PIN), None).unwrap();
    let doc: Value = serde_json::from_str(&exported).unwrap();
    let groups = doc["db"]["groups"].as_array().unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Work", "Money", "Home"]);
    let bank = &doc["db"]["entries"][0];
    assert_eq!(bank["favorite"], true);
    assert_eq!(bank["icon_mime"], "image/svg+xml");
    assert_eq!(bank["groups"].as_array().unwrap().len(), 2);
    let second = create(&dir.path().join("b.db"), UnlockPolicy::TenMinutes, &clock);
    assert_eq!(
        second
            .import(None, exported.as_bytes(), None)
            .unwrap()
            .imported(),
        3
    );
    assert_details(&second);

    // Out through the backup and restored into a third.
    let backup = second.export_backup(&pin(PIN), STRONG, CHEAP).unwrap();
    let third = create(&dir.path().join("c.db"), UnlockPolicy::TenMinutes, &clock);
    third.restore(&pin(PIN), &backup, Some(STRONG)).unwrap();
    third.unlock(&pin(PIN)).unwrap();
    assert_details(&third);
}

#[test]
fn the_setters_keep_their_limits_and_the_code_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let path = dir.path().join("v.db");
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault
        .add_uri(
            None,
            "otpauth://hotp/Yubi:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=5",
        )
        .unwrap()
        .id;
    let info = vault
        .set_groups(None, id, &["Work", " work", "\u{202e}Keys\u{7}"])
        .unwrap();
    assert_eq!(info.groups, ["Work", "Keys"]);
    assert_eq!(
        vault
            .set_note(None, id, "drawer 2\u{1b}]0;x\u{7}")
            .unwrap()
            .note,
        "drawer 2]0;x"
    );
    assert!(vault.set_favourite(None, id, true).unwrap().favourite);
    assert_eq!(
        vault.set_icon(None, id, Some(PNG.to_vec())).unwrap().icon,
        Some(IconKind::Png)
    );
    // Refused whole, nothing changed.
    let many: Vec<String> = (0..33).map(|n| format!("g{n}")).collect();
    assert_eq!(
        vault.set_groups(None, id, &many),
        Err(VaultError::InvalidDetails(DetailsError::TooManyGroups))
    );
    assert_eq!(
        vault.set_note(None, id, &"x".repeat(4097)),
        Err(VaultError::InvalidDetails(DetailsError::NoteTooLong))
    );
    assert_eq!(
        vault.set_icon(None, id, Some(b"GIF89a".to_vec())),
        Err(VaultError::InvalidDetails(DetailsError::IconType))
    );
    let mut big = PNG.to_vec();
    big.resize(MAX_ICON_BYTES + 1, 0);
    assert_eq!(
        vault.set_icon(None, id, Some(big)),
        Err(VaultError::InvalidDetails(DetailsError::IconTooLarge))
    );
    let info = &vault.list(None).unwrap()[0];
    assert_eq!(info.groups, ["Work", "Keys"]);
    assert_eq!(info.icon, Some(IconKind::Png));
    // Drawing an HOTP code re-seals the token: the details stay, the counter moves.
    assert_eq!(vault.next_hotp(None, id).unwrap().value, "254676");
    let info = &reopen_unlocked(&path, &clock).list(None).unwrap()[0];
    assert_eq!(info.groups, ["Work", "Keys"]);
    assert!(info.favourite);
    assert_eq!(info.kind, otpvault_codes::OtpKind::Hotp { counter: 6 });
    // A PIN change re-seals every row under a new key: they stay.
    vault.change_pin(&pin(PIN), "97531").unwrap();
    assert_eq!(vault.list(None).unwrap()[0].groups, ["Work", "Keys"]);
    // Removing them.
    vault.set_icon(None, id, None).unwrap();
    vault.set_groups::<&str>(None, id, &[]).unwrap();
    let info = vault.set_note(None, id, "").unwrap();
    assert!(info.groups.is_empty() && info.note.is_empty() && info.icon.is_none());
}

fn reopen_unlocked(path: &std::path::Path, clock: &otpvault_codes::ManualClock) -> Vault {
    let vault = reopen(path, clock);
    vault.unlock(&pin(PIN)).unwrap();
    vault
}

#[test]
fn details_are_sealed_and_an_old_row_written_back_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let path = dir.path().join("v.db");
    let vault = create(&path, UnlockPolicy::FiveMinutes, &clock);
    let id = vault
        .add_uri(None, "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP")
        .unwrap()
        .id;
    vault
        .set_note(None, id, "the recovery codes are in the safe")
        .unwrap();
    vault.set_groups(None, id, &["Finances"]).unwrap();
    // Nothing of it is readable in the file.
    drop(vault);
    let bytes = std::fs::read(&path).unwrap();
    for needle in [&b"recovery codes"[..], b"Finances"] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    // The row before the groups were removed, written back: the manifest names another.
    let vault = reopen_unlocked(&path, &clock);
    let before: Vec<u8> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT sealed FROM tokens WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    vault.set_groups::<&str>(None, id, &[]).unwrap();
    vault.lock();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE tokens SET sealed = ?1 WHERE id = ?2",
            rusqlite::params![before, id],
        )
        .unwrap();
    vault.unlock(&pin(PIN)).unwrap();
    assert!(
        vault.list(None).unwrap().is_empty(),
        "the old row is damaged, not shown"
    );
    assert!(matches!(
        vault.code(None, id, 59),
        Err(VaultError::Corrupted { .. })
    ));
}

#[test]
fn a_vault_from_before_details_opens_with_none_and_takes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(include_str!("snapshots/vault-v4.sql"))
        .unwrap();
    let clock = clock();
    let vault = reopen_unlocked(&path, &clock);
    let tokens = vault.list(None).unwrap();
    assert_eq!(tokens.len(), 3);
    assert!(
        tokens
            .iter()
            .all(|t| t.groups.is_empty() && t.note.is_empty() && !t.favourite && t.icon.is_none())
    );
    // RFC 6238, SHA1, T = 59 (device time 74 minus the stored 15 s correction).
    assert_eq!(
        vault.code(None, tokens[0].id, 74).unwrap().value,
        "94287082"
    );
    vault.set_groups(None, tokens[1].id, &["Hardware"]).unwrap();
    vault.set_favourite(None, tokens[2].id, true).unwrap();
    // RFC 4226 Appendix D, counter 5, and the new record keeps the new counter.
    assert_eq!(vault.next_hotp(None, tokens[1].id).unwrap().value, "254676");
    drop(vault);
    let vault = reopen_unlocked(&path, &clock);
    let tokens = vault.list(None).unwrap();
    assert_eq!(tokens[1].groups, ["Hardware"]);
    assert_eq!(tokens[1].kind, otpvault_codes::OtpKind::Hotp { counter: 6 });
    assert!(tokens[2].favourite);
    assert_eq!(tokens[0].issuer, "ACME Co");
}
