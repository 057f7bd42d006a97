//! `otpvault`: the desktop harness and terminal authenticator on top of `otpvault-core`.
//!
//! Stateless codes like `oathtool` (`otp`), and a PIN-locked vault (`init`, `add`, `list`,
//! `code`, `watch`, …). Errors are one line on standard error and map to documented exit codes;
//! nothing here prints a secret unless asked to (`export --uris`), and no error quotes input.

mod qr;
mod watch;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use otpvault_core::{
    Algorithm, CreateOptions, OpenOptions, OtpKind, Pin, Secret, SystemClock, Token, TokenInfo,
    TokenParams, UnlockPolicy, Vault, VaultError, uri,
};
use serde_json::json;
use zeroize::Zeroizing;

/// Exit status: success.
const EXIT_OK: u8 = 0;
/// Exit status: invalid input or usage.
const EXIT_INVALID: u8 = 2;
/// Exit status: wrong PIN.
const EXIT_WRONG_PIN: u8 = 3;
/// Exit status: locked out after too many wrong PINs.
const EXIT_LOCKED_OUT: u8 = 4;
/// Exit status: the vault is missing, unreadable, corrupted or tampered with.
const EXIT_VAULT: u8 = 5;

const EXIT_HELP: &str = "Exit codes: 0 success, 2 invalid input or usage, 3 wrong PIN, \
4 locked out (the message gives the seconds left), 5 vault missing, unreadable, corrupted or tampered.";

