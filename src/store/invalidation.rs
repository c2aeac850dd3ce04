//! The invalidation log: what each committed write changed for readers, as the
//! surrogate keys of the responses it changes, appended in the write's own transaction
//! and so exactly as durable as the write.
//!
//! Code inside a write names keys with [`invalidate`]; [`super::Db::write`] appends them
//! as one row just before committing and, once committed, hands them to this
//! process's subscribers (the response cache) before the write's caller continues, so
//! a reader of this instance never sees pre-write content after the write returns.
//! Other processes and instances learn of the row by tailing the log ([`spawn_tail`]):
//! PostgreSQL wakes them with `NOTIFY` (within a few milliseconds; a poll every second
//! catches anything a lost connection missed), SQLite's other processes (an import, a
//! `user create`) are noticed by a poll every 50 ms. The same log feeds the CDN purge
//! worker, which keeps its own cursor per target.
//!
//! Order: on PostgreSQL a writer takes an advisory lock before appending and holds it
//! to commit, so sequence order is commit order and a tail that has read up to `n`
//! never finds a later commit below `n`. SQLite has one writer at a time.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{cache_invalidations, purge_cursors};
use super::{DbConn, Manager, now};
use crate::error::AppResult;

/// The key that stands for every response.
pub const ALL: &str = "*";

/// The PostgreSQL channel a committed row is announced on (payload: its `seq`).
pub const CHANNEL: &str = "dateline_invalidations";

/// How long rows are kept for tails that were away; a tail further behind than the
/// oldest row left empties its cache rather than guess.
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Keys named by one write, by when they change (`None`: at commit).
type Named = BTreeMap<Option<NaiveDateTime>, BTreeSet<String>>;

thread_local! {
    /// The keys named by the write transactions running on this thread (innermost
    /// last); a write runs on one blocking thread from start to commit.
    static PENDING: RefCell<Vec<Named>> = const { RefCell::new(Vec::new()) };
}

/// Names surrogate keys the current write changes. Call it from inside the closure
/// given to [`super::Db::write`]; outside a write it does nothing (and says so in
/// debug builds).
pub fn invalidate<I, S>(keys: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    name(None, keys);
}

/// Names surrogate keys that will change by the clock alone at `at` (a story
/// scheduled or embargoed until then, a collection item expiring): every cache drops
/// them at that moment without waiting for anyone to write.
pub fn invalidate_at<I, S>(at: NaiveDateTime, keys: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    if at <= now() {
        name(None, keys);
    } else {
        name(Some(at), keys);
    }
}

fn name<I, S>(at: Option<NaiveDateTime>, keys: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        match pending.last_mut() {
            Some(open) => open
                .entry(at)
                .or_default()
                .extend(keys.into_iter().map(Into::into)),
            None => {
                debug_assert!(false, "invalidate() outside a write");
                tracing::error!("invalidate() called outside a write; ignored");
            }
        }
    });
}

/// The keys collected by one write, opened by [`Scope::begin`].
pub(super) struct Scope {
    open: bool,
}

impl Scope {
    pub(super) fn begin() -> Scope {
        PENDING.with(|p| p.borrow_mut().push(Named::new()));
        Scope { open: true }
    }

    /// The keys named so far; the scope stays open (a retried closure starts again).
    pub(super) fn take(&mut self) -> Named {
        PENDING.with(|p| {
            p.borrow_mut()
                .last_mut()
                .map(std::mem::take)
                .unwrap_or_default()
        })
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if self.open {
            PENDING.with(|p| p.borrow_mut().pop());
            self.open = false;
        }
    }
}

/// One committed entry of the log.
#[derive(Debug, Clone)]
pub struct Invalidation {
    pub seq: i64,
    pub keys: Arc<[String]>,
    /// When the keys change, if by the clock later rather than at commit.
    pub due: Option<NaiveDateTime>,
}

impl Invalidation {
    /// Whether this entry stands for every response.
    pub fn is_all(&self) -> bool {
        self.keys.iter().any(|k| k == ALL)
    }
}

/// Appends what a write named to the log, as the last statements of its transaction.
pub(super) fn append(conn: &mut DbConn, named: Named) -> AppResult<Vec<Invalidation>> {
    if named.values().all(BTreeSet::is_empty) {
        return Ok(Vec::new());
    }
    super::lock(conn, "cache_invalidations")?;
    // Whenever readers will see it: a render is of the content, not of the moment.
    let changed: BTreeSet<String> = named.values().flatten().cloned().collect();
    drop_renders(conn, &changed)?;
    let mut out = Vec::new();
    for (due, keys) in named {
        if keys.is_empty() {
            continue;
        }
        let keys: Vec<String> = if keys.contains(ALL) {
            vec![ALL.to_owned()]
        } else {
            keys.into_iter().collect()
        };
        let seq: i64 = diesel::insert_into(cache_invalidations::table)
            .values((
                cache_invalidations::keys.eq(keys.join(" ")),
                cache_invalidations::due_at.eq(due),
                cache_invalidations::created_at.eq(now()),
            ))
            .returning(cache_invalidations::seq)
            .get_result(conn)?;
        out.push(Invalidation {
            seq,
            keys: keys.into(),
            due,
        });
    }
    if let (DbConn::Postgres(pg), Some(last)) = (conn, out.last()) {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(CHANNEL)
            .bind::<diesel::sql_types::Text, _>(last.seq.to_string())
            .execute(pg)?;
    }
    Ok(out)
}

