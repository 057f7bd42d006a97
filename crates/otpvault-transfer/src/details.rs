//! What people organise about an entry beside its code: groups (tags, many per entry), a note, an
//! icon and a favourite mark. Importers carry them across where their format has them, the Aegis
//! export and the backup write them back, and the vault seals them with the token.
//!
//! Every value is checked on the way in, whoever supplies it (a file, the app, the CLI): names
//! and notes lose control and bidirectional-text characters and are capped in length; an icon is
//! a PNG, JPEG, WebP or SVG by its own bytes (a claimed type is never trusted) of at most
//! [`MAX_ICON_BYTES`]. The core never decodes or renders an icon.

use otpvault_codes::token::is_stripped_from_names;

/// The largest icon kept (bytes). Aegis's own icons are SVGs of a few KiB.
pub const MAX_ICON_BYTES: usize = 64 * 1024;
/// The most groups one entry belongs to.
pub const MAX_GROUPS: usize = 32;
/// The longest group name (characters).
pub const MAX_GROUP_LEN: usize = 64;
/// The longest note (bytes of UTF-8).
pub const MAX_NOTE_BYTES: usize = 4096;

/// An icon's image type, as its bytes show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconKind {
    /// PNG (`\x89PNG\r\n\x1a\n`).
    Png,
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// WebP (`RIFF….WEBP`).
    Webp,
    /// SVG (UTF-8 text whose first element is `<svg`).
    Svg,
}

impl IconKind {
    /// The MIME type (`image/png`, `image/jpeg`, `image/webp`, `image/svg+xml`).
    pub fn mime(self) -> &'static str {
        match self {
            IconKind::Png => "image/png",
            IconKind::Jpeg => "image/jpeg",
            IconKind::Webp => "image/webp",
            IconKind::Svg => "image/svg+xml",
        }
    }

    /// A stable short name (`png`, `jpeg`, `webp`, `svg`).
    pub fn name(self) -> &'static str {
        match self {
            IconKind::Png => "png",
            IconKind::Jpeg => "jpeg",
            IconKind::Webp => "webp",
            IconKind::Svg => "svg",
        }
    }

    /// The byte the vault's record stores for this type.
    pub fn code(self) -> u8 {
        match self {
            IconKind::Png => 1,
            IconKind::Jpeg => 2,
            IconKind::Webp => 3,
            IconKind::Svg => 4,
        }
    }

    /// The type [`IconKind::code`] names.
    pub fn from_code(code: u8) -> Option<Self> {
        [IconKind::Png, IconKind::Jpeg, IconKind::Webp, IconKind::Svg]
            .into_iter()
            .find(|k| k.code() == code)
    }

    /// The type of `bytes`, by their own signature.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(IconKind::Png);
        }
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            return Some(IconKind::Jpeg);
        }
        if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            return Some(IconKind::Webp);
        }
        is_svg(bytes).then_some(IconKind::Svg)
    }
}

/// UTF-8 text whose first element (after a BOM, whitespace, an XML declaration, comments and a
/// doctype) is `<svg`.
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if rest.starts_with("<svg") {
            return true;
        }
        let skip = if rest.starts_with("<?") {
            rest.find("?>").map(|at| at + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|at| at + 3)
        } else if rest.starts_with("<!") {
            rest.find('>').map(|at| at + 1)
        } else {
            None
        };
        match skip {
            Some(at) => rest = rest[at..].trim_start(),
            None => return false,
        }
    }
}

/// An entry's icon: its bytes and the type they show.
#[derive(Clone, PartialEq, Eq)]
pub struct Icon {
    kind: IconKind,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Icon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Icon({}, {} bytes)", self.kind.name(), self.bytes.len())
    }
}

