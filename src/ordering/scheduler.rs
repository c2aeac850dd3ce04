//! The background work for collections: prepared orders replace the live one at
//! their time and expired items drop out, each recorded in the history. Safe on many
//! instances: each collection's work runs under its lock and a prepared order is
//! claimed exactly once. Public reads do not wait for it (they resolve due orders
//! and expiry themselves).

use crate::state::AppState;

/// Runs forever on the current runtime.
pub async fn run(state: AppState) {
    use crate::content::articles::scheduler::sleep_until;
    let mut commits = crate::store::commits().subscribe();
    loop {
        // Wake when an item expires or a prepared order is due: that is when the
        // collection changes for readers (and their caches hear of it).
        let due = state
            .db
            .read(super::curate::next_time_change)
            .await
            .unwrap_or(None);
        sleep_until(due, &mut commits).await;
        if let Err(e) = tick(&state).await {
            tracing::warn!(error = %e, "collection tick failed");
        }
    }
}

/// One pass over every collection with due work; returns how many it updated.
pub async fn tick(state: &AppState) -> crate::error::AppResult<usize> {
    let due = state.db.read(super::curate::due_collections).await?;
    for id in &due {
        let key = id.clone();
        // One collection's failure must not hold the others back.
        if let Err(e) = state
            .db
            .write(move |conn| super::curate::catch_up(conn, &key))
            .await
        {
            tracing::warn!(collection = %id, error = %e, "collection catch-up failed");
        }
    }
    if !due.is_empty() {
        tracing::info!(count = due.len(), "collections brought up to date");
    }
    Ok(due.len())
}
