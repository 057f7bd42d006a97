//! `otpvault-issuer`: the reference issuer's command line.
//!
//! Exit status: 0 done (or the code accepted), 1 the code refused (wrong, replayed, locked out),
//! 2 usage or an unknown user, 3 storage or any other failure.

use clap::{Parser, Subcommand};
use otpvault_core::Algorithm;
use otpvault_issuer::db::Target;
use otpvault_issuer::verifier::{Confirmation, Verdict};
use otpvault_issuer::{Config, Issuer, IssuerError, now_ms};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use zeroize::Zeroizing;

fn parse_target(text: &str) -> Result<Target, String> {
    if text.is_empty() {
        return Err("an SQLite file or a postgres:// URL".into());
    }
    Ok(Target::parse(text))
}

#[derive(Parser)]
#[command(
    name = "otpvault-issuer",
    version,
    about = "Reference issuer: portal users, activation codes, enrolment and code verification"
)]
struct Cli {
    /// The issuer's database: an SQLite file (created on first use), or a PostgreSQL URL
    /// (`postgres://user:password@host/db`) shared by several issuer nodes.
    #[arg(long, env = "OTPVAULT_ISSUER_DB", value_parser = parse_target)]
    db: Target,
    /// Issuer name shown in apps.
    #[arg(long, default_value = "otpvault-issuer")]
    issuer: String,
    /// HMAC algorithm of new credentials (SHA1, SHA256, SHA512).
    #[arg(long, default_value = "SHA1")]
    algorithm: String,
    /// Digits of new credentials (6 to 8).
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Period of new credentials in seconds.
    #[arg(long, default_value_t = 30)]
    period: u32,
    /// Steps accepted either side of the current one.
    #[arg(long, default_value_t = 1)]
    window: u32,
    /// Consecutive wrong codes before a credential is locked out (30 s, doubled with each
    /// further failure, at most an hour).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    max_failures: u32,
    /// A key-encryption key that seals credential secrets at rest: a 0600 file of 64 hex
    /// digits (see generate-kek). Repeat it during a rotation: the first seals, all open.
    /// OTPVAULT_ISSUER_KEK (64 hex digits) adds one after them.
    #[arg(long = "kek-file")]
    kek_files: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates a portal user; the password is read from standard input. Prints the account's
    /// one-time PUK (the first enrolment needs it), or writes it to --puk-out.
    AddUser {
        /// The username.
        name: String,
        /// Read the password from standard input (the only way; never from argv).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Write the PUK to this new file (created 0600; an existing file is refused).
        #[arg(long)]
        puk_out: Option<PathBuf>,
    },
    /// The operator's reset: revokes the user's credentials and activation codes and issues a
    /// new PUK (printed, or written to --puk-out) for the next first enrolment.
    ResetCredential {
        /// The username.
        name: String,
        /// Write the PUK to this new file (created 0600; an existing file is refused).
        #[arg(long)]
        puk_out: Option<PathBuf>,
    },
    /// Shows when the user's API key was made and last used; --regenerate makes a new one
    /// (printed once) and the old one is refused at once.
    ApiKey {
        /// The username.
        name: String,
        /// Replace the key.
        #[arg(long)]
        regenerate: bool,
    },
    /// Reads an API key from standard input and prints whose it is: exit 0 known, 1 not.
    CheckApiKey,
    /// Writes a new random key-encryption key to a new 0600 file.
    GenerateKek {
        /// The file to create (an existing one is refused).
        #[arg(long)]
        out: PathBuf,
    },
    /// Re-seals every credential for the first --kek-file: re-wraps data keys sealed under the
    /// others, seals secrets stored in clear. Nodes keep serving meanwhile.
    RotateKek,
    /// Creates a 5-digit activation code for a user (valid 300 s) and prints it first.
    Activation {
        /// The username.
        name: String,
        /// The code the user chose (refused, with the reason, when among the first guesses
        /// such as 12345); random when absent.
        #[arg(long)]
        code: Option<String>,
    },
    /// Serves the HTTP API until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on (loopback unless told otherwise).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// This server's origin as apps are configured with it (default: http://LISTEN, or
        /// https://LISTEN with TLS).
        #[arg(long)]
        origin: Option<String>,
        /// Serve HTTPS with this certificate chain (PEM; with --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Client connections open at once; more are closed at once.
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
        /// Password checks per second from one client address (bursts of twice that); more get
        /// 429. 0: off (behind a reverse proxy every client has the proxy's address).
        #[arg(long, default_value_t = 0)]
        per_address_rate: u32,
    },
    /// Starts an enrolment: prints the otpauth:// URI and writes its QR code.
    Enrol {
        /// The username.
        name: String,
        /// Where to write the QR code PNG.
        #[arg(long)]
        qr: Option<PathBuf>,
    },
    /// Confirms an enrolment with the first code and prints the API key.
    Confirm {
        /// The username.
        name: String,
        /// The code the app shows.
        code: String,
    },
    /// Resynchronises a credential whose device clock is far off with two consecutive codes
    /// (within 50 minutes either side of now): exit 0 when accepted, 1 when refused.
    Resync {
        /// The username.
        name: String,
        /// A code.
        first: String,
        /// The code after it.
        second: String,
    },
    /// Verifies a code: exit 0 when accepted, 1 when refused.
    Verify {
        /// The username.
        name: String,
        /// The code.
        code: String,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn fail(err: &IssuerError) -> ExitCode {
    eprintln!("otpvault-issuer: {err}");
    match err {
        IssuerError::UnknownUser
        | IssuerError::UserExists
        | IssuerError::InvalidInput(_)
        | IssuerError::WeakCode(_)
        | IssuerError::NoCredential => ExitCode::from(2),
        _ => ExitCode::from(3),
    }
}

/// The keyring of `--kek-file` (in order) and `OTPVAULT_ISSUER_KEK`.
fn keyring(files: &[PathBuf]) -> Result<otpvault_issuer::seal::Keyring, IssuerError> {
    let mut keks = files
        .iter()
        .map(|path| otpvault_issuer::seal::Kek::from_file(path))
        .collect::<Result<Vec<_>, _>>()?;
    if let Ok(hex) = std::env::var("OTPVAULT_ISSUER_KEK") {
        let hex = Zeroizing::new(hex);
        keks.push(otpvault_issuer::seal::Kek::from_hex(&hex)?);
    }
    Ok(otpvault_issuer::seal::Keyring::new(keks))
}

/// Creates `path` (never an existing file or link) readable by its owner only, with `text`.
fn write_new_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes())?;
    file.sync_all()
}

