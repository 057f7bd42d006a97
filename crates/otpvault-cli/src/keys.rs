//! Keys for `watch` on a terminal: standard input switched to non-canonical mode without echo
//! (Ctrl-C still interrupts), read without blocking between frames, and given back in its own
//! mode for a PIN prompt and when the view ends.

use std::time::Duration;

/// What a key asks of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Space, `n`, →, ↓ or Page Down.
    NextPage,
    /// `p`, `b`, ←, ↑ or Page Up.
    PreviousPage,
    /// `q` or Escape.
    Quit,
}

/// The keys in the bytes one read returned (plain keys and the escape sequences of the arrows and
/// page keys, in normal and application cursor mode); other bytes are ignored.
pub fn decode(bytes: &[u8]) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (key, used) = match rest {
            [0x1b, b'[' | b'O', b'C' | b'B', ..] => (Some(Key::NextPage), 3),
            [0x1b, b'[' | b'O', b'D' | b'A', ..] => (Some(Key::PreviousPage), 3),
            [0x1b, b'[', b'6', b'~', ..] => (Some(Key::NextPage), 4),
            [0x1b, b'[', b'5', b'~', ..] => (Some(Key::PreviousPage), 4),
            // Another sequence: skip it whole (up to its final byte).
            [0x1b, b'[', tail @ ..] => {
                let end = tail.iter().position(|b| (0x40..=0x7e).contains(b));
                (None, 2 + end.map_or(tail.len(), |at| at + 1))
            }
            [0x1b] => (Some(Key::Quit), 1),
            [b' ' | b'n' | b'N', ..] => (Some(Key::NextPage), 1),
            [b'p' | b'P' | b'b' | b'B', ..] => (Some(Key::PreviousPage), 1),
            [b'q' | b'Q', ..] => (Some(Key::Quit), 1),
            _ => (None, 1),
        };
        keys.extend(key);
        rest = &rest[used.min(rest.len())..];
    }
    keys
}

/// Standard input's terminal, taken for keys while the view runs.
#[cfg(unix)]
pub struct Keys {
    saved: rustix::termios::Termios,
    taken: rustix::termios::Termios,
}

#[cfg(unix)]
impl Keys {
    /// Takes standard input's keys; `None` when it is not a terminal.
    pub fn take() -> Option<Keys> {
        use rustix::termios::{
            LocalModes, OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr,
        };
        use std::io::IsTerminal;
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let saved = tcgetattr(&stdin).ok()?;
        let mut taken = saved.clone();
        taken
            .local_modes
            .remove(LocalModes::ICANON | LocalModes::ECHO);
        taken.special_codes[SpecialCodeIndex::VMIN] = 0;
        taken.special_codes[SpecialCodeIndex::VTIME] = 0;
        tcsetattr(&stdin, OptionalActions::Now, &taken).ok()?;
        Some(Keys { saved, taken })
    }

    /// Gives the terminal back for `f` (a PIN prompt), keys typed before it dropped, then takes
    /// it again.
    pub fn released<T>(&self, f: impl FnOnce() -> T) -> T {
        use rustix::termios::{OptionalActions, QueueSelector, tcflush, tcsetattr};
        let stdin = std::io::stdin();
        let _ = tcflush(&stdin, QueueSelector::IFlush);
        let _ = tcsetattr(&stdin, OptionalActions::Now, &self.saved);
        let out = f();
        let _ = tcsetattr(&stdin, OptionalActions::Now, &self.taken);
        out
    }

    /// The keys pressed within `timeout` (empty when none was).
    pub fn wait(&self, timeout: Duration) -> Vec<Key> {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let stdin = std::io::stdin();
        let timeout = Timespec {
            tv_sec: timeout.as_secs() as _,
            tv_nsec: timeout.subsec_nanos() as _,
        };
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        if !matches!(poll(&mut fds, Some(&timeout)), Ok(n) if n > 0) {
            return Vec::new();
        }
        let mut buf = [0u8; 64];
        match rustix::io::read(&stdin, &mut buf) {
            Ok(n) => decode(&buf[..n]),
            Err(_) => Vec::new(),
        }
    }
}

#[cfg(unix)]
impl Drop for Keys {
    fn drop(&mut self) {
        use rustix::termios::{OptionalActions, tcsetattr};
        let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_escape_sequences_decode() {
        assert_eq!(decode(b" "), [Key::NextPage]);
        assert_eq!(decode(b"q"), [Key::Quit]);
        assert_eq!(decode(b"\x1b"), [Key::Quit]);
        assert_eq!(decode(b"\x1b[C\x1b[B\x1bOC"), [Key::NextPage; 3]);
        assert_eq!(decode(b"\x1b[D\x1b[A\x1bOD"), [Key::PreviousPage; 3]);
        assert_eq!(
            decode(b"\x1b[6~\x1b[5~"),
            [Key::NextPage, Key::PreviousPage]
        );
        // F5 (`ESC [ 1 5 ~`) and other bytes are ignored, not read as Escape then keys.
        assert_eq!(decode(b"\x1b[15~xyz"), []);
        assert_eq!(decode(b"np"), [Key::NextPage, Key::PreviousPage]);
    }
}
