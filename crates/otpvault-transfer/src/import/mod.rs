//! Moving in: reading other authenticators' export files into tokens, with a report per entry.
//!
//! [`read`] sniffs the format from the bytes (never from a file name), parses every entry with
//! the parser of that format, and returns one [`Candidate`] per entry: a validated token, or the
//! typed reason it cannot be imported. Nothing here touches a vault: the vault (`otpvault-vault`) compares
//! the candidates with its tokens (duplicates) for a preview, and imports exactly that preview in
//! one transaction.
//!
//! Formats read today (each parser in its own module, written from the apps' public format
//! descriptions):
//! - [`google`]: Google Authenticator's transfer QR codes, `otpauth-migration://offline?data=…`
//!   (protobuf), one or several batches, as QR text or as a text file of them;
//! - [`aegis`]: Aegis vault JSON, plain and encrypted (scrypt password slots);
//! - [`json_formats`]: 2FAS, andOTP, Bitwarden (JSON and CSV), Steam `.maFile`, FreeOTP+ and
//!   LastPass Authenticator plain exports;
//! - [`uris`]: a text file of `otpauth://` / `steam://` URIs, one per line (also Ente Auth's plain
//!   export);
//! - [`andotp`]: andOTP's encrypted backups (both of the app's formats);
//! - [`bitwarden`]: Bitwarden's password-protected JSON;
//! - [`stratum`]: Stratum / Authenticator Pro, plain, encrypted and legacy encrypted;
//! - [`ente`]: Ente Auth's encrypted export (Argon2id + libsodium secretstream);
//! - [`proton`]: Proton Authenticator, plain and password-protected;
//! - [`authy`]: Authy's app-internal token store (preferences XML from a rooted phone);
//! - [`crate::backup`]: otpvault's own encrypted backup.
//!
//! **Compatibility first**: an entry the exporting app accepts must import and give the same
//! codes, so secrets whose base32 length is 1, 3 or 6 mod 8 are decoded as those apps do
//! (trailing bits dropped) instead of being refused. Names go through the same label rules as
//! everything else (control and bidi characters stripped).
//!
//! **Hostile files**: at most [`MAX_IMPORT_BYTES`] bytes and [`MAX_ENTRIES`] entries; every
//! length is checked before it is used; no input panics (fuzzed).

pub mod aegis;
pub mod andotp;
mod android_prefs;
pub mod authy;
pub mod battlenet;
pub mod bitwarden;
pub mod ente;
pub mod freeotp;
pub mod google;
pub mod json_formats;
pub mod proton;
pub mod stratum;
pub mod totp_authenticator;
pub mod uris;
pub mod zip;

use thiserror::Error;

use otpvault_codes::error::UriError;
use otpvault_codes::token::{OtpKind, Token};

/// The largest export file read (16 MiB: tens of thousands of entries).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;
/// The most entries one file may hold.
pub const MAX_ENTRIES: usize = 10_000;

/// A format [`read`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    /// Google Authenticator transfer (`otpauth-migration://`).
    GoogleAuthenticator,
    /// Aegis vault JSON.
    Aegis,
    /// A text file of `otpauth://` URIs.
    UriList,
    /// 2FAS backup (`.2fas`).
    TwoFas,
    /// andOTP backup (JSON).
    AndOtp,
    /// andOTP encrypted backup (`.json.aes`, binary; both of the app's formats).
    AndOtpEncrypted,
    /// Bitwarden export (JSON).
    Bitwarden,
    /// Bitwarden export (CSV).
    BitwardenCsv,
    /// Steam Desktop Authenticator `.maFile`.
    SteamMaFile,
    /// otpvault's own encrypted backup ([`crate::backup`]).
    OtpvaultBackup,
    /// FreeOTP+ JSON export.
    FreeOtpPlus,
    /// LastPass Authenticator JSON export.
    LastPass,
    /// Stratum / Authenticator Pro backup (JSON).
    Stratum,
    /// Stratum / Authenticator Pro encrypted backup (both headers).
    StratumEncrypted,
    /// Ente Auth encrypted export (JSON; its plain export is a [`ImportFormat::UriList`]).
    EnteEncrypted,
    /// Proton Authenticator export (JSON).
    Proton,
    /// Proton Authenticator password-protected export (JSON).
    ProtonEncrypted,
    /// Authy's app-internal token store (Android preferences XML from a rooted phone).
    Authy,
    /// FreeOTP's token store `tokens.xml` (FreeOTP 1.x; FreeOTP+'s internal preferences).
    FreeOtp,
    /// Battle.net Authenticator's token store (Android preferences XML from a rooted phone).
    BattleNet,
    /// Duo Mobile's account store (`accounts.json` from a rooted phone).
    Duo,
    /// TOTP Authenticator's internal preferences (XML from a rooted phone).
    TotpAuthenticator,
    /// TOTP Authenticator's backup (`.bin`, base64 of AES-CBC).
    TotpAuthenticatorEncrypted,
    /// Proton Pass export (a zip holding `Proton Pass/data.json`).
    ProtonPass,
}

