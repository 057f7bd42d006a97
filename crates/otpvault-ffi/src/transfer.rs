//! Moving in and out through the bindings: previewing and importing other apps' export files,
//! otpvault's encrypted backup and its restore, the Aegis and Google Authenticator exports. Every
//! call that may run a KDF (scrypt, PBKDF2, Argon2id) is `async` and runs off the caller's thread.

use otpvault_core::import::{self as core_import, SkipReason};
use otpvault_core::{OtpKind, backup::BackupKdf};
use zeroize::Zeroizing;

use crate::error::OtpError;
use crate::vault::OtpVault;

/// Judges a passphrase for an encrypted export (backup or Aegis) before the app asks for the PIN:
/// `WeakPassphrase` with a score and advice when it is too easy to guess. The export itself checks
/// it again with the vault's names as forbidden words. Fast (milliseconds, no KDF).
#[uniffi::export]
pub fn check_export_passphrase(passphrase: String) -> Result<(), OtpError> {
    let passphrase = Zeroizing::new(passphrase);
    // Through the one conversion of core errors (ExportError -> VaultError -> OtpError).
    otpvault_core::backup::check_passphrase(&passphrase, &[]).map_err(|weak| {
        otpvault_core::VaultError::from(otpvault_core::error::ExportError::from(weak))
    })?;
    Ok(())
}

/// Why one entry of an export file is not imported (the core's enum).
#[uniffi::remote(Enum)]
pub enum SkipReason {
    /// An algorithm otpvault does not compute (MD5, SHA384, …).
    UnsupportedAlgorithm,
    /// A kind of token otpvault does not compute (mOTP, Yandex, …).
    UnsupportedKind,
    /// Digits outside 6..=10.
    InvalidDigits,
    /// A period of 0 or above a day.
    InvalidPeriod,
    /// A secret that is missing or not base32.
    InvalidSecret,
    /// Anything else malformed in the entry.
    InvalidEntry,
}

/// What happens (or happened) to one entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImportOutcome {
    /// Imported as the token `id` (0 in a preview).
    Imported {
        /// The new token's id.
        id: i64,
    },
    /// The vault already holds it (same secret, kind and parameters).
    DuplicateOf {
        /// The existing token's id.
        id: i64,
    },
    /// An earlier entry of the same file is the same token.
    DuplicateInFile {
        /// That entry's index.
        index: u32,
    },
    /// Not importable.
    Skipped {
        /// Why.
        reason: SkipReason,
    },
}

/// One entry of an import report (names and kind, never the secret).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportEntry {
    /// Position in the file, from 0.
    pub index: u32,
    /// Issuer.
    pub issuer: String,
    /// Account.
    pub account: String,
    /// Kind, when the entry could be read.
    pub kind: Option<OtpKind>,
    /// Outcome.
    pub outcome: ImportOutcome,
    /// What the person should know about it.
    pub notes: Vec<ImportNote>,
}

/// Something the person should know about an imported entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImportNote {
    /// An HOTP entry that gave no counter (Ente writes them): read with counter 0.
    CounterAssumedZero,
    /// It shares its secret with this token already in the vault (under other names).
    SharesSecretWith {
        /// The token.
        id: i64,
    },
    /// It shares its secret with this earlier entry of the file (under other names).
    SharesSecretWithEntry {
        /// The entry's index.
        index: u32,
    },
}

/// What an import (or its preview) does, entry by entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// The format the file was read as (`aegis`, `2fas`, `otpvault-backup`, …).
    pub format: String,
    /// Every entry, in the file's order.
    pub entries: Vec<ImportEntry>,
}

impl From<core_import::ImportReport> for ImportReport {
    fn from(report: core_import::ImportReport) -> Self {
        let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        Self {
            format: report.format.name().to_owned(),
            entries: report
                .entries
                .into_iter()
                .map(|e| ImportEntry {
                    index: index(e.index),
                    issuer: e.issuer,
                    account: e.account,
                    kind: e.kind,
                    notes: e
                        .notes
                        .iter()
                        .map(|note| match *note {
                            core_import::ImportNote::CounterAssumedZero => {
                                ImportNote::CounterAssumedZero
                            }
                            core_import::ImportNote::SharesSecretWith { id } => {
                                ImportNote::SharesSecretWith { id }
                            }
                            core_import::ImportNote::SharesSecretWithEntry { index: i } => {
                                ImportNote::SharesSecretWithEntry { index: index(i) }
                            }
                        })
                        .collect(),
                    outcome: match e.outcome {
                        core_import::ImportOutcome::Imported { id } => {
                            ImportOutcome::Imported { id }
                        }
                        core_import::ImportOutcome::DuplicateOf { id } => {
                            ImportOutcome::DuplicateOf { id }
                        }
                        core_import::ImportOutcome::DuplicateInFile { index: i } => {
                            ImportOutcome::DuplicateInFile { index: index(i) }
                        }
                        core_import::ImportOutcome::Skipped(reason) => {
                            ImportOutcome::Skipped { reason }
                        }
                    },
                })
                .collect(),
        }
    }
}

