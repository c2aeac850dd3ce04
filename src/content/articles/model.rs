//! Article rows, requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::blocks::{Block, FeaturedImage};
use crate::content::Summary;
use crate::error::{AppError, AppResult};
use crate::http::utc;
use crate::store::ids::{ArticleId, ImageId};
use crate::store::schema::articles;

/// Where a story is in its life.
// Stored as its name (`draft`, …) in a text column; see the ToSql/FromSql impls below.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    /// Published with a future `published_at`: public from that moment.
    Scheduled,
    Published,
    Archived,
}

crate::stored_as_text!(Status, "a story status", {
    Draft => "draft",
    Scheduled => "scheduled",
    Published => "published",
    Archived => "archived",
});

/// Where a story is on the desk before publication: a contributor hands it in
/// (`ready_for_edit`), an editor approves it (`ready_to_publish`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Writing,
    ReadyForEdit,
    ReadyToPublish,
}

crate::stored_as_text!(Stage, "a story stage", {
    Writing => "writing",
    ReadyForEdit => "ready_for_edit",
    ReadyToPublish => "ready_to_publish",
});

/// Who may read a story: everyone, members, or paying subscribers. The front end
/// enforces the wall; structured data says `isAccessibleForFree`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    #[default]
    Public,
    Members,
    Paid,
}

crate::stored_as_text!(Access, "a story access level", {
    Public => "public",
    Members => "members",
    Paid => "paid",
});

/// Where a live blog is: taking entries as they happen, or over.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    Live,
    Ended,
}

crate::stored_as_text!(LiveState, "a live state", {
    Live => "live",
    Ended => "ended",
});

/// A live blog's state: a story with one carries a stream of entries
/// (`/articles/{key}/entries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Live {
    pub state: LiveState,
    /// When it first went live.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended (null while live).
    pub ended_at: Option<DateTime<Utc>>,
}

/// What a revision records was done to a story. Stored, logged for partners and sent
/// to webhooks by its name (`update`, `restore 3`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    /// Written by an importer run.
    Import,
    /// Revision `n`'s content put back as a new save.
    Restore(i32),
    Publish,
    Schedule,
    Unpublish,
    Trash,
    Untrash,
    /// The scheduler made a scheduled story public.
    ScheduledPublish,
    /// An embargo ran out.
    EmbargoLifted,
    /// Its `unpublish_at` came: back to draft by itself.
    ScheduledUnpublish,
    /// Its working copy was published onto it.
    PublishWorkingCopy,
    /// Moved to another stage of the desk.
    Stage(Stage),
    /// Its assignees changed.
    Assign,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Import => "import",
            Action::Restore(n) => return write!(f, "restore {n}"),
            Action::Publish => "publish",
            Action::Schedule => "schedule",
            Action::Unpublish => "unpublish",
            Action::Trash => "trash",
            Action::Untrash => "restore_from_trash",
            Action::ScheduledPublish => "scheduled_publish",
            Action::EmbargoLifted => "embargo_lifted",
            Action::Stage(stage) => return write!(f, "stage {}", stage.as_str()),
            Action::Assign => "assign",
            Action::ScheduledUnpublish => "scheduled_unpublish",
            Action::PublishWorkingCopy => "publish_working_copy",
        };
        f.write_str(name)
    }
}

/// An article as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: ArticleId,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub body_html: String,
    pub body_text: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub status: Status,
    pub published_at: Option<NaiveDateTime>,
    pub embargo_until: Option<NaiveDateTime>,
    pub section_id: Option<String>,
    pub source: String,
    pub featured_image_id: Option<ImageId>,
    pub canonical_url: String,
    pub seo_title: String,
    pub seo_description: String,
    pub corrections: String,
    pub created_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Old revisions (before stages existed) read as `writing`.
    #[serde(default)]
    pub stage: Stage,
    #[serde(default)]
    pub unpublish_at: Option<NaiveDateTime>,
    /// Revisions from before languages read as the default language.
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub translation_of: Option<String>,
    #[serde(default)]
    pub access: Access,
}

fn default_language() -> String {
    crate::publication::model::DEFAULT_LANGUAGE.to_owned()
}

impl ArticleRow {
    /// Visible to the public at `now`: published (or scheduled and due), past any
    /// embargo, not in the trash.
    pub fn is_public(&self, now: NaiveDateTime) -> bool {
        is_public_at(
            self.status,
            self.published_at,
            self.embargo_until,
            self.deleted_at,
            now,
        )
    }
}

/// The public-visibility rule over the columns it reads (the SQL form is `public_at!`).
pub fn is_public_at(
    status: Status,
    published_at: Option<NaiveDateTime>,
    embargo_until: Option<NaiveDateTime>,
    deleted_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> bool {
    deleted_at.is_none()
        && matches!(status, Status::Published | Status::Scheduled)
        && published_at.is_some_and(|at| at <= now)
        && embargo_until.is_none_or(|until| until <= now)
}

/// Search-engine fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Seo {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
}

