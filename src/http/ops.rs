//! Operations endpoints: liveness, readiness, metrics.

use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use diesel::connection::SimpleConnection;
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
    state
        .db
        .read(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|e| crate::error::AppError::Unavailable(format!("readiness: {e}")))
        })
        .await?;
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
