//! Real encoded images for the upload tests, made here rather than checked in.

use image::{ExtendedColorType, ImageEncoder};

/// A JPEG whose left half is red and right half blue.
pub fn two_tone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for _y in 0..height {
        for x in 0..width {
            pixels.extend(if x < width / 2 {
                [220, 20, 20]
            } else {
                [20, 20, 220]
            });
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(&pixels, width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn gradient(width: u32, height: u32, channels: usize) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height) as usize * channels);
    for y in 0..height {
        for x in 0..width {
            let px = [(x * 255 / width) as u8, (y * 255 / height) as u8, 128, 200];
            pixels.extend(&px[..channels]);
        }
    }
    pixels
}

/// A PNG with an alpha channel.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &gradient(width, height, 4),
            width,
            height,
            ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

/// A (lossless) WebP.
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .write_image(
            &gradient(width, height, 3),
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A GIF.
pub fn gif(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::gif::GifEncoder::new(&mut out)
        .encode(
            &gradient(width, height, 4),
            width,
            height,
            ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

/// Inserts a marker segment right after a JPEG's SOI.
pub fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, marker]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend(&jpeg[2..]);
    out
}

/// An EXIF APP1 payload: orientation, a description, and a GPS position.
pub fn exif_with_orientation_and_gps(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend(b"MM\x00\x2a");
    tiff.extend(8u32.to_be_bytes());
    // IFD0 at 8: two entries, then the next-IFD offset.
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(0x0112u16.to_be_bytes()); // Orientation, SHORT
    tiff.extend(3u16.to_be_bytes());
    tiff.extend(1u32.to_be_bytes());
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    tiff.extend(0x8825u16.to_be_bytes()); // GPS IFD pointer, LONG
    tiff.extend(4u16.to_be_bytes());
    tiff.extend(1u32.to_be_bytes());
    tiff.extend(38u32.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    // GPS IFD at 38: latitude ref and latitude (three rationals at 68).
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(0x0001u16.to_be_bytes());
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(2u32.to_be_bytes());
    tiff.extend(b"N\0\0\0");
    tiff.extend(0x0002u16.to_be_bytes());
    tiff.extend(5u16.to_be_bytes());
    tiff.extend(3u32.to_be_bytes());
    tiff.extend(68u32.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    for (num, den) in [(52u32, 1u32), (31, 1), (0, 1)] {
        tiff.extend(num.to_be_bytes());
        tiff.extend(den.to_be_bytes());
    }
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    payload
}

/// An APP13 payload with IPTC caption (2:120), credit (2:110) and by-line (2:80).
pub fn iptc(caption: &str, credit: &str, byline: &str) -> Vec<u8> {
    let mut iim = Vec::new();
    for (dataset, text) in [(80u8, byline), (120, caption), (110, credit)] {
        iim.extend([0x1C, 2, dataset]);
        iim.extend((text.len() as u16).to_be_bytes());
        iim.extend(text.as_bytes());
    }
    let mut payload = b"Photoshop 3.0\0".to_vec();
    payload.extend(b"8BIM");
    payload.extend(0x0404u16.to_be_bytes());
    payload.extend([0, 0]);
    payload.extend((iim.len() as u32).to_be_bytes());
    payload.extend(&iim);
    if iim.len() % 2 == 1 {
        payload.push(0);
    }
    payload
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG whose header claims 100,000 × 100,000 pixels: a decompression bomb.
pub fn png_bomb() -> Vec<u8> {
    let mut bytes = png(1, 1);
    bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// An 8-bit greyscale PNG.
pub fn grey_png(width: u32, height: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..width * height).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&pixels, width, height, ExtendedColorType::L8)
        .unwrap();
    out
}

/// A 16-bit-per-channel RGB PNG.
pub fn png16(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 6) as usize);
    for i in 0..width * height {
        for c in [i % 65_521, (i * 7) % 65_521, 30_000] {
            pixels.extend((c as u16).to_be_bytes());
        }
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&pixels, width, height, ExtendedColorType::Rgb16)
        .unwrap();
    out
}
