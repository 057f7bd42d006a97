//! Moving out: the vault's tokens in formats other apps read, so users can always leave.
//!
//! - [`aegis`]: Aegis's vault JSON (the format its importer documents), plain or encrypted with a
//!   password slot (scrypt N = 2^15, r = 8, p = 1 → AES-256-GCM of a random master key, which
//!   seals `db` with AES-256-GCM), exactly the shape [`crate::import::aegis`] reads;
//! - [`google`]: Google Authenticator transfer QR payloads, `otpauth-migration://offline?data=…`,
//!   split into batches small enough for one QR code each, with batch index, size and id set.
//!   Google's format has no period and only 6 or 8 digits: tokens it cannot hold are reported,
//!   never written wrong.
//!
//! otpvault's own encrypted backup is [`crate::backup`].

use serde_json::{Value, json};
use zeroize::Zeroizing;

use otpvault_crypto::secret_json::SecretJson;

use otpvault_codes::otp::Algorithm;
use otpvault_codes::token::{OtpKind, Token};

use crate::import::ImportError;

/// Why an export or a backup could not be written. Like every error of otpvault, none of them
/// carries a secret, a passphrase or a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The passphrase chosen for an encrypted export is too easy to guess (estimated score below
    /// 3 of 4); `hint` is advice for the person, never the passphrase.
    #[error("the passphrase is too easy to guess (strength {score} of 4, needs 3)")]
    WeakPassphrase {
        /// The estimated score, 0–4 (zxcvbn's scale).
        score: u8,
        /// Advice for the person.
        hint: Option<String>,
    },
    /// The operating system's random generator failed (or a buffer could not be written).
    #[error("the system random generator failed")]
    Rng,
    /// The key derivation parameters asked for were refused.
    #[error("{0}")]
    Kdf(ImportError),
}

impl From<crate::backup::WeakPassphrase> for ExportError {
    fn from(weak: crate::backup::WeakPassphrase) -> Self {
        ExportError::WeakPassphrase {
            score: weak.score,
            hint: weak.hint,
        }
    }
}

impl From<otpvault_crypto::aead::SealError> for ExportError {
    fn from(_: otpvault_crypto::aead::SealError) -> Self {
        // Exports are capped far below what one AES-GCM nonce can seal: only the RNG can fail.
        ExportError::Rng
    }
}

/// Everything an export writes, read from the vault with one PIN check
/// (the vault's `export_snapshot`): each format is then made from it without touching the
/// vault again, so an export costs one KDF run whatever it writes and reports.
pub struct Snapshot {
    /// Every token, decrypted, in display order.
    pub tokens: Vec<Token>,
    /// What was organised about each token: `details[i]` is `tokens[i]`'s (may be shorter:
    /// missing ones are empty).
    pub details: Vec<crate::details::Details>,
    /// The time correction and the policy (carried by otpvault's backup).
    pub settings: crate::backup::BackupSettings,
}

impl Snapshot {
    /// Every token as a canonical `otpauth://` URI.
    pub fn uris(&self) -> Vec<Zeroizing<String>> {
        self.tokens.iter().map(otpvault_codes::uri::build).collect()
    }

    /// The strength check of an export passphrase ([`crate::strength`]), with the vault's names as
    /// words it must not use.
    pub fn check_passphrase(&self, passphrase: &str) -> Result<(), ExportError> {
        let names: Vec<&str> = self
            .tokens
            .iter()
            .flat_map(|t| [t.issuer(), t.account()])
            .filter(|n| !n.is_empty())
            .take(200)
            .collect();
        Ok(crate::backup::check_passphrase(passphrase, &names)?)
    }

    /// otpvault's encrypted backup ([`crate::backup`]); the passphrase must reach the
    /// score 3.
    pub fn backup(
        &self,
        passphrase: &str,
        kdf: crate::backup::BackupKdf,
    ) -> Result<Vec<u8>, ExportError> {
        self.check_passphrase(passphrase)?;
        crate::backup::seal(&self.tokens, &self.details, self.settings, passphrase, kdf)
    }