/// otpvault: one-time codes (RFC 4226 HOTP, RFC 6238 TOTP, Steam) in a PIN-locked vault.
#[derive(Parser)]
#[command(name = "otpvault", version, after_help = EXIT_HELP)]
struct Cli {
    /// The vault file (default: the platform data directory, e.g. ~/.local/share/otpvault/vault.db).
    #[arg(long, global = true, env = "OTPVAULT_VAULT")]
    vault: Option<PathBuf>,
    /// Read the PIN from standard input (one PIN per line) instead of a no-echo prompt.
    #[arg(long, global = true)]
    pin_stdin: bool,
    /// Print data as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum PolicyArg {
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
enum AlgorithmArg {
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
struct TypedToken {
    /// The base32 secret (spaces, dashes and lowercase are fine); `-` reads it from the first
    /// line of standard input, which keeps it out of the process list (the safe way).
    #[arg(long)]
    secret: Option<String>,
    /// Hash algorithm.
    #[arg(long, value_enum, default_value = "sha1")]
    algorithm: AlgorithmArg,
    /// Digits per code (6 to 10).
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// TOTP period in seconds.
    #[arg(long, conflicts_with = "counter")]
    period: Option<u32>,
    /// HOTP counter (makes an HOTP token).
    #[arg(long)]
    counter: Option<u64>,
}

impl TypedToken {
    fn params(&self, issuer: String, account: String) -> TokenParams {
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
enum Command {
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
    /// Show codes (all, or those whose id, issuer or account matches QUERY); HOTP advances.
    Code {
        /// Token id, or text found in the issuer or account (case-insensitive).
        query: Option<String>,
        /// Unix time to compute the codes for (default: now).
        #[arg(long)]
        at: Option<u64>,
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
    /// Make a throw-away vault with sample accounts and watch live codes.
    Demo {
        /// Print this many frames and exit.
        #[arg(long)]
        frames: Option<u64>,
    },
}

/// A failure with its exit status; the message is one line and never quotes input.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn invalid(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_INVALID,
            message: message.into(),
        }
    }
}

impl From<VaultError> for Failure {
    fn from(err: VaultError) -> Self {
        let code = match &err {
            VaultError::WrongPin { .. } => EXIT_WRONG_PIN,
            VaultError::LockedOut { .. } => EXIT_LOCKED_OUT,
            VaultError::Storage { .. }
            | VaultError::Corrupted { .. }
            | VaultError::NotAVault
            | VaultError::NoVault
            | VaultError::NewerSchema { .. }
            | VaultError::KdfTooWeak { .. }
            | VaultError::DeviceKeyRequired
            | VaultError::DeviceKey { .. }
            | VaultError::Erased
            | VaultError::Rng => EXIT_VAULT,
            _ => EXIT_INVALID,
        };
        Failure {
            code,
            message: err.to_string(),
        }
    }
}

impl From<otpvault_core::UriError> for Failure {
    fn from(err: otpvault_core::UriError) -> Self {
        Failure::invalid(err.to_string())
    }
}

impl From<otpvault_core::SecretError> for Failure {
    fn from(err: otpvault_core::SecretError) -> Self {
        Failure::invalid(format!("invalid secret: {err}"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure {
            code: EXIT_INVALID,
            message: format!("input/output error: {}", err.kind()),
        }
    }
}

type Outcome = Result<(), Failure>;

/// Where PINs come from: standard input lines, or a no-echo prompt.
struct PinSource {
    from_stdin: bool,
}

impl PinSource {
    fn read(&self, prompt: &str) -> Result<Zeroizing<String>, Failure> {
        let text = if self.from_stdin {
            let mut line = Zeroizing::new(String::new());
            if std::io::stdin().lock().read_line(&mut line)? == 0 {
                return Err(Failure::invalid("no PIN on standard input"));
            }
            line
        } else {
            Zeroizing::new(rpassword::prompt_password(prompt)?)
        };
        Ok(Zeroizing::new(
            text.trim_end_matches(['\r', '\n']).to_owned(),
        ))
    }

    fn pin(&self, prompt: &str) -> Result<Pin, Failure> {
        Ok(Pin::new(&self.read(prompt)?)?)
    }

    /// A new PIN: asked twice at a prompt, once from standard input.
    fn new_pin(&self) -> Result<Zeroizing<String>, Failure> {
        let first = self.read("New 5-digit PIN: ")?;
        Pin::new_for_setting(&first)?;
        if !self.from_stdin && *self.read("Repeat the new PIN: ")? != *first {
            return Err(Failure::invalid("the two PINs differ"));
        }
        Ok(first)
    }
}

/// A URI or secret given on the command line, or `-` for the first line of standard input (an
/// argument is visible to every user in `/proc/PID/cmdline`; standard input is not).
fn secret_argument(value: String) -> Result<Zeroizing<String>, Failure> {
    let value = Zeroizing::new(value);
    if value.as_str() != "-" {
        return Ok(value);
    }
    let mut line = Zeroizing::new(String::new());
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(Failure::invalid("nothing on standard input"));
    }
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

struct App {
    vault_path: PathBuf,
    json: bool,
    pins: PinSource,
}

fn default_vault_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("otpvault")
        .join("vault.db")
}

fn kind_json(kind: OtpKind) -> serde_json::Value {
    match kind {
        OtpKind::Totp { period } => json!({"type": "totp", "period": period}),
        OtpKind::Hotp { counter } => json!({"type": "hotp", "counter": counter}),
        OtpKind::Steam => json!({"type": "steam", "period": 30}),
    }
}

fn token_json(t: &TokenInfo) -> serde_json::Value {
    let mut value = json!({
        "id": t.id,
        "issuer": t.issuer,
        "account": t.account,
        "algorithm": t.algorithm.as_str(),
        "digits": t.digits,
        "weak_secret": t.weak_secret,
    });
    if let (Some(map), serde_json::Value::Object(kind)) = (value.as_object_mut(), kind_json(t.kind))
    {
        map.extend(kind);
    }
    value
}

fn label(t: &TokenInfo) -> String {
    match (t.issuer.is_empty(), t.account.is_empty()) {
        (true, _) => t.account.clone(),
        (false, true) => t.issuer.clone(),
        (false, false) => format!("{} ({})", t.issuer, t.account),
    }
}

fn now() -> u64 {
    use otpvault_core::Clock;
    SystemClock::new().wall_seconds()
}

fn print_json(value: &serde_json::Value) {
    println!("{value}");
}

impl App {
    fn open(&self) -> Result<Vault, Failure> {
        Ok(Vault::open(&self.vault_path, OpenOptions::default())?)
    }

