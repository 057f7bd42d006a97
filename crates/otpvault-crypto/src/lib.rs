//! # otpvault-crypto
//!
//! The helpers that the vault, the backup, the exports and the importers all use, kept below every
//! one of them so that no layer borrows another layer's internals:
//! - [`aead`]: AES-256-GCM `seal`/`open` (`nonce ‖ ciphertext ‖ tag`) and OS randomness;
//! - [`secret_json`]: [`SecretJson`](secret_json::SecretJson), a JSON tree whose strings are
//!   wiped when it is dropped, and text written through buffers that wipe what they leave;
//! - [`encoding`]: lowercase hex and LEB128.
//!
//! No SQLite, no knowledge of tokens or files: bytes in, bytes out.

#![forbid(unsafe_code)]

pub mod aead;
pub mod encoding;
pub mod secret_json;
