//! Feeds arbitrary bytes to the Ente Auth encrypted-export parser (KDF caps, secretstream) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::EnteEncrypted];

include!("parser_target.rs.in");
