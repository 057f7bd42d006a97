//! # otpvault-transfer
//!
//! Moving in and out, as bytes: other authenticators' export files parsed into import candidates
//! ([`import`]), the vault's tokens written in other apps' formats ([`export`]), and otpvault's own
//! encrypted backup ([`backup`]), whose passphrases (and every encrypted export's) are checked by
//! [`strength`]. Nothing here opens a vault or a database: the vault layer above
//! hands in a [`Snapshot`](export::Snapshot) and takes back [`Candidate`](import::Candidate)s.
//!
//! Every file is hostile until proven otherwise: sizes, entry counts and key-derivation costs are
//! capped before anything is allocated, and every parser is fuzzed on its own (`fuzz/`).

#![forbid(unsafe_code)]

pub mod backup;
pub mod details;
pub mod export;
pub mod import;
pub mod strength;
