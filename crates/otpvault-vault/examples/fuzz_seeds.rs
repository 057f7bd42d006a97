//! Writes the seed corpora of the fuzz targets (`scripts/fuzz` runs it): the URIs and secrets of
//! `tests/vectors`, encoded records of every kind, the import fixtures (per parser), and small real vault files (PBKDF2 at one
//! iteration, test builds only, PIN 13579) so the vault-file target starts from valid SQLite.
//!
//!     cargo run -p otpvault-core --features test-support --example fuzz_seeds -- fuzz/corpus

#![allow(clippy::unwrap_used, clippy::expect_used)] // a developer tool: a panic is a clear failure

use std::path::{Path, PathBuf};
use std::sync::Arc;

use otpvault_codes::{ManualClock, TokenParams};
use otpvault_vault::{CreateOptions, OpenOptions, Pin, UnlockPolicy, Vault};
use serde_json::Value;

fn write_all(dir: &Path, items: impl IntoIterator<Item = Vec<u8>>) -> usize {
    std::fs::create_dir_all(dir).unwrap();
    let mut n = 0;
    for item in items {
        std::fs::write(dir.join(format!("seed-{n:03}")), item).unwrap();
        n += 1;
    }
    n
}

fn vectors(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strings(doc: &Value, field: &str) -> Vec<Vec<u8>> {
    ["valid", "invalid"]
        .iter()
        .flat_map(|part| doc[part].as_array().into_iter().flatten())
        .filter_map(|case| case[field].as_str())
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

fn vault_file(
    dir: &Path,
    name: &str,
    policy: UnlockPolicy,
    tokens: &[&str],
    wrong: u32,
) -> Vec<u8> {
    let path = dir.join(name);
    let clock = ManualClock::new(1_700_000_000);
    let mut options = CreateOptions::new(policy).insecure_min_iterations(1);
    options.kdf_iterations = Some(1);
    options.clock = Arc::new(clock.clone());
    let vault = Vault::create(&path, "13579", options).unwrap();
    let pin = Pin::new("13579").unwrap();
    for uri in tokens {
        vault.add_uri(Some(&pin), uri).unwrap();
    }
    if let Some(first) = tokens.first() {
        let token = otpvault_codes::uri::parse(first).unwrap();
        let id = vault.list(Some(&pin)).unwrap()[0].id;
        vault
            .rename(Some(&pin), id, "Renamed", token.account())
            .unwrap();
    }
    vault
        .add_typed(Some(&pin), "jbsw y3dp ehpk 3pxp", TokenParams::default())
        .unwrap();
    drop(vault);
    let vault = Vault::open(&path, {
        let mut o = OpenOptions::default().insecure_min_iterations(1);
        o.clock = Arc::new(clock);
        o
    })
    .unwrap();
    for _ in 0..wrong {
        let _ = vault.unlock(&Pin::new("24680").unwrap());
    }
    drop(vault); // the last connection checkpoints the WAL into the file
    std::fs::read(&path).unwrap()
}

/// One import fixture of tests/fixtures/import (made by its generator), or the version-1 backup
/// of tests/fixtures/backup. The Ente file asks for 1 GiB × 4 passes, which would make every
/// execution take seconds: its seed asks libsodium's smallest (8 KiB, 1 pass) instead.
fn import_fixture(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import");
    let bytes = std::fs::read(dir.join(name)).unwrap();
    if name == "ente-encrypted.txt" {
        let text = String::from_utf8(bytes).unwrap();
        return text
            .replace("\"memLimit\": 1073741824", "\"memLimit\": 8192")
            .replace("\"opsLimit\": 4", "\"opsLimit\": 1")
            .into_bytes();
    }
    bytes
}

/// The seeds of each per-parser target: the fixtures of its formats.
const PARSER_SEEDS: [(&str, &[&str]); 17] = [
    ("parse_google", &["google-transfer.txt"]),
    ("parse_aegis", &["aegis-plain.json", "aegis-encrypted.json"]),
    ("parse_uris", &["uris.txt", "ente.txt"]),
    ("parse_2fas", &["2fas.2fas", "2fas-encrypted.2fas"]),
    (
        "parse_andotp",
        &["andotp.json", "andotp.json.aes", "andotp-old.json.aes"],
    ),
    (
        "parse_bitwarden",
        &[
            "bitwarden.json",
            "bitwarden.csv",
            "bitwarden-encrypted.json",
            "bitwarden-encrypted-argon2.json",
        ],
    ),
    ("parse_steam", &["steam.maFile"]),
    ("parse_freeotp_plus", &["freeotp-plus.json"]),
    ("parse_lastpass", &["lastpass.json"]),
    (
        "parse_stratum",
        &[
            "stratum.json",
            "stratum-encrypted.authpro",
            "stratum-legacy.authpro",
        ],
    ),
    ("parse_ente", &["ente-encrypted.txt"]),
    ("parse_proton", &["proton.json", "proton-encrypted.json"]),
    ("parse_authy", &["authy.xml", "authy-encrypted.xml"]),
    ("parse_freeotp", &["freeotp-tokens.xml"]),
    (
        "parse_phone_stores",
        &[
            "battlenet.xml",
            "duo-accounts.json",
            "totp-authenticator.xml",
            "totp-authenticator.bin",
            "totp-authenticator-default.bin",
        ],
    ),
    (
        "parse_zip",
        &[
            "proton-pass.zip",
            "winauth.zip",
            "refused-authenticator-plus.zip",
            "refused-protected.zip",
        ],
    ),
    ("parse_backup", &["../backup/backup-v1.otpvault"]),
];

/// The seeds of `import_read` (sniffing, then any parser): one file of each kind.
fn import_fixtures() -> Vec<Vec<u8>> {
    [
        "google-transfer.txt",
        "aegis-plain.json",
        "aegis-encrypted.json",
        "uris.txt",
        "freeotp-plus.json",
        "lastpass.json",
        "stratum.json",
        "stratum-legacy.authpro",
        "bitwarden-encrypted.json",
        "ente.txt",
        "ente-encrypted.txt",
        "proton.json",
        "authy.xml",
        "../backup/backup-v1.otpvault",
    ]
    .iter()
    .map(|name| import_fixture(name))
    .collect()
}

/// Every request and answer body of the recorded activation (tests/vectors/activation.json).
fn activation_messages() -> Vec<Vec<u8>> {
    let doc = vectors("activation.json");
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|step| [&step["request"]["body"], &step["response"]["body"]])
        .map(|body| body.as_str().unwrap().as_bytes().to_vec())
        .collect()
}

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    let uris = strings(&vectors("uris.json"), "uri");
    let secrets = strings(&vectors("secrets.json"), "input");
    let scratch = tempfile::tempdir().unwrap();
    let tokens = [
        "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
        "otpauth://hotp/Bank:me?secret=JBSWY3DPEHPK3PXP&counter=7",
        "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "otpauth://totp/Trento:mario?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&period=60",
    ];
    let vaults = vec![
        vault_file(
            scratch.path(),
            "a.db",
            UnlockPolicy::FiveMinutes,
            &tokens,
            0,
        ),
        vault_file(
            scratch.path(),
            "b.db",
            UnlockPolicy::EveryCode,
            &tokens[..1],
            6,
        ),
        vault_file(scratch.path(), "c.db", UnlockPolicy::TenMinutes, &[], 0),
    ];
    let mut counts = vec![
        ("uri_parse", write_all(&out.join("uri_parse"), uris)),
        (
            "base32_decode",
            write_all(&out.join("base32_decode"), secrets),
        ),
        (
            "record_decode",
            write_all(
                &out.join("record_decode"),
                otpvault_vault::test_support::sample_records(),
            ),
        ),
        ("vault_open", write_all(&out.join("vault_open"), vaults)),
        (
            "import_read",
            write_all(&out.join("import_read"), import_fixtures()),
        ),
        (
            "activation_messages",
            write_all(&out.join("activation_messages"), activation_messages()),
        ),
    ];
    for (target, names) in PARSER_SEEDS {
        let seeds = names.iter().map(|name| import_fixture(name));
        counts.push((target, write_all(&out.join(target), seeds)));
    }
    for (target, n) in counts {
        println!("{target}: {n} seeds");
    }
}
