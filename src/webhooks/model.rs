//! Webhook rows, requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::utc;
use crate::store::schema::{webhook_deliveries, webhooks};

/// Every event a webhook can subscribe to.
pub const EVENTS: [&str; 10] = [
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
    "article.stage_changed",
    "article.assigned",
    "article.entry_published",
    "article.entry_updated",
    "article.entry_deleted",
    "collection.updated",
];

/// An event a webhook can subscribe to.
// The document's form of [`EVENTS`], which the handlers check names against; a test
// keeps the two lists the same.
#[derive(ToSchema)]
#[schema(as = WebhookEvent)]
#[allow(dead_code)]
pub enum EventName {
    #[schema(rename = "article.published")]
    ArticlePublished,
    #[schema(rename = "article.updated")]
    ArticleUpdated,
    #[schema(rename = "article.unpublished")]
    ArticleUnpublished,
    #[schema(rename = "article.deleted")]
    ArticleDeleted,
    /// A story moved to another stage of the desk (drafts too).
    #[schema(rename = "article.stage_changed")]
    ArticleStageChanged,
    /// A story's assignees changed (drafts too).
    #[schema(rename = "article.assigned")]
    ArticleAssigned,
    /// An entry was posted on a public live story (`data.entry`, `data.article`).
    #[schema(rename = "article.entry_published")]
    ArticleEntryPublished,
    /// An entry of a public live story was edited.
    #[schema(rename = "article.entry_updated")]
    ArticleEntryUpdated,
    /// An entry of a public live story was deleted (`data.entry.id`).
    #[schema(rename = "article.entry_deleted")]
    ArticleEntryDeleted,
    #[schema(rename = "collection.updated")]
    CollectionUpdated,
}

/// A subscription as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub description: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: String,
    #[schema(example = "https://hooks.example.com/dateline")]
    pub url: String,
    /// Event types delivered.
    #[schema(example = json!(["article.published", "article.updated"]))]
    pub events: Vec<String>,
    pub description: String,
    /// Inactive webhooks receive nothing; they are disabled automatically after
    /// repeated failed deliveries (see `disabled_reason`).
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    /// The signing secret: shown once, when the webhook is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookResponse {
    pub fn new(row: WebhookRow, show_secret: bool) -> Self {
        WebhookResponse {
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            secret: show_secret.then_some(row.secret),
            id: row.id,
            url: row.url,
            description: row.description,
            active: row.active,
            disabled_reason: row.disabled_reason,
            consecutive_failures: row.consecutive_failures,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed (http or https; private addresses are refused unless
    /// `DATELINE_WEBHOOKS_ALLOW_PRIVATE=true`).
    pub url: String,
    /// Event types to deliver.
    #[schema(value_type = Vec<EventName>, min_items = 1)]
    pub events: Vec<String>,
    /// The HMAC-SHA256 signing secret (at least 16 characters); generated when absent.
    #[schema(min_length = 16)]
    pub secret: Option<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Changes to a subscription; `active: true` re-enables a disabled one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<EventName>>, min_items = 1)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    pub active: Option<bool>,
}

/// One delivery of one event to one webhook, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// A delivery, for the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: String,
    /// The event id (also sent as `Dateline-Event-Id`, for idempotency).
    pub event_id: String,
    #[schema(example = "article.published")]
    pub event: String,
    /// `pending`, `delivered` or `failed` (every attempt used).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status on the last attempt.
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl DeliveryResponse {
    pub fn new(row: DeliveryRow, event: String) -> Self {
        DeliveryResponse {
            next_attempt_at: (row.status == "pending").then(|| utc(row.next_attempt_at)),
            id: row.id,
            event_id: row.event_id,
            event,
            status: row.status,
            attempts: row.attempts,
            response_code: row.last_status_code,
            last_error: row.last_error,
            created_at: utc(row.created_at),
            delivered_at: row.delivered_at.map(utc),
        }
    }
}