    /// Opens and unlocks: every CLI run is a fresh process, so the PIN is asked once per run.
    fn open_unlocked(&self) -> Result<(Vault, Pin), Failure> {
        let vault = self.open()?;
        let pin = self.pins.pin("PIN: ")?;
        vault.unlock(&pin)?;
        Ok((vault, pin))
    }

    /// The PIN to pass per call: `None` when a session is open, the PIN under `EveryCode`.
    fn auth<'a>(vault: &Vault, pin: &'a Pin) -> Option<&'a Pin> {
        (!vault.status().unlocked).then_some(pin)
    }

    fn init(&self, policy: PolicyArg, kdf_iterations: Option<u32>) -> Outcome {
        if let Some(parent) = self.vault_path.parent() {
            create_private_dir(parent)?;
        }
        let pin = self.pins.new_pin()?;
        let mut options = CreateOptions::new(policy.into());
        options.kdf_iterations = kdf_iterations;
        let vault = Vault::create(&self.vault_path, &pin, options)?;
        let status = vault.status();
        if self.json {
            print_json(&json!({"vault": self.vault_path, "kdf_iterations": status.kdf_iterations}));
        } else {
            println!(
                "Created {} (PBKDF2-HMAC-SHA256, {} iterations; no device key on this computer).",
                self.vault_path.display(),
                status.kdf_iterations
            );
        }
        Ok(())
    }

    fn add(
        &self,
        uri_text: Option<String>,
        qr_image: Option<PathBuf>,
        account: Option<String>,
        issuer: String,
        typed: &TypedToken,
    ) -> Outcome {
        let uri_text = match (uri_text, qr_image) {
            (Some(text), _) => Some(secret_argument(text)?),
            (None, Some(path)) => Some(qr::decode_file(&path)?),
            (None, None) => None,
        };
        let token = match (&uri_text, &typed.secret) {
            (Some(text), _) => uri::parse(text)?,
            (None, Some(secret)) => {
                let account =
                    account.ok_or_else(|| Failure::invalid("--secret needs --account"))?;
                let secret = secret_argument(secret.clone())?;
                Token::new(Secret::from_base32(&secret)?, typed.params(issuer, account))?
            }
            (None, None) => return Err(Failure::invalid("give a URI, --qr IMAGE or --secret")),
        };
        let (vault, pin) = self.open_unlocked()?;
        let info = vault.add_token(Self::auth(&vault, &pin), token)?;
        let code = match info.kind {
            OtpKind::Hotp { .. } => None,
            _ => Some(vault.code(Self::auth(&vault, &pin), info.id, now())?),
        };
        if self.json {
            let mut value = token_json(&info);
            if let (Some(map), Some(code)) = (value.as_object_mut(), &code) {
                map.insert("code".into(), json!(code.value.as_str()));
                map.insert("seconds_left".into(), json!(code.seconds_left));
            }
            print_json(&value);
        } else {
            println!("Added #{} {}", info.id, label(&info));
            if info.weak_secret {
                println!(
                    "Note: this secret is shorter than 128 bits (RFC 4226 recommends at least 128)."
                );
            }
            match code {
                Some(code) => println!(
                    "Current code: {} (valid {} s more) — type it into the service to confirm.",
                    code.value, code.seconds_left
                ),
                None => println!(
                    "HOTP token: run `otpvault code {}` to get the next code.",
                    info.id
                ),
            }
        }
        Ok(())
    }

