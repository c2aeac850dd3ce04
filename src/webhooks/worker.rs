//! The delivery worker: claims due deliveries, POSTs each signed body to its URL and
//! records the outcome. Runs on every instance; claims keep them from colliding, and
//! a claim that lapses (a crash mid-delivery) is picked up again, so no event is lost.
//! Receivers should de-duplicate by `Dateline-Event-Id`.

use std::sync::OnceLock;
use std::time::Duration;

use super::db::{self, Claimed, Outcome, Policy};
use crate::error::AppResult;
use crate::state::AppState;

/// How often idle workers look for due deliveries.
pub const POLL: Duration = Duration::from_millis(500);

/// The shared HTTP client: 10 s timeout, no redirects (a redirect could lead inside).
/// Names resolve through [`super::guard::GlobalOnly`].
pub fn client(allow_private: bool) -> &'static reqwest::Client {
    static STRICT: OnceLock<reqwest::Client> = OnceLock::new();
    static PERMISSIVE: OnceLock<reqwest::Client> = OnceLock::new();
    let slot = if allow_private { &PERMISSIVE } else { &STRICT };
    slot.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(super::guard::GlobalOnly {
                allow_private,
            }))
            .user_agent(concat!("Dateline-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default()
    })
}

/// Runs forever on the current runtime.
pub async fn run(state: AppState) {
    let mut commits = crate::store::commits().subscribe();
    loop {
        match deliver_due(&state).await {
            // Idle: wake on this instance's next commit, or poll (other instances'
            // commits, retries coming due).
            Ok(0) => {
                tokio::select! {
                    _ = commits.changed() => {}
                    _ = actix_web::rt::time::sleep(POLL) => {}
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "webhook delivery pass failed");
                actix_web::rt::time::sleep(POLL).await;
            }
        }
    }
}

/// Claims and sends one batch of due deliveries; returns how many it attempted.
pub async fn deliver_due(state: &AppState) -> AppResult<usize> {
    if !state.db.read(db::has_due).await? {
        return Ok(0);
    }
    let lease = state.settings.webhook_lease;
    let batch = state
        .db
        .write(move |conn| db::claim(conn, lease, 16))
        .await?;
    let policy = Policy {
        retry_base: state.settings.webhook_retry_base,
        max_attempts: state.settings.webhook_max_attempts,
        disable_after: state.settings.webhook_disable_after,
    };
    let allow_private = state.settings.webhooks_allow_private;
    let sends = batch.iter().map(|claimed| send(claimed, allow_private));
    let outcomes = futures_util::future::join_all(sends).await;
    let count = batch.len();
    for (claimed, outcome) in batch.into_iter().zip(outcomes) {
        if !outcome.delivered {
            tracing::info!(webhook = %claimed.webhook_id, event = %claimed.event_id,
                attempt = claimed.attempt, error = ?outcome.error, "webhook delivery failed");
        }
        // One failed write must not leave the rest of the batch unrecorded (they would
        // be sent again when their claims lapse).
        let (webhook, event) = (claimed.webhook_id.clone(), claimed.event_id.clone());
        if let Err(e) = state
            .db
            .write(move |conn| db::complete(conn, &claimed, &outcome, policy))
            .await
        {
            tracing::warn!(%webhook, %event, error = %e, "recording a webhook delivery failed");
        }
    }
    Ok(count)
}

async fn send(claimed: &Claimed, allow_private: bool) -> Outcome {
    let failed = |error: String| Outcome {
        delivered: false,
        status_code: None,
        error: Some(error),
    };
    let url = match super::guard::parse(&claimed.url) {
        Ok(url) => url,
        Err(e) => return failed(format!("url {e}")),
    };
    if let Err(e) = super::guard::check(&url, allow_private).await {
        return failed(e);
    }
    let timestamp = chrono::Utc::now().timestamp();
    let signature = super::sign::signature(&claimed.secret, timestamp, claimed.payload.as_bytes());
    let response = client(allow_private)
        .post(url)
        .header("content-type", "application/json")
        .header("dateline-signature", signature)
        .header("dateline-event-id", &claimed.event_id)
        .header("dateline-event-type", &claimed.kind)
        .header("dateline-delivery-attempt", claimed.attempt.to_string())
        .body(claimed.payload.clone())
        .send()
        .await;
    match response {
        Ok(res) => {
            let code = res.status().as_u16();
            Outcome {
                delivered: res.status().is_success(),
                status_code: Some(i32::from(code)),
                error: (!res.status().is_success())
                    .then(|| format!("the receiver answered {code}")),
            }
        }
        Err(e) => failed(format!("{e}")),
    }
}
