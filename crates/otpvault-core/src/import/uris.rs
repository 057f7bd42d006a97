//! A text file of `otpauth://` and `steam://` URIs, one per line (what `otpvault export --uris`,
//! andOTP's and many scripts' plain exports look like). Blank lines and `#` comments are ignored;
//! `otpauth-migration://` lines (Google transfer batches) are read too; any other line is an entry
//! skipped as invalid.

use super::{Candidate, ImportError, SkipReason, google};
use crate::uri;

/// True for a line that is an otpauth:// or steam:// URI.
pub fn is_uri(line: &str) -> bool {
    let lower = |n: usize| line.get(..n).map(str::to_ascii_lowercase);
    lower(10).as_deref() == Some("otpauth://") || lower(8).as_deref() == Some("steam://")
}

/// Reads every line.
pub fn read(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line
            .get(..20)
            .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration://"))
        {
            out.extend(google::read_uri(line)?);
        } else if is_uri(line) {
            out.push(match uri::parse_exported(line) {
                Ok(token) => Candidate::token(token),
                Err(err) => Candidate::skipped("", "", SkipReason::from(err)),
            });
        } else {
            out.push(Candidate::skipped("", "", SkipReason::InvalidEntry));
        }
        if out.len() > super::MAX_ENTRIES {
            return Err(ImportError::TooManyEntries {
                max: super::MAX_ENTRIES,
            });
        }
    }
    Ok(out)
}
