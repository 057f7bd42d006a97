//! `otpvault watch`: a live view of every code, refreshed every second, honouring the policy.
//! `demo` draws the same view over a throw-away vault.
//!
//! A code never stays on screen after it expires or after the vault locks: when the session ends
//! (5/10 minutes) or, under `EveryCode`, when the first code shown expires, the screen is cleared to
//! a locked screen before the PIN is asked again. On a terminal the view is drawn in the alternate
//! screen (nothing piles up in the scrollback), fitted to the terminal's width by display width
//! (CJK, emoji and combining marks align), paged when there are more tokens than rows, with digits
//! grouped (`123 456`) and a countdown that turns red in the last 5 s (`NO_COLOR` turns colour
//! off). Below about 60 columns the bar and the next-code preview give way to the name and the
//! code, so no line wraps down to 24 columns. Keys on a terminal: space, `n`, → or ↓ for the next
//! page, `p`, ← or ↑ for the previous one (paging stops turning by itself), `q` or Escape to
//! quit. `watch QUERY` shows the tokens `code QUERY` would. Piped, the output is the plain frames
//! scripts have always read.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use otpvault_core::TokenInfo;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::access::Access;
use crate::context::{Context, now};
use crate::failure::{Failure, Outcome};
use crate::keys::Key;
use crate::render::{Code, CodeRow, RowCode, label, row_json};

/// The next code is shown in the last seconds of a period.
const PREVIEW_SECONDS: u32 = 5;
/// Seconds each page shows when the tokens do not fit the terminal.
const PAGE_SECONDS: u64 = 5;

/// How frames are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Drawing on a terminal (alternate screen, grouping, fitting, paging).
    pub tty: bool,
    /// ANSI colours (a terminal without `NO_COLOR`).
    pub color: bool,
    /// Columns available.
    pub width: usize,
    /// Rows available.
    pub height: usize,
}

impl Style {
    fn detect() -> Self {
        let tty = std::io::stdout().is_terminal();
        let (width, height) = terminal_size().unwrap_or((80, 24));
        Style {
            tty,
            color: tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            width,
            height,
        }
    }
}

#[cfg(unix)]
fn terminal_size() -> Option<(usize, usize)> {
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    (size.ws_col > 0 && size.ws_row > 0)
        .then(|| (usize::from(size.ws_col), usize::from(size.ws_row)))
}

#[cfg(not(unix))]
fn terminal_size() -> Option<(usize, usize)> {
    None
}

/// One row of the view.
pub struct Row {
    /// The token.
    pub token: TokenInfo,
    /// Its code (`None` for HOTP).
    pub code: Option<Code>,
}

/// `123 456`, `1234 5678`, `123 4567`; Steam's letters and odd lengths stay as they are.
pub fn group_digits(code: &str) -> String {
    if !code.bytes().all(|b| b.is_ascii_digit()) || code.len() < 6 {
        return code.to_owned();
    }
    let split = code.len() / 2;
    format!("{} {}", &code[..split], &code[split..])
}

/// `text` cut to at most `width` columns (with `…` when cut) and padded to exactly `width`.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if text.width() > width {
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    } else {
        out.push_str(text);
        used = text.width();
    }
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

fn bar(seconds_left: u32, period: u32, width: u64) -> String {
    let filled = (u64::from(seconds_left) * width / u64::from(period.max(1))).min(width);
    format!(
        "[{}{}]",
        "#".repeat(filled as usize),
        "-".repeat((width - filled) as usize)
    )
}

