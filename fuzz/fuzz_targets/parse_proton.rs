//! Feeds arbitrary bytes to the Proton Authenticator parsers (plain and encrypted) alone.
#![no_main]

use otpvault_core::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::Proton, ImportFormat::ProtonEncrypted];

include!("parser_target.rs.in");
