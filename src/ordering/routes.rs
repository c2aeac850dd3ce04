//! `/collections`: settings (editors) and the public read front ends render rails from.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::input::{CreateCollection, UpdateCollection, VersionParam};
use super::model::{CollectionPage, CollectionResponse, CollectionRow};
use crate::auth::principal::{Editor, MaybeAuth};
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;
use crate::store::DbConn;

fn settings(conn: &mut DbConn, row: CollectionRow) -> AppResult<CollectionResponse> {
    let fill = db::fills(conn, std::slice::from_ref(&row))?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(CollectionResponse::new(row, fill))
}

/// Lists collections (their settings, not their stories) by slug.
#[utoipa::path(
    tag = "collections",
    params(PageParams),
    responses((status = 200, description = "A page of collections", body = Page<CollectionResponse>)),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/collections")]
pub async fn list_collections(
    _: MaybeAuth,
    req: HttpRequest,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let limit = params.0.limit()?;
    let after: Option<String> = params.0.after()?;
    let (rows, mut fills) = state
        .db
        .read(move |conn| {
            let rows = db::list(conn, after, limit)?;
            let fills = db::fills(conn, &rows)?;
            Ok((rows, fills))
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| r.slug.clone(),
        |r| {
            let fill = fills.remove(&r.id).unwrap_or_default();
            CollectionResponse::new(r, fill)
        },
    );
    let mut keys = crate::content::keys::Keys::new();
    keys.add(crate::content::keys::COLLECTIONS);
    for c in &page.data {
        keys.add(crate::content::keys::collection(&c.id));
    }
    let response = pagination::respond(&req, &page, Visibility::for_request(&req, true));
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// A collection resolved for readers: its published stories in order as summaries
/// (headline, standfirst, lead photo renditions, section, byline), curated items
/// first, topped up from its section or tag. Unpublished, trashed, embargoed and
/// expired stories are skipped without gaps; a prepared order is live from its time.
#[utoipa::path(
    tag = "collections",
    params(("slug" = String, Path, description = "Collection slug or id")),
    responses(
        (status = 200, description = "The collection with its stories", body = CollectionPage),
        (status = 404, description = "No such collection"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/collections/{slug}")]
pub async fn get_collection(
    _: MaybeAuth,
    req: HttpRequest,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = slug.into_inner();
    let media = state.media.clone();
    let (page, keys) = state
        .db
        .read(move |conn| {
            let page = super::published::page(conn, &key, &media)?;
            let keys = super::published::keys(conn, &page)?;
            Ok((page, keys))
        })
        .await?;
    // The ETag hashes the bytes, which carry every listed story's `updated_at`: it
    // changes when the order, the settings or any listed story does.
    let response = cache::json(
        &req,
        StatusCode::OK,
        &page,
        Visibility::for_request(&req, true),
        None,
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// Creates a collection with an empty order.
#[utoipa::path(
    tag = "collections",
    request_body = CreateCollection,
    responses(
        (status = 201, description = "Created", body = CollectionResponse),
        (status = 409, description = "The slug is taken"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/collections")]
pub async fn create_collection(
    who: Editor,
    req: HttpRequest,
    body: Json<CreateCollection>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (name, input) = body.0.parse()?;
    let actor = who.principal.user_id();
    let created = state
        .db
        .write(move |conn| {
            let row = db::insert(conn, &name, input, actor)?;
            settings(conn, row)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &created,
        Some(created.version),
    ))
}

/// Renames a collection or changes its slug, description, capacity or fill source
/// (versioned, recorded in its history).
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateCollection,
    responses(
        (status = 200, description = "Updated", body = CollectionResponse),
        (status = 404, description = "No such collection"),
        (status = 409, description = "The slug is taken"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/collections/{slug}")]
pub async fn update_collection(
    who: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<UpdateCollection>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let input = body.0.parse()?;
    let key = slug.into_inner();
    let actor = who.principal.user_id();
    let updated = state
        .db
        .write(move |conn| {
            let row = db::update(conn, &key, expected, input, actor)?;
            settings(conn, row)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &updated,
        Some(updated.version),
    ))
}

/// Deletes a collection with its history and prepared orders (the stories stay).
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        VersionParam,
        ("If-Match" = Option<String>, Header, description = "Delete only if still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such collection"),
        (status = 412, description = "Stale version; carries `current_version`"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/collections/{slug}")]
pub async fn delete_collection(
    _: Editor,
    req: HttpRequest,
    slug: Path<String>,
    query: Query<VersionParam>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = match cache::expected_version(&req, query.0.version) {
        Ok(version) => Some(version),
        Err(AppError::PreconditionRequired) => None,
        Err(other) => return Err(other),
    };
    let key = slug.into_inner();
    state
        .db
        .write(move |conn| db::delete(conn, &key, expected))
        .await?;
    Ok(cache::no_content())
}

/// Registers every collection route.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_collections)
        .service(create_collection)
        .service(get_collection)
        .service(update_collection)
        .service(delete_collection)
        .configure(super::item_routes::register)
        .configure(super::history_routes::register);
}
