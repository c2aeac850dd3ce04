//! `/articles/{key}/entries`: a live story's entries, posted by the desk, read by the
//! public as a page and followed as Server-Sent Events.

use std::collections::VecDeque;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use tokio::sync::broadcast::error::RecvError;

use super::db;
use super::hub::{Frame, LiveHub, frames_after};
use super::model::{
    CreateEntry, EntriesPage, EntriesQuery, EntryResponse, StreamQuery, UpdateEntry,
};
use crate::auth::principal::{Viewer, Writer};
use crate::content::articles::db as stories;
use crate::content::articles::load::{Lookup, lookup};
use crate::content::articles::model::ArticleRow;
use crate::content::articles::rules::Actor;
use crate::content::keys::{self, Keys};
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination;
use crate::state::AppState;
use crate::store::{Db, DbConn, now};

/// Who may post on a story: whoever may publish it, and the people assigned to it
/// (a live blog's reporters).
fn may_post(conn: &mut DbConn, actor: &Actor, story: &ArticleRow) -> AppResult<()> {
    if actor.may_publish(story).is_ok() {
        return Ok(());
    }
    let assigned = match &actor.user_id {
        Some(user) => stories::assignees_of(conn, &story.id)?.contains(user),
        None => false,
    };
    if assigned {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "entries are posted by whoever may publish the story, and its assignees".into(),
        ))
    }
}

/// The story an address names as its reader may see it, or where it moved.
fn visible(conn: &mut DbConn, key: &str, insider: bool) -> AppResult<Result<ArticleRow, String>> {
    match lookup(conn, key)? {
        Lookup::Found(row) if row.is_public(now()) || insider => Ok(Ok(*row)),
        Lookup::Found(_) => Err(AppError::NotFound("article")),
        Lookup::Moved(slug) => Ok(Err(slug)),
    }
}

