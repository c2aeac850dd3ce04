//! `/authors`: public reads, editor writes.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::model::{AuthorInput, AuthorResponse, AuthorRow, CreateAuthor, UpdateAuthor};
use crate::auth::principal::{Editor, MaybeAuth};
use crate::content::articles::listing::CountBy;
use crate::content::catalog::{self, Catalog, Paged};
use crate::content::keys::{self, Keys};
use crate::error::{AppError, AppResult};
use crate::http::cache;
use crate::http::extract::{Json, Query};
use crate::http::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::store::DbConn;

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
    catalog::list::<Authors>(&req, params.0, &state).await
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
    catalog::get::<Authors>(&req, slug.into_inner(), &state).await
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
    catalog::create::<Authors>(&req, body.0.parse()?, &state).await
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
    catalog::update::<Authors>(&req, slug.into_inner(), expected, input, &state).await
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
    catalog::delete::<Authors>(slug.into_inner(), &state).await
}

/// Authors, as the shared catalogue handlers read and write them.
pub struct Authors;

impl Catalog for Authors {
    type Row = AuthorRow;
    type Response = AuthorResponse;
    type Create = AuthorInput;
    type Update = AuthorInput;

    fn id(shown: &AuthorResponse) -> &str {
        &shown.id
    }
    fn version(shown: &AuthorResponse) -> i64 {
        shown.version
    }
    fn keys(id: &str, keys: &mut Keys) {
        keys.add(keys::author(id)).add(keys::author_articles(id));
    }
    fn get(conn: &mut DbConn, key: &str) -> AppResult<AuthorRow> {
        db::get(conn, key)
    }
    fn show(conn: &mut DbConn, row: AuthorRow) -> AppResult<AuthorResponse> {
        let mut shown = Self::show_all(conn, vec![row])?;
        shown.pop().ok_or(AppError::NotFound("author"))
    }
    fn insert(conn: &mut DbConn, input: AuthorInput) -> AppResult<AuthorRow> {
        db::insert(conn, input)
    }
    fn update(
        conn: &mut DbConn,
        key: &str,
        expected: i64,
        input: AuthorInput,
    ) -> AppResult<AuthorRow> {
        db::update(conn, key, expected, input)
    }
    fn delete(conn: &mut DbConn, key: &str) -> AppResult<()> {
        db::delete(conn, key)
    }
}

impl Paged for Authors {
    const LIST_KEY: &'static str = keys::AUTHORS;
    fn slug(row: &AuthorRow) -> String {
        row.slug.clone()
    }
    fn page(conn: &mut DbConn, after: Option<String>, limit: i64) -> AppResult<Vec<AuthorRow>> {
        db::list(conn, after, limit)
    }
    fn show_all(conn: &mut DbConn, rows: Vec<AuthorRow>) -> AppResult<Vec<AuthorResponse>> {
        catalog::counted(conn, CountBy::Author, rows, |r| &r.id, AuthorResponse::new)
    }
}

/// Registers the author routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_authors)
        .service(get_author)
        .service(create_author)
        .service(update_author)
        .service(delete_author);
}
