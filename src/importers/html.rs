//! Turns a story's HTML (WordPress, Ghost) into our body blocks. The HTML is first
//! cleaned to the elements that have a block to go to (ammonia, so whatever comes in,
//! what is read here is well-formed), read into a small tree (`dom.rs`), and walked. A figure is
//! seen whole: its photo or gallery, pull quote, table, player or embed, with its
//! caption. Images keep their source URL in `image_id` until the importer has stored
//! the file.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::dom::{Node, tree};
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
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "img",
    "iframe",
    "audio",
    "video",
    "source",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "pre",
    "code",
    "hr",
];

/// Elements whose wrapper carries nothing a reader sees: unwrapped silently.
const WRAPPERS: &[&str] = &[
    "html", "body", "div", "span", "section", "article", "header", "footer", "main", "aside", "u",
    "small", "sup", "sub", "mark", "abbr", "time", "s", "del", "ins", "picture", "nav", "kbd",
    "samp", "var", "q", "colgroup", "col", "track", "wbr", "acronym", "big", "tt", "strike",
    "address", "center", "font", "hgroup", "label",
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
            .add_tag_attributes("audio", ["src"])
            .add_tag_attributes("video", ["src"])
            .add_tag_attributes("source", ["src"])
            // Classes say what a figure or a <pre> is (a verse, a pull quote) and
            // which language a code block is in.
            .add_tag_attributes("pre", ["class"])
            .add_tag_attributes("code", ["class"])
            .add_tag_attributes("figure", ["class"])
            .add_tag_attributes("blockquote", ["class"])
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
    let lower = html.to_ascii_lowercase();
    if lower.contains("colspan") || lower.contains("rowspan") {
        out.notes
            .push("table cells spanning several columns or rows are shown as single cells".into());
    }
    let clean = cleaner().clean(html).to_string();
    let nodes = tree(&clean);
    let mut walker = Walker {
        out: &mut out,
        inline: String::new(),
    };
    walker.flow(&nodes);
    walker.flush();
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

/// Collapses runs of whitespace (HTML text is whitespace-insensitive).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Elements inside a line of text (the cleaned HTML keeps only these inline ones).
const INLINE: &[&str] = &["a", "em", "i", "strong", "b", "code", "cite"];

/// The visible text of nodes: line breaks and block edges as spaces, whitespace
/// collapsed. Elements named in `skip` are left out.
fn plain_text(nodes: &[Node], skip: &[&str]) -> String {
    fn walk(nodes: &[Node], skip: &[&str], out: &mut String) {
        for node in nodes {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element { name, children, .. } => {
                    if skip.contains(&name.as_str()) {
                        continue;
                    }
                    // Words run on across inline markup (`<em>real</em>-time`); a
                    // line break or a block's edge parts them.
                    let apart = !INLINE.contains(&name.as_str());
                    if apart {
                        out.push(' ');
                    }
                    walk(children, skip, out);
                    if apart {
                        out.push(' ');
                    }
                }
            }
        }
    }
    let mut out = String::new();
    walk(nodes, skip, &mut out);
    squash(&out)
}

/// Inline HTML (links, emphasis, line breaks) of nodes, as a list item or a table cell
/// holds it: paragraphs inside become line breaks; pictures and players are counted in
/// `dropped` (an item or a cell shows text only).
fn inline_html<'a>(nodes: impl IntoIterator<Item = &'a Node>, dropped: &mut usize) -> String {
    struct Out<'d> {
        html: String,
        /// Whether any visible text was written yet.
        text: bool,
        dropped: &'d mut usize,
    }
    fn walk(nodes: &[Node], out: &mut Out<'_>) {
        for node in nodes {
            let Node::Element { name, children, .. } = node else {
                if let Node::Text(t) = node {
                    out.text |= !t.trim().is_empty();
                    out.html.push_str(&esc_text(t));
                }
                continue;
            };
            match name.as_str() {
                "br" => out.html.push_str("<br>"),
                "a" => match node.attr("href") {
                    Some(href) => {
                        out.html.push_str(&format!("<a href=\"{}\">", esc(href)));
                        walk(children, out);
                        out.html.push_str("</a>");
                    }
                    None => walk(children, out),
                },
                "em" | "i" => {
                    out.html.push_str("<em>");
                    walk(children, out);
                    out.html.push_str("</em>");
                }
                "strong" | "b" => {
                    out.html.push_str("<strong>");
                    walk(children, out);
                    out.html.push_str("</strong>");
                }
                "p" | "div" | "dd" | "figcaption" => {
                    if out.text {
                        out.html.push_str("<br>");
                    }
                    walk(children, out);
                }
                "img" | "iframe" | "audio" | "video" | "table" => *out.dropped += 1,
                _ => walk(children, out),
            }
        }
    }
    let mut out = Out {
        html: String::new(),
        text: false,
        dropped,
    };
    for node in nodes {
        walk(std::slice::from_ref(node), &mut out);
    }
    let squashed = squash(&out.html);
    squashed
        .trim_start_matches("<br>")
        .trim_end_matches("<br>")
        .trim()
        .to_owned()
}

