//! WordPress's own markup, turned into plain HTML before it is read into blocks:
//! shortcodes (`[caption]`, `[gallery]`, `[audio]`, `[video]`, `[embed]`, `[code]`,
//! page-builder wrappers), reusable blocks, blocks drawn only when a page is viewed
//! (reported), and `wpautop`'s paragraphs from blank lines.

use std::collections::{HashMap, HashSet};

use super::html;

/// What the export holds of its attachments.
#[derive(Default)]
pub(super) struct Attachments {
    /// Attachment id → file URL.
    pub(super) urls: HashMap<String, String>,
    /// Post id → its attachments as `(menu order, id, URL)`, in gallery order.
    pub(super) by_parent: HashMap<String, Vec<(i64, i64, String)>>,
}

/// WordPress blocks that leave nothing to read: page breaks, spacing, decoration.
const SILENT_BLOCKS: &[&str] = &[
    "more",
    "nextpage",
    "separator",
    "spacer",
    "block",
    "footnotes",
];

/// WordPress's own markup turned into plain HTML: reusable blocks included, paragraphs
/// from blank lines (`wpautop`), `[caption]` into figures, `[gallery]` into images (a
/// bare one: the post's attached images), `[audio]`/`[video]` into players, `[embed]`
/// into a bare URL. Other shortcodes are left as text, and reported; so are blocks that
/// WordPress draws when a page is viewed (latest posts, archives), which an export
/// holds no content for.
pub(super) fn prepare(
    content: &str,
    own_id: &str,
    attachments: &Attachments,
    reusable: &HashMap<String, String>,
) -> (String, Vec<String>) {
    let mut notes = Vec::new();
    let content = include_reusable(content, reusable, &mut notes);
    let dynamic = dynamic_blocks(&content);
    if !dynamic.is_empty() {
        notes.push(format!(
            "WordPress block(s) drawn when a page is viewed, with no content in the export, left out: {}",
            dynamic.join(", ")
        ));
    }
    let mut html = String::with_capacity(content.len() + 64);
    let mut rest = content.as_str();
    // Shortcodes with no closing tag further on (so one search each, not one per use).
    let mut unclosed: HashSet<String> = HashSet::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut unwrapped: HashSet<String> = HashSet::new();
    while let Some(open) = rest.find('[') {
        html.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // `[[gallery]]` is how WordPress writes a shortcode as text (`[[ -f x ]]` in
        // code is not one).
        if let Some(escaped) = after.strip_prefix('[') {
            let name = name_of(escaped);
            let next = escaped[name.len()..].chars().next();
            if !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && matches!(next, Some(' ' | ']'))
                && let Some(end) = escaped.find("]]")
            {
                html.push('[');
                html.push_str(&escaped[..end]);
                html.push(']');
                rest = &escaped[end + 2..];
                continue;
            }
            html.push('[');
            rest = after;
            continue;
        }
        let name = name_of(after);
        // A shortcode is a name, then attributes or the bracket: `[x]`, `[x a="b"]`.
        let shaped =
            !name.is_empty() && matches!(after[name.len()..].chars().next(), Some(' ' | ']' | '/'));
        // The bracket closes before any other opens (else this `[` is text).
        let Some(close) = after
            .find(['[', ']'])
            .filter(|&c| after.as_bytes()[c] == b']')
        else {
            html.push('[');
            rest = after;
            continue;
        };
        if !shaped {
            html.push('[');
            rest = after;
            continue;
        }
        let attrs = &after[name.len()..close];
        let tail = &after[close + 1..];
        let closing = format!("[/{name}]");
        let closes_at = if unclosed.contains(&name) {
            None
        } else {
            let found = tail.find(&closing);
            if found.is_none() {
                unclosed.insert(name.clone());
            }
            found
        };
        match name.as_str() {
            "caption" | "wp_caption" => {
                let end = closes_at.unwrap_or(tail.len());
                let inner = &tail[..end];
                // The image (perhaps in a link), then the caption text (which may hold
                // links of its own); an old-style `caption="…"` attribute otherwise.
                let split = inner.find("<img").and_then(|i| {
                    let end = i + inner[i..].find('>')? + 1;
                    let after = inner[end..].trim_start();
                    Some(if after.starts_with("</a>") {
                        inner.len() - after.len() + 4
                    } else {
                        end
                    })
                });
                let (image, caption) = inner.split_at(split.unwrap_or(inner.len()));
                let caption = match attribute(attrs, "caption") {
                    Some(old) if caption.trim().is_empty() => old,
                    _ => caption.to_owned(),
                };
                html.push_str(&format!(
                    "\n\n<figure>{image}<figcaption>{}</figcaption></figure>\n\n",
                    caption.trim()
                ));
                rest = tail.get(end + closing.len()..).unwrap_or("");
            }
            "gallery" => {
                let listed = attribute(attrs, "ids").or_else(|| attribute(attrs, "include"));
                let urls: Vec<String> = match &listed {
                    Some(ids) => ids
                        .split(',')
                        .map(str::trim)
                        .filter(|i| !i.is_empty())
                        .filter_map(|id| {
                            let url = attachments.urls.get(id).cloned();
                            if url.is_none() {
                                notes.push(format!("gallery image {id} is not in the export"));
                            }
                            url
                        })
                        .collect(),
                    // A bare [gallery]: the images attached to this post (or to the
                    // post its `id` names), in order, less any it excludes.
                    None => {
                        let parent = attribute(attrs, "id").unwrap_or_else(|| own_id.to_owned());
                        let excluded: Vec<String> = attribute(attrs, "exclude")
                            .unwrap_or_default()
                            .split(',')
                            .map(|i| i.trim().to_owned())
                            .collect();
                        attachments
                            .by_parent
                            .get(&parent)
                            .into_iter()
                            .flatten()
                            .filter(|(_, id, _)| !excluded.contains(&id.to_string()))
                            .map(|(_, _, url)| url.clone())
                            .filter(|url| is_picture(url))
                            .collect()
                    }
                };
                if urls.is_empty() && listed.is_none() {
                    notes.push(
                        "a [gallery] of the post's attached images, none of which is in the export; left out"
                            .into(),
                    );
                }
                html.push_str("\n\n<figure>");
                for url in urls {
                    html.push_str(&format!("<figure><img src=\"{url}\"></figure>"));
                }
                html.push_str("</figure>\n\n");
                rest = tail;
            }
            "audio" | "video" => {
                const SOURCES: [&str; 11] = [
                    "src", "mp3", "m4a", "ogg", "wav", "wma", "mp4", "m4v", "webm", "ogv", "flv",
                ];
                // Keyed (`mp3="…"`), or the address alone (`[audio https://…]`).
                let src = SOURCES
                    .iter()
                    .find_map(|k| attribute(attrs, k))
                    .or_else(|| {
                        attrs
                            .split_whitespace()
                            .find(|a| a.starts_with("http://") || a.starts_with("https://"))
                            .map(str::to_owned)
                    });
                let (end, skip) = match closes_at {
                    Some(end) => (end, end + closing.len()),
                    None => (0, 0),
                };
                let src =
                    src.or_else(|| Some(tail[..end].trim().to_owned()).filter(|s| !s.is_empty()));
                match src {
                    Some(src) => html.push_str(&format!(
                        "\n\n<figure><{name} src=\"{}\"></{name}></figure>\n\n",
                        src.replace('"', "%22")
                    )),
                    None => notes.push(format!("an [{name}] without a file was left out")),
                }
                rest = &tail[skip..];
            }
            "embed" => {
                let end = closes_at.unwrap_or(tail.len());
                html.push_str(&format!("\n\n{}\n\n", tail[..end].trim()));
                rest = tail.get(end + closing.len()..).unwrap_or("");
            }
            // SyntaxHighlighter and Jetpack: code, as written.
            "code" | "sourcecode" | "source" if closes_at.is_some() => {
                let end = closes_at.unwrap_or_default();
                let language = attribute(attrs, "lang")
                    .or_else(|| attribute(attrs, "language"))
                    .map(|l| format!(" class=\"language-{}\"", l.replace(['"', '<', '>'], "")))
                    .unwrap_or_default();
                let code = html::text_of_code(&tail[..end]);
                html.push_str(&format!(
                    "\n\n<pre><code{language}>{}</code></pre>\n\n",
                    code.replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                ));
                rest = &tail[end + closing.len()..];
            }
            other => {
                // A page builder's wrapper (`[vc_row]…[/vc_row]`): its content stays.
                if closes_at.is_some() {
                    unwrapped.insert(other.to_owned());
                    rest = tail;
                    continue;
                }
                // Reported only when it looks like a plugin's (attributes, or a
                // plugin-style name), not a bracketed word such as [sic].
                let plugin = attrs.contains('=') || other.contains(['-', '_']);
                if plugin && !unknown.iter().any(|u| u == other) {
                    unknown.push(other.to_owned());
                }
                html.push('[');
                rest = after;
            }
        }
    }
    html.push_str(rest);
    for name in &unwrapped {
        html = html.replace(&format!("[/{name}]"), "");
    }
    if !unwrapped.is_empty() {
        let mut names: Vec<&String> = unwrapped.iter().collect();
        names.sort();
        let names: Vec<String> = names.iter().map(|n| format!("[{n}]")).collect();
        notes.push(format!(
            "wrapping shortcode(s) {} removed; their content kept",
            names.join(", ")
        ));
    }
    for name in unknown.iter().take(20) {
        notes.push(format!(
            "shortcode [{name}] has no Dateline equivalent; kept as text"
        ));
    }
    if unknown.len() > 20 {
        notes.push(format!(
            "{} more unknown shortcodes kept as text",
            unknown.len() - 20
        ));
    }
    (autop(&html), notes)
}