/// Every format, in the order `--format` lists them.
pub const FORMATS: [ImportFormat; 24] = [
    ImportFormat::GoogleAuthenticator,
    ImportFormat::Aegis,
    ImportFormat::UriList,
    ImportFormat::TwoFas,
    ImportFormat::AndOtp,
    ImportFormat::AndOtpEncrypted,
    ImportFormat::Bitwarden,
    ImportFormat::BitwardenCsv,
    ImportFormat::SteamMaFile,
    ImportFormat::OtpvaultBackup,
    ImportFormat::FreeOtpPlus,
    ImportFormat::LastPass,
    ImportFormat::Stratum,
    ImportFormat::StratumEncrypted,
    ImportFormat::EnteEncrypted,
    ImportFormat::Proton,
    ImportFormat::ProtonEncrypted,
    ImportFormat::Authy,
    ImportFormat::FreeOtp,
    ImportFormat::BattleNet,
    ImportFormat::Duo,
    ImportFormat::TotpAuthenticator,
    ImportFormat::TotpAuthenticatorEncrypted,
    ImportFormat::ProtonPass,
];

impl ImportFormat {
    /// A stable name (`google`, `aegis`, `uris`).
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::GoogleAuthenticator => "google",
            ImportFormat::Aegis => "aegis",
            ImportFormat::UriList => "uris",
            ImportFormat::TwoFas => "2fas",
            ImportFormat::AndOtp => "andotp",
            ImportFormat::AndOtpEncrypted => "andotp-encrypted",
            ImportFormat::Bitwarden => "bitwarden",
            ImportFormat::BitwardenCsv => "bitwarden-csv",
            ImportFormat::SteamMaFile => "steam",
            ImportFormat::OtpvaultBackup => "otpvault-backup",
            ImportFormat::FreeOtpPlus => "freeotp-plus",
            ImportFormat::LastPass => "lastpass",
            ImportFormat::Stratum => "stratum",
            ImportFormat::StratumEncrypted => "stratum-encrypted",
            ImportFormat::EnteEncrypted => "ente-encrypted",
            ImportFormat::Proton => "proton",
            ImportFormat::ProtonEncrypted => "proton-encrypted",
            ImportFormat::Authy => "authy",
            ImportFormat::FreeOtp => "freeotp",
            ImportFormat::BattleNet => "battlenet",
            ImportFormat::Duo => "duo",
            ImportFormat::TotpAuthenticator => "totp-authenticator",
            ImportFormat::TotpAuthenticatorEncrypted => "totp-authenticator-encrypted",
            ImportFormat::ProtonPass => "proton-pass",
        }
    }

    /// The format with this [`ImportFormat::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        FORMATS.into_iter().find(|f| f.name() == name)
    }
}

