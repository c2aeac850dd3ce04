//! Section rows, requests and responses.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::slug::Slug;
use crate::content::{Summary, parse_label, parse_text};
use crate::error::{AppResult, Errors};
use crate::http::utc;
use crate::store::schema::sections;

/// How deep sections may nest (World > Europe > France > Paris > … ).
pub const MAX_DEPTH: usize = 8;

/// A section as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sections)]
pub struct SectionRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<String>,
    pub position: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl SectionRow {
    /// The compact form used in relations.
    pub fn summary(&self) -> Summary {
        Summary {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
        }
    }
}

/// A section with its place in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionResponse {
    pub id: String,
    #[schema(example = "europe")]
    pub slug: String,
    #[schema(example = "Europe")]
    pub name: String,
    pub description: String,
    /// The parent section; null for a top-level section.
    pub parent: Option<Summary>,
    /// Order among its siblings (ascending).
    pub position: i32,
    /// From the top-level section down to the parent: a ready breadcrumb.
    pub ancestors: Vec<Summary>,
    /// Direct subsections, in order.
    pub children: Vec<Summary>,
    /// Published stories in this section.
    pub article_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A node of the section tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionNode {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub article_count: i64,
    pub version: i64,
    /// Subsections, in order.
    #[schema(no_recursion)]
    pub children: Vec<SectionNode>,
}

/// The whole section tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionTree {
    /// Top-level sections, in order, each with its subsections.
    pub data: Vec<SectionNode>,
}

/// Orders siblings: by position, then slug.
fn sorted(mut rows: Vec<&SectionRow>) -> Vec<&SectionRow> {
    rows.sort_by(|a, b| (a.position, &a.slug).cmp(&(b.position, &b.slug)));
    rows
}

/// All sections, arranged for reading.
pub struct Tree<'a> {
    by_id: HashMap<&'a str, &'a SectionRow>,
    children: HashMap<Option<&'a str>, Vec<&'a SectionRow>>,
    counts: HashMap<String, i64>,
}

impl<'a> Tree<'a> {
    /// Indexes every section by id and by parent.
    pub fn new(rows: &'a [SectionRow]) -> Self {
        let mut children: HashMap<Option<&str>, Vec<&SectionRow>> = HashMap::new();
        for row in rows {
            children
                .entry(row.parent_id.as_deref())
                .or_default()
                .push(row);
        }
        Tree {
            by_id: rows.iter().map(|r| (r.id.as_str(), r)).collect(),
            children,
            counts: HashMap::new(),
        }
    }

    /// Published-article counts per section id, shown as `article_count`.
    pub fn with_counts(mut self, counts: HashMap<String, i64>) -> Self {
        self.counts = counts;
        self
    }

    fn count(&self, id: &str) -> i64 {
        self.counts.get(id).copied().unwrap_or(0)
    }

    /// The nested tree from the top-level sections down.
    pub fn nodes(&self) -> SectionTree {
        SectionTree {
            data: self.nodes_under(None, 0),
        }
    }

    fn nodes_under(&self, parent: Option<&str>, depth: usize) -> Vec<SectionNode> {
        // The write path forbids cycles; the depth bound guards against hand-edited data.
        if depth > 64 {
            return Vec::new();
        }
        let kids = self.children.get(&parent).cloned().unwrap_or_default();
        sorted(kids)
            .into_iter()
            .map(|row| SectionNode {
                id: row.id.clone(),
                slug: row.slug.clone(),
                name: row.name.clone(),
                description: row.description.clone(),
                position: row.position,
                article_count: self.count(&row.id),
                version: row.version,
                children: self.nodes_under(Some(&row.id), depth + 1),
            })
            .collect()
    }

