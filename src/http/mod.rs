//! The HTTP layer every room builds on: extractors, errors, caching, pagination,
//! telemetry and the middleware. The route table and the OpenAPI document are at the
//! top (`routes`, `openapi`), beside `startup`: they name every room's handlers.

pub mod body_deadline;
pub mod cache;
pub mod compress;
pub mod demo_site;
pub mod desk_site;
pub mod examples;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod ops_routes;
pub mod packed;
pub mod pagination;
pub mod problem;
pub mod response_cache;
pub mod route;
pub mod security;

/// A stored UTC time as the API shows it.
pub fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(at, chrono::Utc)
}
