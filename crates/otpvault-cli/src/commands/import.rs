//! `otpvault import FILE [--dry-run]`: another authenticator's export file into the vault, with a
//! report per entry. The file is read as a whole first: one that cannot be read imports nothing
//! (exit 2); otherwise every importable entry is added in one transaction (exit 0, even when some
//! entries are skipped, each with its reason). `--dry-run` reports without changing the vault.

use std::io::Read;
use std::path::Path;

use otpvault_core::Pin;
use otpvault_core::import::MAX_IMPORT_BYTES;
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

pub fn run(ctx: &Context, file: &Path, dry_run: bool) -> Outcome<Report> {
    let bytes = read_file(file)?;
    // Checked before the PIN is asked: an unreadable file should not cost a KDF.
    otpvault_core::import::read(&bytes).map_err(otpvault_core::VaultError::from)?;
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN: ")?)?;
    let report = if dry_run {
        vault.preview_import(Some(&pin), &bytes)?
    } else {
        vault.import(Some(&pin), &bytes)?
    };
    Ok(Report::Import { report, dry_run })
}