/// Drops the stored story renders (`article_renders`) that show any of `keys`: the
/// same rule that drops cached responses, applied in the write's own transaction and
/// after the log's lock, so a render made by a transaction that committed first is
/// dropped and none made from older data survives. Keys that change later by the clock
/// drop them now too (the content changed; only its showing waits): the clock itself
/// is the renders' own `public_from` and `valid_until`, checked when they are read.
fn drop_renders(conn: &mut DbConn, keys: &BTreeSet<String>) -> AppResult<()> {
    use super::schema::{article_renders, render_keys, render_sweeps};
    if keys.contains(ALL) {
        diesel::delete(render_keys::table).execute(conn)?;
        diesel::delete(article_renders::table).execute(conn)?;
        // Every story needs one again: the next server to start sweeps.
        diesel::delete(render_sweeps::table).execute(conn)?;
        return Ok(());
    }
    let keys: Vec<&String> = keys.iter().collect();
    for chunk in keys.chunks(500) {
        let shown: Vec<String> = super::inner!(conn, |c| render_keys::table
            .filter(super::keys_in(render_keys::key, chunk))
            .select(render_keys::article_id)
            .distinct()
            .load(c))?;
        for ids in shown.chunks(500) {
            super::inner!(conn, |c| diesel::delete(
                render_keys::table.filter(super::keys_in(render_keys::article_id, ids))
            )
            .execute(c))?;
            super::inner!(conn, |c| diesel::delete(
                article_renders::table.filter(super::keys_in(article_renders::article_id, ids))
            )
            .execute(c))?;
        }
    }
    Ok(())
}

/// Entries after `seq`, oldest first, at most `limit`.
pub fn since(conn: &mut DbConn, seq: i64, limit: i64) -> AppResult<Vec<Invalidation>> {
    let rows: Vec<(i64, String, Option<NaiveDateTime>)> = cache_invalidations::table
        .filter(cache_invalidations::seq.gt(seq))
        .order(cache_invalidations::seq)
        .limit(limit)
        .select((
            cache_invalidations::seq,
            cache_invalidations::keys,
            cache_invalidations::due_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, keys, due)| Invalidation {
            seq,
            keys: keys.split(' ').map(str::to_owned).collect(),
            due,
        })
        .collect())
}

/// The newest position and the oldest one still kept (0 when the log is empty).
pub fn bounds(conn: &mut DbConn) -> AppResult<(i64, i64)> {
    let newest: Option<i64> = cache_invalidations::table
        .select(diesel::dsl::max(cache_invalidations::seq))
        .first(conn)?;
    let oldest: Option<i64> = cache_invalidations::table
        .select(diesel::dsl::min(cache_invalidations::seq))
        .first(conn)?;
    Ok((newest.unwrap_or(0), oldest.unwrap_or(0)))
}

/// Drops entries older than [`RETENTION`] that every CDN purge target has delivered
/// and that do not fall due later. A target that stops being configured holds the
/// log back for a week at most.
pub fn prune(conn: &mut DbConn) -> AppResult<usize> {
    let now = now();
    let before = now - RETENTION;
    let delivered: Option<i64> = purge_cursors::table
        .filter(purge_cursors::delivered_at.gt(now - chrono::TimeDelta::days(7)))
        .select(diesel::dsl::min(purge_cursors::seq))
        .first(conn)?;
    let mut query = diesel::delete(cache_invalidations::table)
        .filter(cache_invalidations::created_at.lt(before))
        .filter(
            cache_invalidations::due_at
                .is_null()
                .or(cache_invalidations::due_at.lt(now)),
        )
        .into_boxed();
    if let Some(seq) = delivered {
        query = query.filter(cache_invalidations::seq.le(seq));
    }
    Ok(query.execute(conn)?)
}

/// What to do with each invalidation this process learns of.
pub type Subscriber = Box<dyn Fn(&Invalidation) + Send + Sync>;

/// Hands every invalidation to this process's subscribers exactly once: those of its
/// own writes at commit, everyone else's when the tail finds them.
#[derive(Default)]
pub struct Hub {
    subscribers: RwLock<Vec<Subscriber>>,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// The tail has read the log up to here (None: not started).
    cursor: Option<i64>,
    /// Own writes handed out ahead of the tail.
    local: BTreeSet<i64>,
}

impl Hub {
    /// Adds a subscriber.
    pub fn subscribe(&self, subscriber: Subscriber) {
        self.subscribers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(subscriber);
    }

