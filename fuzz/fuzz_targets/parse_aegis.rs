//! Feeds arbitrary bytes to the Aegis parser (plain and scrypt-encrypted vaults) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::Aegis];

include!("parser_target.rs.in");
