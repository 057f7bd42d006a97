//! Feeds arbitrary bytes to the zip reader through Proton Pass's parser (the central directory,
//! local headers, inflation capped at the import limit).
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::ProtonPass];

include!("parser_target.rs.in");
