//! Reading the enrolment QR code from an image (a screenshot of the portal's page).

use std::path::Path;

use zeroize::Zeroizing;

use crate::failure::Failure;

/// Decodes the first readable QR code in a PNG or JPEG file.
pub fn decode_file(path: &Path) -> Result<Zeroizing<String>, Failure> {
    let image = image::open(path)
        .map_err(|err| {
            Failure::invalid(format!("cannot read the image: {}", image_error_kind(&err)))
        })?
        .to_luma8();
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        image.get_pixel(x as u32, y as u32).0[0]
    });
    prepared
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok())
        .map(|(_, content)| Zeroizing::new(content))
        .ok_or_else(|| Failure::invalid("no readable QR code in the image"))
}

fn image_error_kind(err: &image::ImageError) -> &'static str {
    match err {
        image::ImageError::IoError(_) => "file not found or unreadable",
        image::ImageError::Unsupported(_) => "unsupported format (use PNG or JPEG)",
        _ => "not a valid image",
    }
}
