//! A token: the secret, the names a user sees and the code parameters, validated together.
//!
//! Every `Token` that exists is valid: digits in 6..=10, period in 1..=86,400, names trimmed and
//! bounded, Steam tokens fixed at SHA-1, 5 characters, 30 s. Construction goes through
//! [`Token::new`], which both the URI parser and the "type the key by hand" path use, so the two
//! enrolment paths cannot disagree.

use crate::error::UriError;
use crate::otp::{
    Algorithm, DIGITS_RANGE, Format, Generator, PERIOD_RANGE, STEAM_DIGITS, STEAM_PERIOD, TotpCode,
};
use crate::secret::Secret;

/// The longest issuer or account name kept, in bytes.
pub const MAX_NAME_LEN: usize = 512;
/// Default TOTP period.
pub const DEFAULT_PERIOD: u32 = 30;
/// Default number of digits.
pub const DEFAULT_DIGITS: u8 = 6;

/// What moves the code forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtpKind {
    /// Time-based (RFC 6238) with a period in seconds.
    Totp {
        /// Seconds per step, 1..=86,400.
        period: u32,
    },
    /// Counter-based (RFC 4226); `counter` is the next counter value to use.
    Hotp {
        /// The next counter value.
        counter: u64,
    },
    /// Steam Guard: TOTP with SHA-1, 30 s and 5 characters from the Steam alphabet.
    Steam,
}

/// The typed fields of a token, as an enrolment portal shows them ("type the key by hand").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParams {
    /// Service name, e.g. `GitHub` (may be empty).
    pub issuer: String,
    /// Account name, e.g. `alice@example.com` (may be empty).
    pub account: String,
    /// HMAC algorithm (ignored for Steam).
    pub algorithm: Algorithm,
    /// Number of digits, 6..=10 (ignored for Steam).
    pub digits: u8,
    /// TOTP, HOTP or Steam.
    pub kind: OtpKind,
}

impl Default for TokenParams {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            account: String::new(),
            algorithm: Algorithm::Sha1,
            digits: DEFAULT_DIGITS,
            kind: OtpKind::Totp {
                period: DEFAULT_PERIOD,
            },
        }
    }
}

/// A validated token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    issuer: String,
    account: String,
    secret: Secret,
    algorithm: Algorithm,
    digits: u8,
    kind: OtpKind,
}