/// The plain frame scripts read when the output is not a terminal (unchanged format).
fn plain_lines(rows: &[Row], header: &str, hotp_hint: bool) -> Vec<String> {
    let mut lines = vec![header.to_owned()];
    for row in rows {
        let name = label(&row.token);
        lines.push(match &row.code {
            Some(code) => {
                let mut line = format!(
                    "{:<36} {:>10}  {} {:>2}s",
                    name,
                    code.value,
                    bar(code.seconds_left, code.period, 20),
                    code.seconds_left
                );
                if code.seconds_left <= PREVIEW_SECONDS {
                    line.push_str(&format!("  next {}", code.next_value));
                }
                line
            }
            None if hotp_hint => format!(
                "{name:<36} {:>10}  (HOTP: otpvault code {})",
                "------", row.token.id
            ),
            None => format!("{name:<36} {:>10}  (HOTP)", "------"),
        });
    }
    if rows.is_empty() {
        lines.push("(no tokens yet: otpvault add)".into());
    }
    lines
}

/// How many pages `rows` take on a terminal of `style.height` rows (the header takes one).
fn page_count(rows: usize, style: &Style) -> usize {
    rows.div_ceil(rows_per_page(style)).max(1)
}

fn rows_per_page(style: &Style) -> usize {
    style.height.saturating_sub(2).max(1)
}

/// What the terminal header says, beside the title.
pub struct Header<'a> {
    /// The title (`otpvault`, or the demo's).
    pub title: &'a str,
    /// Seconds until the vault locks (`None` under `EveryCode`).
    pub seconds_left: Option<u64>,
    /// Whether the keys work (a terminal on standard input).
    pub keys: bool,
}

impl Header<'_> {
    /// The header fitted to `width`: the hints go first, then the long wording; never wraps.
    fn line(&self, page: usize, pages: usize, width: usize) -> String {
        let status = match self.seconds_left {
            Some(left) => [format!("locks in {left} s"), format!("{left} s")],
            None => ["PIN for every code".to_owned(), "every code".to_owned()],
        };
        let paging = (pages > 1).then(|| {
            [
                format!("page {}/{pages}", page + 1),
                format!("{}/{pages}", page + 1),
            ]
        });
        let hint = match (self.keys, pages > 1) {
            (true, true) => "space: next page, q: quit",
            (true, false) => "q: quit",
            (false, _) => "Ctrl-C: quit",
        };
        // From the fullest to the shortest wording.
        let candidates = [
            (&status[0], 0, Some(hint)),
            (&status[0], 0, None),
            (&status[1], 0, None),
            (&status[1], 1, None),
        ];
        let compose = |status: &str, paging_form: usize, hint: Option<&str>| {
            let mut parts = vec![self.title.to_owned(), status.to_owned()];
            parts.extend(paging.as_ref().map(|forms| forms[paging_form].clone()));
            parts.extend(hint.map(str::to_owned));
            parts.join(" · ")
        };
        let line = candidates
            .iter()
            .map(|(status, paging_form, hint)| compose(status, *paging_form, *hint))
            .find(|line| line.width() <= width)
            .unwrap_or_else(|| compose(&status[1], 1, None));
        fit(&line, width).trim_end().to_owned()
    }
}

