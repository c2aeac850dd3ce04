//! Live-blog entries in the store: written by the desk (each change takes the story's
//! next event number), read as a timeline and as the events after a number.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{
    CreateEntry, EntriesPage, EntryEvent, EntryResponse, MAX_ENTRY_BLOCKS, UpdateEntry,
};
use crate::content::Summary;
use crate::content::articles::blocks::{self, Block};
use crate::content::articles::listing;
use crate::content::articles::live;
use crate::content::articles::model::ArticleRow;
use crate::content::articles::prepare::render_body;
use crate::content::keys;
use crate::content::parse_text;
use crate::error::{AppError, AppResult, Errors};
use crate::http::pagination::{Page, decode_cursor};
use crate::http::utc;
use crate::media::files::MediaStore;
use crate::store::invalidation::invalidate;
use crate::store::schema::{authors, live_entries};
use crate::store::{DbConn, check_version, new_id, now, versioned};

/// The most entries the `pinned` list of a page holds.
const MAX_PINNED: i64 = 20;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = live_entries)]
pub struct EntryRow {
    pub id: String,
    pub article_id: String,
    pub headline: String,
    pub body: String,
    pub body_html: String,
    pub key_event: bool,
    pub pinned: bool,
    pub authors: String,
    pub created_by: Option<String>,
    pub version: i64,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_seq: i64,
    pub seq: i64,
}

/// A change to an entry, as a stream tells it.
pub struct Change {
    pub seq: i64,
    pub kind: EntryEvent,
    pub entry_id: String,
    /// The entry as it now is (`None` once deleted).
    pub entry: Option<EntryResponse>,
}

/// The keyset position in a timeline: publish time, then id, newest first.
#[derive(Serialize, Deserialize)]
struct After(NaiveDateTime, String);

fn checked_body(blocks: Vec<Block>, errors: &mut Errors) -> Vec<Block> {
    if blocks.is_empty() {
        errors.add("body", "must hold at least one block");
    }
    if blocks.len() > MAX_ENTRY_BLOCKS {
        errors.add("body", format!("at most {MAX_ENTRY_BLOCKS} blocks"));
    }
    blocks
        .into_iter()
        .enumerate()
        .map(|(i, b)| b.clean(i, errors))
        .collect()
}

fn checked_headline(raw: &str, errors: &mut Errors) -> Option<String> {
    errors.check("headline", parse_text(raw, 300))
}

