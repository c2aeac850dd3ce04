//! Author queries.

use diesel::prelude::*;

use super::model::{AuthorInput, AuthorRow};
use crate::content::keys;
use crate::content::slug;
use crate::error::{AppError, AppResult};
use crate::store::invalidation::invalidate;
use crate::store::schema::authors;
use crate::store::{DbConn, lock, new_id, now};
use crate::store::{check_version, versioned};

slugged_lookups!(authors, AuthorRow, "author");

/// Creates an author. Two reporters may share a name, so a derived slug is numbered.
pub fn insert(conn: &mut DbConn, input: AuthorInput) -> AppResult<AuthorRow> {
    lock(conn, "authors")?;
    let name = input.name.unwrap_or_default();
    let slug = slug::choose(input.slug, &name, |s| slug_taken(conn, s, ""))?;
    let id = new_id();
    let at = now();
    diesel::insert_into(authors::table)
        .values((
            authors::id.eq(&id),
            authors::slug.eq(slug.as_str()),
            authors::name.eq(&name),
            authors::bio.eq(input.bio.unwrap_or_default()),
            authors::links.eq(input.links.unwrap_or_else(|| "{}".into())),
            authors::version.eq(1),
            authors::created_at.eq(at),
            authors::updated_at.eq(at),
        ))
        .execute(conn)?;
    invalidate([keys::AUTHORS]);
    get(conn, &id)
}

/// Authors in slug order, after `after`.
pub fn list(conn: &mut DbConn, after: Option<String>, limit: i64) -> AppResult<Vec<AuthorRow>> {
    let mut query = authors::table
        .select(AuthorRow::as_select())
        .order(authors::slug.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(authors::slug.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The fields an edit sent (`None`: not sent, left as it is).
#[derive(AsChangeset)]
#[diesel(table_name = authors)]
struct AuthorChanges<'a> {
    name: Option<&'a str>,
    slug: Option<&'a str>,
    bio: Option<&'a str>,
    links: Option<&'a str>,
}

impl<'a> From<&'a AuthorInput> for AuthorChanges<'a> {
    fn from(input: &'a AuthorInput) -> Self {
        AuthorChanges {
            name: input.name.as_deref(),
            slug: input.slug.as_ref().map(|s| s.as_str()),
            bio: input.bio.as_deref(),
            links: input.links.as_deref(),
        }
    }
}

/// Applies an edit if the author is still at `expected`.
pub fn update(
    conn: &mut DbConn,
    key: &str,
    expected: i64,
    input: AuthorInput,
) -> AppResult<AuthorRow> {
    lock(conn, "authors")?;
    let current = get(conn, key)?;
    check_version(current.version, expected)?;
    slug::ensure_free(input.slug.as_ref(), |s| slug_taken(conn, s, &current.id))?;
    versioned(
        conn,
        |c| {
            diesel::update(authors::table.find(&current.id))
                .filter(authors::version.eq(expected))
                .set((
                    AuthorChanges::from(&input),
                    authors::version.eq(expected + 1),
                    authors::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| {
            authors::table
                .find(&current.id)
                .select(authors::version)
                .first(c)
        },
    )?;
    invalidate([keys::AUTHORS.to_owned(), keys::author(&current.id)]);
    get(conn, &current.id)
}

/// Deletes an author.
pub fn delete(conn: &mut DbConn, key: &str) -> AppResult<()> {
    let current = get(conn, key)?;
    diesel::delete(authors::table.find(&current.id)).execute(conn)?;
    invalidate([keys::AUTHORS.to_owned(), keys::author(&current.id)]);
    Ok(())
}
