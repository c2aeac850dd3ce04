//! Webhook queries: subscriptions, the delivery log, and the claim/complete cycle the
//! worker runs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances never
//! send the same delivery at once).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::model::{DeliveryRow, WebhookRow};
use crate::error::{AppError, AppResult};
use crate::store::schema::{webhook_deliveries, webhook_events, webhooks};
use crate::store::{DbConn, new_id, now};

/// Checked subscription fields; `None` means "not sent".
#[derive(Debug, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub secret: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

pub fn insert(
    conn: &mut DbConn,
    input: WebhookInput,
    who: Option<String>,
) -> AppResult<WebhookRow> {
    let id = new_id();
    let at = now();
    let secret = input
        .secret
        .unwrap_or_else(|| format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>())));
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(&id),
            webhooks::url.eq(input.url.unwrap_or_default()),
            webhooks::events.eq(serde_json::to_string(&input.events.unwrap_or_default())
                .map_err(AppError::internal)?),
            webhooks::secret.eq(secret),
            webhooks::description.eq(input.description.unwrap_or_default()),
            webhooks::active.eq(true),
            webhooks::consecutive_failures.eq(0),
            webhooks::created_by.eq(who),
            webhooks::created_at.eq(at),
            webhooks::updated_at.eq(at),
        ))
        .execute(conn)?;
    get(conn, &id)
}

pub fn get(conn: &mut DbConn, id: &str) -> AppResult<WebhookRow> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("webhook"))
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<WebhookRow>> {
    Ok(webhooks::table
        .order(webhooks::created_at.asc())
        .select(WebhookRow::as_select())
        .load(conn)?)
}

pub fn update(conn: &mut DbConn, id: &str, input: WebhookInput) -> AppResult<WebhookRow> {
    let current = get(conn, id)?;
    let reenabled = input.active == Some(true) && !current.active;
    let events = match input.events {
        Some(e) => serde_json::to_string(&e).map_err(AppError::internal)?,
        None => current.events,
    };
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::url.eq(input.url.unwrap_or(current.url)),
            webhooks::events.eq(events),
            webhooks::description.eq(input.description.unwrap_or(current.description)),
            webhooks::active.eq(input.active.unwrap_or(current.active)),
            webhooks::disabled_reason.eq(match input.active {
                Some(true) => None,
                Some(false) => Some("disabled by an admin".to_owned()),
                None => current.disabled_reason,
            }),
            webhooks::consecutive_failures.eq(if reenabled {
                0
            } else {
                current.consecutive_failures
            }),
            webhooks::updated_at.eq(now()),
        ))
        .execute(conn)?;
    get(conn, id)
}

pub fn delete(conn: &mut DbConn, id: &str) -> AppResult<()> {
    let removed = diesel::delete(webhooks::table.find(id)).execute(conn)?;
    if removed == 0 {
        return Err(AppError::NotFound("webhook"));
    }
    Ok(())
}

/// A webhook's deliveries, newest first, before the keyset `(created_at, id)`.
pub fn deliveries(
    conn: &mut DbConn,
    webhook_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<(DeliveryRow, String)>> {
    get(conn, webhook_id)?;
    let mut query = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit + 1)
        .select((DeliveryRow::as_select(), webhook_events::kind))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at
                    .eq(at)
                    .and(webhook_deliveries::id.lt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Sends an event again: a new pending delivery of the same event (same id and body).
pub fn redeliver(
    conn: &mut DbConn,
    webhook_id: &str,
    delivery_id: &str,
) -> AppResult<(DeliveryRow, String)> {
    let (original, kind): (DeliveryRow, String) = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::id.eq(delivery_id))
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select((DeliveryRow::as_select(), webhook_events::kind))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("delivery"))?;
    let id = new_id();
    let at = now();
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(&id),
            webhook_deliveries::webhook_id.eq(webhook_id),
            webhook_deliveries::event_id.eq(&original.event_id),
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(at),
            webhook_deliveries::created_at.eq(at),
        ))
        .execute(conn)?;
    let row = webhook_deliveries::table
        .find(&id)
        .select(DeliveryRow::as_select())
        .first(conn)?;
    Ok((row, kind))
}

/// A delivery a worker holds: where to send what, and its attempt number (a fencing
/// token: only the holder of this attempt may record its outcome).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub kind: String,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempt: i32,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Whether any delivery is due (a read, so idle workers never take the write lock).
pub fn has_due(conn: &mut DbConn) -> AppResult<bool> {
    let at = now();
    let due: i64 = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(at))
        .filter(
            webhook_deliveries::claimed_until
                .is_null()
                .or(webhook_deliveries::claimed_until.lt(at)),
        )
        .filter(
            webhook_deliveries::webhook_id.eq_any(
                webhooks::table
                    .filter(webhooks::active.eq(true))
                    .select(webhooks::id),
            ),
        )
        .count()
        .get_result(conn)?;
    Ok(due > 0)
}