/// Why a file cannot be read at all (nothing is imported).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    /// Larger than [`MAX_IMPORT_BYTES`].
    #[error("the file is larger than {max} bytes")]
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
    /// More entries than [`MAX_ENTRIES`].
    #[error("the file holds more than {max} entries")]
    TooManyEntries {
        /// The limit.
        max: usize,
    },
    /// Not a format otpvault reads.
    #[error("not an export format otpvault reads")]
    UnknownFormat,
    /// Recognised as something that is not an export otpvault reads (an app's database, an
    /// archive, a format not read yet): `what` says which, so no password is asked for it.
    #[error("this is {what}, not an export otpvault reads")]
    NotAnExport {
        /// What the file is.
        what: &'static str,
    },
    /// The format was recognised but the file is damaged; `what` names the part.
    #[error("the {format} file cannot be read ({what})")]
    Unreadable {
        /// The format's name.
        format: &'static str,
        /// Which part.
        what: &'static str,
    },
    /// The file is encrypted: its password is needed.
    #[error("the {format} file is encrypted: give its password")]
    PasswordRequired {
        /// The format's name.
        format: &'static str,
    },
    /// The password does not open the file.
    #[error("wrong password for the {format} file")]
    WrongPassword {
        /// The format's name.
        format: &'static str,
    },
    /// The file asks for a key derivation costlier than a phone can run (see [`MAX_KDF_MEMORY`]).
    #[error("the {format} file's key derivation asks for more than a phone can give ({what})")]
    KdfTooCostly {
        /// The format's name.
        format: &'static str,
        /// Which parameter.
        what: &'static str,
    },
}

/// Refuses a file with more than [`MAX_ENTRIES`] entries (checked before any entry is parsed).
pub(crate) fn check_entries(len: usize) -> Result<(), ImportError> {
    if len > MAX_ENTRIES {
        return Err(ImportError::TooManyEntries { max: MAX_ENTRIES });
    }
    Ok(())
}

/// The most memory a file's memory-hard KDF may ask for (256 MiB); larger parameters are refused
/// rather than allocated. Aegis uses 32 MiB (scrypt N = 2^15, r = 8).
pub const MAX_KDF_MEMORY: u64 = 256 * 1024 * 1024;

/// Why one entry of a file is not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl SkipReason {
    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::UnsupportedAlgorithm => "unsupported_algorithm",
            SkipReason::UnsupportedKind => "unsupported_kind",
            SkipReason::InvalidDigits => "invalid_digits",
            SkipReason::InvalidPeriod => "invalid_period",
            SkipReason::InvalidSecret => "invalid_secret",
            SkipReason::InvalidEntry => "invalid_entry",
        }
    }

    /// The reason [`SkipReason::name`] names.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            SkipReason::UnsupportedAlgorithm,
            SkipReason::UnsupportedKind,
            SkipReason::InvalidDigits,
            SkipReason::InvalidPeriod,
            SkipReason::InvalidSecret,
            SkipReason::InvalidEntry,
        ]
        .into_iter()
        .find(|reason| reason.name() == name)
    }
}

impl From<UriError> for SkipReason {
    fn from(err: UriError) -> Self {
        match err {
            UriError::UnknownAlgorithm => SkipReason::UnsupportedAlgorithm,
            UriError::UnknownType => SkipReason::UnsupportedKind,
            UriError::InvalidDigits => SkipReason::InvalidDigits,
            UriError::InvalidPeriod => SkipReason::InvalidPeriod,
            UriError::MissingSecret | UriError::InvalidSecret(_) => SkipReason::InvalidSecret,
            _ => SkipReason::InvalidEntry,
        }
    }
}

/// One entry of an export file: its names (for the report) and the token, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The issuer as the file names it (control characters stripped).
    pub issuer: String,
    /// The account as the file names it (control characters stripped).
    pub account: String,
    /// The validated token, or why this entry is skipped.
    pub token: Result<Token, SkipReason>,
    /// Its groups, note, icon and favourite mark, where the format has them.
    pub details: crate::details::Details,
    /// What the reader assumed about it (reported with the entry).
    pub notes: Vec<ImportNote>,
}

impl Candidate {
    /// A candidate for `token` (names taken from it).
    pub(crate) fn token(token: Token) -> Self {
        Candidate {
            issuer: token.issuer().to_owned(),
            account: token.account().to_owned(),
            token: Ok(token),
            details: crate::details::Details::default(),
            notes: Vec::new(),
        }
    }

    /// This candidate with `details`.
    pub(crate) fn with_details(mut self, details: crate::details::Details) -> Self {
        self.details = details;
        self
    }

