//! The image header reader: any upload is recognised by its magic bytes and sized
//! from its header without decoding, or refused with a client error (415 or 422),
//! never a panic or a 500; embedded EXIF, XMP and IPTC are read the same way.
#![no_main]

use dateline::error::AppError;
use dateline::media::{metadata, process};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match process::inspect(data, 40_000_000) {
        Ok((_, width, height)) => {
            assert!(width > 0 && height > 0);
            assert!(u64::from(width) * u64::from(height) <= 40_000_000);
        }
        Err(e) => assert!(
            matches!(
                e,
                AppError::UnsupportedMediaType(_) | AppError::Validation(_)
            ),
            "refused as {e:?}, not as a client error"
        ),
    }
    // The same bytes as the three metadata blocks a photo can carry.
    let third = data.len() / 3;
    let (exif, rest) = data.split_at(third);
    let (xmp, iptc) = rest.split_at(third);
    let _ = metadata::embedded(Some(exif), Some(xmp), Some(iptc));
});
