//! `/articles`: creating and saving stories (the reads are in `read_routes`), and the
//! registration of every `/articles` route.

use actix_web::http::{StatusCode, header};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, patch, post};

use super::db;
use super::input::{CreateArticle, UpdateArticle};
use super::model::{Action, ArticleResponse};
use super::operations;
use super::relations;
use super::rules::Actor;
use crate::auth::principal::Writer;
use crate::error::AppResult;
use crate::http::cache;
use crate::http::extract::Json;
use crate::state::AppState;

/// Creates a draft. Contributors and up (or a `content:write` key).
#[utoipa::path(
    tag = "articles",
    request_body = CreateArticle,
    responses(
        (status = 201, description = "Created as a draft", body = ArticleResponse),
        (status = 409, description = "The slug is taken"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles")]
pub async fn create_article(
    who: Writer,
    req: HttpRequest,
    body: Json<CreateArticle>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse()?;
    if input.assignees.is_some() {
        Actor::of(&who.principal).may_assign()?;
    }
    let user = who.principal.user_id();
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let row = operations::create(conn, input, user.as_deref(), &media)?;
            relations::editor_response(conn, row, &media)
        })
        .await?;
    let mut response = cache::private(&req, StatusCode::CREATED, &article, Some(article.version));
    if let Ok(location) = header::HeaderValue::from_str(&format!("/api/v1/articles/{}", article.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Edits a story (versioned). Every save keeps a revision; a new slug leaves the old
/// one redirecting.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateArticle,
    responses(
        (status = 200, description = "Saved", body = ArticleResponse),
        (status = 404, description = "No such story"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 423, description = "Someone else holds the edit lock; `lock` says who and until when"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/articles/{key}")]
pub async fn update_article(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<UpdateArticle>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let input = body.0.parse()?;
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let current = db::get(conn, &key)?;
            actor.may_edit(&current)?;
            if let Some(stage) = input.stage {
                actor.may_move(&current, stage)?;
            }
            if input.assignees.is_some() {
                actor.may_assign()?;
            }
            super::locks::check_save(conn, &current.id, actor.user_id.as_deref())?;
            let row = operations::save(
                conn,
                current,
                expected,
                input,
                actor.user_id.as_deref(),
                &media,
                Action::Update,
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

/// Registers the article routes: the list and a story first, as most requests are
/// theirs (see `routes::register`).
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(super::read_routes::list_articles)
        .service(super::read_routes::get_article);
    cfg.configure(super::history_routes::register);
    cfg.configure(super::preview_routes::register);
    cfg.configure(super::working_copy_routes::register);
    cfg.service(create_article)
        .service(update_article)
        .service(super::lifecycle_routes::publish_article)
        .service(super::lifecycle_routes::unpublish_article)
        .service(super::lifecycle_routes::delete_article)
        .service(super::lock_routes::take_lock)
        .service(super::lock_routes::release_lock)
        .service(super::note_routes::list_notes)
        .service(super::note_routes::create_note)
        .service(super::note_routes::update_note)
        .service(super::note_routes::delete_note);
}
