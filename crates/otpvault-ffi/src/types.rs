//! Records and enums that mirror the core's public types, with `From` conversions.

use otpvault_core as core;

/// The HMAC hash function of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Algorithm {
    /// HMAC-SHA-1 (the default of nearly every service).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl From<Algorithm> for core::Algorithm {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::Sha1 => core::Algorithm::Sha1,
            Algorithm::Sha256 => core::Algorithm::Sha256,
            Algorithm::Sha512 => core::Algorithm::Sha512,
        }
    }
}

impl From<core::Algorithm> for Algorithm {
    fn from(a: core::Algorithm) -> Self {
        match a {
            core::Algorithm::Sha1 => Algorithm::Sha1,
            core::Algorithm::Sha256 => Algorithm::Sha256,
            core::Algorithm::Sha512 => Algorithm::Sha512,
        }
    }
}

/// What moves a token's code forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TokenKind {
    /// Time-based, with the period in seconds.
    Totp {
        /// Seconds per code.
        period: u32,
    },
    /// Counter-based; `counter` is the next value to use.
    Hotp {
        /// The next counter value.
        counter: u64,
    },
    /// Steam Guard (5 characters, 30 s).
    Steam,
}

impl From<TokenKind> for core::OtpKind {
    fn from(k: TokenKind) -> Self {
        match k {
            TokenKind::Totp { period } => core::OtpKind::Totp { period },
            TokenKind::Hotp { counter } => core::OtpKind::Hotp { counter },
            TokenKind::Steam => core::OtpKind::Steam,
        }
    }
}

impl From<core::OtpKind> for TokenKind {
    fn from(k: core::OtpKind) -> Self {
        match k {
            core::OtpKind::Totp { period } => TokenKind::Totp { period },
            core::OtpKind::Hotp { counter } => TokenKind::Hotp { counter },
            core::OtpKind::Steam => TokenKind::Steam,
        }
    }
}

/// The fields of a token other than its secret (what an enrolment page shows).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenSpec {
    /// Service name (may be empty).
    pub issuer: String,
    /// Account name (may be empty).
    pub account: String,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits per code, 6 to 10 (Steam: 5).
    pub digits: u8,
    /// TOTP, HOTP or Steam.
    pub kind: TokenKind,
}

impl From<TokenSpec> for core::TokenParams {
    fn from(s: TokenSpec) -> Self {
        core::TokenParams {
            issuer: s.issuer,
            account: s.account,
            algorithm: s.algorithm.into(),
            digits: s.digits,
            kind: s.kind.into(),
        }
    }
}

impl From<core::TokenParams> for TokenSpec {
    fn from(p: core::TokenParams) -> Self {
        TokenSpec {
            issuer: p.issuer,
            account: p.account,
            algorithm: p.algorithm.into(),
            digits: p.digits,
            kind: p.kind.into(),
        }
    }
}

/// A TOTP code with what a UI needs to show it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TotpCode {
    /// The code to type.
    pub value: String,
    /// The time step it belongs to.
    pub step: u64,
    /// The period in seconds.
    pub period: u32,
    /// Unix time at which the step began.
    pub step_start: u64,
    /// Seconds until the code changes.
    pub seconds_left: u32,
    /// The next step's code.
    pub next_value: String,
}

impl From<core::TotpCode> for TotpCode {
    fn from(c: core::TotpCode) -> Self {
        TotpCode {
            value: c.value.to_string(),
            step: c.step,
            period: c.period,
            step_start: c.step_start,
            seconds_left: c.seconds_left,
            next_value: c.next_value.to_string(),
        }
    }
}

/// A token as listed (no secret).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenInfo {
    /// Stable id in this vault.
    pub id: i64,
    /// Everything but the secret.
    pub spec: TokenSpec,
    /// The secret is shorter than 128 bits.
    pub weak_secret: bool,
}

impl From<core::TokenInfo> for TokenInfo {
    fn from(t: core::TokenInfo) -> Self {
        TokenInfo {
            id: t.id,
            spec: TokenSpec {
                issuer: t.issuer,
                account: t.account,
                algorithm: t.algorithm.into(),
                digits: t.digits,
                kind: t.kind.into(),
            },
            weak_secret: t.weak_secret,
        }
    }
}

/// The current code of one time-based token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CodeEntry {
    /// The token's id.
    pub id: i64,
    /// Its code.
    pub code: TotpCode,
}

impl From<core::CodeEntry> for CodeEntry {
    fn from(e: core::CodeEntry) -> Self {
        CodeEntry {
            id: e.id,
            code: e.code.into(),
        }
    }
}

