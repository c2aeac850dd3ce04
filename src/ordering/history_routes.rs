//! `/collections/{slug}/history` and `/collections/{slug}/schedules`: what the order
//! was, restoring it, and orders prepared to go live later.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, post};

use super::curate::Op;
use super::input::CreateSchedule;
use super::model::{Change, Curation, ScheduleResponse};
use super::{db, plans};
use crate::auth::principal::{Editor, Reader};
use crate::content::articles::input::VersionOnly;
use crate::error::AppResult;
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

/// Every change to a collection, newest first: who, when, the operation, and the
/// order before and after. Each entry's `before` is the previous entry's `after`.
#[utoipa::path(
    tag = "collections",
    params(("slug" = String, Path, description = "Collection slug or id"), PageParams),
    responses(
        (status = 200, description = "A page of changes", body = Page<Change>),
        (status = 404, description = "No such collection"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/collections/{slug}/history")]
pub async fn list_collection_history(
    _: Reader,
    req: HttpRequest,
    slug: Path<String>,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let limit = params.0.limit()?;
    let before: Option<i64> = params.0.after()?;
    let key = slug.into_inner();
    let rows = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            plans::changes(conn, &row.id, before, limit)
        })
        .await?;
    let page = Page::from_rows(rows, limit, |r| r.version, Change::from);
    Ok(pagination::respond(&req, &page, Visibility::Private))
}

/// Brings back the order as it was after `version` (itself a new, versioned change).
/// Stories deleted since are left out.
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("version" = i64, Path, description = "The history entry whose order comes back"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = VersionOnly,
    responses(
        (status = 200, description = "The restored order", body = Curation),
        (status = 404, description = "No such collection or history entry"),
        (status = 412, description = "Stale version; carries `current_version` and the `current` order"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/collections/{slug}/history/{version}/restore")]
pub async fn restore_collection_order(
    who: Editor,
    req: HttpRequest,
    path: Path<(String, i64)>,
    body: Json<VersionOnly>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let (key, from_version) = path.into_inner();
    let actor = who.principal.user_id();
    let due = key.clone();
    state
        .db
        .write(move |conn| super::curate::catch_up(conn, &due))
        .await?;
    let done = state
        .db
        .write(move |conn| {
            super::curate::apply(conn, &key, expected, actor, Op::Restore { from_version })
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &done,
        Some(done.version),
    ))
}

/// Orders prepared to replace the live one: pending ones by time, then the latest
/// applied or canceled.
#[utoipa::path(
    tag = "collections",
    params(("slug" = String, Path, description = "Collection slug or id")),
    responses(
        (status = 200, description = "Prepared orders", body = Vec<ScheduleResponse>),
        (status = 404, description = "No such collection"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/collections/{slug}/schedules")]
pub async fn list_collection_schedules(
    _: Reader,
    req: HttpRequest,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = slug.into_inner();
    let rows = state
        .db
        .read(move |conn| {
            let row = db::get(conn, &key)?;
            plans::schedules(conn, &row.id)
        })
        .await?;
    let body: Vec<ScheduleResponse> = rows.into_iter().map(ScheduleResponse::from).collect();
    Ok(cache::private(&req, StatusCode::OK, &body, None))
}

/// Prepares an order (the morning homepage) to replace the live one at `publish_at`,
/// by itself; the replacement shows in the history as `scheduled_replace`.
#[utoipa::path(
    tag = "collections",
    params(("slug" = String, Path, description = "Collection slug or id")),
    request_body = CreateSchedule,
    responses(
        (status = 201, description = "Prepared", body = ScheduleResponse),
        (status = 404, description = "No such collection"),
        (status = 409, description = "Too many pending prepared orders"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/collections/{slug}/schedules")]
pub async fn create_collection_schedule(
    who: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<CreateSchedule>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = slug.into_inner();
    let actor = who.principal.user_id();
    let body = body.0;
    let publish_at = super::input::instant("publish_at", body.publish_at)?.naive_utc();
    let row = state
        .db
        .write(move |conn| plans::add_schedule(conn, &key, publish_at, &body.items, actor))
        .await?;
    let created = ScheduleResponse::from(row);
    Ok(cache::private(&req, StatusCode::CREATED, &created, None))
}

/// Cancels a pending prepared order.
#[utoipa::path(
    tag = "collections",
    params(
        ("slug" = String, Path, description = "Collection slug or id"),
        ("id" = String, Path, description = "Prepared order id"),
    ),
    responses(
        (status = 204, description = "Canceled"),
        (status = 404, description = "No such collection or prepared order"),
        (status = 409, description = "Already applied"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/collections/{slug}/schedules/{id}")]
pub async fn cancel_collection_schedule(
    _: Editor,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (key, id) = path.into_inner();
    // A due order is live already (reads show it): apply it first, so cancelling it
    // is refused rather than silently rewriting what readers saw.
    let due = key.clone();
    state
        .db
        .write(move |conn| super::curate::catch_up(conn, &due))
        .await?;
    state
        .db
        .write(move |conn| plans::cancel_schedule(conn, &key, &id))
        .await?;
    Ok(cache::no_content())
}

/// Registers the history and schedule routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_collection_history)
        .service(restore_collection_order)
        .service(list_collection_schedules)
        .service(create_collection_schedule)
        .service(cancel_collection_schedule);
}
