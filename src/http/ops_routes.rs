//! Operations endpoints: liveness, readiness, metrics.

use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::state::AppState;

/// A health answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up", body = Health)), security(()))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health { status: "ok" })
}

/// The database answers; a load balancer should route here only when this is 200.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database is unreachable"),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(state: Data<AppState>) -> AppResult<HttpResponse> {
    // Bounded: a load balancer asking must hear 503 within a second, not wait out
    // the pool's timeout.
    state.db.ping().await.map_err(|e| match e {
        crate::error::AppError::Unavailable(_) => e,
        other => crate::error::AppError::Unavailable(format!("readiness: {other}")),
    })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health { status: "ready" }))
}

/// Prometheus metrics: `http_requests_total` and `http_request_duration_seconds` per route.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(state.metrics.render())
}
