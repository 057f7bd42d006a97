//! The one rendering layer: a command returns a [`Report`], and this module prints it as text for a
//! person or as JSON for a script (`--json`). No command formats its own output, and no text is
//! made by reading JSON back. Errors are printed here too: one line on standard error, or
//! `{"error": {"kind": …, "message": …}}` with `--json`.

use std::io::Write;
use std::path::PathBuf;

use otpvault_core::details::IconKind;
use otpvault_core::{Algorithm, OtpKind, TokenInfo, TotpCode, UnlockPolicy};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::failure::{Failure, Outcome};

/// A time-based code as the CLI shows it (computed here, or received from the agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The code.
    pub value: String,
    /// Seconds until it changes.
    pub seconds_left: u32,
    /// The period in seconds.
    pub period: u32,
    /// The next step's code.
    pub next_value: String,
}

impl From<&TotpCode> for Code {
    fn from(code: &TotpCode) -> Self {
        Code {
            value: code.value.as_str().to_owned(),
            seconds_left: code.seconds_left,
            period: code.period,
            next_value: code.next_value.as_str().to_owned(),
        }
    }
}

impl From<TotpCode> for Code {
    fn from(code: TotpCode) -> Self {
        Code::from(&code)
    }
}

/// One row of `code`: a TOTP/Steam code with its validity, or an HOTP code just drawn.
pub struct CodeRow {
    /// The token.
    pub token: TokenInfo,
    /// What was computed.
    pub code: RowCode,
}

/// The code of a [`CodeRow`].
pub enum RowCode {
    /// A time-based code.
    Totp(Code),
    /// An HOTP token listed without drawing a code ("press to generate").
    HotpPending {
        /// The counter the next code will use.
        counter: u64,
    },
    /// An HOTP code and the counter it used.
    Hotp {
        /// The code.
        value: String,
        /// The counter used.
        counter: u64,
    },
}

/// What a command produced.
pub enum Report {
    /// `init`.
    Created {
        /// The vault file.
        path: PathBuf,
        /// PBKDF2 iterations chosen.
        kdf_iterations: u32,
        /// The unlock policy set.
        policy: UnlockPolicy,
    },
    /// `add`: the token and, for time-based tokens, its current code to confirm enrolment.
    Added {
        /// The token.
        token: TokenInfo,
        /// Its current code (`None` for HOTP).
        code: Option<Code>,
        /// Tokens that hold the same secret under other names.
        shares_secret_with: Vec<i64>,
    },
    /// `activate`: the new token, its first code and the clock correction stored.
    Activated {
        /// The token.
        token: TokenInfo,
        /// Its current code.
        code: Code,
        /// Seconds added to the device clock.
        clock_offset: i64,
    },
    /// `list`.
    Tokens(Vec<TokenInfo>),
    /// `code`.
    Codes(Vec<CodeRow>),
    /// `rename`.
    Renamed(TokenInfo),
    /// A token's groups, note and favourite mark (`tag`, `note`, `favourite`).
    Details(TokenInfo),
    /// `remove`.
    Removed(TokenInfo),
    /// `change-pin`.
    PinChanged,
    /// `policy`.
    Policy(UnlockPolicy),
    /// `time-offset`.
    TimeOffset(i64),
    /// `time-sync`: the measured offset, and the correction stored with `--apply`.
    TimeSync {
        /// The measurement.
        sync: otpvault_core::activation::time::TimeSync,
        /// Seconds stored as the time offset.
        applied: Option<i64>,
    },
    /// `export --uris`.
    Uris(Vec<Zeroizing<String>>),
    /// `export --format aegis…` to standard output: the file's text, printed as it is.
    Raw(Zeroizing<String>),
    /// `export --out PATH`.
    Exported {
        /// The file written.
        path: PathBuf,
        /// The format's name.
        format: &'static str,
        /// Tokens in the vault.
        tokens: usize,
    },
    /// `otp` for a time-based token.
    OtpTotp(Code),
    /// `otp` for an HOTP token.
    OtpHotp(String),
    /// `otp --window N`: (step or counter offset from now, code), in order.
    OtpWindow(Vec<(i64, String)>),
    /// `import`: every entry of the file with its outcome.
    Import {
        /// The report.
        report: otpvault_core::import::ImportReport,
        /// Nothing was changed (`--dry-run`).
        dry_run: bool,
    },
    /// `lock`.
    Locked {
        /// An agent held the session (and has now locked).
        agent_was_running: bool,
    },
}

