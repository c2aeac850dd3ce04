//! Preview links (see `previews.rs`): issued, listed and revoked on a story, redeemed
//! without a login.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, post};

use super::db;
use super::input::FormatsQuery;
use super::model::{ArticleResponse, Formats, Include};
use super::previews::{self, PreviewLink, PreviewRequest, PreviewResponse};
use super::relations;
use super::rules::Actor;
use crate::auth::principal::Writer;
use crate::error::AppResult;
use crate::http::cache;
use crate::http::extract::{Query, optional_json};
use crate::state::AppState;

/// A read-only link to this story (in any state) for a front end on another domain;
/// redeeming it needs no login. It lives `expires_in_hours` (default 24), is listed on
/// the story, can be revoked, and dies with its issuer's account.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    request_body(content = PreviewRequest, description = "Optional"),
    responses(
        (status = 201, description = "The preview link (its token is shown only now)", body = PreviewResponse),
        (status = 404, description = "No such story"),
        (status = 409, description = "`working_copy` asked for, and the story has none"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/preview")]
pub async fn preview_article(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Bytes,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let request: PreviewRequest = optional_json(&body)?;
    let key = key.into_inner();
    let actor = Actor::of(&who.principal);
    let link = state
        .db
        .write(move |conn| {
            let row = db::get(conn, &key)?;
            actor.may_edit(&row)?;
            if request.working_copy {
                super::working_copies::get(conn, &row.id)?;
            }
            previews::issue(conn, &row.id, actor.user_id.as_deref(), request)
        })
        .await?;
    Ok(cache::private(&req, StatusCode::CREATED, &link, None))
}

/// The story's live preview links, newest first (without their tokens).
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The links", body = Vec<PreviewLink>),
        (status = 404, description = "No such story"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[get("/articles/{key}/previews")]
pub async fn list_previews(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    let actor = Actor::of(&who.principal);
    let links = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            actor.may_edit(&row)?;
            previews::list(conn, &row.id)
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &links, None))
}

/// Revokes a preview link (its issuer, or an editor): it stops working at once.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("id" = String, Path, description = "Preview link id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such story or link"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/articles/{key}/previews/{id}")]
pub async fn revoke_preview(
    who: Writer,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (key, id) = path.into_inner();
    let actor = Actor::of(&who.principal);
    state
        .db
        .write(move |conn| {
            let row = db::get(conn, &key)?;
            let user = actor.user_id.as_deref();
            previews::revoke(conn, &row.id, &id, user, actor.is_editor())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Redeems a preview token: the story as it is now, whatever its state.
#[utoipa::path(
    tag = "articles",
    params(("token" = String, Path, description = "From POST /articles/{key}/preview"), FormatsQuery),
    responses(
        (status = 200, description = "The story", body = ArticleResponse),
        (status = 404, description = "The link is invalid, revoked or has expired, or the story is gone"),
    ),
    security(())
)]
#[get("/preview/{token}")]
pub async fn redeem_preview(
    req: HttpRequest,
    token: Path<String>,
    query: Query<FormatsQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let formats = Formats::parse(query.0.formats.as_deref())?;
    let include = Include::parse(query.0.include.as_deref())?;
    let token = token.into_inner();
    let media = state.media.clone();
    let article = state
        .db
        .read(move |conn| {
            let (id, copy) = previews::redeem(conn, &token)?;
            let row = db::get(conn, &id)?;
            let article = if copy {
                super::working_copies::preview(conn, row, formats, &media)?
            } else {
                relations::story_response(conn, row, formats, &media)?
            };
            let mut article = [article];
            super::include::expand(conn, &mut article, include, &media)?;
            let [article] = article;
            Ok(article)
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &article, None))
}

/// Registers these routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(preview_article)
        .service(list_previews)
        .service(revoke_preview)
        .service(redeem_preview);
}
