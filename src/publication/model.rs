//! The settings row, the effective settings, and their requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::Settings;
use crate::content::language::parse_language;
use crate::content::{http_url, parse_label};
use crate::error::{AppResult, Errors};
use crate::http::utc;
use crate::media::model::ImageResponse;
use crate::store::schema::publication_settings;

/// The name used until one is set.
pub const DEFAULT_NAME: &str = "Dateline";
/// The language used until one is set.
pub const DEFAULT_LANGUAGE: &str = "en";
/// Where a story lives on the site until a pattern is set (what feeds always used).
pub const DEFAULT_PATTERN: &str = "/{slug}";
/// The placeholders a story URL pattern may use.
pub const PLACEHOLDERS: &[&str] = &[
    "{slug}",
    "{id}",
    "{section}",
    "{language}",
    "{yyyy}",
    "{mm}",
    "{dd}",
];

/// The row as stored: `None` where nothing was ever set.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publication_settings)]
pub struct SettingsRow {
    pub publication_name: Option<String>,
    pub language: Option<String>,
    pub logo_image_id: Option<String>,
    pub site_url: Option<String>,
    pub story_url_pattern: Option<String>,
    pub require_approval: Option<bool>,
    pub teaser_blocks: Option<i32>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// The settings in force: what was set, else the environment's or the default.
#[derive(Debug, Clone)]
pub struct Publication {
    pub name: String,
    pub language: String,
    pub logo_image_id: Option<String>,
    /// Without a trailing slash.
    pub site_url: String,
    pub story_url_pattern: String,
    pub require_approval: bool,
    pub teaser_blocks: Option<i32>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// What a story's address is made of.
pub struct StoryPlace<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub section: Option<&'a str>,
    pub language: &'a str,
    pub published_at: Option<DateTime<Utc>>,
}

impl Publication {
    /// The row's values over the environment's and the defaults.
    pub fn resolve(row: SettingsRow, config: &Settings) -> Publication {
        Publication {
            name: row.publication_name.unwrap_or_else(|| DEFAULT_NAME.into()),
            language: row.language.unwrap_or_else(|| DEFAULT_LANGUAGE.into()),
            logo_image_id: row.logo_image_id,
            site_url: row
                .site_url
                .unwrap_or_else(|| config.site_url.clone())
                .trim_end_matches('/')
                .to_owned(),
            story_url_pattern: row
                .story_url_pattern
                .unwrap_or_else(|| DEFAULT_PATTERN.into()),
            require_approval: row.require_approval.unwrap_or(config.require_approval),
            teaser_blocks: row.teaser_blocks,
            version: row.version,
            updated_at: row.updated_at,
        }
    }

    /// The story's page on the site, absolute: the pattern filled in. A story without
    /// a section loses the `{section}` segment rather than carrying an empty one.
    pub fn story_url(&self, story: &StoryPlace) -> String {
        format!("{}{}", self.site_url, fill(&self.story_url_pattern, story))
    }

    /// A root-relative path on the site, made absolute.
    pub fn site_path(&self, path: &str) -> String {
        format!("{}{path}", self.site_url)
    }
}

/// Fills a story URL pattern in.
pub fn fill(pattern: &str, story: &StoryPlace) -> String {
    let at = story.published_at;
    let date = |f: &str| at.map(|t| t.format(f).to_string()).unwrap_or_default();
    let mut path = pattern
        .replace("{slug}", story.slug)
        .replace("{id}", story.id)
        .replace("{section}", story.section.unwrap_or(""))
        .replace("{language}", story.language)
        .replace("{yyyy}", &date("%Y"))
        .replace("{mm}", &date("%m"))
        .replace("{dd}", &date("%d"));
    while path.contains("//") {
        path = path.replace("//", "/");
    }
    path
}

/// A story URL pattern: a root-relative path naming the story by `{slug}` or `{id}`,
/// using only the known placeholders.
pub fn parse_pattern(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if !raw.starts_with('/') {
        return Err("must be a path starting with /, e.g. /{section}/{slug}".into());
    }
    if raw.len() > 200 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be at most 200 characters, without spaces".into());
    }
    if !raw.contains("{slug}") && !raw.contains("{id}") {
        return Err("must name the story by {slug} or {id}".into());
    }
    let mut rest = raw;
    while let Some(open) = rest.find('{') {
        if rest[..open].contains('}') {
            return Err("has a } without its {".into());
        }
        let close = rest[open..].find('}').ok_or("has a { without its }")?;
        let name = &rest[open..open + close + 1];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "{name} is not a placeholder; use {}",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Err("has a } without its {".into());
    }
    Ok(raw.to_owned())
}

