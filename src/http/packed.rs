//! Text kept and sent many times (a story's stored render) is kept [`pack`]ed: deflated
//! once, so that a gzip body can be joined from packed texts as they are and short
//! pieces made per request ([`Gzip`]), and a client taking no coding gets it inflated.

/// A piece of a JSON body, made now or stored packed. A story's piece is its object
/// left open (the text without the closing brace), so that fields or the brace can
/// follow; the pieces between stories are punctuation made per request.
pub enum Part {
    Plain(Vec<u8>),
    /// As [`pack`] made it.
    Packed(Vec<u8>),
}

impl Part {
    /// The text itself.
    pub fn plain(&self) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        match self {
            Part::Plain(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
            Part::Packed(packed) => unpack(packed).map(std::borrow::Cow::Owned),
        }
    }

    /// The length of the text itself (a packed text's as it says; 0 if unreadable).
    pub fn plain_len(&self) -> usize {
        match self {
            Part::Plain(bytes) => bytes.len(),
            Part::Packed(packed) => split(packed).map_or(0, |(_, length, _)| length as usize),
        }
    }

    /// The text itself, appended to `out`.
    pub fn append_plain(&self, out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Part::Plain(bytes) => {
                out.extend_from_slice(bytes);
                Ok(())
            }
            Part::Packed(packed) => unpack_into(packed, out),
        }
    }

    /// The text as [`pack`] keeps it.
    pub fn packed(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Part::Plain(text) => std::borrow::Cow::Owned(pack(text)),
            Part::Packed(packed) => std::borrow::Cow::Borrowed(packed),
        }
    }
}

/// `text` deflated once, to be kept and sent many times: raw deflate ending in a sync
/// flush (byte-aligned, not final, so that a gzip body can continue after it without
/// compressing it again, see [`Gzip`]), then the text's CRC-32 and length (little
/// endian, four bytes each) that a gzip trailer needs. A story's JSON packs to a fifth.
pub fn pack(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 3 + 64);
    deflate_sync(text, flate2::Compression::new(6), &mut out);
    out.extend_from_slice(&crc32fast::hash(text).to_le_bytes());
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out
}

/// The text [`pack`] packed.
pub fn unpack(packed: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    unpack_into(packed, &mut out)?;
    Ok(out)
}

thread_local! {
    /// An inflater per thread (libdeflate's allocates its tables once), and the packed
    /// stream with its final block in one piece.
    static INFLATE: std::cell::RefCell<(libdeflater::Decompressor, Vec<u8>)> =
        std::cell::RefCell::new((libdeflater::Decompressor::new(), Vec::new()));
}

/// The text [`pack`] packed, appended to `out` (left as it was if it does not inflate).
/// Inflated whole into the room its length says, not streamed: libdeflate then keeps
/// no window and copies nothing, and an inflated list of stories costs a third of the
/// instructions zlib-rs took.
pub fn unpack_into(packed: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let (stream, length, _) = split(packed)?;
    // Deflate makes at most 1,032 bytes of a byte: room for more than that is a lie.
    if length as usize > stream.len().saturating_mul(1032) {
        return Err("a packed text's length does not match".into());
    }
    let start = out.len();
    // Grown by doubling if at all: the texts of a list follow one another into one body,
    // which its maker sized once.
    out.resize(start + length as usize, 0);
    let done = INFLATE.with_borrow_mut(|(inflate, input)| {
        // libdeflate inflates a stream to its final block: the packed stream leaves off
        // before one, to be continued in a gzip body.
        input.clear();
        input.extend_from_slice(stream);
        input.extend_from_slice(&FINAL_EMPTY);
        inflate.deflate_decompress(input, &mut out[start..])
    });
    match done {
        Ok(written) if written == length as usize => Ok(()),
        Ok(_) | Err(libdeflater::DecompressionError::InsufficientSpace) => {
            out.truncate(start);
            Err("a packed text's length does not match".into())
        }
        Err(e) => {
            out.truncate(start);
            Err(format!("a packed text does not inflate: {e}"))
        }
    }
}

/// A packed text's deflate stream, length and CRC-32.
fn split(packed: &[u8]) -> Result<(&[u8], u32, u32), String> {
    let Some(at) = packed.len().checked_sub(8) else {
        return Err("a packed text is too short".into());
    };
    let (stream, trailer) = packed.split_at(at);
    let word =
        |i: usize| u32::from_le_bytes([trailer[i], trailer[i + 1], trailer[i + 2], trailer[i + 3]]);
    Ok((stream, word(4), word(0)))
}

