//! Google Authenticator's transfer format: `otpauth-migration://offline?data=…`, where `data` is
//! the URL-encoded base64 of a protobuf `MigrationPayload`:
//!
//! ```text
//! MigrationPayload { repeated OtpParameters otp_parameters = 1; int32 version = 2;
//!                    int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }
//! OtpParameters    { bytes secret = 1; string name = 2; string issuer = 3;
//!                    Algorithm algorithm = 4;   // 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
//!                    DigitCount digits = 5;     // 0 unspecified, 1 six, 2 eight
//!                    OtpType type = 6;          // 0 unspecified, 1 HOTP, 2 TOTP
//!                    int64 counter = 7; }
//! ```
//!
//! The secret travels as raw bytes; `name` may carry `Issuer:account`; TOTP is always 30 s.
//! Unknown fields are skipped by wire type, as protobuf requires. The protobuf reader is written
//! here (a few dozen lines) rather than pulled in with a code generator.

use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;

const FORMAT: &str = "Google Authenticator";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// A protobuf field: its number and value.
enum Field<'a> {
    Varint(u32, u64),
    Bytes(u32, &'a [u8]),
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    /// The next field; `None` at the end; `Some(Err)` for malformed bytes.
    fn field(&mut self) -> Option<Result<Field<'a>, ImportError>> {
        if self.bytes.is_empty() {
            return None;
        }
        let malformed = || unreadable("protobuf");
        let Some(key) = self.varint() else {
            return Some(Err(malformed()));
        };
        let number = u32::try_from(key >> 3).unwrap_or(u32::MAX);
        Some(match key & 7 {
            0 => self
                .varint()
                .map(|v| Field::Varint(number, v))
                .ok_or_else(malformed),
            2 => self
                .varint()
                .and_then(|len| usize::try_from(len).ok())
                .and_then(|len| self.take(len))
                .map(|b| Field::Bytes(number, b))
                .ok_or_else(malformed),
            1 => self
                .take(8)
                .map(|_| Field::Varint(0, 0))
                .ok_or_else(malformed),
            5 => self
                .take(4)
                .map(|_| Field::Varint(0, 0))
                .ok_or_else(malformed),
            _ => Err(malformed()),
        })
    }
}

/// One `OtpParameters` message.
fn parameters(bytes: &[u8]) -> Result<Candidate, ImportError> {
    let mut reader = Reader { bytes };
    let (mut secret, mut name, mut issuer) = (&[][..], "", "");
    let (mut algorithm, mut digits, mut kind, mut counter) = (0u64, 0u64, 0u64, 0u64);
    while let Some(field) = reader.field() {
        match field? {
            Field::Bytes(1, b) => secret = b,
            Field::Bytes(2, b) => name = std::str::from_utf8(b).map_err(|_| unreadable("name"))?,
            Field::Bytes(3, b) => {
                issuer = std::str::from_utf8(b).map_err(|_| unreadable("issuer"))?;
            }
            Field::Varint(4, v) => algorithm = v,
            Field::Varint(5, v) => digits = v,
            Field::Varint(6, v) => kind = v,
            Field::Varint(7, v) => counter = v,
            _ => {}
        }
    }
    // `name` is "Issuer:account" or "account"; the issuer field, when set, wins.
    let (label_issuer, account) = match name.split_once(':') {
        Some((i, a)) => (i.trim(), a.trim()),
        None => ("", name.trim()),
    };
    let issuer = if issuer.trim().is_empty() {
        label_issuer
    } else {
        issuer.trim()
    };
    let skip = |reason| Ok(Candidate::skipped(issuer, account, reason));
    let algorithm = match algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        _ => return skip(SkipReason::UnsupportedAlgorithm),
    };
    let digits = match digits {
        0 | 1 => 6,
        2 => 8,
        _ => return skip(SkipReason::InvalidDigits),
    };
    let kind = match kind {
        1 => OtpKind::Hotp { counter },
        0 | 2 => OtpKind::Totp { period: 30 },
        _ => return skip(SkipReason::UnsupportedKind),
    };
    let Ok(secret) = Secret::from_bytes(secret.to_vec()) else {
        return skip(SkipReason::InvalidSecret);
    };
    Ok(Candidate::build(
        issuer, account, secret, algorithm, digits, kind,
    ))
}

/// The entries of one `MigrationPayload`.
pub fn read_payload(bytes: &[u8]) -> Result<Vec<Candidate>, ImportError> {
    let mut reader = Reader { bytes };
    let mut out = Vec::new();
    while let Some(field) = reader.field() {
        if let Field::Bytes(1, message) = field? {
            out.push(parameters(message)?);
            super::check_entries(out.len())?;
        }
    }
    Ok(out)
}

/// Decodes `%XX` into a zeroizing buffer sized up front (the data carries secrets). A raw `+`
/// stays a `+`: `data` is base64, and QR readers copy it unencoded; turning it into a space (form
/// encoding) made such transfers unreadable.
fn percent_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = text.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Decodes base64 in either alphabet (standard or URL-safe), padding optional, spaces ignored,
/// into a zeroizing buffer sized up front.
pub fn base64_decode(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        }))
    };
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 3 / 4 + 1));
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &c in text.iter().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        buffer = (buffer << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The entries of one `otpauth-migration://offline?data=…` URI.
pub fn read_uri(uri: &str) -> Result<Vec<Candidate>, ImportError> {
    let (_, query) = uri.split_once('?').ok_or_else(|| unreadable("no data"))?;
    let data = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("data="))
        .ok_or_else(|| unreadable("no data"))?;
    let base64 = percent_decode(data).ok_or_else(|| unreadable("percent-encoding"))?;
    let payload = base64_decode(&base64).ok_or_else(|| unreadable("base64"))?;
    read_payload(&payload)
}

/// Every batch in a text of `otpauth-migration://` URIs (one per line).
pub fn read_text(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        out.extend(read_uri(line)?);
        super::check_entries(out.len())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-entry migration payload (TOTP, SHA1, 6 digits) for `secret`, as protobuf bytes.
    fn payload(secret: &[u8]) -> Vec<u8> {
        let mut entry = vec![0x0a, secret.len() as u8];
        entry.extend_from_slice(secret);
        entry.extend_from_slice(&[0x12, 5]);
        entry.extend_from_slice(b"alice");
        entry.extend_from_slice(&[0x1a, 4]);
        entry.extend_from_slice(b"ACME");
        entry.extend_from_slice(&[0x20, 1, 0x28, 1, 0x30, 2]);
        let mut out = vec![0x0a, entry.len() as u8];
        out.extend_from_slice(&entry);
        out
    }

    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    }

    #[test]
    fn a_raw_plus_in_data_is_base64_not_a_space() {
        // Issue 21, item 2: QR readers copy `data` without percent-encoding its `+`.
        let secret = (0u8..=255)
            .map(|b| [b; 10])
            .find(|s| base64(&payload(s)).contains('+'))
            .expect("a secret whose payload's base64 has a +");
        let data = base64(&payload(&secret));
        let raw = format!("otpauth-migration://offline?data={data}");
        let encoded = format!(
            "otpauth-migration://offline?data={}",
            data.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        for uri in [&raw, &encoded] {
            let entries = read_uri(uri).unwrap();
            assert_eq!(entries.len(), 1, "{uri}");
            let token = entries[0].token.as_ref().unwrap();
            assert_eq!(token.secret().expose(), secret.as_slice());
            assert_eq!(entries[0].account, "alice");
        }
    }
}
