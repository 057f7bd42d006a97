//! A text file of `otpauth://` and `steam://` URIs, one per line (what `otpvault export --uris`,
//! andOTP's and many scripts' plain exports look like). Blank lines and `#` comments are ignored;
//! `otpauth-migration://` lines (Google transfer batches) are read too; any other line is an entry
//! skipped as invalid. A line written as a JSON string (in double quotes, as Ente's text export
//! may write one) is read as the string it holds.

use super::{Candidate, ImportError, SkipReason, google};
use crate::uri;

/// True for a line that is an otpauth:// or steam:// URI.
pub fn is_uri(line: &str) -> bool {
    let lower = |n: usize| line.get(..n).map(str::to_ascii_lowercase);
    lower(10).as_deref() == Some("otpauth://") || lower(8).as_deref() == Some("steam://")
}

/// The string a line holds when it is a JSON string literal (`"otpauth://…"`).
fn unquote(line: &str) -> Option<String> {
    if line.len() < 2 || !line.starts_with('"') || !line.ends_with('"') {
        return None;
    }
    serde_json::from_str::<String>(line).ok()
}

/// Reads every line.
pub fn read(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let unquoted = unquote(line);
        let line = unquoted.as_deref().unwrap_or(line).trim();
        if line
            .get(..20)
            .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration://"))
        {
            out.extend(google::read_uri(line)?);
        } else if is_uri(line) {
            out.push(match uri::parse_exported(line) {
                Ok(token) => Candidate::token(token),
                Err(err) => {
                    let (issuer, account) = uri::label_names(line).unwrap_or_default();
                    Candidate::skipped(&issuer, &account, SkipReason::from(err))
                }
            });
        } else {
            out.push(Candidate::skipped("", "", SkipReason::InvalidEntry));
        }
        super::check_entries(out.len())?;
    }
    Ok(out)
}
