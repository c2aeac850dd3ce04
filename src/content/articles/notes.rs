//! Internal notes on a story: what the desk says about it, threaded, with mentions.
//! Any signed-in person who may read the story writes them; a note's writer edits or
//! deletes it; editors resolve. Notes live in their own table, which no public read,
//! feed, partner document or webhook payload looks at.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Person;
use crate::content::parse_text;
use crate::error::{AppError, AppResult, Errors};
use crate::http::utc;
use crate::store::schema::{article_notes, users};
use crate::store::{DbConn, check_version, new_id, now, versioned};

/// The most a story's notes list holds (oldest first).
const MAX_NOTES: i64 = 1000;

/// A new note, or a reply (`parent_id`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNote {
    #[schema(
        min_length = 1,
        max_length = 5000,
        example = "Check the ferry operator's figures before 6pm."
    )]
    pub text: String,
    /// User ids to draw attention to.
    #[schema(max_items = 20)]
    pub mentions: Option<Vec<String>>,
    /// The note this one answers (of the same story).
    pub parent_id: Option<String>,
}

/// Changes to a note: its writer edits the text, editors resolve it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNote {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(min_length = 1, max_length = 5000)]
    pub text: Option<String>,
    pub resolved: Option<bool>,
}

/// A note as the desk reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteResponse {
    pub id: String,
    pub parent_id: Option<String>,
    /// Null once the writer's account is gone.
    pub author: Option<Person>,
    pub text: String,
    pub mentions: Vec<Person>,
    pub resolved: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = article_notes)]
struct NoteRow {
    id: String,
    article_id: String,
    parent_id: Option<String>,
    user_id: Option<String>,
    text: String,
    mentions: String,
    resolved: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn note_text(raw: &str, errors: &mut Errors) -> Option<String> {
    let text = errors.check("text", parse_text(raw, 5000))?;
    if text.is_empty() {
        errors.add("text", "must not be empty");
    }
    Some(text)
}

/// Names of `ids` (users that exist).
fn people(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Person>> {
    let found: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|(u, _)| u == id))
        .map(|(id, name)| Person {
            id: id.clone(),
            name: name.clone(),
        })
        .collect())
}

