//! `/collections/{slug}/items`: the curated order. Every change is atomic and
//! versioned; a stale version gets 412 with the order as it is now.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put};

use super::curate::{self, Op};
use super::input::{
    InsertItem, ItemInput, ReplaceItems, UpdateItem, VersionParam, possible_position,
};
use super::model::Curation;
use crate::auth::principal::{Editor, Reader};
use crate::error::AppResult;
use crate::http::cache::{self};
use crate::http::extract::{Json, Query};
use crate::state::AppState;

fn curation(req: &HttpRequest, body: &Curation) -> HttpResponse {
    cache::private(req, StatusCode::OK, body, Some(body.version))
}

/// Brings the collection up to date (due prepared orders, expired items) in its own
/// transaction, then applies `op` in another, so a stale client sees the order the
/// scheduler made.
async fn run(
    state: &AppState,
    key: String,
    expected: i64,
    actor: Option<String>,
    op: Op,
) -> AppResult<Curation> {
    let due = key.clone();
    state
        .db
        .write(move |conn| curate::catch_up(conn, &due))
        .await?;
    state
        .db
        .write(move |conn| curate::apply(conn, &key, expected, actor, op))
        .await
}

/// The curated order as editors see it: every item with its story's state and
/// whether the public sees it now.
#[utoipa::path(
    tag = "collections",
    params(("slug" = String, Path, description = "Collection slug or id")),
    responses(
        (status = 200, description = "The curated order", body = Curation),
        (status = 404, description = "No such collection"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/collections/{slug}/items")]
pub async fn get_collection_items(
    _: Reader,
    req: HttpRequest,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = slug.into_inner();
    let probe = key.clone();
    let due = state
        .db
        .read(move |conn| {
            let row = super::db::get(conn, &probe)?;
            curate::has_due_work(conn, &row.id)
        })
        .await?;
    if due {
        let key = key.clone();
        state
            .db
            .write(move |conn| curate::catch_up(conn, &key))
            .await?;
    }
    let body = state
        .db
        .read(move |conn| {
            let row = super::db::get(conn, &key)?;
            super::db::curation(conn, &row, Vec::new())
        })
        .await?;
    Ok(curation(&req, &body))
}

/// Replaces the whole order: items in order, pinned ones anchored where they stand.
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = ReplaceItems,
    responses(
        (status = 200, description = "The new order", body = Curation),
        (status = 404, description = "No such collection"),
        (status = 412, description = "Stale version; carries `current_version` and the `current` order"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[put("/collections/{slug}/items")]
pub async fn replace_collection_items(
    who: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<ReplaceItems>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let op = Op::Replace(body.0.items);
    let done = run(
        &state,
        slug.into_inner(),
        expected,
        who.principal.user_id(),
        op,
    )
    .await?;
    Ok(curation(&req, &done))
}

/// Inserts a story at a position (default 1). Pinned items keep their positions; in a
/// full collection the lowest unpinned item drops out and is listed in `dropped`.
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = InsertItem,
    responses(
        (status = 200, description = "The new order", body = Curation),
        (status = 404, description = "No such collection"),
        (status = 409, description = "Already in the collection, or the position is pinned"),
        (status = 412, description = "Stale version; carries `current_version` and the `current` order"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/collections/{slug}/items")]
pub async fn insert_collection_item(
    who: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<InsertItem>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let position = possible_position(body.0.position)?;
    let expected = cache::expected_version(&req, body.0.version)?;
    let body = body.0;
    let op = Op::Insert {
        item: ItemInput {
            article_id: body.article_id,
            pinned: body.pinned,
            expires_at: body.expires_at,
        },
        position,
    };
    let done = run(
        &state,
        slug.into_inner(),
        expected,
        who.principal.user_id(),
        op,
    )
    .await?;
    Ok(curation(&req, &done))
}

/// Moves, pins, unpins or re-times one item.
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateItem,
    responses(
        (status = 200, description = "The new order", body = Curation),
        (status = 404, description = "No such collection, or the story is not in it"),
        (status = 409, description = "The position is pinned by another story"),
        (status = 412, description = "Stale version; carries `current_version` and the `current` order"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/collections/{slug}/items/{article}")]
pub async fn update_collection_item(
    who: Editor,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Json<UpdateItem>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let position = possible_position(body.0.position)?;
    let expected = cache::expected_version(&req, body.0.version)?;
    let (key, article) = path.into_inner();
    let body = body.0;
    let op = Op::Update {
        article,
        position,
        pinned: body.pinned,
        expires_at: body.expires_at,
    };
    let done = run(&state, key, expected, who.principal.user_id(), op).await?;
    Ok(curation(&req, &done))
}

/// Takes a story out of the order; unpinned items below move up.
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("article" = String, Path, description = "Article id or slug"),
        VersionParam,
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    responses(
        (status = 200, description = "The new order", body = Curation),
        (status = 404, description = "No such collection, or the story is not in it"),
        (status = 412, description = "Stale version; carries `current_version` and the `current` order"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/collections/{slug}/items/{article}")]
pub async fn remove_collection_item(
    who: Editor,
    req: HttpRequest,
    path: Path<(String, String)>,
    query: Query<VersionParam>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, query.0.version)?;
    let (key, article) = path.into_inner();
    let op = Op::Remove { article };
    let done = run(&state, key, expected, who.principal.user_id(), op).await?;
    Ok(curation(&req, &done))
}

/// Registers the ordering routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_collection_items)
        .service(replace_collection_items)
        .service(insert_collection_item)
        .service(update_collection_item)
        .service(remove_collection_item);
}
