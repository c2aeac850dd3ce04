//! Collection queries: settings, the stored order, and the history every change
//! writes in the same transaction.

use std::collections::HashMap;

use diesel::prelude::*;

use super::input::{CollectionInput, ItemInput};
use super::model::{ChangeDetail, CollectionRow, CuratedItem, Curation, Fill, ItemRow, Slot};
use crate::content::articles::model::{ArticleLink, Status, is_public_at};
use crate::content::slug;
use crate::content::{Summary, sections, tags};
use crate::error::{AppError, AppResult};
use crate::http::utc;
use crate::store::schema::{articles, collection_changes, collection_items, collections};
use crate::store::{DbConn, lock, new_id, now};
use crate::store::{check_version, versioned};

slugged_lookups!(collections, CollectionRow, "collection");

/// Collections in slug order, after `after`.
pub fn list(conn: &mut DbConn, after: Option<String>, limit: i64) -> AppResult<Vec<CollectionRow>> {
    let mut query = collections::table
        .select(CollectionRow::as_select())
        .order(collections::slug.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(collections::slug.gt(after));
    }
    Ok(query.load(conn)?)
}

/// The fill sources of `rows`, in two queries.
pub fn fills(conn: &mut DbConn, rows: &[CollectionRow]) -> AppResult<HashMap<String, Fill>> {
    use crate::store::schema::{sections as s, tags as t};
    let section_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.fill_section_id.as_deref())
        .collect();
    let tag_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.fill_tag_id.as_deref())
        .collect();
    let summary =
        |(id, slug, name): (String, String, String)| (id.clone(), Summary { id, slug, name });
    let found_sections: HashMap<String, Summary> = if section_ids.is_empty() {
        HashMap::new()
    } else {
        s::table
            .filter(s::id.eq_any(&section_ids))
            .select((s::id, s::slug, s::name))
            .load(conn)?
            .into_iter()
            .map(summary)
            .collect()
    };
    let found_tags: HashMap<String, Summary> = if tag_ids.is_empty() {
        HashMap::new()
    } else {
        t::table
            .filter(t::id.eq_any(&tag_ids))
            .select((t::id, t::slug, t::name))
            .load(conn)?
            .into_iter()
            .map(summary)
            .collect()
    };
    Ok(rows
        .iter()
        .map(|r| {
            let fill = Fill {
                section: r
                    .fill_section_id
                    .as_ref()
                    .and_then(|i| found_sections.get(i).cloned()),
                tag: r
                    .fill_tag_id
                    .as_ref()
                    .and_then(|i| found_tags.get(i).cloned()),
            };
            (r.id.clone(), fill)
        })
        .collect())
}

/// A field of an edit: absent (keep), `Some(None)` (clear) or `Some(Some(v))` (set).
type Edit<T> = Option<Option<T>>;