/// A live story's entries, newest first, with keyset paging (`cursor`) and polling
/// (`since`); the pinned ones apart. `last_event_id` says where the event stream
/// picks up.
#[utoipa::path(
    tag = "live",
    params(("key" = String, Path, description = "Article id or slug"), EntriesQuery),
    responses(
        (status = 200, description = "A page of entries", body = EntriesPage,
            headers(("ETag" = String, description = "Strong validator of these bytes"))),
        (status = 301, description = "An old slug: the current address"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 404, description = "No such public story"),
        (status = 422, description = "A bad `limit`, `cursor` or `since`", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/entries")]
pub async fn list_entries(
    who: Viewer,
    req: HttpRequest,
    key: Path<String>,
    query: Query<EntriesQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let query = query.0;
    let limit = pagination::limit(query.limit, pagination::DEFAULT_LIMIT)?;
    let since = query.since.map(|t| t.naive_utc());
    let insider = who.insider;
    let key = key.into_inner();
    let found = state
        .db
        .read(move |conn| {
            let story = match visible(conn, &key, insider)? {
                Ok(story) => story,
                Err(slug) => return Ok(Err(slug)),
            };
            let public = story.is_public(now());
            let page = db::page(conn, &story.id, limit, query.cursor.as_deref(), since)?;
            Ok(Ok((story.id.to_string(), public, page)))
        })
        .await?;
    let (id, public, page) = match found {
        Ok(found) => found,
        Err(slug) => {
            return Ok(cache::moved(
                &req,
                &format!("/api/v1/articles/{slug}/entries"),
            ));
        }
    };
    let mut response = cache::json(
        &req,
        StatusCode::OK,
        &page,
        Visibility::for_request(&req, public),
        None,
    );
    if let Some(link) = (page.next_cursor.as_deref()).and_then(|c| pagination::next_link(&req, c))
        && let Ok(value) = HeaderValue::from_str(&link)
    {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(cache::surrogate_keys(
        response,
        &entry_keys(&id, page.data.iter().chain(&page.pinned)).header(),
    ))
}

/// The keys of a response showing a story's entries: the entries, the story's
/// visibility, the bylines and the "Also Read" targets.
pub fn entry_keys<'a>(id: &str, entries: impl Iterator<Item = &'a EntryResponse>) -> Keys {
    let mut keys = Keys::new();
    keys.add(keys::entries(id)).add(keys::article(id));
    let entries: Vec<&EntryResponse> = entries.collect();
    for entry in &entries {
        for a in &entry.authors {
            keys.add(keys::author(&a.id));
        }
    }
    for target in db::linked(entries.into_iter()) {
        keys.add(keys::link(&target));
    }
    keys
}

/// A stream's state: where it is, what it still has to send, and its broadcast.
struct Reader {
    db: Db,
    article: String,
    /// The last event number sent.
    last: i64,
    pending: VecDeque<Bytes>,
    receiver: tokio::sync::broadcast::Receiver<Frame>,
}

impl Reader {
    /// Queues the changes after `last` from the store (the backlog, or what a reader
    /// that fell behind the broadcast missed).
    async fn catch_up(&mut self) -> AppResult<()> {
        for frame in frames_after(&self.db, &self.article, self.last).await? {
            self.last = self.last.max(frame.seq);
            self.pending.push_back(frame.bytes);
        }
        Ok(())
    }

    /// The next bytes to send; `None` ends the stream (the reader reconnects with
    /// `Last-Event-ID` and loses nothing).
    async fn next(mut self) -> Option<(Result<Bytes, actix_web::Error>, Reader)> {
        loop {
            if let Some(bytes) = self.pending.pop_front() {
                return Some((Ok(bytes), self));
            }
            match self.receiver.recv().await {
                Ok(frame) if frame.seq == 0 => self.pending.push_back(frame.bytes),
                Ok(frame) if frame.seq > self.last => {
                    self.last = frame.seq;
                    self.pending.push_back(frame.bytes);
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    if self.catch_up().await.is_err() {
                        return None;
                    }
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// Follows a live story as Server-Sent Events (`text/event-stream`): `entry.created`,
/// `entry.updated` and `entry.deleted`, each with its event number as `id` and the
/// entry as JSON `data` (`{"id": …}` for a deletion), plus a heartbeat comment every
/// `DATELINE_LIVE_HEARTBEAT_SECS`. Resumes after `Last-Event-ID` (or
/// `?last_event_id=`) with every change since, each once; works on every instance.
#[utoipa::path(
    tag = "live",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("Last-Event-ID" = Option<i64>, Header, description = "The last event id received (sent by a reconnecting EventSource)"),
        StreamQuery,
    ),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String,
            example = json!("retry: 3000\n\nid: 42\nevent: entry.created\ndata: {\"id\":\"0190…\",\"headline\":\"Ferry services suspended\",…}\n\n: heartbeat\n\n")),
        (status = 301, description = "An old slug: the current address"),
        (status = 404, description = "No such public story"),
        (status = 422, description = "A bad `last_event_id` or `Last-Event-ID`", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/entries/stream")]
pub async fn stream_entries(
    who: Viewer,
    req: HttpRequest,
    key: Path<String>,
    query: Query<StreamQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let header_id = match req.headers().get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    AppError::invalid("Last-Event-ID", "must be an event id this stream sent")
                })?,
        ),
        None => None,
    };
    if query.0.last_event_id.is_some_and(|n| n < 0) {
        return Err(AppError::invalid("last_event_id", "must be 0 or more"));
    }
    let insider = who.insider;
    let key = key.into_inner();
    let found = state
        .db
        .read(move |conn| {
            let story = match visible(conn, &key, insider)? {
                Ok(story) => story,
                Err(slug) => return Ok(Err(slug)),
            };
            let current = crate::content::articles::live::seq(conn, &story.id)?;
            Ok(Ok((story.id.to_string(), current)))
        })
        .await?;
    let (article, current) = match found {
        Ok(found) => found,
        Err(slug) => {
            return Ok(cache::moved(
                &req,
                &format!("/api/v1/articles/{slug}/entries/stream"),
            ));
        }
    };
    // A number past the story's latest cannot be one it sent: start from now.
    let from = header_id
        .or(query.0.last_event_id)
        .unwrap_or(current)
        .min(current);
    let hub: Arc<LiveHub> = state.live.clone();
    let mut reader = Reader {
        db: state.db.clone(),
        receiver: hub.subscribe(&article, current),
        article,
        last: from,
        pending: VecDeque::from([Bytes::from_static(b"retry: 3000\n\n")]),
    };
    // Subscribed first, then the backlog: whatever commits in between comes both ways
    // and is sent once (by event number).
    if from < current {
        reader.catch_up().await?;
    }
    let body = futures_util::stream::unfold(reader, Reader::next);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Sent as it comes: no compression (which would hold events back) and no
        // buffering by a proxy in front.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// Posts an entry on a live story (whoever may publish the story, or is assigned to
/// it). Published at once; streams, caches and webhooks hear of it.
#[utoipa::path(
    tag = "live",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body = CreateEntry,
    responses(
        (status = 201, description = "Posted", body = EntryResponse),
        (status = 403, description = "Not allowed to post on this story"),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story is not a live blog (field `live`)"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/entries")]
pub async fn create_entry(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<CreateEntry>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let media = state.media.clone();
    let entry = state
        .db
        .write(move |conn| {
            let story = stories::get(conn, &key)?;
            may_post(conn, &actor, &story)?;
            db::create(conn, &story, actor.user_id.as_deref(), body.0, &media)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &entry,
        Some(entry.version),
    ))
}

/// Edits an entry (versioned).
#[utoipa::path(
    tag = "live",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateEntry,
    responses(
        (status = 200, description = "Saved", body = EntryResponse),
        (status = 403, description = "Not allowed to post on this story"),
        (status = 404, description = "No such story or entry"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/articles/{key}/entries/{id}")]
pub async fn update_entry(
    who: Writer,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Json<UpdateEntry>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let actor = Actor::of(&who.principal);
    let (key, id) = path.into_inner();
    let media = state.media.clone();
    let entry = state
        .db
        .write(move |conn| {
            let story = stories::get(conn, &key)?;
            may_post(conn, &actor, &story)?;
            db::update(conn, &story, &id, expected, body.0, &media)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &entry,
        Some(entry.version),
    ))
}

/// Deletes an entry: it leaves the timeline, and streams are told (`entry.deleted`).
#[utoipa::path(
    tag = "live",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("id" = String, Path, description = "Entry id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not allowed to post on this story"),
        (status = 404, description = "No such story or entry"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/articles/{key}/entries/{id}")]
pub async fn delete_entry(
    who: Writer,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let actor = Actor::of(&who.principal);
    let (key, id) = path.into_inner();
    state
        .db
        .write(move |conn| {
            let story = stories::get(conn, &key)?;
            may_post(conn, &actor, &story)?;
            db::delete(conn, &story, &id)
        })
        .await?;
    Ok(cache::no_content())
}

/// Registers these routes under `/api/v1`.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(stream_entries)
        .service(list_entries)
        .service(create_entry)
        .service(update_entry)
        .service(delete_entry);
}
