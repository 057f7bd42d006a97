//! QR code PNGs of enrolment URIs (8 pixels per module, the 4-module quiet zone the standard asks).

use crate::IssuerError;
use std::path::Path;

/// The QR code of `text` as a greyscale image.
pub fn image(text: &str) -> Result<image::GrayImage, IssuerError> {
    let code =
        qrcode::QrCode::new(text.as_bytes()).map_err(|err| IssuerError::Qr(err.to_string()))?;
    let width = code.width();
    let (scale, quiet) = (8usize, 4usize);
    let size = u32::try_from((width + 2 * quiet) * scale)
        .map_err(|_| IssuerError::Qr("too large".into()))?;
    let colors = code.to_colors();
    Ok(image::GrayImage::from_fn(size, size, |x, y| {
        let module = |v: u32| (v as usize / scale).wrapping_sub(quiet);
        let (mx, my) = (module(x), module(y));
        let dark = mx < width && my < width && colors[my * width + mx] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    }))
}

/// Writes the QR code of `text` to `path` as a PNG (replacing the file atomically).
pub fn write_png(text: &str, path: &Path) -> Result<(), IssuerError> {
    let image = image(text)?;
    let tmp = path.with_extension("png.tmp");
    image
        .save_with_format(&tmp, image::ImageFormat::Png)
        .map_err(|err| IssuerError::Qr(err.to_string()))?;
    // The image holds the secret: readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
            .map_err(|err| IssuerError::Qr(err.to_string()))?;
    }
    std::fs::rename(&tmp, path).map_err(|err| IssuerError::Qr(err.to_string()))
}

/// The PNG bytes of the QR code of `text`.
pub fn png_bytes(text: &str) -> Result<Vec<u8>, IssuerError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image(text)?
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|err| IssuerError::Qr(err.to_string()))?;
    Ok(out.into_inner())
}
