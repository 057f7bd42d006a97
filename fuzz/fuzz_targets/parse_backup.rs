//! Feeds arbitrary bytes to otpvault's own backup reader alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::OtpvaultBackup];

include!("parser_target.rs.in");
