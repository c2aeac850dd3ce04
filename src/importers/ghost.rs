//! Reads a Ghost export (Settings → Labs → Export, a JSON file): staff users (→ authors),
//! tags (the primary tag of a post → its section; public tags → tags; `#internal` tags
//! are skipped), posts (and pages, if asked) with their Lexical body in blocks (the HTML
//! when a post has no Lexical), featured images with their alt text and caption.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use super::{Bundle, Options, Person, State, Story, Term, html};
use crate::content::articles::blocks::{Block, esc};

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Ghost writes ids as strings (24 hex digits), older exports as numbers.
fn id(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn time(v: &Value, key: &str) -> Option<NaiveDateTime> {
    let raw = text(v, key)?;
    DateTime::parse_from_rfc3339(&raw)
        .map(|t| t.naive_utc())
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M:%S").ok())
}

fn rows<'a>(data: &'a Value, table: &str) -> &'a [Value] {
    data.get(table)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Links between posts and tags or authors, in their order.
fn links(data: &Value, table: &str, other: &str) -> HashMap<String, Vec<String>> {
    let mut pairs: Vec<(String, i64, String)> = rows(data, table)
        .iter()
        .filter_map(|r| {
            Some((
                id(r, "post_id")?,
                r.get("sort_order").and_then(Value::as_i64).unwrap_or(0),
                id(r, other)?,
            ))
        })
        .collect();
    pairs.sort();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (post, _, target) in pairs {
        out.entry(post).or_default().push(target);
    }
    out
}