/// The terminal frame: fitted to `style.width` by display width, one page of `style.height`.
/// From 61 columns: name, code, countdown bar and the next code in the last 5 s; narrower, the
/// name, the code and the seconds left.
pub fn tty_lines(
    rows: &[Row],
    header: &Header<'_>,
    style: &Style,
    page: usize,
    hotp_hint: bool,
) -> Vec<String> {
    const CODE: usize = 11; // "12345 67890"
    const BAR: u64 = 10;
    // "  " code "  " [bar] " 30s" "  next 12345 67890"
    const WIDE_TAIL: usize = 2 + CODE + 2 + (BAR as usize + 2) + 4 + 18;
    // "  " code " 30s"
    const NARROW_TAIL: usize = 2 + CODE + 4;
    let wide = style.width >= WIDE_TAIL + 12;
    let name_width = if wide {
        (style.width - WIDE_TAIL).min(60)
    } else {
        style.width.saturating_sub(NARROW_TAIL).max(4)
    };
    let per_page = rows_per_page(style);
    let pages = page_count(rows.len(), style);
    let page = page % pages;
    let mut lines = vec![header.line(page, pages, style.width)];
    for row in rows.iter().skip(page * per_page).take(per_page) {
        let name = fit(&label(&row.token), name_width);
        let line = match &row.code {
            Some(code) => {
                let last = code.seconds_left <= PREVIEW_SECONDS;
                let (on, off) = match (style.color, last) {
                    (true, true) => ("\x1b[31m", "\x1b[0m"),
                    (true, false) => ("\x1b[32m", "\x1b[0m"),
                    _ => ("", ""),
                };
                let value = group_digits(&code.value);
                if wide {
                    let mut line = format!(
                        "{name}  {value:>CODE$}  {on}{} {:>2}s{off}",
                        bar(code.seconds_left, code.period, BAR),
                        code.seconds_left
                    );
                    if last {
                        line.push_str(&format!("  next {}", group_digits(&code.next_value)));
                    }
                    line
                } else {
                    format!("{name}  {value:>CODE$} {on}{:>2}s{off}", code.seconds_left)
                }
            }
            None if hotp_hint && wide => {
                format!("{name}  {:>CODE$}  otpvault next {}", "press", row.token.id)
            }
            None => format!("{name}  {:>CODE$}", "(HOTP)"),
        };
        lines.push(line);
    }
    if rows.is_empty() {
        lines.push(
            fit("(no tokens to show)", style.width)
                .trim_end()
                .to_owned(),
        );
    }
    lines
}

/// `text` broken into lines of at most `width` columns at spaces (a longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
        .into_iter()
        .map(|l| fit(&l, width).trim_end().to_owned())
        .collect()
}

/// The terminal: alternate screen while drawing, restored on drop (also after Ctrl-C).
struct Terminal {
    style: Style,
    first: bool,
    json: bool,
}

