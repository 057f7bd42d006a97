//! Feeds arbitrary bytes to the FreeOTP+ parser alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::FreeOtpPlus];

include!("parser_target.rs.in");
