//! A story's live state (`live` on a story): whether it is a live blog, since when and
//! until when, and its entry event counter. The entries themselves are in
//! `content::live`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Live, LiveState};
use crate::error::AppResult;
use crate::http::utc;
use crate::store::schema::article_live;
use crate::store::{DbConn, inner, keys_in};

type Row = (
    String,
    Option<LiveState>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// The live state of each of `ids` that is a live blog (one query).
pub fn of(conn: &mut DbConn, ids: &[&str]) -> AppResult<Vec<(String, Live)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = inner!(conn, |c| article_live::table
        .filter(keys_in(article_live::article_id, ids))
        .filter(article_live::state.is_not_null())
        .select((
            article_live::article_id,
            article_live::state,
            article_live::started_at,
            article_live::ended_at,
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, state, started_at, ended_at)| {
            Some((
                id,
                Live {
                    state: state?,
                    started_at: started_at.map(utc),
                    ended_at: ended_at.map(utc),
                },
            ))
        })
        .collect())
}

/// The live state of one story, if it is a live blog.
pub fn get(conn: &mut DbConn, id: &str) -> AppResult<Option<Live>> {
    Ok(of(conn, &[id])?.pop().map(|(_, live)| live))
}

/// Sets a story's live state (`None`: no longer a live blog; its entries stay).
/// Going live stamps `started_at` the first time and clears `ended_at`; ending stamps
/// `ended_at`. Returns whether anything changed.
pub fn set(
    conn: &mut DbConn,
    id: &str,
    state: Option<LiveState>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let current: Option<(Option<LiveState>, Option<NaiveDateTime>)> = article_live::table
        .find(id)
        .select((article_live::state, article_live::started_at))
        .first(conn)
        .optional()?;
    let (was, started) = current.unwrap_or((None, None));
    if was == state {
        return Ok(false);
    }
    let started_at = match state {
        Some(_) => Some(started.unwrap_or(at)),
        None => started,
    };
    let ended_at = match state {
        Some(LiveState::Ended) => Some(at),
        _ => None,
    };
    if current.is_some() {
        diesel::update(article_live::table.find(id))
            .set((
                article_live::state.eq(state),
                article_live::started_at.eq(started_at),
                article_live::ended_at.eq(ended_at),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(article_live::table)
            .values((
                article_live::article_id.eq(id),
                article_live::state.eq(state),
                article_live::started_at.eq(started_at),
                article_live::ended_at.eq(ended_at),
                article_live::seq.eq(0),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Takes the story's next entry event number. The UPDATE holds the row until the
/// transaction ends, so concurrent writers to one story number their changes in commit
/// order (a reader resuming after `n` never finds a later commit below `n`).
pub fn next_seq(conn: &mut DbConn, id: &str) -> AppResult<i64> {
    let taken: Option<i64> = diesel::update(article_live::table.find(id))
        .set(article_live::seq.eq(article_live::seq + 1))
        .returning(article_live::seq)
        .get_result(conn)
        .optional()?;
    if let Some(seq) = taken {
        return Ok(seq);
    }
    diesel::insert_into(article_live::table)
        .values((
            article_live::article_id.eq(id),
            article_live::state.eq(None::<LiveState>),
            article_live::seq.eq(1),
        ))
        .execute(conn)?;
    Ok(1)
}

/// The story's latest entry event number (0 before any).
pub fn seq(conn: &mut DbConn, id: &str) -> AppResult<i64> {
    Ok(article_live::table
        .find(id)
        .select(article_live::seq)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}