/// A token with its current code (none for HOTP): one row of the main screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Entry {
    /// The token.
    pub info: TokenInfo,
    /// Its code now, for time-based tokens.
    pub code: Option<TotpCode>,
}

impl From<core::Entry> for Entry {
    fn from(e: core::Entry) -> Self {
        Entry {
            info: e.info.into(),
            code: e.code.map(Into::into),
        }
    }
}

/// An HOTP code and the counter it used.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HotpCode {
    /// The code.
    pub value: String,
    /// The counter used (the stored counter is now one more).
    pub counter: u64,
}

impl From<core::HotpCode> for HotpCode {
    fn from(h: core::HotpCode) -> Self {
        HotpCode {
            value: h.value,
            counter: h.counter,
        }
    }
}

/// When the PIN is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UnlockPolicy {
    /// For every code; nothing stays unlocked.
    EveryCode,
    /// Codes stay available until 5 minutes after the unlock.
    FiveMinutes,
    /// Codes stay available until 10 minutes after the unlock.
    TenMinutes,
}

impl From<UnlockPolicy> for core::UnlockPolicy {
    fn from(p: UnlockPolicy) -> Self {
        match p {
            UnlockPolicy::EveryCode => core::UnlockPolicy::EveryCode,
            UnlockPolicy::FiveMinutes => core::UnlockPolicy::FiveMinutes,
            UnlockPolicy::TenMinutes => core::UnlockPolicy::TenMinutes,
        }
    }
}

impl From<core::UnlockPolicy> for UnlockPolicy {
    fn from(p: core::UnlockPolicy) -> Self {
        match p {
            core::UnlockPolicy::EveryCode => UnlockPolicy::EveryCode,
            core::UnlockPolicy::FiveMinutes => UnlockPolicy::FiveMinutes,
            core::UnlockPolicy::TenMinutes => UnlockPolicy::TenMinutes,
        }
    }
}

/// What an unlock opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct UnlockInfo {
    /// The vault's policy.
    pub policy: UnlockPolicy,
    /// How long codes stay available without the PIN (none under `EveryCode`).
    pub session_seconds: Option<u64>,
}

impl From<core::UnlockInfo> for UnlockInfo {
    fn from(u: core::UnlockInfo) -> Self {
        UnlockInfo {
            policy: u.policy.into(),
            session_seconds: u.session_seconds,
        }
    }
}

/// The state of a vault, readable without the PIN.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VaultStatus {
    /// A session is open.
    pub unlocked: bool,
    /// Seconds until the session ends.
    pub session_seconds_left: Option<u64>,
    /// The policy (known while unlocked).
    pub policy: Option<UnlockPolicy>,
    /// Consecutive wrong PINs.
    pub failed_attempts: u32,
    /// Wrong PINs still possible before a delay.
    pub attempts_before_delay: u32,
    /// Seconds before the next attempt is allowed.
    pub locked_out_seconds: u64,
    /// The vault needs the device key.
    pub device_bound: bool,
    /// PBKDF2 iterations of the PIN slot.
    pub kdf_iterations: u32,
    /// Keys are erased after 10 consecutive wrong PINs.
    pub wipe_after_failures: bool,
    /// The keys were erased.
    pub erased: bool,
    /// Tokens whose rows failed authentication.
    pub damaged_tokens: Vec<i64>,
}

impl From<core::VaultStatus> for VaultStatus {
    fn from(s: core::VaultStatus) -> Self {
        VaultStatus {
            unlocked: s.unlocked,
            session_seconds_left: s.session_seconds_left,
            policy: s.policy.map(Into::into),
            failed_attempts: s.failed_attempts,
            attempts_before_delay: s.attempts_before_delay,
            locked_out_seconds: s.locked_out_seconds,
            device_bound: s.device_bound,
            kdf_iterations: s.kdf_iterations,
            wipe_after_failures: s.wipe_after_failures,
            erased: s.erased,
            damaged_tokens: s.damaged_tokens,
        }
    }
}

/// A parsed otpauth:// URI: the fields and the canonical base32 secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ParsedUri {
    /// Everything but the secret.
    pub spec: TokenSpec,
    /// The secret, canonical base32 (uppercase, unpadded).
    pub secret: String,
    /// The secret is shorter than 128 bits.
    pub weak_secret: bool,
}

/// A decoded base32 secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DecodedSecret {
    /// The key bytes.
    pub bytes: Vec<u8>,
    /// Canonical base32 (uppercase, unpadded).
    pub canonical: String,
    /// Shorter than 128 bits.
    pub weak: bool,
}
