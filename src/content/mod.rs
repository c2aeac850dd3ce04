//! Editorial content: authors (bylines), sections and tags; articles build on these.

#[macro_use]
mod lookups;

pub mod articles;
pub mod authors;
pub mod catalog;
pub mod keys;
pub mod language;
pub mod live;
pub mod sections;
pub mod slug;
pub mod tags;

use serde::Serialize;
use utoipa::ToSchema;

/// A compact reference to a related record, as lists and relations show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// Optional free text (descriptions, bios): trimmed, at most `max` characters.
pub fn parse_text(raw: &str, max: usize) -> Result<String, String> {
    let text = raw.trim();
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err("must not contain control characters".into());
    }
    // The limit is on what was sent, as the document states it.
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(text.to_owned())
}

/// A display name for content (author, section, tag): trimmed, 1–120 characters.
pub fn parse_label(raw: &str) -> Result<String, String> {
    // Checked as sent, as the document states it (`openapi::LABEL`, `maxLength`).
    let name = raw.trim();
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    match (name.chars().count(), raw.chars().count()) {
        (0, _) => Err("must not be empty".into()),
        (_, 121..) => Err("must be at most 120 characters".into()),
        _ => Ok(name.to_owned()),
    }
}

/// For `Option<Option<T>>` edit fields: tells "absent" (outer None, keep the value)
/// from `null` (Some(None), clear it). Use with `#[serde(default, deserialize_with)]`.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    de: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
}

/// A point in time as stored: years 1970 to 9999 (SQLite compares times as text, so a
/// five-digit year would sort before today and, say, lift an embargo at once) and
/// microseconds (what PostgreSQL keeps, so both backends store the same value).
pub fn parse_instant(
    at: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{Datelike, DurationRound, TimeDelta};
    if !(1970..=9999).contains(&at.year()) {
        return Err("must be between the years 1970 and 9999".into());
    }
    Ok(at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at))
}

/// An absolute http(s) URL with a host, no whitespace or control characters.
pub fn is_http_url(url: &str) -> bool {
    http_url(url).is_ok()
}

/// An absolute http(s) URL (as sent: `http://` or `https://`, a host, at most 2048
/// characters, no whitespace or control characters), parsed and given back in normal
/// form: host lower-cased, the path percent-encoded, so `https://X.example/"><script>`
/// is stored as `https://x.example/%22%3E%3Cscript%3E`, a URL and not markup.
pub fn http_url(raw: &str) -> Result<String, String> {
    const WHAT: &str = "must be an absolute http(s) URL";
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or(WHAT)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || raw.chars().count() > 2048
        || raw.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(WHAT.into());
    }
    let parsed = url::Url::parse(raw).map_err(|e| format!("{WHAT} ({e})"))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(WHAT.into());
    }
    Ok(parsed.to_string())
}
