//! The records and enums of the API. Wherever the core's type can cross the FFI as it is, it is
//! declared here as a uniffi **remote** type: the mirror below only tells uniffi the shape of the
//! core's own type (same names, same fields), so the core stays free of uniffi and no field is
//! copied by hand. The few records of the facade's own are at the end.

use otpvault_core::details::IconKind;
use otpvault_core::{
    Algorithm, CodeSheet, CodeValue, Entry, HotpCode, OtpKind, PeriodState, TokenInfo, TokenParams,
    TotpCode, UnlockInfo, UnlockPolicy, VaultStatus,
};

// A code crosses as its text.
uniffi::custom_type!(CodeValue, String, {
    remote,
    lower: |code| code.as_str().to_owned(),
    try_lift: |text| CodeValue::parse(&text)
        .ok_or_else(|| uniffi::deps::anyhow::anyhow!("not a one-time code")),
});

/// The HMAC hash function of a token.
#[uniffi::remote(Enum)]
pub enum Algorithm {
    /// HMAC-SHA-1 (the default of nearly every service).
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// What moves a token's code forward.
#[uniffi::remote(Enum)]
pub enum OtpKind {
    /// Time-based (RFC 6238), with the period in seconds (1..=86,400).
    Totp {
        /// Seconds per code.
        period: u32,
    },
    /// Counter-based (RFC 4226); `counter` is the next value to use.
    Hotp {
        /// The next counter value.
        counter: u64,
    },
    /// Steam Guard (5 characters, 30 s).
    Steam,
}

/// The fields of a token other than its secret (what an enrolment page shows).
#[uniffi::remote(Record)]
pub struct TokenParams {
    /// Service name (may be empty).
    #[uniffi(default = "")]
    pub issuer: String,
    /// Account name (may be empty).
    #[uniffi(default = "")]
    pub account: String,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits per code, 6 to 10 (Steam: 5).
    #[uniffi(default = 6)]
    pub digits: u8,
    /// TOTP, HOTP or Steam.
    pub kind: OtpKind,
}

/// A TOTP code with what a UI needs to show it.
#[uniffi::remote(Record)]
pub struct TotpCode {
    /// The code to type.
    pub value: CodeValue,
    /// The time step it belongs to.
    pub step: u64,
    /// The period in seconds.
    pub period: u32,
    /// Unix time at which the step began.
    pub step_start: u64,
    /// Seconds until the code changes.
    pub seconds_left: u32,
    /// The next step's code.
    pub next_value: CodeValue,
}

/// A token as listed (no secret).
#[uniffi::remote(Record)]
pub struct TokenInfo {
    /// Stable id in this vault.
    pub id: i64,
    /// Service name.
    pub issuer: String,
    /// Account name.
    pub account: String,
    /// TOTP, HOTP or Steam, with the period or counter.
    pub kind: OtpKind,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Characters per code.
    pub digits: u8,
    /// The secret is shorter than 128 bits.
    pub weak_secret: bool,
    /// The groups (tags) it belongs to.
    pub groups: Vec<String>,
    /// The user's note.
    pub note: String,
    /// Marked as a favourite (pinned).
    pub favourite: bool,
    /// Its icon's type, if it has one (the bytes: `icon(id)`).
    pub icon: Option<IconKind>,
}

/// An icon's image type, read from its bytes.
#[uniffi::remote(Enum)]
pub enum IconKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
    /// SVG (render it with a sanitising renderer: the core never looks inside).
    Svg,
}

/// A token's icon: the image's type and bytes (at most 64 KiB).
#[derive(uniffi::Record)]
pub struct IconImage {
    /// The type, as the bytes show it.
    pub kind: IconKind,
    /// The image.
    pub bytes: Vec<u8>,
}

/// The code of every token at one instant: `values[i]` belongs to the `i`-th token of `list()`
/// (`""` for HOTP), each period's step once in `periods`. When `revision` differs from the
/// previous sheet's, the list changed: call `list()` again. What a main screen refreshes every
/// second, with nothing per token but its code.
#[uniffi::remote(Record)]
pub struct CodeSheet {
    /// Changes whenever the token list changes.
    pub revision: u64,
    /// Each period in use, once.
    pub periods: Vec<PeriodState>,
    /// The codes, aligned with `list()`.
    pub values: Vec<String>,
}

/// Where one period's time step stands, shared by every token with that period.
#[uniffi::remote(Record)]
pub struct PeriodState {
    /// Seconds per step.
    pub period: u32,
    /// The current time step.
    pub step: u64,
    /// Unix time (corrected) at which the step began.
    pub step_start: u64,
    /// Seconds until the codes of this period change.
    pub seconds_left: u32,
}

/// A token with its current code (none for HOTP): one row of the main screen.
#[uniffi::remote(Record)]
pub struct Entry {
    /// The token.
    pub info: TokenInfo,
    /// Its code now, for time-based tokens.
    pub code: Option<TotpCode>,
}

/// An HOTP code and the counter it used.
#[uniffi::remote(Record)]
pub struct HotpCode {
    /// The code.
    pub value: String,
    /// The counter used (the stored counter is now one more).
    pub counter: u64,
}

/// When the PIN is asked.
#[uniffi::remote(Enum)]
pub enum UnlockPolicy {
    /// For every code: an unlock serves the next one call, within 30 s.
    EveryCode,
    /// Codes stay available until 5 minutes after the unlock.
    FiveMinutes,
    /// Codes stay available until 10 minutes after the unlock.
    TenMinutes,
}

/// What an unlock opened.
#[uniffi::remote(Record)]
pub struct UnlockInfo {
    /// The vault's policy.
    pub policy: UnlockPolicy,
    /// How long codes stay available (none under `EveryCode`: one call).
    pub session_seconds: Option<u64>,
}

/// The state of a vault, readable without the PIN.
#[uniffi::remote(Record)]
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
    /// Quick unlock (biometrics) is set up.
    pub quick_unlock: bool,
    /// Quick unlock may stand in for the PIN under `EveryCode`.
    pub quick_unlock_every_code: bool,
}

/// How to create a vault; every field has a default (`CreateOptions()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct CreateOptions {
    /// PBKDF2 iterations; null calibrates to about 0.5 s on this device (never below 600,000).
    #[uniffi(default = None)]
    pub kdf_iterations: Option<u32>,
    /// Erase the keys after 10 consecutive wrong PINs.
    #[uniffi(default = false)]
    pub wipe_after_failures: bool,
}

/// A parsed otpauth:// URI: the fields and the canonical base32 secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ParsedUri {
    /// Everything but the secret.
    pub params: TokenParams,
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