    fn list(&self) -> Outcome {
        let (vault, pin) = self.open_unlocked()?;
        let tokens = vault.list(Self::auth(&vault, &pin))?;
        if self.json {
            print_json(&json!(tokens.iter().map(token_json).collect::<Vec<_>>()));
        } else {
            for t in &tokens {
                let kind = match t.kind {
                    OtpKind::Totp { period } => {
                        format!("TOTP {} {}d {period}s", t.algorithm.as_str(), t.digits)
                    }
                    OtpKind::Hotp { counter } => format!(
                        "HOTP {} {}d counter {counter}",
                        t.algorithm.as_str(),
                        t.digits
                    ),
                    OtpKind::Steam => "Steam".to_owned(),
                };
                println!("#{:<4} {:<40} {kind}", t.id, label(t));
            }
            if tokens.is_empty() {
                println!("The vault is empty: add a token with `otpvault add`.");
            }
        }
        Ok(())
    }

    fn code(&self, query: Option<String>, at: Option<u64>) -> Outcome {
        let (vault, pin) = self.open_unlocked()?;
        let auth = Self::auth(&vault, &pin);
        let tokens = vault.list(auth)?;
        let selected: Vec<&TokenInfo> = tokens
            .iter()
            .filter(|t| query.as_deref().is_none_or(|q| matches_query(t, q)))
            .collect();
        if selected.is_empty() {
            return Err(Failure::invalid("no token matches"));
        }
        let unix = at.unwrap_or_else(now);
        let mut rows = Vec::new();
        for t in selected {
            let row = match t.kind {
                OtpKind::Hotp { .. } if query.is_some() => {
                    let hotp = vault.next_hotp(auth, t.id)?;
                    json!({"id": t.id, "issuer": t.issuer, "account": t.account, "code": hotp.value, "counter": hotp.counter})
                }
                OtpKind::Hotp { .. } => continue,
                _ => {
                    let code = vault.code(auth, t.id, unix)?;
                    json!({"id": t.id, "issuer": t.issuer, "account": t.account, "code": code.value.as_str(),
                        "seconds_left": code.seconds_left, "period": code.period, "next_code": code.next_value.as_str()})
                }
            };
            rows.push((label(t), row));
        }
        if self.json {
            print_json(&json!(
                rows.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>()
            ));
        } else {
            for (name, row) in &rows {
                let code = row["code"].as_str().unwrap_or_default();
                match row["seconds_left"].as_u64() {
                    Some(left) => println!("{code}  {name}  ({left} s left)"),
                    None => println!("{code}  {name}  (HOTP counter {})", row["counter"]),
                }
            }
        }
        Ok(())
    }

    fn rename(&self, id: i64, issuer: Option<String>, account: Option<String>) -> Outcome {
        let (vault, pin) = self.open_unlocked()?;
        let auth = Self::auth(&vault, &pin);
        let current = vault
            .list(auth)?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(VaultError::NotFound)?;
        let issuer = issuer.unwrap_or(current.issuer);
        let account = account.unwrap_or(current.account);
        let info = vault.rename(auth, id, &issuer, &account)?;
        if self.json {
            print_json(&token_json(&info));
        } else {
            println!("Renamed #{id} to {}", label(&info));
        }
        Ok(())
    }

    fn remove(&self, id: i64) -> Outcome {
        let (vault, pin) = self.open_unlocked()?;
        vault.remove(Self::auth(&vault, &pin), id)?;
        if self.json {
            print_json(&json!({"removed": id}));
        } else {
            println!("Removed #{id}");
        }
        Ok(())
    }

    fn change_pin(&self) -> Outcome {
        let vault = self.open()?;
        let old = self.pins.pin("Current PIN: ")?;
        let new_pin = self.pins.new_pin()?;
        vault.change_pin(&old, &new_pin)?;
        if !self.json {
            println!("PIN changed.");
        }
        Ok(())
    }

    fn policy(&self, policy: PolicyArg) -> Outcome {
        let vault = self.open()?;
        let pin = self.pins.pin("PIN: ")?;
        vault.set_policy(&pin, policy.into())?;
        if !self.json {
            println!("Policy set.");
        }
        Ok(())
    }

