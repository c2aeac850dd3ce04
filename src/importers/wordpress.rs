//! Reads a WordPress export (WXR, "Tools → Export" in wp-admin): authors, categories
//! (→ sections, keeping their tree), tags, attachments (→ photos, when the files are in
//! the media folder), posts (and pages, if asked) with their HTML bodies in blocks, and
//! every old slug (`_wp_old_slug`) as a redirect.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::xml::{Element, parse_xml};
use super::{Bundle, Options, Person, Picture, State, Story, Term, html};

/// `2024-03-05 10:00:00` (WordPress's GMT columns); the zero date means "never".
fn gmt(raw: Option<String>) -> Option<NaiveDateTime> {
    raw.filter(|r| !r.starts_with("0000"))
        .and_then(|r| NaiveDateTime::parse_from_str(&r, "%Y-%m-%d %H:%M:%S").ok())
}

/// WordPress stores non-ASCII slugs percent-encoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A source slug we can use: as is when valid, else derived from its decoded text.
fn slug_from(raw: Option<String>) -> Option<String> {
    let raw = raw?;
    if crate::content::slug::Slug::parse(&raw).is_ok() {
        return Some(raw);
    }
    crate::content::slug::Slug::derive(&percent_decode(&raw))
        .ok()
        .map(|s| s.to_string())
}

/// A category or tag named on a post: its name from the channel's list when known, else
/// the post's own text for it, else its slug.
fn named_term(nicename: &str, known: Option<&String>, text: &str) -> Term {
    let name = known
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| Some(text.trim().to_owned()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| nicename.to_owned());
    Term {
        id: nicename.to_owned(),
        name,
        slug: slug_from(Some(nicename.to_owned())),
        description: None,
        parent: None,
    }
}

fn meta(item: &Element) -> Vec<(String, String)> {
    item.all("wp:postmeta")
        .filter_map(|m| {
            Some((
                m.get("wp:meta_key")?,
                m.get("wp:meta_value").unwrap_or_default(),
            ))
        })
        .collect()
}

