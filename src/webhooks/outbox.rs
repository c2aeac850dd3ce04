//! The outbox: an event and one delivery per subscribed, active webhook, written in
//! the caller's transaction, so an event exists exactly when its change committed.

use diesel::prelude::*;
use serde_json::json;

use crate::content::articles::model::ArticleRow;
use crate::error::AppResult;
use crate::http::utc;
use crate::store::schema::{webhook_deliveries, webhook_events, webhooks};
use crate::store::{DbConn, new_id, now};

/// Queues `kind` with `data` for every active webhook subscribed to it; nothing is
/// written when nobody listens.
pub fn enqueue(conn: &mut DbConn, kind: &str, data: serde_json::Value) -> AppResult<()> {
    let subscribed: Vec<(String, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load(conn)?;
    let targets: Vec<String> = subscribed
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events).is_ok_and(|e| e.iter().any(|x| x == kind))
        })
        .map(|(id, _)| id)
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let id = new_id();
    let at = now();
    let payload = json!({
        "id": id,
        "type": kind,
        "created_at": utc(at),
        "data": data,
    });
    diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::id.eq(&id),
            webhook_events::kind.eq(kind),
            webhook_events::payload.eq(payload.to_string()),
            webhook_events::created_at.eq(at),
        ))
        .execute(conn)?;
    for webhook in targets {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::id.eq(new_id()),
                webhook_deliveries::webhook_id.eq(webhook),
                webhook_deliveries::event_id.eq(&id),
                webhook_deliveries::status.eq("pending"),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// An article event: the story as it now is, compactly, and what was done to it.
pub fn article_event(
    conn: &mut DbConn,
    kind: &str,
    row: &ArticleRow,
    action: &str,
) -> AppResult<()> {
    let data = json!({
        "action": action,
        "article": {
            "id": row.id,
            "slug": row.slug,
            "headline": row.headline,
            "status": row.status,
            "stage": row.stage,
            "published_at": row.published_at.map(utc),
            "embargo_until": row.embargo_until.map(utc),
            "updated_at": utc(row.updated_at),
            "version": row.version,
            "api_path": format!("/api/v1/articles/{}", row.id),
        },
    });
    enqueue(conn, kind, data)
}
