//! `/articles/{key}/working-copy`: edits to a live story prepared out of sight, then
//! published onto it or discarded (see `working_copies.rs`).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use serde_json::{Map, Value};

use super::db;
use super::model::{Action, ArticleResponse};
use super::operations;
use super::relations;
use super::rules::Actor;
use super::working_copies::{self, PublishCopy, WorkingCopy};
use crate::auth::principal::Writer;
use crate::error::AppResult;
use crate::http::cache;
use crate::http::extract::Json;
use crate::state::AppState;

/// Starts a working copy of a live story, from the story as it is.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 201, description = "The working copy", body = WorkingCopy),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story is not live, or already has a working copy"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/working-copy")]
pub async fn create_working_copy(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let copy = state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            actor.may_edit(&story)?;
            working_copies::create(conn, &story, actor.user_id.as_deref())
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &copy,
        Some(copy.version),
    ))
}

/// The working copy of a story.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The working copy", body = WorkingCopy),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story has no working copy"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[get("/articles/{key}/working-copy")]
pub async fn get_working_copy(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let copy = state
        .db
        .read(move |conn| {
            let story = db::get(conn, &key)?;
            actor.may_edit(&story)?;
            working_copies::get(conn, &story.id)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &copy,
        Some(copy.version),
    ))
}

/// Edits the working copy (versioned), with a story edit's content fields.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = super::working_copies::CopyEdit,
    responses(
        (status = 200, description = "Saved", body = WorkingCopy),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story has no working copy"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/articles/{key}/working-copy")]
pub async fn update_working_copy(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<Map<String, Value>>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let sent = body.0.get("version").and_then(Value::as_i64);
    let expected = cache::expected_version(&req, sent)?;
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let changes = body.0;
    let copy = state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            actor.may_edit(&story)?;
            working_copies::save(conn, &story.id, expected, changes)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &copy,
        Some(copy.version),
    ))
}

/// Publishes the working copy onto the live story as one new revision (with an
/// optional public correction), and drops the copy.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body = PublishCopy,
    responses(
        (status = 200, description = "The live story, updated", body = ArticleResponse),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story has no working copy, or the live story changed since it was made"),
        (status = 412, description = "Stale working-copy version; carries `current_version`"),
        (status = 423, description = "Someone else holds the story's edit lock"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/working-copy/publish")]
pub async fn publish_working_copy(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<PublishCopy>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let correction = body.0.correction;
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            actor.may_publish(&story)?;
            super::locks::check_save(conn, &story.id, actor.user_id.as_deref())?;
            let edit = working_copies::take_for_publishing(conn, &story, expected, correction)?;
            let version = story.version;
            let row = operations::save(
                conn,
                story,
                version,
                edit.parse()?,
                actor.user_id.as_deref(),
                &media,
                Action::PublishWorkingCopy,
            )?;
            relations::editor_response(conn, row, &media)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &article,
        Some(article.version),
    ))
}

/// Discards the working copy; the live story stays as it is.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 204, description = "Discarded"),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story has no working copy"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/articles/{key}/working-copy")]
pub async fn discard_working_copy(
    who: Writer,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            actor.may_edit(&story)?;
            working_copies::discard(conn, &story.id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers these routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_working_copy)
        .service(get_working_copy)
        .service(update_working_copy)
        .service(publish_working_copy)
        .service(discard_working_copy);
}