/// The shortcode name `s` starts with (letters, digits, `_`, `-`).
fn name_of(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Whether an attachment's URL is a picture (a gallery shows only those).
fn is_picture(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or_default();
    [".jpg", ".jpeg", ".png", ".gif", ".webp"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// `<!-- wp:block {"ref":12} /-->` replaced by the reusable block's content.
fn include_reusable(
    content: &str,
    reusable: &HashMap<String, String>,
    notes: &mut Vec<String>,
) -> String {
    const OPEN: &str = "<!-- wp:block {\"ref\":";
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let Some(end) = after.find("-->") else {
            out.push_str(&rest[at..]);
            rest = "";
            break;
        };
        let id: String = after.chars().take_while(char::is_ascii_digit).collect();
        match reusable.get(&id) {
            // One level deep: a reusable block that includes another is not followed.
            Some(inner) => {
                if inner.contains(OPEN) {
                    notes.push(format!(
                        "reusable block {id} includes another reusable block, left out"
                    ));
                }
                out.push_str(&format!("\n\n{}\n\n", inner.replace(OPEN, "<!-- ")));
            }
            None => notes.push(format!(
                "reusable block {id} is not in the export; left out"
            )),
        }
        rest = &after[end + 3..];
    }
    out.push_str(rest);
    out
}

/// Names of self-closing block comments (`<!-- wp:latest-posts {…} /-->`) other than
/// page breaks and spacing: blocks WordPress draws at view time.
fn dynamic_blocks(content: &str) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut rest = content;
    while let Some(at) = rest.find("<!-- wp:") {
        let after = &rest[at + "<!-- wp:".len()..];
        let Some(end) = after.find("-->") else {
            break;
        };
        // The next search starts past this comment: one pass over the text.
        rest = &after[end + 3..];
        if !after[..end].trim_end().ends_with('/') {
            continue;
        }
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_'))
            .collect();
        let name = name.trim_end_matches('/');
        if !name.is_empty() && !SILENT_BLOCKS.contains(&name) {
            found.insert(format!("wp:{name}"));
        }
    }
    found.into_iter().collect()
}

fn attribute(attrs: &str, name: &str) -> Option<String> {
    let at = attrs
        .match_indices(&format!("{name}="))
        .find(|(i, _)| *i == 0 || attrs.as_bytes()[i - 1].is_ascii_whitespace())?
        .0;
    let value = &attrs[at + name.len() + 1..];
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'');
    match quote {
        Some(q) => value[1..].split(q).next().map(str::to_owned),
        None => value.split_whitespace().next().map(str::to_owned),
    }
}

