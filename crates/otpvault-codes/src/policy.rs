//! The unlock policy: how long one PIN entry keeps the codes available.
//!
//! A plain value shared by the layers: the vault enforces it and seals it in its settings, and the
//! backup format carries it across devices, so it lives below both.

/// How long a PIN unlocks the codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnlockPolicy {
    /// The PIN is asked for every code: an unlock serves the next one call (within 30 s).
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
}