/// A correction, shown publicly with its time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Correction {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// A story.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    #[schema(value_type = String)]
    pub id: ArticleId,
    pub slug: String,
    pub headline: String,
    /// The summary under the headline (often crediting the source).
    pub standfirst: String,
    /// The typed blocks (`formats=blocks`, default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Vec<Block>>,
    /// The body as HTML, rendered at save time (`formats=html`, default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// The body as plain text (`formats=text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub embargo_until: Option<DateTime<Utc>>,
    /// A published story leaves public reads by itself at this time (back to draft).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unpublish_at: Option<DateTime<Utc>>,
    pub section: Option<Summary>,
    pub tags: Vec<Summary>,
    /// The byline, in order.
    pub authors: Vec<Summary>,
    /// Credit line, e.g. an agency.
    pub source: String,
    pub featured_image: Option<FeaturedImage>,
    pub reading_time_minutes: i32,
    pub word_count: i32,
    pub canonical_url: String,
    pub seo: Seo,
    pub corrections: Vec<Correction>,
    /// BCP 47.
    #[schema(example = "en")]
    pub language: String,
    /// The original this story translates (its id), if it is a translation.
    pub translation_of: Option<String>,
    /// Who may read it: the front end enforces the wall.
    pub access: Access,
    /// Set when the story is a live blog; its entries are at `/articles/{key}/entries`.
    pub live: Option<Live>,
    /// The body is the story's teaser: with the publication's `teaser_blocks` set,
    /// anonymous reads of `members` and `paid` stories carry the standfirst and that
    /// many blocks; reads with credentials (the front end's key) carry the whole story.
    pub teaser: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Full records of the relations named in `include=`; absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included: Option<Included>,
    /// The desk's view (signed-in readers only, never in a public read): where the
    /// story is before publication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// The desk's view: the people working on the story, longest-assigned first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<Person>>,
    /// The desk's view: who holds the edit lock, if anyone does now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<EditLock>,
    /// The desk's view: the working copy being prepared for this published story, if
    /// there is one (read it at `GET …/working-copy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<CopyNote>,
    /// The stories its "Also Read" blocks show (filled with them; for surrogate keys).
    #[serde(skip)]
    pub links: Vec<String>,
}

impl ArticleResponse {
    /// What the story's address on the site is made of.
    pub fn place(&self) -> crate::publication::model::StoryPlace<'_> {
        crate::publication::model::StoryPlace {
            id: self.id.as_str(),
            slug: &self.slug,
            section: self.section.as_ref().map(|s| s.slug.as_str()),
            language: &self.language,
            published_at: self.published_at,
        }
    }
}

/// Who is editing a story, since when, and until when unless they renew.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EditLock {
    pub user: Person,
    pub acquired_at: DateTime<Utc>,
    /// Lapses then unless renewed (`POST …/lock` again).
    pub expires_at: DateTime<Utc>,
}

/// That a story has a working copy: its version, who started it and when it last changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CopyNote {
    pub version: i64,
    /// The user who started it (null for an API key).
    pub created_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A user as the desk shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub name: String,
}

/// Relations expanded by `include=authors,tags,section,featured_image`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Included {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors: Option<Vec<crate::content::authors::model::AuthorResponse>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<crate::content::tags::model::TagResponse>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<crate::content::sections::model::SectionResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured_image: Option<crate::media::model::ImageResponse>,
}

/// Which relations `include=` expands.
#[derive(Debug, Default, Clone, Copy)]
pub struct Include {
    pub authors: bool,
    pub tags: bool,
    pub section: bool,
    pub featured_image: bool,
}

impl Include {
    /// Parses `include=authors,tags,section,featured_image`.
    pub fn parse(raw: Option<&str>) -> AppResult<Include> {
        let mut include = Include::default();
        // Empty asks for nothing (a list without expansions).
        for part in raw
            .filter(|r| !r.is_empty())
            .into_iter()
            .flat_map(|r| r.split(','))
        {
            match part {
                "authors" => include.authors = true,
                "tags" => include.tags = true,
                "section" => include.section = true,
                "featured_image" => include.featured_image = true,
                other => {
                    return Err(AppError::invalid(
                        "include",
                        format!("'{other}' is not one of authors, tags, section, featured_image"),
                    ));
                }
            }
        }
        Ok(include)
    }

    /// True when nothing is to be expanded.
    pub fn is_empty(self) -> bool {
        !(self.authors || self.tags || self.section || self.featured_image)
    }
}

