//! The shared secret of a token, and base32 as people type it.
//!
//! A [`Secret`] lives in a zeroizing buffer, prints as `Secret(<redacted>)`, has no `Display`,
//! and compares in constant time. Decoding is written here rather than taken from a base32 crate
//! so that the decoded bytes go straight into a pre-sized zeroizing buffer (no reallocation leaves
//! a copy of the key behind) and so that a bad character is reported by its position only.
//!
//! Easy to get wrong:
//! - users type secrets lowercase, in groups separated by spaces or dashes, without `=` padding;
//!   all of that is accepted, anything else is an error naming the character's position;
//! - an unpadded base32 string of 1, 3 or 6 characters mod 8 cannot come from any byte string and is
//!   refused rather than silently truncated; unused trailing bits are ignored (as every major
//!   authenticator does);
//! - never fall back to the raw ASCII bytes when decoding fails: that yields plausible but wrong
//!   codes.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::SecretError;

/// The longest base32 input accepted, in bytes (separators included).
pub const MAX_BASE32_INPUT: usize = 1024;
/// Secrets shorter than this many bytes (128 bits) are accepted but flagged weak (RFC 4226 §4).
pub const RECOMMENDED_MIN_BYTES: usize = 16;
/// Size of a generated secret: 160 bits, the RFC 4226 recommendation and HMAC-SHA1's output size.
pub const GENERATED_BYTES: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A token's shared secret (the HMAC key). Zeroized on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret {
    bytes: Vec<u8>,
}

impl Secret {
    /// Wraps raw key bytes. Empty keys are refused.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, SecretError> {
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { bytes })
    }

    /// Decodes base32 as users type it: case-insensitive; spaces, tabs, dashes and `=` ignored.
    pub fn from_base32(input: &str) -> Result<Self, SecretError> {
        Ok(Self {
            bytes: decode_base32(input)?,
        })
    }

    /// Decodes a secret from another app's export: like [`Secret::from_base32`], but a length of
    /// 1, 3 or 6 characters mod 8 (which no encoder produces, yet real exports contain) has its
    /// trailing bits dropped, as the exporting apps themselves decode it, instead of being refused.
    /// Typed and scanned secrets stay strict.
    pub fn from_base32_lenient(input: &str) -> Result<Self, SecretError> {
        Ok(Self {
            bytes: decode_base32_with(input, true)?,
        })
    }

    /// A fresh 160-bit secret from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = vec![0u8; GENERATED_BYTES];
        getrandom::fill(&mut bytes).map_err(|_| SecretError::Rng)?;
        Ok(Self { bytes })
    }

    /// The canonical encoding: uppercase base32 without padding, in a zeroizing string.
    pub fn to_base32(&self) -> Zeroizing<String> {
        encode_base32(&self.bytes)
    }

    /// The raw key bytes. Callers must not copy them into non-zeroizing memory.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// Length of the key in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: an empty secret cannot be constructed.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// True when the key is shorter than 128 bits (e.g. the 80-bit, 16-character legacy secrets).
    pub fn is_weak(&self) -> bool {
        self.bytes.len() < RECOMMENDED_MIN_BYTES
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        // `ct_eq` on slices of different lengths is false without looking at the contents.
        self.bytes.ct_eq(&other.bytes).into()
    }
}

impl Eq for Secret {}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '-' | '=')
}

fn base32_value(c: char) -> Option<u8> {
    match c {
        'A'..='Z' => Some(c as u8 - b'A'),
        'a'..='z' => Some(c as u8 - b'a'),
        '2'..='7' => Some(c as u8 - b'2' + 26),
        _ => None,
    }
}

/// Decodes user-typed base32 into a zeroizing buffer sized up front.
fn decode_base32(input: &str) -> Result<Vec<u8>, SecretError> {
    decode_base32_with(input, false)
}

