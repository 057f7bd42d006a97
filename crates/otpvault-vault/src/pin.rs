//! The 5-digit PIN, as the public-administration authenticator apps use it.
//!
//! A [`Pin`] holds exactly five ASCII digits in a zeroizing buffer and never prints. Any 5-digit
//! PIN may be *entered*; only [`Pin::new_for_setting`] (creation and PIN change) also refuses the
//! trivially guessed ones: all digits equal and straight runs up or down (01234 … 56789,
//! 98765 … 43210 — and 67890 and 09876, which people type as runs too).

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::VaultError;

/// Number of digits in a PIN.
pub const PIN_LEN: usize = 5;

/// A 5-digit PIN. Zeroized on drop; `Debug` prints nothing of it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Pin([u8; PIN_LEN]);

impl Pin {
    /// A PIN as entered at unlock: exactly five ASCII digits.
    pub fn new(text: &str) -> Result<Self, VaultError> {
        let bytes = text.as_bytes();
        if bytes.len() != PIN_LEN || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(VaultError::InvalidPin);
        }
        let mut pin = Pin([0u8; PIN_LEN]);
        pin.0.copy_from_slice(bytes);
        Ok(pin)
    }

    /// A PIN being chosen (at creation or change): also refuses the trivially guessed ones.
    pub fn new_for_setting(text: &str) -> Result<Self, VaultError> {
        let pin = Self::new(text)?;
        if pin.is_trivial() {
            return Err(VaultError::WeakPin);
        }
        Ok(pin)
    }

    /// True for all-equal digits and straight runs (wrapping 9→0 counts as a run: 67890, 09876).
    pub fn is_trivial(&self) -> bool {
        let d = self.0.map(|b| b - b'0');
        let all_equal = d.iter().all(|&x| x == d[0]);
        let step = |delta: u8| d.windows(2).all(|w| w[1] == (w[0] + delta) % 10);
        all_equal || step(1) || step(9)
    }

    /// The PIN's bytes, for the KDF.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format() {
        assert!(Pin::new("13579").is_ok());
        for bad in ["1234", "123456", "12a45", "", "١٢٣٤٥", " 1357", "13579\n"] {
            assert_eq!(
                Pin::new(bad).unwrap_err(),
                VaultError::InvalidPin,
                "{bad:?}"
            );
        }
        assert_eq!(
            format!("{:?}", Pin::new("13579").unwrap()),
            "Pin(<redacted>)"
        );
    }

    #[test]
    fn trivial_pins_are_refused_when_setting() {
        let mut refused = 0;
        for n in 0..100_000u32 {
            let text = format!("{n:05}");
            match Pin::new_for_setting(&text) {
                Err(VaultError::WeakPin) => refused += 1,
                Ok(_) => {}
                Err(other) => panic!("{text}: {other:?}"),
            }
        }
        // 10 repeated + 10 ascending (01234…90123) + 10 descending runs, wrapping included.
        assert_eq!(refused, 30);
        for weak in [
            "00000", "99999", "01234", "12345", "56789", "98765", "43210", "67890",
        ] {
            assert_eq!(
                Pin::new_for_setting(weak).unwrap_err(),
                VaultError::WeakPin,
                "{weak}"
            );
        }
        for fine in ["13579", "24680", "12354", "11112", "80235"] {
            assert!(Pin::new_for_setting(fine).is_ok(), "{fine}");
            assert!(Pin::new(fine).is_ok());
        }
        // Entering a trivial PIN at unlock is allowed (it might be an old vault's PIN).
        assert!(Pin::new("12345").is_ok());
    }
}
