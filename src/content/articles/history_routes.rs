//! Around a story: its revisions, the trash and backlinks.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get, post};

use super::db;
use super::input::VersionOnly;
use super::model::{ArticleLink, ArticleResponse, Formats, RevisionResponse, RevisionSummary};
use super::rules::Actor;
use super::{load, operations, relations, revisions};
use crate::auth::principal::{Editor, Reader, Writer};
use crate::error::AppResult;
use crate::http::cache::{self};
use crate::http::extract::{Json, Query};
use crate::state::AppState;

/// A story's history, newest first: every save and state change, who and when.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The revisions", body = Vec<RevisionSummary>),
        (status = 404, description = "No such story"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/revisions")]
pub async fn list_revisions(
    _: Reader,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    let list = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            revisions::revisions(conn, &row.id)
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &list, None))
}

/// One revision, with the story as it was then.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("number" = i32, Path, description = "Revision number"),
    ),
    responses(
        (status = 200, description = "The revision", body = RevisionResponse),
        (status = 404, description = "No such story or revision"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/revisions/{number}")]
pub async fn get_revision(
    _: Reader,
    req: HttpRequest,
    path: Path<(String, i32)>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (key, number) = path.into_inner();
    let media = state.media.clone();
    let revision = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            let (summary, snapshot) = revisions::revision(conn, &row.id, number)?;
            let relations = revisions::snapshot_relations(conn, &snapshot, &media)?;
            let formats = Formats {
                blocks: true,
                html: true,
                text: true,
            };
            let mut article = ArticleResponse::new(snapshot.article, relations, formats);
            // Photos and "Also Read" targets as they are now, like every other read.
            relations::hydrate_related(conn, std::slice::from_mut(&mut article), &media)?;
            Ok(RevisionResponse { summary, article })
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &revision, None))
}

/// Which revision a diff compares against.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier revision (default: the one before).
    pub against: Option<i32>,
}

/// What changed from revision `against` (default the one before) to revision
/// `number`: field by field, and the body block by block with changed words marked.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("number" = i32, Path, description = "Revision number"),
        DiffQuery,
    ),
    responses(
        (status = 200, description = "The differences", body = super::diff::RevisionDiff),
        (status = 404, description = "No such story or revision"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/revisions/{number}/diff")]
pub async fn diff_revisions(
    _: Reader,
    req: HttpRequest,
    path: Path<(String, i32)>,
    query: Query<DiffQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (key, number) = path.into_inner();
    let against = query.0.against.unwrap_or(number.saturating_sub(1));
    let diff = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            let (_, after) = revisions::revision(conn, &row.id, number)?;
            let (_, before) = revisions::revision(conn, &row.id, against)?;
            Ok(super::diff::compare(against, &before, number, &after))
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &diff, None))
}

/// Restores the content of an earlier revision (headline, body, relations…) as a new
/// versioned save; slug and publication state stay as they are.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("number" = i32, Path, description = "Revision number"),
    ),
    request_body = VersionOnly,
    responses(
        (status = 200, description = "Restored (recorded as a new revision)", body = ArticleResponse),
        (status = 404, description = "No such story or revision"),
        (status = 412, description = "Stale version; carries `current_version`"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/revisions/{number}/restore")]
pub async fn restore_revision(
    who: Writer,
    req: HttpRequest,
    path: Path<(String, i32)>,
    body: Json<VersionOnly>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let (key, number) = path.into_inner();
    let actor = Actor::of(&who.principal);
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let current = db::get(conn, &key)?;
            actor.may_edit(&current)?;
            let row = operations::restore(
                conn,
                current,
                expected,
                number,
                actor.user_id.as_deref(),
                &media,
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

/// Takes a story out of the trash (editors).
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "Back from the trash, in the state it had", body = ArticleResponse),
        (status = 404, description = "No such story"),
        (status = 409, description = "The story is not in the trash"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles/{key}/untrash")]
pub async fn untrash_article(
    who: Editor,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    let user = who.principal.user_id();
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let trashed = revisions::find_trashed(conn, &key)?;
            let row = operations::untrash(conn, &trashed, user.as_deref())?;
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

/// Stories whose body links here ("Also Read"): check before unpublishing.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "Linking stories, most recently updated first", body = Vec<ArticleLink>),
        (status = 404, description = "No such story"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/backlinks")]
pub async fn article_backlinks(
    _: Reader,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    let links = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            Ok(load::backlinks(conn, &row.id)?
                .iter()
                .map(ArticleLink::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &links, None))
}

/// Registers these routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_revisions)
        .service(get_revision)
        .service(diff_revisions)
        .service(restore_revision)
        .service(untrash_article)
        .service(article_backlinks);
}
