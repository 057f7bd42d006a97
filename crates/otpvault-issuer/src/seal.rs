//! Credential secrets sealed at rest with envelope encryption.
//!
//! - Each credential gets its own data key (32 random bytes). Its secret is stored as
//!   AES-256-GCM under that key, with the credential's id as associated data (a sealed secret
//!   moved to another row does not open).
//! - The data key is stored wrapped (AES-256-GCM) by a **key-encryption key** that never enters
//!   the database: a file (`--kek-file`, 64 hex digits, 0600) or `OTPVAULT_ISSUER_KEK`. The
//!   KEK's id (the first 8 bytes of its SHA-256, in hex) is stored with each credential.
//! - A node holds a [`Keyring`]: the first KEK seals new credentials; the others only open.
//!   Rotation without downtime: start the nodes with the new KEK first and the old one second,
//!   run `rotate-kek` (it re-wraps every data key under the new KEK, and seals secrets stored
//!   in clear before sealing was turned on), then drop the old KEK.
//! - Without any KEK, secrets are stored as they were before (the embedded default).

use crate::IssuerError;
use otpvault_core::activation::hex_encode;
use otpvault_core::crypto::aead;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;
use zeroize::Zeroizing;

/// A key-encryption key and its id.
#[derive(Clone)]
pub struct Kek {
    id: String,
    key: Zeroizing<[u8; 32]>,
}

/// Only the id.
impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kek({})", self.id)
    }
}

impl Kek {
    /// From 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, IssuerError> {
        let text = text.trim();
        let bad = || IssuerError::InvalidInput("a KEK is 64 hex digits (32 bytes)");
        if text.len() != 64 {
            return Err(bad());
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        let id = hex_encode(&Sha256::digest(key.as_slice())[..8]);
        Ok(Self { id, key })
    }

    /// From a file holding 64 hex digits, which only its owner may read.
    pub fn from_file(path: &Path) -> Result<Self, IssuerError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path)
                .map_err(|_| IssuerError::InvalidInput("the KEK file cannot be read"))?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(IssuerError::InvalidInput(
                    "the KEK file must be readable by its owner only (chmod 600)",
                ));
            }
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|_| IssuerError::InvalidInput("the KEK file cannot be read"))?,
        );
        Self::from_hex(&text)
    }

    /// A new random KEK as 64 hex digits.
    pub fn generate_hex() -> Result<Zeroizing<String>, IssuerError> {
        Ok(Zeroizing::new(hex_encode(&crate::random::<32>()?)))
    }

    /// The id stored with the credentials it wraps.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The KEKs a node holds: the first seals, all open.
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    keks: Vec<Kek>,
}

/// A secret as stored: the bytes, and for a sealed one the KEK id and the wrapped data key.
pub(crate) struct Stored {
    pub secret: Vec<u8>,
    pub kek_id: Option<String>,
    pub wrapped_key: Option<Vec<u8>>,
}

const DEK_AAD: &[u8] = b"otpvault-issuer data key v1\0";

fn dek_aad(kek_id: &str, credential_id: &str) -> Vec<u8> {
    [DEK_AAD, kek_id.as_bytes(), b"\0", credential_id.as_bytes()].concat()
}

fn sealed(_: aead::SealError) -> IssuerError {
    IssuerError::Rng
}

impl Keyring {
    /// A keyring of these KEKs, the first one current.
    pub fn new(keks: Vec<Kek>) -> Self {
        Self { keks }
    }

    /// Whether new secrets are sealed.
    pub fn is_empty(&self) -> bool {
        self.keks.is_empty()
    }

    /// The KEK that seals new secrets.
    pub fn current(&self) -> Option<&Kek> {
        self.keks.first()
    }

    fn find(&self, id: &str) -> Option<&Kek> {
        self.keks.iter().find(|k| k.id == id)
    }

