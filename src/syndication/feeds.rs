//! RSS 2.0, Atom 1.0 and JSON Feed 1.1 from the same stories. XML comes from a real
//! writer (quick-xml), which escapes every text and attribute, so a headline such as
//! `]]> & <b>` or a body full of markup can never break the document.

use std::io::{self, Cursor, Write};

use chrono::{DateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::Serialize;

use crate::content::articles::model::ArticleResponse;
use crate::content::live::model::EntryResponse;

/// What describes the feed as a whole.
#[derive(Debug, Clone)]
pub struct Channel {
    pub title: String,
    pub description: String,
    /// This feed's own absolute URL.
    pub self_url: String,
    /// The site the feed belongs to.
    pub home_url: String,
    pub language: String,
    /// The newest change among the items (or now, when empty).
    pub updated: DateTime<Utc>,
}

/// One story with the absolute URLs a feed needs.
#[derive(Debug)]
pub struct Entry {
    pub article: ArticleResponse,
    /// Where readers read it.
    pub link: String,
    /// A stable, absolute identifier (the API URL by id).
    pub uri: String,
}

/// Characters XML 1.0 cannot carry at all (escaping does not help): dropped.
fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

fn leaf<W: Write>(w: &mut Writer<W>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_safe(value)))?;
    Ok(())
}

/// RSS 2.0 with `content:encoded` (the full HTML), `dc:creator` per author,
/// categories (section, then tags) and `media:content` for the lead photo.
pub fn rss(channel: &Channel, entries: &[Entry]) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:content", "http://purl.org/rss/1.0/modules/content/"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .with_attribute(("xmlns:media", "http://search.yahoo.com/mrss/"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                leaf(w, "title", &channel.title)?;
                leaf(w, "link", &channel.home_url)?;
                leaf(w, "description", &channel.description)?;
                leaf(w, "language", &channel.language)?;
                leaf(w, "lastBuildDate", &channel.updated.to_rfc2822())?;
                leaf(w, "generator", "Dateline")?;
                w.create_element("atom:link")
                    .with_attribute(("href", channel.self_url.as_str()))
                    .with_attribute(("rel", "self"))
                    .with_attribute(("type", "application/rss+xml"))
                    .write_empty()?;
                for entry in entries {
                    rss_item(w, entry)?;
                }
                Ok::<(), io::Error>(())
            })?;
            Ok::<(), io::Error>(())
        })?;
    Ok(w.into_inner().into_inner())
}

fn rss_item<W: Write>(w: &mut Writer<W>, entry: &Entry) -> io::Result<()> {
    let a = &entry.article;
    w.create_element("item").write_inner_content(|w| {
        leaf(w, "title", &a.headline)?;
        leaf(w, "link", &entry.link)?;
        w.create_element("guid")
            .with_attribute(("isPermaLink", "false"))
            .write_text_content(BytesText::new(&entry.uri))?;
        if let Some(at) = a.published_at {
            leaf(w, "pubDate", &at.to_rfc2822())?;
        }
        leaf(w, "description", &a.standfirst)?;
        leaf(w, "content:encoded", a.body_html.as_deref().unwrap_or(""))?;
        for author in &a.authors {
            leaf(w, "dc:creator", &author.name)?;
        }
        if let Some(section) = &a.section {
            leaf(w, "category", &section.name)?;
        }
        for tag in &a.tags {
            leaf(w, "category", &tag.name)?;
        }
        if let Some(photo) = &a.featured_image {
            w.create_element("media:content")
                .with_attribute(("url", photo.url.as_str()))
                .with_attribute(("medium", "image"))
                .with_attribute(("width", photo.width.to_string().as_str()))
                .with_attribute(("height", photo.height.to_string().as_str()))
                .write_inner_content(|w| {
                    if !photo.caption.is_empty() {
                        leaf(w, "media:description", &photo.caption)?;
                    }
                    if !photo.credit.is_empty() {
                        leaf(w, "media:credit", &photo.credit)?;
                    }
                    Ok::<(), io::Error>(())
                })?;
        }
        Ok::<(), io::Error>(())
    })?;
    Ok(())
}

/// Atom 1.0: every entry has an id, title, updated, author, summary and the full
/// HTML as escaped `content type="html"`.
pub fn atom(channel: &Channel, entries: &[Entry]) -> io::Result<Vec<u8>> {
    atom_document(channel, |w| {
        for entry in entries {
            atom_entry(w, entry)?;
        }
        Ok(())
    })
}

/// An Atom document: the feed's head, then what `entries` writes.
fn atom_document(
    channel: &Channel,
    entries: impl FnOnce(&mut Writer<Cursor<Vec<u8>>>) -> io::Result<()>,
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xml:lang", channel.language.as_str()))
        .write_inner_content(|w| {
            leaf(w, "id", &channel.self_url)?;
            leaf(w, "title", &channel.title)?;
            leaf(w, "subtitle", &channel.description)?;
            leaf(w, "updated", &channel.updated.to_rfc3339())?;
            w.create_element("link")
                .with_attribute(("rel", "self"))
                .with_attribute(("type", "application/atom+xml"))
                .with_attribute(("href", channel.self_url.as_str()))
                .write_empty()?;
            w.create_element("link")
                .with_attribute(("rel", "alternate"))
                .with_attribute(("href", channel.home_url.as_str()))
                .write_empty()?;
            leaf(w, "generator", "Dateline")?;
            entries(w)
        })?;
    Ok(w.into_inner().into_inner())
}

