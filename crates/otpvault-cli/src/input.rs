//! Where PINs and secrets come from: standard input lines (`--pin-stdin`, `-` arguments), or a
//! no-echo prompt on the terminal.

use std::io::BufRead;

use otpvault_core::Pin;
use zeroize::Zeroizing;

use crate::failure::{Failure, Outcome};

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
        Ok(Zeroizing::new(rpassword::prompt_password(prompt)?))
    }

    /// A PIN as entered at unlock.
    pub fn pin(&self, prompt: &str) -> Outcome<Pin> {
        Ok(Pin::new(&self.read(prompt)?)?)
    }

    /// A new PIN: asked twice at a prompt, once from standard input.
    pub fn new_pin(&self) -> Outcome<Zeroizing<String>> {
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
pub fn secret_argument(value: &str) -> Outcome<Zeroizing<String>> {
    if value != "-" {
        return Ok(Zeroizing::new(value.to_owned()));
    }
    stdin_line()?.ok_or_else(|| Failure::invalid("nothing on standard input"))
}
