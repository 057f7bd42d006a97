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
pub(super) fn unquote(line: &str) -> Option<Zeroizing<String>> {
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

/// What Ente keeps in a line's `codeDisplay` parameter (percent-encoded JSON): its `tags` as
/// groups, its `note`, and `pinned` as the favourite mark.
fn ente_details(line: &str) -> Option<crate::details::Details> {
    let query = &line[line.find('?')? + 1..];
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("codeDisplay="))?;
    let json = uri::percent_decode(value, true).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&json).ok()?;
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let details = crate::details::Details::from_file(
        &tags,
        doc["note"].as_str().unwrap_or_default(),
        None,
        doc["pinned"].as_bool().unwrap_or(false),
    );
    (!details.is_empty()).then_some(details)
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
            let details = ente_details(line);
            let mut candidate = match uri::parse_exported(line) {
                Ok(token) => Candidate::token(token),
                // An HOTP line without a counter (Ente writes them): counter 0, and said so.
                Err(otpvault_codes::error::UriError::MissingCounter) => {
                    let mut with_counter = Zeroizing::new(String::with_capacity(line.len() + 12));
                    with_counter.push_str(line);
                    with_counter.push_str(if line.contains('?') {
                        "&counter=0"
                    } else {
                        "?counter=0"
                    });
                    match uri::parse_exported(&with_counter) {
                        Ok(token) => {
                            let mut candidate = Candidate::token(token);
                            candidate.notes.push(super::ImportNote::CounterAssumedZero);
                            candidate
                        }
                        Err(err) => {
                            let (issuer, account) = uri::label_names(line).unwrap_or_default();
                            Candidate::skipped(&issuer, &account, SkipReason::from(err))
                        }
                    }
                }
                Err(err) => {
                    let (issuer, account) = uri::label_names(line).unwrap_or_default();
                    Candidate::skipped(&issuer, &account, SkipReason::from(err))
                }
            };
            if let Some(details) = details {
                candidate.details = details;
            }
            out.push(candidate);
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
    fn ente_lines_keep_tags_notes_and_pins_and_hotp_without_a_counter_starts_at_0() {
        let display = "%7B%22pinned%22%3Atrue%2C%22tags%22%3A%5B%22work%22%2C%22bank%22%5D%2C%22note%22%3A%22drawer%202%22%7D";
        let text = format!(
            "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&codeDisplay={display}\n\
             otpauth://hotp/Forge:mia?secret=JBSWY3DPEHPK3PXP&issuer=Forge\n\
             otpauth://hotp/Forge:max?secret=KRSXG5CTMVRXEZLU&counter=2\n"
        );
        let read = read(&text).unwrap();
        let details = &read[0].details;
        assert_eq!(details.groups, ["work", "bank"]);
        assert_eq!(details.note, "drawer 2");
        assert!(details.favourite);
        let hotp = read[1].token.as_ref().unwrap();
        assert_eq!(
            hotp.kind(),
            otpvault_codes::token::OtpKind::Hotp { counter: 0 }
        );
        assert_eq!(
            read[1].notes,
            [super::super::ImportNote::CounterAssumedZero]
        );
        assert!(read[2].notes.is_empty() && read[2].details.is_empty());
    }

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