/// Reads a Ghost JSON export.
pub fn read(raw: &str, options: &Options) -> Result<Bundle, String> {
    let doc: Value = serde_json::from_str(raw).map_err(|e| format!("not a Ghost export: {e}"))?;
    // `{"db": [{"meta", "data"}]}`, or the bare `{"meta", "data"}` of older versions.
    let db = doc.get("db").and_then(|db| db.get(0)).unwrap_or(&doc);
    let data = db
        .get("data")
        .filter(|d| d.get("posts").is_some())
        .ok_or("not a Ghost export: no data.posts (use Settings → Labs → Export)")?;
    let site = db
        .get("meta")
        .and_then(|m| text(m, "site_url"))
        .unwrap_or_else(|| "ghost".into());
    let mut bundle = Bundle {
        source: format!("ghost:{}", site.trim_end_matches('/')),
        ..Bundle::default()
    };

    for user in rows(data, "users") {
        let Some(user_id) = id(user, "id") else {
            continue;
        };
        let mut links = std::collections::BTreeMap::new();
        if let Some(website) = text(user, "website") {
            links.insert("website".to_owned(), website);
        }
        if let Some(twitter) = text(user, "twitter") {
            let handle = twitter.trim_start_matches('@');
            links.insert("x".to_owned(), format!("https://x.com/{handle}"));
        }
        bundle.authors.push(Person {
            id: user_id,
            name: text(user, "name").unwrap_or_else(|| "Unknown".into()),
            slug: text(user, "slug"),
            bio: text(user, "bio"),
            links,
        });
    }

    let mut tags: HashMap<String, Term> = HashMap::new();
    let mut internal = 0;
    for tag in rows(data, "tags") {
        let (Some(tag_id), Some(name)) = (id(tag, "id"), text(tag, "name")) else {
            continue;
        };
        if name.starts_with('#') || text(tag, "visibility").as_deref() == Some("internal") {
            internal += 1;
            continue;
        }
        let term = Term {
            id: tag_id.clone(),
            name,
            slug: text(tag, "slug"),
            description: text(tag, "description"),
            parent: None,
        };
        bundle.tags.push(term.clone());
        tags.insert(tag_id, term);
    }
    if internal > 0 {
        bundle.notes.push(format!(
            "{internal} internal (#) tag(s) not imported: they are Ghost's private labels"
        ));
    }

    let post_tags = links(data, "posts_tags", "tag_id");
    let post_authors = links(data, "posts_authors", "author_id");
    let post_meta: HashMap<String, &Value> = rows(data, "posts_meta")
        .iter()
        .filter_map(|m| Some((id(m, "post_id")?, m)))
        .collect();
    let mut sections_used = std::collections::BTreeSet::new();
    let mut skipped_pages = 0;
    for post in rows(data, "posts") {
        let Some(post_id) = id(post, "id") else {
            continue;
        };
        let kind = text(post, "type").unwrap_or_else(|| "post".into());
        if kind == "page" && !options.pages {
            skipped_pages += 1;
            continue;
        }
        let mut notes = Vec::new();
        let visibility = text(post, "visibility").unwrap_or_else(|| "public".into());
        let state = match (text(post, "status").as_deref(), time(post, "published_at")) {
            // Members-only or paid: Dateline has no paywall, so keep it from the public.
            (_, _) if visibility != "public" => {
                notes.push(format!(
                    "visible to {visibility:?} in Ghost; imported as a draft"
                ));
                State::Draft
            }
            (Some("sent"), _) => {
                notes.push("an email-only newsletter in Ghost; imported as a draft".into());
                State::Draft
            }
            (Some("published"), Some(at)) => State::Published(at),
            (Some("scheduled"), Some(at)) => State::Scheduled(at),
            (Some("draft"), _) => State::Draft,
            (other, _) => {
                notes.push(format!("Ghost status {other:?} imported as a draft"));
                State::Draft
            }
        };
        let tag_ids: Vec<String> = post_tags
            .get(&post_id)
            .map(|ids| {
                ids.iter()
                    .filter(|t| tags.contains_key(*t))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        // Ghost's primary tag (the first) is what themes treat as the section.
        let section = tag_ids.first().cloned();
        if let Some(primary) = &section {
            sections_used.insert(primary.clone());
        }
        let mut authors = post_authors.get(&post_id).cloned().unwrap_or_default();
        if authors.is_empty()
            && let Some(author) = id(post, "author_id")
        {
            authors.push(author);
        }
        let meta = post_meta.get(&post_id);
        let featured_image = text(post, "feature_image");
        if let Some(url) = &featured_image {
            let picture = bundle.pictures.entry(url.clone()).or_default();
            picture.alt = meta
                .and_then(|m| text(m, "feature_image_alt"))
                .or(text(post, "feature_image_alt"));
            picture.caption = meta
                .and_then(|m| text(m, "feature_image_caption"))
                .or(text(post, "feature_image_caption"))
                .map(|c| html::text_of(&c));
        }
        let lexical = text(post, "lexical").and_then(|l| serde_json::from_str::<Value>(&l).ok());
        let body = match (lexical, text(post, "html")) {
            (Some(doc), _) => {
                let mut out = html::Converted::default();
                for node in doc
                    .pointer("/root/children")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    lexical_block(node, &mut out);
                }
                out
            }
            (None, Some(markup)) => html::to_blocks(&markup),
            (None, None) => {
                if text(post, "mobiledoc").is_some() {
                    notes.push("a Mobiledoc body without HTML: body left empty".into());
                }
                html::Converted::default()
            }
        };
        notes.extend(body.notes);
        for (src, alt) in body.images {
            let picture = bundle.pictures.entry(src).or_default();
            if picture.alt.is_none() && !alt.is_empty() {
                picture.alt = Some(alt);
            }
        }
        bundle.stories.push(Story {
            id: post_id,
            headline: text(post, "title").unwrap_or_else(|| "(untitled)".into()),
            slug: text(post, "slug"),
            old_slugs: Vec::new(),
            permalink: text(post, "slug").map(|s| format!("/{s}/")),
            standfirst: text(post, "custom_excerpt"),
            body: body.blocks,
            state,
            section,
            tags: tag_ids,
            authors,
            featured_image,
            canonical_url: text(post, "canonical_url"),
            seo_title: meta.and_then(|m| text(m, "meta_title")),
            seo_description: meta.and_then(|m| text(m, "meta_description")),
            notes,
        });
    }
    // Primary tags are the sections (and stay tags too, as in Ghost).
    bundle.sections = sections_used
        .iter()
        .filter_map(|t| tags.get(t).cloned())
        .collect();
    if skipped_pages > 0 {
        bundle.notes.push(format!(
            "{skipped_pages} page(s) not imported (import them with --pages)"
        ));
    }
    Ok(bundle)
}

/// Inline Lexical nodes (text with bold/italic formats, links, line breaks) as HTML.
fn inline(nodes: Option<&Value>) -> String {
    let mut out = String::new();
    for node in nodes.and_then(Value::as_array).into_iter().flatten() {
        let kind = node.get("type").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "text" | "extended-text" => {
                let format = node.get("format").and_then(Value::as_i64).unwrap_or(0);
                let mut piece = esc(node.get("text").and_then(Value::as_str).unwrap_or(""));
                if format & 2 != 0 {
                    piece = format!("<em>{piece}</em>");
                }
                if format & 1 != 0 {
                    piece = format!("<strong>{piece}</strong>");
                }
                out.push_str(&piece);
            }
            "link" | "autolink" => {
                let url = node.get("url").and_then(Value::as_str).unwrap_or("");
                out.push_str(&format!(
                    "<a href=\"{}\">{}</a>",
                    esc(url),
                    inline(node.get("children"))
                ));
            }
            "linebreak" => out.push_str("<br>"),
            "tab" => out.push(' '),
            _ => out.push_str(&inline(node.get("children"))),
        }
    }
    out
}