/// A Google Authenticator transfer export.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GoogleExport {
    /// One `otpauth-migration://` URI per QR code, in order.
    pub uris: Vec<String>,
    /// Tokens left out (index in `list()`), with the reason (`period_not_30`,
    /// `digits_not_6_or_8`, `steam`).
    pub left_out: Vec<GoogleLeftOut>,
}

/// A token Google Authenticator cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GoogleLeftOut {
    /// Its index in `list()`.
    pub index: u32,
    /// Why.
    pub reason: String,
}

fn secret(text: Option<String>) -> Option<Zeroizing<String>> {
    text.map(Zeroizing::new)
}

#[uniffi::export]
impl OtpVault {
    /// What importing an export file would do, entry by entry (nothing changes). `password`
    /// opens an encrypted file. Needs an unlocked session.
    pub async fn preview_import(
        &self,
        bytes: Vec<u8>,
        password: Option<String>,
    ) -> Result<ImportReport, OtpError> {
        let (bytes, password) = (Zeroizing::new(bytes), secret(password));
        self.background(move |v| {
            v.preview_import(None, &bytes, password.as_deref().map(|p| p.as_str()))
        })
        .await
        .map(Into::into)
    }

    /// Imports an export file of another authenticator (or an otpvault backup's tokens): every
    /// entry the preview would import, in one transaction. Needs an unlocked session.
    pub async fn import_file(
        &self,
        bytes: Vec<u8>,
        password: Option<String>,
    ) -> Result<ImportReport, OtpError> {
        let (bytes, password) = (Zeroizing::new(bytes), secret(password));
        self.background(move |v| v.import(None, &bytes, password.as_deref().map(|p| p.as_str())))
            .await
            .map(Into::into)
    }

    /// otpvault's encrypted backup (Argon2id 64 MiB, AES-256-GCM) of every token, its order,
    /// names, counters, the time correction and the policy. The passphrase must reach zxcvbn's
    /// score 3 (`WeakPassphrase` otherwise). Asks the PIN.
    pub async fn export_backup(
        &self,
        pin: String,
        passphrase: String,
    ) -> Result<Vec<u8>, OtpError> {
        let pin = crate::vault::pin(pin)?;
        let passphrase = Zeroizing::new(passphrase);
        self.background(move |v| v.export_backup(&pin, &passphrase, BackupKdf::DEFAULT))
            .await
    }

    /// Restores a backup (or imports any export file): tokens imported (duplicates skipped),
    /// then the backup's time correction and policy applied. Asks the PIN.
    pub async fn restore(
        &self,
        pin: String,
        bytes: Vec<u8>,
        passphrase: Option<String>,
    ) -> Result<ImportReport, OtpError> {
        let pin = crate::vault::pin(pin)?;
        let (bytes, passphrase) = (Zeroizing::new(bytes), secret(passphrase));
        self.background(move |v| v.restore(&pin, &bytes, passphrase.as_deref().map(|p| p.as_str())))
            .await
            .map(Into::into)
    }

    /// Every token as an Aegis vault file, encrypted with `password` when given (checked like a
    /// backup passphrase). Asks the PIN.
    pub async fn export_aegis(
        &self,
        pin: String,
        password: Option<String>,
    ) -> Result<String, OtpError> {
        let pin = crate::vault::pin(pin)?;
        let password = secret(password);
        self.background(move |v| {
            Ok(
                v.export_aegis(&pin, password.as_deref().map(|p| p.as_str()))?
                    .to_string(),
            )
        })
        .await
    }

    /// Every token Google Authenticator can hold, as transfer URIs batched for QR codes (show
    /// them one after the other), and the ones it cannot. Asks the PIN.
    pub async fn export_google(&self, pin: String) -> Result<GoogleExport, OtpError> {
        let pin = crate::vault::pin(pin)?;
        self.background(move |v| {
            let transfer = v.export_google(&pin)?;
            Ok(GoogleExport {
                uris: transfer.uris.iter().map(|u| u.to_string()).collect(),
                left_out: transfer
                    .left_out
                    .iter()
                    .map(|(index, reason)| GoogleLeftOut {
                        index: u32::try_from(*index).unwrap_or(u32::MAX),
                        reason: reason.name().to_owned(),
                    })
                    .collect(),
            })
        })
        .await
    }
}