    /// The candidate for a secret and its fields: the validated token, or the reason
    /// [`Token::new`] refuses it (digits, period, name length…).
    pub(crate) fn build(
        issuer: &str,
        account: &str,
        secret: otpvault_codes::secret::Secret,
        algorithm: otpvault_codes::otp::Algorithm,
        digits: u8,
        kind: OtpKind,
    ) -> Self {
        let params = otpvault_codes::token::TokenParams {
            issuer: issuer.to_owned(),
            account: account.to_owned(),
            algorithm,
            digits,
            kind,
        };
        match Token::new(secret, params) {
            Ok(token) => Candidate::token(token),
            Err(err) => Candidate::skipped(issuer, account, err.into()),
        }
    }

    /// A skipped entry with whatever names the file gave.
    pub(crate) fn skipped(issuer: &str, account: &str, reason: SkipReason) -> Self {
        let clean = |text: &str| -> String {
            text.chars()
                .filter(|c| !otpvault_codes::token::is_stripped_from_names(*c))
                .take(otpvault_codes::token::MAX_NAME_LEN)
                .collect::<String>()
                .trim()
                .to_owned()
        };
        Candidate {
            issuer: clean(issuer),
            account: clean(account),
            token: Err(reason),
            details: crate::details::Details::default(),
            notes: Vec::new(),
        }
    }
}

/// Identifies the format of an export file from its content.
pub fn sniff(bytes: &[u8]) -> Option<ImportFormat> {
    if zip::looks_like(bytes) {
        return zip::sniff(bytes);
    }
    if crate::backup::looks_like(bytes) {
        return Some(ImportFormat::OtpvaultBackup);
    }
    if stratum::looks_encrypted(bytes) {
        return Some(ImportFormat::StratumEncrypted);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        // A list of URIs with a stray non-UTF-8 byte (a Latin-1 name): still a list of URIs.
        if bytes
            .windows(10)
            .any(|w| w.eq_ignore_ascii_case(b"otpauth://"))
        {
            return Some(ImportFormat::UriList);
        }
        // Binary: the one binary format read is andOTP's encrypted backup (random-looking bytes
        // throughout, so it is only recognised by being binary and long enough).
        return (bytes.len() >= andotp::MIN_LEN).then_some(ImportFormat::AndOtpEncrypted);
    };
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        let doc = otpvault_crypto::secret_json::SecretJson::parse(start).ok()?;
        return json_formats::sniff_json(&doc);
    }
    if authy::looks_like(start) {
        return Some(ImportFormat::Authy);
    }
    if battlenet::looks_like(start) {
        return Some(ImportFormat::BattleNet);
    }
    if totp_authenticator::looks_like(start) {
        return Some(ImportFormat::TotpAuthenticator);
    }
    if freeotp::looks_like(start) {
        return Some(ImportFormat::FreeOtp);
    }
    if totp_authenticator::looks_encrypted(start) {
        return Some(ImportFormat::TotpAuthenticatorEncrypted);
    }
    if json_formats::looks_like_bitwarden_csv(start) {
        return Some(ImportFormat::BitwardenCsv);
    }
    let lines = || {
        start
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    };
    let is_migration = |l: &str| {
        l.get(..20)
            .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration://"))
    };
    if lines().next().is_some() && lines().all(is_migration) {
        return Some(ImportFormat::GoogleAuthenticator);
    }
    if lines().any(uris::is_uri) {
        return Some(ImportFormat::UriList);
    }
    None
}

/// An export file as read: its format and every entry, ready to preview or import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    /// The format it was read as.
    pub format: ImportFormat,
    /// Every entry, in the file's order.
    pub candidates: Vec<Candidate>,
    /// The settings an otpvault backup carries (`None` for other formats).
    pub settings: Option<crate::backup::BackupSettings>,
}

/// Reads an export file once (running its KDF once when encrypted) for
/// the vault's `preview_read` and `import_read`.
pub fn read_file(bytes: &[u8], password: Option<&str>) -> Result<ReadFile, ImportError> {
    read_file_as(bytes, password, None)
}

