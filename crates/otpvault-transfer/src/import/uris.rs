//! A text file of `otpauth://` and `steam://` URIs, one per line (what `otpvault export --uris`,
//! andOTP's and many scripts' plain exports look like). Blank lines and `#` comments are ignored;
//! `otpauth-migration://` lines (Google transfer batches) are read too; any other line is an entry
//! skipped as invalid. A line written as a JSON string (in double quotes, as Ente's text export
//! may write one) is read as the string it holds.

use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason, google};
use otpvault_codes::uri;

/// True for a line that is an otpauth:// or steam:// URI.
pub fn is_uri(line: &str) -> bool {
    let lower = |n: usize| line.get(..n).map(str::to_ascii_lowercase);
    lower(10).as_deref() == Some("otpauth://") || lower(8).as_deref() == Some("steam://")
}

/// The string a line holds when it is a JSON string literal (`"otpauth://…"`, RFC 8259 escapes).
/// Decoded here rather than by serde_json, whose scratch buffer for escaped strings is freed
/// with the URI (and its secret) still in it: this buffer is sized once (no escape decodes to
/// more bytes than it takes) and wiped when dropped.
fn unquote(line: &str) -> Option<Zeroizing<String>> {
    fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
        (0..4).try_fold(0, |value, _| Some(value * 16 + chars.next()?.to_digit(16)?))
    }
    let inner = line.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Zeroizing::new(String::with_capacity(inner.len()));
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let decoded = match c {
            '"' | '\0'..='\u{1f}' => return None,
            '\\' => match chars.next()? {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => match hex4(&mut chars)? {
                    high @ 0xD800..=0xDBFF => {
                        if (chars.next()?, chars.next()?) != ('\\', 'u') {
                            return None;
                        }
                        let low = hex4(&mut chars)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    unit => char::from_u32(unit)?,
                },
                _ => return None,
            },
            c => c,
        };
        out.push(decoded);
    }
    Some(out)
}

/// Reads every line.
pub fn read(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let unquoted = unquote(line);
        let line = unquoted.as_ref().map_or(line, |u| u.as_str()).trim();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

    use super::*;

    #[test]
    fn unquote_reads_json_strings_as_serde_json_does() {
        let cases = [
            r#""otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP""#,
            r#""otpauth:\/\/totp\/Caf\u00e9:b?secret=JBSWY3DPEHPK3PXP&issuer=Caf\u00e9""#,
            r#""emoji \ud83d\ude00 tab\t quote\" backslash\\ nl\n \b\f\r""#,
            r#""""#,
            r#""plain ünïcode""#,
            // Refused by both: lone surrogates, bad escapes, raw quote or control character.
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\x41""#,
            r#""\u12G4""#,
            r#""a"b""#,
            "\"tab\there\"",
            r#""unterminated\""#,
            r#"""#,
            "not quoted",
        ];
        for case in cases {
            let ours = unquote(case).map(|s| s.as_str().to_owned());
            let theirs = serde_json::from_str::<String>(case).ok();
            assert_eq!(ours, theirs, "{case}");
        }
    }
}
