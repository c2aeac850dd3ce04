//! The purge worker: wakes when this process hears of an invalidation (its own
//! writes' or, through the log's tail, other instances'), gathers for the purge delay,
//! then sends each target what its cursor has not yet delivered.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use super::db;
use crate::config::PurgeTarget;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{new_id, now};

/// The longest the worker sleeps without looking (retries coming due, another
/// instance's claim lapsing).
const POLL: Duration = Duration::from_secs(5);

/// How long a claim on a target holds: past it, another instance may send the round
/// again (purging twice is harmless).
const LEASE: TimeDelta = TimeDelta::seconds(60);

/// Runs forever on the current runtime; returns at once when no target is configured.
pub async fn run(state: AppState) {
    let targets = state.settings.purge_targets.clone();
    if targets.is_empty() {
        return;
    }
    let wake = Arc::new(tokio::sync::Notify::new());
    {
        let wake = wake.clone();
        state
            .db
            .invalidations()
            .subscribe(Box::new(move |_| wake.notify_one()));
    }
    // Every target's cursor from the start, so a target begins at the log's end as of
    // now rather than at its first pass (the passes ensure it again if this failed).
    let names: Vec<String> = targets.iter().map(PurgeTarget::name).collect();
    if let Err(e) = state
        .db
        .write(move |conn| names.iter().try_for_each(|name| db::ensure(conn, name)))
        .await
    {
        tracing::warn!(error = %e, "purge cursors not ready; the worker will retry");
    }
    let owner = new_id();
    let client = super::send::client();
    loop {
        let mut next: Option<NaiveDateTime> = None;
        for target in &targets {
            match pass(&state, &client, target, &owner).await {
                Ok(Some(at)) => next = Some(next.map_or(at, |n| n.min(at))),
                Ok(None) => {}
                Err(e) => tracing::warn!(target = %target.name(), error = %e, "purge pass failed"),
            }
        }
        let wait = next
            .map(|at| (at - now()).to_std().unwrap_or(Duration::ZERO))
            .map_or(POLL, |d| d.min(POLL));
        tokio::select! {
            _ = wake.notified() => {}
            _ = actix_web::rt::time::sleep(wait) => {}
        }
        // Gather a burst into one round.
        actix_web::rt::time::sleep(state.settings.purge_delay).await;
    }
}

/// Sends `target` what is due, if anything; returns when it next has work.
pub async fn pass(
    state: &AppState,
    client: &reqwest::Client,
    target: &PurgeTarget,
    owner: &str,
) -> AppResult<Option<NaiveDateTime>> {
    let name = target.name();
    let next = {
        let name = name.clone();
        state
            .db
            .read(move |conn| db::next_work(conn, &name))
            .await?
    };
    match next {
        Some(at) if at <= now() => {}
        later => return Ok(later),
    }
    let claimed = {
        let (name, owner) = (name.clone(), owner.to_owned());
        state
            .db
            .write(move |conn| {
                db::ensure(conn, &name)?;
                db::claim(conn, &name, &owner, LEASE)
            })
            .await?
    };
    let Some(cursor) = claimed else {
        // Another instance holds it, or its retry is not due.
        return Ok(Some(now() + TimeDelta::seconds(1)));
    };
    let at = now();
    let round = state
        .db
        .read(move |conn| db::gather(conn, cursor, at))
        .await?;
    let Some(moved) = round.next else {
        return Ok(None);
    };
    let outcome = if round.is_empty() {
        Ok(0)
    } else {
        super::send::purge(client, target, &round).await
    };
    let (name2, owner2) = (name.clone(), owner.to_owned());
    match outcome {
        Ok(requests) => {
            if requests > 0 {
                tracing::info!(target = %name, keys = round.keys.len(), all = round.all, requests, "purged");
            }
            state
                .db
                .write(move |conn| db::sent(conn, &name2, &owner2, moved))
                .await?;
            // More may be waiting (a round is bounded): look again at once.
            Ok(Some(now()))
        }
        Err(error) => {
            tracing::warn!(target = %name, %error, "purge failed; will retry");
            state
                .db
                .write(move |conn| db::failed(conn, &name2, &owner2, &error))
                .await?;
            // The next pass reads when the retry is due.
            Ok(Some(now() + TimeDelta::seconds(1)))
        }
    }
}