fn plain(nodes: Option<&Value>) -> String {
    html::text_of(&inline(nodes))
}

/// One top-level Lexical node as blocks.
fn lexical_block(node: &Value, out: &mut html::Converted) {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or_default();
    let children = node.get("children");
    match kind {
        "paragraph" | "extended-text" => {
            let markup = inline(children);
            if !markup.trim().is_empty() {
                let converted = html::to_blocks(&format!("<p>{markup}</p>"));
                out.blocks.extend(converted.blocks);
            }
        }
        "heading" | "extended-heading" => {
            let level = node
                .get("tag")
                .and_then(Value::as_str)
                .and_then(|t| t.trim_start_matches('h').parse::<u8>().ok())
                .unwrap_or(2)
                .clamp(2, 4);
            let text = plain(children);
            if !text.is_empty() {
                out.blocks.push(Block::Heading { level, text });
            }
        }
        "quote" | "extended-quote" | "aside" => {
            let text = plain(children);
            if !text.is_empty() {
                out.blocks.push(Block::Quote {
                    text,
                    attribution: None,
                });
            }
        }
        "list" => {
            let ordered = node.get("listType").and_then(Value::as_str) == Some("number");
            let items: Vec<String> = children
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|item| plain(item.get("children")))
                .filter(|t| !t.is_empty())
                .collect();
            if !items.is_empty() {
                out.blocks.push(Block::List { ordered, items });
            }
        }
        "image" => {
            if let Some(src) = text(node, "src") {
                out.images
                    .push((src.clone(), text(node, "alt").unwrap_or_default()));
                out.blocks.push(Block::Image {
                    image_id: src,
                    caption: text(node, "caption")
                        .map(|c| html::text_of(&c))
                        .filter(|c| !c.is_empty()),
                    credit: None,
                    image: None,
                });
            }
        }
        "gallery" => {
            for image in node
                .get("images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                lexical_block(
                    &serde_json::json!({"type": "image", "src": image.get("src"), "alt": image.get("alt"), "caption": image.get("caption")}),
                    out,
                );
            }
        }
        "embed" | "bookmark" | "video" => match text(node, "url").or(text(node, "src")) {
            Some(url) if url.starts_with("http") => out.blocks.push(Block::Embed {
                url,
                provider: text(node, "embedType")
                    .or_else(|| {
                        node.pointer("/metadata/publisher")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .filter(|p| p != "url"),
                caption: None,
            }),
            _ => out
                .notes
                .push(format!("a {kind} card without a URL was left out")),
        },
        "html" => {
            let converted = html::to_blocks(&text(node, "html").unwrap_or_default());
            out.blocks.extend(converted.blocks);
            out.notes.extend(converted.notes);
            out.images.extend(converted.images);
        }
        "horizontalrule" => {}
        other => out.notes.push(format!(
            "a Ghost {other:?} card has no Dateline block; left out"
        )),
    }
}
