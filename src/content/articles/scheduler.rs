//! The background scheduler: scheduled stories flip to published at their time, on
//! every instance without coordination (a story flips exactly once), and the flip is
//! where later work hooks side effects (webhooks, feed freshness).

use std::time::Duration;

use crate::state::AppState;

/// How often due stories are looked for. Public reads do not wait for it: a scheduled
/// story is visible from its `published_at` whether or not the flip has run.
pub const TICK: Duration = Duration::from_secs(5);

/// Runs forever on the current runtime.
pub async fn run(state: AppState) {
    let mut interval = actix_web::rt::time::interval(TICK);
    loop {
        interval.tick().await;
        if !matches!(state.db.read(super::db::anything_due).await, Ok(true)) {
            continue;
        }
        match state.db.write(super::db::publish_due).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(count = ids.len(), "published scheduled stories")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
        }
    }
}
