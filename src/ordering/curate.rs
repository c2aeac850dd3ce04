//! Ordering operations, each one transaction: lock the collection, check the version
//! (412 with the current order when stale), apply the rule in [`super::arrange`],
//! write the order and its history entry together.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::arrange::{Clash, Order};
use super::db::{Pending, article_ids, commit, curation, get, items, resolve_items};
use super::input::{ItemInput, position};
use super::model::{ChangeDetail, ChangeRow, CollectionRow, Curation, ScheduleRow, Slot};
use crate::error::{AppError, AppResult};
use crate::store::schema::{collection_changes, collection_items, collection_schedules};
use crate::store::{DbConn, lock, now};

/// One change to a collection's order.
#[derive(Debug)]
pub enum Op {
    /// A whole new order.
    Replace(Vec<ItemInput>),
    /// One story in at a position (default 1).
    Insert {
        item: ItemInput,
        position: Option<i32>,
    },
    /// Move, pin/unpin, or change the expiry of one item.
    Update {
        article: String,
        position: Option<i32>,
        pinned: Option<bool>,
        expires_at: Option<Option<DateTime<Utc>>>,
    },
    /// One story out.
    Remove { article: String },
    /// The order as it was after `from_version`.
    Restore { from_version: i64 },
}

impl From<Clash> for AppError {
    fn from(clash: Clash) -> AppError {
        AppError::conflict(clash.field, clash.message)
    }
}

/// Takes the collection's lock and re-reads it, so checks and writes see one state.
fn locked(conn: &mut DbConn, key: &str) -> AppResult<CollectionRow> {
    let row = get(conn, key)?;
    lock(conn, &format!("collection:{}", row.id))?;
    get(conn, &row.id)
}

/// Applies `op` if the collection is still at `expected`.
pub fn apply(
    conn: &mut DbConn,
    key: &str,
    expected: i64,
    actor: Option<String>,
    op: Op,
) -> AppResult<Curation> {
    let row = locked(conn, key)?;
    if row.version != expected {
        let current = curation(conn, &row, Vec::new())?;
        return Err(AppError::StaleWith {
            current_version: row.version,
            current: Box::new(serde_json::to_value(&current).map_err(AppError::internal)?),
        });
    }
    let before = items(conn, &row.id)?;
    let mut order = Order::new(before.clone(), row.capacity());
    let mut detail = ChangeDetail::default();
    let mut dropped = Vec::new();
    let operation = match op {
        Op::Replace(wanted) => {
            if wanted.len() > row.capacity() {
                return Err(AppError::invalid(
                    "items",
                    format!("at most {} (the collection's max_items)", row.max_items),
                ));
            }
            order = Order::from_list(resolve_items(conn, "items", &wanted)?, row.capacity());
            "replace"
        }
        Op::Insert { item, position: at } => {
            let at = position("position", at.unwrap_or(1), row.max_items)?;
            let mut slot =
                resolve_items(conn, "item", std::slice::from_ref(&item)).map_err(|e| match e {
                    AppError::Validation(mut found) => {
                        // Name the fields as this request spells them.
                        for error in &mut found {
                            error.field = error.field.replace("item[0].", "");
                        }
                        AppError::Validation(found)
                    }
                    other => other,
                })?;
            let slot = slot.pop().ok_or(AppError::NotFound("article"))?;
            detail.article_id = Some(slot.article_id.clone());
            dropped = order.insert(slot, at)?;
            detail.position = order
                .find(detail.article_id.as_deref().unwrap_or(""))
                .map(|s| s.position);
            detail.dropped = dropped.iter().map(|s| s.article_id.clone()).collect();
            "insert"
        }
        Op::Update {
            article,
            position: to,
            pinned,
            expires_at,
        } => {
            let id = member(conn, &order, &article)?;
            let to = to
                .map(|p| position("position", p, row.max_items))
                .transpose()?;
            let mut done = Vec::new();
            if let (Some(true), Some(to)) = (pinned, to)
                && order
                    .slots()
                    .iter()
                    .any(|s| s.pinned && s.article_id != id && s.position as usize == to)
            {
                return Err(AppError::conflict(
                    "position",
                    format!("position {to} is pinned by another story"),
                ));
            }
            if pinned == Some(false) && order.find(&id).is_some_and(|s| s.pinned) {
                order.set_pinned(&id, false)?;
                done.push("unpin");
            }
            if let Some(to) = to {
                order.move_to(&id, to)?;
                done.push("move");
            }
            if pinned == Some(true) && order.find(&id).is_some_and(|s| !s.pinned) {
                order.set_pinned(&id, true)?;
                done.push("pin");
            }
            if let Some(at) = expires_at {
                let at = at
                    .map(|at| super::input::instant("expires_at", at))
                    .transpose()?;
                order.set_expiry(&id, at)?;
                done.push("expiry");
            }
            if pinned.is_none() && to.is_none() && expires_at.is_none() {
                return Err(AppError::invalid(
                    "position",
                    "send position, pinned or expires_at",
                ));
            }
            detail.position = order.find(&id).map(|s| s.position);
            detail.article_id = Some(id);
            match done.as_slice() {
                [one] => *one,
                _ => "update",
            }
        }
        Op::Remove { article } => {
            let id = member(conn, &order, &article)?;
            order.remove(&id);
            detail.article_id = Some(id);
            "remove"
        }
        Op::Restore { from_version } => {
            let source: ChangeRow = collection_changes::table
                .find((&row.id, from_version))
                .select(ChangeRow::as_select())
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound("collection version"))?;
            let slots: Vec<Slot> = serde_json::from_str(&source.items_after).unwrap_or_default();
            dropped = fit_live(conn, &mut order, slots, row.capacity())?;
            detail.from_version = Some(from_version);
            detail.dropped = dropped.iter().map(|s| s.article_id.clone()).collect();
            "restore"
        }
    };
    // A time already past takes the item out with this very change.
    let gone = order.purge_expired(crate::http::utc(now()));
    detail
        .dropped
        .extend(gone.iter().map(|s| s.article_id.clone()));
    dropped.extend(gone);
    let after = order.into_slots();
    let pending = Pending {
        operation,
        detail,
        before,
        after,
        actor,
    };
    let row = commit(conn, &row, pending)?;
    curation(conn, &row, dropped)
}