/// Why an icon or a group is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DetailsError {
    /// Larger than [`MAX_ICON_BYTES`].
    #[error("the icon is larger than 64 KiB")]
    IconTooLarge,
    /// Not a PNG, JPEG, WebP or SVG.
    #[error("the icon is not a PNG, JPEG, WebP or SVG image")]
    IconType,
    /// More than [`MAX_GROUPS`] groups.
    #[error("an entry belongs to at most 32 groups")]
    TooManyGroups,
    /// A note longer than [`MAX_NOTE_BYTES`].
    #[error("the note is longer than 4096 bytes")]
    NoteTooLong,
}

impl Icon {
    /// An icon from its bytes, typed by their signature.
    pub fn new(bytes: Vec<u8>) -> Result<Self, DetailsError> {
        if bytes.len() > MAX_ICON_BYTES {
            return Err(DetailsError::IconTooLarge);
        }
        let kind = IconKind::sniff(&bytes).ok_or(DetailsError::IconType)?;
        Ok(Icon { kind, bytes })
    }

    /// The image type.
    pub fn kind(&self) -> IconKind {
        self.kind
    }

    /// The image's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// What a person organised about one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    /// Groups (tags), in the order given, each once.
    pub groups: Vec<String>,
    /// A free-form note.
    pub note: String,
    /// An icon.
    pub icon: Option<Icon>,
    /// Marked as a favourite (pinned).
    pub favourite: bool,
}

/// `text` without control or bidirectional-text characters, trimmed.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !is_stripped_from_names(*c))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A group name as kept: cleaned, at most [`MAX_GROUP_LEN`] characters; `None` when empty.
pub fn group_name(name: &str) -> Option<String> {
    let name: String = clean(name).chars().take(MAX_GROUP_LEN).collect();
    let name = name.trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// A note as kept: control characters other than line breaks and tabs removed, bidirectional
/// controls removed, trailing space trimmed.
pub fn note_text(note: &str) -> Result<String, DetailsError> {
    let kept: String = note
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_stripped_from_names(c))
        .collect();
    let kept = kept.trim_end().to_owned();
    if kept.len() > MAX_NOTE_BYTES {
        return Err(DetailsError::NoteTooLong);
    }
    Ok(kept)
}

impl Details {
    /// Nothing organised.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.note.is_empty() && self.icon.is_none() && !self.favourite
    }

    /// Sets the groups: names cleaned, empty ones dropped, each kept once (ignoring case).
    pub fn set_groups<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), DetailsError> {
        let mut groups: Vec<String> = Vec::new();
        for name in names.iter().filter_map(|n| group_name(n.as_ref())) {
            if !groups
                .iter()
                .any(|g| g.to_lowercase() == name.to_lowercase())
            {
                groups.push(name);
            }
        }
        if groups.len() > MAX_GROUPS {
            return Err(DetailsError::TooManyGroups);
        }
        self.groups = groups;
        Ok(())
    }

    /// Sets the note (see [`note_text`]).
    pub fn set_note(&mut self, note: &str) -> Result<(), DetailsError> {
        self.note = note_text(note)?;
        Ok(())
    }

    /// What an importer found, kept as far as it is valid: a group list past the cap is cut, a
    /// note past the cap is cut at a character boundary, an icon that is too large or of another
    /// type is dropped (the entry itself is still imported).
    pub fn from_file<S: AsRef<str>>(
        groups: &[S],
        note: &str,
        icon: Option<Vec<u8>>,
        favourite: bool,
    ) -> Self {
        let mut details = Details {
            favourite,
            ..Details::default()
        };
        let kept: Vec<&str> = groups.iter().map(AsRef::as_ref).collect();
        let mut limit = kept.len();
        while details.set_groups(&kept[..limit]).is_err() && limit > 0 {
            limit -= 1;
        }
        let mut note: String = note.to_owned();
        while details.set_note(&note).is_err() {
            let mut cut = MAX_NOTE_BYTES.min(note.len().saturating_sub(1));
            while !note.is_char_boundary(cut) {
                cut -= 1;
            }
            note.truncate(cut);
        }
        details.icon = icon.and_then(|bytes| Icon::new(bytes).ok());
        details
    }
}