/// Looks up fill sources given by slug or id (422 naming the field when unknown).
fn fill_ids(conn: &mut DbConn, input: &CollectionInput) -> AppResult<(Edit<String>, Edit<String>)> {
    let section = match &input.fill_section {
        Some(Some(key)) => Some(Some(
            sections::db::get(conn, key)
                .map_err(|_| AppError::invalid("fill_section", format!("no section '{key}'")))?
                .id,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let tag = match &input.fill_tag {
        Some(Some(key)) => Some(Some(
            tags::db::get(conn, key)
                .map_err(|_| AppError::invalid("fill_tag", format!("no tag '{key}'")))?
                .id,
        )),
        Some(None) => Some(None),
        None => None,
    };
    Ok((section, tag))
}

/// Creates a collection with an empty order; its history starts with `create`.
pub fn insert(
    conn: &mut DbConn,
    name: &str,
    input: CollectionInput,
    actor: Option<String>,
) -> AppResult<CollectionRow> {
    lock(conn, "collections")?;
    let (section, tag) = fill_ids(conn, &input)?;
    let slug = slug::choose(input.slug, name, |s| slug_taken(conn, s, ""))?;
    let id = new_id();
    let at = now();
    diesel::insert_into(collections::table)
        .values((
            collections::id.eq(&id),
            collections::slug.eq(slug.as_str()),
            collections::name.eq(name),
            collections::description.eq(input.description.unwrap_or_default()),
            collections::max_items.eq(input.max_items.unwrap_or(super::input::DEFAULT_MAX_ITEMS)),
            collections::fill_section_id.eq(section.flatten()),
            collections::fill_tag_id.eq(tag.flatten()),
            collections::version.eq(1),
            collections::created_at.eq(at),
            collections::updated_at.eq(at),
        ))
        .execute(conn)?;
    record(
        conn,
        &id,
        1,
        "create",
        &ChangeDetail::default(),
        &[],
        &[],
        actor,
    )?;
    let created = get(conn, &id)?;
    announce(conn, &created, "create")?;
    Ok(created)
}

/// Applies a settings change if the collection is still at `expected`.
pub fn update(
    conn: &mut DbConn,
    key: &str,
    expected: i64,
    input: CollectionInput,
    actor: Option<String>,
) -> AppResult<CollectionRow> {
    lock(conn, "collections")?;
    let current = get(conn, key)?;
    lock(conn, &format!("collection:{}", current.id))?;
    check_version(current.version, expected)?;
    slug::ensure_free(input.slug.as_ref(), |s| slug_taken(conn, s, &current.id))?;
    let (section, tag) = fill_ids(conn, &input)?;
    let order = items(conn, &current.id)?;
    if let Some(max) = input.max_items {
        let highest = order.iter().map(|s| s.position).max().unwrap_or(0);
        if (order.len() as i32) > max || highest > max {
            return Err(AppError::invalid(
                "max_items",
                format!(
                    "the order uses {} items up to position {highest}; remove or move some first",
                    order.len()
                ),
            ));
        }
    }
    let version = expected + 1;
    versioned(
        conn,
        |c| {
            diesel::update(collections::table.find(&current.id))
                .filter(collections::version.eq(expected))
                .set((
                    collections::name.eq(input.name.unwrap_or(current.name)),
                    collections::slug
                        .eq(input.slug.map_or(current.slug, |s| s.as_str().to_owned())),
                    collections::description.eq(input.description.unwrap_or(current.description)),
                    collections::max_items.eq(input.max_items.unwrap_or(current.max_items)),
                    collections::fill_section_id.eq(section.unwrap_or(current.fill_section_id)),
                    collections::fill_tag_id.eq(tag.unwrap_or(current.fill_tag_id)),
                    collections::version.eq(version),
                    collections::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| {
            collections::table
                .find(&current.id)
                .select(collections::version)
                .first(c)
        },
    )?;
    let detail = ChangeDetail::default();
    record(
        conn,
        &current.id,
        version,
        "settings",
        &detail,
        &order,
        &order,
        actor,
    )?;
    let updated = get(conn, &current.id)?;
    announce(conn, &updated, "settings")?;
    Ok(updated)
}

/// Deletes a collection with its order, history and prepared orders.
pub fn delete(conn: &mut DbConn, key: &str, expected: Option<i64>) -> AppResult<()> {
    let current = get(conn, key)?;
    if let Some(expected) = expected {
        check_version(current.version, expected)?;
    }
    diesel::delete(collections::table.find(&current.id)).execute(conn)?;
    crate::store::invalidation::invalidate([
        crate::content::keys::collection(&current.id),
        crate::content::keys::COLLECTIONS.into(),
    ]);
    Ok(())
}

/// The stored order, by position.
pub fn items(conn: &mut DbConn, collection_id: &str) -> AppResult<Vec<Slot>> {
    Ok(collection_items::table
        .filter(collection_items::collection_id.eq(collection_id))
        .order(collection_items::position.asc())
        .select(ItemRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Slot::from)
        .collect())
}

/// Turns requested items (articles by id or slug) into slots, naming `field[i]`
/// for unknown, trashed or repeated stories.
pub fn resolve_items(conn: &mut DbConn, field: &str, wanted: &[ItemInput]) -> AppResult<Vec<Slot>> {
    let keys: Vec<&str> = wanted.iter().map(|w| w.article_id.as_str()).collect();
    let found = article_ids(conn, &keys)?;
    let mut errors = crate::error::Errors::default();
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(wanted.len());
    for (i, item) in wanted.iter().enumerate() {
        let place = format!("{field}[{i}].article_id");
        match found.get(item.article_id.as_str()) {
            None => errors.add(
                place,
                format!("no story '{}' (or it is in the trash)", item.article_id),
            ),
            Some(id) if seen.contains(id) => errors.add(place, "appears more than once"),
            Some(id) => {
                seen.push(id.clone());
                let field = format!("{field}[{i}].expires_at");
                let expires_at = match item.expires_at.map(|at| super::input::instant(&field, at)) {
                    Some(Err(AppError::Validation(found))) => {
                        found
                            .into_iter()
                            .for_each(|e| errors.add(e.field, e.message));
                        None
                    }
                    Some(Err(other)) => return Err(other),
                    Some(Ok(at)) => Some(at),
                    None => None,
                };
                out.push(Slot {
                    article_id: id.clone(),
                    position: 0,
                    pinned: item.pinned,
                    expires_at,
                });
            }
        }
    }
    errors.finish()?;
    Ok(out)
}

/// Live (untrashed) stories' ids by the id or slug they were asked for.
pub fn article_ids(conn: &mut DbConn, keys: &[&str]) -> AppResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> = articles::table
        .filter(articles::id.eq_any(keys).or(articles::slug.eq_any(keys)))
        .filter(articles::deleted_at.is_null())
        .select((articles::id, articles::slug))
        .load(conn)?;
    let mut out = HashMap::new();
    for (id, slug) in rows {
        out.insert(slug, id.clone());
        out.insert(id.clone(), id);
    }
    Ok(out)
}

/// One change about to be written.
pub struct Pending {
    pub operation: &'static str,
    pub detail: ChangeDetail,
    pub before: Vec<Slot>,
    pub after: Vec<Slot>,
    pub actor: Option<String>,
}

/// Writes a new order and its history entry, bumping the version; 412 if someone
/// else changed the collection in between.
pub fn commit(conn: &mut DbConn, row: &CollectionRow, change: Pending) -> AppResult<CollectionRow> {
    let version = row.version + 1;
    versioned(
        conn,
        |c| {
            diesel::update(collections::table.find(&row.id))
                .filter(collections::version.eq(row.version))
                .set((
                    collections::version.eq(version),
                    collections::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| {
            collections::table
                .find(&row.id)
                .select(collections::version)
                .first(c)
        },
    )?;
    if change.before != change.after {
        diesel::delete(collection_items::table.filter(collection_items::collection_id.eq(&row.id)))
            .execute(conn)?;
        let rows: Vec<_> = change
            .after
            .iter()
            .map(|s| {
                (
                    collection_items::collection_id.eq(&row.id),
                    collection_items::article_id.eq(&s.article_id),
                    collection_items::position.eq(s.position),
                    collection_items::pinned.eq(s.pinned),
                    collection_items::expires_at.eq(s.expires_at.map(|t| t.naive_utc())),
                )
            })
            .collect();
        if !rows.is_empty() {
            // One statement for the whole order (MultiConnection cannot batch).
            let insert = diesel::insert_into(collection_items::table).values(rows);
            match conn {
                DbConn::Sqlite(c) => insert.execute(c)?,
                DbConn::Postgres(c) => insert.execute(c)?,
            };
        }
    }
    record(
        conn,
        &row.id,
        version,
        change.operation,
        &change.detail,
        &change.before,
        &change.after,
        change.actor,
    )?;
    // An item drops out of what readers see at its expiry, scheduler or not.
    for at in change.after.iter().filter_map(|s| s.expires_at) {
        crate::store::invalidation::invalidate_at(
            at.naive_utc(),
            [crate::content::keys::collection(&row.id)],
        );
    }
    let after = get(conn, &row.id)?;
    announce(conn, &after, change.operation)?;
    Ok(after)
}

/// Queues `collection.updated` for webhooks, in the change's transaction.
fn announce(conn: &mut DbConn, row: &CollectionRow, operation: &str) -> AppResult<()> {
    use crate::content::keys;
    // The collection list shows settings, the collection page its order too.
    crate::store::invalidation::invalidate([keys::collection(&row.id), keys::COLLECTIONS.into()]);
    let data = serde_json::json!({
        "operation": operation,
        "collection": {
            "id": row.id,
            "slug": row.slug,
            "name": row.name,
            "version": row.version,
            "api_path": format!("/api/v1/collections/{}", row.slug),
        },
    });
    crate::webhooks::outbox::enqueue(conn, "collection.updated", data)
}

#[allow(clippy::too_many_arguments)]
fn record(
    conn: &mut DbConn,
    collection_id: &str,
    version: i64,
    operation: &str,
    detail: &ChangeDetail,
    before: &[Slot],
    after: &[Slot],
    actor: Option<String>,
) -> AppResult<()> {
    diesel::insert_into(collection_changes::table)
        .values((
            collection_changes::collection_id.eq(collection_id),
            collection_changes::version.eq(version),
            collection_changes::operation.eq(operation),
            collection_changes::detail.eq(json(detail)),
            collection_changes::items_before.eq(json(&before)),
            collection_changes::items_after.eq(json(&after)),
            collection_changes::created_by.eq(actor),
            collection_changes::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// History values are plain data; serialising them cannot fail.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The stored order with each story's state, for editors, in one query.
pub fn curation(conn: &mut DbConn, row: &CollectionRow, dropped: Vec<Slot>) -> AppResult<Curation> {
    type Joined = (
        ItemRow,
        (String, String, String, String, Status),
        (
            Option<chrono::NaiveDateTime>,
            Option<chrono::NaiveDateTime>,
            Option<chrono::NaiveDateTime>,
        ),
    );
    let rows: Vec<Joined> = collection_items::table
        .inner_join(articles::table)
        .filter(collection_items::collection_id.eq(&row.id))
        .order(collection_items::position.asc())
        .select((
            ItemRow::as_select(),
            (
                articles::id,
                articles::slug,
                articles::headline,
                articles::standfirst,
                articles::status,
            ),
            (
                articles::published_at,
                articles::embargo_until,
                articles::deleted_at,
            ),
        ))
        .load(conn)?;
    let at = now();
    let items = rows
        .into_iter()
        .map(
            |(item, (id, slug, headline, standfirst, status), (published, embargo, deleted))| {
                let expired = item.expires_at.is_some_and(|e| e <= at);
                CuratedItem {
                    position: item.position,
                    pinned: item.pinned,
                    expires_at: item.expires_at.map(utc),
                    visible: !expired && is_public_at(status, published, embargo, deleted, at),
                    status,
                    article: ArticleLink {
                        id: id.into(),
                        slug,
                        headline,
                        standfirst,
                        published_at: published.map(utc),
                    },
                }
            },
        )
        .collect();
    Ok(Curation {
        collection_id: row.id.clone(),
        slug: row.slug.clone(),
        max_items: row.max_items,
        version: row.version,
        updated_at: utc(row.updated_at),
        items,
        dropped,
    })
}
