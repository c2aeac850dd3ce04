//! Reads a WordPress export (WXR 1.0–1.2, "Tools → Export" in wp-admin): authors (and
//! Co-Authors Plus bylines and guest authors), categories (→ sections, keeping their
//! tree), tags, attachments (→ photos, when the files are in the media folder; a bare
//! `[gallery]` shows the post's own), posts (and pages, if asked) with their HTML bodies
//! in blocks, and every old slug (`_wp_old_slug`) as a redirect. Every post is either
//! read or named in the report with the reason.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::xml::{Element, parse_xml};
use super::{Bundle, Options, Person, Picture, State, Story, Term, html};
use crate::content::articles::model::Access;

/// `2024-03-05 10:00:00` (WordPress's date columns); the zero date means "never".
fn gmt(raw: Option<String>) -> Option<NaiveDateTime> {
    raw.filter(|r| !r.starts_with("0000"))
        .and_then(|r| NaiveDateTime::parse_from_str(&r, "%Y-%m-%d %H:%M:%S").ok())
}

/// The site's offsets from UTC, learned from the posts that carry both their local and
/// their GMT date, by local time: WXR does not state the site's zone, and real exports
/// often have only the local `post_date` (`post_date_gmt` zero). A post with only its
/// local date takes the offset of the post nearest in time that has both, which
/// follows daylight saving as well as the export allows.
struct Offsets(Vec<(NaiveDateTime, chrono::TimeDelta)>);

impl Offsets {
    fn learn(items: &[&Element]) -> Offsets {
        let mut known: Vec<(NaiveDateTime, chrono::TimeDelta)> = items
            .iter()
            .filter_map(|item| {
                let local = gmt(item.get("wp:post_date"))?;
                let utc = gmt(item.get("wp:post_date_gmt"))?;
                Some((local, local - utc))
            })
            .collect();
        known.sort();
        Offsets(known)
    }

    /// UTC for a local time, if any post tells the offset.
    fn utc(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        let at = self.0.partition_point(|(t, _)| *t < local);
        let nearest = [at.checked_sub(1), Some(at)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.0.get(i))
            .min_by_key(|(t, _)| (*t - local).abs())?;
        Some(local - nearest.1)
    }
}

