//! Purge cursors: how far each target has delivered the invalidation log.

use std::collections::BTreeSet;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::error::AppResult;
use crate::store::invalidation::{self, ALL};
use crate::store::schema::{cache_invalidations, purge_cursors};
use crate::store::{DbConn, inner, now};

/// Most log entries gathered into one round of purges.
const ROUND: i64 = 1000;

/// A target's place in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Entries up to here are sent (or wait for their due time).
    pub seq: i64,
    /// Entries falling due up to this time are sent.
    pub due_through: NaiveDateTime,
}

/// What one round sends.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// The keys to purge (empty with `all`).
    pub keys: BTreeSet<String>,
    /// Purge everything (a bulk load named `*`).
    pub all: bool,
    /// The cursor once this round is sent.
    pub next: Option<Cursor>,
}

impl Round {
    /// Whether there is nothing to send (the cursor may still move).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.all
    }
}

/// Gives `target` a cursor if it has none: a new target starts at the log's end
/// (nothing it could hold was named by a write it missed, as far as it can tell).
pub fn ensure(conn: &mut DbConn, target: &str) -> AppResult<()> {
    let exists = purge_cursors::table
        .find(target)
        .select(purge_cursors::target)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !exists {
        let (newest, _) = invalidation::bounds(conn)?;
        let now = now();
        // Another instance may get there first: its row stands.
        inner!(conn, |c| diesel::insert_into(purge_cursors::table)
            .values((
                purge_cursors::target.eq(target),
                purge_cursors::seq.eq(newest),
                purge_cursors::due_through.eq(now),
                purge_cursors::attempts.eq(0),
                purge_cursors::next_attempt_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// When `target` next has work: now (`Some(t <= now)`), at a later time (an entry
/// falling due, a retry), or not until the log grows (`None`). A read, so idle
/// instances write nothing.
pub fn next_work(conn: &mut DbConn, target: &str) -> AppResult<Option<NaiveDateTime>> {
    let Some((seq, due_through, next_attempt)) = purge_cursors::table
        .find(target)
        .select((
            purge_cursors::seq,
            purge_cursors::due_through,
            purge_cursors::next_attempt_at,
        ))
        .first::<(i64, NaiveDateTime, NaiveDateTime)>(conn)
        .optional()?
    else {
        return Ok(Some(now()));
    };
    let newer: Option<i64> = cache_invalidations::table
        .filter(cache_invalidations::seq.gt(seq))
        .select(cache_invalidations::seq)
        .order(cache_invalidations::seq)
        .first(conn)
        .optional()?;
    let due: Option<NaiveDateTime> = cache_invalidations::table
        .filter(cache_invalidations::due_at.gt(due_through))
        .filter(cache_invalidations::seq.le(seq))
        .select(cache_invalidations::due_at.assume_not_null())
        .order(cache_invalidations::due_at)
        .first(conn)
        .optional()?;
    let work = match (newer, due) {
        (Some(_), _) => Some(now()),
        (None, due) => due,
    };
    Ok(work.map(|at| at.max(next_attempt)))
}

/// Claims `target` for `owner` for `lease`, unless another instance holds it or its
/// retry is not due. Returns its cursor when claimed.
pub fn claim(
    conn: &mut DbConn,
    target: &str,
    owner: &str,
    lease: TimeDelta,
) -> AppResult<Option<Cursor>> {
    let now = now();
    let claimed = diesel::update(purge_cursors::table.find(target))
        .filter(purge_cursors::next_attempt_at.le(now))
        .filter(
            purge_cursors::claimed_until
                .is_null()
                .or(purge_cursors::claimed_until.lt(now))
                .or(purge_cursors::claimed_by.eq(owner)),
        )
        .set((
            purge_cursors::claimed_by.eq(owner),
            purge_cursors::claimed_until.eq(now + lease),
        ))
        .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    let (seq, due_through) = purge_cursors::table
        .find(target)
        .select((purge_cursors::seq, purge_cursors::due_through))
        .first::<(i64, NaiveDateTime)>(conn)?;
    Ok(Some(Cursor { seq, due_through }))
}

/// Gathers what is to be sent after `cursor` as of `now`: entries after it that are
/// due (or due at commit), and earlier entries whose due time has come since.
pub fn gather(conn: &mut DbConn, cursor: Cursor, now: NaiveDateTime) -> AppResult<Round> {
    let mut round = Round::default();
    let add = |keys: &[String], round: &mut Round| {
        for key in keys {
            if key == ALL {
                round.all = true;
            } else {
                round.keys.insert(key.clone());
            }
        }
    };
    let fresh = invalidation::since(conn, cursor.seq, ROUND)?;
    let mut seq = cursor.seq;
    for entry in &fresh {
        seq = entry.seq;
        // An entry falling due later waits for the due pass below, in a later round.
        if entry.due.is_none_or(|at| at <= now) {
            add(&entry.keys, &mut round);
        }
    }
    let ripe: Vec<String> = cache_invalidations::table
        .filter(cache_invalidations::seq.le(cursor.seq))
        .filter(cache_invalidations::due_at.gt(cursor.due_through))
        .filter(cache_invalidations::due_at.le(now))
        .select(cache_invalidations::keys)
        .load(conn)?;
    for keys in ripe {
        let keys: Vec<String> = keys.split(' ').map(str::to_owned).collect();
        add(&keys, &mut round);
    }
    if round.all {
        round.keys.clear();
    }
    round.next = Some(Cursor {
        seq,
        due_through: now.max(cursor.due_through),
    });
    Ok(round)
}

/// Records a round as sent: the cursor moves, the claim is released.
pub fn sent(conn: &mut DbConn, target: &str, owner: &str, next: Cursor) -> AppResult<bool> {
    let now = now();
    let moved = diesel::update(purge_cursors::table.find(target))
        .filter(purge_cursors::claimed_by.eq(owner))
        .set((
            purge_cursors::seq.eq(next.seq),
            purge_cursors::due_through.eq(next.due_through),
            purge_cursors::attempts.eq(0),
            purge_cursors::next_attempt_at.eq(now),
            purge_cursors::claimed_by.eq(None::<String>),
            purge_cursors::claimed_until.eq(None::<NaiveDateTime>),
            purge_cursors::last_error.eq(None::<String>),
            purge_cursors::delivered_at.eq(now),
        ))
        .execute(conn)?;
    Ok(moved == 1)
}

/// Records a failed round: the cursor stays, the next try backs off.
pub fn failed(conn: &mut DbConn, target: &str, owner: &str, error: &str) -> AppResult<()> {
    let attempts: i32 = purge_cursors::table
        .find(target)
        .select(purge_cursors::attempts)
        .first(conn)?;
    let now = now();
    diesel::update(purge_cursors::table.find(target))
        .filter(purge_cursors::claimed_by.eq(owner))
        .set((
            purge_cursors::attempts.eq(attempts.saturating_add(1)),
            purge_cursors::next_attempt_at.eq(now + backoff(attempts)),
            purge_cursors::claimed_by.eq(None::<String>),
            purge_cursors::claimed_until.eq(None::<NaiveDateTime>),
            purge_cursors::last_error.eq(error.chars().take(500).collect::<String>()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The wait after `attempts` failures in a row: 1 s doubling to five minutes.
pub fn backoff(attempts: i32) -> TimeDelta {
    let secs = 1i64 << attempts.clamp(0, 9);
    TimeDelta::seconds(secs.min(300))
}

/// A target's delivery state, for operators.
#[derive(Debug, Clone, Queryable)]
pub struct Status {
    pub target: String,
    pub seq: i64,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Every target's delivery state.
pub fn status(conn: &mut DbConn) -> AppResult<Vec<Status>> {
    Ok(purge_cursors::table
        .order(purge_cursors::target)
        .select((
            purge_cursors::target,
            purge_cursors::seq,
            purge_cursors::attempts,
            purge_cursors::last_error,
            purge_cursors::delivered_at,
        ))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(backoff(0), TimeDelta::seconds(1));
        assert_eq!(backoff(3), TimeDelta::seconds(8));
        assert_eq!(backoff(20), TimeDelta::seconds(300));
        assert_eq!(backoff(-1), TimeDelta::seconds(1));
    }
}
