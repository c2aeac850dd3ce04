//! From uploaded bytes to upright, metadata-free renditions: sniff the type, check the
//! pixel count from the header alone, decode, apply EXIF orientation, read embedded
//! caption/credit, then resize (fast_image_resize) and encode WebP plus the original's
//! family. Runs on a blocking thread.

use std::io::Cursor;

use fast_image_resize::images::Image as FirImage;
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader,
};
use sha2::{Digest, Sha256};

use super::metadata::{Embedded, embedded};
use crate::error::{AppError, AppResult};

/// Responsive widths, never exceeded by upscaling; the largest is also `url`.
pub const WIDTHS: [u32; 5] = [320, 640, 1024, 1600, 2400];

/// The four formats we accept, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl Family {
    /// Recognises a file by its magic bytes, whatever its name or declared type says.
    pub fn sniff(bytes: &[u8]) -> Option<Family> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(Family::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Family::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Family::Gif),
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => Some(Family::Webp),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Family::Jpeg => "image/jpeg",
            Family::Png => "image/png",
            Family::Gif => "image/gif",
            Family::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Family::Jpeg => "jpg",
            Family::Png => "png",
            Family::Gif => "gif",
            Family::Webp => "webp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Family::Jpeg => ImageFormat::Jpeg,
            Family::Png => ImageFormat::Png,
            Family::Gif => ImageFormat::Gif,
            Family::Webp => ImageFormat::WebP,
        }
    }
}

/// One encoded rendition.
pub struct Encoded {
    pub width: u32,
    pub height: u32,
    pub family: Family,
    pub bytes: Vec<u8>,
}

/// The art-directed crops every photo gets: the ratios Google asks structured data
/// images in.
pub const CROP_RATIOS: [(&str, u32, u32); 3] = [("16:9", 16, 9), ("4:3", 4, 3), ("1:1", 1, 1)];
/// A crop's width: at least 1,200 pixels (Google's ask) where the original allows.
pub const CROP_WIDTH: u32 = 1600;

/// One crop, encoded.
pub struct Crop {
    pub ratio: &'static str,
    pub image: Encoded,
}

/// Everything learnt from an upload.
pub struct Processed {
    pub family: Family,
    /// Upright dimensions (after EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub hash: String,
    pub embedded: Embedded,
    pub renditions: Vec<Encoded>,
    pub crops: Vec<Crop>,
}

/// The content hash that makes identical uploads one image.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks the type and the pixel count without decoding (cheap refusals first).
pub fn inspect(bytes: &[u8], max_pixels: u64) -> AppResult<(Family, u32, u32)> {
    let family = Family::sniff(bytes).ok_or_else(|| {
        AppError::UnsupportedMediaType("the file is not a JPEG, PNG, GIF or WebP image".into())
    })?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), family.format())
        .into_dimensions()
        .map_err(|e| unreadable(&e))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(AppError::invalid(
            "file",
            format!("the image is {width}×{height} ({pixels} pixels); the limit is {max_pixels}"),
        ));
    }
    if width == 0 || height == 0 {
        return Err(AppError::invalid("file", "the image has no pixels"));
    }
    if family == Family::Jpeg && !jpeg_is_complete(bytes) {
        return Err(AppError::invalid(
            "file",
            "the JPEG is truncated (its image data has no end marker)",
        ));
    }
    Ok((family, width, height))
}

/// The JPEG decoder fills a cut-off file with grey rather than failing, so check the
/// structure: walk the marker segments to the first start-of-scan, then require an
/// end-of-image marker after it (inside entropy-coded data 0xFF is always followed by
/// 0x00 or a restart marker, so 0xFF 0xD9 there can only be the real end).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            // Stray bytes between segments: decoders skip to the next marker, so do we.
            at += 1;
            continue;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if marker == 0xDA {
            let scan = at + 2 + len;
            return bytes
                .get(scan..)
                .is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]));
        }
        at += 2 + len;
    }
    false
}

fn unreadable(e: &image::ImageError) -> AppError {
    AppError::invalid("file", format!("the image is truncated or corrupt ({e})"))
}

/// Decodes, orients and renders an upload that passed [`inspect`], with its crops
/// around `focal` (0..1 from the left and the top).
pub fn process(bytes: &[u8], max_pixels: u64, focal: (f64, f64)) -> AppResult<Processed> {
    let (family, picture, found) = decode(bytes, max_pixels)?;
    let (width, height) = (picture.width(), picture.height());
    let crops = crops(&picture, family, focal)?;
    let renditions = render(picture, family)?;
    Ok(Processed {
        family,
        width,
        height,
        hash: content_hash(bytes),
        embedded: found,
        renditions,
        crops,
    })
}

/// The crops of a stored original around a new focal point.
pub fn recrop(bytes: &[u8], max_pixels: u64, focal: (f64, f64)) -> AppResult<Vec<Crop>> {
    let (family, picture, _) = decode(bytes, max_pixels)?;
    crops(&picture, family, focal)
}

