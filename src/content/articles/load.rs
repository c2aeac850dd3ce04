//! Loading stories as the API shows them: one by its address (or where it moved),
//! lists, relations in batches, neighbours, and the links "Also Read" blocks show.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::blocks::FeaturedImage;
use super::blocks::{self, Block};
use super::listing::public_at;
use super::model::{
    ArticleLink, ArticleResponse, ArticleRow, Formats, Neighbours, Relations, Status,
};
use super::prepare::image_info;
use crate::content::Summary;
use crate::error::{AppError, AppResult};
use crate::media::files::MediaStore;
use crate::media::model::ImageRow;
use crate::store::schema::{
    article_authors, article_links, article_tags, articles, authors, images, sections, tags,
};
use crate::store::{DbConn, inner, keys_in, now};

/// What [`relations`] needs of a row.
pub trait Related {
    fn id(&self) -> &str;
    fn section_id(&self) -> Option<&str>;
    fn featured_image_id(&self) -> Option<&str>;
}

impl Related for ArticleRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn section_id(&self) -> Option<&str> {
        self.section_id.as_deref()
    }
    fn featured_image_id(&self) -> Option<&str> {
        self.featured_image_id.as_deref()
    }
}

/// Loads the relations of `rows` in four queries, whatever the number of rows.
pub fn relations<R: Related>(
    conn: &mut DbConn,
    rows: &[R],
    media: &MediaStore,
) -> AppResult<HashMap<String, Relations>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id()).collect();
    let mut out: HashMap<String, Relations> = ids
        .iter()
        .map(|id| (id.to_string(), Relations::default()))
        .collect();

    // Each relation in two index lookups (the page's link rows, then the people and
    // tags they name) rather than one join: a join lets PostgreSQL's generic plan hash
    // the whole tags or authors table for a handful of rows.
    let bylines: Vec<(String, String, i32)> = if ids.is_empty() {
        Vec::new()
    } else {
        inner!(conn, |c| article_authors::table
            .filter(keys_in(article_authors::article_id, &ids))
            .select((
                article_authors::article_id,
                article_authors::author_id,
                article_authors::position,
            ))
            .load(c))?
    };
    let author_ids: Vec<&str> = bylines.iter().map(|(_, a, _)| a.as_str()).collect();
    let people = summaries_of(conn, Relation::Authors, &author_ids)?;
    let mut bylines: Vec<(&String, i32, &Summary)> = bylines
        .iter()
        .filter_map(|(article, author, position)| Some((article, *position, people.get(author)?)))
        .collect();
    bylines.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (article, _, person) in bylines {
        if let Some(r) = out.get_mut(article) {
            r.authors.push(person.clone());
        }
    }
    let tagged: Vec<(String, String)> = if ids.is_empty() {
        Vec::new()
    } else {
        inner!(conn, |c| article_tags::table
            .filter(keys_in(article_tags::article_id, &ids))
            .select((article_tags::article_id, article_tags::tag_id))
            .load(c))?
    };
    let tag_ids: Vec<&str> = tagged.iter().map(|(_, t)| t.as_str()).collect();
    let labels = summaries_of(conn, Relation::Tags, &tag_ids)?;
    let mut tagged: Vec<(&String, &Summary)> = tagged
        .iter()
        .filter_map(|(article, tag)| Some((article, labels.get(tag)?)))
        .collect();
    tagged.sort_by(|a, b| (a.0, &a.1.slug).cmp(&(b.0, &b.1.slug)));
    for (article, label) in tagged {
        if let Some(r) = out.get_mut(article) {
            r.tags.push(label.clone());
        }
    }
    let section_ids: Vec<&str> = rows.iter().filter_map(|r| r.section_id()).collect();
    let section = (sections::id, sections::slug, sections::name);
    let found: Vec<(String, String, String)> = if section_ids.is_empty() {
        Vec::new()
    } else {
        inner!(conn, |c| sections::table
            .filter(keys_in(sections::id, &section_ids))
            .select(section)
            .load(c))?
    };
    let found: HashMap<String, Summary> = found
        .into_iter()
        .map(|(id, slug, name)| (id.clone(), Summary { id, slug, name }))
        .collect();
    let image_ids: Vec<&str> = rows.iter().filter_map(|r| r.featured_image_id()).collect();
    let pictures: HashMap<String, ImageRow> = images_by_id(conn, &image_ids)?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    for row in rows {
        if let Some(r) = out.get_mut(row.id()) {
            r.section = row.section_id().and_then(|s| found.get(s).cloned());
            r.featured_image = row
                .featured_image_id()
                .and_then(|i| pictures.get(i))
                .map(|p| featured(p, media));
        }
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Relation {
    Authors,
    Tags,
}

/// The authors or tags with these ids, by id (one index lookup).
fn summaries_of(
    conn: &mut DbConn,
    relation: Relation,
    ids: &[&str],
) -> AppResult<HashMap<String, Summary>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let found: Vec<(String, String, String)> = match relation {
        Relation::Authors => inner!(conn, |c| authors::table
            .filter(keys_in(authors::id, &ids))
            .select((authors::id, authors::slug, authors::name))
            .load(c))?,
        Relation::Tags => inner!(conn, |c| tags::table
            .filter(keys_in(tags::id, &ids))
            .select((tags::id, tags::slug, tags::name))
            .load(c))?,
    };
    Ok(found
        .into_iter()
        .map(|(id, slug, name)| (id.clone(), Summary { id, slug, name }))
        .collect())
}

