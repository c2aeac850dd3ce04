//! Live-blog entries as the API takes and shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::content::Summary;
use crate::content::articles::blocks::Block;

/// The most blocks one entry holds.
pub const MAX_ENTRY_BLOCKS: usize = 50;

/// A new entry: published on the live story as soon as it is written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntry {
    /// Blocks, as in a story body (at least one).
    #[schema(
        min_items = 1,
        max_items = 50,
        example = json!([{"type": "paragraph", "html": "All crossings are cancelled until 6pm."}])
    )]
    pub body: Vec<Block>,
    #[schema(max_length = 300, example = "Ferry services suspended")]
    pub headline: Option<String>,
    /// A moment readers should not miss (summaries and structured data list these).
    pub key_event: Option<bool>,
    /// Shown apart, above the timeline (`pinned` in the public list).
    pub pinned: Option<bool>,
    /// Author slugs or ids, in byline order (none: the story's byline stands).
    #[schema(max_items = 10)]
    pub authors: Option<Vec<String>>,
}

/// Changes to an entry (versioned); absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntry {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(
        min_items = 1,
        max_items = 50,
        example = json!([{"type": "paragraph", "html": "Crossings resume at 6pm."}])
    )]
    pub body: Option<Vec<Block>>,
    /// An empty string removes the headline.
    #[schema(max_length = 300)]
    pub headline: Option<String>,
    pub key_event: Option<bool>,
    pub pinned: Option<bool>,
    #[schema(max_items = 10)]
    pub authors: Option<Vec<String>>,
}

/// An entry of a live story.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryResponse {
    pub id: String,
    /// Null when the entry has none.
    pub headline: Option<String>,
    pub body: Vec<Block>,
    /// The body as HTML, rendered at save time ("Also Read" links as they are now).
    pub body_html: String,
    pub key_event: bool,
    pub pinned: bool,
    /// The entry's byline (empty: the story's stands).
    pub authors: Vec<Summary>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl EntryResponse {
    /// The entry as plain text, its blocks' words separated by single spaces.
    pub fn text(&self) -> String {
        crate::content::articles::blocks::strip_tags(&self.body_html)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Its headline, or the start of its text (what feeds and search engines need).
    pub fn title(&self) -> String {
        if let Some(h) = &self.headline {
            return h.clone();
        }
        let text = self.text();
        let short: String = text.chars().take(110).collect();
        if short.len() < text.len() {
            format!("{short}…")
        } else {
            short
        }
    }
}

/// A page of a live story's entries, newest first, with the pinned ones apart.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesPage {
    /// Every entry (pinned ones too), newest first.
    pub data: Vec<EntryResponse>,
    /// The pinned entries, newest first (on every page).
    pub pinned: Vec<EntryResponse>,
    /// Pass as `cursor` for older entries; null on the last page.
    pub next_cursor: Option<String>,
    /// The story's event number this page reflects: open the stream with
    /// `?last_event_id=` set to it to hear of every later change (apply events by
    /// entry id: one already on this page may come again).
    pub last_event_id: i64,
}

/// Paging and polling a live story's entries.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only entries published or edited after this time (RFC 3339), for polling;
    /// deletions reach readers through the event stream.
    pub since: Option<DateTime<Utc>>,
}

/// Where a stream starts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The event number read up to (a page's `last_event_id`): the stream starts with
    /// every change after it. A `Last-Event-ID` header (what a reconnecting
    /// `EventSource` sends) takes precedence. Neither: only changes from now on.
    #[param(minimum = 0)]
    pub last_event_id: Option<i64>,
}

/// What happened to an entry, as the event stream and webhooks name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum EntryEvent {
    #[serde(rename = "entry.created")]
    Created,
    #[serde(rename = "entry.updated")]
    Updated,
    #[serde(rename = "entry.deleted")]
    Deleted,
}

impl EntryEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryEvent::Created => "entry.created",
            EntryEvent::Updated => "entry.updated",
            EntryEvent::Deleted => "entry.deleted",
        }
    }

    /// The webhook event of the same change.
    pub fn webhook(self) -> &'static str {
        match self {
            EntryEvent::Created => "article.entry_published",
            EntryEvent::Updated => "article.entry_updated",
            EntryEvent::Deleted => "article.entry_deleted",
        }
    }
}
