//! Writes a photo-like test JPEG for the image benchmark:
//! `cargo run --release --example make_photo -- out.jpg 6000 4000`.
//! Smooth gradients with sensor-like noise compress like a real photo (~1 byte/pixel
//! at quality 90), unlike flat colour that JPEG squeezes to nothing.

use image::{ExtendedColorType, ImageEncoder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "photo.jpg".into());
    let width: u32 = args.next().map_or(Ok(6000), |a| a.parse())?;
    let height: u32 = args.next().map_or(Ok(4000), |a| a.parse())?;
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    let mut seed: u32 = 0x9E37_79B9;
    for y in 0..height {
        for x in 0..width {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed % 24) as i32 - 12;
            let fx = x as f32 / width as f32;
            let fy = y as f32 / height as f32;
            let r = 40.0 + 180.0 * fx + 30.0 * (fy * 9.0).sin();
            let g = 60.0 + 120.0 * fy + 40.0 * (fx * 13.0).cos();
            let b = 90.0 + 100.0 * (1.0 - fx) * fy;
            for c in [r, g, b] {
                pixels.push((c as i32 + noise).clamp(0, 255) as u8);
            }
        }
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, 90).write_image(
        &pixels,
        width,
        height,
        ExtendedColorType::Rgb8,
    )?;
    println!("{out}: {width}x{height}");
    Ok(())
}
