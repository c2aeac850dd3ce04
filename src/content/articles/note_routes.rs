//! `/articles/{key}/notes`: the desk's internal notes on a story (see `notes.rs`).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::notes::{self, CreateNote, NoteResponse, UpdateNote};
use super::rules::Actor;
use crate::auth::principal::{AnyUser, Reader};
use crate::error::AppResult;
use crate::http::cache;
use crate::http::extract::Json;
use crate::state::AppState;

/// A story's internal notes, oldest first; threads by `parent_id`. Never public.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The notes", body = Vec<NoteResponse>),
        (status = 404, description = "No such story"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/notes")]
pub async fn list_notes(
    _: Reader,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    let list = state
        .db
        .read(move |conn| {
            let story = db::get(conn, &key)?;
            notes::list(conn, &story.id)
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &list, None))
}

/// Writes a note (or, with `parent_id`, a reply). Any signed-in person.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body = CreateNote,
    responses(
        (status = 201, description = "Written", body = NoteResponse),
        (status = 404, description = "No such story"),
    ),
    security(("bearer" = []))
)]
#[post("/articles/{key}/notes")]
pub async fn create_note(
    who: AnyUser,
    req: HttpRequest,
    key: Path<String>,
    body: Json<CreateNote>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let user = who.principal.user_id().unwrap_or_default();
    let key = key.into_inner();
    let note = state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            notes::create(conn, &story.id, &user, body.0)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &note,
        Some(note.version),
    ))
}

/// Edits a note (versioned): its writer the text, editors `resolved`.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("id" = String, Path, description = "Note id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateNote,
    responses(
        (status = 200, description = "Saved", body = NoteResponse),
        (status = 404, description = "No such story or note"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []))
)]
#[patch("/articles/{key}/notes/{id}")]
pub async fn update_note(
    who: AnyUser,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Json<UpdateNote>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let actor = Actor::of(&who.principal);
    let (key, id) = path.into_inner();
    let note = state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            let user = actor.user_id.as_deref();
            notes::update(
                conn,
                &story.id,
                &id,
                user,
                actor.is_editor(),
                expected,
                body.0,
            )
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &note,
        Some(note.version),
    ))
}

/// Deletes a note (its writer); one with replies is resolved instead (409).
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("id" = String, Path, description = "Note id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such story or note"),
        (status = 409, description = "The note has replies"),
    ),
    security(("bearer" = []))
)]
#[delete("/articles/{key}/notes/{id}")]
pub async fn delete_note(
    who: AnyUser,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let user = who.principal.user_id();
    let (key, id) = path.into_inner();
    state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            notes::delete(conn, &story.id, &id, user.as_deref())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