impl Terminal {
    fn new(style: Style, json: bool) -> Self {
        if style.tty {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\x1b[?1049h\x1b[?25l");
            let _ = out.flush();
        }
        Terminal {
            style,
            first: true,
            json,
        }
    }

    fn draw(&mut self, lines: &[String]) -> Outcome {
        let mut out = std::io::stdout().lock();
        let result = (|| {
            if self.style.tty {
                write!(out, "\x1b[H\x1b[2J")?;
                for line in lines {
                    write!(out, "{line}\r\n")?;
                }
            } else {
                if !self.first && !self.json {
                    writeln!(out)?;
                }
                for line in lines {
                    writeln!(out, "{line}")?;
                }
            }
            out.flush()
        })();
        self.first = false;
        match result {
            Ok(()) => Ok(()),
            // `watch | head -3`: the reader left; stop quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                Err(Failure::new(0, "closed", ""))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Clears the codes away before anything else (a PIN prompt) is shown.
    fn locked(&mut self, title: &str, why: &str) -> Outcome {
        if self.json {
            return self.draw(&[serde_json::json!({"locked": why}).to_string()]);
        }
        let mut lines = vec![
            format!("{title} — locked ({why})"),
            String::new(),
            "Enter the PIN to show the codes again (Ctrl-C to quit).".into(),
        ];
        if self.style.tty {
            lines = lines
                .iter()
                .flat_map(|line| wrap(line, self.style.width))
                .collect();
        }
        self.draw(&lines)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if self.style.tty {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\x1b[?25h\x1b[?1049l");
            let _ = out.flush();
        }
    }
}

/// Waits until the next wall-clock second, waking early when `stop` is set or a key is pressed
/// (the keys pressed are returned).
fn wait_for_next_second(stop: &AtomicBool, keys: Option<&Keys>) -> Vec<Key> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut left = Duration::from_nanos(u64::from(1_000_000_000 - nanos.min(999_999_999)));
    while !left.is_zero() && !stop.load(Ordering::SeqCst) {
        let step = left.min(Duration::from_millis(50));
        match keys {
            Some(keys) => {
                let pressed = keys.wait(step);
                if !pressed.is_empty() {
                    return pressed;
                }
            }
            None => std::thread::sleep(step),
        }
        left -= step;
    }
    Vec::new()
}

/// Standard input's keys while the view runs on a terminal.
#[cfg(unix)]
type Keys = crate::keys::Keys;

/// No keys where there is no termios.
#[cfg(not(unix))]
struct Keys;

#[cfg(not(unix))]
impl Keys {
    fn take() -> Option<Keys> {
        None
    }
    fn released<T>(&self, f: impl FnOnce() -> T) -> T {
        f()
    }
    fn wait(&self, timeout: Duration) -> Vec<Key> {
        std::thread::sleep(timeout);
        Vec::new()
    }
}

/// The tokens `query` selects (as `code QUERY` does), all without one.
fn matching(rows: Vec<Row>, query: Option<&str>) -> Vec<Row> {
    let Some(query) = query else {
        return rows;
    };
    let tokens = rows.iter().map(|r| r.token.clone()).collect();
    let keep: Vec<i64> = super::code::select(tokens, Some(query))
        .iter()
        .map(|t| t.id)
        .collect();
    rows.into_iter()
        .filter(|r| keep.contains(&r.token.id))
        .collect()
}

/// Where the view gets its codes, and how it gets them back after a lock.
pub trait Source {
    /// The unlocked vault, asking the PIN when needed.
    fn access(&mut self) -> Outcome<Access>;
    /// Seconds until the vault locks (`None`: it never stays unlocked, `EveryCode`).
    fn seconds_left(&mut self, access: &Access) -> Option<u64>;
    /// The access to keep for the next frame (the agent's, once one this command started serves).
    fn follow(&mut self, access: Access) -> Access {
        access
    }
}

struct VaultSource<'a> {
    ctx: &'a Context,
}

impl Source for VaultSource<'_> {
    fn access(&mut self) -> Outcome<Access> {
        self.ctx.access()
    }

    fn seconds_left(&mut self, access: &Access) -> Option<u64> {
        access.session_seconds_left()
    }

    #[cfg(unix)]
    fn follow(&mut self, access: Access) -> Access {
        access.through_agent(&self.ctx.vault_path)
    }
}

fn is_lock(failure: &Failure) -> bool {
    matches!(failure.kind, "locked" | "agent_gone")
}

/// One `watch --json` frame: `{"locks_in": seconds or null, "codes": [code rows]}`.
fn json_frame(rows: &[Row], seconds_left: Option<u64>) -> String {
    let codes: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            row_json(&CodeRow {
                token: row.token.clone(),
                code: match (&row.code, row.token.kind) {
                    (Some(code), _) => RowCode::Totp(code.clone()),
                    (None, otpvault_core::OtpKind::Hotp { counter }) => {
                        RowCode::HotpPending { counter }
                    }
                    (None, _) => RowCode::HotpPending { counter: 0 },
                },
            })
        })
        .collect();
    serde_json::json!({"locks_in": seconds_left, "codes": codes}).to_string()
}

/// What `watch` shows, and how.
pub struct View<'a> {
    /// Stop after this many frames.
    pub frames: Option<u64>,
    /// The header's title.
    pub title: &'a str,
    /// Say how to draw an HOTP code (`otpvault next ID`).
    pub hotp_hint: bool,
    /// One JSON line per frame.
    pub json: bool,
    /// Only the tokens this selects (as `code QUERY`).
    pub query: Option<&'a str>,
}

/// Draws frames until `frames` have been shown, Ctrl-C, `q`, or a closed pipe. With `json`,
/// each frame is one JSON line.
pub fn watch(source: &mut dyn Source, view: &View<'_>) -> Outcome {
    let json = view.json;
    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    let mut style = Style::detect();
    if json {
        style.tty = false;
        style.color = false;
    }
    let mut terminal = Terminal::new(style, json);
    // Keys only for a person at a terminal (not with PINs piped in, not for JSON).
    let keys = if style.tty && !json {
        Keys::take()
    } else {
        None
    };
    let result = watch_loop(source, &mut terminal, &stop, view, keys.as_ref());
    drop(keys);
    drop(terminal);
    match result {
        Err(failure) if failure.kind == "closed" => Ok(()),
        other => other,
    }
}