/// Text WordPress stores as HTML (titles, term and display names): tags dropped,
/// entities decoded (`Media &amp; Text` → `Media & Text`).
fn decoded(raw: Option<String>) -> Option<String> {
    raw.map(|r| html::text_of(&r)).filter(|t| !t.is_empty())
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
        .or_else(|| decoded(Some(text.to_owned())))
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
    match channel.get("wp:wxr_version").as_deref() {
        None => {
            return Err(
                "not a WordPress export: no <wp:wxr_version> (use Tools → Export in wp-admin)"
                    .into(),
            );
        }
        Some("1.0" | "1.1" | "1.2") => {}
        Some(other) => {
            return Err(format!(
                "WordPress export format (WXR) {other} is not one Dateline reads (1.0 to 1.2, written by WordPress 3.0 and later); nothing was imported"
            ));
        }
    }
    let site = channel
        .get("wp:base_blog_url")
        .or_else(|| channel.get("wp:base_site_url"))
        .or_else(|| channel.get("link"))
        .unwrap_or_else(|| "unknown-site".into());
    let own = format!("wordpress:{}", site.trim_end_matches('/'));
    let mut bundle = Bundle {
        source: options
            .source
            .as_deref()
            .map(|s| format!("wordpress:{}", s.trim_end_matches('/')))
            .unwrap_or_else(|| own.clone()),
        ..Bundle::default()
    };
    if bundle.source != own {
        bundle.also_known_as.push(own);
    }

    let mut logins = HashMap::new();
    for author in channel.all("wp:author") {
        let Some(login) = author.get("wp:author_login") else {
            continue;
        };
        let name = decoded(author.get("wp:author_display_name"))
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
        bundle
            .authors
            .push(named_person(login.clone(), name, None, Default::default()));
    }

    // Categories become sections; their parent is named by its slug.
    let mut category_slugs = HashMap::new();
    for cat in channel.all("wp:category") {
        let Some(slug) = cat.get("wp:category_nicename") else {
            continue;
        };
        let name = decoded(cat.get("wp:cat_name")).unwrap_or_else(|| slug.clone());
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
        let name = decoded(tag.get("wp:tag_name")).unwrap_or_else(|| slug.clone());
        tag_slugs.insert(slug.clone(), ());
        bundle.tags.push(Term {
            id: slug.clone(),
            name,
            slug: slug_from(Some(slug)),
            description: tag.get("wp:tag_description"),
            parent: None,
        });
    }

    // Attachments first: posts name their featured image by attachment id, and a bare
    // [gallery] shows the images attached to its post.
    let items: Vec<&Element> = channel.all("item").collect();
    let mut attachments = Attachments::default();
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
        if let Some(parent) = item.get("wp:post_parent").filter(|p| p != "0") {
            let order = item
                .get("wp:menu_order")
                .and_then(|o| o.parse::<i64>().ok())
                .unwrap_or(0);
            let number = id.parse::<i64>().unwrap_or(0);
            attachments
                .by_parent
                .entry(parent)
                .or_default()
                .push((order, number, url.clone()));
        }
        attachments.urls.insert(id, url.clone());
        bundle.pictures.insert(
            url,
            Picture {
                alt: find("_wp_attachment_image_alt").or_else(|| decoded(item.get("title"))),
                caption: item.get("excerpt:encoded").map(|c| html::text_of(&c)),
                credit: None,
                file: find("_wp_attached_file"),
            },
        );
    }
    for list in attachments.by_parent.values_mut() {
        list.sort();
    }
    // Reusable blocks, which posts include by reference.
    let reusable: HashMap<String, String> = items
        .iter()
        .filter(|i| i.get("wp:post_type").as_deref() == Some("wp_block"))
        .filter_map(|i| Some((i.get("wp:post_id")?, i.get("content:encoded")?)))
        .collect();
    let guests = guest_authors(&items, &mut bundle);
    let offsets = Offsets::learn(&items);
    let mut local_as_utc = 0;

    let mut skipped: HashMap<String, usize> = HashMap::new();
    let mut pages_left = Vec::new();
    let mut extra_categories = 0;
    for (n, item) in items.iter().enumerate() {
        let kind = item.get("wp:post_type").unwrap_or_else(|| "post".into());
        let title = decoded(item.get("title"));
        let named = title.clone().unwrap_or_else(|| format!("item {}", n + 1));
        let wanted = kind == "post" || (kind == "page" && options.pages);
        if !wanted {
            match kind.as_str() {
                "attachment" | "wp_block" | "guest-author" => {}
                "page" => pages_left.push(named),
                _ => *skipped.entry(kind).or_default() += 1,
            }
            continue;
        }
        // The post's id, else its permanent address: either keys it for re-runs.
        let Some(id) = item
            .get("wp:post_id")
            .or_else(|| item.get("guid"))
            .or_else(|| item.get("link"))
        else {
            bundle.notes.push(format!(
                "{kind} {named:?}: has no wp:post_id, guid or link to know it by on a re-run; not imported"
            ));
            continue;
        };
        let status = item.get("wp:status").unwrap_or_default();
        let mut notes = Vec::new();
        let protected = item.get("wp:post_password").is_some();
        let when = gmt(item.get("wp:post_date_gmt")).or_else(|| {
            let local = gmt(item.get("wp:post_date"))?;
            Some(offsets.utc(local).unwrap_or_else(|| {
                local_as_utc += 1;
                local
            }))
        });
        let state = match (status.as_str(), when) {
            ("trash", _) => {
                bundle.notes.push(format!(
                    "{kind} {named:?}: in WordPress's trash; not imported"
                ));
                continue;
            }
            // Dateline has no passwords on stories: keep it from the public.
            (_, _) if protected => {
                notes.push("password-protected in WordPress; imported as a draft".into());
                State::Draft
            }
            ("publish", Some(at)) => State::Published(at),
            ("future", Some(at)) => State::Scheduled(at),
            ("publish" | "future", None) => {
                notes.push(format!(
                    "WordPress status {status:?} without a date; imported as a draft"
                ));
                State::Draft
            }
            ("draft" | "auto-draft", _) => State::Draft,
            (other, _) => {
                notes.push(format!("WordPress status {other:?} imported as a draft"));
                State::Draft
            }
        };
        let mut section = None;
        let mut tags: Vec<String> = Vec::new();
        let mut bylines = Vec::new();
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
                // Co-Authors Plus: the story's bylines, in order.
                Some("author") => {
                    bylines.push(byline(&nicename, &cat.text, &logins, &guests, &mut bundle))
                }
                _ => {}
            }
        }
        // A category and a tag of the same slug are one tag here.
        let mut seen = std::collections::HashSet::new();
        tags.retain(|t| seen.insert(t.clone()));
        let meta = meta(item);
        let thumbnail = meta.iter().find(|(k, _)| k == "_thumbnail_id");
        let featured_image = thumbnail.and_then(|(_, v)| attachments.urls.get(v).cloned());
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
        let own = item.get("wp:post_id").unwrap_or_default();
        let (prepared, shortcode_notes) = prepare(&content, &own, &attachments, &reusable);
        notes.extend(shortcode_notes);
        let mut converted = html::to_blocks(&prepared);
        // The block editor keeps footnotes in the post's meta: they end the story.
        let footnotes: Vec<String> = meta
            .iter()
            .find(|(k, _)| k == "footnotes")
            .and_then(|(_, v)| serde_json::from_str::<Vec<serde_json::Value>>(v).ok())
            .unwrap_or_default()
            .iter()
            .filter_map(|f| f.get("content")?.as_str().map(str::to_owned))
            .filter(|f| !html::text_of(f).is_empty())
            .collect();
        if !footnotes.is_empty() {
            converted
                .blocks
                .push(crate::content::articles::blocks::Block::List {
                    ordered: true,
                    items: footnotes,
                });
        }
        notes.extend(converted.notes);
        for (src, alt) in converted.images {
            let picture = bundle.pictures.entry(src).or_default();
            if picture.alt.is_none() && !alt.is_empty() {
                picture.alt = Some(alt);
            }
        }
        let headline = title.unwrap_or_else(|| {
            notes.push("had no title; imported as \"(untitled)\"".into());
            "(untitled)".into()
        });
        let mut authors: Vec<String> = bylines;
        if authors.is_empty()
            && let Some(login) = item.get("dc:creator").and_then(|c| logins.get(&c).cloned())
        {
            authors.push(login);
        }
        let mut seen = std::collections::HashSet::new();
        authors.retain(|a| seen.insert(a.clone()));
        bundle.stories.push(Story {
            id,
            headline,
            slug: slug_from(item.get("wp:post_name")),
            old_slugs,
            permalink: item.get("link"),
            standfirst: item
                .get("excerpt:encoded")
                .map(|e| html::text_of(&e))
                .filter(|e| !e.is_empty()),
            body: converted.blocks,
            state,
            access: Access::Public,
            section,
            tags,
            authors,
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
    if local_as_utc > 0 {
        bundle.notes.push(format!(
            "{local_as_utc} post(s) had only a local date and no post gave the site's offset from UTC: their local time was read as UTC"
        ));
    }
    if !pages_left.is_empty() {
        bundle.notes.push(super::pages_left_out(&pages_left));
    }
    let mut skipped: Vec<_> = skipped.into_iter().collect();
    skipped.sort();
    for (kind, n) in skipped {
        let what = match kind.as_str() {
            "nav_menu_item" => " (menu entries: the navigation is the front end's)",
            "revision" => " (earlier versions of posts)",
            _ => " (a type Dateline has no place for)",
        };
        bundle
            .notes
            .push(format!("{n} item(s) of type {kind:?} not imported{what}"));
    }
    Ok(bundle)
}

/// What the export holds of its attachments.
#[derive(Default)]
struct Attachments {
    /// Attachment id → file URL.
    urls: HashMap<String, String>,
    /// Post id → its attachments as `(menu order, id, URL)`, in gallery order.
    by_parent: HashMap<String, Vec<(i64, i64, String)>>,
}

/// Co-Authors Plus guest authors (`guest-author` items), by their login, as people.
fn guest_authors(items: &[&Element], bundle: &mut Bundle) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for item in items
        .iter()
        .filter(|i| i.get("wp:post_type").as_deref() == Some("guest-author"))
    {
        let meta = meta(item);
        let find = |key: &str| {
            meta.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(login) = find("cap-user_login").or_else(|| item.get("wp:post_name")) else {
            continue;
        };
        let name = decoded(find("cap-display_name"))
            .or_else(|| decoded(item.get("title")))
            .unwrap_or_else(|| login.clone());
        let id = format!("guest:{login}");
        let mut links = std::collections::BTreeMap::new();
        if let Some(site) = find("cap-website") {
            links.insert("website".to_owned(), site);
        }
        bundle.authors.push(named_person(
            id.clone(),
            name,
            find("cap-description"),
            links,
        ));
        out.insert(login, id);
    }
    out
}

/// A person whose public slug comes from the name (a login is often an e-mail address).
fn named_person(
    id: String,
    name: String,
    bio: Option<String>,
    links: std::collections::BTreeMap<String, String>,
) -> Person {
    Person {
        id,
        slug: crate::content::slug::Slug::derive(&name)
            .ok()
            .map(|s| s.to_string()),
        name,
        bio,
        links,
    }
}

/// A Co-Authors Plus byline (`<category domain="author" nicename="cap-…">`): a
/// WordPress user, a guest author, or else a person known only by that name.
fn byline(
    nicename: &str,
    text: &str,
    logins: &HashMap<String, String>,
    guests: &HashMap<String, String>,
    bundle: &mut Bundle,
) -> String {
    let login = nicename.strip_prefix("cap-").unwrap_or(nicename);
    let label = text.trim();
    for key in [login, label] {
        if let Some(id) = logins.get(key).or_else(|| guests.get(key)) {
            return id.clone();
        }
    }
    let id = format!("guest:{login}");
    if !bundle.authors.iter().any(|a| a.id == id) {
        let name = decoded(Some(label.to_owned())).unwrap_or_else(|| login.to_owned());
        bundle
            .authors
            .push(named_person(id.clone(), name, None, Default::default()));
    }
    id
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
fn prepare(
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
        let name_of = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        };
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

    #[test]
    fn real_exports_quirks_are_read() {
        let item = |id: &str, title: &str, local: &str, gmt: &str, extra: &str| {
            format!(
                "<item><title>{title}</title>{id}<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>\
                 <wp:post_date>{local}</wp:post_date><wp:post_date_gmt>{gmt}</wp:post_date_gmt>\
                 <dc:creator>editor</dc:creator><content:encoded><![CDATA[Text]]></content:encoded>{extra}</item>"
            )
        };
        let wxr = format!(
            "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://x.test</wp:base_blog_url>\
             <wp:author><wp:author_login>editor</wp:author_login><wp:author_display_name>Ed &amp;amp; Co</wp:author_display_name></wp:author>\
             {}{}{}{}\
             <item><title>Jane Guest</title><wp:post_id>90</wp:post_id><wp:post_type>guest-author</wp:post_type>\
             <wp:postmeta><wp:meta_key>cap-user_login</wp:meta_key><wp:meta_value>jane</wp:meta_value></wp:postmeta>\
             <wp:postmeta><wp:meta_key>cap-display_name</wp:meta_key><wp:meta_value>Jane Guest</wp:meta_value></wp:postmeta></item>\
             </channel></rss>",
            // Both dates: the site is two hours ahead of UTC.
            item(
                "<wp:post_id>1</wp:post_id>",
                "Media &amp;amp; Text",
                "2024-03-05 12:00:00",
                "2024-03-05 10:00:00",
                ""
            ),
            // Only the local date: converted with that offset.
            item(
                "<wp:post_id>2</wp:post_id>",
                "Local only",
                "2024-03-06 09:30:00",
                "0000-00-00 00:00:00",
                "<category domain=\"author\" nicename=\"cap-jane\"><![CDATA[jane]]></category>\
                 <category domain=\"author\" nicename=\"cap-editor\"><![CDATA[editor]]></category>\
                 <category domain=\"author\" nicename=\"cap-sam-lee\"><![CDATA[Sam Lee]]></category>\
                 <category domain=\"category\" nicename=\"news\"><![CDATA[News]]></category>\
                 <category domain=\"category\" nicename=\"ports\"><![CDATA[Ports]]></category>\
                 <category domain=\"post_tag\" nicename=\"ports\"><![CDATA[Ports]]></category>"
            ),
            // No post id: known by its guid.
            item(
                "<guid isPermaLink=\"false\">https://x.test/?p=3</guid>",
                "No id",
                "2024-03-07 08:00:00",
                "2024-03-07 06:00:00",
                ""
            ),
            item(
                "",
                "Nothing to know it by",
                "2024-03-08 08:00:00",
                "2024-03-08 06:00:00",
                ""
            ),
        );
        let bundle = read(&wxr, &Options::default()).unwrap();
        let stories: Vec<(&str, &str)> = bundle
            .stories
            .iter()
            .map(|s| (s.id.as_str(), s.headline.as_str()))
            .collect();
        assert_eq!(
            stories,
            [
                ("1", "Media & Text"),
                ("2", "Local only"),
                ("https://x.test/?p=3", "No id")
            ]
        );
        assert!(
            bundle
                .notes
                .iter()
                .any(|n| n.contains("\"Nothing to know it by\"") && n.contains("not imported")),
            "{:?}",
            bundle.notes
        );
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            bundle.stories[1].state,
            State::Published(at("2024-03-06 07:30:00"))
        );
        // Co-Authors Plus: a guest author, a user, and a name known only from the byline.
        assert_eq!(
            bundle.stories[1].authors,
            ["guest:jane", "editor", "guest:sam-lee"]
        );
        let names: Vec<&str> = bundle.authors.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Ed & Co", "Jane Guest", "Sam Lee"]);
        assert_eq!(bundle.stories[1].section.as_deref(), Some("news"));
        assert_eq!(bundle.stories[1].tags, ["ports"], "one tag, not two");
        assert_eq!(bundle.stories[0].authors, ["editor"]);
        assert!(
            read(&wxr.replace(">1.2<", ">2.0<"), &Options::default())
                .unwrap_err()
                .contains("(WXR) 2.0")
        );
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
