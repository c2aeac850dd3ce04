//! `/tags`: public reads, editor writes.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::model::{CreateTag, TagInput, TagResponse, TagRow, UpdateTag};
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

/// Lists tags alphabetically by slug.
#[utoipa::path(
    tag = "tags",
    params(PageParams),
    responses((status = 200, description = "A page of tags", body = Page<TagResponse>)),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/tags")]
pub async fn list_tags(
    _: MaybeAuth,
    req: HttpRequest,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::list::<Tags>(&req, params.0, &state).await
}

/// One tag, by slug or id.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "Tag slug or id")),
    responses(
        (status = 200, description = "The tag", body = TagResponse),
        (status = 404, description = "No such tag"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    _: MaybeAuth,
    req: HttpRequest,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::get::<Tags>(&req, slug.into_inner(), &state).await
}

/// Creates a tag; the slug is derived from the name unless given.
#[utoipa::path(
    tag = "tags",
    request_body = CreateTag,
    responses(
        (status = 201, description = "Created", body = TagResponse),
        (status = 409, description = "The slug is taken"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/tags")]
pub async fn create_tag(
    _: Editor,
    req: HttpRequest,
    body: Json<CreateTag>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::create::<Tags>(&req, body.0.parse()?, &state).await
}

/// Renames a tag or changes its slug or description (versioned).
#[utoipa::path(
    tag = "tags",
    params(
        ("slug" = String, Path, description = "Tag slug or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateTag,
    responses(
        (status = 200, description = "Updated", body = TagResponse),
        (status = 404, description = "No such tag"),
        (status = 409, description = "The slug is taken"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/tags/{slug}")]
pub async fn update_tag(
    _: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<UpdateTag>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let input = body.0.parse()?;
    catalog::update::<Tags>(&req, slug.into_inner(), expected, input, &state).await
}

/// Deletes a tag.
#[utoipa::path(
    tag = "tags",
    params(("slug" = String, Path, description = "Tag slug or id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such tag"),
        (status = 409, description = "Stories still use it (their revisions too); remove it from them first"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/tags/{slug}")]
pub async fn delete_tag(
    _: Editor,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::delete::<Tags>(slug.into_inner(), &state).await
}

/// Tags, as the shared catalogue handlers read and write them.
pub struct Tags;

impl Catalog for Tags {
    type Row = TagRow;
    type Response = TagResponse;
    type Create = (String, TagInput);
    type Update = TagInput;

    fn id(shown: &TagResponse) -> &str {
        &shown.id
    }
    fn version(shown: &TagResponse) -> i64 {
        shown.version
    }
    fn keys(id: &str, keys: &mut Keys) {
        keys.add(keys::tag(id)).add(keys::tag_articles(id));
    }
    fn get(conn: &mut DbConn, key: &str) -> AppResult<TagRow> {
        db::get(conn, key)
    }
    fn show(conn: &mut DbConn, row: TagRow) -> AppResult<TagResponse> {
        let mut shown = Self::show_all(conn, vec![row])?;
        shown.pop().ok_or(AppError::NotFound("tag"))
    }
    fn insert(conn: &mut DbConn, input: (String, TagInput)) -> AppResult<TagRow> {
        db::insert(conn, &input.0, input.1)
    }
    fn update(conn: &mut DbConn, key: &str, expected: i64, input: TagInput) -> AppResult<TagRow> {
        db::update(conn, key, expected, input)
    }
    fn delete(conn: &mut DbConn, key: &str) -> AppResult<()> {
        db::delete(conn, key)
    }
}

impl Paged for Tags {
    const LIST_KEY: &'static str = keys::TAGS;
    fn slug(row: &TagRow) -> String {
        row.slug.clone()
    }
    fn page(conn: &mut DbConn, after: Option<String>, limit: i64) -> AppResult<Vec<TagRow>> {
        db::list(conn, after, limit)
    }
    fn show_all(conn: &mut DbConn, rows: Vec<TagRow>) -> AppResult<Vec<TagResponse>> {
        catalog::counted(conn, CountBy::Tag, rows, |r| &r.id, TagResponse::new)
    }
}

/// Registers the tag routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tags)
        .service(get_tag)
        .service(create_tag)
        .service(update_tag)
        .service(delete_tag);
}
