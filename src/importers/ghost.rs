//! Reads a Ghost export (Settings → Labs → Export, a JSON file, Ghost 1.0 and later):
//! staff users (→ authors, every co-author in order), tags (the primary tag of a post →
//! its section; public tags → tags; `#internal` tags are skipped), posts (and pages, if
//! asked) with their Lexical body in blocks (the HTML when a post has no Lexical),
//! featured images with their alt text and caption, and who may read each (members-only
//! and paid posts keep their date and get that access level).
//!
//! A Ghost export does not say which site it is from, and writes the site's own address
//! as `__GHOST_URL__`: `--source https://site.example` names it (and resolves those
//! links); without it the site is named by its title and owner, and its own links are
//! made site-relative.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use super::{Bundle, Options, Person, State, Story, Term, html};
use crate::content::articles::blocks::{Block, esc};
use crate::content::articles::model::Access;

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

/// The placeholder Ghost writes for its own address.
const GHOST_URL: &str = "__GHOST_URL__";

/// Checks the export's Ghost version: 1.0 and later are read (0.x exports have another
/// shape: pages as flags, HTML without cards, dates as numbers).
fn check_version(db: &Value) -> Result<String, String> {
    let version = db
        .get("meta")
        .and_then(|m| text(m, "version"))
        .ok_or("not a Ghost export: no meta.version (use Settings → Labs → Export)")?;
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    // 0.x wrote its database version ("003", "004") or "0.11.x" here.
    if major == 0 || !version.contains('.') {
        return Err(format!(
            "this is a Ghost {version} export: Dateline reads exports of Ghost 1.0 and later. Import it into a current Ghost (which upgrades it) and export again; nothing was imported"
        ));
    }
    Ok(version)
}

/// What names the site: `--source`, else its title and owner (an export has no URL);
/// with the name by title and owner as the other name it goes by.
fn site_name(data: &Value, options: &Options) -> Result<(String, Option<String>), String> {
    let derived = derived_name(data);
    match (&options.source, derived) {
        (Some(source), derived) => Ok((source.trim_end_matches('/').to_owned(), derived)),
        (None, Some(derived)) => Ok((derived, None)),
        (None, None) => Err(
            "this Ghost export does not say which site it is from: name it with --source https://your-site.example (its address; the same on every re-run)"
                .into(),
        ),
    }
}

/// The site's title and its owner's e-mail address, when the export has both.
fn derived_name(data: &Value) -> Option<String> {
    let title = rows(data, "settings")
        .iter()
        .find(|s| text(s, "key").as_deref() == Some("title"))
        .and_then(|s| text(s, "value"));
    Some(format!("{} ({})", title?, owner_email(data)?))
}

/// The e-mail address of the site's owner (the Owner role, else the first user).
fn owner_email(data: &Value) -> Option<String> {
    let owner_role = rows(data, "roles")
        .iter()
        .find(|r| text(r, "name").as_deref() == Some("Owner"))
        .and_then(|r| id(r, "id"));
    let owner_id = owner_role.and_then(|role| {
        rows(data, "roles_users")
            .iter()
            .find(|ru| id(ru, "role_id").as_ref() == Some(&role))
            .and_then(|ru| id(ru, "user_id"))
    });
    let users = rows(data, "users");
    owner_id
        .and_then(|o| users.iter().find(|u| id(u, "id").as_ref() == Some(&o)))
        .or_else(|| users.first())
        .and_then(|u| text(u, "email"))
}

