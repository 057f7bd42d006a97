//! Zip archives that hold an export: Proton Pass's export (`Proton Pass/data.json`, its login
//! items' TOTP URIs, each vault's name as a group), WinAuth's zipped text export or any zip of one
//! file otpvault reads (read as that file). Authenticator Plus backups (a zip of a SQLCipher
//! database) and password-protected zips are refused by name.
//!
//! The reader is this module's own, for the two layouts zips use for such files: entries stored
//! or deflated, found through the central directory. Hostile archives are capped before
//! anything is inflated: at most [`MAX_ZIP_ENTRIES`] entries, each inflated into a buffer of the
//! size its header gives (at most [`super::MAX_IMPORT_BYTES`]) and refused if it holds more (a
//! zip bomb stops there), names and offsets checked against the file's length.

use serde_json::Value;
use zeroize::Zeroizing;

use super::{Candidate, ImportError, ImportFormat, SkipReason};
use otpvault_crypto::secret_json::SecretJson;

/// The most entries an archive may list.
pub const MAX_ZIP_ENTRIES: usize = 1000;
const PROTON_PASS_DATA: &str = "Proton Pass/data.json";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: "zip",
        what,
    }
}

/// One file of the archive, as the central directory lists it.
struct Entry<'a> {
    name: String,
    method: u16,
    encrypted: bool,
    data: &'a [u8],
    size: usize,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The archive's entries, from its end-of-central-directory record.
fn entries(bytes: &[u8]) -> Option<Vec<Entry<'_>>> {
    // The end record is 22 bytes plus a comment of at most 65,535.
    let earliest = bytes.len().saturating_sub(22 + 65_535);
    let end = (earliest..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&at| u32_at(bytes, at) == Some(0x0605_4b50))?;
    let count = usize::from(u16_at(bytes, end + 10)?);
    let mut at = usize::try_from(u32_at(bytes, end + 16)?).ok()?;
    if count > MAX_ZIP_ENTRIES {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(bytes, at)? != 0x0201_4b50 {
            return None;
        }
        let flags = u16_at(bytes, at + 8)?;
        let method = u16_at(bytes, at + 10)?;
        let compressed = usize::try_from(u32_at(bytes, at + 20)?).ok()?;
        let size = usize::try_from(u32_at(bytes, at + 24)?).ok()?;
        let name_len = usize::from(u16_at(bytes, at + 28)?);
        let extra_len = usize::from(u16_at(bytes, at + 30)?);
        let comment_len = usize::from(u16_at(bytes, at + 32)?);
        let local = usize::try_from(u32_at(bytes, at + 42)?).ok()?;
        let name = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + name_len)?).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        if u32_at(bytes, local)? != 0x0403_4b50 {
            return None;
        }
        let start = local
            + 30
            + usize::from(u16_at(bytes, local + 26)?)
            + usize::from(u16_at(bytes, local + 28)?);
        out.push(Entry {
            name,
            method,
            encrypted: flags & 1 != 0,
            data: bytes.get(start..start.checked_add(compressed)?)?,
            size,
        });
    }
    Some(out)
}

/// An entry's bytes, inflated (never beyond the import cap, whatever the header claims).
fn contents(entry: &Entry<'_>) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    if entry.size > super::MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            max: super::MAX_IMPORT_BYTES,
        });
    }
    match entry.method {
        0 => Ok(Zeroizing::new(entry.data.to_vec())),
        // Into a buffer of the size the headers give (checked above), allocated once: a growing
        // one would free copies of the secrets. More output than that is refused.
        8 => {
            let mut out = Zeroizing::new(vec![0u8; entry.size]);
            let written = miniz_oxide::inflate::decompress_slice_iter_to_slice(
                &mut out,
                std::iter::once(entry.data),
                false,
                true,
            )
            .map_err(|_| {
                unreadable("a compressed entry (larger than its header says, or damaged)")
            })?;
            out.truncate(written);
            Ok(out)
        }
        _ => Err(unreadable(
            "an entry compressed in a way zips for exports do not use",
        )),
    }
}