    /// `id`'s ancestors, top-level first.
    pub fn ancestors(&self, id: &str) -> Vec<&'a SectionRow> {
        let mut chain = Vec::new();
        let mut next = self.by_id.get(id).and_then(|r| r.parent_id.as_deref());
        while let Some(parent) = next.and_then(|p| self.by_id.get(p)) {
            if chain.iter().any(|c: &&SectionRow| c.id == parent.id) {
                break;
            }
            chain.push(*parent);
            next = parent.parent_id.as_deref();
        }
        chain.reverse();
        chain
    }

    /// How many levels `id` and its subsections span (1 for a leaf).
    pub fn height(&self, id: &str) -> usize {
        self.height_below(id, 0)
    }

    fn height_below(&self, id: &str, depth: usize) -> usize {
        let kids = self.children.get(&Some(id)).map_or(&[][..], Vec::as_slice);
        if depth > MAX_DEPTH {
            return depth;
        }
        1 + kids
            .iter()
            .map(|k| self.height_below(&k.id, depth + 1))
            .max()
            .unwrap_or(0)
    }

    /// Refuses a placement under `parent` that would nest deeper than [`MAX_DEPTH`].
    pub fn check_depth(
        &self,
        parent: &SectionRow,
        moving_height: usize,
    ) -> crate::error::AppResult<()> {
        let depth = self.ancestors(&parent.id).len() + 1 + moving_height;
        if depth > MAX_DEPTH {
            return Err(crate::error::AppError::invalid(
                "parent",
                format!("sections nest at most {MAX_DEPTH} levels deep; this would make {depth}"),
            ));
        }
        Ok(())
    }

    /// The full response for one section.
    pub fn response(&self, row: &SectionRow) -> SectionResponse {
        let children = self
            .children
            .get(&Some(row.id.as_str()))
            .cloned()
            .unwrap_or_default();
        SectionResponse {
            id: row.id.clone(),
            slug: row.slug.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            parent: row
                .parent_id
                .as_deref()
                .and_then(|p| self.by_id.get(p))
                .map(|p| p.summary()),
            position: row.position,
            ancestors: self
                .ancestors(&row.id)
                .into_iter()
                .map(SectionRow::summary)
                .collect(),
            children: sorted(children)
                .into_iter()
                .map(SectionRow::summary)
                .collect(),
            article_count: self.count(&row.id),
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A new section. The slug is derived from the name unless given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSection {
    #[schema(example = "Europe", max_length = 120)]
    pub name: String,
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The parent section's slug or id; omit for a top-level section.
    #[schema(example = "world")]
    pub parent: Option<String>,
    /// Order among siblings; defaults to after the last one.
    #[schema(minimum = 0, maximum = 100_000)]
    pub position: Option<i32>,
}

/// Changes to a section; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSection {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(max_length = 120)]
    pub name: Option<String>,
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// A new parent (slug or id), or null to make it top-level. A section cannot move
    /// under itself or its own descendants.
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub parent: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 100_000)]
    pub position: Option<i32>,
}

/// Checked section fields; `None` means "not sent".
#[derive(Debug, Default)]
pub struct SectionInput {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub description: Option<String>,
    /// `Some(None)` moves the section to the top level.
    pub parent: Option<Option<String>>,
    pub position: Option<i32>,
}

impl CreateSection {
    /// Checks every field.
    pub fn parse(self) -> AppResult<SectionInput> {
        UpdateSection {
            version: None,
            name: Some(self.name),
            slug: self.slug,
            description: self.description,
            parent: self.parent.map(Some),
            position: self.position,
        }
        .parse()
    }
}

impl UpdateSection {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<SectionInput> {
        let mut errors = Errors::default();
        let input = SectionInput {
            name: self
                .name
                .and_then(|n| errors.check("name", parse_label(&n))),
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            description: self
                .description
                .and_then(|d| errors.check("description", parse_text(&d, 2000))),
            parent: self.parent,
            position: self.position,
        };
        if input.position.is_some_and(|p| !(0..=100_000).contains(&p)) {
            errors.add("position", "must be from 0 to 100000");
        }
        errors.finish()?;
        Ok(input)
    }
}
