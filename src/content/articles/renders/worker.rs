//! Making renders: the batches a write or a read asked for, the sweep for stories
//! without one, and `dateline render`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{BATCH, Item, Renders};
use crate::content::articles::model::Formats;
use crate::error::AppResult;
use crate::media::files::MediaStore;
use crate::store::ids::ArticleId;
use crate::store::schema::{article_renders, articles, render_keys, render_sweeps};
use crate::store::{Db, DbConn, inner, keys_in, lock, now};

/// Renders `ids` (those that are or will be public; the others lose any render).
pub fn render(
    conn: &mut DbConn,
    ids: &[ArticleId],
    generation: &str,
    media: &MediaStore,
) -> AppResult<usize> {
    lock(conn, "cache_invalidations")?;
    // A writer takes row locks first and the invalidation lock last; this takes the
    // invalidation lock first, then (checking the render's foreign key) a share of the
    // story's row. A writer changing that row's slug would wait on this for the lock
    // while this waits on it for the row: a deadlock PostgreSQL resolves after a
    // second, sometimes by failing the writer. So this gives up at once instead: the
    // batch fails, the writer goes on, and the next read asks for the render again.
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SET LOCAL lock_timeout = '50ms'").execute(pg)?;
    }
    let now = now();
    // With the lock held, a render that exists is current: any change since it was
    // made dropped it. Another instance (or an earlier batch) made these already.
    let keys: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    let current: Vec<String> = inner!(conn, |c| article_renders::table
        .filter(keys_in(article_renders::article_id, &keys))
        .filter(article_renders::generation.eq(generation))
        .filter(
            article_renders::valid_until
                .is_null()
                .or(article_renders::valid_until.gt(now)),
        )
        .select(article_renders::article_id)
        .load(c))?;
    let stale: Vec<&str> = keys
        .into_iter()
        .filter(|id| !current.iter().any(|c| c == id))
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    inner!(conn, |c| diesel::delete(
        render_keys::table.filter(keys_in(render_keys::article_id, &stale))
    )
    .execute(c))?;
    inner!(conn, |c| diesel::delete(
        article_renders::table.filter(keys_in(article_renders::article_id, &stale))
    )
    .execute(c))?;
    // Stories that are (or will be) public; the others keep no render.
    let rows: Vec<_> = crate::content::articles::load::rows_by_id(conn, &stale)?
        .into_iter()
        .filter(|row| row.deleted_at.is_none())
        .filter_map(|row| Some((crate::content::articles::announce::public_from(&row)?, row)))
        .collect();
    let places: Vec<_> = rows
        .iter()
        .map(|(public_from, row)| {
            let related = crate::content::articles::blocks::related_targets(&row.body);
            let place = (row.slug.clone(), row.section_id.clone(), row.published_at);
            (*public_from, related, place, row.version)
        })
        .collect();
    let mut rows: Vec<_> = rows.into_iter().map(|(_, row)| row).collect();
    // Renders are what anonymous readers get: teasers where the publication says so.
    let cut = crate::content::articles::teaser::cut_for_public(conn, &mut rows, media)?;
    let mut stories =
        crate::content::articles::relations::stories(conn, rows, Formats::DEFAULT, media)?;
    crate::content::articles::teaser::mark(&mut stories, &cut);
    let made = stories.len();
    // Every story's rows in three statements, not three per story: on PostgreSQL each
    // statement is a round trip, and a sweep of a million stories after an upgrade
    // took over an hour of them.
    let linked: Vec<&str> = stories
        .iter()
        .flat_map(|story| story.links.iter().map(String::as_str))
        .collect();
    let later = shown_later(conn, &linked, now)?;
    let mut renders = Vec::with_capacity(made);
    let mut keys = Vec::new();
    for (story, (public_from, related, (slug, section_id, published_at), version)) in
        stories.iter().zip(places)
    {
        let item = Item::of(story)?;
        let id = story.id.as_str();
        // When the first of the stories it links to (or hides, not public yet) is
        // shown by the clock.
        let valid_until = later
            .iter()
            .filter(|(key, slug, _)| story.links.iter().any(|l| l == key || l == slug))
            .map(|(_, _, at)| *at)
            .min();
        keys.extend(item.keys.iter().map(|k| {
            (
                render_keys::key.eq(k.clone()),
                render_keys::article_id.eq(id),
            )
        }));
        renders.push((
            article_renders::article_id.eq(id),
            article_renders::slug.eq(slug),
            article_renders::section_id.eq(section_id),
            article_renders::published_at.eq(published_at),
            article_renders::public_from.eq(public_from),
            article_renders::valid_until.eq(valid_until),
            article_renders::generation.eq(generation),
            article_renders::version.eq(version),
            article_renders::related.eq(related.join(" ")),
            article_renders::keys.eq(item.keys.join(" ")),
            article_renders::digest.eq(item.digest),
            article_renders::packed.eq(item.part.packed().into_owned()),
        ));
    }
    // Bounded well under SQLite's 32,766 bound parameters (12 a render, 2 a key).
    for chunk in renders.chunks(500) {
        inner!(conn, |c| diesel::insert_into(article_renders::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in keys.chunks(5000) {
        inner!(conn, |c| diesel::insert_into(render_keys::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(made)
}

/// The stories among `linked` (ids or slugs) that become public later by the clock:
/// their id, slug and when.
fn shown_later(
    conn: &mut DbConn,
    linked: &[&str],
    now: NaiveDateTime,
) -> AppResult<Vec<(String, String, NaiveDateTime)>> {
    if linked.is_empty() {
        return Ok(Vec::new());
    }
    Ok(inner!(conn, |c| articles::table
        .filter(keys_in(articles::id, linked).or(keys_in(articles::slug, linked)))
        .filter(articles::public_from.gt(now))
        .select((
            articles::id,
            articles::slug,
            articles::public_from.assume_not_null(),
        ))
        .load(c))?)
}

/// Whether every public story of this generation was rendered (and no bulk load came
/// since), so a server that starts need not walk them.
fn was_swept(conn: &mut DbConn, generation: &str) -> AppResult<bool> {
    let found: Option<String> = inner!(conn, |c| render_sweeps::table
        .find(generation)
        .select(render_sweeps::generation)
        .first(c)
        .optional())?;
    Ok(found.is_some())
}

/// Records that a sweep of `generation` finished, after taking the log's lock: a bulk
/// load that committed first emptied the table before it, one after it empties it.
fn mark_swept(conn: &mut DbConn, generation: &str) -> AppResult<()> {
    lock(conn, "cache_invalidations")?;
    inner!(conn, |c| diesel::delete(
        render_sweeps::table.find(generation)
    )
    .execute(c))?;
    inner!(conn, |c| diesel::insert_into(render_sweeps::table)
        .values((
            render_sweeps::generation.eq(generation),
            render_sweeps::finished_at.eq(now()),
        ))
        .execute(c))?;
    Ok(())
}

/// A place in the sweep: a story's publish time and id.
type Cursor = (NaiveDateTime, String);

/// The next `BATCH` public (or scheduled) stories after `cursor`, newest first, that
/// have no render of this generation; and the new cursor (`None`: walked them all).
fn unrendered(
    conn: &mut DbConn,
    cursor: Option<Cursor>,
    generation: &str,
) -> AppResult<(Vec<ArticleId>, Option<Cursor>)> {
    // From the far future down: scheduled stories are rendered too.
    let end_of_time = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX);
    let (at, id) = cursor.unwrap_or_else(|| (end_of_time, String::new()));
    let page: Vec<(NaiveDateTime, String)> = inner!(conn, |c| articles::table
        .filter(articles::public_from.is_not_null())
        .filter(
            articles::published_at
                .le(at)
                .and(articles::published_at.lt(at).or(articles::id.lt(&id))),
        )
        .select((articles::published_at.assume_not_null(), articles::id))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(BATCH as i64)
        .load(c))?;
    let next = page.last().cloned();
    let ids: Vec<&String> = page.iter().map(|(_, id)| id).collect();
    let done: Vec<String> = inner!(conn, |c| article_renders::table
        .filter(keys_in(article_renders::article_id, &ids))
        .filter(article_renders::generation.eq(generation))
        .select(article_renders::article_id)
        .load(c))?;
    let missing = page
        .into_iter()
        .map(|(_, id)| id)
        .filter(|id| !done.contains(id))
        .map(ArticleId::from)
        .collect();
    Ok((missing, next))
}

/// Makes the renders asked for, and sweeps the public stories for missing ones when
/// the server starts or after a bulk load. A sweep rests as long as each batch took,
/// so it takes at most half a core from readers.
pub async fn run(db: Db, media: MediaStore, renders: Arc<Renders>) {
    let mut sweep: Option<Option<Cursor>> = None;
    let mut swept = 0usize;
    loop {
        let (ids, start_sweep) = renders.take();
        if let Some(forced) = start_sweep {
            let generation = renders.generation().to_owned();
            let walked = if forced {
                Ok(false)
            } else {
                db.read(move |conn| was_swept(conn, &generation)).await
            };
            match walked {
                Ok(true) => {}
                Ok(false) => {
                    sweep = Some(None);
                    swept = 0;
                }
                Err(e) => tracing::warn!(error = %e, "story renders: sweep check failed"),
            }
        }
        // A batch asked for, or the sweep's next one (`finished`: its last).
        let (ids, sweeping, finished) = if !ids.is_empty() {
            (ids, false, false)
        } else if let Some(cursor) = sweep.clone() {
            let generation = renders.generation().to_owned();
            match db
                .read(move |conn| unrendered(conn, cursor, &generation))
                .await
            {
                Ok((ids, next)) => {
                    sweep = next.map(Some);
                    (ids, true, sweep.is_none())
                }
                Err(e) => {
                    tracing::warn!(error = %e, "story renders: sweep failed");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            }
        } else {
            let _ = tokio::time::timeout(Duration::from_secs(60), renders.woken()).await;
            continue;
        };
        if ids.is_empty() && !finished {
            continue;
        }
        let started = Instant::now();
        let generation = renders.generation().to_owned();
        let media = media.clone();
        let done = db
            .write(move |conn| {
                let made = render(conn, &ids, &generation, &media)?;
                if finished {
                    mark_swept(conn, &generation)?;
                }
                Ok(made)
            })
            .await;
        match done {
            Ok(made) if sweeping => {
                swept += made;
                if finished {
                    tracing::info!(rendered = swept, "story renders: swept");
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "story renders: rendering failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        if sweeping && !finished {
            // Leave readers the rest: rest as long as the batch took.
            tokio::time::sleep(started.elapsed()).await;
        }
    }
}

/// Renders every public story still lacking one, in the foreground (`dateline render`,
/// the benchmark's preparation). Returns how many were made.
pub fn render_all(db: &Db, generation: &str, media: &MediaStore) -> AppResult<usize> {
    let mut cursor = None;
    let mut made = 0;
    loop {
        let (ids, next) = unrendered(&mut *db.conn()?, cursor, generation)?;
        if !ids.is_empty() {
            made += db.write_blocking(|conn| render(conn, &ids, generation, media))?;
        }
        match next {
            Some(next) => cursor = Some(next),
            None => {
                db.write_blocking(|conn| mark_swept(conn, generation))?;
                return Ok(made);
            }
        }
    }
}
