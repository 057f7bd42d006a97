//! QR codes for otpvault's shells (the CLI and the reference issuer); the core stays free of
//! image code.
//!
//! Reading: screenshots are not clean test images — dark-mode pages draw light modules on a dark
//! background (an inverted code), and JPEG blurs the module edges. The image is tried as it is,
//! inverted, and binarised at Otsu's threshold (both ways), until a code decodes.
//!
//! Writing: 8 pixels per module and the 4-module quiet zone the standard asks for; PNG files
//! are written readable by their owner only (they hold secrets) and replaced atomically.

use std::path::Path;

use image::GrayImage;
use zeroize::Zeroizing;

/// What went wrong with a QR image.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The path is a directory.
    #[error("this is a directory: give the image file of the QR code")]
    Directory,
    /// The image cannot be read.
    #[error("cannot read the image: {0}")]
    Unreadable(&'static str),
    /// No QR code decodes in the image.
    #[error("no readable QR code in the image")]
    NoCode,
    /// The text does not fit a QR code.
    #[error("the text does not fit in a QR code")]
    TooLong,
    /// Writing the file failed.
    #[error("cannot write the image: {0}")]
    Write(String),
}

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

/// Decodes the first readable QR code in an image (as it is, inverted, or binarised).
pub fn decode_image(image: &GrayImage) -> Option<Zeroizing<String>> {
    decode(image)
        .or_else(|| decode(&inverted(image)))
        .or_else(|| {
            let black_and_white = binarized(image);
            decode(&black_and_white).or_else(|| decode(&inverted(&black_and_white)))
        })
}

/// Decodes the first readable QR code in a PNG or JPEG file.
pub fn decode_file(path: &Path) -> Result<Zeroizing<String>, QrError> {
    if path.is_dir() {
        return Err(QrError::Directory);
    }
    let image = image::open(path)
        .map_err(|err| QrError::Unreadable(image_error_kind(&err)))?
        .to_luma8();
    decode_image(&image).ok_or(QrError::NoCode)
}

fn image_error_kind(err: &image::ImageError) -> &'static str {
    match err {
        image::ImageError::IoError(_) => "file not found or unreadable",
        image::ImageError::Unsupported(_) => "unsupported format (use PNG or JPEG)",
        _ => "not a valid image",
    }
}

/// The QR code of `text` as a greyscale image.
pub fn encode(text: &str) -> Result<GrayImage, QrError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| QrError::TooLong)?;
    let width = code.width();
    let (scale, quiet) = (8usize, 4usize);
    let size = u32::try_from((width + 2 * quiet) * scale).map_err(|_| QrError::TooLong)?;
    let colors = code.to_colors();
    Ok(GrayImage::from_fn(size, size, |x, y| {
        let module = |v: u32| (v as usize / scale).wrapping_sub(quiet);
        let (mx, my) = (module(x), module(y));
        let dark = mx < width && my < width && colors[my * width + mx] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    }))
}

/// Writes the QR code of `text` to `path` as a PNG, readable by its owner only, replacing the
/// file atomically.
pub fn write_png(text: &str, path: &Path) -> Result<(), QrError> {
    let image = encode(text)?;
    let write = |err: std::io::Error| QrError::Write(err.kind().to_string());
    // A new file with a random name beside the target (O_EXCL, 0600): another user cannot have
    // made it first, nor read it; renamed into place once complete.
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".otpvault-qr-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write)?;
    let mut out = std::io::BufWriter::new(tmp.as_file());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|err| QrError::Write(err.to_string()))?;
    drop(out);
    tmp.as_file().sync_all().map_err(write)?;
    tmp.persist(path).map_err(|err| write(err.error))?;
    Ok(())
}

/// The PNG bytes of the QR code of `text`.
pub fn png_bytes(text: &str) -> Result<Vec<u8>, QrError> {
    let mut out = std::io::Cursor::new(Vec::new());
    encode(text)?
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|err| QrError::Write(err.to_string()))?;
    Ok(out.into_inner())
}
