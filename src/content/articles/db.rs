//! Article queries: writes validate references and render the body in the same
//! transaction; reads load relations for a whole page in a fixed number of queries.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::blocks::{self, Block, ImageInfo, Referenced};
use super::model::{
    ArticleInput, ArticleLink, ArticleRow, Correction, FeaturedImage, Neighbours, Relations,
    RevisionSummary, Seo, Snapshot, Status,
};
use crate::content::Summary;
use crate::content::slug;
use crate::error::{AppError, AppResult, Errors};
use crate::media::model::{ImageResponse, ImageRow};
use crate::media::store::MediaStore;
use crate::store::schema::{
    article_authors, article_links, article_revisions, article_slugs, article_tags, articles,
    authors, images, sections, tags,
};
use crate::store::{DbConn, lock, new_id, now};

/// The SQL form of [`ArticleRow::is_public`], usable in any query that has `articles`.
macro_rules! public_at {
    ($now:expr) => {
        articles::deleted_at
            .is_null()
            .and(articles::status.eq_any(["published", "scheduled"]))
            .and(articles::published_at.le($now))
            .and(
                articles::embargo_until
                    .is_null()
                    .or(articles::embargo_until.le($now)),
            )
    };
}

/// A live (not trashed) article by id, then by slug.
pub fn find(conn: &mut DbConn, key: &str) -> AppResult<Option<ArticleRow>> {
    let by_id = articles::table
        .find(key)
        .filter(articles::deleted_at.is_null())
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?;
    if by_id.is_some() {
        return Ok(by_id);
    }
    Ok(articles::table
        .filter(articles::slug.eq(key))
        .filter(articles::deleted_at.is_null())
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?)
}

/// A live article, or 404.
pub fn get(conn: &mut DbConn, key: &str) -> AppResult<ArticleRow> {
    find(conn, key)?.ok_or(AppError::NotFound("article"))
}

/// The current slug of an article that used to be at `old`.
pub fn current_slug_for(conn: &mut DbConn, old: &str) -> AppResult<Option<String>> {
    Ok(article_slugs::table
        .inner_join(articles::table.on(articles::id.eq(article_slugs::article_id)))
        .filter(article_slugs::slug.eq(old))
        .filter(articles::deleted_at.is_null())
        .select(articles::slug)
        .first(conn)
        .optional()?)
}

fn image_info(row: ImageRow, media: &MediaStore) -> ImageInfo {
    let image = ImageResponse::new(row, media);
    ImageInfo {
        url: image.url,
        srcset: image.srcset,
        alt: image.alt,
        caption: image.caption,
        credit: image.credit,
        width: image.width,
        height: image.height,
    }
}

/// Loads the relations of `rows` in four queries, whatever the number of rows.
pub fn relations(
    conn: &mut DbConn,
    rows: &[ArticleRow],
    media: &MediaStore,
) -> AppResult<HashMap<String, Relations>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut out: HashMap<String, Relations> = ids
        .iter()
        .map(|id| (id.to_string(), Relations::default()))
        .collect();

    let bylines: Vec<(String, String, String, String)> = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_id.eq_any(&ids))
        .order((article_authors::article_id, article_authors::position))
        .select((
            article_authors::article_id,
            authors::id,
            authors::slug,
            authors::name,
        ))
        .load(conn)?;
    for (article, id, slug, name) in bylines {
        if let Some(r) = out.get_mut(&article) {
            r.authors.push(Summary { id, slug, name });
        }
    }
    let tagged: Vec<(String, String, String, String)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(&ids))
        .order((article_tags::article_id, tags::slug))
        .select((article_tags::article_id, tags::id, tags::slug, tags::name))
        .load(conn)?;
    for (article, id, slug, name) in tagged {
        if let Some(r) = out.get_mut(&article) {
            r.tags.push(Summary { id, slug, name });
        }
    }
    let section_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.section_id.as_deref())
        .collect();
    let found: HashMap<String, Summary> = sections::table
        .filter(sections::id.eq_any(&section_ids))
        .select((sections::id, sections::slug, sections::name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| (id.clone(), Summary { id, slug, name }))
        .collect();
    let image_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.featured_image_id.as_deref())
        .collect();
    let pictures: HashMap<String, ImageRow> = images::table
        .filter(images::id.eq_any(&image_ids))
        .select(ImageRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    for row in rows {
        if let Some(r) = out.get_mut(&row.id) {
            r.section = row.section_id.as_ref().and_then(|s| found.get(s).cloned());
            r.featured_image = row
                .featured_image_id
                .as_ref()
                .and_then(|i| pictures.get(i))
                .map(|p| {
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
                });
        }
    }
    Ok(out)
}

