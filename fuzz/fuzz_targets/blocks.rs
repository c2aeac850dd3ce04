//! The body-block parser: any bytes a client can send as `body` either fail with a
//! field error or become blocks that clean and render without panicking, and whose
//! rendered HTML carries no element outside the body's own vocabulary.
#![no_main]

use dateline::content::articles::blocks::{Block, ImageInfo, Referenced, render};
use dateline::error::Errors;
use dateline::http::extract::parse_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(blocks) = parse_json::<Vec<Block>>(data) else {
        return;
    };
    let mut errors = Errors::default();
    let cleaned: Vec<Block> = blocks
        .into_iter()
        .enumerate()
        .map(|(i, b)| b.clean(i, &mut errors))
        .collect();
    let image = |id: &str| {
        Some(ImageInfo {
            url: format!("/media/{id}.jpg"),
            srcset: String::new(),
            alt: id.to_owned(),
            caption: id.to_owned(),
            credit: id.to_owned(),
            width: 1200,
            height: 800,
        })
    };
    let rendered = render(&cleaned, "standfirst", &Referenced { image: &image });
    // Markup is whatever sits between `<` and `>` (text has its `<` escaped): no tag
    // may be a script or a frame, and no attribute may carry a script URL.
    let lower = rendered.html.to_ascii_lowercase();
    for tag in lower
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default())
    {
        assert!(
            !tag.starts_with("script") && !tag.starts_with("iframe") && !tag.starts_with("object"),
            "<{tag}> in {}",
            rendered.html
        );
        for attr in ["href=\"", "src=\""] {
            for (at, _) in tag.match_indices(attr) {
                let value = &tag[at + attr.len()..];
                let value = &value[..value.find('"').unwrap_or(value.len())];
                // As a browser reads a URL: leading controls and spaces, and any tab
                // or newline, do not count.
                let url: String = value
                    .trim_start_matches(|c: char| c <= ' ')
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect();
                assert!(
                    !["javascript:", "vbscript:", "data:"]
                        .iter()
                        .any(|s| url.starts_with(s)),
                    "script URL in <{tag}>: {}",
                    rendered.html
                );
            }
        }
        // Outside quoted values: a value may hold spaces and `on…=` as text (a relative
        // href such as `x in <a onef=`, percent-encoded where it had `<`).
        let unquoted: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        let handler = unquoted.split_whitespace().any(|word| {
            word.split_once('=').is_some_and(|(name, _)| {
                name.len() > 2
                    && name.starts_with("on")
                    && name.bytes().all(|b| b.is_ascii_lowercase())
            })
        });
        // Attribute values the renderer writes are quoted and escaped, so an `onx=` word
        // outside quotes can only be an attribute if quoting failed.
        assert!(
            !handler || tag.contains("alt=") || tag.contains("title="),
            "event handler in <{tag}>"
        );
    }
    // Cleaning is stable: a body read back and saved again is unchanged.
    let mut again = Errors::default();
    for (i, block) in cleaned.iter().enumerate() {
        assert_eq!(&block.clone().clean(i, &mut again), block);
    }
});
