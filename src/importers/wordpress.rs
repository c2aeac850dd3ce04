//! Reads a WordPress export (WXR 1.0–1.2, "Tools → Export" in wp-admin): authors (and
//! Co-Authors Plus bylines and guest authors), categories (→ sections, keeping their
//! tree), tags, attachments (→ photos, when the files are in the media folder; a bare
//! `[gallery]` shows the post's own), posts (and pages, if asked) with their HTML bodies
//! in blocks, and every old slug (`_wp_old_slug`) as a redirect. Every post is either
//! read or named in the report with the reason.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::wordpress_markup::{Attachments, prepare};
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

#[cfg(test)]
mod tests {
    use super::*;

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
