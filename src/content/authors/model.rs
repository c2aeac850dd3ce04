//! Author rows, requests and responses.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::slug::Slug;
use crate::content::{parse_label, parse_text};
use crate::error::{AppResult, Errors};
use crate::http::utc;
use crate::store::schema::authors;

/// An author as stored (`links` is a JSON object kept as text on both backends).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = authors)]
pub struct AuthorRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub links: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An author (byline).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorResponse {
    pub id: String,
    #[schema(example = "ana-ruiz")]
    pub slug: String,
    #[schema(example = "Ana Ruiz")]
    pub name: String,
    pub bio: String,
    /// Profile links by kind, e.g. `{"website": "https://…", "x": "https://x.com/…"}`.
    pub links: BTreeMap<String, String>,
    /// Published stories carrying this byline.
    pub article_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AuthorResponse {
    /// The response for a row and its published-article count.
    pub fn new(row: AuthorRow, article_count: i64) -> Self {
        AuthorResponse {
            links: serde_json::from_str(&row.links).unwrap_or_default(),
            id: row.id,
            slug: row.slug,
            name: row.name,
            bio: row.bio,
            article_count,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A new author. The slug is derived from the name unless given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAuthor {
    #[schema(example = "Ana Ruiz", max_length = 120)]
    pub name: String,
    pub slug: Option<String>,
    #[schema(max_length = 5000)]
    pub bio: Option<String>,
    pub links: Option<BTreeMap<String, String>>,
}

/// Changes to an author; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAuthor {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(max_length = 120)]
    pub name: Option<String>,
    pub slug: Option<String>,
    #[schema(max_length = 5000)]
    pub bio: Option<String>,
    /// Replaces all links.
    pub links: Option<BTreeMap<String, String>>,
}

/// Checked author fields; `None` means "not sent".
#[derive(Debug, Default)]
pub struct AuthorInput {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub bio: Option<String>,
    /// Serialised JSON object.
    pub links: Option<String>,
}

impl CreateAuthor {
    /// Checks every field.
    pub fn parse(self) -> AppResult<AuthorInput> {
        let update = UpdateAuthor {
            version: None,
            name: Some(self.name),
            slug: self.slug,
            bio: self.bio,
            links: self.links,
        };
        update.parse()
    }
}

impl UpdateAuthor {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<AuthorInput> {
        let mut errors = Errors::default();
        let input = AuthorInput {
            name: self
                .name
                .and_then(|n| errors.check("name", parse_label(&n))),
            slug: self
                .slug
                .and_then(|s| errors.check("slug", Slug::parse(&s))),
            bio: self
                .bio
                .and_then(|b| errors.check("bio", parse_text(&b, 5000))),
            links: self.links.map(|links| check_links(&links, &mut errors)),
        };
        errors.finish()?;
        Ok(input)
    }
}

/// Link kinds are short identifiers; values are absolute http(s) URLs.
fn check_links(links: &BTreeMap<String, String>, errors: &mut Errors) -> String {
    let mut normal = BTreeMap::new();
    if links.len() > 20 {
        errors.add("links", "at most 20 links");
    }
    for (kind, url) in links {
        let field = format!("links.{kind}");
        let kind_ok = !kind.is_empty()
            && kind.len() <= 32
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !kind_ok {
            errors.add(
                &field,
                "link kinds are 1–32 lower-case letters, digits or _ (e.g. website, x)",
            );
        }
        if let Some(url) = errors.check(&field, crate::content::http_url(url)) {
            normal.insert(kind, url);
        }
    }
    serde_json::to_string(&normal).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use crate::content::is_http_url;

    #[test]
    fn urls_are_kept_in_normal_form() {
        use crate::content::http_url;
        assert_eq!(
            http_url("https://X.example/\"><script>").unwrap(),
            "https://x.example/%22%3E%3Cscript%3E"
        );
        assert_eq!(http_url("http://x.com").unwrap(), "http://x.com/");
        assert_eq!(
            http_url("https://example.com/a?b=c#d").unwrap(),
            "https://example.com/a?b=c#d"
        );
        assert!(http_url("https://[::1").is_err());
    }

    #[test]
    fn only_absolute_web_urls_are_links() {
        assert!(is_http_url("https://example.com/ana"));
        assert!(is_http_url("http://x.com"));
        for bad in [
            "javascript:alert(1)",
            "https://",
            "ftp://x.com",
            "https://a b.com",
            "example.com",
        ] {
            assert!(!is_http_url(bad), "{bad} accepted");
        }
    }
}
