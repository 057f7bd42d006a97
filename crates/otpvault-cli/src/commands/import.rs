//! `otpvault import FILE [--dry-run]`: another authenticator's export file into the vault, with a
//! report per entry. The file is read as a whole first: one that cannot be read imports nothing
//! (exit 2); otherwise every importable entry is added in one transaction (exit 0, even when some
//! entries are skipped, each with its reason). `--dry-run` reports without changing the vault.

use std::io::Read;
use std::path::Path;

use otpvault_core::import::{ImportError, ImportFormat, MAX_IMPORT_BYTES, ReadFile, read_file_as};
use otpvault_core::{Pin, VaultError};
use zeroize::Zeroizing;

use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::render::Report;

/// Reads the file into a zeroizing buffer (it holds secrets), refusing oversized files before
/// reading them.
fn read_file(path: &Path) -> Outcome<Zeroizing<Vec<u8>>> {
    if path.is_dir() {
        return Err(Failure::invalid(format!(
            "{} is a directory: give the export file",
            path.display()
        )));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::invalid(format!("cannot read {}: {}", path.display(), e.kind())))?;
    let limit = MAX_IMPORT_BYTES as u64 + 1;
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        file.metadata().map_or(0, |m| m.len().min(limit) as usize),
    ));
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The export's password: the first line of `--password-file`, or asked on the terminal.
pub(crate) fn password(path: Option<&Path>) -> Outcome<Zeroizing<String>> {
    match path {
        Some(path) => {
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                Failure::invalid(format!("cannot read {}: {}", path.display(), e.kind()))
            })?);
            Ok(Zeroizing::new(
                text.lines().next().unwrap_or_default().to_owned(),
            ))
        }
        None => crate::input::prompt_secret("Password of the export file: "),
    }
}

/// Reads (and decrypts) an export file once, asking its password only when it is encrypted.
fn read_export(
    file: &Path,
    format: Option<ImportFormat>,
    password_file: Option<&Path>,
) -> Outcome<ReadFile> {
    let bytes = read_file(file)?;
    Ok(match read_file_as(&bytes, None, format) {
        Err(ImportError::PasswordRequired { .. }) => {
            let password = password(password_file)?;
            read_file_as(&bytes, Some(&password), format)
        }
        other => other,
    }
    .map_err(VaultError::from)?)
}

pub fn run(
    ctx: &Context,
    file: &Path,
    dry_run: bool,
    format: Option<ImportFormat>,
    password_file: Option<&Path>,
) -> Outcome<Report> {
    // Read (and decrypted) once, before the PIN is asked: a file that cannot be read costs no
    // PIN attempt, and its KDF runs once.
    let read = read_export(file, format, password_file)?;
    apply(ctx, read, dry_run)
}

/// `otpvault restore FILE`: a backup's tokens imported, then its time correction and policy.
/// Through the agent when one holds the vault and the backup keeps its policy (no PIN asked, the
/// agent goes on); otherwise here, with the PIN.
pub fn restore(ctx: &Context, file: &Path, password_file: Option<&Path>) -> Outcome<Report> {
    let read = read_export(file, None, password_file)?;
    let settings = read.settings;
    #[cfg(unix)]
    let read = match ctx.agent_client()?.map(|client| client.restore(&read)) {
        Some(Ok(report)) => {
            tell_restored(settings);
            return Ok(Report::Import {
                report,
                dry_run: false,
            });
        }
        Some(Err(failure)) if failure.kind == "locked" => {
            if let Some(settings) = settings {
                crate::input::tell(&format!(
                    "The backup asks the PIN {}: changing the policy takes the PIN.",
                    crate::render::policy_words(settings.policy)
                ));
            }
            read
        }
        Some(Err(failure)) if failure.kind != "agent_gone" => return Err(failure),
        _ => read,
    };
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN: ")?)?;
    let report = vault.restore_read(Some(&pin), read)?;
    tell_restored(settings);
    Ok(Report::Import {
        report,
        dry_run: false,
    })
}

fn tell_restored(settings: Option<otpvault_core::backup::BackupSettings>) {
    if let Some(settings) = settings {
        crate::input::tell(&format!(
            "Restored the time correction ({:+} s) and the unlock policy: the PIN is asked {}.",
            settings.time_offset,
            crate::render::policy_words(settings.policy)
        ));
    }
}

/// Previews or imports a file already read (also used by `add` for a Google Authenticator
/// transfer QR code): through the agent when one holds the vault (no PIN asked; the write is the
/// agent's, so its session goes on), else here with the PIN. Either way one transaction.
pub fn apply(
    ctx: &Context,
    read: otpvault_core::import::ReadFile,
    dry_run: bool,
) -> Outcome<Report> {
    #[cfg(unix)]
    match ctx
        .agent_client()?
        .map(|client| client.import(&read, dry_run))
    {
        Some(Ok(report)) => return Ok(Report::Import { report, dry_run }),
        Some(Err(failure)) if failure.kind != "agent_gone" => return Err(failure),
        _ => {}
    }
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN: ")?)?;
    let report = if dry_run {
        vault.preview_read(Some(&pin), &read)?
    } else {
        vault.import_read(Some(&pin), read)?
    };
    Ok(Report::Import { report, dry_run })
}
