//! Turns a story's HTML (WordPress, Ghost) into our body blocks. The HTML is first
//! cleaned to the few elements that have a block to go to (ammonia, so whatever comes
//! in, what is read here is well-formed), then read as a flat stream of tags and text.
//! Images keep their source URL in `image_id` until the importer has stored the file.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::content::articles::blocks::{Block, esc, strip_tags, unescape};

/// Elements that become blocks or inline markup.
const MAPPED: &[&str] = &[
    "p",
    "br",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "cite",
    "ul",
    "ol",
    "li",
    "figure",
    "figcaption",
    "img",
    "iframe",
];

/// Elements whose wrapper carries nothing a reader sees: unwrapped silently.
const WRAPPERS: &[&str] = &[
    "html", "body", "div", "span", "section", "article", "header", "footer", "main", "aside", "u",
    "small", "sup", "sub", "mark", "abbr", "time", "s", "del", "ins", "hr", "picture", "source",
    "code", "nav",
];

/// A story body in blocks, and what did not fit.
#[derive(Debug, Default)]
pub struct Converted {
    pub blocks: Vec<Block>,
    /// Human-readable notes: markup that had no block to go to.
    pub notes: Vec<String>,
    /// `(src, alt)` of every image met, for the photo library's alt text.
    pub images: Vec<(String, String)>,
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .add_tags(MAPPED.iter().copied())
            .add_tag_attributes("a", ["href"])
            .add_tag_attributes("img", ["src", "alt"])
            .add_tag_attributes("iframe", ["src"])
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(None);
        builder
    })
}

/// Converts `html` to blocks.
pub fn to_blocks(html: &str) -> Converted {
    let mut out = Converted::default();
    let unsupported = unsupported_tags(html);
    if !unsupported.is_empty() {
        let names: Vec<String> = unsupported.iter().map(|t| format!("<{t}>")).collect();
        out.notes.push(format!(
            "markup with no Dateline block, kept as text or dropped: {}",
            names.join(", ")
        ));
    }
    let clean = cleaner().clean(html).to_string();
    let mut builder = Builder::default();
    for token in tokens(&clean) {
        builder.take(token, &mut out);
    }
    builder.flush(&mut out);
    out
}

/// Tag names in raw HTML that are neither mapped nor harmless wrappers.
fn unsupported_tags(html: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = html.as_bytes();
    for (at, _) in html.match_indices('<') {
        let name: String = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
        if name.is_empty() || !name.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        if !MAPPED.contains(&name.as_str()) && !WRAPPERS.contains(&name.as_str()) {
            found.insert(name);
        }
    }
    found
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Start(String, Vec<(String, String)>),
    End(String),
    /// Escaped text, as the serializer wrote it.
    Text(&'a str),
}

/// Reads serialised, well-formed HTML (ammonia's output) as tags and text.
fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(at) = rest.find('<') else {
            out.push(Token::Text(rest));
            break;
        };
        if at > 0 {
            out.push(Token::Text(&rest[..at]));
        }
        let Some(end) = tag_end(&rest[at..]) else {
            out.push(Token::Text(&rest[at..]));
            break;
        };
        let tag = &rest[at + 1..at + end];
        rest = &rest[at + end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            out.push(Token::End(name.trim().to_ascii_lowercase()));
            continue;
        }
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        out.push(Token::Start(
            tag[..name_end].to_ascii_lowercase(),
            attributes(&tag[name_end..]),
        ));
    }
    out
}

/// Where the tag starting at `s[0] == '<'` ends, skipping `>` inside quoted values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn attributes(raw: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq]
            .trim()
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(close) => (&after[1..1 + close], &after[close + 2..]),
                None => (&after[1..], ""),
            },
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push((name, unescape(value)));
        rest = next.trim_start();
    }
    out
}

/// Collapses runs of whitespace (HTML text is whitespace-insensitive).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The block being read, when inside a block-level element.
#[derive(Debug, Default)]
enum Open {
    #[default]
    Flow,
    Heading(u8, String),
    Quote {
        text: String,
        cite: String,
        in_cite: bool,
    },
    List {
        ordered: bool,
        depth: usize,
        items: Vec<String>,
        item: String,
    },
    Figure {
        image: Option<String>,
        caption: String,
        in_caption: bool,
        text: String,
    },
}

#[derive(Debug, Default)]
struct Builder {
    open: Open,
    /// Inline HTML of the paragraph being read.
    inline: String,
}

impl Builder {
    fn take(&mut self, token: Token<'_>, out: &mut Converted) {
        match token {
            Token::Text(text) => self.text(text),
            Token::Start(name, attrs) => self.start(&name, &attrs, out),
            Token::End(name) => self.end(&name, out),
        }
    }

