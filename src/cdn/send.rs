//! What each kind of target is sent: the API call that purges a set of surrogate keys
//! (or everything), split at the target's limit per request.

use std::time::Duration;

use serde_json::json;

use super::db::Round;
use crate::config::PurgeTarget;

/// The HTTP client for purges, one per worker (its pooled connections belong to the
/// worker's runtime): the targets are the operator's own configuration, so unlike
/// webhooks no address is refused; no redirects, 10 s per request.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Dateline-Purge/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Keys per request: Fastly takes 256 surrogate keys, Cloudflare 100 tags per purge
/// call; a front end's webhook gets them 256 at a time too.
fn chunk(target: &PurgeTarget) -> usize {
    match target {
        PurgeTarget::Cloudflare { .. } => 100,
        PurgeTarget::Fastly { .. } | PurgeTarget::Webhook { .. } => 256,
    }
}

/// Sends `round` to `target`; the first failure stops it (the round is retried whole:
/// purging twice is harmless).
pub async fn purge(
    client: &reqwest::Client,
    target: &PurgeTarget,
    round: &Round,
) -> Result<usize, String> {
    if round.all {
        request(client, target, None).await?;
        return Ok(1);
    }
    let keys: Vec<&str> = round.keys.iter().map(String::as_str).collect();
    let mut requests = 0;
    for part in keys.chunks(chunk(target)) {
        request(client, target, Some(part)).await?;
        requests += 1;
    }
    Ok(requests)
}

/// One purge request: of `keys`, or of everything with `None`.
async fn request(
    client: &reqwest::Client,
    target: &PurgeTarget,
    keys: Option<&[&str]>,
) -> Result<(), String> {
    let builder = match target {
        PurgeTarget::Fastly {
            api,
            service_id,
            token,
            soft,
        } => {
            let builder = match keys {
                Some(keys) => client
                    .post(format!("{api}/service/{service_id}/purge"))
                    .header("surrogate-key", keys.join(" ")),
                None => client.post(format!("{api}/service/{service_id}/purge_all")),
            };
            let builder = builder
                .header("fastly-key", &token.0)
                .header("accept", "application/json");
            if *soft {
                builder.header("fastly-soft-purge", "1")
            } else {
                builder
            }
        }
        PurgeTarget::Cloudflare {
            api,
            zone_id,
            token,
        } => {
            let body = match keys {
                Some(keys) => json!({ "tags": keys }),
                None => json!({ "purge_everything": true }),
            };
            client
                .post(format!("{api}/zones/{zone_id}/purge_cache"))
                .bearer_auth(&token.0)
                .header("content-type", "application/json")
                .body(body.to_string())
        }
        PurgeTarget::Webhook { url, secret } => {
            let body = match keys {
                Some(keys) => json!({ "keys": keys, "all": false }),
                None => json!({ "keys": [], "all": true }),
            }
            .to_string();
            let timestamp = chrono::Utc::now().timestamp();
            let signature = crate::webhooks::sign::signature(&secret.0, timestamp, body.as_bytes());
            client
                .post(url)
                .header("content-type", "application/json")
                .header("dateline-signature", signature)
                .header("dateline-event-type", "cache.purge")
                .body(body)
        }
    };
    let response = builder
        .send()
        .await
        .map_err(|e| format!("{}: {e}", target.name()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        let text = response.text().await.unwrap_or_default();
        Err(format!(
            "{}: {status}: {}",
            target.name(),
            text.chars().take(200).collect::<String>()
        ))
    }
}
