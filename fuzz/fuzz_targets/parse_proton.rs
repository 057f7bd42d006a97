//! Feeds arbitrary bytes to the Proton Authenticator parsers (plain and encrypted) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::Proton, ImportFormat::ProtonEncrypted];

include!("parser_target.rs.in");