    fn deliver(&self, invalidation: &Invalidation) {
        for subscriber in self
            .subscribers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            subscriber(invalidation);
        }
    }

    /// This process committed `invalidation`.
    pub(super) fn committed(&self, invalidation: &Invalidation) {
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if seen.cursor.is_some_and(|c| invalidation.seq <= c) {
                // The tail got there first.
                return;
            }
            seen.local.insert(invalidation.seq);
        }
        self.deliver(invalidation);
    }

    /// The tail found `found` (in order): deliver what this process has not.
    fn tailed(&self, found: &[Invalidation]) {
        for invalidation in found {
            let fresh = {
                let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
                seen.cursor = Some(invalidation.seq);
                let local = seen.local.remove(&invalidation.seq);
                // Own entries below the cursor were rolled-back numbers or are done.
                let cursor = invalidation.seq;
                seen.local.retain(|s| *s > cursor);
                !local
            };
            if fresh {
                self.deliver(invalidation);
            }
        }
    }

    fn cursor(&self) -> Option<i64> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).cursor
    }

    pub(super) fn start_at(&self, seq: i64) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.cursor = Some(seq);
        seen.local.retain(|s| *s > seq);
    }

    /// Everything may have changed (the tail fell behind the log's retention).
    fn everything(&self, seq: i64) {
        self.start_at(seq);
        self.deliver(&Invalidation {
            seq,
            keys: Arc::from(vec![ALL.to_owned()]),
            due: None,
        });
    }
}

/// How often SQLite's tail looks for other processes' writes, and how often
/// PostgreSQL's looks for notifications (a local socket read, no round trip) and
/// reads the log regardless.
const SQLITE_POLL: Duration = Duration::from_millis(50);
const PG_NOTIFY_POLL: Duration = Duration::from_millis(5);
const PG_FALLBACK: Duration = Duration::from_secs(1);

/// How often each process's tail drops log entries nobody needs any more.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Tails the log on a thread of its own with its own connection, delivering to `hub`
/// until the hub is dropped. Reconnects after failures; while the database is
/// unreachable nothing can commit, so cached responses stay right meanwhile.
pub(super) fn spawn_tail(manager: Arc<Manager>, hub: Weak<Hub>) {
    let spawned = std::thread::Builder::new()
        .name("invalidation-tail".into())
        .spawn(move || tail(manager, hub));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the invalidation tail");
    }
}

fn tail(manager: Arc<Manager>, hub: Weak<Hub>) {
    use diesel::r2d2::ManageConnection;
    let mut conn: Option<DbConn> = None;
    let mut backoff = Duration::from_millis(100);
    let mut pruned = std::time::Instant::now();
    loop {
        if hub.strong_count() == 0 {
            return;
        }
        if conn.is_none() {
            match manager.connect() {
                Ok(mut c) => {
                    if let DbConn::Postgres(pg) = &mut c
                        && let Err(e) = diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(pg)
                    {
                        tracing::warn!(error = %e, "invalidation tail: LISTEN failed");
                        std::thread::sleep(backoff);
                        continue;
                    }
                    backoff = Duration::from_millis(100);
                    conn = Some(c);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "invalidation tail: cannot connect; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let Some(strong) = hub.upgrade() else { return };
        if let Err(e) = catch_up(c, &strong) {
            tracing::warn!(error = %e, "invalidation tail: reading the log failed; reconnecting");
            conn = None;
            continue;
        }
        drop(strong);
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = std::time::Instant::now();
            match prune(c) {
                Ok(0) => {}
                Ok(n) => tracing::debug!(entries = n, "invalidation log pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning the invalidation log failed"),
            }
        }
        if !wait(c) {
            conn = None;
        }
    }
}

/// Reads and delivers everything after the hub's cursor.
fn catch_up(conn: &mut DbConn, hub: &Hub) -> AppResult<()> {
    let Some(mut cursor) = hub.cursor() else {
        // A new process starts with an empty cache: only what comes next matters.
        let (newest, _) = bounds(conn)?;
        hub.start_at(newest);
        return Ok(());
    };
    let (newest, oldest) = bounds(conn)?;
    if newest <= cursor {
        return Ok(());
    }
    if oldest > cursor + 1 {
        // Entries between the cursor and the oldest kept may have been pruned.
        tracing::warn!(
            cursor,
            oldest,
            "invalidation tail fell behind; emptying the cache"
        );
        hub.everything(newest);
        return Ok(());
    }
    loop {
        let found = since(conn, cursor, 500)?;
        let Some(last) = found.last() else {
            return Ok(());
        };
        cursor = last.seq;
        let full = found.len() == 500;
        hub.tailed(&found);
        if !full {
            return Ok(());
        }
    }
}

/// Waits until the log may have grown; false when the connection is lost.
fn wait(conn: &mut DbConn) -> bool {
    match conn {
        DbConn::Sqlite(_) => {
            std::thread::sleep(SQLITE_POLL);
            true
        }
        DbConn::Postgres(pg) => {
            let started = std::time::Instant::now();
            while started.elapsed() < PG_FALLBACK {
                let mut any = false;
                for notification in pg.notifications_iter() {
                    match notification {
                        Ok(_) => any = true,
                        Err(_) => return false,
                    }
                }
                if any {
                    return true;
                }
                std::thread::sleep(PG_NOTIFY_POLL);
            }
            true
        }
    }
}