/// Author ids for slugs or ids; unknown ones are errors naming `authors[i]`.
fn resolve_authors(
    conn: &mut DbConn,
    keys: &[String],
    errors: &mut Errors,
) -> AppResult<Vec<String>> {
    if keys.len() > 10 {
        errors.add("authors", "at most 10 authors");
    }
    let mut ids: Vec<String> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match crate::content::authors::db::get(conn, key) {
            Ok(a) if ids.contains(&a.id) => errors.add(format!("authors[{i}]"), "is listed twice"),
            Ok(a) => ids.push(a.id),
            Err(AppError::NotFound(_)) => {
                errors.add(format!("authors[{i}]"), format!("no author '{key}'"))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ids)
}

/// Entries may be posted on a live blog only.
fn ensure_live(conn: &mut DbConn, story: &ArticleRow) -> AppResult<()> {
    if live::get(conn, &story.id)?.is_none() {
        return Err(AppError::Conflict {
            detail: "this story is not a live blog: set `live` to {\"state\": \"live\"} first"
                .into(),
            field: Some("live".into()),
        });
    }
    Ok(())
}

/// What readers of the story are told of a change: the caches holding its entries
/// drop them, and webhooks hear of it while the story is public.
fn announce(
    conn: &mut DbConn,
    story: &ArticleRow,
    kind: EntryEvent,
    entry: serde_json::Value,
) -> AppResult<()> {
    invalidate([keys::entries(&story.id)]);
    if story.is_public(now()) {
        crate::webhooks::outbox::enqueue(
            conn,
            kind.webhook(),
            serde_json::json!({
                "article": {"id": story.id, "slug": story.slug, "headline": story.headline},
                "entry": entry,
            }),
        )?;
    }
    Ok(())
}

/// Posts an entry on `story` (a live blog).
pub fn create(
    conn: &mut DbConn,
    story: &ArticleRow,
    who: Option<&str>,
    input: CreateEntry,
    media: &MediaStore,
) -> AppResult<EntryResponse> {
    ensure_live(conn, story)?;
    let mut errors = Errors::default();
    let mut body = checked_body(input.body, &mut errors);
    let headline = input
        .headline
        .and_then(|h| checked_headline(&h, &mut errors))
        .unwrap_or_default();
    let authors = resolve_authors(conn, &input.authors.unwrap_or_default(), &mut errors)?;
    let rendered = render_body(conn, &story.id, &mut body, "", media, &mut errors)?;
    errors.finish()?;
    let seq = live::next_seq(conn, &story.id)?;
    let at = now();
    let id = new_id();
    diesel::insert_into(live_entries::table)
        .values((
            live_entries::id.eq(&id),
            live_entries::article_id.eq(story.id.as_str()),
            live_entries::headline.eq(&headline),
            live_entries::body.eq(to_json(&body)?),
            live_entries::body_html.eq(&rendered.html),
            live_entries::key_event.eq(input.key_event.unwrap_or(false)),
            live_entries::pinned.eq(input.pinned.unwrap_or(false)),
            live_entries::authors.eq(to_json(&authors)?),
            live_entries::created_by.eq(who),
            live_entries::version.eq(1),
            live_entries::published_at.eq(at),
            live_entries::updated_at.eq(at),
            live_entries::created_seq.eq(seq),
            live_entries::seq.eq(seq),
        ))
        .execute(conn)?;
    let row = one(conn, &story.id, &id)?;
    let entry = shown(conn, row)?;
    announce(conn, story, EntryEvent::Created, to_value(&entry)?)?;
    Ok(entry)
}

/// Edits an entry if it is still at `expected`.
pub fn update(
    conn: &mut DbConn,
    story: &ArticleRow,
    id: &str,
    expected: i64,
    input: UpdateEntry,
    media: &MediaStore,
) -> AppResult<EntryResponse> {
    let current = one(conn, &story.id, id)?;
    let mut errors = Errors::default();
    let body = input.body.map(|b| checked_body(b, &mut errors));
    let headline = input
        .headline
        .map(|h| checked_headline(&h, &mut errors).unwrap_or_default());
    let authors = match &input.authors {
        Some(keys) => Some(resolve_authors(conn, keys, &mut errors)?),
        None => None,
    };
    let (body, html) = match body {
        Some(mut body) => {
            let rendered = render_body(conn, &story.id, &mut body, "", media, &mut errors)?;
            (to_json(&body)?, rendered.html)
        }
        None => (current.body.clone(), current.body_html.clone()),
    };
    errors.finish()?;
    check_version(current.version, expected)?;
    let seq = live::next_seq(conn, &story.id)?;
    versioned(
        conn,
        |c| {
            diesel::update(
                live_entries::table
                    .filter(live_entries::id.eq(id))
                    .filter(live_entries::version.eq(expected)),
            )
            .set((
                live_entries::headline.eq(headline.clone().unwrap_or(current.headline.clone())),
                live_entries::body.eq(&body),
                live_entries::body_html.eq(&html),
                live_entries::key_event.eq(input.key_event.unwrap_or(current.key_event)),
                live_entries::pinned.eq(input.pinned.unwrap_or(current.pinned)),
                live_entries::authors.eq(match &authors {
                    Some(ids) => to_json(ids).unwrap_or_else(|_| current.authors.clone()),
                    None => current.authors.clone(),
                }),
                live_entries::version.eq(expected + 1),
                live_entries::updated_at.eq(now()),
                live_entries::seq.eq(seq),
            ))
            .execute(c)
        },
        |c| {
            live_entries::table
                .filter(live_entries::id.eq(id))
                .select(live_entries::version)
                .first(c)
        },
    )?;
    let row = one(conn, &story.id, id)?;
    let entry = shown(conn, row)?;
    announce(conn, story, EntryEvent::Updated, to_value(&entry)?)?;
    Ok(entry)
}

/// Deletes an entry: it leaves the timeline and a tombstone tells streams.
pub fn delete(conn: &mut DbConn, story: &ArticleRow, id: &str) -> AppResult<()> {
    one(conn, &story.id, id)?;
    let seq = live::next_seq(conn, &story.id)?;
    let at = now();
    diesel::update(live_entries::table.filter(live_entries::id.eq(id)))
        .set((
            live_entries::deleted_at.eq(at),
            live_entries::updated_at.eq(at),
            live_entries::pinned.eq(false),
            live_entries::seq.eq(seq),
        ))
        .execute(conn)?;
    announce(
        conn,
        story,
        EntryEvent::Deleted,
        serde_json::json!({ "id": id }),
    )
}

/// One entry of the story that is not deleted.
fn one(conn: &mut DbConn, article: &str, id: &str) -> AppResult<EntryRow> {
    live_entries::table
        .filter(live_entries::article_id.eq(article))
        .filter(live_entries::id.eq(id))
        .filter(live_entries::deleted_at.is_null())
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("entry"))
}