/// A caption's text, or none.
fn caption_of(figure: &[Node]) -> Option<String> {
    figure
        .iter()
        .find(|n| n.is("figcaption"))
        .map(|c| plain_text(c.children(), &[]))
        .filter(|c| !c.is_empty())
}

/// An http(s) address, with a protocol-relative `//host/…` made https.
fn http_address(src: &str) -> Option<String> {
    let src = match src.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => src.to_owned(),
    };
    (src.starts_with("https://") || src.starts_with("http://")).then_some(src)
}

/// Walks the tree, gathering the paragraph being read in `inline`.
struct Walker<'a> {
    out: &'a mut Converted,
    /// Inline HTML of the paragraph being read.
    inline: String,
}

impl Walker<'_> {
    fn flow(&mut self, nodes: &[Node]) {
        for node in nodes {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        let (name, children) = match node {
            Node::Text(t) => {
                self.inline.push_str(&esc_text(t));
                return;
            }
            Node::Element { name, children, .. } => (name.as_str(), children.as_slice()),
        };
        match name {
            "br" => self.inline.push_str("<br>"),
            "a" => match node.attr("href") {
                Some(href) => {
                    self.inline.push_str(&format!("<a href=\"{}\">", esc(href)));
                    self.flow(children);
                    self.inline.push_str("</a>");
                }
                None => self.flow(children),
            },
            "em" | "i" => {
                self.inline.push_str("<em>");
                self.flow(children);
                self.inline.push_str("</em>");
            }
            "strong" | "b" => {
                self.inline.push_str("<strong>");
                self.flow(children);
                self.inline.push_str("</strong>");
            }
            "p" | "figcaption" | "dd" | "dt" | "li" | "caption" => {
                self.flush();
                self.flow(children);
                self.flush();
            }
            "hr" => self.flush(),
            h if is_heading(h) => {
                self.flush();
                let text = plain_text(children, &[]);
                if !text.is_empty() {
                    let level = h[1..].parse::<u8>().unwrap_or(2).clamp(2, 4);
                    self.out.blocks.push(Block::Heading { level, text });
                }
            }
            "blockquote" => {
                self.flush();
                self.quote(node, None);
            }
            "ul" | "ol" => {
                self.flush();
                self.list(node);
            }
            "dl" => {
                self.flush();
                self.definitions(node);
            }
            "table" => {
                self.flush();
                self.table(node, None);
            }
            "pre" => {
                self.flush();
                self.pre(node);
            }
            "figure" => {
                self.flush();
                self.figure(node);
            }
            "img" => {
                self.flush();
                self.image(node, None);
            }
            "iframe" | "audio" | "video" => {
                self.flush();
                self.media(node, None);
            }
            "source" => {}
            _ => self.flow(children),
        }
    }

    fn image(&mut self, img: &Node, caption: Option<String>) {
        // A picture pasted into the text (`data:`) loses its address to the cleaner.
        let Some(src) = img.attr("src").filter(|s| !s.trim().is_empty()) else {
            self.out
                .notes
                .push("a picture without a web address (pasted into the text) was left out".into());
            return;
        };
        {
            self.out.images.push((
                src.to_owned(),
                img.attr("alt").unwrap_or_default().to_owned(),
            ));
            self.out.blocks.push(image_block(src.to_owned(), caption));
        }
    }

    /// A player or an embedded frame: an embed of its address.
    fn media(&mut self, node: &Node, caption: Option<String>) {
        let Node::Element { name, .. } = node else {
            return;
        };
        let src = node.attr("src").map(str::to_owned).or_else(|| {
            let mut sources = Vec::new();
            node.find_all("source", &[], &mut sources);
            sources
                .iter()
                .find_map(|s| s.attr("src"))
                .map(str::to_owned)
        });
        match src.as_deref().and_then(http_address) {
            Some(url) => self.out.blocks.push(Block::Embed {
                url,
                provider: matches!(name.as_str(), "audio" | "video").then(|| name.clone()),
                caption,
            }),
            None => self.out.notes.push(format!(
                "an <{name}> without an http(s) address was left out{}",
                src.map(|s| format!(" ({s})")).unwrap_or_default()
            )),
        }
    }

    fn quote(&mut self, quote: &Node, fallback: Option<String>) {
        // A post embedded from a social network: the quote is its fallback text, the
        // last link its address (what WordPress and Ghost embed from).
        let class = quote.attr("class").unwrap_or_default();
        if [
            "twitter-tweet",
            "instagram-media",
            "tiktok-embed",
            "bluesky-embed",
        ]
        .iter()
        .any(|c| class.contains(c))
        {
            let mut links = Vec::new();
            quote.find_all("a", &[], &mut links);
            if let Some(url) = links
                .iter()
                .rev()
                .find_map(|a| a.attr("href").and_then(http_address))
            {
                self.out.blocks.push(Block::Embed {
                    url,
                    provider: None,
                    caption: fallback,
                });
                return;
            }
        }
        // The attribution is the quote's own `<cite>` or `<footer>`, not a title cited
        // in its text.
        let own = quote
            .children()
            .iter()
            .find(|c| c.is("cite") || c.is("footer"));
        let kept: Vec<&Node> = quote
            .children()
            .iter()
            .filter(|c| !own.is_some_and(|o| std::ptr::eq(*c, o)))
            .collect();
        let text = kept
            .iter()
            .map(|c| plain_text(std::slice::from_ref(*c), &[]))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let cite = own
            .map(|c| plain_text(c.children(), &[]))
            .filter(|c| !c.is_empty())
            .or(fallback)
            .map(|c| c.trim_start_matches(['—', '–', '-', ' ']).to_owned())
            .filter(|c| !c.is_empty());
        if !text.is_empty() {
            self.out.blocks.push(Block::Quote {
                text,
                attribution: cite,
            });
        }
    }

    fn list(&mut self, list: &Node) {
        // A nested list's items follow their parent's text, flattened.
        fn items(list: &Node, out: &mut Vec<String>, dropped: &mut usize) {
            let mut lis = Vec::new();
            list.find_all("li", &["ul", "ol", "li"], &mut lis);
            for li in lis {
                let own = li.children().iter().filter(|c| !c.is("ul") && !c.is("ol"));
                let html = inline_html(own, dropped);
                if !html.is_empty() {
                    out.push(html);
                }
                for nested in li.children().iter().filter(|c| c.is("ul") || c.is("ol")) {
                    items(nested, out, dropped);
                }
            }
        }
        let mut found = Vec::new();
        let mut dropped = 0;
        items(list, &mut found, &mut dropped);
        self.note_dropped(dropped, "a list item");
        if !found.is_empty() {
            self.out.blocks.push(Block::List {
                ordered: list.is("ol"),
                items: found,
            });
        }
    }

    /// A definition list: each term in bold, then its definitions.
    fn definitions(&mut self, list: &Node) {
        let mut items: Vec<String> = Vec::new();
        let mut dropped = 0;
        let mut term: Option<String> = None;
        let mut all = Vec::new();
        collect_terms(list, &mut all);
        for node in all {
            let html = inline_html(node.children(), &mut dropped);
            if node.is("dt") {
                if let Some(t) = term.take() {
                    items.push(format!("<strong>{t}</strong>"));
                }
                term = Some(html);
            } else if let Some(t) = term.take() {
                items.push(format!("<strong>{t}</strong> — {html}"));
            } else if let Some(last) = items.last_mut() {
                last.push_str(&format!("; {html}"));
            } else {
                items.push(html);
            }
        }
        if let Some(t) = term {
            items.push(format!("<strong>{t}</strong>"));
        }
        self.note_dropped(dropped, "a definition list");
        items.retain(|i| !i.is_empty());
        if !items.is_empty() {
            self.out.blocks.push(Block::List {
                ordered: false,
                items,
            });
        }
    }

    fn table(&mut self, table: &Node, figure_caption: Option<String>) {
        let mut rows_found = Vec::new();
        table.find_all("tr", &["table"], &mut rows_found);
        let mut dropped = 0;
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut header = false;
        for (i, tr) in rows_found.iter().enumerate() {
            let cells: Vec<&Node> = tr
                .children()
                .iter()
                .filter(|c| c.is("td") || c.is("th"))
                .collect();
            if cells.is_empty() {
                continue;
            }
            if i == 0 {
                let in_head = table.find("thead").is_some_and(|head| {
                    head.find("tr")
                        .is_some_and(|first| std::ptr::eq(first, *tr))
                });
                header = in_head || cells.iter().all(|c| c.is("th"));
            }
            rows.push(
                cells
                    .iter()
                    .map(|c| inline_html(c.children(), &mut dropped))
                    .collect(),
            );
        }
        self.note_dropped(dropped, "a table cell");
        let caption = table
            .children()
            .iter()
            .find(|c| c.is("caption"))
            .map(|c| plain_text(c.children(), &[]))
            .filter(|c| !c.is_empty())
            .or(figure_caption);
        if rows.iter().all(|r| r.iter().all(String::is_empty)) {
            if let Some(c) = caption {
                self.out
                    .blocks
                    .push(Block::Paragraph { html: esc_text(&c) });
            }
            return;
        }
        self.out.blocks.push(Block::Table {
            header,
            rows,
            caption,
        });
    }

    /// Preformatted text: a code block, line breaks kept; a poem (WordPress's verse
    /// block) a paragraph with its line breaks.
    fn pre(&mut self, pre: &Node) {
        fn raw(nodes: &[Node], out: &mut String) {
            for node in nodes {
                match node {
                    Node::Text(t) => out.push_str(t),
                    Node::Element { name, .. } if name == "br" => out.push('\n'),
                    Node::Element { children, .. } => raw(children, out),
                }
            }
        }
        let mut text = String::new();
        raw(pre.children(), &mut text);
        if text.trim().is_empty() {
            return;
        }
        let classes = [
            pre.attr("class"),
            pre.find("code").and_then(|c| c.attr("class")),
        ];
        if classes
            .iter()
            .flatten()
            .any(|c| c.split_whitespace().any(|c| c == "wp-block-verse"))
        {
            let lines: Vec<String> = text
                .trim()
                .lines()
                .map(|l| esc_text(l.trim_end()))
                .collect();
            self.out.blocks.push(Block::Paragraph {
                html: lines.join("<br>"),
            });
            return;
        }
        let language = classes.iter().flatten().find_map(|class| {
            class.split_whitespace().find_map(|c| {
                c.strip_prefix("language-")
                    .or_else(|| c.strip_prefix("lang-"))
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
            })
        });
        self.out.blocks.push(Block::Code { text, language });
    }

    /// A figure as a whole: what it holds decides the block, its caption goes with it.
    fn figure(&mut self, figure: &Node) {
        let caption = caption_of(figure.children());
        let content: Vec<&Node> = figure
            .children()
            .iter()
            .filter(|c| !c.is("figcaption"))
            .collect();
        let within = |name: &str| content.iter().find_map(|c| c.find(name));
        let mut nested = Vec::new();
        figure.find_all("figure", &["figure"], &mut nested);
        let mut images = Vec::new();
        for c in &content {
            if c.is("img") {
                images.push(*c);
            } else if !c.is("figure") {
                c.find_all("img", &["figure", "figcaption"], &mut images);
            }
        }
        let class = figure.attr("class").unwrap_or_default();
        if class.contains("kg-bookmark-card")
            && let Some(url) = within("a")
                .and_then(|a| a.attr("href"))
                .and_then(http_address)
        {
            // Ghost's bookmark card: a link with the page's title, icon and thumbnail.
            self.out.blocks.push(Block::Embed {
                url,
                provider: None,
                caption,
            });
        } else if let Some(table) = within("table") {
            self.table(table, caption);
        } else if let Some(quote) = within("blockquote") {
            self.quote(quote, caption);
        } else if !nested.is_empty() || images.len() > 1 {
            // A gallery: each photo with its own caption, the gallery's caption after.
            for photo in &images {
                self.image(photo, None);
            }
            for inner in nested {
                self.figure(inner);
            }
            if let Some(c) = caption {
                self.out
                    .blocks
                    .push(Block::Paragraph { html: esc_text(&c) });
            }
        } else if let Some(photo) = images.first() {
            // Text beside the photo but outside <figcaption> is its caption too.
            let text: String = content
                .iter()
                .map(|c| plain_text(std::slice::from_ref(*c), &["img"]))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let caption = [caption.unwrap_or_default(), text]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            self.image(photo, Some(caption).filter(|c| !c.is_empty()));
        } else if let Some(player) = ["video", "audio", "iframe"].iter().find_map(|m| within(m)) {
            self.media(player, caption);
        } else {
            let text = content
                .iter()
                .map(|c| plain_text(std::slice::from_ref(*c), &[]))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            match http_address(&text).filter(|t| !t.contains(char::is_whitespace)) {
                // An embed wrapper: the address alone, as WordPress and Ghost write it.
                Some(url) => self.out.blocks.push(Block::Embed {
                    url,
                    provider: None,
                    caption,
                }),
                None => {
                    for c in content {
                        self.node(c);
                    }
                    self.flush();
                    if let Some(c) = caption {
                        self.out
                            .blocks
                            .push(Block::Paragraph { html: esc_text(&c) });
                    }
                }
            }
        }
    }

    fn note_dropped(&mut self, dropped: usize, within: &str) {
        if dropped > 0 {
            self.out.notes.push(format!(
                "{dropped} picture(s), player(s) or table(s) inside {within} left out (an item shows text only)"
            ));
        }
    }

    /// Ends the paragraph being read: a bare URL on its own becomes an embed (as
    /// WordPress and Ghost treat it), other text a paragraph.
    fn flush(&mut self) {
        let inline = std::mem::take(&mut self.inline);
        let visible = strip_tags(&inline);
        let visible = visible.trim();
        if visible.is_empty() {
            return;
        }
        if let Some(url) = http_address(visible).filter(|v| !v.contains(char::is_whitespace)) {
            self.out.blocks.push(Block::Embed {
                url,
                provider: None,
                caption: None,
            });
            return;
        }
        // A line break at either edge shows as an empty line: dropped.
        let mut html = inline.trim();
        loop {
            let before = html.len();
            html = html
                .trim_start_matches("<br>")
                .trim_end_matches("<br>")
                .trim();
            if html.len() == before {
                break;
            }
        }
        self.out.blocks.push(Block::Paragraph {
            html: html.to_owned(),
        });
    }
}