/// True for the characters removed from issuers and account names: C0 and C1 control characters
/// (terminal escape sequences, newlines, tabs) and the bidirectional-text controls (U+061C,
/// U+200E/F, U+202A–U+202E, U+2066–U+2069) that make a name display as something else. They are
/// stripped rather than refused, so an entry from a QR code or another app's export still imports.
pub fn is_stripped_from_names(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Strips control and bidi characters ([`is_stripped_from_names`]), trims, checks the length.
fn clean_name(name: &str, field: &'static str) -> Result<String, UriError> {
    let stripped: String = name
        .chars()
        .filter(|c| !is_stripped_from_names(*c))
        .collect();
    let trimmed = stripped.trim();
    if trimmed.len() > MAX_NAME_LEN {
        return Err(UriError::NameTooLong {
            field,
            max: MAX_NAME_LEN,
        });
    }
    Ok(trimmed.to_owned())
}

impl Token {
    /// Validates the fields and builds a token. Names are trimmed; Steam forces SHA-1 and 5 chars.
    pub fn new(secret: Secret, params: TokenParams) -> Result<Self, UriError> {
        let TokenParams {
            issuer,
            account,
            algorithm,
            digits,
            kind,
        } = params;
        let (algorithm, digits) = match kind {
            OtpKind::Steam => (Algorithm::Sha1, STEAM_DIGITS),
            OtpKind::Totp { period } => {
                if !PERIOD_RANGE.contains(&period) {
                    return Err(UriError::InvalidPeriod);
                }
                (algorithm, digits)
            }
            OtpKind::Hotp { .. } => (algorithm, digits),
        };
        if kind != OtpKind::Steam && !DIGITS_RANGE.contains(&digits) {
            return Err(UriError::InvalidDigits);
        }
        Ok(Self {
            issuer: clean_name(&issuer, "issuer")?,
            account: clean_name(&account, "account")?,
            secret,
            algorithm,
            digits,
            kind,
        })
    }

    /// The service name (may be empty).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The account name (may be empty).
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The shared secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The HMAC algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Number of characters in a code (5 for Steam).
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// TOTP, HOTP or Steam, with the period or counter.
    pub fn kind(&self) -> OtpKind {
        self.kind
    }

    /// The TOTP period in seconds, `None` for HOTP.
    pub fn period(&self) -> Option<u32> {
        match self.kind {
            OtpKind::Totp { period } => Some(period),
            OtpKind::Steam => Some(STEAM_PERIOD),
            OtpKind::Hotp { .. } => None,
        }
    }

    /// The editable fields (everything but the secret).
    pub fn params(&self) -> TokenParams {
        TokenParams {
            issuer: self.issuer.clone(),
            account: self.account.clone(),
            algorithm: self.algorithm,
            digits: self.digits,
            kind: self.kind,
        }
    }

    /// Renames the token (names are trimmed and bounded as at creation).
    pub fn rename(&mut self, issuer: &str, account: &str) -> Result<(), UriError> {
        let issuer = clean_name(issuer, "issuer")?;
        let account = clean_name(account, "account")?;
        self.issuer = issuer;
        self.account = account;
        Ok(())
    }

    /// Sets the HOTP counter (no effect on TOTP and Steam tokens).
    pub fn set_counter(&mut self, value: u64) {
        if let OtpKind::Hotp { counter } = &mut self.kind {
            *counter = value;
        }
    }

    /// The output format of the codes.
    pub fn format(&self) -> Format {
        match self.kind {
            OtpKind::Steam => Format::Steam,
            _ => Format::Decimal(self.digits),
        }
    }

    /// Builds the keyed generator (the key schedule runs here, once).
    pub fn generator(&self) -> Generator {
        Generator::new_validated(&self.secret, self.algorithm, self.format())
    }

    /// The TOTP code at `unix` (`None` for HOTP, whose code depends on the counter, not the time).
    pub fn totp_at(&self, unix: u64) -> Option<TotpCode> {
        self.period()
            .map(|period| self.generator().totp(unix, period))
    }

    /// The code a user would type now: TOTP and Steam at `unix`, HOTP at the stored counter.
    pub fn code_at(&self, unix: u64) -> String {
        let period = match self.kind {
            OtpKind::Hotp { counter } => return self.generator().at_counter(counter),
            OtpKind::Totp { period } => period,
            OtpKind::Steam => STEAM_PERIOD,
        };
        self.generator()
            .totp(unix, period)
            .value
            .as_str()
            .to_owned()
    }

    /// The HOTP code for the stored counter (`None` for time-based tokens).
    pub fn hotp_current(&self) -> Option<String> {
        match self.kind {
            OtpKind::Hotp { counter } => Some(self.generator().at_counter(counter)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap()
    }

    #[test]
    fn names_lose_control_and_bidi_characters_on_every_path() {
        let params = TokenParams {
            issuer: "\u{1b}[2J\u{1b}[HPay\u{0}Pal\u{9b}".into(),
            account: " alice\u{202E}\u{2066}\u{200F}\n".into(),
            ..TokenParams::default()
        };
        let mut token = Token::new(secret(), params).unwrap();
        assert_eq!(token.issuer(), "[2J[HPayPal");
        assert_eq!(token.account(), "alice");
        token.rename("Bank\u{202B}\r", "\u{61C}bob\t").unwrap();
        assert_eq!((token.issuer(), token.account()), ("Bank", "bob"));
        // Ordinary text, including right-to-left scripts and emoji, is kept.
        token.rename("بنك", "José 🔑").unwrap();
        assert_eq!((token.issuer(), token.account()), ("بنك", "José 🔑"));
    }

    #[test]
    fn validates_digits_and_period() {
        let mut params = TokenParams {
            digits: 5,
            ..TokenParams::default()
        };
        assert_eq!(
            Token::new(secret(), params.clone()),
            Err(UriError::InvalidDigits)
        );
        params.digits = 11;
        assert_eq!(
            Token::new(secret(), params.clone()),
            Err(UriError::InvalidDigits)
        );
        params.digits = 8;
        params.kind = OtpKind::Totp { period: 0 };
        assert_eq!(
            Token::new(secret(), params.clone()),
            Err(UriError::InvalidPeriod)
        );
        params.kind = OtpKind::Totp { period: 86_401 };
        assert_eq!(
            Token::new(secret(), params.clone()),
            Err(UriError::InvalidPeriod)
        );
        params.kind = OtpKind::Totp { period: 86_400 };
        assert!(Token::new(secret(), params).is_ok());
    }

    #[test]
    fn steam_forces_its_parameters_and_names_are_trimmed() {
        let token = Token::new(
            secret(),
            TokenParams {
                issuer: "  Steam ".into(),
                account: " gabe".into(),
                algorithm: Algorithm::Sha512,
                digits: 8,
                kind: OtpKind::Steam,
            },
        )
        .unwrap();
        assert_eq!(token.algorithm(), Algorithm::Sha1);
        assert_eq!(token.digits(), 5);
        assert_eq!(token.issuer(), "Steam");
        assert_eq!(token.account(), "gabe");
        assert_eq!(token.totp_at(0).unwrap().value.as_str().len(), 5);
        assert!(token.hotp_current().is_none());
    }

    #[test]
    fn names_are_bounded() {
        let params = TokenParams {
            account: "a".repeat(MAX_NAME_LEN + 1),
            ..TokenParams::default()
        };
        assert!(matches!(
            Token::new(secret(), params),
            Err(UriError::NameTooLong {
                field: "account",
                ..
            })
        ));
    }
}