/// [`read_file`] as `format` (the user's `--format`), or as sniffed when `None`. A file that is
/// not in the format asked for is refused as unreadable in it.
pub fn read_file_as(
    bytes: &[u8],
    password: Option<&str>,
    format: Option<ImportFormat>,
) -> Result<ReadFile, ImportError> {
    if format.is_none_or(|f| f == ImportFormat::OtpvaultBackup) && crate::backup::looks_like(bytes)
    {
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(ImportError::TooLarge {
                max: MAX_IMPORT_BYTES,
            });
        }
        let (candidates, settings) = crate::backup::open(bytes, password)?;
        return Ok(ReadFile {
            format: ImportFormat::OtpvaultBackup,
            candidates,
            settings: Some(settings),
        });
    }
    let (format, candidates) = read_as(bytes, password, format)?;
    Ok(ReadFile {
        format,
        candidates,
        settings: None,
    })
}

/// Reads every entry of an export file (in the file's order); `password` opens an encrypted one.
pub fn read(
    bytes: &[u8],
    password: Option<&str>,
) -> Result<(ImportFormat, Vec<Candidate>), ImportError> {
    read_as(bytes, password, None)
}

/// [`read`] as `format`, or as sniffed when `None`.
pub fn read_as(
    bytes: &[u8],
    password: Option<&str>,
    format: Option<ImportFormat>,
) -> Result<(ImportFormat, Vec<Candidate>), ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            max: MAX_IMPORT_BYTES,
        });
    }
    // A zip: Proton Pass's export, or one export file zipped (WinAuth's), read as that file.
    if zip::looks_like(bytes) {
        return zip::read(bytes, password, format);
    }
    if let Some(what) = not_an_export(bytes) {
        return Err(ImportError::NotAnExport { what });
    }
    let sniffed = match sniff(bytes) {
        Some(sniffed) => sniffed,
        // XML that is neither Authy's nor FreeOTP's token store.
        None if bytes.trim_ascii_start().starts_with(b"<") => {
            return Err(ImportError::NotAnExport {
                what: "an XML file that is not an export otpvault reads (it reads FreeOTP's tokens.xml and Authy's token store)",
            });
        }
        None => return Err(ImportError::UnknownFormat),
    };
    let format = match format {
        Some(asked) if asked != sniffed => {
            return Err(ImportError::Unreadable {
                format: asked.name(),
                what: "the file is not in this format",
            });
        }
        _ => sniffed,
    };
    Ok((format, parse_as(bytes, password, format)?))
}

/// What a file is when it is recognisably not an export otpvault reads, by its first bytes:
/// otherwise these binary files were taken for encrypted andOTP backups and answered "wrong
/// password" or "give its password".
fn not_an_export(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"SQLite format 3\0") {
        Some(
            "an SQLite database (an app's own storage: Google Authenticator's, Microsoft Authenticator's and Authenticator Pro's databases are not read): export from the app instead",
        )
    } else if bytes.starts_with(&[0xac, 0xed, 0x00, 0x05]) {
        Some(
            "a FreeOTP backup (Java serialization), not read yet: export URIs from FreeOTP instead",
        )
    } else {
        None
    }
}

/// Parses `bytes` as `format` with no sniffing in front: each parser alone, with the same caps
/// as [`read`] (what the per-parser fuzz targets drive; [`read_as`] checks the format first).
pub fn parse_as(
    bytes: &[u8],
    password: Option<&str>,
    format: ImportFormat,
) -> Result<Vec<Candidate>, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            max: MAX_IMPORT_BYTES,
        });
    }
    let candidates = match format {
        ImportFormat::OtpvaultBackup => crate::backup::open(bytes, password)?.0,
        ImportFormat::AndOtpEncrypted => andotp::read(bytes, password)?,
        ImportFormat::ProtonPass => zip::read_proton_pass_zip(bytes)?,
        ImportFormat::StratumEncrypted => stratum::read_encrypted(bytes, password)?,
        ImportFormat::UriList if std::str::from_utf8(bytes).is_err() => {
            // URIs are ASCII: a stray byte elsewhere (a Latin-1 name) becomes U+FFFD.
            let text = zeroize::Zeroizing::new(String::from_utf8_lossy(bytes).into_owned());
            parse_text(&text, password, ImportFormat::UriList)?
        }
        text_format => {
            let text = std::str::from_utf8(bytes).map_err(|_| ImportError::Unreadable {
                format: text_format.name(),
                what: "UTF-8",
            })?;
            parse_text(text, password, text_format)?
        }
    };
    check_entries(candidates.len())?;
    Ok(candidates)
}

