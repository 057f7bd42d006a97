//! `otpvault export --format uris|aegis|aegis-encrypted|backup|google [--out PATH] [--qr DIR]`:
//! every token in a format the user can leave with (the PIN is always asked). Clear-text formats
//! print a warning on standard error; encrypted ones take a passphrase that must pass the
//! strength check, judged before the PIN is asked (from `--password-file`, standard input with
//! `--pin-stdin`, or asked twice). Files are created
//! readable by their owner only and replaced atomically.

use std::io::Write;
use std::path::Path;

use otpvault_core::Pin;
use otpvault_core::backup::BackupKdf;
use otpvault_core::export::Snapshot;
use zeroize::Zeroizing;

use crate::args::ExportFormat;
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::input::tell;
use crate::render::Report;

const CLEAR_TEXT: &str = "Warning: this export holds every secret in clear text; anyone who sees it can make your codes. Store it encrypted and delete it after use.";

/// The passphrase of an encrypted export: `--password-file`'s first line, a line of standard
/// input under `--pin-stdin`, or asked twice at the terminal.
fn passphrase(ctx: &Context, file: Option<&Path>) -> Outcome<Zeroizing<String>> {
    if file.is_some() {
        return super::import::password(file);
    }
    if ctx.pins.from_stdin {
        return ctx.pins.read("Passphrase: ");
    }
    let first = crate::input::prompt_secret("Passphrase for the export (a few unrelated words): ")?;
    let again = crate::input::prompt_secret("Repeat the passphrase: ")?;
    if *first != *again {
        return Err(Failure::invalid("the two passphrases differ"));
    }
    Ok(first)
}

/// Writes `bytes` to `path`, owner-only, through a new temporary file with a random name
/// (`O_EXCL`, 0600, in the same directory) renamed into place: never through a file or link
/// another user made first, and nothing left behind on failure.
fn write_private(path: &Path, bytes: &[u8]) -> Outcome {
    let cannot = |e: std::io::Error| {
        Failure::invalid(format!("cannot write {}: {}", path.display(), e.kind()))
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".otpvault-export-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(cannot)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| cannot(e.error))?;
    Ok(())
}

/// The lines as one zeroizing text, a newline after each (sized first: a growing buffer would
/// free smaller copies of the secrets unwiped).
fn joined(lines: &[Zeroizing<String>]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(
        lines.iter().map(|line| line.len() + 1).sum(),
    ));
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn google(snapshot: &Snapshot, qr: Option<&Path>) -> Outcome<Vec<Zeroizing<String>>> {
    let transfer = snapshot.google()?;
    for (index, reason) in &transfer.left_out {
        let name = snapshot
            .tokens
            .get(*index)
            .map(|t| {
                format!(
                    "{}:{} (number {} in the list)",
                    t.issuer(),
                    t.account(),
                    index + 1
                )
            })
            .unwrap_or_default();
        tell(&format!(
            "Left out {name}: Google Authenticator cannot hold it ({})",
            reason.name()
        ));
    }
    if let Some(dir) = qr {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| {
            Failure::invalid(format!("cannot create {}: {}", dir.display(), e.kind()))
        })?;
        // The QR codes carry every secret: not into a directory others can read or enter.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(Failure::invalid(format!(
                    "{} can be read by other users (mode {:o}); use a private directory (chmod 700)",
                    dir.display(),
                    mode & 0o777
                )));
            }
        }
        let count = transfer.uris.len();
        for (index, uri) in transfer.uris.iter().enumerate() {
            let path = dir.join(format!("otpauth-migration-{}-of-{count}.png", index + 1));
            crate::qr::write_png(uri, &path)?;
        }
        tell(&format!(
            "Wrote {count} QR code{} to {}: scan them in order in Google Authenticator (Transfer accounts → Import accounts).",
            if count == 1 { "" } else { "s" },
            dir.display()
        ));
    }
    Ok(transfer.uris)
}

pub fn run(
    ctx: &Context,
    format: Option<ExportFormat>,
    out: Option<&Path>,
    qr: Option<&Path>,
    password_file: Option<&Path>,
) -> Outcome<Report> {
    let format = format.ok_or_else(|| {
        Failure::invalid("give --format uris|aegis|aegis-encrypted|backup|google (or --uris)")
    })?;
    if qr.is_some() && format != ExportFormat::Google {
        return Err(Failure::invalid("--qr is for --format google"));
    }
    if format == ExportFormat::Backup && out.is_none() {
        return Err(Failure::invalid(
            "a backup is a binary file: give --out PATH",
        ));
    }
    let encrypted = matches!(format, ExportFormat::AegisEncrypted | ExportFormat::Backup);
    // A passphrase typed or read from a file is judged before the PIN is asked, so a weak one
    // costs no PIN entry (and no KDF run). With both on standard input the lines stay in their
    // documented order, PIN first. The vault's names are checked against it once it is open.
    let mut early = None;
    if encrypted && (password_file.is_some() || !ctx.pins.from_stdin) {
        let secret = passphrase(ctx, password_file)?;
        otpvault_core::backup::check_passphrase(&secret, &[])
            .map_err(otpvault_core::error::ExportError::from)?;
        early = Some(secret);
    }
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN (export reveals every secret): ")?)?;
    // One PIN check (one KDF run) for whatever is written and reported.
    let snapshot = vault.export_snapshot(&pin)?;
    drop(pin);
    let mut lines: Option<Vec<Zeroizing<String>>> = None;
    let mut text: Option<Zeroizing<String>> = None;
    let mut bytes: Option<Vec<u8>> = None;
    match format {
        ExportFormat::Uris => lines = Some(snapshot.uris()),
        ExportFormat::Google => lines = Some(google(&snapshot, qr)?),
        ExportFormat::Aegis => text = Some(snapshot.aegis(None)?),
        ExportFormat::AegisEncrypted => {
            let secret = early.map_or_else(|| passphrase(ctx, password_file), Ok)?;
            text = Some(snapshot.aegis(Some(&secret))?);
        }
        ExportFormat::Backup => {
            let secret = early.map_or_else(|| passphrase(ctx, password_file), Ok)?;
            bytes = Some(snapshot.backup(&secret, BackupKdf::DEFAULT)?);
        }
    }
    if matches!(
        format,
        ExportFormat::Uris | ExportFormat::Aegis | ExportFormat::Google
    ) {
        // On standard error, so it is seen even when the output goes to a file or a pipe.
        tell(CLEAR_TEXT);
    }
    let Some(path) = out else {
        return Ok(match (lines, text) {
            (Some(lines), _) => Report::Uris(lines),
            (None, Some(text)) => Report::Raw(text),
            (None, None) => Report::Raw(Zeroizing::new(String::new())),
        });
    };
    let joined_lines = lines.as_deref().map(joined);
    let payload: &[u8] = match (&joined_lines, &text, &bytes) {
        (Some(lines), _, _) => lines.as_bytes(),
        (None, Some(text), _) => text.as_bytes(),
        (None, None, Some(bytes)) => bytes,
        (None, None, None) => &[],
    };
    write_private(path, payload)?;
    Ok(Report::Exported {
        path: path.to_owned(),
        format: format_name(format),
        tokens: snapshot.tokens.len(),
    })
}

fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Uris => "uris",
        ExportFormat::Aegis => "aegis",
        ExportFormat::AegisEncrypted => "aegis-encrypted",
        ExportFormat::Backup => "backup",
        ExportFormat::Google => "google",
    }
}
