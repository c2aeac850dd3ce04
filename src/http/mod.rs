//! The HTTP layer: routing, extractors, errors, caching, pagination, telemetry.

pub mod body_deadline;
pub mod cache;
pub mod demo_site;
pub mod examples;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod problem;
pub mod response_cache;
pub mod routes;
pub mod security;

/// A stored UTC time as the API shows it.
pub fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(at, chrono::Utc)
}