/// A final, empty deflate block (fixed Huffman, end of block at once).
const FINAL_EMPTY: [u8; 2] = [0x03, 0x00];

/// Raw deflate of `bytes` appended to `out`, ending in a sync flush.
fn deflate_sync(bytes: &[u8], level: flate2::Compression, out: &mut Vec<u8>) {
    let mut deflate = flate2::Compress::new(level, false);
    let mut input = bytes;
    loop {
        out.reserve(input.len() / 2 + 256);
        let before = deflate.total_in();
        // In memory, with room reserved: cannot fail.
        let _ = deflate.compress_vec(input, out, flate2::FlushCompress::Sync);
        input = &input[(deflate.total_in() - before) as usize..];
        // Done once everything went in and the flush did not fill the room it had.
        if input.is_empty() && out.len() < out.capacity() {
            return;
        }
    }
}

/// A gzip body made of packed texts sent as they are and short pieces made now, with
/// no text compressed twice: a story page is the story's stored render and its
/// neighbours, a list its stories' renders and the punctuation between them.
pub struct Gzip {
    out: Vec<u8>,
    crc: crc32fast::Hasher,
    length: u32,
}

impl Default for Gzip {
    fn default() -> Self {
        Self::new()
    }
}

impl Gzip {
    pub fn new() -> Gzip {
        let mut out = Vec::with_capacity(16 * 1024);
        // Magic, deflate, no flags, no time, no extra flags, unknown OS.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        Gzip {
            out,
            crc: crc32fast::Hasher::new(),
            length: 0,
        }
    }

    /// Appends a text [`pack`] made.
    pub fn packed(&mut self, packed: &[u8]) -> Result<(), String> {
        let (stream, length, crc) = split(packed)?;
        self.out.extend_from_slice(stream);
        self.crc.combine(&crc32fast::Hasher::new_with_initial_len(
            crc,
            u64::from(length),
        ));
        self.length = self.length.wrapping_add(length);
        Ok(())
    }

    /// Appends text made now: short pieces as stored blocks, longer ones deflated fast.
    pub fn plain(&mut self, text: &[u8]) {
        self.crc.update(text);
        self.length = self.length.wrapping_add(text.len() as u32);
        if text.len() >= 1024 {
            deflate_sync(text, flate2::Compression::fast(), &mut self.out);
            return;
        }
        // Byte-aligned after the last block: a stored block's header is one byte
        // (not final, type 00), then LEN and its complement.
        let len = text.len() as u16;
        self.out.push(0);
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(&(!len).to_le_bytes());
        self.out.extend_from_slice(text);
    }

    pub fn part(&mut self, part: &Part) -> Result<(), String> {
        match part {
            Part::Plain(bytes) => {
                self.plain(bytes);
                Ok(())
            }
            Part::Packed(packed) => self.packed(packed),
        }
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&FINAL_EMPTY);
        self.out
            .extend_from_slice(&self.crc.finalize().to_le_bytes());
        self.out.extend_from_slice(&self.length.to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_texts_and_pieces_join_into_one_gzip_body() {
        use std::io::Read;
        let story = br#"{"headline":"Harbour reopens","body":"#.repeat(300);
        let other = br#"{"headline":"Storm passes","body":"calm"#.repeat(80);
        let packed = pack(&story);
        assert!(packed.len() < story.len() / 4);
        assert_eq!(unpack(&packed).unwrap(), story);
        let mut gzip = Gzip::new();
        gzip.plain(b"[");
        gzip.packed(&packed).unwrap();
        gzip.plain(b"},");
        gzip.part(&Part::Plain(other.clone())).unwrap();
        gzip.plain(b"}]");
        let body = gzip.finish();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut out)
            .expect("a valid gzip member, its CRC and length checked");
        let mut expected = b"[".to_vec();
        expected.extend_from_slice(&story);
        expected.extend_from_slice(b"},");
        expected.extend_from_slice(&other);
        expected.extend_from_slice(b"}]");
        assert_eq!(out, expected);
        assert!(unpack(&packed[..packed.len() - 9]).is_err());
        assert!(unpack(b"short").is_err());
        // One inflater serves text after text, appending; a text that does not inflate
        // leaves what was there.
        let mut out = b"[".to_vec();
        Part::Packed(packed.clone()).append_plain(&mut out).unwrap();
        Part::Packed(pack(&other)).append_plain(&mut out).unwrap();
        let mut lying = packed.clone();
        let at = lying.len() - 4;
        lying[at] ^= 1;
        assert!(Part::Packed(lying).append_plain(&mut out).is_err());
        assert_eq!(out, [&b"["[..], &story, &other].concat());
    }
}