/// Relation ids resolved from the slugs or ids a write names.
struct Resolved {
    section: Option<Option<String>>,
    tags: Option<Vec<String>>,
    authors: Option<Vec<String>>,
    featured_image: Option<Option<String>>,
}

fn resolve_list(
    conn: &mut DbConn,
    field: &str,
    keys: &[String],
    errors: &mut Errors,
    lookup: fn(&mut DbConn, &str) -> AppResult<String>,
) -> AppResult<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match lookup(conn, key) {
            Ok(id) if ids.contains(&id) => errors.add(format!("{field}[{i}]"), "is listed twice"),
            Ok(id) => ids.push(id),
            Err(AppError::NotFound(what)) => {
                errors.add(format!("{field}[{i}]"), format!("no {what} '{key}'"))
            }
            Err(other) => return Err(other),
        }
    }
    Ok(ids)
}

fn resolve(conn: &mut DbConn, input: &ArticleInput, errors: &mut Errors) -> AppResult<Resolved> {
    let section = match &input.section {
        Some(Some(key)) => match crate::content::sections::db::get(conn, key) {
            Ok(s) => Some(Some(s.id)),
            Err(AppError::NotFound(_)) => {
                errors.add("section", format!("no section '{key}'"));
                None
            }
            Err(e) => return Err(e),
        },
        Some(None) => Some(None),
        None => None,
    };
    let tags = match &input.tags {
        Some(keys) => Some(resolve_list(conn, "tags", keys, errors, |c, k| {
            Ok(crate::content::tags::db::get(c, k)?.id)
        })?),
        None => None,
    };
    let authors = match &input.authors {
        Some(keys) => Some(resolve_list(conn, "authors", keys, errors, |c, k| {
            Ok(crate::content::authors::db::get(c, k)?.id)
        })?),
        None => None,
    };
    let featured_image = match &input.featured_image {
        Some(Some(id)) => match crate::media::db::get(conn, id) {
            Ok(image) => Some(Some(image.id)),
            Err(AppError::NotFound(_)) => {
                errors.add("featured_image", format!("no image '{id}'"));
                None
            }
            Err(e) => return Err(e),
        },
        Some(None) => Some(None),
        None => None,
    };
    Ok(Resolved {
        section,
        tags,
        authors,
        featured_image,
    })
}

/// Checks the references of a body (images and stories must exist; a story cannot
/// link to itself) and renders it.
fn render_body(
    conn: &mut DbConn,
    self_id: &str,
    body: &mut [Block],
    standfirst: &str,
    media: &MediaStore,
    errors: &mut Errors,
) -> AppResult<blocks::Rendered> {
    let mut pictures: HashMap<String, ImageInfo> = HashMap::new();
    for (i, block) in body.iter_mut().enumerate() {
        match block {
            Block::Image { image_id, .. } => match crate::media::db::get(conn, image_id) {
                Ok(row) => {
                    pictures.insert(image_id.clone(), image_info(row, media));
                }
                Err(AppError::NotFound(_)) => errors.add(
                    format!("body[{i}].image_id"),
                    format!("no image '{image_id}'"),
                ),
                Err(e) => return Err(e),
            },
            // Stored by id (a slug may be given), so the link survives slug changes.
            Block::Related { article_id, .. } => match find(conn, article_id)? {
                Some(target) if target.id == self_id => errors.add(
                    format!("body[{i}].article_id"),
                    "a story cannot link to itself",
                ),
                Some(target) => *article_id = target.id,
                None => errors.add(
                    format!("body[{i}].article_id"),
                    format!("no article '{article_id}'"),
                ),
            },
            _ => {}
        }
    }
    let image = |id: &str| pictures.get(id).map(clone_info);
    Ok(blocks::render(
        body,
        standfirst,
        &Referenced { image: &image },
    ))
}