    /// How `secret` of credential `credential_id` is stored: sealed under a new data key wrapped
    /// by the current KEK, or as it is without one.
    pub(crate) fn seal(&self, credential_id: &str, secret: &[u8]) -> Result<Stored, IssuerError> {
        let Some(kek) = self.current() else {
            return Ok(Stored {
                secret: secret.to_vec(),
                kek_id: None,
                wrapped_key: None,
            });
        };
        let dek = Zeroizing::new(crate::random::<32>()?);
        let secret = aead::seal(&dek, credential_id.as_bytes(), secret).map_err(sealed)?;
        let wrapped = aead::seal(&kek.key, &dek_aad(&kek.id, credential_id), dek.as_slice())
            .map_err(sealed)?;
        Ok(Stored {
            secret,
            kek_id: Some(kek.id.clone()),
            wrapped_key: Some(wrapped),
        })
    }

    fn data_key(
        &self,
        credential_id: &str,
        kek_id: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, IssuerError> {
        let kek = self.find(kek_id).ok_or(IssuerError::Sealed(
            "the credential is sealed under a KEK this node does not hold",
        ))?;
        let dek = aead::open(&kek.key, &dek_aad(kek_id, credential_id), wrapped)
            .map_err(|_| IssuerError::Sealed("a wrapped data key does not open"))?;
        let dek: [u8; 32] = dek
            .as_slice()
            .try_into()
            .map_err(|_| IssuerError::Sealed("a data key has the wrong length"))?;
        Ok(Zeroizing::new(dek))
    }

    /// The secret of a stored credential.
    pub(crate) fn open(
        &self,
        credential_id: &str,
        stored: &[u8],
        kek_id: Option<&str>,
        wrapped: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, IssuerError> {
        match (kek_id, wrapped) {
            (None, None) => Ok(Zeroizing::new(stored.to_vec())),
            (Some(kek_id), Some(wrapped)) => {
                let dek = self.data_key(credential_id, kek_id, wrapped)?;
                aead::open(&dek, credential_id.as_bytes(), stored)
                    .map_err(|_| IssuerError::Sealed("a sealed secret does not open"))
            }
            _ => Err(IssuerError::Sealed("a credential is half sealed")),
        }
    }

    /// The credential re-sealed for the current KEK: the data key re-wrapped (the sealed secret
    /// is unchanged), or a secret stored in clear sealed. `None` when it is already current.
    pub(crate) fn rewrap(
        &self,
        credential_id: &str,
        stored: &[u8],
        kek_id: Option<&str>,
        wrapped: Option<&[u8]>,
    ) -> Result<Option<Stored>, IssuerError> {
        let current = self.current().ok_or(IssuerError::InvalidInput(
            "rotate-kek needs a KEK (--kek-file or OTPVAULT_ISSUER_KEK)",
        ))?;
        match (kek_id, wrapped) {
            (Some(id), _) if id == current.id => Ok(None),
            (Some(id), Some(wrapped)) => {
                let dek = self.data_key(credential_id, id, wrapped)?;
                let wrapped = aead::seal(
                    &current.key,
                    &dek_aad(&current.id, credential_id),
                    dek.as_slice(),
                )
                .map_err(sealed)?;
                Ok(Some(Stored {
                    secret: stored.to_vec(),
                    kek_id: Some(current.id.clone()),
                    wrapped_key: Some(wrapped),
                }))
            }
            (None, None) => self.seal(credential_id, stored).map(Some),
            _ => Err(IssuerError::Sealed("a credential is half sealed")),
        }
    }
}

/// What `rotate-kek` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Data keys re-wrapped under the current KEK.
    pub rewrapped: u64,
    /// Secrets that were in clear, now sealed.
    pub sealed: u64,
}

impl crate::Issuer {
    /// Re-seals every credential for the keyring's current KEK: data keys wrapped by another
    /// KEK of the keyring are re-wrapped (the sealed secrets stay as they are), secrets stored
    /// in clear are sealed. Row by row, each a compare-and-swap on what was read, so nodes go
    /// on serving meanwhile; run it again until it reports nothing left.
    pub fn rotate_kek(&mut self) -> Result<Rotation, IssuerError> {
        use crate::args;
        use crate::db::Sql;
        let current = self
            .config
            .keys
            .current()
            .ok_or(IssuerError::InvalidInput(
                "rotate-kek needs a KEK (--kek-file or OTPVAULT_ISSUER_KEK)",
            ))?
            .id()
            .to_owned();
        let mut done = Rotation::default();
        let mut after = String::new();
        loop {
            let rows = self.db.query_all(
                "SELECT id, secret, kek_id, wrapped_key FROM credentials
                 WHERE id > ?1 AND (kek_id IS NULL OR kek_id <> ?2) ORDER BY id LIMIT 100",
                args![&after, &current],
            )?;
            let Some(last) = rows.last() else {
                return Ok(done);
            };
            after = last.text(0)?;
            for row in &rows {
                let id = row.text(0)?;
                let stored = Zeroizing::new(row.blob(1)?);
                let kek_id = row.opt_text(2)?;
                let wrapped = row.opt_blob(3)?;
                let Some(new) =
                    self.config
                        .keys
                        .rewrap(&id, &stored, kek_id.as_deref(), wrapped.as_deref())?
                else {
                    continue;
                };
                let changed = self.db.execute(
                    "UPDATE credentials SET secret = ?1, kek_id = ?2, wrapped_key = ?3
                     WHERE id = ?4 AND secret = ?5
                     AND (kek_id = ?6 OR (kek_id IS NULL AND ?6 IS NULL))",
                    args![
                        new.secret.as_slice(),
                        new.kek_id.clone(),
                        new.wrapped_key.clone(),
                        &id,
                        stored.as_slice(),
                        kek_id.clone()
                    ],
                )?;
                if changed == 1 {
                    if kek_id.is_some() {
                        done.rewrapped += 1;
                    } else {
                        done.sealed += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek(byte: u8) -> Kek {
        Kek::from_hex(&hex_encode(&[byte; 32])).unwrap()
    }

    #[test]
    fn sealed_secrets_open_only_with_their_kek_and_row() {
        let ring = Keyring::new(vec![kek(1)]);
        let stored = ring.seal("c1", b"12345678901234567890").unwrap();
        assert_ne!(stored.secret, b"12345678901234567890");
        let (id, wrapped) = (stored.kek_id.as_deref(), stored.wrapped_key.as_deref());
        assert_eq!(
            ring.open("c1", &stored.secret, id, wrapped)
                .unwrap()
                .as_slice(),
            b"12345678901234567890"
        );
        // Another row, another KEK, a changed byte: refused.
        assert!(ring.open("c2", &stored.secret, id, wrapped).is_err());
        assert!(
            Keyring::new(vec![kek(2)])
                .open("c1", &stored.secret, id, wrapped)
                .is_err()
        );
        let mut tampered = stored.secret.clone();
        tampered[14] ^= 1;
        assert!(ring.open("c1", &tampered, id, wrapped).is_err());
        // Rotation re-wraps under the new KEK; the old one is then no longer needed.
        let both = Keyring::new(vec![kek(2), kek(1)]);
        let moved = both
            .rewrap("c1", &stored.secret, id, wrapped)
            .unwrap()
            .unwrap();
        let new_only = Keyring::new(vec![kek(2)]);
        assert_eq!(
            new_only
                .open(
                    "c1",
                    &moved.secret,
                    moved.kek_id.as_deref(),
                    moved.wrapped_key.as_deref()
                )
                .unwrap()
                .as_slice(),
            b"12345678901234567890"
        );
        assert!(
            both.rewrap(
                "c1",
                &moved.secret,
                moved.kek_id.as_deref(),
                moved.wrapped_key.as_deref()
            )
            .unwrap()
            .is_none()
        );
        assert!(!format!("{:?}", kek(1)).contains("0101"));
    }
}
