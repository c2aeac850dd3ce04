//! `/tags`: public reads, editor writes.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::model::{CreateTag, TagResponse, UpdateTag};
use crate::auth::principal::{Editor, MaybeAuth};
use crate::content::articles::listing::{CountBy, counts};
use crate::content::keys::{self, Keys};
use crate::error::AppResult;
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

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
    let limit = params.0.limit()?;
    let after: Option<String> = params.0.after()?;
    let rows = state
        .db
        .read(move |conn| {
            let rows = db::list(conn, after, limit)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let counts = counts(conn, CountBy::Tag, &ids)?;
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
            TagResponse::new(r, n)
        },
    );
    let mut keys = Keys::new();
    keys.add(keys::TAGS);
    for t in &page.data {
        keys.add(keys::tag(&t.id)).add(keys::tag_articles(&t.id));
    }
    let response = pagination::respond(&req, &page, Visibility::for_request(&req, true));
    Ok(cache::surrogate_keys(response, &keys.header()))
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
    let key = slug.into_inner();
    let (row, count) = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            let n = counts(conn, CountBy::Tag, std::slice::from_ref(&row.id))?;
            let count = n.get(&row.id).copied().unwrap_or(0);
            Ok((row, count))
        })
        .await?;
    let version = row.version;
    let body = TagResponse::new(row, count);
    let mut keys = Keys::new();
    keys.add(keys::tag(&body.id))
        .add(keys::tag_articles(&body.id));
    let response = cache::json(
        &req,
        StatusCode::OK,
        &body,
        Visibility::for_request(&req, true),
        Some(version),
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
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
    let (name, input) = body.0.parse()?;
    let row = state
        .db
        .write(move |conn| db::insert(conn, &name, input))
        .await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &TagResponse::new(row, 0),
        Some(version),
    ))
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
    let key = slug.into_inner();
    let row = state
        .db
        .write(move |conn| db::update(conn, &key, expected, input))
        .await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &TagResponse::new(row, 0),
        Some(version),
    ))
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
    let key = slug.into_inner();
    state.db.write(move |conn| db::delete(conn, &key)).await?;
    Ok(cache::no_content())
}

/// Registers the tag routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tags)
        .service(get_tag)
        .service(create_tag)
        .service(update_tag)
        .service(delete_tag);
}
