//! `otpvault demo`: a throw-away vault with sample accounts, watched live.

use otpvault_core::{CreateOptions, Secret, TokenParams, UnlockPolicy, Vault, uri};

use super::watch::watch_vault;
use crate::failure::Outcome;

const DEMO_PIN: &str = "13579";
const DEMO_URIS: &[&str] = &[
    "otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example",
    "otpauth://totp/Provincia%20di%20Trento:mario.rossi?secret=JBSWY3DPEHPK3PXP&issuer=Provincia%20di%20Trento&digits=8&period=60",
    "otpauth://totp/GitHub:octocat?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA256",
    "otpauth://hotp/YubiKey:backup?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPI&counter=0",
    "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
];

/// `otpvault demo`: a throw-away vault with sample accounts, watched live.
pub fn run(frames: Option<u64>) -> Outcome {
    let dir = std::env::temp_dir().join(format!("otpvault-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("vault.db");
    let result = (|| {
        let vault = Vault::create(
            &path,
            DEMO_PIN,
            CreateOptions::new(UnlockPolicy::TenMinutes),
        )?;
        for text in DEMO_URIS {
            vault.add_token(None, uri::parse(text)?)?;
        }
        let fresh = Secret::generate()?;
        vault.add_typed(
            None,
            &fresh.to_base32(),
            TokenParams {
                issuer: "Your portal".into(),
                account: "typed by hand".into(),
                ..TokenParams::default()
            },
        )?;
        println!(
            "Demo vault {} (PIN {DEMO_PIN}, {} PBKDF2 iterations), removed when the demo ends.",
            path.display(),
            vault.status().kdf_iterations
        );
        watch_vault(&vault, None, frames, "otpvault demo")
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
