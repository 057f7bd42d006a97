//! What other apps let people organise comes along on import: 2FAS groups, Stratum categories
//! and custom icons (Aegis, Ente and the backup have their own tests in the vault crate).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use otpvault_transfer::details::IconKind;
use otpvault_transfer::export::base64_encode;
use otpvault_transfer::import::{ImportFormat, read};
use serde_json::json;

#[test]
fn two_fas_groups_become_groups() {
    let service = |name: &str, group: Option<&str>| {
        json!({
            "name": name, "secret": "JBSWY3DPEHPK3PXP", "groupId": group,
            "otp": {"account": "me", "issuer": name, "digits": 6, "period": 30,
                    "algorithm": "SHA1", "tokenType": "TOTP"},
        })
    };
    let doc = json!({
        "schemaVersion": 4, "appVersionCode": 5000000,
        "services": [service("Bank", Some("g1")), service("Mail", None), service("Shop", Some("gone"))],
        "groups": [{"id": "g1", "name": "Money", "isExpanded": true}],
    });
    let (format, read) = read(doc.to_string().as_bytes(), None).unwrap();
    assert_eq!(format, ImportFormat::TwoFas);
    assert_eq!(read[0].details.groups, ["Money"]);
    assert!(read[1].details.is_empty() && read[2].details.is_empty());
}

#[test]
fn stratum_categories_and_custom_icons_come_along() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let item = |issuer: &str, secret: &str, icon: &str| {
        json!({"Type": 2, "Issuer": issuer, "Username": "me", "Secret": secret,
               "Algorithm": 0, "Digits": 6, "Period": 30, "Counter": 0, "Icon": icon})
    };
    let doc = json!({
        "Authenticators": [
            item("Bank", "JBSWY3DPEHPK3PXP", "@icon1"),
            item("Mail", "KRSXG5CTMVRXEZLU", "google"),
        ],
        "Categories": [{"Id": "c1", "Name": "Work", "Ranking": 0},
                       {"Id": "c2", "Name": "Money", "Ranking": 1}],
        "AuthenticatorCategories": [
            {"CategoryId": "c1", "AuthenticatorSecret": "JBSWY3DPEHPK3PXP", "Ranking": 0},
            {"CategoryId": "c2", "AuthenticatorSecret": "JBSWY3DPEHPK3PXP", "Ranking": 0},
            {"CategoryId": "c1", "AuthenticatorSecret": "KRSXG5CTMVRXEZLU", "Ranking": 1},
        ],
        "CustomIcons": [{"Id": "icon1", "Data": base64_encode(&png)}],
    });
    let (format, read) = read(doc.to_string().as_bytes(), None).unwrap();
    assert_eq!(format, ImportFormat::Stratum);
    assert_eq!(read[0].details.groups, ["Work", "Money"]);
    let icon = read[0].details.icon.as_ref().unwrap();
    assert_eq!(icon.kind(), IconKind::Png);
    assert_eq!(icon.bytes(), png);
    assert_eq!(read[1].details.groups, ["Work"]);
    assert!(
        read[1].details.icon.is_none(),
        "a built-in icon name carries no image"
    );
}
