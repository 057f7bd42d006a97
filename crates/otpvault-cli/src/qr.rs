//! Reading the enrolment QR code from an image (a screenshot of the portal's page) and writing
//! QR PNGs, through `otpvault-qr`, with the CLI's failures.

use std::path::Path;

use zeroize::Zeroizing;

use crate::failure::Failure;

/// Decodes the first readable QR code in a PNG or JPEG file.
pub fn decode_file(path: &Path) -> Result<Zeroizing<String>, Failure> {
    otpvault_qr::decode_file(path).map_err(|err| match err {
        otpvault_qr::QrError::Directory => Failure::invalid(format!(
            "{} is a directory: give the image file of the QR code",
            path.display()
        )),
        other => Failure::invalid(other.to_string()),
    })
}

/// Writes the QR code of `text` to `path` as a PNG (owner-only).
pub fn write_png(text: &str, path: &Path) -> Result<(), Failure> {
    otpvault_qr::write_png(text, path).map_err(|err| Failure::invalid(err.to_string()))
}