/// Block-level elements: kept whole by `autop`, never broken into paragraphs.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "blockquote",
    "figure",
    "table",
    "pre",
    "iframe",
    "audio",
    "video",
    "hr",
    "form",
    "fieldset",
    "details",
    "object",
    "script",
    "style",
    "div",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "nav",
    "main",
];

/// Containers whose own text is paragraphed too, as WordPress does.
const CONTAINERS: &[&str] = &[
    "div", "section", "article", "aside", "header", "footer", "main",
];

/// Blank-line-separated text becomes paragraphs and single newlines line breaks, as
/// WordPress renders classic content (`wpautop`); block-level elements (a table, a
/// list, a `<pre>`) are kept whole, so their own line breaks stay what they were.
fn autop(html: &str) -> String {
    autop_within(html, 0)
}

/// `autop` inside `depth` containers (nested containers past a few are kept as they are).
fn autop_within(html: &str, depth: usize) -> String {
    let normalised = html.replace("\r\n", "\n");
    let mut out = String::with_capacity(normalised.len() + 64);
    let mut text = String::new();
    let mut rest = normalised.as_str();
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        let from = &rest[at..];
        if let Some(comment) = from.strip_prefix("<!--") {
            let end = comment.find("-->").map_or(from.len(), |e| e + 4 + 3);
            paragraphs(&std::mem::take(&mut text), &mut out);
            rest = &from[end.min(from.len())..];
            continue;
        }
        let name: String = from[1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if !BLOCK_TAGS.contains(&name.as_str()) {
            text.push('<');
            rest = &from[1..];
            continue;
        }
        paragraphs(&std::mem::take(&mut text), &mut out);
        let Some(open_end) = from.find('>') else {
            out.push_str(from);
            rest = "";
            break;
        };
        let end = if name == "hr" {
            open_end + 1
        } else {
            element_end(from, &name).unwrap_or(from.len())
        };
        let element = &from[..end];
        if CONTAINERS.contains(&name.as_str()) && end > open_end + 1 && depth < 8 {
            let close = element.rfind("</").unwrap_or(element.len());
            out.push_str(&element[..open_end + 1]);
            out.push('\n');
            out.push_str(&autop_within(
                &element[open_end + 1..close.max(open_end + 1)],
                depth + 1,
            ));
            out.push_str(&element[close.max(open_end + 1)..]);
        } else {
            out.push_str(element);
        }
        out.push('\n');
        rest = &from[end..];
    }
    text.push_str(rest);
    paragraphs(&text, &mut out);
    out
}

