//! Feeds arbitrary bytes to the 2FAS parser (plain and encrypted, schema 1-4) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::TwoFas];

include!("parser_target.rs.in");
