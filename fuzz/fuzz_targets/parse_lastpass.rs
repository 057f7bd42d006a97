//! Feeds arbitrary bytes to the LastPass Authenticator parser alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::LastPass];

include!("parser_target.rs.in");
