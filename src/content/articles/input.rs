//! What writes to a story accept: the request bodies and their checked form.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::blocks::Block;
use super::model::{Access, LiveState, Seo, Stage};
use crate::content::language::parse_language;
use crate::content::parse_text;
use crate::content::slug::Slug;
use crate::error::{AppResult, Errors};

/// A new story (a draft). Relations are referenced by slug or id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticle {
    #[schema(
        example = "Kremlin 'prepared for the worst' over US ties",
        min_length = 1,
        max_length = 300
    )]
    pub headline: String,
    /// Derived from the headline unless given.
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub standfirst: Option<String>,
    pub body: Option<Vec<Block>>,
    /// Section slug or id.
    pub section: Option<String>,
    /// Tag slugs or ids.
    pub tags: Option<Vec<String>>,
    /// Author slugs or ids, in byline order.
    pub authors: Option<Vec<String>>,
    #[schema(max_length = 300)]
    pub source: Option<String>,
    /// Image id.
    pub featured_image: Option<String>,
    #[schema(max_length = 2048)]
    pub canonical_url: Option<String>,
    pub seo: Option<Seo>,
    /// Hidden from the public until then, even once published.
    pub embargo_until: Option<DateTime<Utc>>,
    /// User ids of the people working on it (editors assign; see `PATCH`).
    #[schema(max_items = 20)]
    pub assignees: Option<Vec<String>>,
    /// BCP 47; the publication's language unless given.
    #[schema(example = "en")]
    pub language: Option<String>,
    /// The story this one translates (id or slug).
    pub translation_of: Option<String>,
    /// `public` (default), `members` or `paid`.
    pub access: Option<Access>,
    /// Makes the story a live blog (`{"state": "live"}`).
    pub live: Option<LiveInput>,
}

/// A live blog's state as a write sets it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveInput {
    /// `live` starts (or resumes) the coverage, `ended` closes it.
    pub state: LiveState,
}

/// Changes to a story; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticle {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(min_length = 1, max_length = 300)]
    pub headline: Option<String>,
    /// A new slug; the old one keeps answering with a redirect.
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub standfirst: Option<String>,
    pub body: Option<Vec<Block>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub section: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub authors: Option<Vec<String>>,
    #[schema(max_length = 300)]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub featured_image: Option<Option<String>>,
    #[schema(max_length = 2048)]
    pub canonical_url: Option<String>,
    pub seo: Option<Seo>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub embargo_until: Option<Option<DateTime<Utc>>>,
    /// Appends a correction, stamped with the current time, shown publicly.
    #[schema(min_length = 1, max_length = 2000)]
    pub append_correction: Option<String>,
    /// A future time at which the story leaves public reads by itself (back to
    /// draft); `null` cancels it.
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub unpublish_at: Option<Option<DateTime<Utc>>>,
    /// Where the story is on the desk. A contributor or author hands a story in
    /// (`ready_for_edit`); only editors approve it (`ready_to_publish`).
    pub stage: Option<Stage>,
    /// User ids of the people working on it, replacing the list (editors only).
    #[schema(max_items = 20)]
    pub assignees: Option<Vec<String>>,
    /// BCP 47.
    #[schema(example = "en-GB")]
    pub language: Option<String>,
    /// The story this one translates (id or slug); `null`: not a translation.
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub translation_of: Option<Option<String>>,
    pub access: Option<Access>,
    /// `{"state": "live"}` or `{"state": "ended"}`; `null`: no longer a live blog (its
    /// entries stay).
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<LiveInput>, nullable)]
    pub live: Option<Option<LiveInput>>,
}

/// Checked article fields; `None` means "not sent".
#[derive(Debug, Default)]
pub struct ArticleInput {
    pub headline: Option<String>,
    pub slug: Option<Slug>,
    pub standfirst: Option<String>,
    pub body: Option<Vec<Block>>,
    pub section: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub authors: Option<Vec<String>>,
    pub source: Option<String>,
    pub featured_image: Option<Option<String>>,
    pub canonical_url: Option<String>,
    pub seo: Option<Seo>,
    pub embargo_until: Option<Option<NaiveDateTime>>,
    pub append_correction: Option<String>,
    pub unpublish_at: Option<Option<NaiveDateTime>>,
    pub stage: Option<Stage>,
    /// Deduplicated, in the order given.
    pub assignees: Option<Vec<String>>,
    pub language: Option<String>,
    pub translation_of: Option<Option<String>>,
    pub access: Option<Access>,
    pub live: Option<Option<LiveState>>,
}

impl CreateArticle {
    /// Checks every field.
    pub fn parse(self) -> AppResult<ArticleInput> {
        UpdateArticle {
            version: None,
            headline: Some(self.headline),
            slug: self.slug,
            standfirst: self.standfirst,
            body: self.body,
            section: self.section.map(Some),
            tags: self.tags,
            authors: self.authors,
            source: self.source,
            featured_image: self.featured_image.map(Some),
            canonical_url: self.canonical_url,
            seo: self.seo,
            embargo_until: self.embargo_until.map(Some),
            append_correction: None,
            unpublish_at: None,
            stage: None,
            assignees: self.assignees,
            language: self.language,
            translation_of: self.translation_of.map(Some),
            access: self.access,
            live: self.live.map(Some),
        }
        .parse()
    }
}

