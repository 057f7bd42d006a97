//! Feeds arbitrary bytes to the Bitwarden parsers (JSON, password-protected JSON, CSV) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::Bitwarden, ImportFormat::BitwardenCsv];

include!("parser_target.rs.in");
