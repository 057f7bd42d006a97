//! One-time codes: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard.
//!
//! A [`Generator`] holds the keyed HMAC state of one token and turns a moving factor into a code.
//! [`Generator::totp`] adds what a UI needs: the step's start, the seconds left and the next code.
//!
//! Easy to get wrong (all covered by `tests/vectors`):
//! - the moving factor is a **64-bit** big-endian counter; TOTP's `T = floor(unix / period)` must
//!   not be truncated to 32 bits (the RFC 6238 vectors go to 20,000,000,000 s, past 2038 and 2106);
//! - dynamic truncation takes the offset from the low nibble of the **last** byte of the HMAC, for
//!   SHA-256 and SHA-512 too (not from byte 19), then masks the top bit of the 31-bit value;
//! - the RFC 6238 Appendix B seeds differ per algorithm: 20, 32 and 64 bytes of repeated ASCII
//!   `1234567890` (the erratum: the RFC text shows the 20-byte seed for all three);
//! - 10-digit codes exceed `u32`: the 31-bit value modulo 10^10 is the value itself, zero-padded;
//! - codes are compared in constant time when verifying.

use subtle::ConstantTimeEq;

use crate::error::UriError;
use crate::keyed::KeyedHmac;
use crate::secret::Secret;

/// Smallest and largest number of decimal digits a code may have.
pub const DIGITS_RANGE: std::ops::RangeInclusive<u8> = 6..=10;
/// Smallest and largest TOTP period in seconds.
pub const PERIOD_RANGE: std::ops::RangeInclusive<u32> = 1..=86_400;
/// Steam Guard's alphabet (26 characters, no vowels or look-alikes).
pub const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";
/// Steam Guard codes have five characters.
pub const STEAM_DIGITS: u8 = 5;
/// Steam Guard's period in seconds.
pub const STEAM_PERIOD: u32 = 30;

/// The HMAC hash function of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA-1, the default of RFC 4226 and of nearly every service.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name as written in `otpauth://` URIs: `SHA1`, `SHA256` or `SHA512`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Parses a name case-insensitively; `SHA-256` style dashes are accepted too.
    pub fn parse(name: &str) -> Option<Self> {
        let mut normalized = [0u8; 6];
        let mut len = 0;
        for byte in name.trim().bytes().filter(|b| *b != b'-') {
            if len == normalized.len() {
                return None;
            }
            normalized[len] = byte.to_ascii_uppercase();
            len += 1;
        }
        match &normalized[..len] {
            b"SHA1" => Some(Algorithm::Sha1),
            b"SHA256" => Some(Algorithm::Sha256),
            b"SHA512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

/// How the 31-bit truncated value becomes the characters shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Decimal digits, zero-padded (6 to 10).
    Decimal(u8),
    /// Five characters from [`STEAM_ALPHABET`].
    Steam,
}

impl Format {
    /// Number of characters in a code.
    pub fn len(self) -> usize {
        match self {
            Format::Decimal(digits) => usize::from(digits),
            Format::Steam => usize::from(STEAM_DIGITS),
        }
    }

    /// Always false; present for symmetry with `len`.
    pub fn is_empty(self) -> bool {
        false
    }
}

/// A TOTP code with what a UI needs to display it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpCode {
    /// The code to type.
    pub value: CodeValue,
    /// The time step `T` the code belongs to.
    pub step: u64,
    /// The period in seconds.
    pub period: u32,
    /// Unix time at which this step began.
    pub step_start: u64,
    /// Seconds until the code changes (1..=period).
    pub seconds_left: u32,
    /// The code of the next step, for a preview near the end of the period.
    pub next_value: CodeValue,
}

/// The codes of one time step and the next, kept between calls by [`Generator::totp_cached`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepCache {
    step: u64,
    current: CodeValue,
    next: CodeValue,
}

/// A token's code generator: the keyed HMAC state plus the output format.
#[derive(Clone)]
pub struct Generator {
    key: KeyedHmac,
    format: Format,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// A code's characters on the stack: computing one allocates nothing. Compare it with `==`
/// against a `&str` (in non-secret-dependent code) or with [`codes_equal`] when verifying.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeValue {
    bytes: [u8; 10],
    len: u8,
}

impl CodeValue {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits or Steam letters are ever written, so this never yields "".
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// A code typed back or received as text: 1 to 10 ASCII letters or digits (`None` otherwise).
    pub fn parse(text: &str) -> Option<Self> {
        let len = text.len();
        if !(1..=10).contains(&len) || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let mut bytes = [0u8; 10];
        bytes[..len].copy_from_slice(text.as_bytes());
        Some(Self {
            bytes,
            len: len as u8,
        })
    }
}