/// The parsers of the text formats.
fn parse_text(
    text: &str,
    password: Option<&str>,
    format: ImportFormat,
) -> Result<Vec<Candidate>, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    Ok(match format {
        ImportFormat::GoogleAuthenticator => google::read_text(text)?,
        ImportFormat::Aegis => aegis::read(text, password)?,
        ImportFormat::UriList => uris::read(text)?,
        ImportFormat::BitwardenCsv => json_formats::read_bitwarden_csv(text)?,
        ImportFormat::Authy => authy::read(text.trim_start(), password)?,
        ImportFormat::FreeOtp => freeotp::read(text)?,
        ImportFormat::BattleNet => battlenet::read(text)?,
        ImportFormat::TotpAuthenticator => totp_authenticator::read_internal(text)?,
        ImportFormat::TotpAuthenticatorEncrypted => {
            totp_authenticator::read_encrypted(text, password)?
        }
        ImportFormat::OtpvaultBackup
        | ImportFormat::AndOtpEncrypted
        | ImportFormat::StratumEncrypted
        | ImportFormat::ProtonPass => {
            return Err(ImportError::Unreadable {
                format: format.name(),
                what: "a binary format",
            });
        }
        json => {
            let doc = otpvault_crypto::secret_json::SecretJson::parse(text).map_err(|_| {
                ImportError::Unreadable {
                    format: json.name(),
                    what: "JSON",
                }
            })?;
            match json {
                ImportFormat::TwoFas => json_formats::read_two_fas(&doc, password)?,
                ImportFormat::AndOtp => json_formats::read_and_otp(&doc)?,
                ImportFormat::Bitwarden => json_formats::read_bitwarden(&doc, password)?,
                ImportFormat::FreeOtpPlus => json_formats::read_freeotp_plus(&doc)?,
                ImportFormat::LastPass => json_formats::read_lastpass(&doc)?,
                ImportFormat::Duo => json_formats::read_duo(&doc)?,
                ImportFormat::Stratum => stratum::read_plain(&doc)?,
                ImportFormat::EnteEncrypted => ente::read_encrypted(&doc, password)?,
                ImportFormat::Proton => proton::read_plain(&doc)?,
                ImportFormat::ProtonEncrypted => proton::read_encrypted(&doc, password)?,
                _ => json_formats::read_steam(&doc)?,
            }
        }
    })
}

/// True when `a` and `b` are the same account for the purpose of duplicates: the same secret and
/// the same kind and parameters (period, algorithm, digits; an HOTP counter may differ). Names
/// do not matter: a renamed copy is still a copy.
pub fn same_token(a: &Token, b: &Token) -> bool {
    let same_kind = match (a.kind(), b.kind()) {
        (OtpKind::Totp { period: p }, OtpKind::Totp { period: q }) => p == q,
        (OtpKind::Hotp { .. }, OtpKind::Hotp { .. }) | (OtpKind::Steam, OtpKind::Steam) => true,
        _ => false,
    };
    same_kind
        && a.algorithm() == b.algorithm()
        && a.digits() == b.digits()
        && a.secret() == b.secret()
}

/// An import's duplicate: [`same_token`] under the same names (issuer and account, ignoring
/// case). A file's entries that share a secret under different names are different logins to
/// the user (one secret enrolled for several accounts): all of them are imported, as Aegis and
/// Proton import them; importing the same file twice still adds nothing.
pub fn same_entry(a: &Token, b: &Token) -> bool {
    same_token(a, b)
        && a.issuer().to_lowercase() == b.issuer().to_lowercase()
        && a.account().to_lowercase() == b.account().to_lowercase()
}

