//! A story's history: its revisions, what each snapshot held, and finding a story in
//! the trash.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::input::ArticleInput;
use super::model::{ArticleRow, Relations, RevisionSummary, Seo, Snapshot};
use super::relations::relations;
use crate::content::Summary;
use crate::error::{AppError, AppResult};
use crate::media::files::MediaStore;
use crate::store::DbConn;
use crate::store::schema::{article_revisions, articles, authors, tags};

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
        .remove(snapshot.article.id.as_str())
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
        featured_image: Some(a.featured_image_id.map(String::from)),
        canonical_url: Some(a.canonical_url),
        seo: Some(Seo {
            title: a.seo_title,
            description: a.seo_description,
        }),
        embargo_until: Some(a.embargo_until),
        // What was written comes back; where the story is on the desk, and who works
        // on it, stay as they are now.
        append_correction: None,
        unpublish_at: None,
        stage: None,
        assignees: None,
        // Which language it is in, what it translates and who may read it stay too.
        language: None,
        translation_of: None,
        access: None,
        // Whether it is a live blog is not content either.
        live: None,
    }
}

/// A story in the trash, by id or slug: 404 when there is no such story, 409 when it
/// exists but is not in the trash (there is nothing to take out).
pub fn find_trashed(conn: &mut DbConn, key: &str) -> AppResult<ArticleRow> {
    let rows: Vec<ArticleRow> = articles::table
        .filter(articles::id.eq(key).or(articles::slug.eq(key)))
        .select(ArticleRow::as_select())
        .load(conn)?;
    if let Some(trashed) = rows.iter().find(|r| r.deleted_at.is_some()) {
        return Ok(trashed.clone());
    }
    if rows.is_empty() {
        return Err(AppError::NotFound("article"));
    }
    Err(AppError::conflict("key", "the story is not in the trash"))
}
