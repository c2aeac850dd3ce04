//! Roles, scopes and the credentials' domain types.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do. Each role includes everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes their own drafts.
    Contributor,
    /// Also publishes their own stories.
    Author,
    /// Edits and publishes anyone's stories; manages sections, tags, authors, collections.
    Editor,
    /// Also manages users, API keys and webhooks.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Result<Role, String> {
        match s {
            "contributor" => Ok(Role::Contributor),
            "author" => Ok(Role::Author),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            _ => Err(format!(
                "'{s}' is not one of admin, editor, author, contributor"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Read all content, drafts included (previews, build pipelines).
    #[serde(rename = "content:read")]
    ContentRead,
    /// Create and change content as an editor would.
    #[serde(rename = "content:write")]
    ContentWrite,
    /// Partner feeds, embargoed items included.
    #[serde(rename = "syndication:read")]
    SyndicationRead,
}

impl Scope {
    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContentRead => "content:read",
            Scope::ContentWrite => "content:write",
            Scope::SyndicationRead => "syndication:read",
        }
    }

    /// Parses a stored list (space-separated).
    pub fn parse_list(stored: &str) -> Vec<Scope> {
        stored
            .split_whitespace()
            .filter_map(|s| match s {
                "content:read" => Some(Scope::ContentRead),
                "content:write" => Some(Scope::ContentWrite),
                "syndication:read" => Some(Scope::SyndicationRead),
                _ => None,
            })
            .collect()
    }
}

/// A syntactically valid, lower-cased e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`, trimmed and lower-cased; rejects anything else.
    pub fn parse(raw: &str) -> Result<Email, String> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == ',')
                    && !domain.contains('@')
            });
        if valid {
            Ok(Email(email))
        } else {
            Err("must be an e-mail address like name@example.com".into())
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the length rule (checked, never stored in the clear).
pub struct NewPassword(String);

impl NewPassword {
    /// At least 10 characters, at most 1,024 (argon2 input stays bounded).
    pub fn parse(raw: &str) -> Result<NewPassword, String> {
        match raw.chars().count() {
            0..=9 => Err("must be at least 10 characters".into()),
            1025.. => Err("must be at most 1024 characters".into()),
            _ => Ok(NewPassword(raw.to_owned())),
        }
    }

    /// The clear text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A person's display name: trimmed, 1–200 characters.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    match name.chars().count() {
        0 => Err("must not be empty".into()),
        201.. => Err("must be at most 200 characters".into()),
        _ => Ok(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin > Role::Editor);
        assert!(Role::Editor > Role::Author);
        assert!(Role::Author > Role::Contributor);
        assert_eq!(Role::parse("editor"), Ok(Role::Editor));
        assert!(Role::parse("owner").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@localhost",
            "a b@x.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
