//! Where PINs and secrets come from: standard input lines (`--pin-stdin`, `-` arguments), or a
//! no-echo prompt on the terminal.
//!
//! The prompt reads from `/dev/tty` with echo off and puts the terminal back however it ends:
//! normally, on an error, or on Ctrl-C / SIGTERM / SIGHUP (a watcher thread restores the saved
//! settings before the process exits with 130), so no shell is ever left without echo.

use std::io::{BufRead, Write};

use otpvault_core::Pin;
use zeroize::Zeroizing;

use crate::failure::{Failure, Outcome};

/// New PINs refused (too easy, or the repeat differs) before the command gives up.
const NEW_PIN_TRIES: u32 = 3;

/// Reads one line of standard input without its line ending; `None` at end of input.
fn stdin_line() -> Outcome<Option<Zeroizing<String>>> {
    let mut line = Zeroizing::new(String::new());
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    )))
}

fn no_terminal() -> Failure {
    Failure::invalid(
        "no terminal to ask the PIN on: pass --pin-stdin and give the PIN on standard input",
    )
}

/// Reads a line from the terminal with echo off, restoring the terminal on every path.
#[cfg(unix)]
fn prompt_hidden(prompt: &str) -> Outcome<Zeroizing<String>> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| no_terminal())?;
    let saved = tcgetattr(&tty).map_err(|_| no_terminal())?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    quiet.local_modes.insert(LocalModes::ECHONL);
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    let handle = signals.handle();
    let watcher = {
        let tty = tty.try_clone()?;
        let saved = saved.clone();
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = tcsetattr(&tty, OptionalActions::Now, &saved);
                let _ = (&tty).write_all(b"\n");
                std::process::exit(128 + signal);
            }
        })
    };
    let result = (|| {
        (&tty).write_all(prompt.as_bytes())?;
        tcsetattr(&tty, OptionalActions::Flush, &quiet)?;
        let mut line = Zeroizing::new(String::new());
        std::io::BufReader::new(&tty).read_line(&mut line)?;
        Ok::<_, std::io::Error>(line)
    })();
    let _ = tcsetattr(&tty, OptionalActions::Now, &saved);
    handle.close();
    let _ = watcher.join();
    let line = result?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

#[cfg(not(unix))]
fn prompt_hidden(_prompt: &str) -> Outcome<Zeroizing<String>> {
    Err(no_terminal())
}

/// Asks a yes/no question on the terminal; without a terminal, says to pass `--yes`.
pub fn confirm(question: &str) -> Outcome<bool> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| Failure::invalid("no terminal to confirm on: pass --yes"))?;
    (&tty).write_all(question.as_bytes())?;
    let mut answer = String::new();
    std::io::BufReader::new(&tty).read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// Asks for a secret (an export file's password) on the terminal with echo off.
pub fn prompt_secret(prompt: &str) -> Outcome<Zeroizing<String>> {
    prompt_hidden(prompt).map_err(|failure| {
        if failure.message.contains("no terminal") {
            Failure::invalid("the file is encrypted and there is no terminal to ask its password on: pass --password-file")
        } else {
            failure
        }
    })
}

/// Says something to the person at the terminal (standard error, so stdout stays data).
pub fn tell(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", crate::render::printable(message));
}

/// Where PINs come from: standard input lines, or a no-echo prompt.
pub struct PinSource {
    /// Read PINs from standard input, one per line.
    pub from_stdin: bool,
}

impl PinSource {
    /// Reads one PIN-like line.
    pub fn read(&self, prompt: &str) -> Outcome<Zeroizing<String>> {
        if self.from_stdin {
            return stdin_line()?.ok_or_else(|| Failure::invalid("no PIN on standard input"));
        }
        prompt_hidden(prompt)
    }

    /// A new PIN: asked twice at a prompt (once from standard input); a PIN that is too easy or
    /// a repeat that differs asks again, up to 3 times.
    pub fn new_pin(&self) -> Outcome<Zeroizing<String>> {
        let mut tries = 0;
        loop {
            tries += 1;
            let first = self.read("New 5-digit PIN: ")?;
            let refused = match Pin::new_for_setting(&first) {
                Err(err) => Some(Failure::from(err)),
                Ok(_) if !self.from_stdin && *self.read("Repeat the new PIN: ")? != *first => {
                    Some(Failure::invalid("the two PINs differ"))
                }
                Ok(_) => None,
            };
            match refused {
                None => return Ok(first),
                Some(failure) if tries >= NEW_PIN_TRIES => return Err(failure),
                Some(failure) => tell(&format!("{} — try again.", failure.message)),
            }
        }
    }
}

/// A URI or secret given on the command line, or `-` for the first line of standard input (an
/// argument is visible to every user in `/proc/PID/cmdline`; standard input is not).
pub fn secret_argument(value: &str) -> Outcome<Zeroizing<String>> {
    if value != "-" {
        return Ok(Zeroizing::new(value.to_owned()));
    }
    stdin_line()?.ok_or_else(|| Failure::invalid("nothing on standard input"))
}