fn shown(conn: &mut DbConn, row: EntryRow) -> AppResult<EntryResponse> {
    responses(conn, vec![row])?
        .pop()
        .ok_or_else(|| AppError::internal("an entry vanished"))
}

/// Rows as the API shows them: bylines named, "Also Read" links as they now are (the
/// public stories; a link to one that is not public reads as unavailable).
pub fn responses(conn: &mut DbConn, rows: Vec<EntryRow>) -> AppResult<Vec<EntryResponse>> {
    let bylines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.authors).unwrap_or_default())
        .collect();
    let mut ids: Vec<&str> = bylines.iter().flatten().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let people: Vec<(String, String, String)> = if ids.is_empty() {
        Vec::new()
    } else {
        authors::table
            .filter(authors::id.eq_any(&ids))
            .select((authors::id, authors::slug, authors::name))
            .load(conn)?
    };
    let mut targets: Vec<String> = Vec::new();
    for row in &rows {
        let mut html = row.body_html.as_str();
        while let Some(at) = html.find(blocks::RELATED_MARK) {
            let rest = &html[at + blocks::RELATED_MARK.len()..];
            targets.extend(rest.split('"').next().map(str::to_owned));
            html = rest;
        }
    }
    targets.sort();
    targets.dedup();
    let links = listing::links(conn, &targets, now())?;
    let link = |id: &str| {
        links
            .iter()
            .find(|l| l.id.as_str() == id)
            .map(|l| (l.slug.clone(), l.headline.clone()))
    };
    Ok(rows
        .into_iter()
        .zip(bylines)
        .map(|(row, byline)| EntryResponse {
            authors: byline
                .iter()
                .filter_map(|id| people.iter().find(|(i, _, _)| i == id))
                .map(|(id, slug, name)| Summary {
                    id: id.clone(),
                    slug: slug.clone(),
                    name: name.clone(),
                })
                .collect(),
            body_html: blocks::hydrate_html(&row.body_html, &link),
            body: serde_json::from_str(&row.body).unwrap_or_default(),
            headline: (!row.headline.is_empty()).then_some(row.headline),
            key_event: row.key_event,
            pinned: row.pinned,
            published_at: utc(row.published_at),
            updated_at: utc(row.updated_at),
            version: row.version,
            id: row.id,
        })
        .collect())
}

