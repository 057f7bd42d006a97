//! # otpvault-ffi
//!
//! The uniffi facade of `otpvault-core`, and the only `cdylib`/`staticlib` of the workspace. It
//! adds no behaviour: the core's records and enums cross as uniffi remote types ([`types`]), every
//! function and method forwards with `?`, and core errors become the public [`OtpError`] in
//! exactly one place ([`error`]). Every fallible export returns `Result` (Swift cannot catch a
//! panic). Calls that run the PIN KDF or a biometric prompt are `async` and run on a thread of
//! their own ([`background`]).
//!
//! Foreign code provides three capabilities through foreign traits ([`vault`]): a
//! [`DeviceKeyProtector`] (Android Keystore, iOS Secure Enclave), a [`QuickUnlockProtector`]
//! (biometric unlock) and a [`Clock`]. The core calls them without holding any lock.
//!
//! No argument is named `unix`: C compilers on Linux predefine `unix` as a macro, and the
//! generated Swift module header would not compile (times are `unix_time`).
//!
//! Generated bindings: Kotlin package `dev.otpvault`, Swift module `OtpVault`, Python module
//! `otpvault` (see `uniffi.toml` and `scripts/gen-bindings`).

uniffi::setup_scaffolding!("otpvault");

pub mod activation;
pub mod background;
pub mod codes;
pub mod error;
pub mod time;
pub mod transfer;
pub mod types;
pub mod vault;

pub use activation::{ActivationClient, ActivationResult};
pub use error::{OtpError, ProtectorFailure, SecretErrorKind, UriErrorKind};
pub use vault::{Clock, DeviceKeyProtector, OtpVault, QuickUnlockProtector};
