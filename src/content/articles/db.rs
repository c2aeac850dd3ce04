//! Article queries: writes validate references and render the body in the same
//! transaction; reads load relations for a whole page in a fixed number of queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::blocks::Block;
use super::model::{ArticleInput, ArticleRow, Correction, Status};
use crate::content::slug;
use crate::error::{AppError, AppResult, Errors};
use crate::media::store::MediaStore;
use crate::store::schema::{
    article_authors, article_links, article_revisions, article_slugs, article_tags, articles,
};
use crate::store::{DbConn, inner, lock, new_id, now};

/// The SQL form of [`ArticleRow::is_public`], usable in any query that has `articles`.
pub(crate) use super::listing::public_at;

/// A live (not trashed) article by id or by slug (an id wins: what looks like one is
/// tried as one first, so each read costs one lookup).
pub fn find(conn: &mut DbConn, key: &str) -> AppResult<Option<ArticleRow>> {
    fn by_id(conn: &mut DbConn, key: &str) -> AppResult<Option<ArticleRow>> {
        Ok(inner!(conn, |c| articles::table
            .find(key)
            .filter(articles::deleted_at.is_null())
            .select(ArticleRow::as_select())
            .first(c)
            .optional())?)
    }
    fn by_slug(conn: &mut DbConn, key: &str) -> AppResult<Option<ArticleRow>> {
        Ok(inner!(conn, |c| articles::table
            .filter(articles::slug.eq(key))
            .filter(articles::deleted_at.is_null())
            .select(ArticleRow::as_select())
            .first(c)
            .optional())?)
    }
    let looks_like_id = key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit());
    if looks_like_id {
        if let Some(found) = by_id(conn, key)? {
            return Ok(Some(found));
        }
        return by_slug(conn, key);
    }
    if let Some(found) = by_slug(conn, key)? {
        return Ok(Some(found));
    }
    by_id(conn, key)
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

/// Whether `slug` is another story's slug, or one of its old ones.
pub(crate) fn slug_taken(conn: &mut DbConn, slug: &str, except: &str) -> AppResult<bool> {
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
    // Partners' change log and webhook events, in this same transaction; then what
    // readers see (public_stories, counts, cache invalidations).
    crate::syndication::changes::note(conn, &row, action)?;
    super::announce::announce(conn, &row, &tags, &authors)
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
    // Whatever shows these stories or links to them shows the photo.
    crate::store::invalidation::invalidate(users.iter().flat_map(|row| {
        [
            crate::content::keys::article(&row.id),
            crate::content::keys::link(&row.id),
        ]
    }));
    Ok(users.len())
}

pub use super::compose::image_info;
use super::compose::{render_body, resolve};
pub use super::reads::*;
pub use super::revisions::*;