fn responses(conn: &mut DbConn, rows: Vec<NoteRow>) -> AppResult<Vec<NoteResponse>> {
    let mut ids: Vec<String> = Vec::new();
    let mentions: Vec<Vec<String>> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.mentions).unwrap_or_default())
        .collect();
    for r in &rows {
        ids.extend(r.user_id.clone());
    }
    ids.extend(mentions.iter().flatten().cloned());
    ids.sort();
    ids.dedup();
    let known = people(conn, &ids)?;
    let person = |id: &str| known.iter().find(|p| p.id == id).cloned();
    Ok(rows
        .into_iter()
        .zip(mentions)
        .map(|(r, mentioned)| NoteResponse {
            author: r.user_id.as_deref().and_then(person),
            mentions: mentioned.iter().filter_map(|id| person(id)).collect(),
            id: r.id,
            parent_id: r.parent_id,
            text: r.text,
            resolved: r.resolved,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
        .collect())
}

/// A story's notes, oldest first (threads by `parent_id`).
pub fn list(conn: &mut DbConn, article: &str) -> AppResult<Vec<NoteResponse>> {
    let rows = article_notes::table
        .filter(article_notes::article_id.eq(article))
        .order((article_notes::created_at, article_notes::id))
        .limit(MAX_NOTES)
        .select(NoteRow::as_select())
        .load(conn)?;
    responses(conn, rows)
}

fn one(conn: &mut DbConn, article: &str, id: &str) -> AppResult<NoteRow> {
    article_notes::table
        .filter(article_notes::article_id.eq(article))
        .filter(article_notes::id.eq(id))
        .select(NoteRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("note"))
}

fn shown(conn: &mut DbConn, row: NoteRow) -> AppResult<NoteResponse> {
    responses(conn, vec![row])?
        .pop()
        .ok_or_else(|| AppError::internal("a note vanished"))
}

/// Writes a note on `article` by `user`.
pub fn create(
    conn: &mut DbConn,
    article: &str,
    user: &str,
    input: CreateNote,
) -> AppResult<NoteResponse> {
    let mut errors = Errors::default();
    let text = note_text(&input.text, &mut errors);
    let mentions = input.mentions.unwrap_or_default();
    if mentions.len() > 20 {
        errors.add("mentions", "at most 20 people");
    }
    let known = people(conn, &mentions)?;
    for (i, id) in mentions.iter().enumerate() {
        if !known.iter().any(|p| &p.id == id) {
            errors.add(format!("mentions[{i}]"), format!("no user '{id}'"));
        }
    }
    if let Some(parent) = &input.parent_id
        && matches!(one(conn, article, parent), Err(AppError::NotFound(_)))
    {
        errors.add("parent_id", format!("no note '{parent}' on this story"));
    }
    errors.finish()?;
    let at = now();
    let id = new_id();
    diesel::insert_into(article_notes::table)
        .values((
            article_notes::id.eq(&id),
            article_notes::article_id.eq(article),
            article_notes::parent_id.eq(&input.parent_id),
            article_notes::user_id.eq(user),
            article_notes::text.eq(text.unwrap_or_default()),
            article_notes::mentions.eq(serde_json::to_string(&mentions).unwrap_or_default()),
            article_notes::resolved.eq(false),
            article_notes::version.eq(1),
            article_notes::created_at.eq(at),
            article_notes::updated_at.eq(at),
        ))
        .execute(conn)?;
    let row = one(conn, article, &id)?;
    shown(conn, row)
}

/// Edits a note (its writer: the text; editors: `resolved`) if still at `expected`.
pub fn update(
    conn: &mut DbConn,
    article: &str,
    id: &str,
    user: Option<&str>,
    editor: bool,
    expected: i64,
    input: UpdateNote,
) -> AppResult<NoteResponse> {
    let current = one(conn, article, id)?;
    let writer = user.is_some() && current.user_id.as_deref() == user;
    if input.text.is_some() && !writer {
        return Err(AppError::Forbidden("only a note's writer edits it".into()));
    }
    if input.resolved.is_some() && !editor {
        return Err(AppError::Forbidden("only editors resolve notes".into()));
    }
    let mut errors = Errors::default();
    let text = input.text.and_then(|t| note_text(&t, &mut errors));
    errors.finish()?;
    check_version(current.version, expected)?;
    versioned(
        conn,
        |c| {
            diesel::update(
                article_notes::table
                    .filter(article_notes::id.eq(id))
                    .filter(article_notes::version.eq(expected)),
            )
            .set((
                article_notes::text.eq(text.unwrap_or(current.text.clone())),
                article_notes::resolved.eq(input.resolved.unwrap_or(current.resolved)),
                article_notes::version.eq(expected + 1),
                article_notes::updated_at.eq(now()),
            ))
            .execute(c)
        },
        |c| {
            article_notes::table
                .filter(article_notes::id.eq(id))
                .select(article_notes::version)
                .first(c)
        },
    )?;
    let row = one(conn, article, id)?;
    shown(conn, row)
}

/// Deletes a note (its writer only). A note others have answered stays, so their
/// replies keep their context: resolve it instead.
pub fn delete(conn: &mut DbConn, article: &str, id: &str, user: Option<&str>) -> AppResult<()> {
    let current = one(conn, article, id)?;
    if user.is_none() || current.user_id.as_deref() != user {
        return Err(AppError::Forbidden(
            "only a note's writer deletes it".into(),
        ));
    }
    let answered: i64 = article_notes::table
        .filter(article_notes::article_id.eq(&current.article_id))
        .filter(article_notes::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    if answered > 0 {
        return Err(AppError::Conflict {
            detail: "this note has replies; resolve it instead".into(),
            field: None,
        });
    }
    diesel::delete(article_notes::table.filter(article_notes::id.eq(id))).execute(conn)?;
    Ok(())
}