/// The largest `rw:rh` rectangle inside `width` × `height`, centred on the focal point
/// as far as the edges allow: `(left, top, width, height)`.
pub fn crop_rect(
    width: u32,
    height: u32,
    (rw, rh): (u32, u32),
    (fx, fy): (f64, f64),
) -> (u32, u32, u32, u32) {
    let (w, h) = (u64::from(width), u64::from(height));
    let (cw, ch) = if w * u64::from(rh) > h * u64::from(rw) {
        (h * u64::from(rw) / u64::from(rh), h)
    } else {
        (w, w * u64::from(rh) / u64::from(rw))
    };
    let (cw, ch) = (cw.max(1), ch.max(1));
    let place = |size: u64, crop: u64, focus: f64| -> u64 {
        let centre = (focus.clamp(0.0, 1.0) * size as f64).round() as i64;
        (centre - crop as i64 / 2).clamp(0, (size - crop) as i64) as u64
    };
    (
        place(w, cw, fx) as u32,
        place(h, ch, fy) as u32,
        cw as u32,
        ch as u32,
    )
}

fn crops(picture: &DynamicImage, family: Family, focal: (f64, f64)) -> AppResult<Vec<Crop>> {
    // Crops are stills: an animated GIF's crop is a PNG of its first frame.
    let family = if family == Family::Gif {
        Family::Png
    } else {
        family
    };
    let alpha = picture.color().has_alpha();
    let mut out = Vec::new();
    for (ratio, rw, rh) in CROP_RATIOS {
        let (left, top, cw, ch) = crop_rect(picture.width(), picture.height(), (rw, rh), focal);
        let cut = picture.crop_imm(left, top, cw, ch);
        let target = cw.min(CROP_WIDTH);
        let target_height = ((u64::from(ch) * u64::from(target)) / u64::from(cw)).max(1) as u32;
        let cut = if target == cw {
            cut
        } else {
            cut.resize_exact(target, target_height, image::imageops::FilterType::Lanczos3)
        };
        let (pixels, channels) = if alpha {
            (cut.into_rgba8().into_raw(), ExtendedColorType::Rgba8)
        } else {
            (cut.into_rgb8().into_raw(), ExtendedColorType::Rgb8)
        };
        out.push(Crop {
            ratio,
            image: Encoded {
                width: target,
                height: target_height,
                family,
                bytes: encode_family(family, &pixels, target, target_height, channels)?,
            },
        });
    }
    Ok(out)
}

/// Decodes and orients an upload that passed [`inspect`], reading its embedded
/// caption and credit.
fn decode(bytes: &[u8], max_pixels: u64) -> AppResult<(Family, DynamicImage, Embedded)> {
    let (family, _, _) = inspect(bytes, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), family.format());
    let mut limits = image::Limits::default();
    // Decoded RGBA bytes of the largest allowed image, plus headroom for the decoder.
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| unreadable(&e))?;
    // 16-bit or float images need several times the bytes of 8-bit RGBA per pixel.
    let budget = max_pixels.saturating_mul(4);
    if decoder.total_bytes() > budget {
        return Err(AppError::invalid(
            "file",
            format!(
                "the image needs {} MB decoded; the limit is {} MB (fewer pixels or 8-bit colour)",
                decoder.total_bytes() >> 20,
                budget >> 20
            ),
        ));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let exif = decoder.exif_metadata().ok().flatten();
    let xmp = decoder.xmp_metadata().ok().flatten();
    let iptc = decoder.iptc_metadata().ok().flatten();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| unreadable(&e))?;
    picture.apply_orientation(orientation);

    let found = embedded(exif.as_deref(), xmp.as_deref(), iptc.as_deref());
    Ok((family, picture, found))
}

/// The widths to produce for an image `width` pixels wide: every standard width below
/// it, and the image itself up to the largest standard width.
pub fn widths_for(width: u32) -> Vec<u32> {
    let mut out: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < width).collect();
    out.push(width.min(WIDTHS[WIDTHS.len() - 1]));
    out.dedup();
    out
}