/// The "Also Read" targets of entries (for surrogate keys).
pub fn linked<'a>(entries: impl Iterator<Item = &'a EntryResponse>) -> Vec<String> {
    let mut out: Vec<String> = entries
        .flat_map(|e| e.body.iter())
        .filter_map(|b| match b {
            Block::Related { article_id, .. } => Some(article_id.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A page of the story's timeline, newest first; `since` keeps the entries published
/// or edited after it. The pinned entries come apart, and `last_event_id` is the
/// story's event number read before the entries, so a stream opened from it repeats
/// at most what the page shows and misses nothing.
pub fn page(
    conn: &mut DbConn,
    article: &str,
    limit: i64,
    cursor: Option<&str>,
    since: Option<NaiveDateTime>,
) -> AppResult<EntriesPage> {
    let after: Option<After> = cursor.map(decode_cursor).transpose()?;
    let last = live::seq(conn, article)?;
    let mut query = live_entries::table
        .filter(live_entries::article_id.eq(article))
        .filter(live_entries::deleted_at.is_null())
        .select(EntryRow::as_select())
        .order((live_entries::published_at.desc(), live_entries::id.desc()))
        .limit(limit + 1)
        .into_boxed();
    if let Some(After(at, id)) = &after {
        query = query.filter(
            live_entries::published_at
                .lt(*at)
                .or(live_entries::published_at
                    .eq(*at)
                    .and(live_entries::id.lt(id.clone()))),
        );
    }
    if let Some(since) = since {
        query = query.filter(live_entries::updated_at.gt(since));
    }
    let rows: Vec<EntryRow> = query.load(conn)?;
    let pinned: Vec<EntryRow> = live_entries::table
        .filter(live_entries::article_id.eq(article))
        .filter(live_entries::deleted_at.is_null())
        .filter(live_entries::pinned.eq(true))
        .select(EntryRow::as_select())
        .order((live_entries::published_at.desc(), live_entries::id.desc()))
        .limit(MAX_PINNED)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| After(r.published_at, r.id.clone()), |r| r);
    // Both lists' bylines and links in one pass.
    let listed = page.data.len();
    let mut data = responses(conn, page.data.into_iter().chain(pinned).collect())?;
    let pinned = data.split_off(listed);
    Ok(EntriesPage {
        data,
        pinned,
        next_cursor: page.next_cursor,
        last_event_id: last,
    })
}

/// The newest entries of a story (feeds and structured data).
pub fn latest(conn: &mut DbConn, article: &str, limit: i64) -> AppResult<Vec<EntryResponse>> {
    let rows: Vec<EntryRow> = live_entries::table
        .filter(live_entries::article_id.eq(article))
        .filter(live_entries::deleted_at.is_null())
        .select(EntryRow::as_select())
        .order((live_entries::published_at.desc(), live_entries::id.desc()))
        .limit(limit)
        .load(conn)?;
    responses(conn, rows)
}

/// The changes to a story's entries after event `after`, oldest first (at most
/// `limit`): each entry once, as it now is, named by its latest event.
pub fn changes_after(
    conn: &mut DbConn,
    article: &str,
    after: i64,
    limit: i64,
) -> AppResult<Vec<Change>> {
    let rows: Vec<EntryRow> = live_entries::table
        .filter(live_entries::article_id.eq(article))
        .filter(live_entries::seq.gt(after))
        .select(EntryRow::as_select())
        .order(live_entries::seq)
        .limit(limit)
        .load(conn)?;
    let mut kinds: Vec<(i64, EntryEvent, String)> = Vec::with_capacity(rows.len());
    let mut living: Vec<EntryRow> = Vec::new();
    for row in rows {
        let kind = if row.deleted_at.is_some() {
            EntryEvent::Deleted
        } else if row.created_seq > after {
            EntryEvent::Created
        } else {
            EntryEvent::Updated
        };
        kinds.push((row.seq, kind, row.id.clone()));
        if kind != EntryEvent::Deleted {
            living.push(row);
        }
    }
    let mut shown = responses(conn, living)?.into_iter();
    Ok(kinds
        .into_iter()
        .map(|(seq, kind, entry_id)| Change {
            seq,
            kind,
            entry: if kind == EntryEvent::Deleted {
                None
            } else {
                shown.next()
            },
            entry_id,
        })
        .collect())
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

fn to_value<T: serde::Serialize>(value: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(AppError::internal)
}