    fn text(&mut self, escaped: &str) {
        match &mut self.open {
            Open::Flow => self.inline.push_str(escaped),
            Open::Heading(_, text) => text.push_str(&unescape(escaped)),
            Open::Quote {
                text,
                cite,
                in_cite,
            } => {
                let target = if *in_cite { cite } else { text };
                target.push_str(&unescape(escaped));
            }
            Open::List { item, .. } => item.push_str(&unescape(escaped)),
            Open::Figure {
                caption,
                in_caption,
                text,
                ..
            } => {
                let target = if *in_caption { caption } else { text };
                target.push_str(&unescape(escaped));
            }
        }
    }

    fn start(&mut self, name: &str, attrs: &[(String, String)], out: &mut Converted) {
        let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        match (name, &mut self.open) {
            ("img", Open::Figure { image, .. }) => {
                if let Some(src) = attr("src") {
                    out.images
                        .push((src.clone(), attr("alt").unwrap_or_default()));
                    *image = Some(src);
                }
            }
            ("img", _) => {
                if let Some(src) = attr("src") {
                    self.flush(out);
                    out.images
                        .push((src.clone(), attr("alt").unwrap_or_default()));
                    out.blocks.push(image_block(src, String::new()));
                }
            }
            ("iframe", _) => {
                self.flush(out);
                let src = attr("src").map(|s| match s.strip_prefix("//") {
                    Some(rest) => format!("https://{rest}"),
                    None => s,
                });
                if let Some(src) = src.filter(|s| s.starts_with("http")) {
                    out.blocks.push(Block::Embed {
                        url: src,
                        provider: None,
                    });
                }
            }
            ("br", Open::Flow) => self.inline.push_str("<br>"),
            ("br", _) => self.text(" "),
            ("p", Open::Flow) => self.flush(out),
            ("p", _) => self.text(" "),
            (h, Open::Flow) if is_heading(h) => {
                self.flush(out);
                let level = h[1..].parse::<u8>().unwrap_or(2).clamp(2, 4);
                self.open = Open::Heading(level, String::new());
            }
            ("blockquote", Open::Flow) => {
                self.flush(out);
                self.open = Open::Quote {
                    text: String::new(),
                    cite: String::new(),
                    in_cite: false,
                };
            }
            ("cite", Open::Quote { in_cite, .. }) => *in_cite = true,
            ("ul" | "ol", Open::Flow) => {
                self.flush(out);
                self.open = Open::List {
                    ordered: name == "ol",
                    depth: 1,
                    items: Vec::new(),
                    item: String::new(),
                };
            }
            ("ul" | "ol", Open::List { depth, .. }) => *depth += 1,
            ("li", Open::List { items, item, .. }) => {
                // A nested list's items follow their parent's text, flattened.
                let text = squash(item);
                if !text.is_empty() {
                    items.push(text);
                }
                item.clear();
            }
            ("figure", Open::Flow) => {
                self.flush(out);
                self.open = Open::Figure {
                    image: None,
                    caption: String::new(),
                    in_caption: false,
                    text: String::new(),
                };
            }
            ("figcaption", Open::Figure { in_caption, .. }) => *in_caption = true,
            ("a", Open::Flow) => match attr("href") {
                Some(href) => self
                    .inline
                    .push_str(&format!("<a href=\"{}\">", esc(&href))),
                None => self.inline.push_str("<a>"),
            },
            ("em" | "i", Open::Flow) => self.inline.push_str("<em>"),
            ("strong" | "b", Open::Flow) => self.inline.push_str("<strong>"),
            _ => {}
        }
    }

