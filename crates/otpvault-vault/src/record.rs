//! The plaintext layouts sealed into the vault: a token, the settings and the manifest.
//!
//! Hand-written, versioned binary rather than serde: the encoded size is computed first and the
//! buffer allocated once (zeroizing), so the secret is never copied by a growing buffer, and
//! decoding checks every length. Decoding happens only after AES-GCM authenticated the bytes, so a
//! decoding error means a bug or a format this build does not know, reported as `Corrupted`.

use zeroize::Zeroizing;

use crate::error::VaultError;
use otpvault_codes::UnlockPolicy;
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::{OtpKind, Token, TokenParams};
use otpvault_transfer::details::{Details, Icon, IconKind};

const TOKEN_RECORD_V1: u8 = 1;
/// Version 2 adds what was organised about the token ([`Details`]).
const TOKEN_RECORD_V2: u8 = 2;
const SETTINGS_RECORD_V1: u8 = 1;
const MANIFEST_RECORD_V1: u8 = 1;
/// Version 2 adds the quick-unlock slot's id.
const MANIFEST_RECORD_V2: u8 = 2;

/// The random id a quick-unlock slot carries inside its wrapped payload, named by the manifest.
pub(crate) type QuickSlotId = [u8; 16];

/// The nonce that opens a sealed blob: what the manifest records of each row.
pub(crate) type RowNonce = [u8; 12];

/// The nonce of a sealed blob (`None` when the blob is too short to be one).
pub(crate) fn nonce_of(sealed: &[u8]) -> Option<RowNonce> {
    sealed.get(..12)?.try_into().ok()
}

/// What the vault file must hold right now, sealed under the vault key: a generation bumped by
/// every write, the next token id (ids are never reused), and the nonce of the settings and of
/// every token row. Each write seals its rows with fresh random nonces and records them here in
/// the same transaction, so a row written back from an older copy of the file (its old nonce) is
/// detected, as is a removed row put back or a row deleted behind the vault's back. The
/// quick-unlock slot is covered the same way, by the random id sealed inside its wrapped payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// Bumped by every write.
    pub(crate) generation: u64,
    /// The id the next added token gets.
    pub(crate) next_id: i64,
    /// The nonce of the sealed settings.
    pub(crate) settings: RowNonce,
    /// `(token id, nonce)`, sorted by id.
    pub(crate) tokens: Vec<(i64, RowNonce)>,
    /// The id of the one quick-unlock slot that may open the vault (none: no slot may).
    pub(crate) quick: Option<QuickSlotId>,
}

impl Manifest {
    /// The nonce recorded for token `id`.
    pub(crate) fn token(&self, id: i64) -> Option<RowNonce> {
        self.tokens
            .binary_search_by_key(&id, |(i, _)| *i)
            .ok()
            .map(|at| self.tokens[at].1)
    }

    /// Records (or replaces) token `id`'s nonce.
    pub(crate) fn set_token(&mut self, id: i64, nonce: RowNonce) {
        match self.tokens.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(at) => self.tokens[at].1 = nonce,
            Err(at) => self.tokens.insert(at, (id, nonce)),
        }
    }

    /// Forgets token `id`; true when it was listed.
    pub(crate) fn remove_token(&mut self, id: i64) -> bool {
        match self.tokens.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(at) => {
                self.tokens.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 8 + 8 + 12 + 17 + 4 + self.tokens.len() * 20);
        out.push(MANIFEST_RECORD_V2);
        out.extend_from_slice(&self.generation.to_be_bytes());
        out.extend_from_slice(&self.next_id.to_be_bytes());
        out.extend_from_slice(&self.settings);
        match &self.quick {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(id);
            }
            None => out.push(0),
        }
        out.extend_from_slice(&(self.tokens.len() as u32).to_be_bytes());
        for (id, nonce) in &self.tokens {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(nonce);
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        let corrupted = || VaultError::Corrupted { what: "manifest" };
        let mut reader = Reader { bytes };
        let version = reader.take(1).map_err(|_| corrupted())?[0];
        if version != MANIFEST_RECORD_V1 && version != MANIFEST_RECORD_V2 {
            return Err(corrupted());
        }
        let u64_at = |reader: &mut Reader<'_>| -> Result<[u8; 8], VaultError> {
            reader.take(8)?.try_into().map_err(|_| corrupted())
        };
        let generation = u64::from_be_bytes(u64_at(&mut reader)?);
        let next_id = i64::from_be_bytes(u64_at(&mut reader)?);
        let settings: RowNonce = reader.take(12)?.try_into().map_err(|_| corrupted())?;
        // Version 1 (before quick slots were covered) names none.
        let quick = match version {
            MANIFEST_RECORD_V1 => None,
            _ => match reader.take(1)? {
                [0] => None,
                [1] => Some(reader.take(16)?.try_into().map_err(|_| corrupted())?),
                _ => return Err(corrupted()),
            },
        };
        let count = u32::from_be_bytes(reader.take(4)?.try_into().map_err(|_| corrupted())?);
        if reader.bytes.len() != count as usize * 20 {
            return Err(corrupted());
        }
        let mut tokens = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let id = i64::from_be_bytes(u64_at(&mut reader)?);
            let nonce: RowNonce = reader.take(12)?.try_into().map_err(|_| corrupted())?;
            if tokens.last().is_some_and(|(last, _)| *last >= id) || id >= next_id {
                return Err(corrupted());
            }
            tokens.push((id, nonce));
        }
        Ok(Manifest {
            generation,
            next_id,
            settings,
            tokens,
            quick,
        })
    }
}

