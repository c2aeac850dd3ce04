//! The change log partners mirror from, and the hook every article change passes
//! through (`content::articles::operations`): in the same transaction as the change it
//! appends to the log and queues webhook events.

use diesel::prelude::*;

use crate::content::articles::model::{ArticleRow, Status};
use crate::error::AppResult;
use crate::store::schema::article_changes;
use crate::store::{DbConn, now};

/// Partners hear about a story while it is published or scheduled and not trashed.
pub fn is_syndicated(row: &ArticleRow) -> bool {
    row.deleted_at.is_none() && matches!(row.status, Status::Published | Status::Scheduled)
}

/// The webhook event a change amounts to, from what readers could see before and after.
fn event_kind(was_public: bool, row: &ArticleRow, public: bool) -> Option<&'static str> {
    match (was_public, public) {
        (false, true) => Some("article.published"),
        (true, true) => Some("article.updated"),
        (true, false) if row.deleted_at.is_some() => Some("article.deleted"),
        (true, false) => Some("article.unpublished"),
        (false, false) => None,
    }
}

/// Records a change to `row` (already written) for partners and webhooks.
pub fn note(conn: &mut DbConn, row: &ArticleRow, action: &str) -> AppResult<()> {
    // Held until commit. Log positions must become visible in order (a partner that
    // has read up to position n never looks below it again): on PostgreSQL two
    // transactions could otherwise take positions 10 and 11 and commit 11 first. It
    // also keeps two changes to one story from both reading the same "before" and
    // announcing it twice. (SQLite has one writer at a time already.) Callers take it
    // after their row locks, as the last step of the change.
    crate::store::lock(conn, "article_changes")?;
    let at = now();
    let previous: Option<(bool, bool)> = article_changes::table
        .filter(article_changes::article_id.eq(&row.id))
        .order(article_changes::seq.desc())
        .select((article_changes::syndicated, article_changes::public))
        .first(conn)
        .optional()?;
    let (was_syndicated, was_public) = previous.unwrap_or((false, false));
    let syndicated = is_syndicated(row);
    let public = row.is_public(at);
    if syndicated || was_syndicated {
        diesel::insert_into(article_changes::table)
            .values((
                article_changes::article_id.eq(&row.id),
                article_changes::action.eq(action),
                article_changes::syndicated.eq(syndicated),
                article_changes::public.eq(public),
                article_changes::created_at.eq(at),
            ))
            .execute(conn)?;
        // Feeds show the time of the latest change.
        crate::store::invalidation::invalidate([crate::content::keys::CHANGES]);
    }
    if let Some(kind) = event_kind(was_public, row, public) {
        crate::webhooks::outbox::article_event(conn, kind, row, action)?;
    }
    Ok(())
}

/// Stories whose embargo has lifted since they were last recorded: public now, but
/// their latest change says readers could not see them. The scheduler records them
/// (`embargo_lifted`) so webhooks announce them at the right moment.
pub fn embargoes_lifted(conn: &mut DbConn) -> AppResult<Vec<crate::store::ids::ArticleId>> {
    use crate::content::articles::listing::public_at;
    use crate::store::schema::articles;
    let at = now();
    let candidates: Vec<crate::store::ids::ArticleId> = articles::table
        .filter(public_at!(at))
        .filter(articles::embargo_until.is_not_null())
        .filter(articles::embargo_until.gt(at - chrono::TimeDelta::days(7)))
        .select(articles::id)
        .load(conn)?;
    let mut lifted = Vec::new();
    for id in candidates {
        let latest: Option<bool> = article_changes::table
            .filter(article_changes::article_id.eq(&id))
            .order(article_changes::seq.desc())
            .select(article_changes::public)
            .first(conn)
            .optional()?;
        if latest == Some(false) {
            lifted.push(id);
        }
    }
    Ok(lifted)
}

/// When anything partners hear about last changed (feeds' `Last-Modified` floor: a
/// story leaving a feed changes the feed without changing any story left in it).
pub fn last_change(conn: &mut DbConn) -> AppResult<Option<chrono::NaiveDateTime>> {
    Ok(article_changes::table
        .order(article_changes::seq.desc())
        .select(article_changes::created_at)
        .first(conn)
        .optional()?)
}

/// The latest position of each story changed after `after`, in log order: at most
/// `limit` stories, each once, at its newest change in the window read. The window is
/// a bounded range of the log (`WINDOW` entries a story), so a partner resuming from
/// an old cursor costs the same as one that is current; a story whose newer change
/// lies past the window comes again at that change (partners see each change at
/// least once, in order).
pub fn since(conn: &mut DbConn, after: i64, limit: i64) -> AppResult<Vec<(String, i64)>> {
    const WINDOW: i64 = 4;
    let rows: Vec<(String, i64)> = article_changes::table
        .filter(article_changes::seq.gt(after))
        .order(article_changes::seq.asc())
        .select((article_changes::article_id, article_changes::seq))
        .limit(limit.saturating_mul(WINDOW).max(limit))
        .load(conn)?;
    let mut newest: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for (id, seq) in &rows {
        newest.insert(id.as_str(), *seq);
    }
    let mut stories: Vec<(String, i64)> = newest
        .into_iter()
        .map(|(id, seq)| (id.to_owned(), seq))
        .collect();
    stories.sort_by_key(|(_, seq)| *seq);
    stories.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(stories)
}

/// Whether the log holds anything after `seq`.
pub fn any_after(conn: &mut DbConn, seq: i64) -> AppResult<bool> {
    Ok(article_changes::table
        .filter(article_changes::seq.gt(seq))
        .select(article_changes::seq)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// The log position just before the first change at or after `at` (for `since=`).
pub fn position_before(conn: &mut DbConn, at: chrono::NaiveDateTime) -> AppResult<i64> {
    let first: Option<i64> = article_changes::table
        .filter(article_changes::created_at.ge(at))
        .select(diesel::dsl::min(article_changes::seq))
        .first(conn)?;
    match first {
        Some(seq) => Ok(seq - 1),
        None => Ok(article_changes::table
            .select(diesel::dsl::max(article_changes::seq))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0)),
    }
}