/// Reads a WXR file.
pub fn read(raw: &str, options: &Options) -> Result<Bundle, String> {
    let root = parse_xml(raw)?;
    let channel = root
        .child("rss")
        .and_then(|rss| rss.child("channel"))
        .ok_or("not a WordPress export: no <rss><channel>")?;
    if channel.child("wp:wxr_version").is_none() {
        return Err(
            "not a WordPress export: no <wp:wxr_version> (use Tools → Export in wp-admin)".into(),
        );
    }
    let site = channel
        .get("wp:base_blog_url")
        .or_else(|| channel.get("wp:base_site_url"))
        .or_else(|| channel.get("link"))
        .unwrap_or_else(|| "unknown-site".into());
    let mut bundle = Bundle {
        source: format!("wordpress:{}", site.trim_end_matches('/')),
        ..Bundle::default()
    };

    let mut logins = HashMap::new();
    for author in channel.all("wp:author") {
        let Some(login) = author.get("wp:author_login") else {
            continue;
        };
        let name = author
            .get("wp:author_display_name")
            .or_else(|| {
                let full = format!(
                    "{} {}",
                    author.get("wp:author_first_name").unwrap_or_default(),
                    author.get("wp:author_last_name").unwrap_or_default()
                );
                Some(full.trim().to_owned()).filter(|f| !f.is_empty())
            })
            .unwrap_or_else(|| login.clone());
        logins.insert(login.clone(), login.clone());
        // The public slug comes from the name: a login is often an email address.
        let slug = crate::content::slug::Slug::derive(&name)
            .ok()
            .map(|s| s.to_string());
        bundle.authors.push(Person {
            id: login.clone(),
            name,
            slug,
            bio: None,
            links: Default::default(),
        });
    }

    // Categories become sections; their parent is named by its slug.
    let mut category_slugs = HashMap::new();
    for cat in channel.all("wp:category") {
        let Some(slug) = cat.get("wp:category_nicename") else {
            continue;
        };
        let name = cat.get("wp:cat_name").unwrap_or_else(|| slug.clone());
        category_slugs.insert(slug.clone(), name.clone());
        if slug == "uncategorized" {
            continue;
        }
        bundle.sections.push(Term {
            id: slug.clone(),
            name,
            slug: slug_from(Some(slug)),
            description: cat.get("wp:category_description"),
            parent: cat.get("wp:category_parent"),
        });
    }
    let mut tag_slugs = HashMap::new();
    for tag in channel.all("wp:tag") {
        let Some(slug) = tag.get("wp:tag_slug") else {
            continue;
        };
        let name = tag.get("wp:tag_name").unwrap_or_else(|| slug.clone());
        tag_slugs.insert(slug.clone(), ());
        bundle.tags.push(Term {
            id: slug.clone(),
            name,
            slug: slug_from(Some(slug)),
            description: tag.get("wp:tag_description"),
            parent: None,
        });
    }

    // Attachments first: posts name their featured image by attachment id.
    let items: Vec<&Element> = channel.all("item").collect();
    let mut attachment_urls = HashMap::new();
    for item in items
        .iter()
        .filter(|i| i.get("wp:post_type").as_deref() == Some("attachment"))
    {
        let (Some(id), Some(url)) = (item.get("wp:post_id"), item.get("wp:attachment_url")) else {
            continue;
        };
        let meta = meta(item);
        let find = |key: &str| {
            meta.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        attachment_urls.insert(id, url.clone());
        bundle.pictures.insert(
            url,
            Picture {
                alt: find("_wp_attachment_image_alt").or_else(|| item.get("title")),
                caption: item.get("excerpt:encoded").map(|c| html::text_of(&c)),
                credit: None,
                file: find("_wp_attached_file"),
            },
        );
    }

    let mut skipped: HashMap<String, usize> = HashMap::new();
    let mut extra_categories = 0;
    for item in items {
        let kind = item.get("wp:post_type").unwrap_or_else(|| "post".into());
        let wanted = kind == "post" || (kind == "page" && options.pages);
        if !wanted {
            if kind != "attachment" {
                *skipped.entry(kind).or_default() += 1;
            }
            continue;
        }
        let Some(id) = item.get("wp:post_id") else {
            continue;
        };
        let status = item.get("wp:status").unwrap_or_default();
        let mut notes = Vec::new();
        let protected = item.get("wp:post_password").is_some();
        let when = gmt(item.get("wp:post_date_gmt"));
        let state = match (status.as_str(), when) {
            ("trash", _) => {
                *skipped.entry("trashed post".into()).or_default() += 1;
                continue;
            }
            // Dateline has no passwords on stories: keep it from the public.
            (_, _) if protected => {
                notes.push("password-protected in WordPress; imported as a draft".into());
                State::Draft
            }
            ("publish", Some(at)) => State::Published(at),
            ("future", Some(at)) => State::Scheduled(at),
            ("draft" | "auto-draft", _) => State::Draft,
            (other, _) => {
                notes.push(format!("WordPress status {other:?} imported as a draft"));
                State::Draft
            }
        };
        let mut section = None;
        let mut tags = Vec::new();
        for cat in item.all("category") {
            let Some(nicename) = cat.attr("nicename").map(str::to_owned) else {
                continue;
            };
            match cat.attr("domain") {
                Some("category") if nicename == "uncategorized" => {}
                Some("category") if section.is_none() => {
                    // A partial export (Tools → Export → Posts) lists a post's
                    // categories only on the post.
                    if !category_slugs.contains_key(&nicename) {
                        let term = named_term(&nicename, None, &cat.text);
                        category_slugs.insert(nicename.clone(), term.name.clone());
                        bundle.sections.push(term);
                    }
                    section = Some(nicename)
                }
                Some("category") => {
                    // One section per story: further categories become tags.
                    extra_categories += 1;
                    if tag_slugs.insert(nicename.clone(), ()).is_none() {
                        let known = category_slugs.get(&nicename);
                        bundle.tags.push(named_term(&nicename, known, &cat.text));
                    }
                    tags.push(nicename);
                }
                Some("post_tag") => {
                    if tag_slugs.insert(nicename.clone(), ()).is_none() {
                        bundle.tags.push(named_term(&nicename, None, &cat.text));
                    }
                    tags.push(nicename)
                }
                _ => {}
            }
        }
        let meta = meta(item);
        let thumbnail = meta.iter().find(|(k, _)| k == "_thumbnail_id");
        let featured_image = thumbnail.and_then(|(_, v)| attachment_urls.get(v).cloned());
        if let (Some((_, id)), None) = (thumbnail, &featured_image) {
            notes.push(format!(
                "featured image (attachment {id}) is not in the export; left out"
            ));
        }
        let old_slugs = meta
            .iter()
            .filter(|(k, _)| k == "_wp_old_slug")
            .filter_map(|(_, v)| slug_from(Some(v.clone())))
            .collect();
        let content = item.get("content:encoded").unwrap_or_default();
        let (prepared, shortcode_notes) = prepare(&content, &attachment_urls);
        notes.extend(shortcode_notes);
        let converted = html::to_blocks(&prepared);
        notes.extend(converted.notes);
        for (src, alt) in converted.images {
            let picture = bundle.pictures.entry(src).or_default();
            if picture.alt.is_none() && !alt.is_empty() {
                picture.alt = Some(alt);
            }
        }
        bundle.stories.push(Story {
            id,
            headline: item.get("title").unwrap_or_else(|| "(untitled)".into()),
            slug: slug_from(item.get("wp:post_name")),
            old_slugs,
            permalink: item.get("link"),
            standfirst: item
                .get("excerpt:encoded")
                .map(|e| html::text_of(&e))
                .filter(|e| !e.is_empty()),
            body: converted.blocks,
            state,
            section,
            tags,
            authors: item
                .get("dc:creator")
                .and_then(|c| logins.get(&c).cloned())
                .into_iter()
                .collect(),
            featured_image,
            canonical_url: None,
            seo_title: None,
            seo_description: None,
            notes,
        });
    }
    if extra_categories > 0 {
        bundle.notes.push(format!(
            "{extra_categories} story categories beyond the first were imported as tags (a story has one section)"
        ));
    }
    let mut skipped: Vec<_> = skipped.into_iter().collect();
    skipped.sort();
    for (kind, n) in skipped {
        let hint = if kind == "page" {
            " (import them with --pages)"
        } else {
            ""
        };
        bundle
            .notes
            .push(format!("{n} item(s) of type {kind:?} not imported{hint}"));
    }
    Ok(bundle)
}

/// WordPress's classic-editor conventions turned into plain HTML: paragraphs from blank
/// lines (`wpautop`), `[caption]` into figures, `[gallery]` into images, `[embed]` into
/// a bare URL. Other shortcodes are left as text, and reported.
fn prepare(content: &str, attachments: &HashMap<String, String>) -> (String, Vec<String>) {
    let mut notes = Vec::new();
    let mut html = String::with_capacity(content.len() + 64);
    let mut rest = content;
    while let Some(open) = rest.find('[') {
        html.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let Some(close) = after.find(']') else {
            html.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let attrs = &after[name.len()..close];
        let tail = &after[close + 1..];
        let closing = format!("[/{name}]");
        match name.as_str() {
            "caption" | "wp_caption" => {
                let end = tail.find(&closing).unwrap_or(tail.len());
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
                let ids = attribute(attrs, "ids").unwrap_or_default();
                for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    match attachments.get(id) {
                        Some(url) => {
                            html.push_str(&format!("\n\n<figure><img src=\"{url}\"></figure>\n\n"))
                        }
                        None => notes.push(format!("gallery image {id} is not in the export")),
                    }
                }
                rest = tail;
            }
            "embed" => {
                let end = tail.find(&closing).unwrap_or(tail.len());
                html.push_str(&format!("\n\n{}\n\n", tail[..end].trim()));
                rest = tail.get(end + closing.len()..).unwrap_or("");
            }
            "" => {
                html.push('[');
                rest = after;
            }
            other => {
                if !other.chars().all(|c| c.is_ascii_digit())
                    && !notes
                        .iter()
                        .any(|n: &String| n.contains(&format!("[{other}]")))
                {
                    notes.push(format!(
                        "shortcode [{other}] has no Dateline equivalent; kept as text"
                    ));
                }
                html.push('[');
                rest = after;
            }
        }
    }
    html.push_str(rest);
    (autop(&html), notes)
}

fn attribute(attrs: &str, name: &str) -> Option<String> {
    let at = attrs.find(&format!("{name}="))?;
    let value = &attrs[at + name.len() + 1..];
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'');
    match quote {
        Some(q) => value[1..].split(q).next().map(str::to_owned),
        None => value.split_whitespace().next().map(str::to_owned),
    }
}

