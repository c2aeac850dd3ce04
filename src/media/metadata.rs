//! Caption and credit embedded by cameras and agencies: IPTC IIM (in Photoshop's APP13
//! resources), XMP and EXIF, in the order agencies' tools give them priority.

/// Text found in a photo's metadata.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Embedded {
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// Reads caption and credit from whichever metadata blocks the file carries.
pub fn embedded(exif: Option<&[u8]>, xmp: Option<&[u8]>, iptc: Option<&[u8]>) -> Embedded {
    let iptc = iptc.map(iptc_fields).unwrap_or_default();
    let xmp = xmp.map(|x| String::from_utf8_lossy(x).into_owned());
    let xmp_field = |names: &[&str]| {
        xmp.as_deref()
            .and_then(|x| names.iter().find_map(|n| xmp_value(x, n)))
    };
    let exif = exif.map(exif_fields).unwrap_or_default();
    let first = |candidates: Vec<Option<String>>| {
        candidates
            .into_iter()
            .flatten()
            .map(|s| clean(&s))
            .find(|s| !s.is_empty())
    };
    let cap =
        |text: Option<String>, max: usize| text.map(|t| t.chars().take(max).collect::<String>());
    Embedded {
        caption: cap(
            first(vec![
                iptc.caption,
                xmp_field(&["dc:description"]),
                exif.description,
            ]),
            2000,
        ),
        credit: cap(
            first(vec![
                iptc.credit,
                xmp_field(&["photoshop:Credit"]),
                iptc.byline,
                xmp_field(&["dc:creator"]),
                exif.artist,
                iptc.copyright,
                xmp_field(&["dc:rights"]),
                exif.copyright,
            ]),
            300,
        ),
    }
}

/// Trims, collapses whitespace, drops control characters and caps the length.
fn clean(text: &str) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ").chars().take(2000).collect()
}

#[derive(Default)]
struct Iptc {
    caption: Option<String>,
    credit: Option<String>,
    byline: Option<String>,
    copyright: Option<String>,
}

/// Walks Photoshop image resources ("8BIM" blocks) to the IPTC-NAA block (0x0404) and
/// reads its record-2 datasets: 2:120 caption, 2:110 credit, 2:80 by-line, 2:116 copyright.
fn iptc_fields(resources: &[u8]) -> Iptc {
    let mut out = Iptc::default();
    let Some(iim) = photoshop_resource(resources, 0x0404) else {
        return out;
    };
    let mut i = 0;
    while i + 5 <= iim.len() {
        if iim[i] != 0x1C {
            break;
        }
        let (record, dataset) = (iim[i + 1], iim[i + 2]);
        let len = usize::from(u16::from_be_bytes([iim[i + 3], iim[i + 4]]));
        // Extended (> 32 KiB) datasets set the top bit; captions never need them.
        if len & 0x8000 != 0 {
            break;
        }
        let Some(data) = iim.get(i + 5..i + 5 + len) else {
            break;
        };
        let text = Some(String::from_utf8_lossy(data).into_owned());
        match (record, dataset) {
            (2, 120) => out.caption = text,
            (2, 110) => out.credit = text,
            (2, 80) if out.byline.is_none() => out.byline = text,
            (2, 116) => out.copyright = text,
            _ => {}
        }
        i += 5 + len;
    }
    out
}

fn photoshop_resource(mut data: &[u8], wanted: u16) -> Option<&[u8]> {
    while data.len() >= 12 && &data[..4] == b"8BIM" {
        let id = u16::from_be_bytes([data[4], data[5]]);
        // A Pascal-string name, padded to an even length (length byte included).
        let name_len = usize::from(data[6]);
        let name_total = (name_len + 2) & !1;
        let size_at = 6 + name_total;
        let size_bytes = data.get(size_at..size_at + 4)?;
        let size = u32::from_be_bytes([size_bytes[0], size_bytes[1], size_bytes[2], size_bytes[3]])
            as usize;
        let body_at = size_at + 4;
        let body = data.get(body_at..body_at.checked_add(size)?)?;
        if id == wanted {
            return Some(body);
        }
        let next = body_at + ((size + 1) & !1);
        data = data.get(next..)?;
    }
    None
}