fn watch_loop(
    source: &mut dyn Source,
    terminal: &mut Terminal,
    stop: &AtomicBool,
    view: &View<'_>,
    keys: Option<&Keys>,
) -> Outcome {
    let View {
        frames,
        title,
        hotp_hint,
        json,
        query,
    } = *view;
    let mut shown = 0u64;
    // Pages turn every PAGE_SECONDS until a paging key is pressed; then they stay put.
    let mut manual_page: Option<usize> = None;
    let mut access: Option<Access> = None;
    // Under EveryCode: the codes revealed by one PIN, shown until the first of them expires.
    let mut revealed: Option<(u64, Vec<Row>)> = None;
    while frames.is_none_or(|n| shown < n) && !stop.load(Ordering::SeqCst) {
        let current = match access.take() {
            Some(current) => current,
            // The PIN may be asked: the terminal is given back for the prompt.
            None => match keys {
                Some(keys) => keys.released(|| source.access())?,
                None => source.access()?,
            },
        };
        let unix = now();
        let seconds_left = source.seconds_left(&current);
        let rows = match (&seconds_left, &revealed) {
            (None, Some((at, rows))) => shift(rows, unix.saturating_sub(*at)),
            _ => match current.entries(unix) {
                Ok(entries) => matching(
                    entries
                        .into_iter()
                        .map(|(token, code)| Row { token, code })
                        .collect(),
                    query,
                ),
                Err(failure) if is_lock(&failure) => {
                    terminal.locked(title, "the session ended")?;
                    continue;
                }
                Err(failure) => return Err(failure),
            },
        };
        if seconds_left.is_none() && revealed.is_none() {
            revealed = Some((unix, shift(&rows, 0)));
        }
        let expired = rows
            .iter()
            .any(|r| r.code.as_ref().is_some_and(|c| c.seconds_left == 0));
        if expired {
            // The codes go before the PIN is asked again; `current` is dropped with them.
            terminal.locked(title, "the code expired")?;
            revealed = None;
            continue;
        }
        let page = manual_page.unwrap_or((shown / PAGE_SECONDS) as usize);
        let lines = if json {
            vec![json_frame(&rows, seconds_left)]
        } else if terminal.style.tty {
            let header = Header {
                title,
                seconds_left,
                keys: keys.is_some(),
            };
            tty_lines(&rows, &header, &terminal.style, page, hotp_hint)
        } else {
            let header = match seconds_left {
                Some(left) => format!("{title} — locks in {left} s (Ctrl-C to quit)"),
                None => format!("{title} — PIN asked for every code (Ctrl-C to quit)"),
            };
            plain_lines(&rows, &header, hotp_hint)
        };
        terminal.draw(&lines)?;
        shown += 1;
        if frames.is_some_and(|n| shown >= n) {
            break;
        }
        let pages = page_count(rows.len(), &terminal.style);
        for key in wait_for_next_second(stop, keys) {
            let at = manual_page.unwrap_or(page) % pages;
            match key {
                Key::Quit => return Ok(()),
                Key::NextPage => manual_page = Some((at + 1) % pages),
                Key::PreviousPage => manual_page = Some((at + pages - 1) % pages),
            }
        }
        if seconds_left.is_some_and(|left| left <= 1) {
            terminal.locked(title, "the session ended")?;
            continue;
        }
        access = Some(source.follow(current));
    }
    Ok(())
}

/// The rows `elapsed` seconds later (countdowns moved on; a code at 0 has expired).
fn shift(rows: &[Row], elapsed: u64) -> Vec<Row> {
    rows.iter()
        .map(|row| Row {
            token: row.token.clone(),
            code: row.code.as_ref().map(|code| Code {
                seconds_left: code
                    .seconds_left
                    .saturating_sub(u32::try_from(elapsed).unwrap_or(u32::MAX)),
                ..code.clone()
            }),
        })
        .collect()
}

