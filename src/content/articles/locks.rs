//! Soft edit locks: opening a story for editing takes its lock, the editor's client
//! renews it (a heartbeat) and it lapses by itself without one (after
//! `DATELINE_EDIT_LOCK_SECONDS`, two minutes by default). While
//! someone else holds it, a save is 423 naming the holder; an editor may take it over,
//! and the former holder's next save is told who did. Locks live in the database, so
//! they hold across instances.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::model::{EditLock, Person};
use crate::error::{AppError, AppResult};
use crate::http::utc;
use crate::store::schema::{article_locks, users};
use crate::store::{DbConn, now};

/// A lock row with its holder's name.
struct Held {
    lock: EditLock,
    taken_from: Option<String>,
}

type LockRow = (
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
    String,
);

fn held_from(row: LockRow) -> (String, Held) {
    let (article, user, acquired, expires, taken_from, name) = row;
    (
        article,
        Held {
            lock: EditLock {
                user: Person { id: user, name },
                acquired_at: utc(acquired),
                expires_at: utc(expires),
            },
            taken_from,
        },
    )
}

/// The live locks on `ids` (lapsed ones are as good as gone).
fn live(conn: &mut DbConn, ids: &[&str], at: NaiveDateTime) -> QueryResult<Vec<(String, Held)>> {
    let rows: Vec<LockRow> = article_locks::table
        .inner_join(users::table)
        .filter(article_locks::article_id.eq_any(ids))
        .filter(article_locks::expires_at.gt(at))
        .select((
            article_locks::article_id,
            article_locks::user_id,
            article_locks::acquired_at,
            article_locks::expires_at,
            article_locks::taken_from,
            users::name,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(held_from).collect())
}

/// The live locks on `ids`, for the desk's view of stories.
pub fn on(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Vec<(String, EditLock)>> {
    Ok(live(conn, ids, now())?
        .into_iter()
        .map(|(article, held)| (article, held.lock))
        .collect())
}

fn locked(detail: String, lock: &EditLock) -> AppError {
    AppError::Locked {
        detail,
        lock: Box::new(serde_json::to_value(lock).unwrap_or_default()),
    }
}

/// Takes or renews the lock on `article` for `user`. Someone else's live lock is 423,
/// unless `takeover` by an editor, who then holds it (and its former holder is told at
/// their next save).
pub fn take(
    conn: &mut DbConn,
    article: &str,
    user: &str,
    takeover: bool,
    editor: bool,
    hold: std::time::Duration,
) -> AppResult<EditLock> {
    let hold = TimeDelta::from_std(hold).unwrap_or(TimeDelta::seconds(120));
    crate::store::lock(conn, &format!("article_lock:{article}"))?;
    let at = now();
    let current = live(conn, &[article], at)?.pop().map(|(_, held)| held);
    let (acquired_at, taken_from) = match &current {
        // A renewal keeps the time it was first taken.
        Some(held) if held.lock.user.id == user => {
            (held.lock.acquired_at.naive_utc(), held.taken_from.clone())
        }
        Some(held) if takeover && editor => (at, Some(held.lock.user.id.clone())),
        Some(held) => {
            let detail = if takeover {
                "only editors take over someone else's edit lock".to_owned()
            } else {
                format!(
                    "{} is editing this story; send takeover: true to take over (editors)",
                    held.lock.user.name
                )
            };
            return Err(locked(detail, &held.lock));
        }
        None => (at, None),
    };
    diesel::delete(article_locks::table.filter(article_locks::article_id.eq(article)))
        .execute(conn)?;
    diesel::insert_into(article_locks::table)
        .values((
            article_locks::article_id.eq(article),
            article_locks::user_id.eq(user),
            article_locks::acquired_at.eq(acquired_at),
            article_locks::expires_at.eq(at + hold),
            article_locks::taken_from.eq(taken_from),
        ))
        .execute(conn)?;
    live(conn, &[article], at)?
        .pop()
        .map(|(_, held)| held.lock)
        .ok_or_else(|| AppError::internal("a lock just taken is gone"))
}

/// Gives the lock up: its holder, or an editor, may. Without a live lock there is
/// nothing to do.
pub fn release(
    conn: &mut DbConn,
    article: &str,
    user: Option<&str>,
    editor: bool,
) -> AppResult<()> {
    crate::store::lock(conn, &format!("article_lock:{article}"))?;
    if let Some((_, held)) = live(conn, &[article], now())?.pop()
        && Some(held.lock.user.id.as_str()) != user
        && !editor
    {
        return Err(locked(
            format!(
                "{} holds the edit lock; only they or an editor release it",
                held.lock.user.name
            ),
            &held.lock,
        ));
    }
    diesel::delete(article_locks::table.filter(article_locks::article_id.eq(article)))
        .execute(conn)?;
    Ok(())
}

/// A save by anyone but the holder of a live lock is 423, naming the holder; a former
/// holder whose lock was taken over hears who took it.
pub fn check_save(conn: &mut DbConn, article: &str, user: Option<&str>) -> AppResult<()> {
    let Some((_, held)) = live(conn, &[article], now())?.pop() else {
        return Ok(());
    };
    if Some(held.lock.user.id.as_str()) == user {
        return Ok(());
    }
    let name = &held.lock.user.name;
    let until = held.lock.expires_at.format("%H:%M:%S UTC");
    let detail = if user.is_some() && held.taken_from.as_deref() == user {
        format!(
            "{name} took over this story's edit lock; it is theirs until {until} unless renewed"
        )
    } else {
        format!("{name} is editing this story (the edit lock holds until {until} unless renewed)")
    };
    Err(locked(detail, &held.lock))
}