/// `Issuer (account)`, or whichever of the two is set.
pub fn label(t: &TokenInfo) -> String {
    match (t.issuer.is_empty(), t.account.is_empty()) {
        (true, _) => t.account.clone(),
        (false, true) => t.issuer.clone(),
        (false, false) => format!("{} ({})", t.issuer, t.account),
    }
}

/// The name `--policy` and `policy` take for a policy.
/// How a policy reads in a sentence ("the PIN is asked …").
pub fn policy_words(policy: UnlockPolicy) -> &'static str {
    match policy {
        UnlockPolicy::EveryCode => "for every code (policy every-code)",
        UnlockPolicy::FiveMinutes => "once per 5 minutes (policy 5m)",
        UnlockPolicy::TenMinutes => "once per 10 minutes (policy 10m)",
    }
}

pub fn policy_name(policy: UnlockPolicy) -> &'static str {
    match policy {
        UnlockPolicy::EveryCode => "every-code",
        UnlockPolicy::FiveMinutes => "5m",
        UnlockPolicy::TenMinutes => "10m",
    }
}

fn kind_fields(kind: OtpKind) -> Value {
    match kind {
        OtpKind::Totp { period } => json!({"type": "totp", "period": period}),
        OtpKind::Hotp { counter } => json!({"type": "hotp", "counter": counter}),
        OtpKind::Steam => json!({"type": "steam", "period": 30}),
    }
}

