//! `otpvault activate`: the OTP PAT flow. The vault PIN is checked first (a wrong PIN must not
//! cost an activation attempt) unless the agent holds the vault (then the token is stored
//! through it, and its session goes on), then the portal password and the 5-digit code are read and the
//! exchange runs against the issuer (see `otpvault_core::activation`); the token and the measured
//! clock correction are stored together, and the first code is printed.

use std::sync::Arc;
use std::time::Duration;

use otpvault_core::activation::{Activated, ActivationClient, MAX_BODY, Request, Step};
use otpvault_core::{Pin, SystemClock, TokenInfo, Vault};

use crate::context::{Context, now};
use crate::failure::{EXIT_ACTIVATION, Failure, Outcome};
use crate::input::tell;
use crate::render::{Code, Report};

/// The origin (`scheme://host[:port]`, lowercase, no path) of the `--server` URL, and the base
/// URL requests go to. Only `https`, or `http` to a loopback address.
pub(crate) fn origin_of(server: &str) -> Outcome<String> {
    let server = server.trim().trim_end_matches('/');
    let (scheme, rest) = server.split_once("://").ok_or_else(|| {
        Failure::invalid("--server must be a URL such as https://portal.example.org")
    })?;
    let scheme = scheme.to_ascii_lowercase();
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return Err(Failure::invalid(
            "--server must be an origin (scheme, host and port; no path or credentials)",
        ));
    }
    let host = rest.to_ascii_lowercase();
    let loopback =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    match scheme.as_str() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Failure::invalid(
                "--server must use https (plain http is accepted for a loopback address only)",
            ));
        }
        _ => return Err(Failure::invalid("--server must be an https:// URL")),
    }
    Ok(format!("{scheme}://{host}"))
}

pub(crate) fn unreachable(err: impl std::fmt::Display) -> Failure {
    Failure::new(
        EXIT_ACTIVATION,
        "activation_unreachable",
        format!("the issuer could not be reached: {err}"),
    )
}

/// An HTTP client for the issuer: no redirects (an answer comes from the origin asked, or not at
/// all), statuses handed to the protocol rather than turned into errors, `timeout` for the whole
/// exchange.
pub(crate) fn issuer_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .build()
        .into()
}

pub(crate) fn post(agent: &ureq::Agent, origin: &str, request: &Request) -> Outcome<(u16, String)> {
    let mut response = agent
        .post(format!("{origin}{}", request.path))
        .header("Content-Type", "application/json")
        .send(request.body.as_str())
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY as u64)
        .read_to_string()
        .map_err(unreachable)?;
    Ok((status, body))
}

/// Where the activated token goes: the agent holding the vault (no PIN asked), or the vault
/// opened here and unlocked with the PIN before anything is sent.
enum Keeper {
    #[cfg(unix)]
    Agent(crate::agent::Client),
    Local {
        vault: Box<Vault>,
        pin: Pin,
    },
}

/// The agent, when one holds the vault for at least another minute (the exchange takes a few
/// seconds); otherwise the vault unlocked here. The PIN is checked first: a wrong PIN must not
/// cost an activation attempt.
fn keeper(ctx: &Context) -> Outcome<Keeper> {
    #[cfg(unix)]
    if let Some(client) = ctx.agent_client()?
        && client.seconds_left().is_ok_and(|left| left >= 60)
    {
        return Ok(Keeper::Agent(client));
    }
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "Vault PIN: ")?)?;
    vault.unlock(&pin)?;
    Ok(Keeper::Local {
        vault: Box::new(vault),
        pin,
    })
}

/// Stores the token in the vault opened here and reads its first code.
fn store_here(vault: &Vault, pin: &Pin, activated: Activated) -> Outcome<(TokenInfo, Code)> {
    let info = vault.activate(Some(pin), activated)?;
    let code = vault.code(Some(pin), info.id, now())?;
    vault.lock();
    Ok((info, Code::from(&code)))
}

pub fn run(ctx: &Context, server: &str, user: &str) -> Outcome<Report> {
    let origin = origin_of(server)?;
    let keeper = keeper(ctx)?;
    let password = ctx.pins.read("Portal password: ")?;
    let code = ctx.pins.read("Activation code: ")?;
    let (mut client, mut request) = ActivationClient::new(
        &origin,
        user,
        &password,
        code.trim(),
        Arc::new(SystemClock::new()),
    )?;
    let agent = issuer_agent(Duration::from_secs(20));
    let done = loop {
        let (status, body) = post(&agent, &origin, &request)?;
        match client.handle(status, &body)? {
            Step::Send(next) => request = next,
            Step::Done(done) => break done,
        }
    };
    let clock_offset = done.clock_offset;
    if clock_offset.abs() >= 30 {
        tell(&format!(
            "Note: this device's clock is {} s {}; codes are corrected by that much.",
            clock_offset.abs(),
            if clock_offset > 0 { "slow" } else { "fast" }
        ));
    }
    let (token, code) = match keeper {
        #[cfg(unix)]
        Keeper::Agent(agent) => match agent.activate(&done) {
            Ok(stored) => stored,
            Err(failure) if failure.kind == "agent_gone" || failure.kind == "locked" => {
                // The agent ended during the exchange: the token is only in memory here, so the
                // PIN is asked (three tries) rather than the activation lost.
                tell(
                    "The agent stopped during the activation: the vault PIN is needed to store the token.",
                );
                let vault = ctx.open()?;
                let mut tries = 0;
                loop {
                    let pin = Pin::new(&ctx.ask_pin(&vault, "Vault PIN: ")?)?;
                    match vault.unlock(&pin) {
                        Ok(_) => break store_here(&vault, &pin, done)?,
                        Err(otpvault_core::VaultError::WrongPin { .. }) if tries < 2 => {
                            tries += 1;
                            tell("Wrong PIN; try again.");
                        }
                        Err(err) => return Err(err.into()),
                    }
                }
            }
            Err(failure) => return Err(failure),
        },
        Keeper::Local { vault, pin } => store_here(&vault, &pin, done)?,
    };
    Ok(Report::Activated {
        token,
        code,
        clock_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn only_https_or_loopback_http_origins_are_accepted() {
        assert_eq!(
            origin_of("https://Portal.Example.org/").unwrap(),
            "https://portal.example.org"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(origin_of("http://portal.example.org").is_err());
        assert!(origin_of("https://portal.example.org/login").is_err());
        assert!(origin_of("https://user@portal.example.org").is_err());
        assert!(origin_of("portal.example.org").is_err());
    }
}