/// The policy's byte in the settings record (0 every code, 1 five minutes, 2 ten minutes).
fn policy_byte(policy: UnlockPolicy) -> u8 {
    match policy {
        UnlockPolicy::EveryCode => 0,
        UnlockPolicy::FiveMinutes => 1,
        UnlockPolicy::TenMinutes => 2,
    }
}

/// The policy a settings record's byte names, if any.
fn policy_from_byte(byte: u8) -> Option<UnlockPolicy> {
    match byte {
        0 => Some(UnlockPolicy::EveryCode),
        1 => Some(UnlockPolicy::FiveMinutes),
        2 => Some(UnlockPolicy::TenMinutes),
        _ => None,
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
        out.push(policy_byte(self.policy));
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
            policy: policy_from_byte(*policy).ok_or(corrupted)?,
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
/// length-prefixed fields (secret, issuer, account), then its details: favourite (1 byte), the
/// note (u16 length), the groups (a count byte, each u16-prefixed) and the icon (type byte, 0
/// for none, then u32 length and bytes).
pub(crate) fn encode_token(token: &Token, details: &Details) -> Zeroizing<Vec<u8>> {
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
    let icon_len = details.icon.as_ref().map_or(0, |i| 4 + i.bytes().len());
    let len = 4
        + 8
        + fields.iter().map(|f| 2 + f.len()).sum::<usize>()
        + 1
        + 2
        + details.note.len()
        + 1
        + details.groups.iter().map(|g| 2 + g.len()).sum::<usize>()
        + 1
        + icon_len;
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    out.extend_from_slice(&[
        TOKEN_RECORD_V2,
        kind,
        algorithm_byte(token.algorithm()),
        token.digits(),
    ]);
    out.extend_from_slice(&param.to_be_bytes());
    // Secrets are at most 640 bytes, names 512, notes 4096 and group names 256 bytes of UTF-8,
    // so each length fits in u16; there are at most 32 groups.
    for field in fields {
        out.extend_from_slice(&(field.len() as u16).to_be_bytes());
        out.extend_from_slice(field);
    }
    out.push(u8::from(details.favourite));
    out.extend_from_slice(&(details.note.len() as u16).to_be_bytes());
    out.extend_from_slice(details.note.as_bytes());
    out.push(details.groups.len() as u8);
    for group in &details.groups {
        out.extend_from_slice(&(group.len() as u16).to_be_bytes());
        out.extend_from_slice(group.as_bytes());
    }
    match &details.icon {
        Some(icon) => {
            out.push(icon.kind().code());
            out.extend_from_slice(&(icon.bytes().len() as u32).to_be_bytes());
            out.extend_from_slice(icon.bytes());
        }
        None => out.push(0),
    }
    debug_assert_eq!(out.len(), len);
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

/// Decodes a token record (already authenticated) and re-validates it: version 1 (before
/// details) gives empty details.
pub(crate) fn decode_token(bytes: &[u8]) -> Result<(Token, Details), VaultError> {
    let corrupted = || VaultError::Corrupted {
        what: "token record",
    };
    let mut reader = Reader { bytes };
    let head = reader.take(4)?;
    let version = head[0];
    if version != TOKEN_RECORD_V1 && version != TOKEN_RECORD_V2 {
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
    let mut details = Details::default();
    if version == TOKEN_RECORD_V2 {
        details.favourite = match reader.take(1)? {
            [0] => false,
            [1] => true,
            _ => return Err(corrupted()),
        };
        let note = std::str::from_utf8(reader.field()?).map_err(|_| corrupted())?;
        let count = reader.take(1)?[0];
        let mut groups = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            groups.push(std::str::from_utf8(reader.field()?).map_err(|_| corrupted())?);
        }
        // Written by this code after the same checks: anything they would change is not ours.
        details.set_note(note).map_err(|_| corrupted())?;
        details.set_groups(&groups).map_err(|_| corrupted())?;
        if details.note != note || details.groups != groups {
            return Err(corrupted());
        }
        let icon_kind = reader.take(1)?[0];
        if icon_kind != 0 {
            let len = u32::from_be_bytes(reader.take(4)?.try_into().map_err(|_| corrupted())?);
            let bytes = reader.take(len as usize)?.to_vec();
            let icon = Icon::new(bytes).map_err(|_| corrupted())?;
            if Some(icon.kind()) != IconKind::from_code(icon_kind) {
                return Err(corrupted());
            }
            details.icon = Some(icon);
        }
    }
    if !reader.bytes.is_empty() {
        return Err(corrupted());
    }
    let token = Token::new(
        secret,
        TokenParams {
            issuer: issuer.to_owned(),
            account: account.to_owned(),
            algorithm,
            digits: head[3],
            kind,
        },
    )
    .map_err(|_| corrupted())?;
    Ok((token, details))
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpvault_codes::uri;

    #[test]
    fn token_round_trip_and_truncation() {
        for text in [
            "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60",
            "otpauth://hotp/Yubi:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=42",
            "steam://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        ] {
            let token = uri::parse(text).unwrap();
            let mut details = Details::default();
            for round in 0..2 {
                let encoded = encode_token(&token, &details);
                assert_eq!(encoded.len(), encoded.capacity());
                assert_eq!(
                    decode_token(&encoded).unwrap(),
                    (token.clone(), details.clone())
                );
                for cut in 0..encoded.len() {
                    assert!(decode_token(&encoded[..cut]).is_err());
                }
                if round == 0 {
                    details.set_groups(&["Work", "Bank"]).unwrap();
                    details.set_note("PUK in the drawer").unwrap();
                    details.favourite = true;
                    details.icon = Some(Icon::new(b"<svg/>".to_vec()).unwrap());
                }
            }
        }
    }

    #[test]
    fn a_version_1_token_record_has_no_details() {
        let token = uri::parse("otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP").unwrap();
        let mut v1 = encode_token(&token, &Details::default()).to_vec();
        // Version 1 was this record without the four detail fields (5 bytes when empty).
        v1[0] = 1;
        v1.truncate(v1.len() - 5);
        assert_eq!(decode_token(&v1).unwrap(), (token, Details::default()));
    }

    #[test]
    fn details_a_writer_would_not_write_are_corrupted() {
        let token = uri::parse("otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP").unwrap();
        let details = Details {
            icon: Some(Icon::new(b"<svg/>".to_vec()).unwrap()),
            ..Details::default()
        };
        let encoded = encode_token(&token, &details).to_vec();
        // The icon's type byte says PNG, its bytes are an SVG.
        let mut bad = encoded.clone();
        let at = bad.len() - 6 - 4 - 1;
        bad[at] = IconKind::Png.code();
        assert!(decode_token(&bad).is_err());
        // A favourite byte other than 0 or 1.
        let mut bad = encoded;
        let at = bad.len() - 6 - 4 - 1 - 1 - 2 - 1;
        bad[at] = 7;
        assert!(decode_token(&bad).is_err());
    }

    #[test]
    fn manifest_round_trip_and_validation() {
        let mut manifest = Manifest {
            generation: 7,
            next_id: 10,
            settings: [1; 12],
            tokens: Vec::new(),
            quick: None,
        };
        manifest.set_token(3, [3; 12]);
        manifest.set_token(1, [9; 12]);
        manifest.set_token(3, [4; 12]);
        assert_eq!(manifest.tokens, vec![(1, [9; 12]), (3, [4; 12])]);
        assert_eq!(manifest.token(3), Some([4; 12]));
        assert_eq!(manifest.token(2), None);
        let encoded = manifest.encode();
        assert_eq!(Manifest::decode(&encoded).unwrap(), manifest);
        for cut in 0..encoded.len() {
            assert!(Manifest::decode(&encoded[..cut]).is_err());
        }
        // An id at or past next_id, or ids out of order, are refused.
        let mut bad = manifest.clone();
        bad.next_id = 3;
        assert!(Manifest::decode(&bad.encode()).is_err());
        let mut bad = manifest.clone();
        bad.tokens.swap(0, 1);
        assert!(Manifest::decode(&bad.encode()).is_err());
        assert!(manifest.remove_token(1));
        assert!(!manifest.remove_token(1));

        // The quick slot's id round-trips; a bad presence byte is refused.
        manifest.quick = Some([7; 16]);
        let encoded = manifest.encode();
        assert_eq!(Manifest::decode(&encoded).unwrap(), manifest);
        for cut in 0..encoded.len() {
            assert!(Manifest::decode(&encoded[..cut]).is_err());
        }
        let mut bad = encoded.clone();
        bad[1 + 8 + 8 + 12] = 2;
        assert!(Manifest::decode(&bad).is_err());
    }

    #[test]
    fn a_version_1_manifest_names_no_quick_slot() {
        // Version 1 as written before quick slots were covered: no presence byte.
        let mut v1 = vec![1];
        v1.extend_from_slice(&5u64.to_be_bytes());
        v1.extend_from_slice(&3i64.to_be_bytes());
        v1.extend_from_slice(&[2; 12]);
        v1.extend_from_slice(&1u32.to_be_bytes());
        v1.extend_from_slice(&1i64.to_be_bytes());
        v1.extend_from_slice(&[8; 12]);
        let manifest = Manifest::decode(&v1).unwrap();
        assert_eq!(manifest.quick, None);
        assert_eq!(manifest.tokens, vec![(1, [8; 12])]);
        assert_eq!(manifest.encode()[0], MANIFEST_RECORD_V2);
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
