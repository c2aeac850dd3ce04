//! `/authors`: public reads, editor writes.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::model::{AuthorResponse, CreateAuthor, UpdateAuthor};
use crate::auth::principal::{Editor, MaybeAuth};
use crate::content::articles::listing::{CountBy, counts};
use crate::content::keys::{self, Keys};
use crate::error::AppResult;
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

/// Lists authors alphabetically by slug.
#[utoipa::path(
    tag = "authors",
    params(PageParams),
    responses((status = 200, description = "A page of authors", body = Page<AuthorResponse>)),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/authors")]
pub async fn list_authors(
    _: MaybeAuth,
    req: HttpRequest,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let limit = params.0.limit()?;
    let after: Option<String> = params.0.after()?;
    let rows = state
        .db
        .read(move |conn| {
            let rows = db::list(conn, after, limit)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let counts = counts(conn, CountBy::Author, &ids)?;
            Ok((rows, counts))
        })
        .await?;
    let (rows, counts) = rows;
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.slug.clone(),
        |r| {
            let n = counts.get(&r.id).copied().unwrap_or(0);
            AuthorResponse::new(r, n)
        },
    );
    let mut keys = Keys::new();
    keys.add(keys::AUTHORS);
    for a in &page.data {
        keys.add(keys::author(&a.id))
            .add(keys::author_articles(&a.id));
    }
    let response = pagination::respond(&req, &page, Visibility::for_request(&req, true));
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// One author, by slug or id.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "Author slug or id")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        (status = 404, description = "No such author"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/authors/{slug}")]
pub async fn get_author(
    _: MaybeAuth,
    req: HttpRequest,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = slug.into_inner();
    let (row, count) = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            let n = counts(conn, CountBy::Author, std::slice::from_ref(&row.id))?;
            let count = n.get(&row.id).copied().unwrap_or(0);
            Ok((row, count))
        })
        .await?;
    let version = row.version;
    let body = AuthorResponse::new(row, count);
    let mut keys = Keys::new();
    keys.add(keys::author(&body.id))
        .add(keys::author_articles(&body.id));
    let response = cache::json(
        &req,
        StatusCode::OK,
        &body,
        Visibility::for_request(&req, true),
        Some(version),
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// Creates an author; the slug is derived from the name unless given.
#[utoipa::path(
    tag = "authors",
    request_body = CreateAuthor,
    responses(
        (status = 201, description = "Created", body = AuthorResponse),
        (status = 409, description = "The slug is taken"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/authors")]
pub async fn create_author(
    _: Editor,
    req: HttpRequest,
    body: Json<CreateAuthor>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse()?;
    let row = state.db.write(move |conn| db::insert(conn, input)).await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &AuthorResponse::new(row, 0),
        Some(version),
    ))
}

/// Renames an author or changes its slug or description (versioned).
#[utoipa::path(
    tag = "authors",
    params(
        ("slug" = String, Path, description = "Author slug or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateAuthor,
    responses(
        (status = 200, description = "Updated", body = AuthorResponse),
        (status = 404, description = "No such author"),
        (status = 409, description = "The slug is taken"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/authors/{slug}")]
pub async fn update_author(
    _: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<UpdateAuthor>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let input = body.0.parse()?;
    let key = slug.into_inner();
    let row = state
        .db
        .write(move |conn| db::update(conn, &key, expected, input))
        .await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &AuthorResponse::new(row, 0),
        Some(version),
    ))
}

/// Deletes an author.
#[utoipa::path(
    tag = "authors",
    params(("slug" = String, Path, description = "Author slug or id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such author"),
        (status = 409, description = "Stories still use it (their revisions too); remove it from them first"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/authors/{slug}")]
pub async fn delete_author(
    _: Editor,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = slug.into_inner();
    state.db.write(move |conn| db::delete(conn, &key)).await?;
    Ok(cache::no_content())
}

/// Registers the author routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_authors)
        .service(get_author)
        .service(create_author)
        .service(update_author)
        .service(delete_author);
}
