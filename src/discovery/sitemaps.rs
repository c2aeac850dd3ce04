//! Reading the public index for sitemaps, and writing them (sitemaps.org 0.9 with
//! Google's image and News extensions and `xhtml:link` alternates).

use std::collections::HashMap;
use std::io::{self, Cursor};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::error::AppResult;
use crate::media::files::MediaStore;
use crate::media::model::ImageResponse;
use crate::publication::Publication;
use crate::publication::model::StoryPlace;
use crate::store::schema::{articles, images, public_stories, sections};
use crate::store::{DbConn, inner, keys_in};

/// How long a story stays in the News sitemap (Google: the last two days).
pub const NEWS_WINDOW: TimeDelta = TimeDelta::hours(48);
/// At most this many stories in the News sitemap (Google's limit).
pub const NEWS_MAX: i64 = 1_000;
/// At most this many URLs in one sitemap (the protocol's limit); a month with more
/// continues in `{yyyy}-{mm}-2.xml` and so on.
pub const MAX_URLS: i64 = 50_000;

/// A public story as a sitemap lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = public_stories)]
pub struct Listed {
    pub article_id: String,
    pub section_id: Option<String>,
    pub published_at: NaiveDateTime,
    pub slug: String,
    pub headline: String,
    pub featured_image_id: Option<String>,
    pub language: String,
    pub updated_at: Option<NaiveDateTime>,
}

/// One monthly sitemap file: its month and part (1 for the first 50,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthPart {
    pub month: NaiveDate,
    pub part: i64,
}

impl MonthPart {
    /// `2026-03` or `2026-03-2`.
    pub fn name(&self) -> String {
        let month = self.month.format("%Y-%m");
        if self.part == 1 {
            month.to_string()
        } else {
            format!("{month}-{}", self.part)
        }
    }

    /// Reads `2026-03` or `2026-03-2`.
    pub fn parse(name: &str) -> Option<MonthPart> {
        let (month, part) = match name.get(7..) {
            Some("") => (name, 1),
            Some(rest) => (&name[..7], rest.strip_prefix('-')?.parse().ok()?),
            None => return None,
        };
        let month = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
        (1..=1_000)
            .contains(&part)
            .then_some(MonthPart { month, part })
    }

    fn range(&self) -> (NaiveDateTime, NaiveDateTime) {
        let start = self.month.and_hms_opt(0, 0, 0).unwrap_or_default();
        let next = self
            .month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(self.month);
        (start, next.and_hms_opt(0, 0, 0).unwrap_or_default())
    }
}

fn month_of(at: NaiveDateTime) -> NaiveDate {
    NaiveDate::from_ymd_opt(at.year(), at.month(), 1).unwrap_or_default()
}