/// The JSON fields the backup writes for `details` (`groups`, `note`, `favourite`, and the icon
/// as base64 in `icon` with its MIME type in `icon_type`), added to `entry`.
pub fn write_json(details: &Details, entry: &mut serde_json::Value) {
    entry["groups"] = details.groups.clone().into();
    entry["note"] = details.note.clone().into();
    entry["favourite"] = details.favourite.into();
    if let Some(icon) = &details.icon {
        entry["icon"] = crate::export::base64_encode(icon.bytes()).into();
        entry["icon_type"] = icon.kind().mime().into();
    }
}

/// Reads back what [`write_json`] wrote (each field optional).
pub fn read_json(entry: &serde_json::Value) -> Details {
    let groups: Vec<&str> = entry["groups"]
        .as_array()
        .map(|g| g.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    Details::from_file(
        &groups,
        entry["note"].as_str().unwrap_or_default(),
        base64_icon(&entry["icon"]),
        entry["favourite"].as_bool().unwrap_or(false),
    )
}

/// An icon given as base64 text (no longer than an icon's cap allows).
pub(crate) fn base64_icon(value: &serde_json::Value) -> Option<Vec<u8>> {
    value
        .as_str()
        .filter(|text| text.len() <= MAX_ICON_BYTES * 4 / 3 + 4)
        .and_then(|text| crate::import::google::base64_decode(text.as_bytes()))
        .map(|bytes| bytes.to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

    use super::*;

    #[test]
    fn icons_are_typed_by_their_bytes_and_capped() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        assert_eq!(Icon::new(png).unwrap().kind(), IconKind::Png);
        assert_eq!(
            Icon::new(vec![0xff, 0xd8, 0xff, 0xe0]).unwrap().kind(),
            IconKind::Jpeg
        );
        assert_eq!(
            Icon::new(b"RIFF\x10\0\0\0WEBPVP8 ".to_vec())
                .unwrap()
                .kind(),
            IconKind::Webp
        );
        let svg = "\u{feff}<?xml version=\"1.0\"?>\n<!-- x -->\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(Icon::new(svg.into()).unwrap().kind(), IconKind::Svg);
        assert_eq!(
            Icon::new(b"<html><svg/></html>".to_vec()),
            Err(DetailsError::IconType)
        );
        assert_eq!(Icon::new(b"GIF89a".to_vec()), Err(DetailsError::IconType));
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_ICON_BYTES + 1, 0);
        assert_eq!(Icon::new(big), Err(DetailsError::IconTooLarge));
        for kind in [IconKind::Png, IconKind::Jpeg, IconKind::Webp, IconKind::Svg] {
            assert_eq!(IconKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn groups_and_notes_are_cleaned_and_capped() {
        let mut details = Details::default();
        details
            .set_groups(&["Work", " work ", "", "\u{202e}Bank\u{7}", "Home"])
            .unwrap();
        assert_eq!(details.groups, ["Work", "Bank", "Home"]);
        let many: Vec<String> = (0..=MAX_GROUPS).map(|n| format!("g{n}")).collect();
        assert_eq!(details.set_groups(&many), Err(DetailsError::TooManyGroups));
        details
            .set_note("line one\nline\ttwo\u{1b}[31m  \n")
            .unwrap();
        assert_eq!(details.note, "line one\nline\ttwo[31m");
        assert_eq!(
            details.set_note(&"x".repeat(MAX_NOTE_BYTES + 1)),
            Err(DetailsError::NoteTooLong)
        );
        let from_file = Details::from_file(&many, &"é".repeat(MAX_NOTE_BYTES), None, true);
        assert_eq!(from_file.groups.len(), MAX_GROUPS);
        assert!(from_file.note.len() <= MAX_NOTE_BYTES);
        assert!(from_file.favourite && !from_file.is_empty());
        assert!(Details::default().is_empty());
    }
}
