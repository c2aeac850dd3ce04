//! Stories as rails, collections and feeds list them: a few columns, never the body,
//! with their relations loaded in a fixed number of queries.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::blocks::FeaturedImage;
use super::listing::public_at;
use super::model::Relations;
use super::relations::Related;
use crate::content::Summary;
use crate::error::AppResult;
use crate::http::utc;
use crate::media::files::MediaStore;
use crate::store::ids::ImageId;
use crate::store::schema::articles;
use crate::store::{DbConn, now};

/// The columns a summary needs.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct SummaryRow {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub reading_time_minutes: i32,
    pub section_id: Option<String>,
    pub featured_image_id: Option<ImageId>,
}

impl Related for SummaryRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn section_id(&self) -> Option<&str> {
        self.section_id.as_deref()
    }
    fn featured_image_id(&self) -> Option<&str> {
        self.featured_image_id.as_deref()
    }
}

/// A published story as a list or rail shows it: headline, standfirst, lead photo
/// with its renditions, section and byline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Option<DateTime<Utc>>,
    /// Changes whenever the story does.
    pub updated_at: DateTime<Utc>,
    pub reading_time_minutes: i32,
    pub section: Option<Summary>,
    /// The byline, in order.
    pub authors: Vec<Summary>,
    pub featured_image: Option<FeaturedImage>,
}

impl ArticleSummary {
    fn new(row: SummaryRow, relations: Relations) -> Self {
        ArticleSummary {
            id: row.id,
            slug: row.slug,
            headline: row.headline,
            standfirst: row.standfirst,
            published_at: row.published_at.map(utc),
            updated_at: utc(row.updated_at),
            reading_time_minutes: row.reading_time_minutes,
            section: relations.section,
            authors: relations.authors,
            featured_image: relations.featured_image,
        }
    }
}

/// The public summaries of those of `ids` the public may see now, by id: one query
/// for the stories and four for their relations, however many there are.
pub fn public_summaries(
    conn: &mut DbConn,
    ids: &[&str],
    media: &MediaStore,
) -> AppResult<HashMap<String, ArticleSummary>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let now = now();
    let rows: Vec<SummaryRow> = articles::table
        .filter(articles::id.eq_any(ids))
        .filter(public_at!(now))
        .select(SummaryRow::as_select())
        .load(conn)?;
    let mut relations = super::relations::relations(conn, &rows, media)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let rel = relations.remove(&row.id).unwrap_or_default();
            (row.id.clone(), ArticleSummary::new(row, rel))
        })
        .collect())
}
