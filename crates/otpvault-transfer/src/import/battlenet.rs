//! Battle.net Authenticator's token store from a rooted phone
//! (`shared_prefs/com.blizzard.bma.AUTH_STORE.xml`), written from its publicly described layout:
//! Android preferences XML whose string `com.blizzard.bma.AUTH_STORE.HASH` is 57 bytes in hex,
//! XOR-ed with a fixed 57-byte mask the app ships. Unmasked, they are ASCII: 40 hex digits of the
//! 20-byte secret, then the 17-character serial (`US-1234-5678-9012`). Codes are TOTP, SHA-1,
//! 8 digits, 30 s; the serial is the account name.

use zeroize::Zeroizing;

use super::{Candidate, ImportError, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;

const FORMAT: &str = "Battle.net";
const HASH_KEY: &str = "com.blizzard.bma.AUTH_STORE.HASH";
/// The mask the app XORs its store with (a constant of the app, the same on every phone).
const MASK_HEX: &str = "398e27fc50276a656065b0e525f4c06c04c61075286b8e7aeda59da9813b5dd6c80d2fb38068773fa59ba47c17ca6c6479015c1d5b8b8f6b9a";

fn unreadable(what: &'static str) -> ImportError {
    ImportError::Unreadable {
        format: FORMAT,
        what,
    }
}

/// True for Android preferences XML from the Battle.net Authenticator.
pub fn looks_like(text: &str) -> bool {
    text.contains(HASH_KEY)
}

/// Reads the one authenticator of the store.
pub fn read(text: &str) -> Result<Vec<Candidate>, ImportError> {
    let elements = super::android_prefs::string_elements(text).ok_or_else(|| unreadable("XML"))?;
    let (_, hash) = elements
        .iter()
        .find(|(name, _)| name.as_str() == HASH_KEY)
        .ok_or_else(|| unreadable("no authenticator in the file"))?;
    let mask = otpvault_crypto::encoding::hex_decode(MASK_HEX, MASK_HEX.len() / 2)
        .ok_or_else(|| unreadable("mask"))?;
    let Some(masked) =
        otpvault_crypto::encoding::hex_decode(hash.trim(), mask.len()).map(Zeroizing::new)
    else {
        return Ok(vec![Candidate::skipped(
            FORMAT,
            "",
            SkipReason::InvalidSecret,
        )]);
    };
    let plain: Zeroizing<Vec<u8>> =
        Zeroizing::new(masked.iter().zip(&mask).map(|(b, m)| b ^ m).collect());
    let (secret_hex, serial) = plain.split_at(40);
    let serial: String = serial
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .map(|b| char::from(*b))
        .collect();
    let secret = std::str::from_utf8(secret_hex)
        .ok()
        .and_then(|hex| otpvault_crypto::encoding::hex_decode(hex, 20))
        .map(Zeroizing::new);
    let Some(secret) = secret else {
        return Ok(vec![Candidate::skipped(
            FORMAT,
            &serial,
            SkipReason::InvalidSecret,
        )]);
    };
    let Ok(secret) = Secret::from_bytes(secret.to_vec()) else {
        return Ok(vec![Candidate::skipped(
            FORMAT,
            &serial,
            SkipReason::InvalidSecret,
        )]);
    };
    Ok(vec![Candidate::build(
        FORMAT,
        &serial,
        secret,
        Algorithm::Sha1,
        8,
        OtpKind::Totp { period: 30 },
    )])
}