impl UpdateArticle {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<ArticleInput> {
        let mut errors = Errors::default();
        let headline = self.headline.and_then(|h| {
            let h = errors.check("headline", parse_text(&h, 300))?;
            if h.is_empty() {
                errors.add("headline", "must not be empty");
            }
            Some(h)
        });
        let body = self.body.map(|blocks| {
            if blocks.len() > super::blocks::MAX_BLOCKS {
                errors.add(
                    "body",
                    format!("at most {} blocks", super::blocks::MAX_BLOCKS),
                );
            }
            blocks
                .into_iter()
                .enumerate()
                .map(|(i, b)| b.clean(i, &mut errors))
                .collect()
        });
        // Empty clears it; anything else is a URL, kept in normal form.
        let canonical_url = self.canonical_url.map(|u| {
            if u.is_empty() {
                u
            } else {
                errors
                    .check("canonical_url", crate::content::http_url(&u))
                    .unwrap_or_default()
            }
        });
        let seo = self.seo.map(|s| Seo {
            title: errors
                .check("seo.title", parse_text(&s.title, 200))
                .unwrap_or_default(),
            description: errors
                .check("seo.description", parse_text(&s.description, 500))
                .unwrap_or_default(),
        });
        let input = ArticleInput {
            headline,
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            standfirst: self
                .standfirst
                .and_then(|s| errors.check("standfirst", parse_text(&s, 2000))),
            body,
            section: self.section,
            tags: self.tags,
            authors: self.authors,
            source: self
                .source
                .and_then(|s| errors.check("source", parse_text(&s, 300))),
            featured_image: self.featured_image,
            canonical_url,
            seo,
            embargo_until: match self.embargo_until {
                Some(Some(at)) => errors
                    .check("embargo_until", crate::content::parse_instant(at))
                    .map(|at| Some(at.naive_utc())),
                Some(None) => Some(None),
                None => None,
            },
            append_correction: self.append_correction.and_then(|c| {
                let c = errors.check("append_correction", parse_text(&c, 2000))?;
                if c.is_empty() {
                    errors.add("append_correction", "must not be empty");
                }
                Some(c)
            }),
            unpublish_at: match self.unpublish_at {
                Some(Some(at)) => errors
                    .check("unpublish_at", future_instant(at))
                    .map(|at| Some(at.naive_utc())),
                Some(None) => Some(None),
                None => None,
            },
            stage: self.stage,
            assignees: self.assignees.map(|ids| {
                if ids.len() > 20 {
                    errors.add("assignees", "at most 20 people");
                }
                let mut seen = std::collections::HashSet::new();
                ids.into_iter()
                    .filter(|id| seen.insert(id.clone()))
                    .collect()
            }),
            language: self
                .language
                .and_then(|l| errors.check("language", parse_language(&l))),
            translation_of: self.translation_of,
            access: self.access,
            live: self.live.map(|l| l.map(|l| l.state)),
        };
        errors.finish()?;
        Ok(input)
    }
}

/// A time that is still to come (and a time the store can keep).
pub fn future_instant(at: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let at = crate::content::parse_instant(at)?;
    if at <= Utc::now() {
        return Err("must be in the future".into());
    }
    Ok(at)
}

/// `POST /articles/{id}/publish`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The version you are publishing (or send `If-Match`).
    pub version: Option<i64>,
    /// When it goes public; a future time schedules it. Default: now.
    pub publish_at: Option<DateTime<Utc>>,
    /// When it leaves public reads again by itself (back to draft); after `publish_at`.
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// `POST /articles/{id}/unpublish` and other versioned actions without fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionOnly {
    /// The version you are acting on (or send `If-Match`).
    pub version: Option<i64>,
}

/// `formats=` and `include=` for a story read through a preview link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatsQuery {
    /// Body renderings to include: any of `blocks,html,text` (default `blocks,html`).
    pub formats: Option<String>,
    /// Relations to expand into `included`: any of `authors,tags,section,featured_image`.
    pub include: Option<String>,
}

/// `formats=`, `include=` and `format=` for `GET /articles/{key}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleReadQuery {
    /// Body renderings to include: any of `blocks,html,text` (default `blocks,html`).
    pub formats: Option<String>,
    /// Relations to expand into `included`: any of `authors,tags,section,featured_image`.
    pub include: Option<String>,
    /// `ninjs`: the story as an IPTC ninjs 2.2 document instead (embargoed stories only
    /// for `syndication:read` keys and signed-in readers; a story not published comes
    /// as `pubstatus: canceled` without content).
    pub format: Option<String>,
}
