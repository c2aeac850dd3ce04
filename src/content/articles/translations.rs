//! Translation groups: an original and the stories that translate it, one per
//! language. Every member points at the original (`translation_of`), so a group is
//! one index range whatever its size, and a translation of a translation joins the
//! original's group.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::listing::public_at;
use super::model::Translation;
use crate::error::{AppError, AppResult};
use crate::store::schema::articles;
use crate::store::{DbConn, inner};

pub use crate::content::keys::translations as key;

/// The original a new `translation_of` (id or slug) names for the story `id`: the
/// group's root. Refuses a story translating itself, or its own translation, and a
/// story that others already translate (its group would split).
pub fn root_for(conn: &mut DbConn, id: &str, target: &str) -> AppResult<String> {
    let Some(found) = super::db::find(conn, target)? else {
        return Err(AppError::invalid(
            "translation_of",
            format!("no article '{target}'"),
        ));
    };
    let root = found.translation_of.unwrap_or_else(|| found.id.to_string());
    if root == id {
        return Err(AppError::invalid(
            "translation_of",
            "a story cannot be a translation of itself or of its own translation",
        ));
    }
    let translated: i64 = articles::table
        .filter(articles::translation_of.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    if translated > 0 {
        return Err(AppError::conflict(
            "translation_of",
            "other stories translate this one; it stays the original of its group",
        ));
    }
    Ok(root)
}

/// Refuses a second story in one language in the group of `root` (besides `id`).
pub fn ensure_language_free(
    conn: &mut DbConn,
    root: &str,
    id: &str,
    language: &str,
) -> AppResult<()> {
    let taken: Option<String> = articles::table
        .filter(articles::id.eq(root).or(articles::translation_of.eq(root)))
        .filter(articles::id.ne(id))
        .filter(articles::language.eq(language))
        .filter(articles::deleted_at.is_null())
        .select(articles::slug)
        .first(conn)
        .optional()?;
    match taken {
        Some(slug) => Err(AppError::conflict(
            "language",
            format!("'{slug}' is already this story's {language} version"),
        )),
        None => Ok(()),
    }
}

/// The public members of the group of `root`, other than `id`, by language.
pub fn public_of(
    conn: &mut DbConn,
    root: &str,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<Vec<Translation>> {
    let found: Vec<Translation> = inner!(conn, |c| articles::table
        .filter(articles::id.eq(root).or(articles::translation_of.eq(root)))
        .filter(articles::id.ne(id))
        .filter(public_at!(now))
        .order((articles::language.asc(), articles::id.asc()))
        .select(Translation::as_select())
        .load(c))?;
    Ok(found)
}

/// Whether any story translates `id` (the common case, none, is one index probe).
pub fn has_translations(conn: &mut DbConn, id: &str) -> AppResult<bool> {
    let n: i64 = inner!(conn, |c| articles::table
        .filter(articles::translation_of.eq(id))
        .count()
        .get_result(c))?;
    Ok(n > 0)
}
