//! Working copies of live stories: an edit to a published story prepared without
//! touching what readers see. The copy holds the editable fields as a story edit would
//! send them; it is edited with the usual versioned saves, then published onto the live
//! story as one new revision (with a correction note if asked), or discarded. Reads,
//! feeds, the partner API, caches and webhooks see only the live story until then,
//! because none of them looks at this table.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::db;
use super::input::UpdateArticle;
use super::model::{ArticleRow, Status};
use crate::error::{AppError, AppResult, Errors};
use crate::http::utc;
use crate::store::schema::article_working_copies as copies;
use crate::store::{DbConn, check_version, now, versioned};

/// The fields a working copy holds (a story edit's, less its state and desk fields).
const FIELDS: [&str; 10] = [
    "headline",
    "standfirst",
    "body",
    "section",
    "tags",
    "authors",
    "source",
    "featured_image",
    "canonical_url",
    "seo",
];

/// A working copy as the desk reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingCopy {
    /// Versioned like the story: send it back on `PATCH` and on publishing.
    pub version: i64,
    /// The live story's version the copy was made from.
    pub base_version: i64,
    /// The editable fields as they will be published (references by id).
    #[schema(value_type = Object)]
    pub content: Value,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Changes to a working copy: a story edit's content fields (documentation of
/// `PATCH …/working-copy`; the handler checks them as a story edit).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct CopyEdit {
    /// The copy's version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(min_length = 1, max_length = 300)]
    pub headline: Option<String>,
    #[schema(max_length = 2000)]
    pub standfirst: Option<String>,
    pub body: Option<Vec<super::blocks::Block>>,
    /// Section slug or id; `null` clears.
    #[schema(nullable)]
    pub section: Option<String>,
    pub tags: Option<Vec<String>>,
    pub authors: Option<Vec<String>>,
    #[schema(max_length = 300)]
    pub source: Option<String>,
    /// Image id; `null` clears.
    #[schema(nullable)]
    pub featured_image: Option<String>,
    #[schema(max_length = 2048)]
    pub canonical_url: Option<String>,
    pub seo: Option<super::model::Seo>,
}

/// `POST /articles/{key}/working-copy/publish`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishCopy {
    /// The working copy's version you reviewed (or send `If-Match`).
    pub version: Option<i64>,
    /// Appended to the story's public corrections with the current time.
    #[schema(min_length = 1, max_length = 2000)]
    pub correction: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = copies)]
