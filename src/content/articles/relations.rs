//! A story's relations as the API shows them, loaded for a whole page at once: its
//! section, tags, byline and lead photo, the photos of its image blocks, and what its
//! "Also Read" blocks point at; and one story put together with them.

use std::collections::HashMap;

use diesel::prelude::*;

use super::blocks::FeaturedImage;
use super::blocks::{self, Block};
use super::model::{ArticleResponse, ArticleRow, Formats, Relations};
use super::prepare::image_info;
use crate::content::Summary;
use crate::error::{AppError, AppResult};
use crate::media::files::MediaStore;
use crate::media::model::ImageRow;
use crate::store::ids::{ArticleId, ImageId};
use crate::store::schema::{article_authors, article_tags, authors, images, sections, tags};
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

/// Loads the relations of `rows` (and their live state) in five queries, whatever the number of rows.
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
    let pictures: HashMap<ImageId, ImageRow> = images_by_id(conn, &image_ids)?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    for (id, live) in super::live::of(conn, &ids)? {
        if let Some(r) = out.get_mut(&id) {
            r.live = Some(live);
        }
    }
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
    let pictures: HashMap<ImageId, FeaturedImage> = images_by_id(conn, &ids)?
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
    let pictures: HashMap<ImageId, FeaturedImage> = if image_ids.is_empty() {
        HashMap::new()
    } else {
        images_by_id(conn, &image_ids)?
            .iter()
            .map(|row| (row.id.clone(), featured(row, media)))
            .collect()
    };
    let found: HashMap<ArticleId, blocks::RelatedTarget> = targets
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

/// Stories as the API shows them, in the order of `rows`: relations loaded in batches,
/// the links their "Also Read" blocks show, and the renderings `formats` asks for.
pub fn stories(
    conn: &mut DbConn,
    rows: Vec<ArticleRow>,
    formats: Formats,
    media: &MediaStore,
) -> AppResult<Vec<ArticleResponse>> {
    let mut relations = relations(conn, &rows, media)?;
    let mut out: Vec<ArticleResponse> = rows
        .into_iter()
        .map(|row| {
            let rel = relations.remove(row.id.as_str()).unwrap_or_default();
            ArticleResponse::new(row, rel, formats)
        })
        .collect();
    hydrate_related(conn, &mut out, media)?;
    Ok(out)
}

/// One story as the API shows it ([`stories`]).
pub fn story_response(
    conn: &mut DbConn,
    row: ArticleRow,
    formats: Formats,
    media: &MediaStore,
) -> AppResult<ArticleResponse> {
    stories(conn, vec![row], formats, media)?
        .pop()
        .ok_or_else(|| AppError::internal("a story went missing while it was shown"))
}

/// Adds the desk's view (stage, assignees, lock, working copy) to stories shown to someone who works
/// on them; public reads never call this. Four queries, whatever the number of stories.
pub fn with_desk(conn: &mut DbConn, stories: &mut [ArticleResponse]) -> AppResult<()> {
    let ids: Vec<&str> = stories.iter().map(|s| s.id.as_str()).collect();
    let super::db::Desk { stages, people } = super::db::desk_of(conn, &ids)?;
    let stages: HashMap<String, super::model::Stage> = stages.into_iter().collect();
    let mut locks: HashMap<String, super::model::EditLock> =
        super::locks::on(conn, &ids)?.into_iter().collect();
    let mut copies = working_copies_of(conn, &ids)?;
    let mut assigned: HashMap<String, Vec<super::model::Person>> = HashMap::new();
    for (article, id, name) in people {
        assigned
            .entry(article)
            .or_default()
            .push(super::model::Person { id, name });
    }
    for story in stories.iter_mut() {
        story.stage = stages.get(story.id.as_str()).copied();
        story.lock = locks.remove(story.id.as_str());
        story.working_copy = copies.remove(story.id.as_str());
        story.assignees = Some(assigned.remove(story.id.as_str()).unwrap_or_default());
    }
    Ok(())
}

/// Which of these stories have a working copy (one query; the copies themselves are
/// read and written in `working_copies`).
fn working_copies_of(
    conn: &mut DbConn,
    ids: &[&str],
) -> AppResult<HashMap<String, super::model::CopyNote>> {
    use crate::store::schema::article_working_copies as copies;
    let rows: Vec<(String, i64, Option<String>, chrono::NaiveDateTime)> = copies::table
        .filter(copies::article_id.eq_any(ids))
        .select((
            copies::article_id,
            copies::version,
            copies::created_by,
            copies::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(article, version, created_by, updated_at)| {
            let note = super::model::CopyNote {
                version,
                created_by,
                updated_at: crate::http::utc(updated_at),
            };
            (article, note)
        })
        .collect())
}

/// A story as the desk sees it after a write: the default renderings and the desk's
/// view ([`with_desk`]).
pub fn editor_response(
    conn: &mut DbConn,
    row: ArticleRow,
    media: &MediaStore,
) -> AppResult<ArticleResponse> {
    let mut story = [story_response(conn, row, Formats::DEFAULT, media)?];
    with_desk(conn, &mut story)?;
    let [story] = story;
    Ok(story)
}
