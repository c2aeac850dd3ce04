//! The background scheduler: scheduled stories flip to published at their time and
//! lifted embargoes are recorded, on every instance without coordination (a story
//! flips exactly once). Recording is what tells readers' caches, the CDN and webhooks,
//! so the scheduler wakes at the exact moment the next story is due, not at a tick.

use std::time::Duration;

use chrono::NaiveDateTime;

use super::{load, operations};
use crate::state::AppState;
use crate::store::now;

/// The longest the scheduler sleeps without looking (other instances' writes can
/// bring a due time closer without this process hearing of it).
pub const TICK: Duration = Duration::from_secs(5);

/// Sleeps until `due` (or [`TICK`], whichever is sooner), or until this process
/// commits a write (which may have brought a due time closer).
pub async fn sleep_until(
    due: Option<NaiveDateTime>,
    commits: &mut tokio::sync::watch::Receiver<u64>,
) {
    let wait = due
        .map(|at| (at - now()).to_std().unwrap_or(Duration::ZERO))
        .map_or(TICK, |d| d.min(TICK));
    if wait.is_zero() {
        return;
    }
    tokio::select! {
        _ = actix_web::rt::time::sleep(wait) => {}
        _ = commits.changed() => {
            // A burst of commits wakes it once, not once each.
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            commits.borrow_and_update();
        }
    }
}

/// Runs forever on the current runtime.
pub async fn run(state: AppState) {
    let mut commits = crate::store::commits().subscribe();
    loop {
        let due = state
            .db
            .read(load::next_visibility_change)
            .await
            .unwrap_or(None);
        sleep_until(due, &mut commits).await;
        if !matches!(state.db.read(operations::anything_due).await, Ok(true)) {
            continue;
        }
        match state.db.write(operations::publish_due).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(count = ids.len(), "published scheduled stories")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
        }
    }
}
