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
    /// Hash algorithm.
    #[arg(long, value_enum, default_value = "sha1")]
    pub algorithm: AlgorithmArg,
    /// Digits per code (6 to 10).
    #[arg(long, default_value_t = 6)]
    pub digits: u8,
    /// TOTP period in seconds.
    #[arg(long, conflicts_with = "counter")]
    pub period: Option<u32>,
    /// HOTP counter (makes an HOTP token).
    #[arg(long)]
    pub counter: Option<u64>,
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
        /// An otpauth:// or steam:// URI; `-` reads it from the first line of standard input,
        /// which keeps the secret out of the process list (the safe way; PINs follow it there
        /// with --pin-stdin).
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
    /// List the tokens.
    List,
    /// Show codes: all, the token with id QUERY, or those whose issuer or account contains it. An
    /// HOTP code is drawn only when QUERY selects exactly one token; other HOTP rows are listed.
    Code {
        /// A token id, or text found in the issuer or account (case-insensitive).
        query: Option<String>,
        /// Unix time to compute the codes for (default: now).
        #[arg(long)]
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
    /// Remove a token.
    Remove {
        /// The token's id.
        id: i64,
    },
    /// Change the PIN (asks for the current PIN, then the new one).
    ChangePin,
    /// Set when the PIN is asked.
    Policy {
        /// every-code, 5m or 10m.
        #[arg(value_enum)]
        policy: PolicyArg,
    },
    /// Show or set the correction in seconds added to this computer's clock.
    TimeOffset {
        /// Seconds to add (negative when the clock runs ahead).
        #[arg(allow_negative_numbers = true)]
        seconds: Option<i64>,
    },
    /// Print every token as an otpauth:// URI (asks for the PIN).
    Export {
        /// Export as otpauth:// URIs, one per line.
        #[arg(long, required = true)]
        uris: bool,
    },
    /// A live view refreshed every second.
    Watch {
        /// Print this many frames and exit.
        #[arg(long)]
        frames: Option<u64>,
    },
    /// Compute a code without a vault, like oathtool; the code is the first word printed.
    Otp {
        /// An otpauth:// or steam:// URI; `-` reads it from the first line of standard input.
        uri: Option<String>,
        /// Unix time (default: now).
        #[arg(long)]
        at: Option<u64>,
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
