//! Feeds arbitrary bytes to the Stratum / Authenticator Pro parsers (plain, encrypted, legacy) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::Stratum, ImportFormat::StratumEncrypted];

include!("parser_target.rs.in");
