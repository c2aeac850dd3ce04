//! Collection rows and the shapes the API sends.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::arrange::Slot;
use crate::content::Summary;
use crate::content::articles::model::{ArticleLink, Status};
use crate::content::articles::summary::ArticleSummary;
use crate::http::utc;
use crate::store::schema::{
    collection_changes, collection_items, collection_schedules, collections,
};

/// A collection as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = collections)]
pub struct CollectionRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub max_items: i32,
    pub fill_section_id: Option<String>,
    pub fill_tag_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CollectionRow {
    /// The capacity as a count.
    pub fn capacity(&self) -> usize {
        self.max_items.max(0) as usize
    }
}

/// One curated item as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = collection_items)]
pub struct ItemRow {
    pub article_id: String,
    pub position: i32,
    pub pinned: bool,
    pub expires_at: Option<NaiveDateTime>,
}

impl From<ItemRow> for Slot {
    fn from(row: ItemRow) -> Slot {
        Slot {
            article_id: row.article_id,
            position: row.position,
            pinned: row.pinned,
            expires_at: row.expires_at.map(utc),
        }
    }
}

/// One entry of a collection's history as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = collection_changes)]
pub struct ChangeRow {
    pub version: i64,
    pub operation: String,
    pub detail: String,
    pub items_before: String,
    pub items_after: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A prepared order as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = collection_schedules)]
pub struct ScheduleRow {
    pub id: String,
    pub collection_id: String,
    pub items: String,
    pub publish_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub canceled_at: Option<NaiveDateTime>,
}

/// Where a collection tops itself up from when curated items run short.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Fill {
    /// The latest published stories of this section (and its subsections).
    pub section: Option<Summary>,
    /// The latest published stories with this tag (both: stories with both).
    pub tag: Option<Summary>,
}

/// A collection's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionResponse {
    pub id: String,
    #[schema(example = "top-news")]
    pub slug: String,
    #[schema(example = "Top News")]
    pub name: String,
    pub description: String,
    /// At most this many items are shown (and curated).
    pub max_items: i32,
    pub fill: Fill,
    /// Bumped by every change, to the settings or to the order.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CollectionResponse {
    pub fn new(row: CollectionRow, fill: Fill) -> Self {
        CollectionResponse {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            max_items: row.max_items,
            fill,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// Where a shown item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Placed by an editor.
    Curated,
    /// Topped up from the collection's section or tag.
    Automatic,
}

/// One story as the public sees it in a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicItem {
    /// 1-based, without gaps.
    pub position: i32,
    pub pinned: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub source: Source,
    pub article: ArticleSummary,
}

/// A collection resolved for the public (`GET /collections/{slug}`): published
/// stories only, expired or unavailable ones skipped without leaving gaps.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionPage {
    #[serde(flatten)]
    pub collection: CollectionResponse,
    pub items: Vec<PublicItem>,
}

/// One curated item as editors see it, whether or not the public can.
#[derive(Debug, Serialize, ToSchema)]
pub struct CuratedItem {
    pub position: i32,
    pub pinned: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the public sees it now (published, past any embargo, not trashed,
    /// not expired).
    pub visible: bool,
    pub status: Status,
    pub article: ArticleLink,
}

/// The curated order (`GET /collections/{slug}/items` and every ordering write).
#[derive(Debug, Serialize, ToSchema)]
pub struct Curation {
    pub collection_id: String,
    pub slug: String,
    pub max_items: i32,
    /// Send this back with the next change.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub items: Vec<CuratedItem>,
    /// Items this change pushed out (an insert into a full collection drops its
    /// lowest unpinned item).
    pub dropped: Vec<Slot>,
}

/// What an operation touched, beyond the order itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ChangeDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
    /// Stories pushed out or expired by this change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// For `restore`: the version whose order came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<i64>,
    /// For `scheduled_replace`: the arrangement applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
}

/// One change to a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// The collection's version after the change.
    pub version: i64,
    /// `create`, `settings`, `replace`, `insert`, `move`, `pin`, `unpin`, `expiry`,
    /// `update`, `remove`, `expire`, `scheduled_replace` or `restore`.
    pub operation: String,
    pub detail: ChangeDetail,
    /// The user who did it (null for API keys and the scheduler).
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub before: Vec<Slot>,
    pub after: Vec<Slot>,
}

impl From<ChangeRow> for Change {
    fn from(row: ChangeRow) -> Change {
        Change {
            version: row.version,
            detail: serde_json::from_str(&row.detail).unwrap_or_default(),
            before: serde_json::from_str(&row.items_before).unwrap_or_default(),
            after: serde_json::from_str(&row.items_after).unwrap_or_default(),
            operation: row.operation,
            created_by: row.created_by,
            created_at: utc(row.created_at),
        }
    }
}

/// Where a prepared order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleStatus {
    Pending,
    Applied,
    Canceled,
}

/// An order prepared to replace the live one at `publish_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    pub id: String,
    pub publish_at: DateTime<Utc>,
    pub status: ScheduleStatus,
    pub items: Vec<Slot>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
}

impl From<ScheduleRow> for ScheduleResponse {
    fn from(row: ScheduleRow) -> Self {
        let status = match (row.applied_at, row.canceled_at) {
            (Some(_), _) => ScheduleStatus::Applied,
            (None, Some(_)) => ScheduleStatus::Canceled,
            (None, None) => ScheduleStatus::Pending,
        };
        ScheduleResponse {
            id: row.id,
            publish_at: utc(row.publish_at),
            status,
            items: serde_json::from_str(&row.items).unwrap_or_default(),
            created_by: row.created_by,
            created_at: utc(row.created_at),
            applied_at: row.applied_at.map(utc),
        }
    }
}
