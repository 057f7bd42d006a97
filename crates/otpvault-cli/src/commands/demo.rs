//! `otpvault demo`: a throw-away vault with sample accounts, watched live. It never touches the
//! user's own vault and suggests no command that would; its files are removed when it ends,
//! Ctrl-C included.

use otpvault_core::{CreateOptions, Pin, Secret, TokenParams, UnlockPolicy, Vault, uri};

use super::watch::{Source, View, watch};
use crate::access::Access;
use crate::failure::Outcome;

const DEMO_PIN: &str = "13579";
const DEMO_URIS: &[&str] = &[
    "otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example",
    "otpauth://totp/Provincia%20di%20Trento:mario.rossi?secret=JBSWY3DPEHPK3PXP&issuer=Provincia%20di%20Trento&digits=8&period=60",
    "otpauth://totp/GitHub:octocat?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA256",
    "otpauth://hotp/YubiKey:backup?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPI&counter=0",
    "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
];

/// The demo vault, unlocked again with the demo PIN whenever its session ends.
struct DemoSource {
    path: std::path::PathBuf,
}

impl Source for DemoSource {
    fn access(&mut self) -> Outcome<Access> {
        let vault = Vault::open(&self.path, otpvault_core::OpenOptions::default())?;
        let pin = Pin::new(DEMO_PIN)?;
        let info = vault.unlock(&pin)?;
        if info.session_seconds.is_none() {
            vault.lock(); // EveryCode: the PIN goes with each call (see Context::access).
        }
        Ok(Access::local(vault, pin, info.policy))
    }

    fn seconds_left(&mut self, access: &Access) -> Option<u64> {
        access.session_seconds_left()
    }
}

/// Removes the demo's directory when dropped (normal end, error or Ctrl-C alike).
struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(frames: Option<u64>) -> Outcome {
    let dir = std::env::temp_dir().join(format!("otpvault-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let _cleanup = Cleanup(dir.clone());
    let path = dir.join("vault.db");
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
    let iterations = vault.status().kdf_iterations;
    drop(vault);
    println!(
        "Demo vault (PIN {DEMO_PIN}, {iterations} PBKDF2 iterations) in a temporary folder, removed when the demo ends."
    );
    let title = format!("otpvault demo — throw-away vault, PIN {DEMO_PIN}");
    let view = View {
        frames,
        title: &title,
        hotp_hint: false,
        json: false,
        query: None,
    };
    watch(&mut DemoSource { path }, &view)
}