/// Checked before the account changes, so that a PUK is never issued into nowhere.
fn refuse_existing(path: &std::path::Path) -> Result<(), IssuerError> {
    if path.exists() {
        return Err(IssuerError::InvalidInput("the PUK file already exists"));
    }
    Ok(())
}

/// Prints the PUK, or writes it to a new 0600 file (`O_EXCL`: never through an existing file or
/// link).
fn give_puk(puk: &str, path: Option<&std::path::Path>) -> Result<(), IssuerError> {
    let Some(path) = path else {
        println!("PUK {puk}");
        return Ok(());
    };
    write_new_private(path, puk)
        .map_err(|_| IssuerError::InvalidInput("could not write the PUK file"))?;
    eprintln!("PUK written to {}", path.display());
    Ok(())
}

fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Accepted { drift_steps, .. } => format!("accepted (drift {drift_steps} steps)"),
        Verdict::Wrong {
            failures,
            locked_for_ms: Some(ms),
        } => {
            format!(
                "wrong code ({failures} failures; locked out for {} s)",
                ms.div_ceil(1000)
            )
        }
        Verdict::Wrong { failures, .. } => format!(
            "wrong code ({failures} {})",
            if *failures == 1 {
                "failure"
            } else {
                "failures"
            }
        ),
        Verdict::Replayed => "replayed: this code (or a newer one) was already accepted".into(),
        Verdict::LockedOut { retry_after_ms } => {
            format!(
                "locked out: retry after {} s",
                retry_after_ms.div_ceil(1000)
            )
        }
        Verdict::NoCredential => "the user has no active credential".into(),
        Verdict::Malformed { digits } => format!("not a code: a code has {digits} digits"),
    }
}