/// What happens to one entry of an export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Imported (after the vault's `import`: as the token with this id; in a preview: 0).
    Imported {
        /// The new token's id (0 in a preview).
        id: i64,
    },
    /// The vault already holds this token (same secret, kind and parameters): skipped.
    DuplicateOf {
        /// The existing token's id.
        id: i64,
    },
    /// An earlier entry of the same file is the same token: skipped.
    DuplicateInFile {
        /// The earlier entry's index in the file.
        index: usize,
    },
    /// Not importable, with the reason.
    Skipped(SkipReason),
}

/// Something the person should know about an entry that is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportNote {
    /// An HOTP entry that gave no counter (Ente writes them): read with counter 0.
    CounterAssumedZero,
    /// It shares its secret with a token already in the vault that has other names: both are
    /// kept (one secret enrolled for several accounts), and this one is that token's twin.
    SharesSecretWith {
        /// The token already in the vault.
        id: i64,
    },
    /// It shares its secret with an earlier entry of the same file under other names.
    SharesSecretWithEntry {
        /// The earlier entry's index in the file.
        index: usize,
    },
}

impl ImportNote {
    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            ImportNote::CounterAssumedZero => "counter_assumed_zero",
            ImportNote::SharesSecretWith { .. } => "shares_secret_with",
            ImportNote::SharesSecretWithEntry { .. } => "shares_secret_with_entry",
        }
    }
}

/// One entry of an import report: names and kind for the person, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportEntry {
    /// The entry's position in the file (from 0).
    pub index: usize,
    /// Its issuer.
    pub issuer: String,
    /// Its account.
    pub account: String,
    /// Its kind, when the entry could be read.
    pub kind: Option<OtpKind>,
    /// What happens (or happened) to it.
    pub outcome: ImportOutcome,
    /// What the person should know about it.
    pub notes: Vec<ImportNote>,
}

/// The report of a preview or an import: every entry of the file with its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The format the file was read as.
    pub format: ImportFormat,
    /// Every entry, in the file's order.
    pub entries: Vec<ImportEntry>,
}

impl ImportReport {
    /// How many entries are (or were) imported.
    pub fn imported(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.outcome, ImportOutcome::Imported { .. }))
            .count()
    }
}

/// Decides each candidate's outcome against the vault's tokens (`existing`): the report, and the
/// indices of the candidates to import.
pub fn plan(candidates: &[Candidate], existing: &[(i64, Token)]) -> (Vec<ImportEntry>, Vec<usize>) {
    let mut entries = Vec::with_capacity(candidates.len());
    let mut chosen: Vec<usize> = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        let (kind, outcome) = match &candidate.token {
            Err(reason) => (None, ImportOutcome::Skipped(*reason)),
            Ok(token) => {
                let outcome =
                    if let Some((id, _)) = existing.iter().find(|(_, t)| same_entry(t, token)) {
                        ImportOutcome::DuplicateOf { id: *id }
                    } else if let Some(first) = chosen.iter().find(|i| {
                        candidates[**i]
                            .token
                            .as_ref()
                            .is_ok_and(|t| same_entry(t, token))
                    }) {
                        ImportOutcome::DuplicateInFile { index: *first }
                    } else {
                        chosen.push(index);
                        ImportOutcome::Imported { id: 0 }
                    };
                (Some(token.kind()), outcome)
            }
        };
        let mut notes = candidate.notes.clone();
        if let (Ok(token), ImportOutcome::Imported { .. }) = (&candidate.token, outcome) {
            if let Some((id, _)) = existing.iter().find(|(_, t)| same_token(t, token)) {
                notes.push(ImportNote::SharesSecretWith { id: *id });
            } else if let Some(first) = chosen.iter().take(chosen.len() - 1).find(|i| {
                candidates[**i]
                    .token
                    .as_ref()
                    .is_ok_and(|t| same_token(t, token))
            }) {
                notes.push(ImportNote::SharesSecretWithEntry { index: *first });
            }
        }
        entries.push(ImportEntry {
            index,
            issuer: candidate.issuer.clone(),
            account: candidate.account.clone(),
            kind,
            outcome,
            notes,
        });
    }
    (entries, chosen)
}