/// Where the element opening at `html[0]` ends (after its matching close tag), counting
/// nested elements of the same name. One pass over the text.
fn element_end(html: &str, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let i = at + offset;
        let rest = &bytes[i + 1..];
        let closing = rest.first() == Some(&b'/');
        let from = usize::from(closing);
        let named = rest
            .get(from..from + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && rest
                .get(from + name.len())
                .is_none_or(|b| !b.is_ascii_alphanumeric());
        if named && closing {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(html[i..].find('>').map_or(html.len(), |e| i + e + 1));
            }
        } else if named {
            depth += 1;
        }
        at = i + 1;
    }
    None
}

/// Text between block elements: paragraphs at blank lines, `<br>` at single newlines.
fn paragraphs(text: &str, out: &mut String) {
    for chunk in text.split("\n\n") {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        out.push_str("<p>");
        out.push_str(&chunk.replace('\n', "<br>\n"));
        out.push_str("</p>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_content_gets_paragraphs_and_figures() {
        let mut attachments = Attachments::default();
        attachments
            .urls
            .insert("7".to_owned(), "https://x.test/a.jpg".to_owned());
        attachments.by_parent.insert(
            "42".to_owned(),
            vec![
                (0, 8, "https://x.test/b.png".to_owned()),
                (1, 9, "https://x.test/notes.pdf".to_owned()),
            ],
        );
        let (html, notes) = prepare(
            "First line\nsecond line\n\n[caption id=\"attachment_7\" width=\"300\"]<img src=\"https://x.test/a-300x200.jpg\" alt=\"A\"> The caption[/caption]\n\n[gallery ids=\"7,8\"]\n\n[gallery]\n\n[contact-form] and [sic] and [[gallery]]\n\n[audio mp3=\"https://x.test/a.mp3\"][/audio]",
            "42",
            &attachments,
            &HashMap::new(),
        );
        assert!(
            html.starts_with("<p>First line<br>\nsecond line</p>"),
            "{html}"
        );
        assert!(html.contains("<figure><img src=\"https://x.test/a-300x200.jpg\" alt=\"A\"><figcaption>The caption</figcaption></figure>"), "{html}");
        assert!(
            html.contains("<figure><figure><img src=\"https://x.test/a.jpg\"></figure></figure>"),
            "{html}"
        );
        // A bare [gallery]: the post's attached pictures (not its PDF).
        assert!(
            html.contains("<figure><figure><img src=\"https://x.test/b.png\"></figure></figure>"),
            "{html}"
        );
        assert!(
            html.contains("[contact-form] and [sic] and [gallery]"),
            "{html}"
        );
        assert!(
            html.contains("<audio src=\"https://x.test/a.mp3\"></audio>"),
            "{html}"
        );
        // A bracketed word is not a plugin's shortcode: only [contact-form] is named.
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[1].contains("[contact-form]"), "{notes:?}");

        let (html, notes) = prepare(
            "[vc_row][vc_column_text]Kept text[/vc_column_text][/vc_row]\n\nif [[ -f x ]]; then a[i]=1; fi\n\n[code lang=\"html\"]<div>x</div>\n  &lt;b&gt;[/code]",
            "1",
            &Attachments::default(),
            &HashMap::new(),
        );
        assert!(html.contains("<p>Kept text</p>"), "{html}");
        assert!(html.contains("if [[ -f x ]]; then a[i]=1; fi"), "{html}");
        assert!(
            html.contains("<pre><code class=\"language-html\">&lt;div&gt;x&lt;/div&gt;\n  &lt;b&gt;</code></pre>"),
            "{html}"
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("[vc_column_text], [vc_row]"), "{notes:?}");
    }

    #[test]
    fn classic_text_around_blocks_keeps_them_whole() {
        let (html, _) = prepare(
            "Intro line\n\n<table>\n<tr>\n<td>a</td>\n</tr>\n</table>\nAfter\n\n<pre>code\n\n  indented</pre>\n\n<div class=\"x\">one\n\ntwo</div>\n\n<!-- wp:latest-posts {\"postsToShow\":3} /-->",
            "1",
            &Attachments::default(),
            &HashMap::new(),
        );
        assert!(
            !html.contains("<table><br>") && !html.contains("<tr><br>"),
            "{html}"
        );
        assert!(
            html.contains("<table>\n<tr>\n<td>a</td>\n</tr>\n</table>"),
            "{html}"
        );
        assert!(html.contains("<pre>code\n\n  indented</pre>"), "{html}");
        assert!(
            html.contains("<p>one</p>") && html.contains("<p>two</p>"),
            "{html}"
        );
        assert!(html.contains("<p>After</p>"), "{html}");
        // Deeply nested containers are kept, not a stack overflow.
        let deep = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
        assert!(autop(&deep).contains('x'));
        let (_, notes) = prepare(
            "<!-- wp:latest-posts /--><!-- wp:more --><!--more--><!-- /wp:more --><!-- wp:spacer /--><!-- wp:footnotes /-->",
            "1",
            &Attachments::default(),
            &HashMap::new(),
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("wp:latest-posts"), "{notes:?}");
    }
}