fn run(cli: Cli) -> Result<ExitCode, IssuerError> {
    let algorithm = Algorithm::parse(&cli.algorithm).ok_or(IssuerError::InvalidInput(
        "the algorithm must be SHA1, SHA256 or SHA512",
    ))?;
    if !(6..=8).contains(&cli.digits) || !(15..=300).contains(&cli.period) {
        return Err(IssuerError::InvalidInput(
            "digits must be 6 to 8 and the period 15 to 300 s",
        ));
    }
    let mut config = Config {
        issuer: cli.issuer,
        algorithm,
        digits: cli.digits,
        period: cli.period,
        window: cli.window.min(10),
        max_failures: cli.max_failures,
        keys: keyring(&cli.kek_files)?,
        ..Config::default()
    };
    if let Command::Serve {
        listen,
        origin,
        tls_cert,
        ..
    } = &cli.command
    {
        let scheme = if tls_cert.is_some() { "https" } else { "http" };
        config.origin = origin
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{listen}"));
    }
    let mut issuer = Issuer::connect(&cli.db, config.clone())?;
    match cli.command {
        Command::AddUser { name, puk_out, .. } => {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|_| IssuerError::InvalidInput("could not read the password"))?;
            let password = line.trim_end_matches(['\r', '\n']);
            if let Some(path) = &puk_out {
                refuse_existing(path)?;
            }
            let puk = issuer.add_user(&name, password, now_ms())?;
            eprintln!("user {name} created");
            give_puk(&puk, puk_out.as_deref())?;
        }
        Command::ResetCredential { name, puk_out } => {
            if let Some(path) = &puk_out {
                refuse_existing(path)?;
            }
            let puk = issuer.reset_credential(&name)?;
            eprintln!("{name}: credentials revoked, activation codes ended, new PUK issued");
            give_puk(&puk, puk_out.as_deref())?;
        }
        Command::ApiKey { name, regenerate } => {
            if regenerate {
                let key = issuer.regenerate_api_key(&name, now_ms())?;
                println!("{}", key.as_str());
                eprintln!("the previous key is refused from now on");
            } else {
                match issuer.api_key_info(&name)? {
                    Some(info) => {
                        let when = |ms: Option<u64>| {
                            ms.map_or("never".to_owned(), |ms| {
                                otpvault_core::clock::iso8601_utc(ms / 1000)
                            })
                        };
                        println!(
                            "API key of {name}: created {}, last used {}",
                            when(info.created_ms),
                            when(info.last_used_ms)
                        );
                    }
                    None => {
                        eprintln!("otpvault-issuer: {name} has no API key");
                        return Ok(ExitCode::from(1));
                    }
                }
            }
        }
        Command::GenerateKek { out } => {
            let hex = otpvault_issuer::seal::Kek::generate_hex()?;
            let id = otpvault_issuer::seal::Kek::from_hex(&hex)?.id().to_owned();
            write_new_private(&out, &hex)
                .map_err(|_| IssuerError::InvalidInput("could not create the KEK file"))?;
            eprintln!("KEK {id} written to {}", out.display());
        }
        Command::RotateKek => {
            let done = issuer.rotate_kek()?;
            println!(
                "{} data keys re-wrapped, {} secrets sealed",
                done.rewrapped, done.sealed
            );
        }
        Command::CheckApiKey => {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|_| IssuerError::InvalidInput("could not read the API key"))?;
            match issuer.check_api_key_bearer(line.trim(), now_ms())? {
                Some(user) => println!("{user}"),
                None => {
                    eprintln!("otpvault-issuer: unknown API key");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Activation { name, code } => {
            let (code, expires_ms) = issuer.create_activation(&name, code.as_deref(), now_ms())?;
            println!(
                "{} valid 300 s for {name} (until {})",
                code.as_str(),
                otpvault_core::clock::iso8601_utc(expires_ms / 1000)
            );
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            max_connections,
            per_address_rate,
            ..
        } => {
            // One JSON line per event on standard error (routes, statuses and times only).
            let _ = tracing_subscriber::fmt()
                .json()
                .with_writer(std::io::stderr)
                .try_init();
            let mut options = otpvault_issuer::http::ServeOptions::default();
            options.limits.max_connections = max_connections;
            options.limits.per_address_rate = per_address_rate;
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                options.tls = Some(otpvault_issuer::http::TlsFiles { cert, key });
            }
            let scheme = if options.tls.is_some() {
                "https"
            } else {
                "http"
            };
            let stop = Arc::new(AtomicBool::new(false));
            #[cfg(unix)]
            for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                signal_hook::flag::register(signal, stop.clone())
                    .map_err(|err| IssuerError::Listen(err.to_string()))?;
            }
            drop(issuer);
            otpvault_issuer::http::serve_with(
                &cli.db,
                &config,
                &listen,
                &options,
                stop,
                |address| {
                    eprintln!(
                        "listening on {scheme}://{address} (origin {})",
                        config.origin
                    );
                },
            )?;
            eprintln!("stopped");
        }
        Command::Enrol { name, qr } => {
            let uri = issuer.enrol(&name, now_ms())?;
            if let Some(path) = qr {
                otpvault_qr::write_png(&uri, &path)?;
                eprintln!("QR code written to {}", path.display());
            }
            println!("{}", uri.as_str());
        }
        Command::Confirm { name, code } => {
            match issuer.confirm_enrolment(&name, &code, now_ms())? {
                Confirmation::Confirmed { api_key } => println!("{}", api_key.as_str()),
                Confirmation::NothingPending => {
                    eprintln!(
                        "otpvault-issuer: no enrolment of {name} is pending (none was started, \
                         or it was already confirmed)"
                    );
                    return Ok(ExitCode::from(1));
                }
                Confirmation::Refused(verdict) => {
                    eprintln!("otpvault-issuer: {}", verdict_text(&verdict));
                    let status = if matches!(verdict, Verdict::Malformed { .. }) {
                        2
                    } else {
                        1
                    };
                    return Ok(ExitCode::from(status));
                }
            }
        }
        Command::Resync {
            name,
            first,
            second,
        } => {
            let verdict = issuer.resync(&name, &first, &second, now_ms())?;
            if matches!(verdict, Verdict::Accepted { .. }) {
                println!("resynchronised: {}", verdict_text(&verdict));
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("otpvault-issuer: {}", verdict_text(&verdict));
            let status = if matches!(verdict, Verdict::Malformed { .. }) {
                2
            } else {
                1
            };
            return Ok(ExitCode::from(status));
        }
        Command::Verify { name, code, json } => {
            let verdict = issuer.verify(&name, &code, now_ms())?;
            if json {
                println!("{}", otpvault_issuer::http::verdict_answer(&verdict).body);
            }
            if matches!(verdict, Verdict::Accepted { .. }) {
                if !json {
                    println!("{}", verdict_text(&verdict));
                }
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("otpvault-issuer: {}", verdict_text(&verdict));
            // Not a code at all is a usage error: nothing was counted.
            let status = if matches!(verdict, Verdict::Malformed { .. }) {
                2
            } else {
                1
            };
            return Ok(ExitCode::from(status));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => fail(&err),
    }
}
