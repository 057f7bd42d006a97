//! Feeds arbitrary bytes to the readers of app stores taken from rooted phones and their
//! backups: Battle.net's and TOTP Authenticator's preferences XML, Duo Mobile's accounts.json,
//! TOTP Authenticator's encrypted backup.
#![no_main]

use otpvault_transfer::import::ImportFormat;

const FORMATS: &[ImportFormat] = &[
    ImportFormat::BattleNet,
    ImportFormat::Duo,
    ImportFormat::TotpAuthenticator,
    ImportFormat::TotpAuthenticatorEncrypted,
];

include!("parser_target.rs.in");
