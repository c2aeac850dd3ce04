//! A collection as the public sees it: the curated order (or a prepared one whose
//! time has come), unavailable and expired stories skipped, topped up from its
//! section or tag, resolved to summaries in a fixed number of queries.

use chrono::Utc;

use super::arrange::{self, Order};
use super::db::{fills, get, items};
use super::model::{CollectionPage, CollectionResponse, CollectionRow, PublicItem, Slot, Source};
use crate::content::articles::summary::public_summaries;
use crate::content::keys::Keys;
use crate::content::sections;
use crate::error::AppResult;
use crate::media::files::MediaStore;
use crate::store::{DbConn, now};

/// The collection resolved for the public.
pub fn page(conn: &mut DbConn, key: &str, media: &MediaStore) -> AppResult<CollectionPage> {
    let row = get(conn, key)?;
    let order = match super::plans::due_now(conn, &row.id)? {
        Some(schedule) => {
            // Exactly what the scheduler will make of it (see `curate::catch_up`).
            let slots: Vec<Slot> = serde_json::from_str(&schedule.items).unwrap_or_default();
            let mut order = Order::new(Vec::new(), row.capacity());
            super::curate::fit_live(conn, &mut order, slots, row.capacity())?;
            order.into_slots()
        }
        None => items(conn, &row.id)?,
    };
    let fill = fill_ids(conn, &row, order.len())?;
    let mut wanted: Vec<&str> = order.iter().map(|s| s.article_id.as_str()).collect();
    wanted.extend(fill.iter().map(String::as_str));
    let mut summaries = public_summaries(conn, &wanted, media)?;
    let fill: Vec<String> = fill
        .into_iter()
        .filter(|id| summaries.contains_key(id))
        .collect();
    let at = Utc::now();
    let shown = arrange::resolve(
        &order,
        |s| s.expires_at.is_none_or(|e| e > at) && summaries.contains_key(&s.article_id),
        &fill,
        row.capacity(),
    );
    let items = shown
        .into_iter()
        .enumerate()
        .filter_map(|(i, (id, pinned, curated))| {
            let expires_at = order
                .iter()
                .find(|s| s.article_id == id)
                .and_then(|s| s.expires_at);
            summaries.remove(&id).map(|article| PublicItem {
                position: i as i32 + 1,
                pinned,
                expires_at,
                source: if curated {
                    Source::Curated
                } else {
                    Source::Automatic
                },
                article,
            })
        })
        .collect();
    let fill = fills(conn, std::slice::from_ref(&row))?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(CollectionPage {
        collection: CollectionResponse::new(row, fill),
        items,
    })
}

/// What a resolved collection shows, as surrogate keys: its settings and order, each
/// listed story with its section and byline, and the stories of its fill source.
pub fn keys(conn: &mut DbConn, page: &CollectionPage) -> AppResult<Keys> {
    use crate::content::keys;
    let mut out = Keys::new();
    out.add(keys::collection(&page.collection.id));
    for item in &page.items {
        out.add(keys::article(&item.article.id));
        if let Some(s) = &item.article.section {
            out.add(keys::section(&s.id));
        }
        for a in &item.article.authors {
            out.add(keys::author(&a.id));
        }
    }
    if let Some(section) = &page.collection.fill.section {
        out.add(keys::section(&section.id));
        for id in sections::db::with_descendants(conn, &section.id)? {
            out.add(keys::section_articles(&id));
        }
    }
    if let Some(tag) = &page.collection.fill.tag {
        out.add(keys::tag(&tag.id)).add(keys::tag_articles(&tag.id));
    }
    Ok(out)
}

/// The latest published stories of the collection's section (with subsections) and/or
/// tag, enough to top it up past the curated ones; empty without a fill source.
fn fill_ids(conn: &mut DbConn, row: &CollectionRow, curated: usize) -> AppResult<Vec<String>> {
    if row.fill_section_id.is_none() && row.fill_tag_id.is_none() {
        return Ok(Vec::new());
    }
    let sections = match &row.fill_section_id {
        Some(section) => Some(sections::db::with_descendants(conn, section)?),
        None => None,
    };
    let scope = crate::content::articles::listing::Scope {
        sections,
        tag: row.fill_tag_id.clone(),
        ..Default::default()
    };
    let limit = (row.capacity() + curated) as i64;
    let page = crate::content::articles::listing::page(conn, &scope, None, limit, now())?;
    Ok(page.into_iter().map(|(_, id)| id).collect())
}
