//! A collection's past and future: the history of changes, and orders prepared to
//! take effect later.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::arrange::Order;
use super::db::{get, resolve_items};
use super::input::ItemInput;
use super::model::{ChangeRow, CollectionRow, ScheduleRow};
use crate::error::{AppError, AppResult};
use crate::store::schema::{collection_changes, collection_schedules};
use crate::store::{DbConn, lock, new_id, now};

/// Pending prepared orders a collection may have at once.
pub const MAX_PENDING: i64 = 50;

/// History entries, newest first, before version `before`.
pub fn changes(
    conn: &mut DbConn,
    collection_id: &str,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<ChangeRow>> {
    let mut query = collection_changes::table
        .filter(collection_changes::collection_id.eq(collection_id))
        .order(collection_changes::version.desc())
        .limit(limit + 1)
        .select(ChangeRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(collection_changes::version.lt(before));
    }
    Ok(query.load(conn)?)
}

/// Prepares an order to replace the live one at `publish_at`.
pub fn add_schedule(
    conn: &mut DbConn,
    key: &str,
    publish_at: NaiveDateTime,
    wanted: &[ItemInput],
    actor: Option<String>,
) -> AppResult<ScheduleRow> {
    let row = get(conn, key)?;
    lock(conn, &format!("collection:{}", row.id))?;
    if publish_at <= now() {
        return Err(AppError::invalid("publish_at", "must be in the future"));
    }
    if wanted.len() > row.capacity() {
        return Err(AppError::invalid(
            "items",
            format!("at most {} (the collection's max_items)", row.max_items),
        ));
    }
    let pending: i64 = collection_schedules::table
        .filter(collection_schedules::collection_id.eq(&row.id))
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .count()
        .get_result(conn)?;
    if pending >= MAX_PENDING {
        return Err(AppError::Conflict {
            detail: format!("{MAX_PENDING} prepared orders are pending; cancel some first"),
            field: None,
        });
    }
    let slots =
        Order::from_list(resolve_items(conn, "items", wanted)?, row.capacity()).into_slots();
    let id = new_id();
    diesel::insert_into(collection_schedules::table)
        .values((
            collection_schedules::id.eq(&id),
            collection_schedules::collection_id.eq(&row.id),
            collection_schedules::items
                .eq(serde_json::to_string(&slots).map_err(AppError::internal)?),
            collection_schedules::publish_at.eq(publish_at),
            collection_schedules::created_by.eq(actor),
            collection_schedules::created_at.eq(now()),
        ))
        .execute(conn)?;
    // Readers see the prepared order from its time on, whether or not the
    // scheduler has run: caches drop the collection then.
    crate::store::invalidation::invalidate_at(
        publish_at,
        [crate::content::keys::collection(&row.id)],
    );
    schedule(conn, &row, &id)
}

/// One prepared order of a collection, or 404.
pub fn schedule(conn: &mut DbConn, row: &CollectionRow, id: &str) -> AppResult<ScheduleRow> {
    collection_schedules::table
        .find(id)
        .filter(collection_schedules::collection_id.eq(&row.id))
        .select(ScheduleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("prepared order"))
}

/// Prepared orders: pending ones first by time, then the 20 latest applied or canceled.
pub fn schedules(conn: &mut DbConn, collection_id: &str) -> AppResult<Vec<ScheduleRow>> {
    let mut pending: Vec<ScheduleRow> = collection_schedules::table
        .filter(collection_schedules::collection_id.eq(collection_id))
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .order((
            collection_schedules::publish_at.asc(),
            collection_schedules::id.asc(),
        ))
        .select(ScheduleRow::as_select())
        .load(conn)?;
    let done: Vec<ScheduleRow> = collection_schedules::table
        .filter(collection_schedules::collection_id.eq(collection_id))
        .filter(
            collection_schedules::applied_at
                .is_not_null()
                .or(collection_schedules::canceled_at.is_not_null()),
        )
        .order((
            collection_schedules::publish_at.desc(),
            collection_schedules::id.desc(),
        ))
        .limit(20)
        .select(ScheduleRow::as_select())
        .load(conn)?;
    pending.extend(done);
    Ok(pending)
}

/// Cancels a pending prepared order (409 once it has been applied).
pub fn cancel_schedule(conn: &mut DbConn, key: &str, id: &str) -> AppResult<()> {
    let row = get(conn, key)?;
    lock(conn, &format!("collection:{}", row.id))?;
    let found = schedule(conn, &row, id)?;
    if found.applied_at.is_some() {
        return Err(AppError::Conflict {
            detail: "this order was already applied; restore an earlier one from the history"
                .into(),
            field: None,
        });
    }
    diesel::update(collection_schedules::table.find(id))
        .filter(collection_schedules::canceled_at.is_null())
        .set(collection_schedules::canceled_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// The prepared order that should be live now but has not been applied yet (the
/// latest due one), so reads never wait for the scheduler.
pub fn due_now(conn: &mut DbConn, collection_id: &str) -> AppResult<Option<ScheduleRow>> {
    Ok(collection_schedules::table
        .filter(collection_schedules::collection_id.eq(collection_id))
        .filter(collection_schedules::applied_at.is_null())
        .filter(collection_schedules::canceled_at.is_null())
        .filter(collection_schedules::publish_at.le(now()))
        .order((
            collection_schedules::publish_at.desc(),
            collection_schedules::id.desc(),
        ))
        .select(ScheduleRow::as_select())
        .first(conn)
        .optional()?)
}
