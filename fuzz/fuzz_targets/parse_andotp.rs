//! Feeds arbitrary bytes to the andOTP parsers (plain JSON, both encrypted formats) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::AndOtp, ImportFormat::AndOtpEncrypted];

include!("parser_target.rs.in");
