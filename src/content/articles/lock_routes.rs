//! `/articles/{key}/lock`: the soft edit lock an editing client takes, renews and gives
//! up (see `locks.rs`).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, post};
use serde::Deserialize;
use utoipa::ToSchema;

use super::db;
use super::locks;
use super::model::EditLock;
use super::rules::Actor;
use crate::auth::principal::Writer;
use crate::error::{AppError, AppResult};
use crate::http::cache;
use crate::http::extract::optional_json;
use crate::state::AppState;

/// `POST /articles/{key}/lock`; the body is optional (none takes or renews).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LockRequest {
    /// Editors: take the lock from whoever holds it (they are told at their next save).
    #[serde(default)]
    pub takeover: bool,
}

/// The person behind a write: locks belong to people, not API keys.
fn person(actor: &Actor) -> AppResult<String> {
    actor.user_id.clone().ok_or_else(|| {
        AppError::Forbidden("edit locks belong to signed-in people, not API keys".into())
    })
}

/// Takes or renews the edit lock (a heartbeat: renew well within two minutes).
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body(content = LockRequest, description = "Optional; `{\"takeover\": true}` for editors"),
    responses(
        (status = 200, description = "Yours until `expires_at` unless renewed", body = EditLock),
        (status = 404, description = "No such story"),
        (status = 423, description = "Someone else holds it; `lock` says who and until when"),
    ),
    security(("bearer" = []))
)]
#[post("/articles/{key}/lock")]
pub async fn take_lock(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Bytes,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let request: LockRequest = optional_json(&body)?;
    let actor = Actor::of(&who.principal);
    let user = person(&actor)?;
    let key = key.into_inner();
    let hold = state.settings.edit_lock_hold;
    let lock = state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            actor.may_edit(&story)?;
            locks::take(
                conn,
                &story.id,
                &user,
                request.takeover,
                actor.is_editor(),
                hold,
            )
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &lock, None))
}

/// Gives the edit lock up (its holder, or an editor).
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 204, description = "No lock now"),
        (status = 404, description = "No such story"),
        (status = 423, description = "Someone else holds it, and you are not an editor"),
    ),
    security(("bearer" = []))
)]
#[delete("/articles/{key}/lock")]
pub async fn release_lock(
    who: Writer,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let actor = Actor::of(&who.principal);
    let user = person(&actor)?;
    let key = key.into_inner();
    state
        .db
        .write(move |conn| {
            let story = db::get(conn, &key)?;
            locks::release(conn, &story.id, Some(&user), actor.is_editor())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
