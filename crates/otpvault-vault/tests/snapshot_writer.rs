//! Writes a vault in the format this build writes, for a migration test of a later format:
//! `OTPVAULT_SNAPSHOT=PATH cargo test -p otpvault-vault --features test-support --test
//! snapshot_writer -- --ignored`, then `sqlite3 PATH .dump`. `snapshots/vault-v4.sql` was written
//! so at commit bf796e9 (schema 4, token records v1, manifest v2).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod common;

use common::*;
use otpvault_vault::UnlockPolicy;

#[test]
#[ignore = "writes a snapshot on demand"]
fn write_snapshot() {
    let path = std::path::PathBuf::from(std::env::var("OTPVAULT_SNAPSHOT").unwrap());
    let clock = clock();
    let vault = create(&path, UnlockPolicy::TenMinutes, &clock);
    let p = pin(PIN);
    vault
        .add_uri(
            Some(&p),
            "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8",
        )
        .unwrap();
    vault
        .add_uri(
            Some(&p),
            "otpauth://hotp/Yubi:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=5",
        )
        .unwrap();
    vault
        .add_uri(
            Some(&p),
            "otpauth://totp/Provincia%20di%20Trento:mario?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&period=60",
        )
        .unwrap();
    vault.set_time_offset(Some(&p), -15).unwrap();
}