/// Every monthly sitemap there is, newest first: one probe of the publish-time index
/// per month with stories, and one more per month past 50,000 stories.
pub fn parts(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<MonthPart>> {
    let mut out = Vec::new();
    let mut before = now + TimeDelta::microseconds(1);
    loop {
        let newest: Option<NaiveDateTime> = inner!(conn, |c| public_stories::table
            .filter(public_stories::published_at.lt(before))
            .order(public_stories::published_at.desc())
            .select(public_stories::published_at)
            .first(c)
            .optional())?;
        let Some(newest) = newest else { break };
        let month = month_of(newest);
        let (start, end) = MonthPart { month, part: 1 }.range();
        let end = end.min(now + TimeDelta::microseconds(1));
        let mut part = 1;
        loop {
            out.push(MonthPart { month, part });
            let more: Option<String> = inner!(conn, |c| public_stories::table
                .filter(public_stories::published_at.ge(start))
                .filter(public_stories::published_at.lt(end))
                .order(public_stories::published_at.asc())
                .offset(part * MAX_URLS)
                .select(public_stories::article_id)
                .first(c)
                .optional())?;
            if more.is_none() {
                break;
            }
            part += 1;
        }
        before = start;
    }
    Ok(out)
}

/// The public stories of one monthly sitemap, oldest first.
pub fn month(conn: &mut DbConn, part: MonthPart, now: NaiveDateTime) -> AppResult<Vec<Listed>> {
    let (start, end) = part.range();
    let found: Vec<Listed> = inner!(conn, |c| public_stories::table
        .filter(public_stories::published_at.ge(start))
        .filter(public_stories::published_at.lt(end))
        .filter(public_stories::published_at.le(now))
        .order((
            public_stories::published_at.asc(),
            public_stories::article_id.asc(),
        ))
        .offset((part.part - 1) * MAX_URLS)
        .limit(MAX_URLS)
        .select(Listed::as_select())
        .load(c))?;
    Ok(found)
}

/// The stories of the last 48 hours, newest first, at most 1,000.
pub fn news(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<Listed>> {
    let found: Vec<Listed> = inner!(conn, |c| public_stories::table
        .filter(public_stories::published_at.ge(now - NEWS_WINDOW))
        .filter(public_stories::published_at.le(now))
        .order((
            public_stories::published_at.desc(),
            public_stories::article_id.desc(),
        ))
        .limit(NEWS_MAX)
        .select(Listed::as_select())
        .load(c))?;
    Ok(found)
}

/// What turns listed stories into addresses: section slugs, lead photos' URLs and the
/// other languages of the stories in translation groups.
pub struct Places {
    sections: HashMap<String, String>,
    images: HashMap<String, String>,
    /// Story id → its group's public members (itself included).
    groups: HashMap<String, Vec<Listed>>,
}

impl Places {
    /// Everything the addresses of `stories` need, in a fixed number of queries.
    pub fn load(
        conn: &mut DbConn,
        stories: &[Listed],
        media: &MediaStore,
        now: NaiveDateTime,
    ) -> AppResult<Places> {
        let sections: HashMap<String, String> = sections::table
            .select((sections::id, sections::slug))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        let image_ids: Vec<&str> = stories
            .iter()
            .filter_map(|s| s.featured_image_id.as_deref())
            .collect();
        let mut images_by_id = HashMap::new();
        for chunk in image_ids.chunks(1_000) {
            let rows: Vec<crate::media::model::ImageRow> = inner!(conn, |c| images::table
                .filter(keys_in(images::id, chunk))
                .select(crate::media::model::ImageRow::as_select())
                .load(c))?;
            for row in rows {
                let id = row.id.to_string();
                images_by_id.insert(id, ImageResponse::new(row, media).url);
            }
        }
        // Translation groups: the public translations (few), then their originals.
        let translated: Vec<(String, String)> = inner!(conn, |c| articles::table
            .filter(articles::translation_of.is_not_null())
            .filter(crate::content::articles::listing::public_at!(now))
            .select((articles::id, articles::translation_of.assume_not_null()))
            .load(c))?;
        let mut groups: HashMap<String, Vec<Listed>> = HashMap::new();
        if !translated.is_empty() {
            let mut ids: Vec<&str> = translated.iter().map(|(id, _)| id.as_str()).collect();
            ids.extend(translated.iter().map(|(_, root)| root.as_str()));
            ids.sort_unstable();
            ids.dedup();
            let members: Vec<Listed> = inner!(conn, |c| public_stories::table
                .filter(keys_in(public_stories::article_id, &ids))
                .select(Listed::as_select())
                .load(c))?;
            let root_of: HashMap<&str, &str> = translated
                .iter()
                .map(|(id, root)| (id.as_str(), root.as_str()))
                .collect();
            let mut by_root: HashMap<String, Vec<Listed>> = HashMap::new();
            for m in members {
                let root = root_of
                    .get(m.article_id.as_str())
                    .copied()
                    .unwrap_or(m.article_id.as_str())
                    .to_owned();
                by_root.entry(root).or_default().push(m);
            }
            for (_, mut group) in by_root {
                if group.len() < 2 {
                    continue;
                }
                group.sort_by(|a, b| a.language.cmp(&b.language));
                for m in &group {
                    groups.insert(m.article_id.clone(), group.clone());
                }
            }
        }
        Ok(Places {
            sections,
            images: images_by_id,
            groups,
        })
    }

    /// The story's address on the site.
    pub fn url(&self, publication: &Publication, story: &Listed) -> String {
        publication.story_url(&StoryPlace {
            id: &story.article_id,
            slug: &story.slug,
            section: story
                .section_id
                .as_ref()
                .and_then(|s| self.sections.get(s))
                .map(String::as_str),
            language: &story.language,
            published_at: Some(crate::http::utc(story.published_at)),
        })
    }

    fn image(&self, story: &Listed) -> Option<&str> {
        let id = story.featured_image_id.as_ref()?;
        self.images
            .get(id)
            .map(String::as_str)
            .filter(|u| !u.is_empty())
    }

    fn alternates(&self, story: &Listed) -> &[Listed] {
        self.groups
            .get(&story.article_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

fn text<W: io::Write>(w: &mut Writer<W>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn stamp(at: NaiveDateTime) -> String {
    crate::http::utc(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

type Out = Writer<Cursor<Vec<u8>>>;

/// An XML document: the declaration, then `root` in the sitemap namespace (and the
/// extension namespaces `extra`), filled by `inner`.
fn document(
    root: &str,
    extra: &[(&str, &str)],
    inner: impl FnOnce(&mut Out) -> io::Result<()>,
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut element = w.create_element(root).with_attribute(("xmlns", SITEMAP_NS));
    for attribute in extra {
        element = element.with_attribute(*attribute);
    }
    element.write_inner_content(|w| inner(w))?;
    Ok(w.into_inner().into_inner())
}

/// The sitemap index: the sections sitemap, the News sitemap, and every month.
pub fn index(publication: &Publication, parts: &[MonthPart]) -> io::Result<Vec<u8>> {
    document("sitemapindex", &[], |w| {
        let mut entry = |path: String| {
            w.create_element("sitemap")
                .write_inner_content(|w| text(w, "loc", &publication.site_path(&path)))
                .map(|_| ())
        };
        entry("/sitemaps/sections.xml".into())?;
        entry("/sitemaps/news.xml".into())?;
        for part in parts {
            entry(format!("/sitemaps/articles/{}.xml", part.name()))?;
        }
        Ok(())
    })
}

/// A monthly story sitemap: each story's address, when it last changed, its lead
/// photo, and its other languages.
pub fn stories(
    publication: &Publication,
    places: &Places,
    stories: &[Listed],
) -> io::Result<Vec<u8>> {
    let namespaces = [
        (
            "xmlns:image",
            "http://www.google.com/schemas/sitemap-image/1.1",
        ),
        ("xmlns:xhtml", "http://www.w3.org/1999/xhtml"),
    ];
    document("urlset", &namespaces, |w| {
        for story in stories {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &places.url(publication, story))?;
                let changed = story.updated_at.unwrap_or(story.published_at);
                text(w, "lastmod", &stamp(changed.max(story.published_at)))?;
                for other in places.alternates(story) {
                    w.create_element("xhtml:link")
                        .with_attribute(("rel", "alternate"))
                        .with_attribute(("hreflang", other.language.as_str()))
                        .with_attribute(("href", places.url(publication, other).as_str()))
                        .write_empty()?;
                }
                if let Some(image) = places.image(story) {
                    w.create_element("image:image")
                        .write_inner_content(|w| text(w, "image:loc", image))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// The sections sitemap: each section's page (`/{slug}` on the site).
pub fn sections(
    publication: &Publication,
    slugs: &[(String, NaiveDateTime)],
) -> io::Result<Vec<u8>> {
    document("urlset", &[], |w| {
        for (slug, changed) in slugs {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &publication.site_path(&format!("/{slug}")))?;
                text(w, "lastmod", &stamp(*changed))
            })?;
        }
        Ok(())
    })
}

/// Google News' language code: ISO 639 (`en`, `pt`), except Chinese, which is
/// `zh-cn` or `zh-tw`.
pub fn news_language(tag: &str) -> String {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("").to_ascii_lowercase();
    if primary == "zh" {
        let traditional = parts.any(|p| matches!(p, "Hant" | "TW" | "HK" | "MO"));
        return if traditional { "zh-tw" } else { "zh-cn" }.into();
    }
    primary
}

/// The Google News sitemap.
pub fn news_sitemap(
    publication: &Publication,
    places: &Places,
    stories: &[Listed],
) -> io::Result<Vec<u8>> {
    let namespaces = [(
        "xmlns:news",
        "http://www.google.com/schemas/sitemap-news/0.9",
    )];
    document("urlset", &namespaces, |w| {
        for story in stories {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &places.url(publication, story))?;
                w.create_element("news:news").write_inner_content(|w| {
                    w.create_element("news:publication")
                        .write_inner_content(|w| {
                            text(w, "news:name", &publication.name)?;
                            text(w, "news:language", &news_language(&story.language))
                        })?;
                    text(w, "news:publication_date", &stamp(story.published_at))?;
                    text(w, "news:title", &story.headline)
                })?;
                Ok(())
            })?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_parts_read_back() {
        let part = MonthPart::parse("2026-03").unwrap();
        assert_eq!(part.part, 1);
        assert_eq!(part.name(), "2026-03");
        assert_eq!(MonthPart::parse("2026-03-2").unwrap().name(), "2026-03-2");
        for bad in ["2026-13", "2026-3", "26-03", "2026-03-0", "2026-03-x", ""] {
            assert!(MonthPart::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn news_languages_are_what_google_reads() {
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
        assert_eq!(news_language("zh"), "zh-cn");
    }
}