    fn time_offset(&self, seconds: Option<i64>) -> Outcome {
        let (vault, pin) = self.open_unlocked()?;
        let auth = Self::auth(&vault, &pin);
        if let Some(seconds) = seconds {
            vault.set_time_offset(auth, seconds)?;
        }
        let offset = vault.time_offset(auth)?;
        if self.json {
            print_json(&json!({"time_offset": offset}));
        } else {
            println!("Time offset: {offset:+} s");
        }
        Ok(())
    }

    fn export(&self) -> Outcome {
        let vault = self.open()?;
        let pin = self.pins.pin("PIN (export reveals every secret): ")?;
        let uris = vault.export_uris(&pin)?;
        let mut out = std::io::stdout().lock();
        if self.json {
            let list: Vec<&str> = uris.iter().map(|u| u.as_str()).collect();
            writeln!(out, "{}", json!(list))?;
        } else {
            for u in &uris {
                writeln!(out, "{}", u.as_str())?;
            }
        }
        Ok(())
    }

    fn otp(&self, uri_text: Option<String>, at: Option<u64>, typed: &TypedToken) -> Outcome {
        let token = match (uri_text, &typed.secret) {
            (Some(text), _) => uri::parse(&secret_argument(text)?)?,
            (None, Some(secret)) => Token::new(
                Secret::from_base32(&secret_argument(secret.clone())?)?,
                typed.params(String::new(), String::new()),
            )?,
            (None, None) => return Err(Failure::invalid("give a URI or --secret")),
        };
        let unix = at.unwrap_or_else(now);
        match token.totp_at(unix) {
            Some(code) if self.json => print_json(&json!({
                "code": code.value.as_str(), "seconds_left": code.seconds_left,
                "period": code.period, "next_code": code.next_value.as_str()})),
            Some(code) => println!("{}", code.value),
            None => {
                let value = token.hotp_current().unwrap_or_default();
                if self.json {
                    print_json(&json!({"code": value}));
                } else {
                    println!("{value}");
                }
            }
        }
        Ok(())
    }
}

fn matches_query(t: &TokenInfo, query: &str) -> bool {
    if query.parse::<i64>().is_ok_and(|id| id == t.id) {
        return true;
    }
    let q = query.to_lowercase();
    t.issuer.to_lowercase().contains(&q) || t.account.to_lowercase().contains(&q)
}

fn create_private_dir(dir: &std::path::Path) -> Result<(), Failure> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|err| Failure {
        code: EXIT_VAULT,
        message: format!("cannot create the vault directory: {}", err.kind()),
    })
}

fn run(cli: Cli) -> Outcome {
    let app = App {
        vault_path: cli.vault.clone().unwrap_or_else(default_vault_path),
        json: cli.json,
        pins: PinSource {
            from_stdin: cli.pin_stdin,
        },
    };
    match cli.command {
        Command::Init {
            policy,
            kdf_iterations,
        } => app.init(policy, kdf_iterations),
        Command::Add {
            uri,
            qr,
            account,
            issuer,
            typed,
        } => app.add(uri, qr, account, issuer, &typed),
        Command::List => app.list(),
        Command::Code { query, at } => app.code(query, at),
        Command::Rename {
            id,
            issuer,
            account,
        } => app.rename(id, issuer, account),
        Command::Remove { id } => app.remove(id),
        Command::ChangePin => app.change_pin(),
        Command::Policy { policy } => app.policy(policy),
        Command::TimeOffset { seconds } => app.time_offset(seconds),
        Command::Export { .. } => app.export(),
        Command::Watch { frames } => watch::run(&app, frames),
        Command::Otp { uri, at, typed } => app.otp(uri, at, &typed),
        Command::Demo { frames } => watch::demo(frames),
    }
}

fn main() -> ExitCode {
    // Never a panic trace (which could show internal state): one line and a distinct status.
    std::panic::set_hook(Box::new(|_| {
        eprintln!("otpvault: internal error (please report it)");
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => {
            eprintln!("otpvault: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
