//! The command line: every argument and subcommand, as clap parses them. Nothing here runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use otpvault_core::{Algorithm, OtpKind, TokenParams, UnlockPolicy};

use crate::failure::EXIT_HELP;

/// otpvault: one-time codes (RFC 4226 HOTP, RFC 6238 TOTP, Steam) in a PIN-locked vault.
#[derive(Parser)]
#[command(name = "otpvault", version, after_help = EXIT_HELP)]
pub struct Cli {
    /// The vault file (default: the platform data directory, e.g. ~/.local/share/otpvault/vault.db).
    #[arg(long, global = true, env = "OTPVAULT_VAULT")]
    pub vault: Option<PathBuf>,
    /// Read the PIN from standard input (one PIN per line) instead of a no-echo prompt.
    #[arg(long, global = true)]
    pub pin_stdin: bool,
    /// Print data as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not use or start the agent: every command asks for the PIN (for scripts).
    #[arg(long, global = true, env = "OTPVAULT_NO_AGENT", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_agent: bool,
    /// Lock the agent after at most this many seconds (never later than the policy says).
    #[arg(
        long,
        global = true,
        env = "OTPVAULT_AGENT_TIMEOUT",
        value_name = "SECONDS"
    )]
    pub agent_timeout: Option<u64>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// The PIN is asked for every code.
    #[value(name = "every-code")]
    EveryCode,
    /// Codes stay available 5 minutes after the PIN.
    #[value(name = "5m")]
    FiveMinutes,
    /// Codes stay available 10 minutes after the PIN.
    #[value(name = "10m")]
    TenMinutes,
}