fn atom_entry<W: Write>(w: &mut Writer<W>, entry: &Entry) -> io::Result<()> {
    let a = &entry.article;
    w.create_element("entry").write_inner_content(|w| {
        leaf(w, "id", &entry.uri)?;
        leaf(w, "title", &a.headline)?;
        leaf(w, "updated", &a.updated_at.to_rfc3339())?;
        if let Some(at) = a.published_at {
            leaf(w, "published", &at.to_rfc3339())?;
        }
        w.create_element("link")
            .with_attribute(("rel", "alternate"))
            .with_attribute(("type", "text/html"))
            .with_attribute(("href", entry.link.as_str()))
            .write_empty()?;
        // Atom requires an author; a story without a byline is the publication's.
        let names: Vec<&str> = if a.authors.is_empty() {
            vec!["Dateline"]
        } else {
            a.authors.iter().map(|x| x.name.as_str()).collect()
        };
        for name in names {
            w.create_element("author")
                .write_inner_content(|w| leaf(w, "name", name))?;
        }
        if let Some(section) = &a.section {
            w.create_element("category")
                .with_attribute(("term", section.slug.as_str()))
                .with_attribute(("label", xml_safe(&section.name).as_ref()))
                .write_empty()?;
        }
        for tag in &a.tags {
            w.create_element("category")
                .with_attribute(("term", tag.slug.as_str()))
                .with_attribute(("label", xml_safe(&tag.name).as_ref()))
                .write_empty()?;
        }
        if let Some(photo) = &a.featured_image {
            w.create_element("link")
                .with_attribute(("rel", "enclosure"))
                .with_attribute(("href", photo.url.as_str()))
                .with_attribute(("type", mime_of(&photo.url)))
                .write_empty()?;
        }
        w.create_element("summary")
            .with_attribute(("type", "text"))
            .write_text_content(BytesText::new(&xml_safe(&a.standfirst)))?;
        w.create_element("content")
            .with_attribute(("type", "html"))
            .write_text_content(BytesText::new(&xml_safe(
                a.body_html.as_deref().unwrap_or(""),
            )))?;
        Ok::<(), io::Error>(())
    })?;
    Ok(())
}

/// A live story's entries as an Atom feed, newest first: each entry's own id, link
/// (the story's page at the entry's anchor), byline (the story's when the entry has
/// none) and HTML.
pub fn atom_live(
    channel: &Channel,
    story: &ArticleResponse,
    entries: &[EntryResponse],
    link: &str,
    uri: &str,
) -> io::Result<Vec<u8>> {
    atom_document(channel, |w| {
        for entry in entries {
            w.create_element("entry").write_inner_content(|w| {
                leaf(w, "id", &format!("{uri}/entries/{}", entry.id))?;
                leaf(w, "title", &entry.title())?;
                leaf(w, "updated", &entry.updated_at.to_rfc3339())?;
                leaf(w, "published", &entry.published_at.to_rfc3339())?;
                w.create_element("link")
                    .with_attribute(("rel", "alternate"))
                    .with_attribute(("type", "text/html"))
                    .with_attribute(("href", format!("{link}#entry-{}", entry.id).as_str()))
                    .write_empty()?;
                let byline = if entry.authors.is_empty() {
                    &story.authors
                } else {
                    &entry.authors
                };
                let names: Vec<&str> = if byline.is_empty() {
                    vec!["Dateline"]
                } else {
                    byline.iter().map(|x| x.name.as_str()).collect()
                };
                for name in names {
                    w.create_element("author")
                        .write_inner_content(|w| leaf(w, "name", name))?;
                }
                if entry.key_event {
                    w.create_element("category")
                        .with_attribute(("term", "key-event"))
                        .with_attribute(("label", "Key event"))
                        .write_empty()?;
                }
                w.create_element("content")
                    .with_attribute(("type", "html"))
                    .write_text_content(BytesText::new(&xml_safe(&entry.body_html)))?;
                Ok::<(), io::Error>(())
            })?;
        }
        Ok(())
    })
}

fn mime_of(url: &str) -> &'static str {
    match url.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        _ => "image/jpeg",
    }
}

/// A JSON Feed 1.1 document.
#[derive(Debug, Serialize)]
pub struct JsonFeed {
    pub version: &'static str,
    pub title: String,
    pub home_page_url: String,
    pub feed_url: String,
    pub description: String,
    pub language: String,
    pub items: Vec<JsonFeedItem>,
}

/// One JSON Feed item.
#[derive(Debug, Serialize)]
pub struct JsonFeedItem {
    pub id: String,
    pub url: String,
    pub title: String,
    pub content_html: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_published: Option<DateTime<Utc>>,
    pub date_modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonFeedAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A JSON Feed author.
#[derive(Debug, Serialize)]
pub struct JsonFeedAuthor {
    pub name: String,
}

/// JSON Feed 1.1.
pub fn json(channel: &Channel, entries: Vec<Entry>) -> JsonFeed {
    JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: channel.title.clone(),
        home_page_url: channel.home_url.clone(),
        feed_url: channel.self_url.clone(),
        description: channel.description.clone(),
        language: channel.language.clone(),
        items: entries
            .into_iter()
            .map(|e| {
                let a = e.article;
                JsonFeedItem {
                    id: e.uri,
                    url: e.link,
                    title: a.headline,
                    content_html: a.body_html.unwrap_or_default(),
                    summary: a.standfirst,
                    image: a.featured_image.map(|p| p.url),
                    date_published: a.published_at,
                    date_modified: a.updated_at,
                    authors: a
                        .authors
                        .into_iter()
                        .map(|x| JsonFeedAuthor { name: x.name })
                        .collect(),
                    tags: a
                        .section
                        .into_iter()
                        .chain(a.tags)
                        .map(|s| s.name)
                        .collect(),
                }
            })
            .collect(),
    }
}