/// Reads back what [`kind_fields`] wrote.
fn kind_from_json(value: &Value) -> Option<OtpKind> {
    Some(match value["type"].as_str()? {
        "totp" => OtpKind::Totp {
            period: u32::try_from(value["period"].as_u64()?).ok()?,
        },
        "hotp" => OtpKind::Hotp {
            counter: value["counter"].as_u64()?,
        },
        "steam" => OtpKind::Steam,
        _ => return None,
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(map), Value::Object(extra)) = (base.as_object_mut(), extra) {
        map.extend(extra);
    }
    base
}

/// A token as JSON: `{id, issuer, account, algorithm, digits, weak_secret, groups, note,
/// favourite, icon (its type or null), type, period|counter}`.
pub fn token_json(t: &TokenInfo) -> Value {
    merge(
        json!({
            "id": t.id,
            "issuer": t.issuer,
            "account": t.account,
            "algorithm": t.algorithm.as_str(),
            "digits": t.digits,
            "weak_secret": t.weak_secret,
            "groups": t.groups,
            "note": t.note,
            "favourite": t.favourite,
            "icon": t.icon.map(|kind| kind.name()),
        }),
        kind_fields(t.kind),
    )
}

/// A code as JSON: `{code, seconds_left, period, next_code}`.
pub fn code_json(code: &Code) -> Value {
    json!({
        "code": code.value,
        "seconds_left": code.seconds_left,
        "period": code.period,
        "next_code": code.next_value,
    })
}

/// Reads back what [`code_json`] wrote (the agent's answers).
pub fn code_from_json(value: &Value) -> Option<Code> {
    Some(Code {
        value: value["code"].as_str()?.to_owned(),
        seconds_left: u32::try_from(value["seconds_left"].as_u64()?).ok()?,
        period: u32::try_from(value["period"].as_u64()?).ok()?,
        next_value: value["next_code"].as_str()?.to_owned(),
    })
}

/// Reads back what [`token_json`] wrote (the agent's answers).
pub fn token_from_json(value: &Value) -> Option<TokenInfo> {
    let kind = kind_from_json(value)?;
    Some(TokenInfo {
        id: value["id"].as_i64()?,
        issuer: value["issuer"].as_str()?.to_owned(),
        account: value["account"].as_str()?.to_owned(),
        kind,
        algorithm: match value["algorithm"].as_str()? {
            "SHA1" => Algorithm::Sha1,
            "SHA256" => Algorithm::Sha256,
            "SHA512" => Algorithm::Sha512,
            _ => return None,
        },
        digits: u8::try_from(value["digits"].as_u64()?).ok()?,
        weak_secret: value["weak_secret"].as_bool()?,
        groups: value["groups"]
            .as_array()?
            .iter()
            .map(|g| g.as_str().map(str::to_owned))
            .collect::<Option<_>>()?,
        note: value["note"].as_str()?.to_owned(),
        favourite: value["favourite"].as_bool()?,
        icon: match &value["icon"] {
            Value::Null => None,
            name => Some(
                [IconKind::Png, IconKind::Jpeg, IconKind::Webp, IconKind::Svg]
                    .into_iter()
                    .find(|k| Some(k.name()) == name.as_str())?,
            ),
        },
    })
}

/// A `code` row as JSON (also one entry of a `watch --json` frame).
pub fn row_json(row: &CodeRow) -> Value {
    let base = json!({
        "id": row.token.id,
        "issuer": row.token.issuer,
        "account": row.token.account,
        "type": kind_fields(row.token.kind)["type"],
    });
    match &row.code {
        RowCode::Totp(code) => merge(base, code_json(code)),
        RowCode::Hotp { value, counter } => merge(base, json!({"code": value, "counter": counter})),
        RowCode::HotpPending { counter } => {
            merge(base, json!({"code": null, "next_counter": counter}))
        }
    }
}

fn kind_text(t: &TokenInfo) -> String {
    match t.kind {
        OtpKind::Totp { period } => {
            format!("TOTP {} {}d {period}s", t.algorithm.as_str(), t.digits)
        }
        OtpKind::Hotp { counter } => format!(
            "HOTP {} {}d counter {counter}",
            t.algorithm.as_str(),
            t.digits
        ),
        OtpKind::Steam => "Steam".to_owned(),
    }
}

impl Report {
    /// The JSON form (documented per command in the README).
    pub fn json(&self) -> Value {
        match self {
            Report::Created {
                path,
                kdf_iterations,
                policy,
            } => json!({"vault": path, "kdf_iterations": kdf_iterations,
                        "policy": policy_name(*policy)}),
            Report::Added {
                token,
                code,
                shares_secret_with,
            } => {
                let added = merge(
                    token_json(token),
                    json!({"shares_secret_with": shares_secret_with}),
                );
                match code {
                    Some(code) => merge(
                        added,
                        json!({"code": code.value, "seconds_left": code.seconds_left}),
                    ),
                    None => added,
                }
            }
            Report::Activated {
                token,
                code,
                clock_offset,
            } => merge(
                token_json(token),
                json!({"code": code.value, "seconds_left": code.seconds_left,
                       "clock_offset": clock_offset}),
            ),
            Report::Tokens(tokens) => Value::Array(tokens.iter().map(token_json).collect()),
            Report::Codes(rows) => Value::Array(rows.iter().map(row_json).collect()),
            Report::Renamed(token) | Report::Details(token) => token_json(token),
            Report::Removed(token) => json!({"removed": token.id, "token": token_json(token)}),
            Report::PinChanged => json!({"pin_changed": true}),
            Report::Policy(policy) => json!({"policy": policy_name(*policy)}),
            Report::TimeOffset(offset) => json!({"time_offset": offset}),
            Report::TimeSync { sync, applied } => json!({
                "offset_ms": sync.offset_ms,
                "uncertainty_ms": sync.uncertainty_ms,
                "authenticated": sync.authenticated,
                "far_off": sync.far_off(),
                "time_offset_applied": applied,
            }),
            // Written by `print` straight from the zeroizing strings, never copied into a Value.
            Report::Uris(_) | Report::Raw(_) => Value::Null,
            Report::Exported {
                path,
                format,
                tokens,
            } => {
                json!({"exported": path.display().to_string(), "format": format, "tokens": tokens})
            }
            Report::OtpTotp(code) => code_json(code),
            Report::OtpHotp(value) => json!({"code": value}),
            Report::OtpWindow(codes) => Value::Array(
                codes
                    .iter()
                    .map(|(offset, code)| json!({"offset": offset, "code": code}))
                    .collect(),
            ),
            Report::Locked { agent_was_running } => {
                json!({"locked": true, "agent_was_running": agent_was_running})
            }
            Report::Import { report, dry_run } => merge(
                json!({"dry_run": dry_run, "imported": report.imported()}),
                import_report_json(report),
            ),
        }
    }

    /// The text form, line by line.
    pub fn text(&self) -> Vec<String> {
        match self {
            Report::Created {
                path,
                kdf_iterations,
                policy,
            } => vec![format!(
                "Created {} (PBKDF2-HMAC-SHA256, {kdf_iterations} iterations; no device key on this computer); the PIN is asked {}.",
                path.display(),
                policy_words(*policy)
            )],
            Report::Activated {
                token,
                code,
                clock_offset,
            } => vec![
                format!("Activated #{} {}", token.id, label(token)),
                format!("Clock correction: {clock_offset:+} s (measured against the issuer)"),
                format!(
                    "Current code: {} (valid {} s more)",
                    code.value, code.seconds_left
                ),
            ],
            Report::Added {
                token,
                code,
                shares_secret_with,
            } => {
                let mut lines = vec![format!("Added #{} {}", token.id, label(token))];
                if !shares_secret_with.is_empty() {
                    let ids: Vec<String> = shares_secret_with
                        .iter()
                        .map(|id| format!("#{id}"))
                        .collect();
                    lines.push(format!(
                        "Note: it shares its secret with {} (the same login under other names?).",
                        ids.join(", ")
                    ));
                }
                if token.weak_secret {
                    lines.push(
                        "Note: this secret is shorter than 128 bits (RFC 4226 recommends at least 128)."
                            .into(),
                    );
                }
                lines.push(match code {
                    Some(code) => format!(
                        "Current code: {} (valid {} s more) — type it into the service to confirm.",
                        code.value, code.seconds_left
                    ),
                    None => format!(
                        "HOTP token: run `otpvault code {}` to get the next code.",
                        token.id
                    ),
                });
                lines
            }
            Report::Tokens(tokens) if tokens.is_empty() => {
                vec!["The vault is empty: add a token with `otpvault add`.".into()]
            }
            Report::Tokens(tokens) => tokens
                .iter()
                .map(|t| {
                    let mut line = format!(
                        "#{:<4} {}{:<40} {}",
                        t.id,
                        if t.favourite { "*" } else { " " },
                        label(t),
                        kind_text(t)
                    );
                    if !t.groups.is_empty() {
                        line.push_str(&format!("  [{}]", printable(&t.groups.join(", "))));
                    }
                    line
                })
                .collect(),
            Report::Codes(rows) if rows.is_empty() => {
                vec!["The vault is empty: add a token with `otpvault add`.".into()]
            }
            Report::Codes(rows) => rows
                .iter()
                .map(|row| match &row.code {
                    RowCode::Totp(code) => format!(
                        "{}  {}  ({} s left)",
                        code.value,
                        label(&row.token),
                        code.seconds_left
                    ),
                    RowCode::Hotp { value, counter } => {
                        format!("{value}  {}  (HOTP counter {counter})", label(&row.token))
                    }
                    RowCode::HotpPending { .. } => format!(
                        "------  {}  (HOTP: press to generate with `otpvault next {}`)",
                        label(&row.token),
                        row.token.id
                    ),
                })
                .collect(),
            Report::Renamed(token) => vec![format!("Renamed #{} to {}", token.id, label(token))],
            Report::Details(token) => {
                let mut lines = vec![format!(
                    "#{} {}{}",
                    token.id,
                    printable(&label(token)),
                    if token.favourite { " (favourite)" } else { "" }
                )];
                lines.push(match token.groups.is_empty() {
                    true => "Groups: none".into(),
                    false => format!("Groups: {}", printable(&token.groups.join(", "))),
                });
                if !token.note.is_empty() {
                    lines.push("Note:".into());
                    lines.extend(token.note.lines().map(|l| format!("  {}", printable(l))));
                }
                lines
            }
            Report::Removed(token) => vec![format!("Removed #{} {}", token.id, label(token))],
            Report::PinChanged => vec!["PIN changed.".into()],
            Report::Policy(policy) => vec![format!("Policy: {}", policy_name(*policy))],
            Report::TimeOffset(offset) => vec![format!("Time offset: {offset:+} s")],
            Report::TimeSync { sync, applied } => {
                let seconds = sync.offset_ms as f64 / 1000.0;
                let mut lines = vec![format!(
                    "The issuer's clock is {:.1} s {} this computer's (within {:.2} s; answer \
                     authenticated with the token's key).",
                    seconds.abs(),
                    if sync.offset_ms >= 0 {
                        "ahead of"
                    } else {
                        "behind"
                    },
                    sync.uncertainty_ms as f64 / 1000.0
                )];
                if sync.far_off() {
                    lines.push(
                        "Warning: this computer's clock is more than 15 s off; codes may be \
                         refused. Correct the clock, or run time-sync --apply."
                            .into(),
                    );
                }
                if let Some(applied) = applied {
                    lines.push(format!("Time offset set to {applied:+} s."));
                }
                lines
            }
            // Written by `print` straight from the zeroizing strings.
            Report::Uris(_) | Report::Raw(_) => Vec::new(),
            Report::Exported {
                path,
                format,
                tokens,
            } => vec![format!(
                "Exported the vault's {tokens} tokens as {format} to {} (readable by you only).",
                path.display()
            )],
            Report::OtpTotp(code) => vec![code.value.clone()],
            Report::OtpHotp(value) => vec![value.clone()],
            Report::OtpWindow(codes) => codes.iter().map(|(_, code)| code.clone()).collect(),
            Report::Import { report, dry_run } => {
                let mut lines: Vec<String> = report.entries.iter().map(import_entry_text).collect();
                lines.push(format!(
                    "{} {} of {} entries from the {} file{}",
                    if *dry_run { "Would import" } else { "Imported" },
                    report.imported(),
                    report.entries.len(),
                    report.format.name(),
                    if *dry_run {
                        " (dry run: nothing changed)"
                    } else {
                        ""
                    }
                ));
                lines
            }
            Report::Locked {
                agent_was_running: true,
            } => vec!["Locked: the agent wiped its keys and stopped.".into()],
            Report::Locked {
                agent_was_running: false,
            } => vec!["Locked (no agent was holding this vault).".into()],
        }
    }
}

fn entry_name(issuer: &str, account: &str) -> String {
    let (issuer, account) = (printable(issuer), printable(account));
    match (issuer.is_empty(), account.is_empty()) {
        (true, true) => "(no name)".into(),
        (true, false) => account.into_owned(),
        (false, true) => issuer.into_owned(),
        (false, false) => format!("{issuer} ({account})"),
    }
}

/// `text` without control and bidirectional-text characters (the ones names lose when stored,
/// [`otpvault_core::token::is_stripped_from_names`]), for the terminal: whatever reaches it (an
/// agent's answer, an import report, an error naming a file) cannot move the cursor, retitle
/// the window or reorder what the user reads.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .chars()
        .any(otpvault_core::token::is_stripped_from_names)
    {
        text.chars()
            .filter(|&c| !otpvault_core::token::is_stripped_from_names(c))
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// An import report as JSON: `{format, entries: [{index, issuer, account, type, period|counter,
/// outcome, …}]}` (also the agent's answer to `import` and `restore`).
pub fn import_report_json(report: &otpvault_core::import::ImportReport) -> Value {
    json!({
        "format": report.format.name(),
        "entries": report.entries.iter().map(import_entry_json).collect::<Vec<_>>(),
    })
}

/// Reads back what [`import_report_json`] wrote (the agent's answers).
pub fn import_report_from_json(value: &Value) -> Option<otpvault_core::import::ImportReport> {
    use otpvault_core::import::{ImportEntry, ImportFormat, ImportOutcome, SkipReason};
    let entries = value["entries"]
        .as_array()?
        .iter()
        .map(|e| {
            let outcome = match e["outcome"].as_str()? {
                "imported" => ImportOutcome::Imported {
                    id: e["id"].as_i64().unwrap_or(0),
                },
                "duplicate" => ImportOutcome::DuplicateOf {
                    id: e["duplicate_of"].as_i64()?,
                },
                "duplicate_in_file" => ImportOutcome::DuplicateInFile {
                    index: usize::try_from(e["duplicate_of_entry"].as_u64()?).ok()?,
                },
                "skipped" => ImportOutcome::Skipped(SkipReason::from_name(e["reason"].as_str()?)?),
                _ => return None,
            };
            Some(ImportEntry {
                index: usize::try_from(e["index"].as_u64()?).ok()?,
                issuer: e["issuer"].as_str()?.to_owned(),
                account: e["account"].as_str()?.to_owned(),
                kind: match e["type"] {
                    Value::Null => None,
                    _ => Some(kind_from_json(e)?),
                },
                outcome,
                notes: e["notes"]
                    .as_array()?
                    .iter()
                    .map(import_note_from_json)
                    .collect::<Option<_>>()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(otpvault_core::import::ImportReport {
        format: ImportFormat::from_name(value["format"].as_str()?)?,
        entries,
    })
}

fn import_entry_json(entry: &otpvault_core::import::ImportEntry) -> Value {
    use otpvault_core::import::ImportOutcome;
    let mut value = json!({
        "index": entry.index,
        "issuer": entry.issuer,
        "account": entry.account,
        "type": null,
    });
    if let Some(kind) = entry.kind {
        value = merge(value, kind_fields(kind));
    }
    let extra = match entry.outcome {
        ImportOutcome::Imported { id } => {
            json!({"outcome": "imported", "id": (id > 0).then_some(id)})
        }
        ImportOutcome::DuplicateOf { id } => json!({"outcome": "duplicate", "duplicate_of": id}),
        ImportOutcome::DuplicateInFile { index } => {
            json!({"outcome": "duplicate_in_file", "duplicate_of_entry": index})
        }
        ImportOutcome::Skipped(reason) => json!({"outcome": "skipped", "reason": reason.name()}),
    };
    value = merge(value, extra);
    value["notes"] = entry
        .notes
        .iter()
        .map(|note| import_note_json(*note))
        .collect();
    value
}

pub fn import_note_json(note: otpvault_core::import::ImportNote) -> Value {
    use otpvault_core::import::ImportNote;
    match note {
        ImportNote::CounterAssumedZero => json!({"note": note.name()}),
        ImportNote::SharesSecretWith { id } => json!({"note": note.name(), "id": id}),
        ImportNote::SharesSecretWithEntry { index } => json!({"note": note.name(), "entry": index}),
    }
}

pub fn import_note_from_json(value: &Value) -> Option<otpvault_core::import::ImportNote> {
    use otpvault_core::import::ImportNote;
    Some(match value["note"].as_str()? {
        "counter_assumed_zero" => ImportNote::CounterAssumedZero,
        "shares_secret_with" => ImportNote::SharesSecretWith {
            id: value["id"].as_i64()?,
        },
        "shares_secret_with_entry" => ImportNote::SharesSecretWithEntry {
            index: usize::try_from(value["entry"].as_u64()?).ok()?,
        },
        _ => return None,
    })
}

fn import_note_text(note: otpvault_core::import::ImportNote) -> String {
    use otpvault_core::import::ImportNote;
    match note {
        ImportNote::CounterAssumedZero => "the file gave no counter: it starts at 0".into(),
        ImportNote::SharesSecretWith { id } => format!("shares its secret with #{id}"),
        ImportNote::SharesSecretWithEntry { index } => {
            format!("shares its secret with entry {}", index + 1)
        }
    }
}

fn import_entry_text(entry: &otpvault_core::import::ImportEntry) -> String {
    use otpvault_core::import::ImportOutcome;
    let what = match entry.outcome {
        ImportOutcome::Imported { id } if id > 0 => format!("imported as #{id}"),
        ImportOutcome::Imported { .. } => "will be imported".into(),
        ImportOutcome::DuplicateOf { id } => format!("skipped: already in the vault as #{id}"),
        ImportOutcome::DuplicateInFile { index } => {
            format!("skipped: the same token as entry {}", index + 1)
        }
        ImportOutcome::Skipped(reason) => format!("skipped: {}", reason.name().replace('_', " ")),
    };
    let mut line = format!(
        "{:>4}  {}  {what}",
        entry.index + 1,
        entry_name(&entry.issuer, &entry.account)
    );
    for note in &entry.notes {
        line.push_str(&format!(" ({})", import_note_text(*note)));
    }
    line
}

/// Prints a report on standard output, as JSON or text. A reader that went away (`| head`) ends
/// the output quietly.
pub fn print(report: &Report, json: bool) -> Outcome {
    match write_report(report, json) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn write_report(report: &Report, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if let Report::Raw(text) = report {
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    } else if let Report::Uris(uris) = report {
        // Secrets: written from the zeroizing strings without an intermediate copy.
        if json {
            out.write_all(b"[")?;
            for (i, uri) in uris.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut out, uri.as_str()).map_err(std::io::Error::from)?;
            }
            out.write_all(b"]\n")?;
        } else {
            for uri in uris {
                out.write_all(uri.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
    } else if json {
        writeln!(out, "{}", report.json())?;
    } else {
        for line in report.text() {
            writeln!(out, "{}", printable(&line))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Prints a failure on standard error: one line, or a JSON object with `--json`.
pub fn error(failure: &Failure, json: bool) {
    if json {
        eprintln!(
            "{}",
            json!({"error": {"kind": failure.kind, "message": failure.message}})
        );
    } else {
        eprintln!("otpvault: {}", printable(&failure.message));
    }
}
