//! Feeds arbitrary bytes to the URI-list parser (also Ente Auth's plain export) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::UriList];

include!("parser_target.rs.in");
