//! Feeds arbitrary bytes to the Steam .maFile parser alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::SteamMaFile];

include!("parser_target.rs.in");