/// Library photos by id.
fn images_by_id(conn: &mut DbConn, ids: &[&str]) -> AppResult<Vec<ImageRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(inner!(conn, |c| images::table
        .filter(keys_in(images::id, ids))
        .select(ImageRow::as_select())
        .load(c))?)
}

/// A library photo as stories show it.
fn featured(p: &ImageRow, media: &MediaStore) -> FeaturedImage {
    let info = image_info(p.clone(), media);
    FeaturedImage {
        id: p.id.clone(),
        url: info.url,
        srcset: info.srcset,
        alt: info.alt,
        caption: info.caption,
        credit: info.credit,
        width: info.width,
        height: info.height,
    }
}

/// Fills in the photo of every image block (one query for all the stories given).
fn hydrate_images(
    conn: &mut DbConn,
    stories: &mut [super::model::ArticleResponse],
    media: &MediaStore,
) -> AppResult<()> {
    let ids: Vec<String> = stories
        .iter()
        .flat_map(|s| s.body.iter().flatten())
        .filter_map(|b| match b {
            Block::Image { image_id, .. } => Some(image_id.clone()),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let pictures: HashMap<String, FeaturedImage> = images_by_id(conn, &ids)?
        .iter()
        .map(|row| (row.id.clone(), featured(row, media)))
        .collect();
    for block in stories.iter_mut().flat_map(|s| s.body.iter_mut().flatten()) {
        if let Block::Image {
            image_id, image, ..
        } = block
        {
            *image = pictures.get(image_id.as_str()).cloned().map(Box::new);
        }
    }
    Ok(())
}

/// Fills in what "related" blocks point at, as the public would see it now: one
/// query for all the stories given. Unavailable targets become tombstones. Image blocks
/// get their photo.
pub fn hydrate_related(
    conn: &mut DbConn,
    stories: &mut [super::model::ArticleResponse],
    media: &MediaStore,
) -> AppResult<()> {
    hydrate_images(conn, stories, media)?;
    let mut ids: Vec<String> = Vec::new();
    for story in stories.iter() {
        for block in story.body.iter().flatten() {
            if let Block::Related { article_id, .. } = block {
                ids.push(article_id.clone());
            }
        }
        let mut html = story.body_html.as_deref().unwrap_or("");
        while let Some(at) = html.find(blocks::RELATED_MARK) {
            let rest = &html[at + blocks::RELATED_MARK.len()..];
            ids.extend(rest.split('"').next().map(str::to_owned));
            html = rest;
        }
    }
    for story in stories.iter_mut() {
        story.links = Vec::new();
    }
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort();
    ids.dedup();
    let now = now();
    let targets = super::listing::links(conn, &ids, now)?;
    let image_ids: Vec<&str> = targets
        .iter()
        .filter_map(|t| t.featured_image_id.as_deref())
        .collect();
    let pictures: HashMap<String, FeaturedImage> = if image_ids.is_empty() {
        HashMap::new()
    } else {
        images_by_id(conn, &image_ids)?
            .iter()
            .map(|row| (row.id.clone(), featured(row, media)))
            .collect()
    };
    let found: HashMap<String, blocks::RelatedTarget> = targets
        .iter()
        .map(|t| {
            let featured_image = t
                .featured_image_id
                .as_deref()
                .and_then(|i| pictures.get(i))
                .cloned();
            let target = blocks::RelatedTarget {
                available: true,
                slug: Some(t.slug.clone()),
                headline: Some(t.headline.clone()),
                standfirst: Some(t.standfirst.clone()),
                featured_image,
            };
            (t.id.clone(), target)
        })
        .collect();
    let tombstone = blocks::RelatedTarget {
        available: false,
        slug: None,
        headline: None,
        standfirst: None,
        featured_image: None,
    };
    for story in stories.iter_mut() {
        let mut shown: Vec<String> = Vec::new();
        for block in story.body.iter_mut().flatten() {
            if let Block::Related {
                article_id, target, ..
            } = block
            {
                shown.push(article_id.clone());
                *target = Some(Box::new(
                    found
                        .get(article_id.as_str())
                        .cloned()
                        .unwrap_or_else(|| tombstone.clone()),
                ));
            }
        }
        if let Some(html) = &story.body_html {
            let lookup = |id: &str| {
                found
                    .get(id)
                    .and_then(|t| Some((t.slug.clone()?, t.headline.clone()?)))
            };
            let mut rest = html.as_str();
            while let Some(at) = rest.find(blocks::RELATED_MARK) {
                rest = &rest[at + blocks::RELATED_MARK.len()..];
                shown.extend(rest.split('"').next().map(str::to_owned));
            }
            story.body_html = Some(blocks::hydrate_html(html, &lookup));
        }
        shown.sort();
        shown.dedup();
        story.links = shown;
    }
    Ok(())
}

/// A story as the API shows it: relations, the links its "Also Read" blocks show, and
/// the renderings `formats` asks for.
pub fn story_response(
    conn: &mut DbConn,
    row: ArticleRow,
    formats: Formats,
    media: &MediaStore,
) -> AppResult<ArticleResponse> {
    let mut relations = relations(conn, std::slice::from_ref(&row), media)?;
    let rel = relations.remove(&row.id).unwrap_or_default();
    let mut article = [ArticleResponse::new(row, rel, formats)];
    hydrate_related(conn, &mut article, media)?;
    let [article] = article;
    Ok(article)
}

/// What an address (`/articles/{key}`) names.
pub enum Lookup {
    /// A live story, by id or slug.
    Found(Box<ArticleRow>),
    /// A former slug of a live story: its current one.
    Moved(String),
}

/// The story an address names, or where it moved; 404 when neither. Every read by
/// address goes through here, so a former slug redirects in every form of the read.
pub fn lookup(conn: &mut DbConn, key: &str) -> AppResult<Lookup> {
    if let Some(row) = super::db::find(conn, key)? {
        return Ok(Lookup::Found(Box::new(row)));
    }
    match super::db::current_slug_for(conn, key)? {
        Some(slug) => Ok(Lookup::Moved(slug)),
        None => Err(AppError::NotFound("article")),
    }
}

/// How a list is filtered and ordered.
pub struct ListFilter {
    /// Public lists show only what the public may see, newest published first;
    /// editors' lists show every state, most recently updated first.
    pub public: bool,
    pub sections: Option<Vec<String>>,
    pub tag: Option<String>,
    pub author: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub status: Option<Status>,
    /// Only these ids (search hits); then no keyset or limit applies here.
    pub only: Option<Vec<String>>,
}

/// Section (with its subsections), tag and author filters given by slug or id, as
/// ids; an unknown one is a 422 naming its parameter.
pub fn resolve_filters(
    conn: &mut DbConn,
    section: Option<String>,
    tag: Option<String>,
    author: Option<String>,
) -> AppResult<FilterIds> {
    use crate::content::{authors as by, sections as sec, tags as tg};
    let sections = match section {
        Some(key) => {
            let root = sec::db::get(conn, &key)
                .map_err(|_| AppError::invalid("section", format!("no section '{key}'")))?;
            let all = sec::db::all(conn)?;
            Some(sec::model::Tree::new(&all).with_descendants(&root.id))
        }
        None => None,
    };
    let tag = match tag {
        Some(key) => Some(
            tg::db::get(conn, &key)
                .map_err(|_| AppError::invalid("tag", format!("no tag '{key}'")))?
                .id,
        ),
        None => None,
    };
    let author = match author {
        Some(key) => Some(
            by::db::get(conn, &key)
                .map_err(|_| AppError::invalid("author", format!("no author '{key}'")))?
                .id,
        ),
        None => None,
    };
    Ok(FilterIds {
        sections,
        tag,
        author,
    })
}

/// List filters resolved to ids.
pub struct FilterIds {
    /// A section and its subsections.
    pub sections: Option<Vec<String>>,
    pub tag: Option<String>,
    pub author: Option<String>,
}

/// A page of articles after the keyset `(time, id)`: public ones from the public
/// index (see [`super::listing`]), an editor's by last update.
pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<ArticleRow>> {
    let now = now();
    if filter.public && filter.only.is_none() {
        let scope = super::listing::Scope {
            sections: filter.sections.clone(),
            tag: filter.tag.clone(),
            author: filter.author.clone(),
            since: filter.since,
            until: filter.until,
        };
        let page = super::listing::page(conn, &scope, after.as_ref(), limit + 1, now)?;
        let ids: Vec<&str> = page.iter().map(|(_, id)| id.as_str()).collect();
        let mut rows: Vec<ArticleRow> = if ids.is_empty() {
            Vec::new()
        } else {
            inner!(conn, |c| articles::table
                .filter(keys_in(articles::id, &ids))
                .select(ArticleRow::as_select())
                .load(c))?
        };
        let order: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        return Ok(rows);
    }
    let mut query = articles::table
        .select(ArticleRow::as_select())
        .filter(articles::deleted_at.is_null())
        .into_boxed();
    let after = match &filter.only {
        Some(ids) => {
            query = query.filter(articles::id.eq_any(ids.clone()));
            None
        }
        None => {
            query = query.limit(limit + 1);
            after
        }
    };
    if filter.public {
        query = query
            .filter(public_at!(now))
            .order((articles::published_at.desc(), articles::id.desc()));
    } else {
        query = query.order((articles::updated_at.desc(), articles::id.desc()));
        if let Some(status) = filter.status {
            query = query.filter(articles::status.eq(status.as_str()));
        }
        if let Some(since) = filter.since {
            query = query.filter(articles::updated_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(articles::updated_at.lt(until));
        }
        if let Some((at, id)) = after {
            query = query.filter(
                articles::updated_at
                    .lt(at)
                    .or(articles::updated_at.eq(at).and(articles::id.lt(id))),
            );
        }
    }
    if let Some(sections) = &filter.sections {
        query = query.filter(articles::section_id.eq_any(sections.clone()));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(
            articles::id.eq_any(
                article_tags::table
                    .filter(article_tags::tag_id.eq(tag.clone()))
                    .select(article_tags::article_id),
            ),
        );
    }
    if let Some(author) = &filter.author {
        query = query.filter(
            articles::id.eq_any(
                article_authors::table
                    .filter(article_authors::author_id.eq(author.clone()))
                    .select(article_authors::article_id),
            ),
        );
    }
    Ok(query.load(conn)?)
}

/// Previous/next in the same section by publish time, and related stories: explicit
/// "Also Read" targets first, then stories sharing tags, newest first. Public only;
/// link columns only; each a bounded range of the public index.
pub fn neighbours(conn: &mut DbConn, row: &ArticleRow) -> AppResult<Neighbours> {
    use super::listing::{LinkRow, adjacent, links, links_by_id, newest_tagged};
    const RELATED: usize = 5;
    let now = now();
    let mut out = Neighbours::default();
    if let (Some(section), Some(at)) = (&row.section_id, row.published_at) {
        let previous = adjacent(conn, section, (at, &row.id), false, now)?;
        let next = adjacent(conn, section, (at, &row.id), true, now)?;
        let ids: Vec<String> = previous.iter().chain(next.iter()).cloned().collect();
        let found = links_by_id(conn, &ids, now)?;
        let link = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| found.iter().find(|f| &f.id == id))
                .map(ArticleLink::from)
        };
        out.previous = link(&previous);
        out.next = link(&next);
    }
    let body: Vec<Block> = serde_json::from_str(&row.body).unwrap_or_default();
    let explicit: Vec<String> = body
        .iter()
        .filter_map(|b| match b {
            Block::Related { article_id, .. } => Some(article_id.clone()),
            _ => None,
        })
        .collect();
    let linked = links(conn, &explicit, now)?;
    for key in &explicit {
        if let Some(found) = linked.iter().find(|a| &a.id == key || &a.slug == key)
            && found.id != row.id
            && !out.related.iter().any(|r| r.id == found.id)
        {
            out.related.push(ArticleLink::from(found));
        }
    }
    if out.related.len() < RELATED {
        let tag_ids: Vec<String> = inner!(conn, |c| article_tags::table
            .filter(article_tags::article_id.eq(&row.id))
            .select(article_tags::tag_id)
            .load(c))?;
        // Enough of each tag's newest to fill up past this story and the explicit ones.
        let wanted = RELATED - out.related.len();
        let per_tag = (wanted + out.related.len() + 1) as i64;
        let candidates: Vec<String> = newest_tagged(conn, &tag_ids, per_tag, now)?
            .into_iter()
            .map(|(_, id)| id)
            .filter(|id| *id != row.id && !out.related.iter().any(|r| &r.id == id))
            .take(wanted)
            .collect();
        let rows: Vec<LinkRow> = links_by_id(conn, &candidates, now)?;
        for id in &candidates {
            if let Some(found) = rows.iter().find(|r| &r.id == id) {
                out.related.push(ArticleLink::from(found));
            }
        }
        out.by_tags = tag_ids;
    }
    Ok(out)
}

/// Live stories whose body links to `article_id` ("Also Read").
pub fn backlinks(conn: &mut DbConn, article_id: &str) -> AppResult<Vec<ArticleRow>> {
    Ok(articles::table
        .filter(articles::deleted_at.is_null())
        .filter(
            articles::id.eq_any(
                article_links::table
                    .filter(article_links::target_kind.eq("article"))
                    .filter(article_links::target_id.eq(article_id))
                    .select(article_links::article_id),
            ),
        )
        .order((articles::updated_at.desc(), articles::id.desc()))
        .select(ArticleRow::as_select())
        .load(conn)?)
}

/// The next moment a story changes visibility by the clock alone (a scheduled time or
/// an embargo arriving), if any: cached public responses must not outlive it.
pub fn next_visibility_change(conn: &mut DbConn) -> AppResult<Option<NaiveDateTime>> {
    let now = now();
    let scheduled: Option<NaiveDateTime> = articles::table
        .filter(articles::published_at.gt(now))
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)?;
    let embargo: Option<NaiveDateTime> = articles::table
        .filter(articles::embargo_until.gt(now))
        .select(diesel::dsl::min(articles::embargo_until))
        .first(conn)?;
    Ok([scheduled, embargo].into_iter().flatten().min())
}