    /// An Aegis vault file, encrypted with `password` when given (checked like a backup
    /// passphrase).
    pub fn aegis(&self, password: Option<&str>) -> Result<Zeroizing<String>, ExportError> {
        if let Some(password) = password {
            self.check_passphrase(password)?;
        }
        aegis::write(&self.tokens, &self.details, password)
    }

    /// Google Authenticator transfer URIs, and the tokens Google cannot hold.
    pub fn google(&self) -> Result<google::Transfer, ExportError> {
        google::write(&self.tokens)
    }
}

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    otpvault_crypto::encoding::hex_encode(bytes)
}

/// A random RFC 4122 version-4 UUID (Aegis gives every entry and slot one).
fn uuid() -> Result<String, ExportError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| ExportError::Rng)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// Aegis's vault format.
pub mod aegis {
    use super::*;
    use crate::details::Details;

    /// scrypt cost of the password slot: Aegis's own parameters.
    pub const SCRYPT_LOG_N: u8 = 15;
    const SCRYPT_R: u32 = 8;
    const SCRYPT_P: u32 = 1;

    // The trees are assembled by moving values in (`tree["key"] = value`), never with a tree
    // inside `json!`, which serialises a copy and drops the original unwiped.
    fn entry(
        token: &Token,
        details: &Details,
        group_uuids: &[(String, String)],
    ) -> Result<Value, ExportError> {
        let groups: Vec<&str> = details
            .groups
            .iter()
            .filter_map(|name| {
                group_uuids
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, uuid)| uuid.as_str())
            })
            .collect();
        let mut entry = json!({
            "uuid": uuid()?,
            "name": token.account(),
            "issuer": token.issuer(),
            "note": details.note,
            "favorite": details.favourite,
            "icon": null,
            "icon_mime": null,
            "groups": groups,
        });
        if let Some(icon) = &details.icon {
            entry["icon"] = base64_encode(icon.bytes()).into();
            entry["icon_mime"] = icon.kind().mime().into();
        }
        let mut info = json!({
            "secret": token.secret().to_base32().as_str(),
            "algo": token.algorithm().as_str(),
            "digits": token.digits(),
        });
        entry["type"] = match token.kind() {
            OtpKind::Totp { period } => {
                info["period"] = period.into();
                "totp".into()
            }
            OtpKind::Hotp { counter } => {
                info["counter"] = counter.into();
                "hotp".into()
            }
            OtpKind::Steam => {
                info["period"] = 30.into();
                info["digits"] = 5.into();
                "steam".into()
            }
        };
        entry["info"] = info;
        Ok(entry)
    }

    fn db(tokens: &[Token], details: &[Details]) -> Result<SecretJson, ExportError> {
        let none = Details::default();
        let details_of = |i: usize| details.get(i).unwrap_or(&none);
        // One uuid per group name, in the order the groups first appear.
        let mut group_uuids: Vec<(String, String)> = Vec::new();
        for name in (0..tokens.len()).flat_map(|i| details_of(i).groups.iter()) {
            if !group_uuids.iter().any(|(n, _)| n == name) {
                group_uuids.push((name.clone(), uuid()?));
            }
        }
        let mut db = SecretJson::new(json!({"version": 3, "entries": [], "groups": []}));
        for (i, token) in tokens.iter().enumerate() {
            let entry = entry(token, details_of(i), &group_uuids)?;
            if let Some(entries) = db["entries"].as_array_mut() {
                entries.push(entry);
            }
        }
        if let Some(groups) = db["groups"].as_array_mut() {
            for (name, uuid) in group_uuids {
                groups.push(json!({"uuid": uuid, "name": name}));
            }
        }
        Ok(db)
    }

    /// `nonce`, `ciphertext`, `tag`.
    type Sealed = (Vec<u8>, Vec<u8>, Vec<u8>);

    /// AES-256-GCM without associated data, the parts apart as Aegis stores them.
    fn gcm(key: &[u8; 32], plain: &[u8]) -> Result<Sealed, ExportError> {
        let blob = otpvault_crypto::aead::seal(key, b"", plain)?;
        let (nonce, rest) = blob.split_at(12);
        let (ciphertext, tag) = rest.split_at(rest.len() - 16);
        Ok((nonce.to_vec(), ciphertext.to_vec(), tag.to_vec()))
    }

    /// The tokens (in display order) as an Aegis vault file; encrypted with `password` when
    /// given (check its strength first: [`crate::backup::check_passphrase`]).
    pub fn write(
        tokens: &[Token],
        details: &[Details],
        password: Option<&str>,
    ) -> Result<Zeroizing<String>, ExportError> {
        let Some(password) = password else {
            let mut doc = SecretJson::new(json!({
                "version": 1,
                "header": {"slots": null, "params": null},
            }));
            doc["db"] = std::mem::take(&mut *db(tokens, details)?);
            return doc.pretty().map_err(|_| ExportError::Rng);
        };
        let mut master = Zeroizing::new([0u8; 32]);
        let mut salt = [0u8; 32];
        getrandom::fill(master.as_mut_slice()).map_err(|_| ExportError::Rng)?;
        getrandom::fill(&mut salt).map_err(|_| ExportError::Rng)?;
        let params =
            scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P).map_err(|_| ExportError::Rng)?;
        let mut derived = Zeroizing::new([0u8; 32]);
        scrypt::scrypt(password.as_bytes(), &salt, &params, derived.as_mut_slice())
            .map_err(|_| ExportError::Rng)?;
        let (key_nonce, sealed_key, key_tag) = gcm(&derived, master.as_slice())?;
        let plain = db(tokens, details)?.text().map_err(|_| ExportError::Rng)?;
        let (db_nonce, sealed_db, db_tag) = gcm(&master, plain.as_bytes())?;
        let doc = json!({
            "version": 1,
            "header": {
                "slots": [{
                    "type": 1,
                    "uuid": uuid()?,
                    "key": hex(&sealed_key),
                    "key_params": {"nonce": hex(&key_nonce), "tag": hex(&key_tag)},
                    "n": 1u32 << SCRYPT_LOG_N,
                    "r": SCRYPT_R,
                    "p": SCRYPT_P,
                    "salt": hex(&salt),
                    "repaired": true,
                    "is_backup": false,
                }],
                "params": {"nonce": hex(&db_nonce), "tag": hex(&db_tag)},
            },
            "db": base64_encode(&sealed_db),
        });
        Ok(Zeroizing::new(
            serde_json::to_string_pretty(&doc).map_err(|_| ExportError::Rng)?,
        ))
    }
}

