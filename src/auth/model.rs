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

/// A password that meets the rules (checked, never stored in the clear).
pub struct NewPassword(String);

/// The most common passwords of 10 or more characters in public breach lists: a
/// guesser tries these first, so they are refused however long they are.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "a123456789",
    "0987654321",
    "9876543210",
    "1111111111",
    "0000000000",
    "qwertyuiop",
    "qwertyuiop1",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "zaq12wsxcde",
    "asdfghjkl1",
    "asdfghjkl;",
    "password12",
    "password123",
    "password1234",
    "password12345",
    "passw0rd123",
    "p@ssw0rd123",
    "iloveyou12",
    "iloveyou123",
    "letmein123",
    "welcome123",
    "welcome1234",
    "changeme123",
    "administrator",
    "admin12345",
    "admin123456",
    "abc1234567",
    "abcdefghij",
    "abcd123456",
    "football123",
    "baseball123",
    "sunshine123",
    "princess123",
    "superman123",
    "trustno1234",
    "newsroom123",
    "dateline123",
    "secret1234",
    "1234567890a",
];

impl NewPassword {
    /// 10 to 1,024 characters (argon2 input stays bounded), not one of the most common
    /// passwords, and not a run of one character or of consecutive characters.
    pub fn parse(raw: &str) -> Result<NewPassword, String> {
        let chars: Vec<char> = raw.chars().collect();
        match chars.len() {
            0..=9 => return Err("must be at least 10 characters".into()),
            1025.. => return Err("must be at most 1024 characters".into()),
            _ => {}
        }
        let lower = raw.to_lowercase();
        if COMMON.contains(&lower.as_str()) {
            return Err("is one of the most common passwords; choose another".into());
        }
        let distinct: std::collections::HashSet<char> = chars.iter().copied().collect();
        if distinct.len() < 4 {
            return Err("repeats too few characters; choose another".into());
        }
        let steps: std::collections::HashSet<i64> = chars
            .windows(2)
            .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
            .collect();
        if steps.len() == 1 && steps.iter().all(|s| s.abs() == 1) {
            return Err("is a run of consecutive characters; choose another".into());
        }
        Ok(NewPassword(raw.to_owned()))
    }

    /// The clear text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A person's display name: trimmed, 1–200 characters.
pub fn parse_name(raw: &str) -> Result<String, String> {
    // Checked as sent, as the document states it (`openapi::LABEL`, `maxLength`).
    let name = raw.trim();
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    match (name.chars().count(), raw.chars().count()) {
        (0, _) => Err("must not be empty".into()),
        (_, 201..) => Err("must be at most 200 characters".into()),
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

/// An API key in use.
#[derive(Debug, Clone)]
pub struct KeyPrincipal {
    pub id: String,
    pub scopes: Vec<Scope>,
}
