//! Tag queries.

use diesel::prelude::*;

use super::model::{TagInput, TagRow};
use crate::content::keys;
use crate::content::slug;
use crate::error::{AppError, AppResult};
use crate::store::invalidation::invalidate;
use crate::store::schema::tags;
use crate::store::{DbConn, lock, new_id, now};
use crate::store::{check_version, versioned};

slugged_lookups!(tags, TagRow, "tag");

/// Creates a tag.
pub fn insert(conn: &mut DbConn, name: &str, input: TagInput) -> AppResult<TagRow> {
    lock(conn, "tags")?;
    let slug = slug::choose(input.slug, name, |s| slug_taken(conn, s, ""))?;
    let id = new_id();
    let at = now();
    diesel::insert_into(tags::table)
        .values((
            tags::id.eq(&id),
            tags::slug.eq(slug.as_str()),
            tags::name.eq(name),
            tags::description.eq(input.description.unwrap_or_default()),
            tags::version.eq(1),
            tags::created_at.eq(at),
            tags::updated_at.eq(at),
        ))
        .execute(conn)?;
    invalidate([keys::TAGS]);
    get(conn, &id)
}

/// Tags in slug order, after `after`.
pub fn list(conn: &mut DbConn, after: Option<String>, limit: i64) -> AppResult<Vec<TagRow>> {
    let mut query = tags::table
        .select(TagRow::as_select())
        .order(tags::slug.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(tags::slug.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The fields an edit sent (`None`: not sent, left as it is).
#[derive(AsChangeset)]
#[diesel(table_name = tags)]
struct TagChanges<'a> {
    name: Option<&'a str>,
    slug: Option<&'a str>,
    description: Option<&'a str>,
}

impl<'a> From<&'a TagInput> for TagChanges<'a> {
    fn from(input: &'a TagInput) -> Self {
        TagChanges {
            name: input.name.as_deref(),
            slug: input.slug.as_ref().map(|s| s.as_str()),
            description: input.description.as_deref(),
        }
    }
}

/// Applies an edit if the tag is still at `expected`.
pub fn update(conn: &mut DbConn, key: &str, expected: i64, input: TagInput) -> AppResult<TagRow> {
    lock(conn, "tags")?;
    let current = get(conn, key)?;
    check_version(current.version, expected)?;
    slug::ensure_free(input.slug.as_ref(), |s| slug_taken(conn, s, &current.id))?;
    versioned(
        conn,
        |c| {
            diesel::update(tags::table.find(&current.id))
                .filter(tags::version.eq(expected))
                .set((
                    TagChanges::from(&input),
                    tags::version.eq(expected + 1),
                    tags::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| tags::table.find(&current.id).select(tags::version).first(c),
    )?;
    invalidate([keys::TAGS.to_owned(), keys::tag(&current.id)]);
    get(conn, &current.id)
}

/// Deletes a tag.
pub fn delete(conn: &mut DbConn, key: &str) -> AppResult<()> {
    let current = get(conn, key)?;
    diesel::delete(tags::table.find(&current.id)).execute(conn)?;
    invalidate([keys::TAGS.to_owned(), keys::tag(&current.id)]);
    Ok(())
}