/// Reads a Ghost JSON export.
pub fn read(raw: &str, options: &Options) -> Result<Bundle, String> {
    let doc: Value = serde_json::from_str(raw).map_err(|e| format!("not a Ghost export: {e}"))?;
    // `{"db": [{"meta", "data"}]}`, or the bare `{"meta", "data"}` of older versions.
    let db = doc.get("db").and_then(|db| db.get(0)).unwrap_or(&doc);
    let Some(data) = db.get("data").filter(|d| d.get("posts").is_some()) else {
        return Err("not a Ghost export: no data.posts (use Settings → Labs → Export)".into());
    };
    if !data["posts"].is_array() {
        return Err("not a Ghost export: data.posts is not a list of posts".into());
    }
    check_version(db)?;
    let (site, other_name) = site_name(data, options)?;
    // The site's own links: absolute when --source is its address, else site-relative.
    let base = options
        .source
        .as_deref()
        .filter(|s| s.starts_with("https://") || s.starts_with("http://"))
        .map(|s| s.trim_end_matches('/').to_owned());
    let placeholders = raw.matches(GHOST_URL).count();
    let doc: Value = if placeholders > 0 {
        // JSON-safe: an http(s) address needs no escaping inside a JSON string once
        // its quotes and backslashes are refused.
        let with = base
            .as_deref()
            .filter(|b| !b.contains(['"', '\\']))
            .unwrap_or("");
        serde_json::from_str(&raw.replace(GHOST_URL, with))
            .map_err(|e| format!("not a Ghost export: {e}"))?
    } else {
        doc
    };
    let db = doc.get("db").and_then(|db| db.get(0)).unwrap_or(&doc);
    let data = &db["data"];
    let mut bundle = Bundle {
        source: format!("ghost:{site}"),
        also_known_as: other_name
            .map(|n| format!("ghost:{n}"))
            .into_iter()
            .collect(),
        ..Bundle::default()
    };
    if placeholders > 0 && base.is_none() {
        bundle.notes.push(format!(
            "{placeholders} link(s) and image address(es) to the Ghost site itself (__GHOST_URL__) were made site-relative; give --source https://your-site.example to make them absolute"
        ));
    }

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
    let mut skipped_pages: Vec<String> = Vec::new();
    for post in rows(data, "posts") {
        let Some(post_id) = id(post, "id") else {
            continue;
        };
        // Ghost 1–2 flagged pages with `page: true`; later versions say `type`.
        let kind = text(post, "type").unwrap_or_else(|| {
            if post.get("page").and_then(Value::as_bool) == Some(true) {
                "page".into()
            } else {
                "post".into()
            }
        });
        let title = text(post, "title");
        if kind == "page" && !options.pages {
            skipped_pages.push(title.unwrap_or_else(|| post_id.clone()));
            continue;
        }
        let mut notes = Vec::new();
        let visibility = text(post, "visibility").unwrap_or_else(|| "public".into());
        let access = match visibility.as_str() {
            "public" => Access::Public,
            "members" => Access::Members,
            // "paid", "tiers" (some paid tiers), or a filter naming tiers.
            other => {
                if other != "paid" {
                    notes.push(format!(
                        "visible to {other:?} in Ghost: imported as paid (Dateline's access levels are public, members and paid)"
                    ));
                }
                Access::Paid
            }
        };
        let state = match (text(post, "status").as_deref(), time(post, "published_at")) {
            (Some("sent"), _) => {
                notes.push("an email-only newsletter in Ghost; imported as a draft".into());
                State::Draft
            }
            (Some("published"), Some(at)) => State::Published(at),
            (Some("scheduled"), Some(at)) => State::Scheduled(at),
            (Some("draft"), _) => State::Draft,
            (Some(status @ ("published" | "scheduled")), None) => {
                notes.push(format!(
                    "{status} in Ghost without a publish date; imported as a draft"
                ));
                State::Draft
            }
            (other, _) => {
                notes.push(format!(
                    "Ghost status {:?} imported as a draft",
                    other.unwrap_or("(none)")
                ));
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
            headline: title.unwrap_or_else(|| "(untitled)".into()),
            slug: text(post, "slug"),
            old_slugs: Vec::new(),
            permalink: text(post, "slug").map(|s| format!("/{s}/")),
            standfirst: text(post, "custom_excerpt"),
            body: body.blocks,
            state,
            access,
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
    if !skipped_pages.is_empty() {
        bundle.notes.push(super::pages_left_out(&skipped_pages));
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

/// A list's items as inline HTML, nested lists' items after their parent's.
fn list_items(list: &Value, out: &mut Vec<String>) {
    for item in list
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let children = item.get("children").and_then(Value::as_array);
        let own: Vec<Value> = children
            .into_iter()
            .flatten()
            .filter(|c| c.get("type").and_then(Value::as_str) != Some("list"))
            .cloned()
            .collect();
        let html = inline(Some(&Value::Array(own)));
        if !html::text_of(&html).is_empty() {
            out.push(html.trim().to_owned());
        }
        for nested in children
            .into_iter()
            .flatten()
            .filter(|c| c.get("type").and_then(Value::as_str) == Some("list"))
        {
            list_items(nested, out);
        }
    }
}

/// HTML from a card (its text fields hold HTML) read into blocks.
fn html_blocks(markup: &str, out: &mut html::Converted) {
    let converted = html::to_blocks(markup);
    out.blocks.extend(converted.blocks);
    out.notes.extend(converted.notes);
    out.images.extend(converted.images);
}

/// A link as a paragraph of its own (a button, a file to download).
fn link_paragraph(url: Option<String>, label: Option<String>, out: &mut html::Converted) {
    if let (Some(url), Some(label)) = (url, label) {
        out.blocks.push(Block::Paragraph {
            html: format!("<a href=\"{}\">{}</a>", esc(&url), esc(&label)),
        });
    }
}

/// A card's title field (HTML) as a heading of `level`.
fn card_heading(node: &Value, key: &str, level: u8, out: &mut html::Converted) {
    if let Some(text) = caption(node, key) {
        out.blocks.push(Block::Heading { level, text });
    }
}

/// A card's caption (HTML) as plain text.
fn caption(node: &Value, key: &str) -> Option<String> {
    text(node, key)
        .map(|c| html::text_of(&c))
        .filter(|c| !c.is_empty())
}

/// One top-level Lexical node (Ghost 5's editor: text nodes and cards) as blocks.
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
            let mut items = Vec::new();
            list_items(node, &mut items);
            if !items.is_empty() {
                out.blocks.push(Block::List { ordered, items });
            }
        }
        "codeblock" => {
            let code = node.get("code").and_then(Value::as_str).unwrap_or_default();
            if !code.trim().is_empty() {
                out.blocks.push(Block::Code {
                    text: code.to_owned(),
                    language: text(node, "language"),
                });
            }
            if let Some(c) = caption(node, "caption") {
                out.blocks.push(Block::Paragraph { html: esc(&c) });
            }
        }
        "image" => {
            if let Some(src) = text(node, "src") {
                out.images
                    .push((src.clone(), text(node, "alt").unwrap_or_default()));
                out.blocks.push(Block::Image {
                    image_id: src,
                    caption: caption(node, "caption"),
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
            if let Some(c) = caption(node, "caption") {
                out.blocks.push(Block::Paragraph { html: esc(&c) });
            }
        }
        "embed" | "bookmark" | "video" | "audio" => {
            let url = text(node, "url").or(text(node, "src"));
            let provider = match kind {
                "video" | "audio" => Some(kind.to_owned()),
                _ => text(node, "embedType")
                    .or_else(|| {
                        node.pointer("/metadata/publisher")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .filter(|p| p != "url"),
            };
            let caption = caption(node, "caption")
                .or_else(|| caption(node, "title"))
                .or_else(|| {
                    node.pointer("/metadata/title")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            match url {
                Some(url) if url.starts_with("http") => out.blocks.push(Block::Embed {
                    url,
                    provider,
                    caption,
                }),
                Some(url) => out.notes.push(format!(
                    "a {kind} card's address {url:?} is not an http(s) URL; left out"
                )),
                None => out
                    .notes
                    .push(format!("a {kind} card without a URL was left out")),
            }
        }
        "file" => {
            let label = text(node, "fileTitle").or(text(node, "fileName"));
            link_paragraph(text(node, "src"), label, out);
            if let Some(c) = caption(node, "fileCaption") {
                out.blocks.push(Block::Paragraph { html: esc(&c) });
            }
        }
        "product" => {
            card_heading(node, "productTitle", 3, out);
            if let Some(src) = text(node, "productImageSrc") {
                lexical_block(&serde_json::json!({"type": "image", "src": src}), out);
            }
            html_blocks(&text(node, "productDescription").unwrap_or_default(), out);
            if node.get("productButtonEnabled").and_then(Value::as_bool) != Some(false) {
                link_paragraph(text(node, "productUrl"), text(node, "productButton"), out);
            }
        }
        "header" => {
            card_heading(node, "header", 2, out);
            html_blocks(&text(node, "subheader").unwrap_or_default(), out);
            if node.get("buttonEnabled").and_then(Value::as_bool) == Some(true) {
                link_paragraph(text(node, "buttonUrl"), text(node, "buttonText"), out);
            }
        }
        "callout" => {
            let emoji = text(node, "calloutEmoji").unwrap_or_default();
            let body = text(node, "calloutText").unwrap_or_default();
            let start = out.blocks.len();
            html_blocks(&body, out);
            // The emoji leads the callout's first paragraph.
            if let Some(Block::Paragraph { html }) = out.blocks.get_mut(start)
                && !emoji.is_empty()
            {
                *html = format!("{} {html}", esc(&emoji));
            }
        }
        "toggle" => {
            card_heading(node, "heading", 3, out);
            html_blocks(&text(node, "content").unwrap_or_default(), out);
        }
        "button" => link_paragraph(text(node, "buttonUrl"), text(node, "buttonText"), out),
        "markdown" => {
            let source = node.get("markdown").and_then(Value::as_str).unwrap_or("");
            let parser = pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_TABLES);
            let mut markup = String::new();
            pulldown_cmark::html::push_html(&mut markup, parser);
            html_blocks(&markup, out);
        }
        "html" => html_blocks(&text(node, "html").unwrap_or_default(), out),
        "horizontalrule" => {}
        "paywall" => out.notes.push(
            "the paywall card (where Ghost's free preview ends) has no place in a Dateline body: the story's access level applies to all of it".into(),
        ),
        "email" | "email-cta" => out.notes.push(format!(
            "a Ghost {kind} card (shown only in newsletters) left out"
        )),
        other => out.notes.push(format!(
            "a Ghost {other:?} card has no Dateline block; left out"
        )),
    }
}