/// What a zip that is not an export is, when it can be named.
fn refusal(entries: &[Entry<'_>]) -> Option<&'static str> {
    if entries.iter().any(|e| e.name.ends_with("authplus.db")) {
        return Some(
            "an Authenticator Plus backup (a zip of a SQLCipher database, which otpvault does not open): export URIs from the app instead",
        );
    }
    if entries.iter().any(|e| e.encrypted) {
        return Some(
            "a password-protected zip (WinAuth's protected export?): otpvault does not open protected zips; export to text from the app instead",
        );
    }
    None
}

/// True for a zip archive.
pub fn looks_like(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads an export from a zip: Proton Pass's, or the one file it holds (read as its format).
pub fn read(
    bytes: &[u8],
    password: Option<&str>,
    asked: Option<ImportFormat>,
) -> Result<(ImportFormat, Vec<Candidate>), ImportError> {
    let entries = entries(bytes).ok_or(ImportError::NotAnExport {
        what: "a zip archive otpvault cannot read (its directory is damaged)",
    })?;
    if let Some(what) = refusal(&entries) {
        return Err(ImportError::NotAnExport { what });
    }
    if let Some(data) = entries.iter().find(|e| e.name == PROTON_PASS_DATA) {
        if asked.is_some_and(|f| f != ImportFormat::ProtonPass) {
            return Err(ImportError::Unreadable {
                format: "zip",
                what: "the file is not in this format",
            });
        }
        return Ok((
            ImportFormat::ProtonPass,
            read_proton_pass(&contents(data)?)?,
        ));
    }
    let files: Vec<&Entry<'_>> = entries.iter().filter(|e| !e.name.ends_with('/')).collect();
    match files.as_slice() {
        [only] => {
            let inner = contents(only)?;
            if looks_like(&inner) {
                return Err(unreadable("a zip inside a zip"));
            }
            super::read_as(&inner, password, asked)
        }
        _ => Err(ImportError::NotAnExport {
            what: "a zip archive that holds no export otpvault reads",
        }),
    }
}

/// The format of the export a zip holds: Proton Pass's, or that of its one file.
pub fn sniff(bytes: &[u8]) -> Option<ImportFormat> {
    let entries = entries(bytes)?;
    if refusal(&entries).is_some() {
        return None;
    }
    if entries.iter().any(|e| e.name == PROTON_PASS_DATA) {
        return Some(ImportFormat::ProtonPass);
    }
    let files: Vec<&Entry<'_>> = entries.iter().filter(|e| !e.name.ends_with('/')).collect();
    match files.as_slice() {
        [only] => {
            let inner = contents(only).ok()?;
            (!looks_like(&inner))
                .then(|| super::sniff(&inner))
                .flatten()
        }
        _ => None,
    }
}

/// Parses the zip bytes as a Proton Pass export (the per-format entry point).
pub fn read_proton_pass_zip(bytes: &[u8]) -> Result<Vec<Candidate>, ImportError> {
    let entries = entries(bytes).ok_or_else(|| unreadable("the zip's directory"))?;
    let data = entries
        .iter()
        .find(|e| e.name == PROTON_PASS_DATA)
        .ok_or_else(|| unreadable("no Proton Pass/data.json"))?;
    read_proton_pass(&contents(data)?)
}

/// Proton Pass's `data.json`: `{"vaults": {id: {"name", "items": [{"data": {"type": "login",
/// "metadata": {"name", "note"}, "content": {"itemUsername", "itemEmail", "totpUri"}}}]}}}`. Login
/// items with a TOTP URI are entries (the item's name as the issuer when the URI has none, its
/// username or email as the account when the URI has none); the vault's name becomes a group.
fn read_proton_pass(json: &[u8]) -> Result<Vec<Candidate>, ImportError> {
    let doc = SecretJson::parse(json).map_err(|_| ImportError::Unreadable {
        format: "Proton Pass",
        what: "data.json",
    })?;
    let vaults = doc["vaults"].as_object().ok_or(ImportError::Unreadable {
        format: "Proton Pass",
        what: "vaults",
    })?;
    let mut out = Vec::new();
    for vault in vaults.values() {
        let group = vault["name"].as_str().unwrap_or_default();
        for item in vault["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let data = &item["data"];
            let uri = data["content"]["totpUri"].as_str().unwrap_or_default();
            if data["type"].as_str() != Some("login") || uri.is_empty() {
                continue;
            }
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            let name = text(&data["metadata"]["name"]);
            let user = match text(&data["content"]["itemUsername"]) {
                user if user.is_empty() => text(&data["content"]["itemEmail"]),
                user => user,
            };
            let candidate = match otpvault_codes::uri::parse_exported(uri) {
                Ok(mut token) => {
                    let issuer = match token.issuer() {
                        "" => name.clone(),
                        issuer => issuer.to_owned(),
                    };
                    let account = match token.account() {
                        "" => user.clone(),
                        account => account.to_owned(),
                    };
                    match token.rename(&issuer, &account) {
                        Ok(()) => Candidate::token(token),
                        Err(_) => Candidate::skipped(&name, &user, SkipReason::InvalidEntry),
                    }
                }
                Err(err) => Candidate::skipped(&name, &user, SkipReason::from(err)),
            };
            let details = crate::details::Details::from_file(
                &[group],
                data["metadata"]["note"].as_str().unwrap_or_default(),
                None,
                false,
            );
            out.push(candidate.with_details(details));
            super::check_entries(out.len())?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

    use super::*;

    /// A one-entry zip written by hand: `data` as given (stored, or already deflated with
    /// `method` 8), `size` as the headers claim it.
    fn zip_of(name: &str, method: u16, data: &[u8], size: u32, flags: u16) -> Vec<u8> {
        let mut out = Vec::new();
        let header = |out: &mut Vec<u8>, central: bool| {
            out.extend_from_slice(if central {
                b"PK\x01\x02"
            } else {
                b"PK\x03\x04"
            });
            if central {
                out.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            out.extend_from_slice(&20u16.to_le_bytes()); // needed
            out.extend_from_slice(&flags.to_le_bytes());
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]); // time, date, crc
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                out.extend_from_slice(&[0; 12]); // comment, disk, attributes
                out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
            }
            out.extend_from_slice(name.as_bytes());
        };
        header(&mut out, false);
        out.extend_from_slice(data);
        let directory = out.len();
        header(&mut out, true);
        let directory_len = out.len() - directory;
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&(directory_len as u32).to_le_bytes());
        out.extend_from_slice(&(directory as u32).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn a_zipped_list_is_read_and_a_zip_bomb_stops_at_the_cap() {
        let list = b"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\n";
        let stored = zip_of("list.txt", 0, list, list.len() as u32, 0);
        let (format, read) = super::super::read(&stored, None).unwrap();
        assert_eq!(format, ImportFormat::UriList);
        assert_eq!(read.len(), 1);
        let deflated = miniz_oxide::deflate::compress_to_vec(list, 6);
        let zipped = zip_of("list.txt", 8, &deflated, list.len() as u32, 0);
        assert_eq!(super::super::read(&zipped, None).unwrap().1.len(), 1);

        // 17 MiB of zeros deflate to a few KiB; the headers lie about the size. Inflating stops
        // at the 16 MiB cap: refused, never allocated beyond it.
        let bomb = vec![0u8; super::super::MAX_IMPORT_BYTES + 1024 * 1024];
        let deflated = miniz_oxide::deflate::compress_to_vec(&bomb, 6);
        assert!(deflated.len() < 64 * 1024);
        let zipped = zip_of("list.txt", 8, &deflated, 100, 0);
        assert!(super::super::read(&zipped, None).is_err());
        // Claimed too large: refused before inflating.
        let zipped = zip_of("list.txt", 8, &deflated, u32::MAX, 0);
        assert!(matches!(
            super::super::read(&zipped, None),
            Err(ImportError::TooLarge { .. })
        ));
        // Encrypted: named, whatever the password.
        let zipped = zip_of("list.txt", 0, list, list.len() as u32, 1);
        assert!(matches!(
            super::super::read(&zipped, Some("x")),
            Err(ImportError::NotAnExport { .. })
        ));
        // Truncated anywhere: an error, never a panic.
        for cut in 0..stored.len() {
            let _ = super::super::read(&stored[..cut], None);
        }
    }
}