/// Decodes base32; `lenient` accepts the lengths no encoder produces (1, 3 or 6 characters mod 8)
/// and drops their trailing bits, as other authenticators do with the secrets they export.
fn decode_base32_with(input: &str, lenient: bool) -> Result<Vec<u8>, SecretError> {
    if input.len() > MAX_BASE32_INPUT {
        return Err(SecretError::TooLong {
            max: MAX_BASE32_INPUT,
        });
    }
    // First pass: validate and count, so the output buffer never reallocates.
    let mut chars = 0usize;
    for (index, c) in input.chars().enumerate() {
        if is_separator(c) {
            continue;
        }
        if base32_value(c).is_none() {
            return Err(SecretError::InvalidCharacter {
                position: index + 1,
            });
        }
        chars += 1;
    }
    if chars == 0 {
        return Err(SecretError::Empty);
    }
    if !lenient && matches!(chars % 8, 1 | 3 | 6) {
        return Err(SecretError::InvalidLength { chars });
    }
    let mut out = Vec::with_capacity(chars * 5 / 8);
    let mut buffer: u64 = 0;
    let mut bits = 0u32;
    for value in input.chars().filter_map(base32_value) {
        buffer = (buffer << 5) | u64::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1u64 << bits) - 1;
        }
    }
    buffer.zeroize();
    if out.is_empty() {
        return Err(SecretError::Empty);
    }
    Ok(out)
}

/// Encodes bytes as uppercase base32 without padding.
pub fn encode_base32(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1u32 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    buffer.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_decoding_drops_trailing_bits_like_other_apps() {
        // 17 characters (1 mod 8): strict refuses, lenient keeps the 10 whole bytes.
        let text = "JBSWY3DPEHPK3PXPA";
        assert_eq!(
            Secret::from_base32(text),
            Err(SecretError::InvalidLength { chars: 17 })
        );
        let lenient = Secret::from_base32_lenient(text).unwrap();
        assert_eq!(lenient, Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap());
        assert_eq!(
            Secret::from_base32_lenient("JBSWY3DPEHPK3PXPAB")
                .unwrap()
                .len(),
            11
        );
        assert_eq!(Secret::from_base32_lenient("A"), Err(SecretError::Empty));
        assert!(Secret::from_base32_lenient("JBSW!").is_err());
    }

    #[test]
    fn rfc4648_vectors_round_trip() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(encode_base32(raw).as_str(), encoded);
            if !raw.is_empty() {
                assert_eq!(decode_base32(encoded).unwrap(), raw);
            }
        }
    }

    #[test]
    fn accepts_what_users_type() {
        let canonical = decode_base32("JBSWY3DPEHPK3PXP").unwrap();
        for typed in [
            "jbswy3dpehpk3pxp",
            "JBSW Y3DP EHPK 3PXP",
            "jbsw-y3dp-ehpk-3pxp",
            "JBSWY3DPEHPK3PXP====",
            " JBSWY3DP\tEHPK3PXP\n",
        ] {
            assert_eq!(decode_base32(typed).unwrap(), canonical, "{typed}");
        }
    }

    #[test]
    fn bad_character_is_reported_by_position_only() {
        let err = decode_base32("JBSW1Y3DP").unwrap_err();
        assert_eq!(err, SecretError::InvalidCharacter { position: 5 });
        let message = err.to_string();
        assert!(!message.contains("JBSW"), "{message}");
        assert_eq!(
            decode_base32("ab cé").unwrap_err(),
            SecretError::InvalidCharacter { position: 5 }
        );
    }

    #[test]
    fn empty_and_impossible_lengths_and_oversize() {
        assert_eq!(decode_base32(""), Err(SecretError::Empty));
        assert_eq!(decode_base32(" - = "), Err(SecretError::Empty));
        assert_eq!(
            decode_base32("ABC"),
            Err(SecretError::InvalidLength { chars: 3 })
        );
        assert_eq!(
            decode_base32("A"),
            Err(SecretError::InvalidLength { chars: 1 })
        );
        let long = "A".repeat(MAX_BASE32_INPUT + 1);
        assert!(matches!(
            decode_base32(&long),
            Err(SecretError::TooLong { .. })
        ));
        assert!(decode_base32(&"A".repeat(MAX_BASE32_INPUT)).is_ok());
    }

    #[test]
    fn weak_and_generated_secrets() {
        let legacy = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(legacy.len(), 10);
        assert!(legacy.is_weak());
        let fresh = Secret::generate().unwrap();
        assert_eq!(fresh.len(), GENERATED_BYTES);
        assert!(!fresh.is_weak());
        assert_ne!(fresh, Secret::generate().unwrap());
        assert_eq!(format!("{fresh:?}"), "Secret(<redacted>)");
        assert_eq!(Secret::from_bytes(Vec::new()), Err(SecretError::Empty));
    }
}