/// The terms and definitions of a definition list, in order (through wrappers).
fn collect_terms<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    for child in node.children() {
        if child.is("dt") || child.is("dd") {
            out.push(child);
        } else if !child.is("dl") {
            collect_terms(child, out);
        }
    }
}

/// Escapes text for HTML content (quotes need no escape there).
fn esc_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn image_block(src: String, caption: Option<String>) -> Block {
    Block::Image {
        image_id: src,
        caption: caption.filter(|c| !c.is_empty()),
        credit: None,
        image: None,
    }
}

/// Code as an editor stored it between shortcode tags: entities decoded, the line
/// breaks autop-style editors add as `<br>` turned back into new lines, nothing else
/// touched (tags in the code are code).
pub fn text_of_code(raw: &str) -> String {
    let lines = raw
        .replace("<br />\n", "\n")
        .replace("<br>\n", "\n")
        .replace("<br />", "\n")
        .replace("<br>", "\n");
    unescape(lines.trim_matches('\n'))
}

/// Plain text of an HTML fragment (a caption, an excerpt, a title), whitespace
/// collapsed and entities decoded.
pub fn text_of(html: &str) -> String {
    squash(&strip_tags(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(html: &str) -> Block {
        Block::Paragraph { html: html.into() }
    }

    #[test]
    fn blocks_from_a_typical_story() {
        let html = r#"<!-- wp:paragraph --><p>First <b>bold</b> and <a href="https://x.test/a?b=1&amp;c=2" onclick="x()">link</a>.</p><!-- /wp:paragraph -->
<h2 class="x">A <em>subhead</em></h2>
<blockquote><p>We will act.</p><cite>— The Minister</cite></blockquote>
<ul><li>One <a href="https://x.test/one">link</a></li><li>Two<ul><li>Two <em>a</em></li></ul></li></ul>
<figure class="wp-block-image"><img src="https://x.test/wp-content/uploads/2024/03/p-1024x683.jpg" alt="A photo"><figcaption>Crowds gather</figcaption></figure>
<p>https://www.youtube.com/watch?v=abc</p>
<table><tr><th>Team</th><th>Points</th></tr><tr><td>Rovers</td><td><strong>12</strong></td></tr></table>
<script>alert(1)</script><form>x</form>"#;
        let out = to_blocks(html);
        assert_eq!(
            out.blocks,
            vec![
                para(
                    r#"First <strong>bold</strong> and <a href="https://x.test/a?b=1&amp;c=2">link</a>."#
                ),
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
                    items: vec![
                        r#"One <a href="https://x.test/one">link</a>"#.into(),
                        "Two".into(),
                        "Two <em>a</em>".into()
                    ]
                },
                Block::Image {
                    image_id: "https://x.test/wp-content/uploads/2024/03/p-1024x683.jpg".into(),
                    caption: Some("Crowds gather".into()),
                    credit: None,
                    image: None
                },
                Block::Embed {
                    url: "https://www.youtube.com/watch?v=abc".into(),
                    provider: None,
                    caption: None
                },
                Block::Table {
                    header: true,
                    rows: vec![
                        vec!["Team".into(), "Points".into()],
                        vec!["Rovers".into(), "<strong>12</strong>".into()]
                    ],
                    caption: None
                },
                para("x"),
            ]
        );
        assert_eq!(
            out.images,
            vec![(
                "https://x.test/wp-content/uploads/2024/03/p-1024x683.jpg".to_owned(),
                "A photo".to_owned()
            )]
        );
        assert!(
            out.notes[0].contains("<form>") && out.notes[0].contains("<script>"),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn figures_are_read_whole() {
        let html = r#"<figure class="wp-block-pullquote"><blockquote><p>One small step.</p><cite>Neil Armstrong</cite></blockquote></figure>
<figure class="wp-block-gallery"><figure class="wp-block-image"><img src="https://x.test/a.jpg" alt="A"><figcaption>First</figcaption></figure><figure class="wp-block-image"><img src="https://x.test/b.jpg" alt="B"></figure><figcaption>The day in pictures</figcaption></figure>
<figure class="wp-block-table"><table><thead><tr><td>Route</td><td>Time</td></tr></thead><tbody><tr><td>Dover</td><td>06:00</td></tr></tbody></table><figcaption>Sailings</figcaption></figure>
<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">
https://vimeo.com/22439234
</div><figcaption>The launch</figcaption></figure>
<figure class="wp-block-video"><video controls src="https://x.test/v.mp4"></video><figcaption>Video caption</figcaption></figure>
<figure class="wp-block-audio"><audio controls><source src="https://x.test/a.mp3"></audio></figure>
<dl><dt>WXR</dt><dd>WordPress's export format</dd><dt>Lexical</dt><dd>Ghost's editor</dd></dl>"#;
        let out = to_blocks(html);
        assert_eq!(
            out.blocks,
            vec![
                Block::Quote {
                    text: "One small step.".into(),
                    attribution: Some("Neil Armstrong".into())
                },
                image_block("https://x.test/a.jpg".into(), Some("First".into())),
                image_block("https://x.test/b.jpg".into(), None),
                para("The day in pictures"),
                Block::Table {
                    header: true,
                    rows: vec![
                        vec!["Route".into(), "Time".into()],
                        vec!["Dover".into(), "06:00".into()]
                    ],
                    caption: Some("Sailings".into())
                },
                Block::Embed {
                    url: "https://vimeo.com/22439234".into(),
                    provider: None,
                    caption: Some("The launch".into())
                },
                Block::Embed {
                    url: "https://x.test/v.mp4".into(),
                    provider: Some("video".into()),
                    caption: Some("Video caption".into())
                },
                Block::Embed {
                    url: "https://x.test/a.mp3".into(),
                    provider: Some("audio".into()),
                    caption: None
                },
                Block::List {
                    ordered: false,
                    items: vec![
                        "<strong>WXR</strong> — WordPress's export format".into(),
                        "<strong>Lexical</strong> — Ghost's editor".into()
                    ]
                },
            ]
        );
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn quirks_of_real_posts() {
        let out = to_blocks(concat!(
            "<h2>The <em>real</em>-time web</h2>",
            "<blockquote><p>As <cite>The Times</cite> reported, <em>nothing</em>.</p><cite>— Ed</cite></blockquote>",
            "<blockquote class=\"twitter-tweet\"><p>Hello</p>— Name <a href=\"https://twitter.com/x/status/1\">May 1</a></blockquote>",
            "<p><img src=\"data:image/png;base64,AAAA\"></p>",
            "<p><img src=\"https://x.test/a.jpg\"><br>\nThe council voted.</p>",
            "<figure><img src=\"https://x.test/b.jpg\"><figcaption>Photo: <a href=\"https://x.test\">Jane Doe</a>/<em>Reuters</em></figcaption></figure>",
        ));
        assert_eq!(
            out.blocks,
            vec![
                Block::Heading {
                    level: 2,
                    text: "The real-time web".into()
                },
                Block::Quote {
                    text: "As The Times reported, nothing.".into(),
                    attribution: Some("Ed".into())
                },
                Block::Embed {
                    url: "https://twitter.com/x/status/1".into(),
                    provider: None,
                    caption: None
                },
                image_block("https://x.test/a.jpg".into(), None),
                para("The council voted."),
                image_block(
                    "https://x.test/b.jpg".into(),
                    Some("Photo: Jane Doe/Reuters".into())
                ),
            ]
        );
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("without a web address")),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        let html = "<pre class=\"wp-block-code\"><code class=\"language-python\">def f(x):\n    return x &lt; 2\n\nprint(f(1))</code></pre><p>Between</p><pre>second\n  block</pre><pre class=\"wp-block-verse\">Roses are red,\nViolets are blue</pre>";
        let out = to_blocks(html);
        assert_eq!(
            out.blocks,
            vec![
                Block::Code {
                    text: "def f(x):\n    return x < 2\n\nprint(f(1))".into(),
                    language: Some("python".into())
                },
                para("Between"),
                Block::Code {
                    text: "second\n  block".into(),
                    language: None
                },
                para("Roses are red,<br>Violets are blue"),
            ]
        );
    }

    #[test]
    fn hostile_markup_yields_only_inline_html() {
        let out = to_blocks(
            r#"<p><a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)></p><iframe src="javascript:1"></iframe><table><tr><td><a href="javascript:1">y</a></td></tr></table>"#,
        );
        let shown = format!("{:?}", out.blocks);
        assert!(!shown.contains("javascript"), "{shown}");
        assert!(!out.blocks.iter().any(|b| matches!(b, Block::Embed { .. })));
        assert_eq!(out.blocks[0], para("x"));
        // Deep nesting is read, not a stack overflow.
        for deep in [
            "<em>",
            "<ul><li>",
            "<figure>",
            "<blockquote>",
            "<a href=\"/x\">",
        ] {
            let out = to_blocks(&format!("{}deep", deep.repeat(1_000)));
            assert!(format!("{:?}", out.blocks).contains("deep"), "{deep}");
        }
        let out = to_blocks("<table><tr><td colspan=\"2\">wide</td></tr></table>");
        assert!(out.notes[0].contains("spanning"), "{:?}", out.notes);
        // Ghost's bookmark card in HTML: an embed of its link, not its icon and thumbnail.
        let out = to_blocks(
            r#"<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="https://x.test/page"><div class="kg-bookmark-title">Title</div><img class="kg-bookmark-icon" src="https://x.test/i.png"><div class="kg-bookmark-thumbnail"><img src="https://x.test/t.jpg"></div></a><figcaption>Read this</figcaption></figure>"#,
        );
        assert_eq!(
            out.blocks,
            vec![Block::Embed {
                url: "https://x.test/page".into(),
                provider: None,
                caption: Some("Read this".into())
            }]
        );
        // A table in a table's cell shows as text only; the report says so.
        let out = to_blocks(&format!("{}deep", "<table><tr><td>".repeat(500)));
        assert!(!out.notes.is_empty());
        // Unclosed and stray tags are read, not a crash.
        let out = to_blocks("<ul><li>a<li>b</ul></li></table><figure><figcaption>only a caption");
        assert_eq!(
            out.blocks[0],
            Block::List {
                ordered: false,
                items: vec!["a".into(), "b".into()]
            }
        );
    }
}