/// The id of a story in the order, given by id or slug (404 when it is not there).
fn member(conn: &mut DbConn, order: &Order, key: &str) -> AppResult<String> {
    if order.find(key).is_some() {
        return Ok(key.to_owned());
    }
    let ids = article_ids(conn, &[key])?;
    ids.get(key)
        .filter(|id| order.find(id).is_some())
        .cloned()
        .ok_or(AppError::NotFound("collection item"))
}

/// Replaces `order` with `slots` (an order prepared earlier), keeping only live
/// stories and fitting it into today's capacity; returns what did not fit.
pub(crate) fn fit_live(
    conn: &mut DbConn,
    order: &mut Order,
    slots: Vec<Slot>,
    capacity: usize,
) -> AppResult<Vec<Slot>> {
    let keys: Vec<&str> = slots.iter().map(|s| s.article_id.as_str()).collect();
    let live = article_ids(conn, &keys)?;
    *order = Order::new(slots, capacity);
    Ok(order.fit(|id| live.contains_key(id)))
}

/// Does the collection's due work: applies prepared orders whose time has come (each
/// once, oldest first) and drops expired items, each as its own history entry.
pub fn catch_up(conn: &mut DbConn, key: &str) -> AppResult<()> {
    let row = locked(conn, key)?;
    let at = now();
    let due: Vec<ScheduleRow> = collection_schedules::table
        .filter(collection_schedules::collection_id.eq(&row.id))
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .filter(collection_schedules::publish_at.le(at))
        .order((
            collection_schedules::publish_at.asc(),
            collection_schedules::id.asc(),
        ))
        .select(ScheduleRow::as_select())
        .load(conn)?;
    for schedule in due {
        let claimed = diesel::update(collection_schedules::table.find(&schedule.id))
            .filter(collection_schedules::applied_at.is_null())
            .set(collection_schedules::applied_at.eq(at))
            .execute(conn)?;
        if claimed == 0 {
            continue;
        }
        let row = get(conn, &row.id)?;
        let before = items(conn, &row.id)?;
        let mut order = Order::new(before.clone(), row.capacity());
        let slots: Vec<Slot> = serde_json::from_str(&schedule.items).unwrap_or_default();
        let dropped = fit_live(conn, &mut order, slots, row.capacity())?;
        let detail = ChangeDetail {
            schedule_id: Some(schedule.id.clone()),
            dropped: dropped.iter().map(|s| s.article_id.clone()).collect(),
            ..ChangeDetail::default()
        };
        let pending = Pending {
            operation: "scheduled_replace",
            detail,
            before,
            after: order.into_slots(),
            actor: schedule.created_by,
        };
        commit(conn, &row, pending)?;
    }
    let row = get(conn, &row.id)?;
    let before = items(conn, &row.id)?;
    let mut order = Order::new(before.clone(), row.capacity());
    let gone = order.purge_expired(crate::http::utc(at));
    if !gone.is_empty() {
        let detail = ChangeDetail {
            dropped: gone.iter().map(|s| s.article_id.clone()).collect(),
            ..ChangeDetail::default()
        };
        let pending = Pending {
            operation: "expire",
            detail,
            before,
            after: order.into_slots(),
            actor: None,
        };
        commit(conn, &row, pending)?;
    }
    Ok(())
}

/// Collections with due work: a prepared order whose time has come, or an expired item.
pub fn due_collections(conn: &mut DbConn) -> AppResult<Vec<String>> {
    let at = now();
    let mut ids: Vec<String> = collection_schedules::table
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .filter(collection_schedules::publish_at.le(at))
        .select(collection_schedules::collection_id)
        .distinct()
        .load(conn)?;
    let expiring: Vec<String> = collection_items::table
        .filter(collection_items::expires_at.le(at))
        .select(collection_items::collection_id)
        .distinct()
        .load(conn)?;
    ids.extend(expiring);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Whether `key` has due work (cheap; lets reads skip the write).
pub fn has_due_work(conn: &mut DbConn, collection_id: &str) -> AppResult<bool> {
    let at = now();
    let schedules: i64 = collection_schedules::table
        .filter(collection_schedules::collection_id.eq(collection_id))
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .filter(collection_schedules::publish_at.le(at))
        .count()
        .get_result(conn)?;
    let expired: i64 = collection_items::table
        .filter(collection_items::collection_id.eq(collection_id))
        .filter(collection_items::expires_at.le(at))
        .count()
        .get_result(conn)?;
    Ok(schedules + expired > 0)
}

/// The next moment a collection changes by the clock alone (an item expiring, a
/// prepared order going live), if any.
pub fn next_time_change(conn: &mut DbConn) -> AppResult<Option<chrono::NaiveDateTime>> {
    let at = now();
    let expiry: Option<chrono::NaiveDateTime> = collection_items::table
        .filter(collection_items::expires_at.gt(at))
        .select(diesel::dsl::min(collection_items::expires_at))
        .first(conn)?;
    let schedule: Option<chrono::NaiveDateTime> = collection_schedules::table
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .filter(collection_schedules::publish_at.gt(at))
        .select(diesel::dsl::min(collection_schedules::publish_at))
        .first(conn)?;
    Ok([expiry, schedule].into_iter().flatten().min())
}
