//! Moving a story through its states: publish (or schedule), unpublish, trash.

use actix_web::http::{StatusCode, header};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, post};

use super::db;
use super::input::{PublishRequest, VersionOnly};
use super::model::{ArticleResponse, ArticleRow};
use super::operations;
use super::relations;
use super::rules::Actor;
use crate::auth::principal::{Principal, Writer};
use crate::error::AppResult;
use crate::http::cache;
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::DbConn;

/// Runs a state change (an operation given the story, the expected version and who
/// acts) with the usual version and permission checks.
async fn change_state(
    principal: &Principal,
    req: &HttpRequest,
    key: String,
    version: Option<i64>,
    state: &AppState,
    operation: impl FnOnce(&mut DbConn, &ArticleRow, i64, Option<&str>) -> AppResult<ArticleRow>
    + Send
    + 'static,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(req, version)?;
    let actor = Actor::of(principal);
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let current = db::get(conn, &key)?;
            actor.may_publish(&current)?;
            let row = operation(conn, &current, expected, actor.user_id.as_deref())?;
            relations::editor_response(conn, row, &media)
        })
        .await?;
    Ok(cache::private(
        req,
        StatusCode::OK,
        &article,
        Some(article.version),
    ))
}

/// Publishes now, or schedules for a future `publish_at` (public from then on, with
/// no further request). Authors their own stories; editors any.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body = PublishRequest,
    responses(
        (status = 200, description = "Published or scheduled", body = ArticleResponse),
        (status = 404, description = "No such story"),
        (status = 409, description = "Approval required (`DATELINE_REQUIRE_APPROVAL`): the story is not an editor's and not at `ready_to_publish`"),
        (status = 412, description = "Stale version; carries `current_version`"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/publish")]
pub async fn publish_article(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<PublishRequest>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let PublishRequest {
        version,
        publish_at,
        unpublish_at,
    } = body.0;
    let publish_at = publish_at
        .map(|at| {
            crate::content::parse_instant(at)
                .map_err(|m| crate::error::AppError::invalid("publish_at", m))
        })
        .transpose()?;
    let unpublish_at = unpublish_at
        .map(|at| {
            super::input::future_instant(at)
                .map_err(|m| crate::error::AppError::invalid("unpublish_at", m))
        })
        .transpose()?;
    if let (Some(off), Some(on)) = (unpublish_at, publish_at)
        && off <= on
    {
        return Err(crate::error::AppError::invalid(
            "unpublish_at",
            "must be after publish_at",
        ));
    }
    let actor = Actor::of(&who.principal);
    let config = state.settings.clone();
    change_state(
        &who.principal,
        &req,
        key.into_inner(),
        version,
        &state,
        move |conn, current, expected, who| {
            let approval_required = crate::publication::db::load(conn, &config)?.require_approval;
            actor.may_publish_unapproved(current, approval_required)?;
            operations::publish(
                conn,
                current,
                expected,
                publish_at.map(|t| t.naive_utc()),
                unpublish_at.map(|t| t.naive_utc()),
                who,
            )
        },
    )
    .await
}

/// Takes a story back to draft: it disappears from the public at once.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body = VersionOnly,
    responses(
        (status = 200, description = "Back in draft", body = ArticleResponse),
        (status = 404, description = "No such story"),
        (status = 412, description = "Stale version; carries `current_version`"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/unpublish")]
pub async fn unpublish_article(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<VersionOnly>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    change_state(
        &who.principal,
        &req,
        key.into_inner(),
        body.0.version,
        &state,
        operations::unpublish,
    )
    .await
}

/// Moves a story to the trash (restorable). Send `If-Match` to guard against
/// trashing a version you have not seen.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read"),
    ),
    responses(
        (status = 204, description = "In the trash"),
        (status = 404, description = "No such story"),
        (status = 412, description = "Stale version; carries `current_version`"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/articles/{key}")]
pub async fn delete_article(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let if_match = req.headers().contains_key(header::IF_MATCH);
    let expected = if if_match {
        Some(cache::expected_version(&req, None)?)
    } else {
        None
    };
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    state
        .db
        .write(move |conn| {
            let current = db::get(conn, &key)?;
            actor.may_publish(&current)?;
            operations::trash(
                conn,
                &current,
                expected.unwrap_or(current.version),
                actor.user_id.as_deref(),
            )
        })
        .await?;
    Ok(cache::no_content())
}