/// Claims up to `limit` due deliveries of active webhooks for `lease`.
pub fn claim(conn: &mut DbConn, lease: std::time::Duration, limit: i64) -> AppResult<Vec<Claimed>> {
    let at = now();
    let sql = "SELECT d.id FROM webhook_deliveries d \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
         AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
         AND d.webhook_id IN (SELECT w.id FROM webhooks w WHERE w.active) \
         ORDER BY d.next_attempt_at, d.id LIMIT $2";
    let ids: Vec<IdRow> = match conn {
        DbConn::Postgres(pg) => diesel::sql_query(format!("{sql} FOR UPDATE OF d SKIP LOCKED"))
            .bind::<diesel::sql_types::Timestamp, _>(at)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .load(pg)?,
        DbConn::Sqlite(lite) => diesel::sql_query(sql)
            .bind::<diesel::sql_types::Timestamp, _>(at)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .load(lite)?,
    };
    let ids: Vec<String> = ids.into_iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let until = at + TimeDelta::from_std(lease).unwrap_or(TimeDelta::seconds(60));
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set((
            webhook_deliveries::claimed_until.eq(until),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        ))
        .execute(conn)?;
    type Joined = (DeliveryRow, (String, String), (String, String));
    let rows: Vec<Joined> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .select((
            DeliveryRow::as_select(),
            (webhook_events::kind, webhook_events::payload),
            (webhooks::url, webhooks::secret),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(d, (kind, payload), (url, secret))| Claimed {
            delivery_id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            kind,
            url,
            secret,
            payload,
            attempt: d.attempts,
        })
        .collect())
}

/// What an attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivered: bool,
    pub status_code: Option<i32>,
    pub error: Option<String>,
}

/// Retry policy from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub retry_base: std::time::Duration,
    pub max_attempts: u32,
    pub disable_after: u32,
}

/// Records an attempt's outcome (if this attempt still holds the delivery): delivered,
/// retried later with exponential backoff and jitter, or failed for good, which counts
/// toward disabling the webhook.
pub fn complete(
    conn: &mut DbConn,
    claimed: &Claimed,
    outcome: &Outcome,
    policy: Policy,
) -> AppResult<()> {
    let at = now();
    let ours = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(&claimed.delivery_id))
        .filter(webhook_deliveries::attempts.eq(claimed.attempt))
        .filter(webhook_deliveries::status.eq("pending"));
    if outcome.delivered {
        diesel::update(ours)
            .set((
                webhook_deliveries::status.eq("delivered"),
                webhook_deliveries::delivered_at.eq(at),
                webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
                webhook_deliveries::last_status_code.eq(outcome.status_code),
                webhook_deliveries::last_error.eq(None::<String>),
            ))
            .execute(conn)?;
        diesel::update(webhooks::table.find(&claimed.webhook_id))
            .set(webhooks::consecutive_failures.eq(0))
            .execute(conn)?;
        return Ok(());
    }
    let exhausted = claimed.attempt as u32 >= policy.max_attempts;
    let wait = backoff(policy.retry_base, claimed.attempt as u32);
    let updated = diesel::update(ours)
        .set((
            webhook_deliveries::status.eq(if exhausted { "failed" } else { "pending" }),
            webhook_deliveries::next_attempt_at.eq(at + wait),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::last_status_code.eq(outcome.status_code),
            webhook_deliveries::last_error.eq(outcome.error.clone()),
        ))
        .execute(conn)?;
    if exhausted && updated > 0 {
        let hook = get(conn, &claimed.webhook_id)?;
        let failures = hook.consecutive_failures + 1;
        let disable = failures as u32 >= policy.disable_after;
        diesel::update(webhooks::table.find(&claimed.webhook_id))
            .set((
                webhooks::consecutive_failures.eq(failures),
                webhooks::active.eq(hook.active && !disable),
                webhooks::disabled_reason.eq(if disable {
                    Some(format!(
                        "{failures} deliveries in a row failed every attempt"
                    ))
                } else {
                    hook.disabled_reason
                }),
                webhooks::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// `base · 2^(attempt-1)`, times a jitter from 0.5 to 1.5, at most six hours.
fn backoff(base: std::time::Duration, attempt: u32) -> TimeDelta {
    let exp = base.as_millis() as f64 * 2f64.powi(attempt.saturating_sub(1).min(20) as i32);
    let jitter = 0.5 + rand::random::<f64>();
    let millis = (exp * jitter).min(6.0 * 3600.0 * 1000.0);
    TimeDelta::milliseconds(millis as i64)
}