    fn end(&mut self, name: &str, out: &mut Converted) {
        match (name, &mut self.open) {
            ("p", Open::Flow) => self.flush(out),
            ("a", Open::Flow) => self.inline.push_str("</a>"),
            ("em" | "i", Open::Flow) => self.inline.push_str("</em>"),
            ("strong" | "b", Open::Flow) => self.inline.push_str("</strong>"),
            (h, Open::Heading(level, text)) if is_heading(h) => {
                let text = squash(text);
                let level = *level;
                self.open = Open::Flow;
                if !text.is_empty() {
                    out.blocks.push(Block::Heading { level, text });
                }
            }
            ("cite", Open::Quote { in_cite, .. }) => *in_cite = false,
            ("blockquote", Open::Quote { text, cite, .. }) => {
                let (text, cite) = (squash(text), squash(cite));
                let cite = cite.trim_start_matches(['—', '–', '-', ' ']).to_owned();
                self.open = Open::Flow;
                if !text.is_empty() {
                    out.blocks.push(Block::Quote {
                        text,
                        attribution: (!cite.is_empty()).then_some(cite),
                    });
                }
            }
            ("li", Open::List { items, item, .. }) => {
                let text = squash(item);
                if !text.is_empty() {
                    items.push(text);
                }
                item.clear();
            }
            (
                "ul" | "ol",
                Open::List {
                    ordered,
                    depth,
                    items,
                    item,
                },
            ) => {
                *depth -= 1;
                if *depth == 0 {
                    let text = squash(item);
                    if !text.is_empty() {
                        items.push(text);
                    }
                    let block = Block::List {
                        ordered: *ordered,
                        items: std::mem::take(items),
                    };
                    self.open = Open::Flow;
                    if let Block::List { items, .. } = &block
                        && !items.is_empty()
                    {
                        out.blocks.push(block);
                    }
                }
            }
            ("figcaption", Open::Figure { in_caption, .. }) => *in_caption = false,
            (
                "figure",
                Open::Figure {
                    image,
                    caption,
                    text,
                    ..
                },
            ) => {
                let (image, caption, text) = (image.take(), squash(caption), squash(text));
                self.open = Open::Flow;
                match image {
                    // Text beside the photo but outside <figcaption> is its caption too.
                    Some(src) => {
                        let caption = [caption, text]
                            .into_iter()
                            .filter(|t| !t.is_empty())
                            .collect::<Vec<_>>()
                            .join(" ");
                        out.blocks.push(image_block(src, caption))
                    }
                    // An embed wrapper (a bare URL in a figure), or text in a figure.
                    None if !text.is_empty() => {
                        self.inline = esc(&text);
                        self.flush(out);
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// Ends the paragraph being read: a bare URL on its own becomes an embed (as
    /// WordPress and Ghost treat it), other text a paragraph.
    fn flush(&mut self, out: &mut Converted) {
        let inline = std::mem::take(&mut self.inline);
        let visible = strip_tags(&inline);
        let visible = visible.trim();
        if visible.is_empty() {
            return;
        }
        if (visible.starts_with("https://") || visible.starts_with("http://"))
            && !visible.contains(char::is_whitespace)
        {
            out.blocks.push(Block::Embed {
                url: visible.to_owned(),
                provider: None,
            });
            return;
        }
        out.blocks.push(Block::Paragraph {
            html: inline.trim().to_owned(),
        });
    }
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn image_block(src: String, caption: String) -> Block {
    Block::Image {
        image_id: src,
        caption: (!caption.is_empty()).then_some(caption),
        credit: None,
        image: None,
    }
}

/// Plain text of an HTML fragment (a caption or an excerpt), whitespace collapsed.
pub fn text_of(html: &str) -> String {
    squash(&strip_tags(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_from_a_typical_story() {
        let html = r#"<!-- wp:paragraph --><p>First <b>bold</b> and <a href="https://x.test/a?b=1&amp;c=2" onclick="x()">link</a>.</p><!-- /wp:paragraph -->
<h2 class="x">A <em>subhead</em></h2>
<blockquote><p>We will act.</p><cite>— The Minister</cite></blockquote>
<ul><li>One</li><li>Two<ul><li>Two a</li></ul></li></ul>
<figure class="wp-block-image"><img src="https://x.test/wp-content/uploads/2024/03/p-1024x683.jpg" alt="A photo"><figcaption>Crowds gather</figcaption></figure>
<p>https://www.youtube.com/watch?v=abc</p>
<table><tr><td>cell</td></tr></table>
<script>alert(1)</script>"#;
        let out = to_blocks(html);
        assert_eq!(
            out.blocks,
            vec![
                Block::Paragraph {
                    html: r#"First <strong>bold</strong> and <a href="https://x.test/a?b=1&amp;c=2">link</a>."#.into()
                },
                Block::Heading {
                    level: 2,
                    text: "A subhead".into()
                },
                Block::Quote {
                    text: "We will act.".into(),
                    attribution: Some("The Minister".into())
                },
                Block::List {
                    ordered: false,
                    items: vec!["One".into(), "Two".into(), "Two a".into()]
                },
                Block::Image {
                    image_id: "https://x.test/wp-content/uploads/2024/03/p-1024x683.jpg".into(),
                    caption: Some("Crowds gather".into()),
                    credit: None,
                    image: None
                },
                Block::Embed {
                    url: "https://www.youtube.com/watch?v=abc".into(),
                    provider: None
                },
                Block::Paragraph {
                    html: "cell".into()
                },
            ]
        );
        assert_eq!(
            out.images,
            vec![(
                "https://x.test/wp-content/uploads/2024/03/p-1024x683.jpg".to_owned(),
                "A photo".to_owned()
            )]
        );
        assert!(out.notes[0].contains("<table>") && out.notes[0].contains("<script>"));
    }

    #[test]
    fn hostile_markup_yields_only_inline_html() {
        let out = to_blocks(
            r#"<p><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)></p><iframe src="javascript:1"></iframe>"#,
        );
        for block in &out.blocks {
            if let Block::Paragraph { html } = block {
                assert!(!html.contains("javascript"), "{html}");
            }
        }
        assert!(!out.blocks.iter().any(|b| matches!(b, Block::Embed { .. })));
        assert!(
            out.blocks
                .iter()
                .any(|b| matches!(b, Block::Paragraph { html } if html.contains(">x</a>"))),
            "{:?}",
            out.blocks
        );
    }
}