/// The text of an XMP property, as an element (`<dc:description><rdf:Alt><rdf:li …>text`)
/// or an attribute (`photoshop:Credit="text"`).
fn xmp_value(xmp: &str, name: &str) -> Option<String> {
    if let Some(at) = xmp.find(&format!("{name}=\"")) {
        let rest = &xmp[at + name.len() + 2..];
        return rest.split('"').next().map(unescape);
    }
    let open = xmp.find(&format!("<{name}"))?;
    let after_tag = open + xmp[open..].find('>')? + 1;
    let close = after_tag + xmp[after_tag..].find(&format!("</{name}>"))?;
    let inner = &xmp[after_tag..close];
    // Inside, take the first <rdf:li> if there is a list, else the plain text.
    let text = match inner.find("<rdf:li") {
        Some(li) => {
            let start = li + inner[li..].find('>')? + 1;
            let end = start + inner[start..].find("</rdf:li>")?;
            &inner[start..end]
        }
        None => inner,
    };
    Some(unescape(text))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[derive(Default)]
struct ExifText {
    description: Option<String>,
    artist: Option<String>,
    copyright: Option<String>,
}

fn exif_fields(raw: &[u8]) -> ExifText {
    let Ok(exif) = exif::Reader::new().read_raw(raw.to_vec()) else {
        return ExifText::default();
    };
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY)
            .and_then(|f| match &f.value {
                exif::Value::Ascii(parts) => parts
                    .first()
                    .map(|p| String::from_utf8_lossy(p).into_owned()),
                _ => None,
            })
    };
    ExifText {
        description: text(exif::Tag::ImageDescription),
        artist: text(exif::Tag::Artist),
        copyright: text(exif::Tag::Copyright),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iptc_block(datasets: &[(u8, &str)]) -> Vec<u8> {
        let mut iim = Vec::new();
        for (dataset, text) in datasets {
            iim.extend([0x1C, 2, *dataset]);
            iim.extend((text.len() as u16).to_be_bytes());
            iim.extend(text.as_bytes());
        }
        let mut res = b"8BIM".to_vec();
        res.extend(0x0404u16.to_be_bytes());
        res.extend([0, 0]);
        res.extend((iim.len() as u32).to_be_bytes());
        res.extend(&iim);
        res
    }

    #[test]
    fn iptc_caption_and_credit_win() {
        let iptc = iptc_block(&[
            (80, "Jane Doe"),
            (120, "The  president\nspeaks"),
            (110, "Agency Photo"),
        ]);
        let found = embedded(None, None, Some(&iptc));
        assert_eq!(found.caption.as_deref(), Some("The president speaks"));
        assert_eq!(found.credit.as_deref(), Some("Agency Photo"));
    }

    #[test]
    fn xmp_fills_in_what_iptc_lacks() {
        let xmp = br#"<x:xmpmeta><rdf:Description photoshop:Credit="Wire &amp; Co"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">Crowds gather</rdf:li></rdf:Alt></dc:description></rdf:Description></x:xmpmeta>"#;
        let found = embedded(None, Some(xmp), None);
        assert_eq!(found.caption.as_deref(), Some("Crowds gather"));
        assert_eq!(found.credit.as_deref(), Some("Wire & Co"));
    }

    #[test]
    fn malformed_blocks_yield_nothing_rather_than_panicking() {
        for junk in [&b"8BIM"[..], b"8BIM\x04\x04\xff", b"\x1c\x02", b""] {
            assert_eq!(
                embedded(Some(junk), Some(junk), Some(junk)),
                Embedded::default()
            );
        }
    }
}
