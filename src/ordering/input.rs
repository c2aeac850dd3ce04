//! What collection writes accept, and their checked form.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::content::slug::Slug;
use crate::content::{parse_label, parse_text};
use crate::error::{AppError, AppResult, Errors};

/// The most items a collection may hold.
pub const MAX_ITEMS: i32 = 100;
/// Capacity when none is given.
pub const DEFAULT_MAX_ITEMS: i32 = 10;

fn parse_max(n: i32) -> Result<i32, String> {
    if (1..=MAX_ITEMS).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be from 1 to {MAX_ITEMS}"))
    }
}

/// A new collection. The slug is derived from the name unless given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCollection {
    #[schema(example = "Top News", max_length = 120)]
    pub name: String,
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// 1 to 100 (default 10).
    #[schema(minimum = 1, maximum = 100)]
    pub max_items: Option<i32>,
    /// Section slug or id to top up from with its latest published stories.
    pub fill_section: Option<String>,
    /// Tag slug or id to top up from (with `fill_section`: stories with both).
    pub fill_tag: Option<String>,
}

/// Changes to a collection's settings; absent fields stay, `null` clears a fill.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollection {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(max_length = 120)]
    pub name: Option<String>,
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Cannot go below the curated items there are (or a pinned position).
    #[schema(minimum = 1, maximum = 100)]
    pub max_items: Option<i32>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub fill_section: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub fill_tag: Option<Option<String>>,
}

/// Checked settings; `None` means "not sent".
#[derive(Debug, Default)]
pub struct CollectionInput {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub description: Option<String>,
    pub max_items: Option<i32>,
    pub fill_section: Option<Option<String>>,
    pub fill_tag: Option<Option<String>>,
}

impl CreateCollection {
    /// Checks every field.
    pub fn parse(self) -> AppResult<(String, CollectionInput)> {
        let mut errors = Errors::default();
        let name = errors.check("name", parse_label(&self.name));
        let input = CollectionInput {
            name: name.clone(),
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            description: self
                .description
                .and_then(|d| errors.check("description", parse_text(&d, 2000))),
            max_items: errors.check(
                "max_items",
                parse_max(self.max_items.unwrap_or(DEFAULT_MAX_ITEMS)),
            ),
            fill_section: self.fill_section.map(Some),
            fill_tag: self.fill_tag.map(Some),
        };
        errors.finish()?;
        Ok((name.unwrap_or_default(), input))
    }
}

impl UpdateCollection {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<CollectionInput> {
        let mut errors = Errors::default();
        let input = CollectionInput {
            name: self
                .name
                .and_then(|n| errors.check("name", parse_label(&n))),
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            description: self
                .description
                .and_then(|d| errors.check("description", parse_text(&d, 2000))),
            max_items: self
                .max_items
                .and_then(|n| errors.check("max_items", parse_max(n))),
            fill_section: self.fill_section,
            fill_tag: self.fill_tag,
        };
        errors.finish()?;
        Ok(input)
    }
}

/// One story in an order being set.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// Article id or slug.
    pub article_id: String,
    /// Hold this position while others move around it.
    #[serde(default)]
    pub pinned: bool,
    /// Drop out by itself at this time (a time already past drops it at once).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A whole new order: items in order, pinned ones anchored where they stand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceItems {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    pub items: Vec<ItemInput>,
}

/// Puts a story into the order at a position.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsertItem {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    /// Article id or slug.
    pub article_id: String,
    /// 1-based (default 1, the top). A position pinned by another story sends the
    /// newcomer to the next free one, unless it is pinned itself (409).
    #[schema(minimum = 1, maximum = 100)]
    pub position: Option<i32>,
    #[serde(default)]
    pub pinned: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Moves, pins, unpins or re-times one item; absent fields stay, `null` clears the
/// expiry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateItem {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    /// Move to this 1-based position.
    #[schema(minimum = 1, maximum = 100)]
    pub position: Option<i32>,
    pub pinned: Option<bool>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// An order prepared to replace the live one at `publish_at`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSchedule {
    /// When it takes effect; must be in the future.
    pub publish_at: DateTime<Utc>,
    pub items: Vec<ItemInput>,
}

/// The version for writes without a body (`DELETE`), when `If-Match` is not sent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
}

/// A time checked and stored as every time is (see [`crate::content::parse_instant`]).
pub fn instant(field: &str, at: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    crate::content::parse_instant(at).map_err(|m| AppError::invalid(field, m))
}

/// A position within the most any collection holds, checked before anything is
/// looked up (so an impossible position is 422 whatever the version sent).
pub fn possible_position(raw: Option<i32>) -> AppResult<Option<i32>> {
    match raw {
        Some(p) if !(1..=MAX_ITEMS).contains(&p) => Err(AppError::invalid(
            "position",
            format!("must be from 1 to {MAX_ITEMS}"),
        )),
        _ => Ok(raw),
    }
}

/// A position checked against the collection's capacity.
pub fn position(field: &str, raw: i32, max_items: i32) -> AppResult<usize> {
    if (1..=max_items).contains(&raw) {
        Ok(raw as usize)
    } else {
        Err(AppError::invalid(
            field,
            format!("must be from 1 to {max_items} (the collection's max_items)"),
        ))
    }
}