/// Blank-line-separated text becomes paragraphs and single newlines line breaks, as
/// WordPress renders classic content; chunks that already are block markup stay as
/// they are.
fn autop(html: &str) -> String {
    const BLOCK_STARTS: [&str; 12] = [
        "<p",
        "<h",
        "<ul",
        "<ol",
        "<blockquote",
        "<figure",
        "<div",
        "<!--",
        "<table",
        "<pre",
        "<iframe",
        "<hr",
    ];
    let normalised = html.replace("\r\n", "\n");
    let mut out = String::with_capacity(normalised.len() + 64);
    for chunk in normalised.split("\n\n") {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        let lower = chunk.to_ascii_lowercase();
        if BLOCK_STARTS.iter().any(|b| lower.starts_with(b)) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br>\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_content_gets_paragraphs_and_figures() {
        let mut attachments = HashMap::new();
        attachments.insert("7".to_owned(), "https://x.test/a.jpg".to_owned());
        let (html, notes) = prepare(
            "First line\nsecond line\n\n[caption id=\"attachment_7\" width=\"300\"]<img src=\"https://x.test/a-300x200.jpg\" alt=\"A\"> The caption[/caption]\n\n[gallery ids=\"7,8\"]\n\n[contact-form] and [sic]",
            &attachments,
        );
        assert!(
            html.starts_with("<p>First line<br>\nsecond line</p>"),
            "{html}"
        );
        assert!(html.contains("<figure><img src=\"https://x.test/a-300x200.jpg\" alt=\"A\"><figcaption>The caption</figcaption></figure>"), "{html}");
        assert!(
            html.contains("<figure><img src=\"https://x.test/a.jpg\"></figure>"),
            "{html}"
        );
        assert!(html.contains("[contact-form] and [sic]"), "{html}");
        assert_eq!(notes.len(), 3, "{notes:?}");
    }

    #[test]
    fn hostile_xml_is_refused_not_a_crash() {
        let deep = "<a>".repeat(100_000);
        assert!(parse_xml(&deep).unwrap_err().contains("nested"));
        assert!(parse_xml("<rss><channel>").is_err());
        assert!(read("<rss><channel></channel></rss>", &Options::default()).is_err());
    }

    #[test]
    fn slugs_and_dates() {
        assert_eq!(percent_decode("%c3%a9t%c3%a9"), "été");
        assert_eq!(
            slug_from(Some("%c3%a9t%c3%a9-2024".into())).as_deref(),
            Some("ete-2024")
        );
        assert_eq!(gmt(Some("0000-00-00 00:00:00".into())), None);
        assert!(gmt(Some("2024-03-05 10:00:00".into())).is_some());
    }
}