struct CopyRow {
    content: String,
    base_version: i64,
    version: i64,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn shown(row: CopyRow) -> WorkingCopy {
    WorkingCopy {
        version: row.version,
        base_version: row.base_version,
        content: serde_json::from_str(&row.content).unwrap_or(json!({})),
        created_by: row.created_by,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// The story exists but has no working copy: a state to change (start one), not a
/// missing story, so 409 rather than 404.
fn no_copy() -> AppError {
    AppError::Conflict {
        detail: "this story has no working copy; start one with POST /articles/{key}/working-copy"
            .into(),
        field: None,
    }
}

fn find(conn: &mut DbConn, article: &str) -> AppResult<Option<CopyRow>> {
    Ok(copies::table
        .filter(copies::article_id.eq(article))
        .select(CopyRow::as_select())
        .first(conn)
        .optional()?)
}

/// The working copy of a story (409 when it has none).
pub fn get(conn: &mut DbConn, article: &str) -> AppResult<WorkingCopy> {
    find(conn, article)?.map(shown).ok_or_else(no_copy)
}

/// Starts a working copy from the live story (409 when the story is not live, or
/// already has one).
pub fn create(conn: &mut DbConn, story: &ArticleRow, who: Option<&str>) -> AppResult<WorkingCopy> {
    if !matches!(story.status, Status::Published | Status::Scheduled) {
        return Err(AppError::Conflict {
            detail:
                "only a published (or scheduled) story gets a working copy; edit a draft directly"
                    .into(),
            field: None,
        });
    }
    if find(conn, &story.id)?.is_some() {
        return Err(AppError::Conflict {
            detail: "this story already has a working copy; edit or discard it".into(),
            field: None,
        });
    }
    let (authors, tags) = db::byline_and_tags(conn, &story.id)?;
    let content = json!({
        "headline": story.headline,
        "standfirst": story.standfirst,
        "body": serde_json::from_str::<Value>(&story.body).unwrap_or(json!([])),
        "section": story.section_id,
        "tags": tags,
        "authors": authors,
        "source": story.source,
        "featured_image": story.featured_image_id,
        "canonical_url": story.canonical_url,
        "seo": {"title": story.seo_title, "description": story.seo_description},
    });
    let at = now();
    diesel::insert_into(copies::table)
        .values((
            copies::article_id.eq(&*story.id),
            copies::content.eq(content.to_string()),
            copies::base_version.eq(story.version),
            copies::version.eq(1),
            copies::created_by.eq(who),
            copies::created_at.eq(at),
            copies::updated_at.eq(at),
        ))
        .execute(conn)?;
    get(conn, &story.id)
}

/// The copy's content with `changes` (a story edit's fields) laid over it, checked as
/// a story edit is: an unknown field, a bad block or a missing reference is a 422.
fn merged(conn: &mut DbConn, content: &str, changes: Map<String, Value>) -> AppResult<Value> {
    let mut content: Map<String, Value> = serde_json::from_str(content).unwrap_or_default();
    let mut errors = Errors::default();
    for (field, value) in changes {
        if field == "version" {
            continue;
        }
        if FIELDS.contains(&field.as_str()) {
            content.insert(field, value);
        } else {
            errors.add(
                &field,
                "a working copy holds a story's content only; change this on the story",
            );
        }
    }
    errors.finish()?;
    let edit: UpdateArticle = crate::http::extract::parse_json(
        &serde_json::to_vec(&content).map_err(AppError::internal)?,
    )?;
    let input = edit.parse()?;
    let mut errors = Errors::default();
    super::prepare::resolve(conn, &input, &mut errors)?;
    errors.finish()?;
    Ok(Value::Object(content))
}

/// Saves changes to the copy if it is still at `expected`.
pub fn save(
    conn: &mut DbConn,
    article: &str,
    expected: i64,
    changes: Map<String, Value>,
) -> AppResult<WorkingCopy> {
    let current = find(conn, article)?.ok_or_else(no_copy)?;
    check_version(current.version, expected)?;
    let content = merged(conn, &current.content, changes)?;
    versioned(
        conn,
        |c| {
            diesel::update(
                copies::table
                    .filter(copies::article_id.eq(article))
                    .filter(copies::version.eq(expected)),
            )
            .set((
                copies::content.eq(content.to_string()),
                copies::version.eq(expected + 1),
                copies::updated_at.eq(now()),
            ))
            .execute(c)
        },
        |c| {
            copies::table
                .filter(copies::article_id.eq(article))
                .select(copies::version)
                .first(c)
        },
    )?;
    get(conn, article)
}

/// The copy at `expected` as the edit that publishes it onto the live story, which
/// must still be at the version the copy was made from (409 otherwise: someone
/// changed the live story meanwhile, and publishing would undo it).
pub fn take_for_publishing(
    conn: &mut DbConn,
    story: &ArticleRow,
    expected: i64,
    correction: Option<String>,
) -> AppResult<UpdateArticle> {
    let current = find(conn, &story.id)?.ok_or_else(no_copy)?;
    check_version(current.version, expected)?;
    if story.version != current.base_version {
        return Err(AppError::Conflict {
            detail: format!(
                "the live story changed since this working copy was made (version {} then, {} now); discard the copy and start again",
                current.base_version, story.version
            ),
            field: None,
        });
    }
    let mut content: Map<String, Value> =
        serde_json::from_str(&current.content).unwrap_or_default();
    if let Some(text) = correction {
        content.insert("append_correction".into(), Value::String(text));
    }
    let edit: UpdateArticle = crate::http::extract::parse_json(
        &serde_json::to_vec(&content).map_err(AppError::internal)?,
    )?;
    discard(conn, &story.id)?;
    Ok(edit)
}

/// Drops the copy (409 when there is none).
pub fn discard(conn: &mut DbConn, article: &str) -> AppResult<()> {
    let gone =
        diesel::delete(copies::table.filter(copies::article_id.eq(article))).execute(conn)?;
    if gone == 0 {
        return Err(no_copy());
    }
    Ok(())
}

/// The story as it will read once its working copy is published (the story itself
/// when it has none any more): what a working-copy preview link shows.
pub fn preview(
    conn: &mut DbConn,
    live: ArticleRow,
    formats: super::model::Formats,
    media: &crate::media::files::MediaStore,
) -> AppResult<super::model::ArticleResponse> {
    let Some(copy) = find(conn, &live.id)? else {
        return super::relations::story_response(conn, live, formats, media);
    };
    let edit: UpdateArticle = crate::http::extract::parse_json(copy.content.as_bytes())?;
    let input = edit.parse()?;
    // A preview shows what it can: a photo deleted since the copy was saved is left out
    // rather than failing the page.
    let mut errors = Errors::default();
    let resolved = super::prepare::resolve(conn, &input, &mut errors)?;
    let mut body = input.body.clone().unwrap_or_default();
    let standfirst = input.standfirst.clone().unwrap_or(live.standfirst.clone());
    let rendered =
        super::prepare::render_body(conn, &live.id, &mut body, &standfirst, media, &mut errors)?;
    let (authors, tags) = db::byline_and_tags(conn, &live.id)?;
    let mut row = live;
    row.headline = input.headline.unwrap_or(row.headline);
    row.standfirst = standfirst;
    row.body = serde_json::to_string(&body).map_err(AppError::internal)?;
    row.body_html = rendered.html;
    row.body_text = rendered.text;
    row.word_count = rendered.word_count;
    row.reading_time_minutes = rendered.reading_time_minutes;
    row.section_id = resolved.section.unwrap_or(row.section_id);
    row.featured_image_id = resolved.featured_image.unwrap_or(row.featured_image_id);
    row.source = input.source.unwrap_or(row.source);
    row.canonical_url = input.canonical_url.unwrap_or(row.canonical_url);
    if let Some(seo) = input.seo {
        row.seo_title = seo.title;
        row.seo_description = seo.description;
    }
    let snapshot = super::model::Snapshot {
        article: row,
        authors: resolved.authors.unwrap_or(authors),
        tags: resolved.tags.unwrap_or(tags),
    };
    let relations = super::revisions::snapshot_relations(conn, &snapshot, media)?;
    let mut article = super::model::ArticleResponse::new(snapshot.article, relations, formats);
    super::relations::hydrate_related(conn, std::slice::from_mut(&mut article), media)?;
    Ok(article)
}
