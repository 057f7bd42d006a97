//! Feeds arbitrary bytes to the Google Authenticator transfer parser (otpauth-migration protobuf) alone.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[ImportFormat::GoogleAuthenticator];

include!("parser_target.rs.in");
