//! Feeds arbitrary bytes to the Authy preferences-XML parser (plain and per-entry encrypted) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::Authy];

include!("parser_target.rs.in");