/// The settings, as admins read them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsResponse {
    #[schema(example = "The Harbour Times")]
    pub publication_name: String,
    /// BCP 47; a new story's language unless it says otherwise.
    #[schema(example = "en")]
    pub language: String,
    /// The publication's logo (structured data's `publisher.logo`).
    pub logo: Option<ImageResponse>,
    /// The front end's address: story, section and sitemap links are made on it.
    #[schema(example = "https://www.example.com")]
    pub site_url: String,
    /// A story's path on the site: `{slug}`, `{id}`, `{section}`, `{language}`,
    /// `{yyyy}`, `{mm}`, `{dd}`.
    #[schema(example = "/{section}/{slug}")]
    pub story_url_pattern: String,
    /// Authors publish only from `ready_to_publish`.
    pub require_approval: bool,
    /// Public reads of `members` and `paid` stories carry only the standfirst and this
    /// many blocks; `null`: the whole story (the front end enforces the wall).
    pub teaser_blocks: Option<i32>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// What anyone may read: what a front end needs to brand and link its pages.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSettings {
    #[schema(example = "The Harbour Times")]
    pub publication_name: String,
    #[schema(example = "en")]
    pub language: String,
    pub logo: Option<ImageResponse>,
    #[schema(example = "https://www.example.com")]
    pub site_url: String,
    #[schema(example = "/{section}/{slug}")]
    pub story_url_pattern: String,
}

impl SettingsResponse {
    /// The response for the settings in force and the logo's record.
    pub fn new(p: Publication, logo: Option<ImageResponse>) -> Self {
        SettingsResponse {
            publication_name: p.name,
            language: p.language,
            logo,
            site_url: p.site_url,
            story_url_pattern: p.story_url_pattern,
            require_approval: p.require_approval,
            teaser_blocks: p.teaser_blocks,
            version: p.version,
            updated_at: utc(p.updated_at),
        }
    }

    /// The part anyone may read.
    pub fn public(self) -> PublicSettings {
        PublicSettings {
            publication_name: self.publication_name,
            language: self.language,
            logo: self.logo,
            site_url: self.site_url,
            story_url_pattern: self.story_url_pattern,
        }
    }
}

/// Changes to the settings; absent fields stay, `null` returns a field to the
/// environment's value or the default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// The version you read (or send `If-Match`).
    pub version: Option<i64>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, max_length = 120)]
    pub publication_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, example = "en-GB")]
    pub language: Option<Option<String>>,
    /// An image's id.
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>)]
    pub logo: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, example = "https://www.example.com")]
    pub site_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<String>, example = "/{section}/{slug}")]
    pub story_url_pattern: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<bool>)]
    pub require_approval: Option<Option<bool>>,
    #[serde(default, deserialize_with = "crate::content::present")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 50)]
    pub teaser_blocks: Option<Option<i32>>,
}

/// Checked changes: outer `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = publication_settings)]
pub struct SettingsChanges {
    pub publication_name: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub logo_image_id: Option<Option<String>>,
    pub site_url: Option<Option<String>>,
    pub story_url_pattern: Option<Option<String>>,
    pub require_approval: Option<Option<bool>>,
    pub teaser_blocks: Option<Option<i32>>,
}

impl UpdateSettings {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<SettingsChanges> {
        let mut errors = Errors::default();
        fn each<T, U>(
            errors: &mut Errors,
            field: &str,
            value: Option<Option<T>>,
            parse: impl FnOnce(T) -> Result<U, String>,
        ) -> Option<Option<U>> {
            match value {
                None => None,
                Some(None) => Some(None),
                Some(Some(v)) => errors.check(field, parse(v)).map(Some),
            }
        }
        let changes = SettingsChanges {
            publication_name: each(
                &mut errors,
                "publication_name",
                self.publication_name,
                |n| parse_label(&n),
            ),
            language: each(&mut errors, "language", self.language, |l| {
                parse_language(&l)
            }),
            logo_image_id: each(&mut errors, "logo", self.logo, |id| {
                if id.trim().is_empty() {
                    Err("must be an image's id".to_owned())
                } else {
                    Ok(id.trim().to_owned())
                }
            }),
            site_url: each(&mut errors, "site_url", self.site_url, |u| {
                http_url(&u).map(|u| u.trim_end_matches('/').to_owned())
            }),
            story_url_pattern: each(
                &mut errors,
                "story_url_pattern",
                self.story_url_pattern,
                |p| parse_pattern(&p),
            ),
            require_approval: each(&mut errors, "require_approval", self.require_approval, Ok),
            teaser_blocks: each(&mut errors, "teaser_blocks", self.teaser_blocks, |n| {
                if (0..=50).contains(&n) {
                    Ok(n)
                } else {
                    Err("must be between 0 and 50".to_owned())
                }
            }),
        };
        errors.finish()?;
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_the_story_with_known_placeholders() {
        assert!(parse_pattern("/{section}/{slug}").is_ok());
        assert!(parse_pattern("/{yyyy}/{mm}/{dd}/{slug}.html").is_ok());
        assert!(parse_pattern("/{section}/").is_err());
        assert!(parse_pattern("{slug}").is_err());
        assert!(parse_pattern("/{sectoin}/{slug}").is_err());
        assert!(parse_pattern("/{slug").is_err());
        assert!(parse_pattern("/slug}/{id}").is_err());
    }

    #[test]
    fn a_story_without_a_section_loses_that_segment() {
        let at = "2026-03-04T10:00:00Z".parse().ok();
        let place = |section| StoryPlace {
            id: "a1",
            slug: "grid-deal",
            section,
            language: "en",
            published_at: at,
        };
        let p = "/{section}/{yyyy}/{mm}/{slug}";
        assert_eq!(fill(p, &place(Some("world"))), "/world/2026/03/grid-deal");
        assert_eq!(fill(p, &place(None)), "/2026/03/grid-deal");
    }
}
