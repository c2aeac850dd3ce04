//! URL slugs: lower-case ASCII words joined by hyphens, derived from names in any script.

use std::fmt;

use crate::error::{AppError, AppResult};

/// Longest slug accepted.
pub const MAX_LEN: usize = 100;

/// A valid slug such as `zurich-buro`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Accepts an explicit slug exactly as given (no silent rewriting).
    pub fn parse(raw: &str) -> Result<Slug, String> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if ok {
            Ok(Slug(raw.to_owned()))
        } else {
            Err(format!(
                "must be 1–{MAX_LEN} lower-case letters, digits and single hyphens, e.g. world-europe"
            ))
        }
    }

    /// Derives a slug from a name, transliterating any script ("Zürich Büro" → `zurich-buro`).
    pub fn derive(name: &str) -> Result<Slug, String> {
        // Apostrophes join rather than split ("Don't Miss" → `dont-miss`).
        let ascii = deunicode::deunicode(name)
            .to_lowercase()
            .replace(['\'', '`'], "");
        let mut slug = String::with_capacity(ascii.len());
        for word in ascii
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let room = MAX_LEN.saturating_sub(slug.len() + usize::from(!slug.is_empty()));
            if room == 0 {
                break;
            }
            if !slug.is_empty() {
                slug.push('-');
            }
            // A single over-long word is cut rather than dropped.
            slug.push_str(&word[..word.len().min(room)]);
        }
        if slug.is_empty() {
            return Err("has no letters or digits to make a slug from; send a `slug`".into());
        }
        Ok(Slug(slug))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base-n`, trimmed so the result stays within the length limit.
    fn numbered(&self, n: u32) -> Slug {
        let suffix = format!("-{n}");
        let keep = MAX_LEN.saturating_sub(suffix.len()).min(self.0.len());
        Slug(format!("{}{suffix}", self.0[..keep].trim_end_matches('-')))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The slug a write should use: an explicit one must be free (409 otherwise); without
/// one, the slug derived from `name` takes the first free of `base`, `base-2`, ….
pub fn choose(
    explicit: Option<Slug>,
    name: &str,
    mut taken: impl FnMut(&str) -> AppResult<bool>,
) -> AppResult<Slug> {
    if let Some(slug) = explicit {
        if taken(slug.as_str())? {
            return Err(AppError::conflict(
                "slug",
                format!("the slug '{slug}' is already in use"),
            ));
        }
        return Ok(slug);
    }
    let derived = Slug::derive(name).map_err(|m| AppError::invalid("name", m))?;
    if !taken(derived.as_str())? {
        return Ok(derived);
    }
    for n in 2..1000 {
        let candidate = derived.numbered(n);
        if !taken(candidate.as_str())? {
            return Ok(candidate);
        }
    }
    Err(AppError::conflict(
        "slug",
        "no free slug could be derived from the name; send a `slug`",
    ))
}

/// 409 when an edit renames onto a slug another record holds.
pub fn ensure_free(
    slug: Option<&Slug>,
    taken: impl FnOnce(&str) -> AppResult<bool>,
) -> AppResult<()> {
    match slug {
        Some(slug) if taken(slug.as_str())? => Err(AppError::conflict(
            "slug",
            format!("the slug '{slug}' is already in use"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_ascii_slugs_from_any_script() {
        assert_eq!(Slug::derive("Zürich Büro").unwrap().as_str(), "zurich-buro");
        assert_eq!(Slug::derive("  Top  News! ").unwrap().as_str(), "top-news");
        assert_eq!(Slug::derive("Москва").unwrap().as_str(), "moskva");
        assert_eq!(Slug::derive("Don’t Miss").unwrap().as_str(), "dont-miss");
        assert_eq!(
            Slug::derive("O'Brien's 'view'").unwrap().as_str(),
            "obriens-view"
        );
        assert_eq!(
            Slug::derive("World > Europe").unwrap().as_str(),
            "world-europe"
        );
        assert!(Slug::derive("!!!").is_err());
        assert!(Slug::derive(&"word ".repeat(60)).unwrap().as_str().len() <= MAX_LEN);
        assert_eq!(
            Slug::derive(&"x".repeat(150)).unwrap().as_str().len(),
            MAX_LEN
        );
    }

    #[test]
    fn explicit_slugs_are_checked_not_rewritten() {
        assert!(Slug::parse("world-europe").is_ok());
        for bad in ["", "World", "a b", "-a", "a-", "a--b", "ü"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn derived_slugs_get_a_number_when_taken() {
        let taken = ["john-smith", "john-smith-2"];
        let chosen = choose(None, "John Smith", |s| Ok(taken.contains(&s))).unwrap();
        assert_eq!(chosen.as_str(), "john-smith-3");
        let explicit = choose(Some(Slug::parse("john-smith").unwrap()), "x", |s| {
            Ok(taken.contains(&s))
        });
        assert!(matches!(explicit, Err(AppError::Conflict { .. })));
        // A name with nothing to derive from is fine when a slug is given.
        let given = choose(Some(Slug::parse("bang").unwrap()), "!!!", |_| Ok(false)).unwrap();
        assert_eq!(given.as_str(), "bang");
    }
}