/// Fills in what "related" blocks point at, as the public would see it now: one
/// query for all the stories given. Unavailable targets become tombstones.
pub fn hydrate_related(
    conn: &mut DbConn,
    stories: &mut [super::model::ArticleResponse],
    media: &MediaStore,
) -> AppResult<()> {
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
    if ids.is_empty() {
        return Ok(());
    }
    let now = now();
    let targets: Vec<ArticleRow> = articles::table
        .filter(articles::id.eq_any(&ids))
        .filter(public_at!(now))
        .select(ArticleRow::as_select())
        .load(conn)?;
    let mut relations = relations(conn, &targets, media)?;
    let found: HashMap<String, blocks::RelatedTarget> = targets
        .iter()
        .map(|t| {
            let featured_image = relations.remove(&t.id).and_then(|r| r.featured_image);
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
        for block in story.body.iter_mut().flatten() {
            if let Block::Related {
                article_id, target, ..
            } = block
            {
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
            story.body_html = Some(blocks::hydrate_html(html, &lookup));
        }
    }
    Ok(())
}

fn clone_info(p: &ImageInfo) -> ImageInfo {
    ImageInfo {
        url: p.url.clone(),
        srcset: p.srcset.clone(),
        alt: p.alt.clone(),
        caption: p.caption.clone(),
        credit: p.credit.clone(),
        width: p.width,
        height: p.height,
    }
}

/// What a body links to, for in-use checks and backlinks.
fn write_links(
    conn: &mut DbConn,
    article_id: &str,
    body: &[Block],
    featured: Option<&str>,
) -> AppResult<()> {
    diesel::delete(article_links::table.filter(article_links::article_id.eq(article_id)))
        .execute(conn)?;
    let mut links: Vec<(&str, &str)> = body
        .iter()
        .filter_map(|b| match b {
            Block::Image { image_id, .. } => Some(("image", image_id.as_str())),
            Block::Related { article_id, .. } => Some(("article", article_id.as_str())),
            _ => None,
        })
        .collect();
    links.extend(featured.map(|f| ("image", f)));
    links.sort();
    links.dedup();
    for (kind, target) in links {
        diesel::insert_into(article_links::table)
            .values((
                article_links::article_id.eq(article_id),
                article_links::target_kind.eq(kind),
                article_links::target_id.eq(target),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn write_byline(conn: &mut DbConn, article_id: &str, author_ids: &[String]) -> AppResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
        .execute(conn)?;
    for (position, author) in author_ids.iter().enumerate() {
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_id.eq(article_id),
                article_authors::author_id.eq(author),
                article_authors::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn write_tags(conn: &mut DbConn, article_id: &str, tag_ids: &[String]) -> AppResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
        .execute(conn)?;
    for tag in tag_ids {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(article_id),
                article_tags::tag_id.eq(tag),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn slug_taken(conn: &mut DbConn, slug: &str, except: &str) -> AppResult<bool> {
    let live: i64 = articles::table
        .filter(articles::slug.eq(slug))
        .filter(articles::id.ne(except))
        .count()
        .get_result(conn)?;
    let former: i64 = article_slugs::table
        .filter(article_slugs::slug.eq(slug))
        .filter(article_slugs::article_id.ne(except))
        .count()
        .get_result(conn)?;
    Ok(live + former > 0)
}

/// Records a revision: the article as it now is, who did what, and when.
pub fn record(
    conn: &mut DbConn,
    article_id: &str,
    action: &str,
    who: Option<&str>,
) -> AppResult<()> {
    let row = articles::table
        .find(article_id)
        .select(ArticleRow::as_select())
        .first(conn)?;
    let authors: Vec<String> = article_authors::table
        .filter(article_authors::article_id.eq(article_id))
        .order(article_authors::position)
        .select(article_authors::author_id)
        .load(conn)?;
    let tags: Vec<String> = article_tags::table
        .filter(article_tags::article_id.eq(article_id))
        .select(article_tags::tag_id)
        .load(conn)?;
    let snapshot = serde_json::json!({"article": row, "authors": authors, "tags": tags});
    let last: Option<i32> = article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .select(diesel::dsl::max(article_revisions::number))
        .first(conn)?;
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::number.eq(last.unwrap_or(0) + 1),
            article_revisions::action.eq(action),
            article_revisions::snapshot.eq(snapshot.to_string()),
            article_revisions::created_by.eq(who),
            article_revisions::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Creates a draft.
pub fn insert(
    conn: &mut DbConn,
    input: ArticleInput,
    who: Option<&str>,
    media: &MediaStore,
) -> AppResult<ArticleRow> {
    lock(conn, "articles")?;
    let id = new_id();
    let mut errors = Errors::default();
    let resolved = resolve(conn, &input, &mut errors)?;
    let mut body = input.body.unwrap_or_default();
    let standfirst = input.standfirst.unwrap_or_default();
    let rendered = render_body(conn, &id, &mut body, &standfirst, media, &mut errors)?;
    errors.finish()?;
    let headline = input.headline.unwrap_or_default();
    let slug = slug::choose(input.slug, &headline, |s| slug_taken(conn, s, ""))
        .map_err(|e| rename_field(e, "name", "headline"))?;
    let seo = input.seo.unwrap_or_default();
    let at = now();
    diesel::insert_into(articles::table)
        .values((
            articles::id.eq(&id),
            articles::slug.eq(slug.as_str()),
            articles::headline.eq(&headline),
            articles::standfirst.eq(&standfirst),
            articles::body.eq(serde_json::to_string(&body).map_err(AppError::internal)?),
            articles::body_html.eq(&rendered.html),
            articles::body_text.eq(&rendered.text),
            articles::word_count.eq(rendered.word_count),
            articles::reading_time_minutes.eq(rendered.reading_time_minutes),
            articles::status.eq(Status::Draft.as_str()),
            articles::embargo_until.eq(input.embargo_until.flatten()),
            articles::section_id.eq(resolved.section.flatten()),
            articles::source.eq(input.source.unwrap_or_default()),
            articles::featured_image_id.eq(resolved.featured_image.clone().flatten()),
            articles::canonical_url.eq(input.canonical_url.unwrap_or_default()),
            articles::seo_title.eq(seo.title),
            articles::seo_description.eq(seo.description),
            articles::created_by.eq(who),
            articles::version.eq(1),
            articles::created_at.eq(at),
            articles::updated_at.eq(at),
        ))
        .execute(conn)?;
    write_byline(conn, &id, &resolved.authors.unwrap_or_default())?;
    write_tags(conn, &id, &resolved.tags.unwrap_or_default())?;
    write_links(
        conn,
        &id,
        &body,
        resolved.featured_image.flatten().as_deref(),
    )?;
    record(conn, &id, "create", who)?;
    get(conn, &id)
}

fn rename_field(err: AppError, from: &str, to: &str) -> AppError {
    match err {
        AppError::Validation(mut errors) => {
            for e in &mut errors {
                if e.field == from {
                    e.field = to.into();
                }
            }
            AppError::Validation(errors)
        }
        other => other,
    }
}

/// Applies an edit if the article is still at `expected`; keeps a revision.
pub fn update(
    conn: &mut DbConn,
    current: ArticleRow,
    expected: i64,
    input: ArticleInput,
    who: Option<&str>,
    media: &MediaStore,
    action: &str,
) -> AppResult<ArticleRow> {
    lock(conn, "articles")?;
    crate::content::check_version(current.version, expected)?;
    let mut errors = Errors::default();
    let resolved = resolve(conn, &input, &mut errors)?;
    let mut body: Vec<Block> = match input.body {
        Some(b) => b,
        None => serde_json::from_str(&current.body).unwrap_or_default(),
    };
    let standfirst = input.standfirst.unwrap_or(current.standfirst.clone());
    let rendered = render_body(
        conn,
        &current.id,
        &mut body,
        &standfirst,
        media,
        &mut errors,
    )?;
    errors.finish()?;
    if let Some(slug) = &input.slug
        && slug.as_str() != current.slug
    {
        slug::ensure_free(Some(slug), |s| slug_taken(conn, s, &current.id))?;
    }
    if let Some(slug) = &input.slug
        && slug.as_str() != current.slug
    {
        // The old address keeps working as a redirect.
        diesel::delete(article_slugs::table.filter(article_slugs::slug.eq(slug.as_str())))
            .execute(conn)?;
        diesel::insert_into(article_slugs::table)
            .values((
                article_slugs::slug.eq(&current.slug),
                article_slugs::article_id.eq(&current.id),
            ))
            .execute(conn)?;
    }
    let mut corrections: Vec<Correction> =
        serde_json::from_str(&current.corrections).unwrap_or_default();
    if let Some(text) = input.append_correction {
        corrections.push(Correction {
            at: crate::http::utc(now()),
            text,
        });
    }
    let seo = input.seo.unwrap_or(super::model::Seo {
        title: current.seo_title.clone(),
        description: current.seo_description.clone(),
    });
    let featured = resolved
        .featured_image
        .clone()
        .unwrap_or(current.featured_image_id.clone());
    let updated = diesel::update(articles::table.find(&current.id))
        .filter(articles::version.eq(expected))
        .set((
            articles::slug.eq(input
                .slug
                .map_or(current.slug.clone(), |s| s.as_str().to_owned())),
            articles::headline.eq(input.headline.unwrap_or(current.headline.clone())),
            articles::standfirst.eq(&standfirst),
            articles::body.eq(serde_json::to_string(&body).map_err(AppError::internal)?),
            articles::body_html.eq(&rendered.html),
            articles::body_text.eq(&rendered.text),
            articles::word_count.eq(rendered.word_count),
            articles::reading_time_minutes.eq(rendered.reading_time_minutes),
            articles::embargo_until.eq(input.embargo_until.unwrap_or(current.embargo_until)),
            articles::section_id.eq(resolved.section.unwrap_or(current.section_id.clone())),
            articles::source.eq(input.source.unwrap_or(current.source.clone())),
            articles::featured_image_id.eq(&featured),
            articles::canonical_url
                .eq(input.canonical_url.unwrap_or(current.canonical_url.clone())),
            articles::seo_title.eq(seo.title),
            articles::seo_description.eq(seo.description),
            articles::corrections
                .eq(serde_json::to_string(&corrections).map_err(AppError::internal)?),
            articles::version.eq(expected + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(AppError::PreconditionFailed {
            current_version: get(conn, &current.id)?.version,
        });
    }
    if let Some(authors) = &resolved.authors {
        write_byline(conn, &current.id, authors)?;
    }
    if let Some(tags) = &resolved.tags {
        write_tags(conn, &current.id, tags)?;
    }
    write_links(conn, &current.id, &body, featured.as_deref())?;
    record(conn, &current.id, action, who)?;
    get(conn, &current.id)
}

/// Moves an article between states (publish, schedule, unpublish, archive, trash),
/// checking its version; keeps a revision naming the action.
pub fn transition(
    conn: &mut DbConn,
    current: &ArticleRow,
    expected: i64,
    status: Status,
    published_at: Option<Option<NaiveDateTime>>,
    action: &str,
    who: Option<&str>,
) -> AppResult<ArticleRow> {
    crate::content::check_version(current.version, expected)?;
    let updated = diesel::update(articles::table.find(&current.id))
        .filter(articles::version.eq(expected))
        .set((
            articles::status.eq(status.as_str()),
            articles::published_at.eq(published_at.unwrap_or(current.published_at)),
            articles::version.eq(expected + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(AppError::PreconditionFailed {
            current_version: get(conn, &current.id)?.version,
        });
    }
    record(conn, &current.id, action, who)?;
    get(conn, &current.id)
}

/// Moves an article to the trash (restorable; nothing is destroyed).
pub fn trash(
    conn: &mut DbConn,
    current: &ArticleRow,
    expected: i64,
    who: Option<&str>,
) -> AppResult<()> {
    crate::content::check_version(current.version, expected)?;
    let updated = diesel::update(articles::table.find(&current.id))
        .filter(articles::version.eq(expected))
        .set((
            articles::deleted_at.eq(now()),
            articles::version.eq(expected + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(AppError::PreconditionFailed {
            current_version: current.version + 1,
        });
    }
    record(conn, &current.id, "trash", who)
}

/// Re-renders the stored HTML/text of every story that shows `image_id` in its body,
/// after the image's caption, credit or alt text changed (the stored version is not
/// bumped: the story's own content did not change, but its ETag does).
pub fn rerender_using_image(
    conn: &mut DbConn,
    image_id: &str,
    media: &MediaStore,
) -> AppResult<usize> {
    let users: Vec<ArticleRow> = articles::table
        .filter(
            articles::id.eq_any(
                article_links::table
                    .filter(article_links::target_kind.eq("image"))
                    .filter(article_links::target_id.eq(image_id))
                    .select(article_links::article_id),
            ),
        )
        .select(ArticleRow::as_select())
        .load(conn)?;
    for row in &users {
        let mut body: Vec<Block> = serde_json::from_str(&row.body).unwrap_or_default();
        let mut errors = Errors::default();
        let rendered = render_body(
            conn,
            &row.id,
            &mut body,
            &row.standfirst,
            media,
            &mut errors,
        )?;
        diesel::update(articles::table.find(&row.id))
            .set((
                articles::body_html.eq(&rendered.html),
                articles::body_text.eq(&rendered.text),
            ))
            .execute(conn)?;
    }
    Ok(users.len())
}

/// Whether any live article uses the image (in its body or as its lead photo).
pub fn image_in_use(conn: &mut DbConn, image_id: &str) -> AppResult<i64> {
    Ok(article_links::table
        .inner_join(articles::table.on(articles::id.eq(article_links::article_id)))
        .filter(article_links::target_kind.eq("image"))
        .filter(article_links::target_id.eq(image_id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?)
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

/// A page of articles after the keyset `(time, id)`.
pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<ArticleRow>> {
    let now = now();
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
        if let Some(since) = filter.since {
            query = query.filter(articles::published_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(articles::published_at.lt(until));
        }
        if let Some((at, id)) = after {
            query = query.filter(
                articles::published_at
                    .lt(at)
                    .or(articles::published_at.eq(at).and(articles::id.lt(id))),
            );
        }
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

/// Published-article counts per tag, author or section among `ids`.
pub fn counts(conn: &mut DbConn, by: CountBy, ids: &[String]) -> AppResult<HashMap<String, i64>> {
    let now = now();
    let rows: Vec<(String, i64)> = match by {
        CountBy::Tag => article_tags::table
            .inner_join(articles::table)
            .filter(article_tags::tag_id.eq_any(ids))
            .filter(public_at!(now))
            .group_by(article_tags::tag_id)
            .select((article_tags::tag_id, diesel::dsl::count_star()))
            .load(conn)?,
        CountBy::Author => article_authors::table
            .inner_join(articles::table)
            .filter(article_authors::author_id.eq_any(ids))
            .filter(public_at!(now))
            .group_by(article_authors::author_id)
            .select((article_authors::author_id, diesel::dsl::count_star()))
            .load(conn)?,
        CountBy::Section => articles::table
            .filter(articles::section_id.eq_any(ids))
            .filter(public_at!(now))
            .group_by(articles::section_id)
            .select((
                articles::section_id.assume_not_null(),
                diesel::dsl::count_star(),
            ))
            .load(conn)?,
    };
    Ok(rows.into_iter().collect())
}

/// What [`counts`] counts by.
#[derive(Debug, Clone, Copy)]
pub enum CountBy {
    Tag,
    Author,
    Section,
}

/// Previous/next in the same section by publish time, and related stories: explicit
/// "Also Read" targets first, then stories sharing tags, newest first. Public only.
pub fn neighbours(conn: &mut DbConn, row: &ArticleRow) -> AppResult<Neighbours> {
    let now = now();
    let mut out = Neighbours::default();
    if let (Some(section), Some(at)) = (&row.section_id, row.published_at) {
        let before = articles::table
            .filter(public_at!(now))
            .filter(articles::section_id.eq(section))
            .filter(
                articles::published_at
                    .lt(at)
                    .or(articles::published_at.eq(at).and(articles::id.lt(&row.id))),
            )
            .order((articles::published_at.desc(), articles::id.desc()))
            .select(ArticleRow::as_select())
            .first(conn)
            .optional()?;
        let after = articles::table
            .filter(public_at!(now))
            .filter(articles::section_id.eq(section))
            .filter(
                articles::published_at
                    .gt(at)
                    .or(articles::published_at.eq(at).and(articles::id.gt(&row.id))),
            )
            .order((articles::published_at.asc(), articles::id.asc()))
            .select(ArticleRow::as_select())
            .first(conn)
            .optional()?;
        out.previous = before.as_ref().map(ArticleLink::from);
        out.next = after.as_ref().map(ArticleLink::from);
    }
    let body: Vec<Block> = serde_json::from_str(&row.body).unwrap_or_default();
    let explicit: Vec<String> = body
        .iter()
        .filter_map(|b| match b {
            Block::Related { article_id, .. } => Some(article_id.clone()),
            _ => None,
        })
        .collect();
    let linked: Vec<ArticleRow> = articles::table
        .filter(public_at!(now))
        .filter(
            articles::id
                .eq_any(&explicit)
                .or(articles::slug.eq_any(&explicit)),
        )
        .select(ArticleRow::as_select())
        .load(conn)?;
    for key in &explicit {
        if let Some(found) = linked.iter().find(|a| &a.id == key || &a.slug == key)
            && found.id != row.id
            && !out.related.iter().any(|r| r.id == found.id)
        {
            out.related.push(ArticleLink::from(found));
        }
    }
    let tag_ids: Vec<String> = article_tags::table
        .filter(article_tags::article_id.eq(&row.id))
        .select(article_tags::tag_id)
        .load(conn)?;
    if !tag_ids.is_empty() && out.related.len() < 5 {
        let sharing: Vec<ArticleRow> = articles::table
            .filter(public_at!(now))
            .filter(articles::id.ne(&row.id))
            .filter(
                articles::id.eq_any(
                    article_tags::table
                        .filter(article_tags::tag_id.eq_any(&tag_ids))
                        .select(article_tags::article_id),
                ),
            )
            .order((articles::published_at.desc(), articles::id.desc()))
            .limit(10)
            .select(ArticleRow::as_select())
            .load(conn)?;
        for found in &sharing {
            if out.related.len() >= 5 {
                break;
            }
            if !out.related.iter().any(|r| r.id == found.id) {
                out.related.push(ArticleLink::from(found));
            }
        }
    }
    Ok(out)
}

/// A story's history, newest first.
pub fn revisions(conn: &mut DbConn, article_id: &str) -> AppResult<Vec<RevisionSummary>> {
    let rows: Vec<(i32, String, Option<String>, NaiveDateTime)> = article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::number.desc())
        .select((
            article_revisions::number,
            article_revisions::action,
            article_revisions::created_by,
            article_revisions::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(number, action, created_by, at)| RevisionSummary {
            number,
            action,
            created_by,
            created_at: crate::http::utc(at),
        })
        .collect())
}

/// One revision: its summary and the story as it then was.
pub fn revision(
    conn: &mut DbConn,
    article_id: &str,
    number: i32,
) -> AppResult<(RevisionSummary, Snapshot)> {
    let found: Option<(String, Option<String>, NaiveDateTime, String)> = article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::number.eq(number))
        .select((
            article_revisions::action,
            article_revisions::created_by,
            article_revisions::created_at,
            article_revisions::snapshot,
        ))
        .first(conn)
        .optional()?;
    let (action, created_by, at, snapshot) = found.ok_or(AppError::NotFound("revision"))?;
    let snapshot: Snapshot = serde_json::from_str(&snapshot).map_err(AppError::internal)?;
    Ok((
        RevisionSummary {
            number,
            action,
            created_by,
            created_at: crate::http::utc(at),
        },
        snapshot,
    ))
}

/// Relations of a snapshot, by the ids it recorded (ones deleted since are dropped).
pub fn snapshot_relations(
    conn: &mut DbConn,
    snapshot: &Snapshot,
    media: &MediaStore,
) -> AppResult<Relations> {
    let mut relations = relations(conn, std::slice::from_ref(&snapshot.article), media)?
        .remove(&snapshot.article.id)
        .unwrap_or_default();
    let by_id = |list: Vec<(String, String, String)>, order: &[String]| -> Vec<Summary> {
        order
            .iter()
            .filter_map(|id| list.iter().find(|(i, _, _)| i == id))
            .map(|(id, slug, name)| Summary {
                id: id.clone(),
                slug: slug.clone(),
                name: name.clone(),
            })
            .collect()
    };
    let names: Vec<(String, String, String)> = authors::table
        .filter(authors::id.eq_any(&snapshot.authors))
        .select((authors::id, authors::slug, authors::name))
        .load(conn)?;
    relations.authors = by_id(names, &snapshot.authors);
    let labels: Vec<(String, String, String)> = tags::table
        .filter(tags::id.eq_any(&snapshot.tags))
        .select((tags::id, tags::slug, tags::name))
        .load(conn)?;
    relations.tags = by_id(labels, &snapshot.tags);
    Ok(relations)
}

/// The editable content of a snapshot, as an edit (slug and state stay as they are).
pub fn snapshot_input(snapshot: Snapshot) -> ArticleInput {
    let a = snapshot.article;
    ArticleInput {
        headline: Some(a.headline),
        slug: None,
        standfirst: Some(a.standfirst),
        body: Some(serde_json::from_str(&a.body).unwrap_or_default()),
        section: Some(a.section_id),
        tags: Some(snapshot.tags),
        authors: Some(snapshot.authors),
        source: Some(a.source),
        featured_image: Some(a.featured_image_id),
        canonical_url: Some(a.canonical_url),
        seo: Some(Seo {
            title: a.seo_title,
            description: a.seo_description,
        }),
        embargo_until: Some(a.embargo_until),
        append_correction: None,
    }
}

/// A story in the trash, by id or slug.
pub fn find_trashed(conn: &mut DbConn, key: &str) -> AppResult<ArticleRow> {
    articles::table
        .filter(articles::id.eq(key).or(articles::slug.eq(key)))
        .filter(articles::deleted_at.is_not_null())
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("article in the trash"))
}

/// Takes a story out of the trash, as it was.
pub fn untrash(conn: &mut DbConn, row: &ArticleRow, who: Option<&str>) -> AppResult<ArticleRow> {
    diesel::update(articles::table.find(&row.id))
        .set((
            articles::deleted_at.eq(None::<NaiveDateTime>),
            articles::version.eq(row.version + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    record(conn, &row.id, "restore_from_trash", who)?;
    get(conn, &row.id)
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

/// Marks scheduled stories whose time has come as published, with a revision each;
/// returns their ids (the hook for webhooks and feed freshness). Safe to run on every
/// instance at once: a story flips exactly once.
pub fn publish_due(conn: &mut DbConn) -> AppResult<Vec<String>> {
    lock(conn, "scheduler")?;
    let due: Vec<String> = articles::table
        .filter(articles::status.eq(Status::Scheduled.as_str()))
        .filter(articles::published_at.le(now()))
        .filter(articles::deleted_at.is_null())
        .select(articles::id)
        .load(conn)?;
    for id in &due {
        let flipped = diesel::update(articles::table.find(id))
            .filter(articles::status.eq(Status::Scheduled.as_str()))
            .set((
                articles::status.eq(Status::Published.as_str()),
                articles::version.eq(articles::version + 1),
            ))
            .execute(conn)?;
        if flipped == 1 {
            record(conn, id, "scheduled_publish", None)?;
        }
    }
    Ok(due)
}

/// Expands the relations `include=` names, for a whole page at once (a fixed number of
/// queries whatever its size).
pub fn expand(
    conn: &mut DbConn,
    stories: &mut [super::model::ArticleResponse],
    include: super::model::Include,
    media: &MediaStore,
) -> AppResult<()> {
    use crate::content::authors::model::{AuthorResponse, AuthorRow};
    use crate::content::tags::model::{TagResponse, TagRow};
    if include.is_empty() || stories.is_empty() {
        return Ok(());
    }
    let ids = |pick: &dyn Fn(&super::model::ArticleResponse) -> Vec<String>| -> Vec<String> {
        let mut all: Vec<String> = stories.iter().flat_map(pick).collect();
        all.sort();
        all.dedup();
        all
    };
    let author_ids = ids(&|s| s.authors.iter().map(|a| a.id.clone()).collect());
    let tag_ids = ids(&|s| s.tags.iter().map(|t| t.id.clone()).collect());
    let image_ids = ids(&|s| s.featured_image.iter().map(|i| i.id.clone()).collect());

    let author_rows: HashMap<String, AuthorRow> = if include.authors {
        authors::table
            .filter(authors::id.eq_any(&author_ids))
            .select(AuthorRow::as_select())
            .load::<AuthorRow>(conn)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    } else {
        HashMap::new()
    };
    let author_counts = if include.authors {
        counts(conn, CountBy::Author, &author_ids)?
    } else {
        HashMap::new()
    };
    let tag_rows: HashMap<String, TagRow> = if include.tags {
        tags::table
            .filter(tags::id.eq_any(&tag_ids))
            .select(TagRow::as_select())
            .load::<TagRow>(conn)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    } else {
        HashMap::new()
    };
    let tag_counts = if include.tags {
        counts(conn, CountBy::Tag, &tag_ids)?
    } else {
        HashMap::new()
    };
    let all_sections = if include.section {
        crate::content::sections::db::all(conn)?
    } else {
        Vec::new()
    };
    let section_counts = if include.section {
        let section_ids: Vec<String> = all_sections.iter().map(|s| s.id.clone()).collect();
        counts(conn, CountBy::Section, &section_ids)?
    } else {
        HashMap::new()
    };
    let tree =
        crate::content::sections::model::Tree::new(&all_sections).with_counts(section_counts);
    let pictures: HashMap<String, ImageRow> = if include.featured_image {
        images::table
            .filter(images::id.eq_any(&image_ids))
            .select(ImageRow::as_select())
            .load::<ImageRow>(conn)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    } else {
        HashMap::new()
    };

    for story in stories.iter_mut() {
        let mut included = super::model::Included::default();
        if include.authors {
            included.authors = Some(
                story
                    .authors
                    .iter()
                    .filter_map(|a| author_rows.get(&a.id))
                    .map(|r| {
                        AuthorResponse::new(
                            r.clone(),
                            author_counts.get(&r.id).copied().unwrap_or(0),
                        )
                    })
                    .collect(),
            );
        }
        if include.tags {
            included.tags = Some(
                story
                    .tags
                    .iter()
                    .filter_map(|t| tag_rows.get(&t.id))
                    .map(|r| {
                        TagResponse::new(r.clone(), tag_counts.get(&r.id).copied().unwrap_or(0))
                    })
                    .collect(),
            );
        }
        if include.section {
            included.section = story
                .section
                .as_ref()
                .and_then(|s| all_sections.iter().find(|row| row.id == s.id))
                .map(|row| tree.response(row));
        }
        if include.featured_image {
            included.featured_image = story
                .featured_image
                .as_ref()
                .and_then(|f| pictures.get(&f.id))
                .map(|row| ImageResponse::new(row.clone(), media));
        }
        story.included = Some(included);
    }
    Ok(())
}