/// Resizes largest-first (each size from the one above it, which is both faster and
/// sharp enough) and encodes each size as WebP and in the original's family. The new
/// files carry pixels only: no EXIF, so no GPS.
fn render(picture: DynamicImage, family: Family) -> AppResult<Vec<Encoded>> {
    let alpha = picture.color().has_alpha();
    let (pixel_type, channels) = if alpha {
        (PixelType::U8x4, ExtendedColorType::Rgba8)
    } else {
        (PixelType::U8x3, ExtendedColorType::Rgb8)
    };
    let (width, height) = (picture.width(), picture.height());
    let buffer = if alpha {
        picture.into_rgba8().into_raw()
    } else {
        picture.into_rgb8().into_raw()
    };
    let mut current = FirImage::from_vec_u8(width, height, buffer, pixel_type)
        .map_err(|e| AppError::internal(format!("resize buffer: {e}")))?;
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new();
    let mut out = Vec::new();
    for target in widths_for(width).into_iter().rev() {
        let target_height =
            ((u64::from(height) * u64::from(target)) / u64::from(width)).max(1) as u32;
        if target != current.width() {
            let mut next = FirImage::new(target, target_height, pixel_type);
            resizer
                .resize(&current, &mut next, &options)
                .map_err(|e| AppError::internal(format!("resize: {e}")))?;
            current = next;
        }
        let (w, h, pixels) = (current.width(), current.height(), current.buffer());
        // WebP cannot exceed 16383 pixels a side (a very tall infographic): such
        // sizes keep only the original's family.
        if w <= WEBP_MAX_SIDE && h <= WEBP_MAX_SIDE {
            out.push(Encoded {
                width: w,
                height: h,
                family: Family::Webp,
                bytes: encode_webp(pixels, w, h, alpha)?,
            });
        }
        if family != Family::Webp {
            out.push(Encoded {
                width: w,
                height: h,
                family,
                bytes: encode_family(family, pixels, w, h, channels)?,
            });
        }
    }
    out.reverse();
    Ok(out)
}

/// libwebp's largest side.
const WEBP_MAX_SIDE: u32 = 16383;

fn encode_webp(pixels: &[u8], width: u32, height: u32, alpha: bool) -> AppResult<Vec<u8>> {
    let encoder = if alpha {
        webp::Encoder::from_rgba(pixels, width, height)
    } else {
        webp::Encoder::from_rgb(pixels, width, height)
    };
    encoder
        .encode_simple(false, 80.0)
        .map(|memory| memory.to_vec())
        .map_err(|e| AppError::invalid("file", format!("cannot encode as WebP: {e:?}")))
}

fn encode_family(
    family: Family,
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: ExtendedColorType,
) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    let result = match family {
        Family::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
            .write_image(pixels, width, height, channels),
        Family::Png => image::codecs::png::PngEncoder::new(&mut out)
            .write_image(pixels, width, height, channels),
        Family::Gif => {
            let rgba = match channels {
                ExtendedColorType::Rgba8 => pixels.to_vec(),
                _ => pixels
                    .chunks_exact(3)
                    .flat_map(|p| [p[0], p[1], p[2], 255])
                    .collect(),
            };
            image::codecs::gif::GifEncoder::new_with_speed(&mut out, 10).encode(
                &rgba,
                width,
                height,
                ExtendedColorType::Rgba8,
            )
        }
        Family::Webp => {
            return encode_webp(pixels, width, height, channels == ExtendedColorType::Rgba8);
        }
    };
    result.map_err(|e| AppError::internal(format!("encode {}: {e}", family.mime())))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_off_jpegs_are_incomplete() {
        let mut jpeg = Vec::new();
        let pixels = vec![90u8; 64 * 64 * 3];
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .write_image(&pixels, 64, 64, ExtendedColorType::Rgb8)
            .unwrap();
        assert!(jpeg_is_complete(&jpeg));
        assert!(!jpeg_is_complete(&jpeg[..jpeg.len() - 2]));
        assert!(!jpeg_is_complete(&jpeg[..jpeg.len() / 2]));
        assert!(!jpeg_is_complete(&jpeg[..3]));
    }

    #[test]
    fn crops_centre_on_the_focal_point_within_the_edges() {
        // A 1600×900 photo: 16:9 is all of it; 1:1 is 900 wide around the focus.
        assert_eq!(crop_rect(1600, 900, (16, 9), (0.9, 0.5)), (0, 0, 1600, 900));
        assert_eq!(crop_rect(1600, 900, (1, 1), (0.5, 0.5)), (350, 0, 900, 900));
        assert_eq!(
            crop_rect(1600, 900, (1, 1), (0.95, 0.5)),
            (700, 0, 900, 900)
        );
        assert_eq!(crop_rect(1600, 900, (1, 1), (0.0, 0.5)), (0, 0, 900, 900));
        // A portrait photo: 16:9 takes the full width, a band around the focus.
        assert_eq!(crop_rect(900, 1600, (16, 9), (0.5, 0.2)), (0, 67, 900, 506));
    }

    #[test]
    fn widths_never_upscale() {
        assert_eq!(widths_for(300), vec![300]);
        assert_eq!(widths_for(640), vec![320, 640]);
        assert_eq!(widths_for(1000), vec![320, 640, 1000]);
        assert_eq!(widths_for(6000), vec![320, 640, 1024, 1600, 2400]);
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(Family::sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Family::Jpeg));
        assert_eq!(Family::sniff(b"GIF89a...."), Some(Family::Gif));
        assert_eq!(Family::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Family::Webp));
        assert_eq!(Family::sniff(b"<svg xmlns="), None);
        assert_eq!(Family::sniff(b"%PDF-1.7"), None);
    }
}