impl std::fmt::Debug for CodeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq<str> for CodeValue {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CodeValue {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for CodeValue {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Display for CodeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad` honours width and alignment (`{:>10}`) for column layouts.
        f.pad(self.as_str())
    }
}

fn render(value: u32, format: Format) -> CodeValue {
    let mut code = CodeValue {
        bytes: [0u8; 10],
        len: format.len() as u8,
    };
    let mut rest = value;
    let digits = &mut code.bytes[..format.len()];
    match format {
        // Decimal: most significant digit first, zero-padded (modulo 10^digits is implied).
        Format::Decimal(_) => {
            for slot in digits.iter_mut().rev() {
                *slot = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
        }
        // Steam: least significant character first.
        Format::Steam => {
            for slot in digits.iter_mut() {
                *slot = STEAM_ALPHABET[(rest % 26) as usize];
                rest /= 26;
            }
        }
    }
    code
}

/// Compares two codes in constant time with respect to their contents.
pub fn codes_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

impl Generator {
    /// Runs the key schedule once; every later code costs two hash compressions.
    ///
    /// Decimal formats must have 6 to 10 digits ([`DIGITS_RANGE`]).
    pub fn new(secret: &Secret, algorithm: Algorithm, format: Format) -> Result<Self, UriError> {
        if let Format::Decimal(digits) = format
            && !DIGITS_RANGE.contains(&digits)
        {
            return Err(UriError::InvalidDigits);
        }
        Ok(Self::new_validated(secret, algorithm, format))
    }

    /// For callers that validated the format already (a [`crate::Token`] always has).
    pub(crate) fn new_validated(secret: &Secret, algorithm: Algorithm, format: Format) -> Self {
        Self {
            key: KeyedHmac::new(algorithm, secret.expose()),
            format,
        }
    }

    /// The output format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The code for a counter value (HOTP) or a time step (TOTP), without allocating.
    pub fn value_at(&self, counter: u64) -> CodeValue {
        render(self.key.truncated(counter), self.format)
    }

    /// The code for a counter value (HOTP) or a time step (TOTP), as a `String`.
    pub fn at_counter(&self, counter: u64) -> String {
        self.value_at(counter).as_str().to_owned()
    }

    /// The TOTP code at `unix` seconds for a period, with its validity and the next code.
    ///
    /// `period` must be in [`PERIOD_RANGE`]; 0 is treated as 1 so that this never divides by zero.
    pub fn totp(&self, unix: u64, period: u32) -> TotpCode {
        self.totp_cached(unix, period, &mut None)
    }

    /// [`Generator::totp`] with the period checked against [`PERIOD_RANGE`] first.
    pub fn totp_checked(&self, unix: u64, period: u32) -> Result<TotpCode, UriError> {
        if !PERIOD_RANGE.contains(&period) {
            return Err(UriError::InvalidPeriod);
        }
        Ok(self.totp(unix, period))
    }

    /// [`Generator::totp`] with a per-token cache of the last step's codes: called every second,
    /// it computes nothing until the step changes, and then one HMAC (the old "next" becomes the
    /// current code). The cache must belong to this generator and period.
    pub fn totp_cached(&self, unix: u64, period: u32, cache: &mut Option<StepCache>) -> TotpCode {
        let period = period.max(1);
        let step = unix / u64::from(period);
        let entry = match *cache {
            Some(hit) if hit.step == step => hit,
            Some(prev) if prev.step.checked_add(1) == Some(step) => StepCache {
                step,
                current: prev.next,
                next: self.value_at(step.wrapping_add(1)),
            },
            _ => StepCache {
                step,
                current: self.value_at(step),
                next: self.value_at(step.wrapping_add(1)),
            },
        };
        *cache = Some(entry);
        let step_start = step * u64::from(period);
        TotpCode {
            value: entry.current,
            step,
            period,
            step_start,
            seconds_left: (u64::from(period) - (unix - step_start)) as u32,
            next_value: entry.next,
        }
    }

    /// Checks `code` against the counters `center - window ..= center + window`.
    ///
    /// Every candidate is computed and compared in constant time, whatever matches; the result is
    /// the matching offset closest to zero (the earlier one on a tie), or `None`.
    pub fn verify_counter(&self, code: &str, center: u64, window: u32) -> Option<i64> {
        let mut best: Option<i64> = None;
        let window = i64::from(window);
        for offset in -window..=window {
            let Some(counter) = center.checked_add_signed(offset) else {
                continue;
            };
            if codes_equal(self.value_at(counter).as_str(), code)
                && best.is_none_or(|b| offset.unsigned_abs() < b.unsigned_abs())
            {
                best = Some(offset);
            }
        }
        best
    }

    /// TOTP verification at `unix`: returns the matched step offset in `-window..=window`.
    pub fn verify_totp(&self, code: &str, unix: u64, period: u32, window: u32) -> Option<i64> {
        self.verify_counter(code, unix / u64::from(period.max(1)), window)
    }

    /// Estimates the device clock's error from a code the user's server accepted (or that another
    /// device shows) at local time `unix`: searches `±max_steps` steps and returns the correction
    /// in seconds (a multiple of the period) to add to the local clock, or `None` when no step
    /// matches.
    pub fn estimate_offset(
        &self,
        code: &str,
        unix: u64,
        period: u32,
        max_steps: u32,
    ) -> Option<i64> {
        self.verify_totp(code, unix, period, max_steps)
            .map(|steps| steps * i64::from(period.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_generator(format: Format) -> Generator {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        Generator::new(&secret, Algorithm::Sha1, format).unwrap()
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::parse("sha256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::parse("SHA-512"), Some(Algorithm::Sha512));
        assert_eq!(Algorithm::parse(" Sha1 "), Some(Algorithm::Sha1));
        assert_eq!(Algorithm::parse("MD5"), None);
        assert_eq!(Algorithm::parse("SHA1SHA1"), None);
        assert_eq!(Algorithm::parse(""), None);
    }

    #[test]
    fn totp_validity_fields() {
        let generator = rfc_generator(Format::Decimal(8));
        let code = generator.totp(59, 30);
        assert_eq!(code.value, "94287082");
        assert_eq!(code.step, 1);
        assert_eq!(code.step_start, 30);
        assert_eq!(code.seconds_left, 1);
        assert_eq!(code.next_value, generator.at_counter(2));
        assert_eq!(generator.totp(60, 30).seconds_left, 30);
        assert_eq!(generator.totp(60, 30).value, code.next_value);
        assert_eq!(
            Generator::new(
                &Secret::generate().unwrap(),
                Algorithm::Sha1,
                Format::Decimal(11)
            )
            .unwrap_err(),
            UriError::InvalidDigits
        );
        // Period 0 cannot divide by zero.
        assert_eq!(generator.totp(5, 0).step, 5);
    }

    #[test]
    fn cached_totp_equals_uncached_across_steps_and_jumps() {
        let generator = rfc_generator(Format::Decimal(6));
        let mut cache = None;
        for unix in [
            0u64,
            1,
            29,
            30,
            31,
            59,
            60,
            1_000_000,
            999_999,
            1_000_030,
            20_000_000_000,
        ] {
            assert_eq!(
                generator.totp_cached(unix, 30, &mut cache),
                generator.totp(unix, 30),
                "{unix}"
            );
        }
    }

    #[test]
    fn ten_digit_codes_are_zero_padded() {
        let generator = rfc_generator(Format::Decimal(10));
        // RFC 4226 Appendix D, counter 0: truncated value 1284755224.
        assert_eq!(generator.at_counter(0), "1284755224");
        assert_eq!(generator.at_counter(0).len(), 10);
    }

    #[test]
    fn verify_returns_the_step_offset() {
        let generator = rfc_generator(Format::Decimal(6));
        let now = 1_700_000_000u64;
        let earlier = generator.totp(now - 30, 30).value.to_string();
        let later = generator.totp(now + 60, 30).value.to_string();
        assert_eq!(generator.verify_totp(&earlier, now, 30, 1), Some(-1));
        assert_eq!(generator.verify_totp(&later, now, 30, 2), Some(2));
        assert_eq!(generator.verify_totp(&later, now, 30, 1), None);
        assert_eq!(generator.verify_totp("000000x", now, 30, 1), None);
        assert_eq!(
            generator.verify_counter(&generator.at_counter(0), 0, 3),
            Some(0)
        );
        assert_eq!(
            generator.verify_counter(&generator.at_counter(u64::MAX), u64::MAX, 2),
            Some(0)
        );
    }

    #[test]
    fn offset_estimation_from_a_server_accepted_code() {
        let generator = rfc_generator(Format::Decimal(6));
        // The device clock runs 95 s behind the server: the server's code is 3 steps ahead.
        let device = 1_699_999_985u64;
        let server_code = generator.totp(device + 95, 30).value.to_string();
        let offset = generator
            .estimate_offset(&server_code, device, 30, 10)
            .unwrap();
        assert_eq!(offset, 90);
        let corrected = device.checked_add_signed(offset).unwrap();
        assert_eq!(generator.totp(corrected, 30).value, server_code);
        assert_eq!(generator.estimate_offset("12345", device, 30, 10), None);
    }
}