/// `otpvault watch [QUERY]`.
pub fn run(ctx: &Context, query: Option<&str>, frames: Option<u64>) -> Outcome {
    let title = match query {
        Some(query) => format!("otpvault: {}", crate::render::printable(query)),
        None => "otpvault".to_owned(),
    };
    let view = View {
        frames,
        title: &title,
        hotp_hint: true,
        json: ctx.json,
        query,
    };
    watch(&mut VaultSource { ctx }, &view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpvault_core::{Algorithm, OtpKind};

    fn row(issuer: &str, account: &str, code: &str, left: u32) -> Row {
        Row {
            token: TokenInfo {
                id: 1,
                issuer: issuer.into(),
                account: account.into(),
                kind: OtpKind::Totp { period: 30 },
                algorithm: Algorithm::Sha1,
                digits: u8::try_from(code.len()).unwrap(),
                weak_secret: false,
                groups: Vec::new(),
                note: String::new(),
                favourite: false,
                icon: None,
            },
            code: Some(Code {
                value: code.into(),
                seconds_left: left,
                period: 30,
                next_value: "654321".into(),
            }),
        }
    }

    fn header(title: &str) -> Header<'_> {
        Header {
            title,
            seconds_left: Some(282),
            keys: true,
        }
    }

    /// `line` without its colour sequences, as the terminal shows it.
    fn shown(line: &str) -> String {
        let mut out = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn nothing_wraps_from_120_columns_down_to_24() {
        for width in [120, 80, 61, 60, 40, 32, 24] {
            let style = Style {
                tty: true,
                color: true,
                width,
                height: 6,
            };
            let rows: Vec<Row> = (0..9)
                .map(|i| {
                    let mut r = row(
                        "Example Bank of Somewhere",
                        "someone@example.org",
                        "12345678",
                        3,
                    );
                    r.token.id = i;
                    r
                })
                .collect();
            for keys in [true, false] {
                let header = Header {
                    title: "otpvault",
                    seconds_left: Some(282),
                    keys,
                };
                for page in 0..3 {
                    for line in tty_lines(&rows, &header, &style, page, true) {
                        let line = shown(&line);
                        assert!(line.width() <= width, "{width}: {line:?}");
                    }
                }
            }
            let lines = tty_lines(&rows, &header("otpvault"), &style, 0, true);
            // The code is always there, whole.
            assert!(lines[1].contains("1234 5678"), "{width}: {lines:?}");
            assert!(lines[0].contains("1/"), "{width}: {}", lines[0]);
            for line in [
                "otpvault — locked (the session ended)",
                "Enter the PIN to show the codes again (Ctrl-C to quit).",
            ]
            .iter()
            .flat_map(|l| wrap(l, width))
            {
                assert!(line.width() <= width, "{width}: {line:?}");
            }
        }
        // Wide enough, the bar and the preview are back; at 40 columns the header still names
        // the page and the time left.
        let wide = Style {
            tty: true,
            color: false,
            width: 80,
            height: 24,
        };
        let lines = tty_lines(
            &[row("A", "b", "123456", 3)],
            &header("otpvault"),
            &wide,
            0,
            true,
        );
        assert!(
            lines[1].contains('[') && lines[1].contains("next 654 321"),
            "{lines:?}"
        );
        let narrow = Style {
            tty: true,
            color: false,
            width: 40,
            height: 24,
        };
        let lines = tty_lines(
            &[row("A", "b", "123456", 3)],
            &header("otpvault"),
            &narrow,
            0,
            true,
        );
        assert!(lines[0].contains("282 s"), "{lines:?}");
        assert!(lines[1].ends_with(" 3s"), "{lines:?}");
    }

    #[test]
    fn a_query_keeps_the_tokens_code_would_select() {
        let mut rows = vec![
            row("ACME", "alice", "123456", 20),
            row("Globex", "bob", "123456", 20),
            row("acme corp", "carol", "123456", 20),
        ];
        for (i, r) in rows.iter_mut().enumerate() {
            r.token.id = i as i64 + 1;
        }
        let names = |rows: Vec<Row>| -> Vec<String> {
            rows.iter().map(|r| r.token.account.clone()).collect()
        };
        let again = |rows: &Vec<Row>| -> Vec<Row> { shift(rows, 0) };
        assert_eq!(
            names(matching(again(&rows), Some("acme"))),
            ["alice", "carol"]
        );
        assert_eq!(names(matching(again(&rows), Some("2"))), ["bob"]);
        assert_eq!(
            names(matching(again(&rows), Some("nobody"))),
            Vec::<String>::new()
        );
        assert_eq!(matching(again(&rows), None).len(), 3);
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits("123456"), "123 456");
        assert_eq!(group_digits("12345678"), "1234 5678");
        assert_eq!(group_digits("1234567"), "123 4567");
        assert_eq!(group_digits("2BC4F"), "2BC4F");
    }

    #[test]
    fn names_align_by_display_width_and_fit_the_terminal() {
        let style = Style {
            tty: true,
            color: false,
            width: 80,
            height: 24,
        };
        let rows = [
            row("東京銀行", "太郎", "123456", 20),
            row("Bank 🏦", "e\u{301}lodie", "123456", 20),
            row("Plain", "bob", "123456", 20),
            row(&"Very long issuer name ".repeat(6), "someone", "123456", 3),
        ];
        let lines = tty_lines(&rows, &header("otpvault"), &style, 0, true);
        let code_columns: Vec<usize> = lines[1..]
            .iter()
            .map(|l| l[..l.find("123 456").unwrap()].width())
            .collect();
        assert!(code_columns.windows(2).all(|w| w[0] == w[1]), "{lines:#?}");
        for line in &lines {
            assert!(line.width() <= 80, "{} columns: {line}", line.width());
        }
        assert!(lines[4].contains('…'));
        assert!(lines[4].contains("next 654 321"), "preview in the last 5 s");
    }

    #[test]
    fn colour_turns_red_in_the_last_seconds_and_respects_no_color() {
        let mut style = Style {
            tty: true,
            color: true,
            width: 100,
            height: 24,
        };
        let lines = tty_lines(&[row("A", "b", "123456", 4)], &header("h"), &style, 0, true);
        assert!(lines[1].contains("\x1b[31m"));
        let lines = tty_lines(
            &[row("A", "b", "123456", 20)],
            &header("h"),
            &style,
            0,
            true,
        );
        assert!(lines[1].contains("\x1b[32m"));
        style.color = false;
        let lines = tty_lines(&[row("A", "b", "123456", 4)], &header("h"), &style, 0, true);
        assert!(!lines[1].contains('\x1b'));
    }

    #[test]
    fn more_tokens_than_rows_are_paged() {
        let style = Style {
            tty: true,
            color: false,
            width: 80,
            height: 5,
        };
        let rows: Vec<Row> = (0..7)
            .map(|i| row(&format!("T{i}"), "x", "123456", 20))
            .collect();
        let first = tty_lines(&rows, &header("h"), &style, 0, true);
        assert_eq!(first.len(), 4);
        assert!(first[0].contains("page 1/3"), "{}", first[0]);
        let last = tty_lines(&rows, &header("h"), &style, 2, true);
        assert!(last[1].starts_with("T6"));
    }

    #[test]
    fn piped_frames_keep_their_format() {
        let lines = plain_lines(&[row("ACME", "alice", "123456", 20)], "otpvault", true);
        assert_eq!(
            lines[1],
            format!(
                "{:<36} {:>10}  [{}{}] 20s",
                "ACME (alice)",
                "123456",
                "#".repeat(13),
                "-".repeat(7)
            )
        );
    }
}
