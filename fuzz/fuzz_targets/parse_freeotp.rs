//! Feeds arbitrary bytes to the FreeOTP tokens.xml parser alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::FreeOtp];

include!("parser_target.rs.in");
