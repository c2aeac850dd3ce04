//! What every handler can reach: the database, settings, keys, metrics and the spec.

use std::sync::Arc;

use crate::auth::tokens::JwtKeys;
use crate::config::Settings;
use crate::http::metrics::Metrics;
use crate::store::Db;

/// Shared application state, cloned into each worker.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub jwt: JwtKeys,
    pub metrics: Metrics,
    /// Where image files are stored and served from.
    pub media: crate::media::files::MediaStore,
    /// Per-key request budgets.
    pub key_limits: crate::auth::limits::KeyLimits,
    /// Public responses, keyed by the content version.
    pub response_cache: Arc<crate::http::response_cache::ResponseCache>,
    /// Stored story renders: their generation and the stories waiting for one.
    pub renders: Arc<crate::content::articles::renders::Renders>,
    /// Live stories followed by event streams on this instance.
    pub live: Arc<crate::content::live::hub::LiveHub>,
}
