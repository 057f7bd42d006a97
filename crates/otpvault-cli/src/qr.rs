//! Reading the enrolment QR code from an image (a screenshot of the portal's page).
//!
//! Screenshots are not clean test images: dark-mode pages draw light modules on a dark
//! background (an inverted code), and JPEG blurs the module edges. The image is tried as it is,
//! inverted, and binarised at Otsu's threshold (both ways), until a code decodes.

use std::path::Path;

use image::GrayImage;
use zeroize::Zeroizing;

use crate::failure::Failure;

fn decode(image: &GrayImage) -> Option<Zeroizing<String>> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        image.get_pixel(x as u32, y as u32).0[0]
    });
    prepared
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok())
        .map(|(_, content)| Zeroizing::new(content))
}

fn inverted(image: &GrayImage) -> GrayImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        pixel.0[0] = 255 - pixel.0[0];
    }
    out
}

/// Otsu's threshold: the grey level that best separates the histogram into two classes.
fn otsu(image: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for pixel in image.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, count)| level as f64 * *count as f64)
        .sum();
    let (mut weight_low, mut sum_low, mut best, mut threshold) = (0u64, 0f64, 0f64, 128u8);
    for (level, count) in histogram.iter().enumerate() {
        weight_low += count;
        if weight_low == 0 || weight_low == total {
            continue;
        }
        sum_low += level as f64 * *count as f64;
        let weight_high = total - weight_low;
        let mean_low = sum_low / weight_low as f64;
        let mean_high = (sum_all - sum_low) / weight_high as f64;
        let between = weight_low as f64 * weight_high as f64 * (mean_low - mean_high).powi(2);
        if between > best {
            best = between;
            threshold = level as u8;
        }
    }
    threshold
}

fn binarized(image: &GrayImage) -> GrayImage {
    let threshold = otsu(image);
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        pixel.0[0] = if pixel.0[0] > threshold { 255 } else { 0 };
    }
    out
}

/// Decodes the first readable QR code in a PNG or JPEG file.
pub fn decode_file(path: &Path) -> Result<Zeroizing<String>, Failure> {
    if path.is_dir() {
        return Err(Failure::invalid(format!(
            "{} is a directory: give the image file of the QR code",
            path.display()
        )));
    }
    let image = image::open(path)
        .map_err(|err| {
            Failure::invalid(format!("cannot read the image: {}", image_error_kind(&err)))
        })?
        .to_luma8();
    decode(&image)
        .or_else(|| decode(&inverted(&image)))
        .or_else(|| {
            let black_and_white = binarized(&image);
            decode(&black_and_white).or_else(|| decode(&inverted(&black_and_white)))
        })
        .ok_or_else(|| Failure::invalid("no readable QR code in the image"))
}

fn image_error_kind(err: &image::ImageError) -> &'static str {
    match err {
        image::ImageError::IoError(_) => "file not found or unreadable",
        image::ImageError::Unsupported(_) => "unsupported format (use PNG or JPEG)",
        _ => "not a valid image",
    }
}
