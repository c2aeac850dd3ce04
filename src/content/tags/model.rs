//! Tag rows, requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::slug::Slug;
use crate::content::{parse_label, parse_text};
use crate::error::{AppResult, Errors};
use crate::http::utc;
use crate::store::schema::tags;

/// A tag as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagResponse {
    pub id: String,
    #[schema(example = "elections")]
    pub slug: String,
    #[schema(example = "Elections")]
    pub name: String,
    pub description: String,
    /// Published stories carrying this tag.
    pub article_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TagResponse {
    /// The response for a row and its published-article count.
    pub fn new(row: TagRow, article_count: i64) -> Self {
        TagResponse {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            article_count,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A new tag. The slug is derived from the name unless given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTag {
    #[schema(example = "Elections", max_length = 120)]
    pub name: String,
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Changes to a tag; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTag {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(max_length = 120)]
    pub name: Option<String>,
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Checked tag fields; `None` means "not sent".
#[derive(Debug, Default)]
pub struct TagInput {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub description: Option<String>,
}

impl CreateTag {
    /// Checks every field.
    pub fn parse(self) -> AppResult<(String, TagInput)> {
        let mut errors = Errors::default();
        let name = errors.check("name", parse_label(&self.name));
        let input = TagInput {
            name: name.clone(),
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            description: self
                .description
                .and_then(|d| errors.check("description", parse_text(&d, 2000))),
        };
        errors.finish()?;
        Ok((name.unwrap_or_default(), input))
    }
}

impl UpdateTag {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<TagInput> {
        let mut errors = Errors::default();
        let input = TagInput {
            name: self
                .name
                .and_then(|n| errors.check("name", parse_label(&n))),
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            description: self
                .description
                .and_then(|d| errors.check("description", parse_text(&d, 2000))),
        };
        errors.finish()?;
        Ok(input)
    }
}
