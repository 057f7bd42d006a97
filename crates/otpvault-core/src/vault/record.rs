//! The plaintext layouts sealed into the vault: a token and the settings.
//!
//! Hand-written, versioned binary rather than serde: the encoded size is computed first and the
//! buffer allocated once (zeroizing), so the secret is never copied by a growing buffer, and
//! decoding checks every length. Decoding happens only after AES-GCM authenticated the bytes, so a
//! decoding error means a bug or a format this build does not know, reported as `Corrupted`.

use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::otp::Algorithm;
use crate::secret::Secret;
use crate::token::{OtpKind, Token, TokenParams};

const TOKEN_RECORD_V1: u8 = 1;
const SETTINGS_RECORD_V1: u8 = 1;

/// How long a PIN unlocks the codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnlockPolicy {
    /// The PIN is asked for every code; the vault never stays unlocked.
    EveryCode,
    /// Codes stay available until 5 minutes after the unlock.
    FiveMinutes,
    /// Codes stay available until 10 minutes after the unlock.
    TenMinutes,
}

impl UnlockPolicy {
    /// How long an unlock lasts, in milliseconds (`None` for `EveryCode`).
    pub fn session_millis(self) -> Option<u64> {
        match self {
            UnlockPolicy::EveryCode => None,
            UnlockPolicy::FiveMinutes => Some(5 * 60 * 1000),
            UnlockPolicy::TenMinutes => Some(10 * 60 * 1000),
        }
    }

    fn to_byte(self) -> u8 {
        match self {
            UnlockPolicy::EveryCode => 0,
            UnlockPolicy::FiveMinutes => 1,
            UnlockPolicy::TenMinutes => 2,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(UnlockPolicy::EveryCode),
            1 => Some(UnlockPolicy::FiveMinutes),
            2 => Some(UnlockPolicy::TenMinutes),
            _ => None,
        }
    }
}

/// The sealed settings of a vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The unlock policy.
    pub policy: UnlockPolicy,
    /// Seconds added to the device clock for TOTP.
    pub time_offset: i64,
}

impl Settings {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10);
        out.push(SETTINGS_RECORD_V1);
        out.push(self.policy.to_byte());
        out.extend_from_slice(&self.time_offset.to_be_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        let corrupted = VaultError::Corrupted { what: "settings" };
        let [SETTINGS_RECORD_V1, policy, offset @ ..] = bytes else {
            return Err(corrupted);
        };
        let offset: [u8; 8] = offset.try_into().map_err(|_| corrupted.clone())?;
        Ok(Settings {
            policy: UnlockPolicy::from_byte(*policy).ok_or(corrupted)?,
            time_offset: i64::from_be_bytes(offset),
        })
    }
}

fn algorithm_byte(algorithm: Algorithm) -> u8 {
    match algorithm {
        Algorithm::Sha1 => 1,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512 => 3,
    }
}

/// Encodes a token: version, kind, algorithm, digits, period/counter, then three
/// length-prefixed fields (secret, issuer, account).
pub(crate) fn encode_token(token: &Token) -> Zeroizing<Vec<u8>> {
    let (kind, param) = match token.kind() {
        OtpKind::Totp { period } => (1u8, u64::from(period)),
        OtpKind::Hotp { counter } => (2u8, counter),
        OtpKind::Steam => (3u8, 0),
    };
    let fields: [&[u8]; 3] = [
        token.secret().expose(),
        token.issuer().as_bytes(),
        token.account().as_bytes(),
    ];
    let len = 4 + 8 + fields.iter().map(|f| 2 + f.len()).sum::<usize>();
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    out.extend_from_slice(&[
        TOKEN_RECORD_V1,
        kind,
        algorithm_byte(token.algorithm()),
        token.digits(),
    ]);
    out.extend_from_slice(&param.to_be_bytes());
    for field in fields {
        // Secrets are at most 640 bytes and names 512 bytes, so the length fits in u16.
        out.extend_from_slice(&(field.len() as u16).to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], VaultError> {
        if self.bytes.len() < n {
            return Err(VaultError::Corrupted {
                what: "token record",
            });
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn field(&mut self) -> Result<&'a [u8], VaultError> {
        let len = self.take(2)?;
        self.take(usize::from(u16::from_be_bytes([len[0], len[1]])))
    }
}

/// Decodes a token record (already authenticated) and re-validates it.
pub(crate) fn decode_token(bytes: &[u8]) -> Result<Token, VaultError> {
    let corrupted = || VaultError::Corrupted {
        what: "token record",
    };
    let mut reader = Reader { bytes };
    let head = reader.take(4)?;
    if head[0] != TOKEN_RECORD_V1 {
        return Err(corrupted());
    }
    let param = u64::from_be_bytes(reader.take(8)?.try_into().map_err(|_| corrupted())?);
    let kind = match head[1] {
        1 => OtpKind::Totp {
            period: u32::try_from(param).map_err(|_| corrupted())?,
        },
        2 => OtpKind::Hotp { counter: param },
        3 => OtpKind::Steam,
        _ => return Err(corrupted()),
    };
    let algorithm = match head[2] {
        1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        _ => return Err(corrupted()),
    };
    let secret = Secret::from_bytes(reader.field()?.to_vec()).map_err(|_| corrupted())?;
    let issuer = std::str::from_utf8(reader.field()?).map_err(|_| corrupted())?;
    let account = std::str::from_utf8(reader.field()?).map_err(|_| corrupted())?;
    if !reader.bytes.is_empty() {
        return Err(corrupted());
    }
    Token::new(
        secret,
        TokenParams {
            issuer: issuer.to_owned(),
            account: account.to_owned(),
            algorithm,
            digits: head[3],
            kind,
        },
    )
    .map_err(|_| corrupted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri;

    #[test]
    fn token_round_trip_and_truncation() {
        for text in [
            "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60",
            "otpauth://hotp/Yubi:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=42",
            "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        ] {
            let token = uri::parse(text).unwrap();
            let encoded = encode_token(&token);
            assert_eq!(encoded.len(), encoded.capacity());
            assert_eq!(decode_token(&encoded).unwrap(), token);
            for cut in 0..encoded.len() {
                assert!(decode_token(&encoded[..cut]).is_err());
            }
        }
    }

    #[test]
    fn settings_round_trip() {
        let settings = Settings {
            policy: UnlockPolicy::TenMinutes,
            time_offset: -95,
        };
        assert_eq!(Settings::decode(&settings.encode()).unwrap(), settings);
        assert!(Settings::decode(&[1, 9, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Settings::decode(&[]).is_err());
    }
}