impl From<PolicyArg> for UnlockPolicy {
    fn from(arg: PolicyArg) -> Self {
        match arg {
            PolicyArg::EveryCode => UnlockPolicy::EveryCode,
            PolicyArg::FiveMinutes => UnlockPolicy::FiveMinutes,
            PolicyArg::TenMinutes => UnlockPolicy::TenMinutes,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "lower")]
pub enum AlgorithmArg {
    Sha1,
    Sha256,
    Sha512,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(arg: AlgorithmArg) -> Self {
        match arg {
            AlgorithmArg::Sha1 => Algorithm::Sha1,
            AlgorithmArg::Sha256 => Algorithm::Sha256,
            AlgorithmArg::Sha512 => Algorithm::Sha512,
        }
    }
}

/// A token typed by hand, as enrolment portals show it.
#[derive(Args)]
pub struct TypedToken {
    /// The base32 secret (spaces, dashes and lowercase are fine); `-` reads it from the first
    /// line of standard input, which keeps it out of the process list (the safe way).
    #[arg(long)]
    pub secret: Option<String>,
    /// Hash algorithm (any case: sha1, SHA256, Sha512).
    #[arg(long, value_enum, ignore_case = true, default_value = "sha1")]
    pub algorithm: AlgorithmArg,
    /// Digits per code (6 to 10).
    #[arg(long, short = 'd', default_value_t = 6)]
    pub digits: u8,
    /// TOTP period in seconds (`30` or `30s`, as oathtool's --time-step-size).
    #[arg(long, short = 's', visible_alias = "time-step-size", value_parser = parse_period, conflicts_with = "counter")]
    pub period: Option<u32>,
    /// HOTP counter (makes an HOTP token).
    #[arg(long, short = 'c')]
    pub counter: Option<u64>,
}

fn parse_period(text: &str) -> Result<u32, String> {
    text.trim_end_matches('s')
        .parse()
        .map_err(|_| "a period in seconds, e.g. 30 or 30s".to_owned())
}

/// `--at` / `--now`: a Unix time (`@` optional) or an ISO-8601 time.
fn parse_at(text: &str) -> Result<u64, String> {
    crate::time::parse_time(text).ok_or_else(|| {
        "a Unix time (1700000000, @1700000000) or an ISO-8601 time (2023-11-14T22:13:20Z)"
            .to_owned()
    })
}

fn parse_offset(text: &str) -> Result<i64, String> {
    let seconds: i64 = text
        .parse()
        .map_err(|_| "a number of seconds, e.g. -15 or 90".to_owned())?;
    // unsigned_abs: i64::MIN has no positive twin (abs() wraps in release builds).
    if seconds.unsigned_abs() > 86_400 {
        return Err(
            "at most one day (±86400 s): a clock that far off needs setting, not correcting".into(),
        );
    }
    Ok(seconds)
}

impl TypedToken {
    pub fn params(&self, issuer: String, account: String) -> TokenParams {
        TokenParams {
            issuer,
            account,
            algorithm: self.algorithm.into(),
            digits: self.digits,
            kind: match self.counter {
                Some(counter) => OtpKind::Hotp { counter },
                None => OtpKind::Totp {
                    period: self.period.unwrap_or(30),
                },
            },
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a vault protected by a new 5-digit PIN.
    Init {
        /// When the PIN is asked: at every code, or once per 5 or 10 minutes.
        #[arg(long, value_enum, default_value = "5m")]
        policy: PolicyArg,
        /// PBKDF2 iterations (default: calibrated to about 0.5 s here; never below 600,000).
        #[arg(long)]
        kdf_iterations: Option<u32>,
    },
    /// Add a token from an otpauth:// URI, typed fields, or a QR code image; prints its code.
    Add {
        /// An otpauth:// or steam:// URI, or a Google Authenticator transfer
        /// (otpauth-migration://, all its accounts are imported); `-` reads it from the first line
        /// of standard input, which keeps the secret out of the process list (the safe way; PINs
        /// follow it there with --pin-stdin).
        uri: Option<String>,
        /// A PNG or JPEG image holding the enrolment QR code (e.g. a screenshot).
        #[arg(long, conflicts_with_all = ["uri", "secret"])]
        qr: Option<PathBuf>,
        /// Account name (with --secret).
        #[arg(long)]
        account: Option<String>,
        /// Issuer (service) name (with --secret).
        #[arg(long, default_value = "")]
        issuer: String,
        #[command(flatten)]
        typed: TypedToken,
    },
    /// List the tokens (with their groups; `*` marks a favourite).
    List {
        /// Only the tokens in this group (case-insensitive).
        #[arg(long)]
        group: Option<String>,
    },
    /// Show codes: all, the token with id QUERY, or those whose issuer or account contains it. An
    /// HOTP code is drawn only when QUERY selects exactly one token; other HOTP rows are listed.
    Code {
        /// A token id, or text found in the issuer or account (case-insensitive).
        query: Option<String>,
        /// The time to compute the codes for (default: now): Unix (`@` optional) or ISO-8601.
        #[arg(long, visible_alias = "now", value_parser = parse_at)]
        at: Option<u64>,
    },
    /// Draw the next code of one HOTP token (its id, or text that matches only it).
    Next {
        /// A token id, or text found in the issuer or account (case-insensitive).
        query: String,
    },
    /// Rename a token.
    Rename {
        /// The token's id.
        id: i64,
        /// New issuer.
        #[arg(long)]
        issuer: Option<String>,
        /// New account name.
        #[arg(long)]
        account: Option<String>,
    },
    /// Show a token's groups, add it to groups, or with --remove take it out of them.
    Tag {
        /// The token's id.
        id: i64,
        /// Group names.
        groups: Vec<String>,
        /// Take the token out of these groups instead.
        #[arg(long)]
        remove: bool,
    },
    /// Show a token's note, or set it (--clear removes it).
    Note {
        /// The token's id.
        id: i64,
        /// The new note.
        text: Option<String>,
        /// Remove the note.
        #[arg(long, conflicts_with = "text")]
        clear: bool,
    },
    /// Mark a token as a favourite (--off unmarks it).
    Favourite {
        /// The token's id.
        id: i64,
        /// Unmark it.
        #[arg(long)]
        off: bool,
    },
    /// Remove a token.
    Remove {
        /// The token's id.
        id: i64,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Change the PIN (asks for the current PIN, then the new one).
    ChangePin,
    /// Set when the PIN is asked.
    Policy {
        /// every-code, 5m or 10m (none: show the current policy).
        #[arg(value_enum)]
        policy: Option<PolicyArg>,
    },
    /// Show or set the correction in seconds added to this computer's clock.
    TimeOffset {
        /// Seconds to add (negative when the clock runs ahead), at most one day either way.
        #[arg(allow_negative_numbers = true, value_parser = parse_offset)]
        seconds: Option<i64>,
    },
    /// Ask a token's issuer for the time (an otpvault issuer's /v1/time, answered under the
    /// token's own key, so no one in the middle can shift it): prints the offset, warns when
    /// this computer's clock is more than 15 s off; --apply stores it as the time offset.
    TimeSync {
        /// The issuer's origin, `https://HOST[:PORT]`.
        #[arg(long, value_name = "URL")]
        server: String,
        /// The token's id (see `list`).
        id: i64,
        /// Store the measured offset as the vault's time correction.
        #[arg(long)]
        apply: bool,
    },
    /// Import another authenticator's export file (Google Authenticator transfer, Aegis plain or
    /// encrypted, 2FAS plain or encrypted, andOTP plain or encrypted, Bitwarden JSON/CSV, Steam
    /// .maFile, FreeOTP+, LastPass, Stratum/Authenticator Pro plain or encrypted, Ente Auth plain
    /// or encrypted, Proton Authenticator plain or encrypted, Proton Pass zips, WinAuth (text or
    /// zip), TOTP Authenticator backups, and from
    /// rooted phones Authy's, FreeOTP's tokens.xml, Battle.net's, Duo Mobile's and TOTP
    /// Authenticator's stores; an otpvault backup, a list of otpauth:// URIs), with a report per
    /// entry.
    Import {
        /// The export file (its format is recognised from its content).
        file: PathBuf,
        /// Report what would be imported without changing the vault.
        #[arg(long)]
        dry_run: bool,
        /// Read the file as this format instead of recognising it: google, aegis, uris, 2fas,
        /// andotp, andotp-encrypted, bitwarden, bitwarden-csv, steam, otpvault-backup,
        /// freeotp-plus, lastpass, stratum, stratum-encrypted, ente-encrypted, proton,
        /// proton-encrypted, authy, freeotp, battlenet, duo, totp-authenticator,
        /// totp-authenticator-encrypted, proton-pass.
        #[arg(long, value_name = "NAME", value_parser = parse_import_format)]
        format: Option<otpvault_core::import::ImportFormat>,
        /// A file whose first line is the export's password (for encrypted exports; without it
        /// the password is asked on the terminal).
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// Activate this vault with an issuer's 5-digit activation code (OTP PAT style): asks the
    /// vault PIN, the portal password and the code (with --pin-stdin: three lines of standard
    /// input, in that order), derives the token with the issuer over CPace (no secret on the
    /// wire), stores it with the measured clock correction and prints its first code.
    Activate {
        /// The issuer's origin, `https://HOST[:PORT]` (bound into the exchange: the
        /// same origin the issuer is configured with).
        #[arg(long, value_name = "URL")]
        server: String,
        /// The portal username.
        #[arg(long, value_name = "NAME")]
        user: String,
    },
    /// Export every token so you can leave: otpauth:// URIs, an Aegis vault file (plain or
    /// encrypted), otpvault's encrypted backup, or Google Authenticator transfer QR codes.
    /// Asks the PIN; an encrypted format asks a passphrase (checked for strength) unless
    /// --password-file gives it.
    Export {
        /// The same as --format uris.
        #[arg(long, conflicts_with = "format")]
        uris: bool,
        /// uris | aegis | aegis-encrypted | backup | google.
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        /// Write to this file (created readable by you only) instead of standard output; a
        /// backup must go to a file.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// With --format google: also write one QR code PNG per batch into this directory.
        #[arg(long, value_name = "DIR")]
        qr: Option<PathBuf>,
        /// A file whose first line is the passphrase of an encrypted export.
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// Restore an otpvault backup (its tokens, order, names, counters, time correction and
    /// policy; duplicates of tokens already here are skipped). Any other export file is imported.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// A file whose first line is the backup's passphrase (otherwise asked).
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// A live view refreshed every second (JSON lines with --json); on a terminal, space or the
    /// arrows turn pages and q quits.
    Watch {
        /// Only the tokens with this id, or whose issuer or account contains it (as `code`).
        query: Option<String>,
        /// Print this many frames and exit.
        #[arg(long)]
        frames: Option<u64>,
    },
    /// Compute a code without a vault, like oathtool; the code is the first word printed.
    Otp {
        /// An otpauth:// or steam:// URI, or a bare base32 secret as oathtool takes it; `-` reads
        /// it from the first line of standard input.
        key: Option<String>,
        /// The key is base32 (always the case here; accepted for oathtool users).
        #[arg(short = 'b', long = "base32")]
        base32: bool,
        /// Also print the codes of the N steps (or counters) before and after.
        #[arg(long, short = 'w', value_name = "N", default_value_t = 0)]
        window: u32,
        /// The time (default: now): Unix (`@` optional) or ISO-8601.
        #[arg(long, visible_alias = "now", value_parser = parse_at)]
        at: Option<u64>,
        /// TOTP with this hash (sha1 when no MODE is given), as oathtool's `--totp[=MODE]`; for a
        /// bare secret (a URI says its own algorithm).
        #[arg(long, value_name = "MODE", value_enum, ignore_case = true, num_args = 0..=1,
              require_equals = true, default_missing_value = "sha1", conflicts_with = "counter")]
        totp: Option<AlgorithmArg>,
        #[command(flatten)]
        typed: TypedToken,
    },
    /// Lock now: stop the agent holding this vault's session, wiping its keys.
    Lock,
    /// The agent process (started by other commands; not for direct use).
    #[command(hide = true)]
    Agent {
        /// Lock after at most this many seconds.
        #[arg(long)]
        timeout: Option<u64>,
    },
    /// Make a throw-away vault with sample accounts and watch live codes.
    Demo {
        /// Print this many frames and exit.
        #[arg(long)]
        frames: Option<u64>,
    },
}

/// `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// otpauth:// URIs, one per line (clear text).
    Uris,
    /// An Aegis vault file, not encrypted (clear text).
    Aegis,
    /// An Aegis vault file encrypted with a passphrase.
    AegisEncrypted,
    /// otpvault's encrypted backup (Argon2id, AES-256-GCM).
    Backup,
    /// Google Authenticator transfer URIs (otpauth-migration://), batched for QR codes.
    Google,
}

fn parse_import_format(name: &str) -> Result<otpvault_core::import::ImportFormat, String> {
    otpvault_core::import::ImportFormat::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = otpvault_core::import::FORMATS
            .iter()
            .map(|f| f.name())
            .collect();
        format!("unknown format; one of: {}", names.join(", "))
    })
}