/// Google Authenticator's transfer format.
pub mod google {
    use super::*;

    /// Most protobuf bytes per batch: about 1.1 KB of URI, a QR code of version ~25 at level M
    /// that phone cameras read from a screen (Google's own app puts about 10 accounts in one).
    pub const MAX_BATCH_BYTES: usize = 800;
    /// Most accounts per batch.
    pub const MAX_BATCH_ENTRIES: usize = 10;

    /// Why a token cannot be written in Google's format.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Unsupported {
        /// Google's format has no period: only 30 s TOTP.
        Period,
        /// Only 6 or 8 digits.
        Digits,
        /// Steam codes.
        Steam,
    }

    impl Unsupported {
        /// A stable snake_case name.
        pub fn name(self) -> &'static str {
            match self {
                Unsupported::Period => "period_not_30",
                Unsupported::Digits => "digits_not_6_or_8",
                Unsupported::Steam => "steam",
            }
        }
    }

    /// The transfer URIs and the tokens left out (their display index and why).
    #[derive(Debug, Default)]
    pub struct Transfer {
        /// One `otpauth-migration://offline?data=…` URI per batch.
        pub uris: Vec<Zeroizing<String>>,
        /// Tokens Google's format cannot hold: (index in the list, reason).
        pub left_out: Vec<(usize, Unsupported)>,
    }

    use otpvault_crypto::encoding::leb128 as varint;

    fn field_bytes(out: &mut Vec<u8>, number: u64, bytes: &[u8]) {
        varint(out, number << 3 | 2);
        varint(out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }

    fn field_varint(out: &mut Vec<u8>, number: u64, value: u64) {
        varint(out, number << 3);
        varint(out, value);
    }

    /// One `OtpParameters` message, or why the token cannot be one.
    fn parameters(token: &Token) -> Result<Zeroizing<Vec<u8>>, Unsupported> {
        let (kind, counter) = match token.kind() {
            OtpKind::Totp { period: 30 } => (2, None),
            OtpKind::Totp { .. } => return Err(Unsupported::Period),
            OtpKind::Hotp { counter } => (1, Some(counter)),
            OtpKind::Steam => return Err(Unsupported::Steam),
        };
        let digits = match token.digits() {
            6 => 1,
            8 => 2,
            _ => return Err(Unsupported::Digits),
        };
        let algorithm = match token.algorithm() {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        };
        // Room for every field at its longest (tag and length varints of 10 bytes): the buffer
        // never grows, so no copy of the secret is freed unwiped.
        let (secret, account, issuer) = (
            token.secret().expose(),
            token.account().as_bytes(),
            token.issuer().as_bytes(),
        );
        let mut out = Zeroizing::new(Vec::with_capacity(
            secret.len() + account.len() + issuer.len() + 7 * 11,
        ));
        field_bytes(&mut out, 1, secret);
        field_bytes(&mut out, 2, account);
        field_bytes(&mut out, 3, issuer);
        field_varint(&mut out, 4, algorithm);
        field_varint(&mut out, 5, digits);
        field_varint(&mut out, 6, kind);
        if let Some(counter) = counter {
            field_varint(&mut out, 7, counter);
        }
        Ok(out)
    }

    /// Appends `text` percent-encoded (RFC 3986 unreserved characters kept).
    fn percent_encode(out: &mut String, text: &str) {
        for b in text.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(char::from(b));
                }
                _ => {
                    const HEX: &[u8; 16] = b"0123456789ABCDEF";
                    out.push('%');
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 15)]));
                }
            }
        }
    }

    /// The tokens (in display order) as transfer URIs, batched for QR codes.
    pub fn write(tokens: &[Token]) -> Result<Transfer, ExportError> {
        let mut transfer = Transfer::default();
        let mut batches: Vec<Vec<Zeroizing<Vec<u8>>>> = Vec::new();
        let mut current: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        let mut size = 0;
        for (index, token) in tokens.iter().enumerate() {
            match parameters(token) {
                Err(reason) => transfer.left_out.push((index, reason)),
                Ok(message) => {
                    let cost = message.len() + 3;
                    if !current.is_empty()
                        && (size + cost > MAX_BATCH_BYTES || current.len() == MAX_BATCH_ENTRIES)
                    {
                        batches.push(std::mem::take(&mut current));
                        size = 0;
                    }
                    size += cost;
                    current.push(message);
                }
            }
        }
        if !current.is_empty() {
            batches.push(current);
        }
        let mut id = [0u8; 4];
        getrandom::fill(&mut id).map_err(|_| ExportError::Rng)?;
        let batch_id = u64::from(u32::from_be_bytes(id) & 0x7fff_ffff);
        let count = batches.len() as u64;
        for (index, batch) in batches.iter().enumerate() {
            // At its longest, as in `parameters`: never grown.
            let mut payload = Zeroizing::new(Vec::with_capacity(
                batch.iter().map(|m| m.len() + 11).sum::<usize>() + 4 * 11,
            ));
            for message in batch {
                field_bytes(&mut payload, 1, message);
            }
            field_varint(&mut payload, 2, 1);
            field_varint(&mut payload, 3, count);
            field_varint(&mut payload, 4, index as u64);
            field_varint(&mut payload, 5, batch_id);
            let data = Zeroizing::new(base64_encode(&payload));
            // Every character percent-encoded at worst: never grown.
            let mut uri = Zeroizing::new(String::with_capacity(40 + data.len() * 3));
            uri.push_str("otpauth-migration://offline?data=");
            percent_encode(&mut uri, &data);
            transfer.uris.push(uri);
        }
        Ok(transfer)
    }
}