/// Which body renderings a read returns.
#[derive(Debug, Clone, Copy)]
pub struct Formats {
    pub blocks: bool,
    pub html: bool,
    pub text: bool,
}

impl Formats {
    /// What a read returns when `formats` is not given.
    pub const DEFAULT: Formats = Formats {
        blocks: true,
        html: true,
        text: false,
    };

    /// Parses `formats=blocks,html,text` (default `blocks,html`).
    pub fn parse(raw: Option<&str>) -> AppResult<Formats> {
        let Some(raw) = raw else {
            return Ok(Formats::DEFAULT);
        };
        let mut formats = Formats {
            blocks: false,
            html: false,
            text: false,
        };
        // Empty asks for no body at all (a list of headlines).
        for part in raw.split(',').filter(|_| !raw.is_empty()) {
            match part {
                "blocks" => formats.blocks = true,
                "html" => formats.html = true,
                "text" => formats.text = true,
                other => {
                    return Err(AppError::invalid(
                        "formats",
                        format!("'{other}' is not one of blocks, html, text"),
                    ));
                }
            }
        }
        Ok(formats)
    }
}

/// The relations of one article, loaded in batches.
#[derive(Debug, Default, Clone)]
pub struct Relations {
    pub section: Option<Summary>,
    pub tags: Vec<Summary>,
    pub authors: Vec<Summary>,
    pub featured_image: Option<FeaturedImage>,
    pub live: Option<Live>,
}

impl ArticleResponse {
    /// The response for a row with its relations.
    pub fn new(row: ArticleRow, relations: Relations, formats: Formats) -> Self {
        let body: Vec<Block> = serde_json::from_str(&row.body).unwrap_or_default();
        ArticleResponse {
            body: formats.blocks.then_some(body),
            body_html: formats.html.then_some(row.body_html),
            body_text: formats.text.then_some(row.body_text),
            status: row.status,
            published_at: row.published_at.map(utc),
            embargo_until: row.embargo_until.map(utc),
            unpublish_at: row.unpublish_at.map(utc),
            section: relations.section,
            tags: relations.tags,
            authors: relations.authors,
            featured_image: relations.featured_image,
            seo: Seo {
                title: row.seo_title,
                description: row.seo_description,
            },
            corrections: serde_json::from_str(&row.corrections).unwrap_or_default(),
            id: row.id,
            slug: row.slug,
            headline: row.headline,
            standfirst: row.standfirst,
            source: row.source,
            reading_time_minutes: row.reading_time_minutes,
            word_count: row.word_count,
            canonical_url: row.canonical_url,
            language: row.language,
            translation_of: row.translation_of,
            access: row.access,
            live: relations.live,
            teaser: false,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            included: None,
            stage: None,
            assignees: None,
            lock: None,
            working_copy: None,
            links: Vec::new(),
        }
    }
}

/// A story as lists and links show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleLink {
    #[schema(value_type = String)]
    pub id: ArticleId,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<&ArticleRow> for ArticleLink {
    fn from(row: &ArticleRow) -> Self {
        ArticleLink {
            id: row.id.clone(),
            slug: row.slug.clone(),
            headline: row.headline.clone(),
            standfirst: row.standfirst.clone(),
            published_at: row.published_at.map(utc),
        }
    }
}

/// Another language's version of a story.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct Translation {
    #[schema(value_type = String)]
    pub id: ArticleId,
    pub slug: String,
    #[schema(example = "es")]
    pub language: String,
    pub headline: String,
}

/// Where a story sits among its neighbours, for single reads.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Neighbours {
    /// The story published before this one in the same section.
    pub previous: Option<ArticleLink>,
    /// The story published after this one in the same section.
    pub next: Option<ArticleLink>,
    /// "Also Read" targets first, then stories sharing tags, newest first.
    pub related: Vec<ArticleLink>,
    /// The tags `related` was topped up from (for surrogate keys).
    #[serde(skip)]
    pub by_tags: Vec<String>,
    /// The story in its other languages (public ones), by language.
    pub translations: Vec<Translation>,
    /// The original of its translation group (itself if it is one; for surrogate keys).
    #[serde(skip)]
    pub group: String,
}

/// A story with its neighbours (`GET /articles/{key}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    #[serde(flatten)]
    pub article: ArticleResponse,
    #[serde(flatten)]
    pub neighbours: Neighbours,
}

/// One entry of a story's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionSummary {
    pub number: i32,
    /// `create`, `update`, `publish`, `schedule`, `unpublish`, `trash`, `restore`, …
    pub action: String,
    /// The user who did it (null for API keys and the scheduler).
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A revision with the story as it was then.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    #[serde(flatten)]
    pub summary: RevisionSummary,
    pub article: ArticleResponse,
}

/// What a revision stores.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub article: ArticleRow,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
}
