//! Article queries, and nothing else: the rows a story's operations
//! (`operations.rs`) write, and the lookups they and the handlers make. Validation,
//! rendering and announcing happen in the operations; reads of pages and lists are in
//! `load.rs` and `listing.rs`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::blocks::Block;
use super::model::{Access, ArticleRow, Stage, Status};
use crate::error::{AppError, AppResult};
use crate::store::ids::{ArticleId, ImageId};
use crate::store::schema::{
    article_assignees, article_authors, article_links, article_revisions, article_slugs,
    article_tags, articles, users,
};
use crate::store::{DbConn, inner, now};

/// A live (not trashed) article by id or by slug (an id wins: what looks like one is
/// tried as one first, so each read costs one lookup).
pub fn find(conn: &mut DbConn, key: &str) -> QueryResult<Option<ArticleRow>> {
    fn by_id(conn: &mut DbConn, key: &str) -> QueryResult<Option<ArticleRow>> {
        inner!(conn, |c| articles::table
            .find(key)
            .filter(articles::deleted_at.is_null())
            .select(ArticleRow::as_select())
            .first(c)
            .optional())
    }
    fn by_slug(conn: &mut DbConn, key: &str) -> QueryResult<Option<ArticleRow>> {
        inner!(conn, |c| articles::table
            .filter(articles::slug.eq(key))
            .filter(articles::deleted_at.is_null())
            .select(ArticleRow::as_select())
            .first(c)
            .optional())
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

/// A live article, or 404 naming it (the one place a missing story becomes an error).
pub fn get(conn: &mut DbConn, key: &str) -> AppResult<ArticleRow> {
    find(conn, key)?.ok_or(AppError::NotFound("article"))
}

/// The current slug of an article that used to be at `old`.
pub fn current_slug_for(conn: &mut DbConn, old: &str) -> QueryResult<Option<String>> {
    article_slugs::table
        .inner_join(articles::table.on(articles::id.eq(article_slugs::article_id)))
        .filter(article_slugs::slug.eq(old))
        .filter(articles::deleted_at.is_null())
        .select(articles::slug)
        .first(conn)
        .optional()
}

/// What a body links to, for in-use checks and backlinks.
pub fn write_links(
    conn: &mut DbConn,
    article_id: &ArticleId,
    body: &[Block],
    featured: Option<&ImageId>,
) -> QueryResult<()> {
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
    links.extend(featured.map(|f| ("image", f.as_str())));
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

/// The byline, in order.
pub fn write_byline(
    conn: &mut DbConn,
    article_id: &ArticleId,
    author_ids: &[String],
) -> QueryResult<()> {
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

pub fn write_tags(
    conn: &mut DbConn,
    article_id: &ArticleId,
    tag_ids: &[String],
) -> QueryResult<()> {
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
pub fn slug_taken(conn: &mut DbConn, slug: &str, except: &str) -> QueryResult<bool> {
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

/// A new story's row.
#[derive(Debug, Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub headline: &'a str,
    pub status: Status,
    pub created_by: Option<&'a str>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub content: Content,
}

/// What an edit sets: the whole editable content of a story, rendered.
#[derive(Debug, AsChangeset, Insertable)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct Content {
    pub standfirst: String,
    pub body: String,
    pub body_html: String,
    pub body_text: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub embargo_until: Option<NaiveDateTime>,
    pub unpublish_at: Option<NaiveDateTime>,
    pub section_id: Option<String>,
    pub source: String,
    pub featured_image_id: Option<ImageId>,
    pub canonical_url: String,
    pub seo_title: String,
    pub seo_description: String,
    pub corrections: String,
    pub language: String,
    pub translation_of: Option<String>,
    pub access: Access,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewArticle) -> QueryResult<usize> {
    diesel::insert_into(articles::table)
        .values(new)
        .execute(conn)
}

/// Sets a story's content (and slug and headline) if it is still at `expected`; the
/// number of rows changed (0: someone saved in between).
pub fn update_content(
    conn: &mut DbConn,
    id: &str,
    expected: i64,
    (slug, headline): (&str, &str),
    content: &Content,
) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .filter(articles::version.eq(expected))
        .set((
            articles::slug.eq(slug),
            articles::headline.eq(headline),
            content,
            articles::version.eq(expected + 1),
        ))
        .execute(conn)
}

/// Sets a story's state and publish time if it is still at `expected`.
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    expected: i64,
    status: Status,
    published_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .filter(articles::version.eq(expected))
        .set((
            articles::status.eq(status),
            articles::published_at.eq(published_at),
            articles::version.eq(expected + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// Puts a story in the trash (`Some(at)`) or takes it out (`None`) if it is still at
/// `expected`.
pub fn set_trashed(
    conn: &mut DbConn,
    id: &str,
    expected: i64,
    at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .filter(articles::version.eq(expected))
        .set((
            articles::deleted_at.eq(at),
            articles::version.eq(expected + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// The version stored now, trashed or not.
pub fn stored_version(conn: &mut DbConn, id: &ArticleId) -> QueryResult<i64> {
    articles::table
        .find(id)
        .select(articles::version)
        .first(conn)
}

/// A story by id, trashed or not.
pub fn by_id(conn: &mut DbConn, id: &ArticleId) -> QueryResult<ArticleRow> {
    articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)
}

/// Makes `old` answer as a redirect to story `id`, whatever it led to before.
pub fn redirect(conn: &mut DbConn, old: &str, id: &ArticleId) -> QueryResult<()> {
    forget_redirect(conn, old)?;
    diesel::insert_into(article_slugs::table)
        .values((
            article_slugs::slug.eq(old),
            article_slugs::article_id.eq(id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Frees `slug` from being anyone's old address (a story takes it as its own).
pub fn forget_redirect(conn: &mut DbConn, slug: &str) -> QueryResult<()> {
    diesel::delete(article_slugs::table.filter(article_slugs::slug.eq(slug))).execute(conn)?;
    Ok(())
}

/// A story's byline (in order) and tag ids.
pub fn byline_and_tags(
    conn: &mut DbConn,
    id: &ArticleId,
) -> QueryResult<(Vec<String>, Vec<String>)> {
    let authors: Vec<String> = article_authors::table
        .filter(article_authors::article_id.eq(id))
        .order(article_authors::position)
        .select(article_authors::author_id)
        .load(conn)?;
    let tags: Vec<String> = article_tags::table
        .filter(article_tags::article_id.eq(id))
        .select(article_tags::tag_id)
        .load(conn)?;
    Ok((authors, tags))
}

/// Appends a revision: the snapshot of the story, who did what, and when.
pub fn insert_revision(
    conn: &mut DbConn,
    id: &str,
    action: &str,
    who: Option<&str>,
    snapshot: &str,
) -> QueryResult<()> {
    let last: Option<i32> = article_revisions::table
        .filter(article_revisions::article_id.eq(id))
        .select(diesel::dsl::max(article_revisions::number))
        .first(conn)?;
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(id),
            article_revisions::number.eq(last.unwrap_or(0) + 1),
            article_revisions::action.eq(action),
            article_revisions::snapshot.eq(snapshot),
            article_revisions::created_by.eq(who),
            article_revisions::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stories (trashed ones too) whose body or lead shows `image_id`.
pub fn using_image(conn: &mut DbConn, image_id: &ImageId) -> QueryResult<Vec<ArticleRow>> {
    articles::table
        .filter(
            articles::id.eq_any(
                article_links::table
                    .filter(article_links::target_kind.eq("image"))
                    .filter(article_links::target_id.eq(image_id))
                    .select(article_links::article_id),
            ),
        )
        .select(ArticleRow::as_select())
        .load(conn)
}

/// Replaces a story's stored renderings (not its version: its own content is unchanged).
pub fn set_rendering(
    conn: &mut DbConn,
    id: &ArticleId,
    html: &str,
    text: &str,
) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .set((articles::body_html.eq(html), articles::body_text.eq(text)))
        .execute(conn)
}

/// `status = 'scheduled'`, the value written into the statement rather than bound.
/// PostgreSQL keeps one generic plan per prepared statement (`store::Manager`), and for
/// a bound status it assumes any status matches a good share of the stories: at 1M
/// stories, nearly all published, it read every story (13 GB, 160 ms) after every
/// commit to ask whether one was due. Written out, its statistics show that scheduled
/// stories are few, and it probes `articles_status`.
fn is_scheduled() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql("articles.status = 'scheduled'")
}

/// Scheduled stories whose time has come.
pub fn due(conn: &mut DbConn) -> QueryResult<Vec<ArticleId>> {
    articles::table
        .filter(is_scheduled())
        .filter(articles::published_at.le(now()))
        .filter(articles::deleted_at.is_null())
        .select(articles::id)
        .load(conn)
}

/// Whether any scheduled story's time has come (one index probe; see `articles_status`).
pub fn any_due(conn: &mut DbConn) -> QueryResult<bool> {
    // A count, not EXISTS: PostgreSQL plans an EXISTS here as a sequential scan that
    // stops at the first match, which the plan tests (rightly) refuse.
    let due: i64 = articles::table
        .filter(is_scheduled())
        .filter(articles::published_at.le(now()))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(due > 0)
}

/// Flips a due scheduled story to published; 0 when another instance already did.
pub fn flip_published(conn: &mut DbConn, id: &ArticleId) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .filter(articles::status.eq(Status::Scheduled))
        .set((
            articles::status.eq(Status::Published),
            articles::version.eq(articles::version + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// Moves a story to another stage of the desk (inside a save, after its versioned
/// update).
pub fn set_stage(conn: &mut DbConn, id: &ArticleId, stage: Stage) -> QueryResult<usize> {
    diesel::update(articles::table.filter(articles::id.eq(id)))
        .set(articles::stage.eq(stage))
        .execute(conn)
}

/// The user ids assigned to a story, longest-assigned first.
pub fn assignees_of(conn: &mut DbConn, id: &ArticleId) -> QueryResult<Vec<String>> {
    article_assignees::table
        .filter(article_assignees::article_id.eq(id))
        .order((article_assignees::assigned_at, article_assignees::user_id))
        .select(article_assignees::user_id)
        .load(conn)
}

/// Replaces a story's assignees; those who stay keep the time they were assigned.
pub fn write_assignees(conn: &mut DbConn, id: &ArticleId, user_ids: &[String]) -> QueryResult<()> {
    diesel::delete(
        article_assignees::table
            .filter(article_assignees::article_id.eq(id))
            .filter(article_assignees::user_id.ne_all(user_ids)),
    )
    .execute(conn)?;
    let kept = assignees_of(conn, id)?;
    let at = now();
    for user in user_ids.iter().filter(|u| !kept.contains(u)) {
        diesel::insert_into(article_assignees::table)
            .values((
                article_assignees::article_id.eq(id),
                article_assignees::user_id.eq(user),
                article_assignees::assigned_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The desk's view of some stories: `(story id, stage)` of each, and `(story id,
/// user id, name)` of each assignee.
pub struct Desk {
    pub stages: Vec<(String, Stage)>,
    pub people: Vec<(String, String, String)>,
}

/// The desk's view of `ids`.
pub fn desk_of(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Desk> {
    let stages = articles::table
        .filter(articles::id.eq_any(ids))
        .select((articles::id, articles::stage))
        .load(conn)?;
    let people = article_assignees::table
        .inner_join(users::table)
        .filter(article_assignees::article_id.eq_any(ids))
        .order((article_assignees::assigned_at, article_assignees::user_id))
        .select((article_assignees::article_id, users::id, users::name))
        .load(conn)?;
    Ok(Desk { stages, people })
}

/// Sets (or clears) the time a published story leaves public reads by itself.
pub fn set_unpublish_at(
    conn: &mut DbConn,
    id: &ArticleId,
    at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .set(articles::unpublish_at.eq(at))
        .execute(conn)
}

/// Published stories whose `unpublish_at` has come: a range of the few that carry one
/// (`articles_unpublish`), the rest checked here. The scheduler runs this after every
/// commit. With the status in the query, SQLite chose `articles_status` instead and
/// read every published story's row (the time columns sit after the body): about a
/// second per write at 1M stories.
pub fn unpublish_due(conn: &mut DbConn) -> QueryResult<Vec<ArticleId>> {
    let due: Vec<(ArticleId, Status, bool)> = articles::table
        .filter(articles::unpublish_at.le(now()))
        .select((
            articles::id,
            articles::status,
            articles::deleted_at.is_null(),
        ))
        .load(conn)?;
    Ok(due
        .into_iter()
        .filter(|(_, status, live)| *status == Status::Published && *live)
        .map(|(id, _, _)| id)
        .collect())
}

/// Flips a story whose `unpublish_at` came back to draft; 0 when another instance
/// already did.
pub fn flip_unpublished(conn: &mut DbConn, id: &ArticleId) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .filter(articles::status.eq(Status::Published))
        .filter(articles::unpublish_at.le(now()))
        .set((
            articles::status.eq(Status::Draft),
            articles::published_at.eq(None::<NaiveDateTime>),
            articles::unpublish_at.eq(None::<NaiveDateTime>),
            articles::version.eq(articles::version + 1),
            articles::updated_at.eq(now()),
        ))
        .execute(conn)
}
