//! Stored story renders: each public story's own JSON (what `GET /articles/{key}`
//! shows before previous, next and related), kept in `article_renders` so that a page
//! the response cache does not hold costs one row read plus its neighbours, whatever
//! the size of the archive, instead of a rebuild from the story's relations.
//!
//! - **Made** after a write names the story's `article:<id>` key (it changed, or will
//!   by the clock), when a public read finds none, and by a sweep over the public
//!   stories when the server starts or after a bulk load; one background task here
//!   renders them in small batches.
//! - **Dropped** by the store when a write names any key the render shows (its
//!   section, tags, authors, linked stories: the response cache's own rule), in that
//!   write's transaction (`store::invalidation`).
//! - **Used** only while valid: same generation (code and settings that rendered it),
//!   the story public by the render's `public_from`, and before `valid_until` (a
//!   linked story the render hides becoming public by the clock). Otherwise the read
//!   builds the page as before and asks for a render.
//!
//! A render is made after taking the invalidation log's lock (`store::lock`), like a
//! write that names keys, so a change committed before it is seen by it, and one
//! committed after it drops it.

use std::collections::BTreeSet;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::around::Around;
use super::listing::PER_TAG;
use super::model::ArticleResponse;
use crate::content::keys::Keys;
use crate::error::{AppError, AppResult};
use crate::http::packed::Part;
use crate::store::ids::ArticleId;
use crate::store::invalidation::Invalidation;
use crate::store::schema::article_renders;
use crate::store::stamp::Stamp;
use crate::store::{DbConn, inner, keys_in, now};

/// Bump when what a render holds changes in a way the API document does not show (the
/// HTML a block renders to, a link's form): renders of another generation are unused.
const FORMAT: u32 = 1;

/// Stories rendered per transaction (which holds the invalidation log's lock, so
/// writers that name keys wait for it: a few tens of milliseconds).
const BATCH: usize = 50;

mod worker;
pub use worker::{render, render_all, run};

/// A stored render, valid now.
pub struct Stored {
    pub id: ArticleId,
    pub section_id: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub version: i64,
    /// Explicit "Also Read" targets, in body order.
    pub related: Vec<String>,
    /// Surrogate keys of what `body` shows.
    pub keys: Vec<String>,
    /// Hex SHA-256 of the story's JSON object.
    pub digest: String,
    /// The story's JSON object, open and packed.
    pub part: Part,
    /// What is around the story (previous, next, its tags' newest), where the same
    /// statement read it (PostgreSQL, see `around::render_around`).
    pub around: Option<Around>,
}

/// This process's renders: their generation and the stories waiting for one.
pub struct Renders {
    generation: String,
    pending: Mutex<Pending>,
    wake: tokio::sync::Notify,
}

#[derive(Default)]
struct Pending {
    ids: BTreeSet<ArticleId>,
    /// Walk every public story, unless this generation's walk finished (start-up).
    sweep: bool,
    /// Walk every public story: a bulk load dropped every render.
    resweep: bool,
}

impl Renders {
    /// `fingerprint` names what shapes a render besides this module: the API document
    /// and where media is served from.
    pub fn new(fingerprint: &str) -> Renders {
        let seed = format!("{FORMAT}:{}:{fingerprint}", env!("CARGO_PKG_VERSION"));
        Renders {
            generation: hex::encode(&Sha256::digest(seed.as_bytes())[..8]),
            pending: Mutex::new(Pending {
                sweep: true,
                ..Pending::default()
            }),
            wake: tokio::sync::Notify::new(),
        }
    }

    pub fn generation(&self) -> &str {
        &self.generation
    }

    /// Asks for a render of `id` (a public read found none).
    pub fn want(&self, id: ArticleId) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ids
            .insert(id);
        self.wake.notify_one();
    }

    /// A committed write (here or elsewhere): render again what it changed.
    pub fn heard(&self, invalidation: &Invalidation) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if invalidation.is_all() {
            pending.resweep = true;
        }
        for key in invalidation.keys.iter() {
            if let Some(id) = key.strip_prefix("article:") {
                pending.ids.insert(ArticleId::from(id.to_owned()));
            }
        }
        drop(pending);
        self.wake.notify_one();
    }

    /// The next ids to render, and whether to start a sweep: `Some(true)` whatever was
    /// walked before, `Some(false)` unless this generation's walk finished.
    /// Waits until a render is asked for.
    async fn woken(&self) {
        self.wake.notified().await;
    }

    fn take(&self) -> (Vec<ArticleId>, Option<bool>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let ids: Vec<ArticleId> = pending.ids.iter().take(BATCH).cloned().collect();
        for id in &ids {
            pending.ids.remove(id);
        }
        let sweep = std::mem::take(&mut pending.sweep);
        let resweep = std::mem::take(&mut pending.resweep);
        (ids, (sweep || resweep).then_some(resweep))
    }
}

/// The stored render `key` (an id or a slug) names, if valid now.
pub fn find(conn: &mut DbConn, key: &str, generation: &str) -> AppResult<Option<Stored>> {
    let now = now();
    let columns = (
        article_renders::article_id,
        article_renders::section_id,
        article_renders::published_at,
        article_renders::version,
        article_renders::related,
        article_renders::keys,
        article_renders::digest,
        article_renders::packed,
    );
    let valid = article_renders::generation
        .eq(generation)
        .and(article_renders::public_from.le(Stamp(now)))
        .and(
            article_renders::valid_until
                .is_null()
                .or(article_renders::valid_until.gt(Stamp(now))),
        );
    // As `db::find` reads an address: what looks like an id is one.
    let looks_like_id = key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit());
    if let DbConn::Postgres(pg) = conn {
        let found = super::around::render_around(pg, key, looks_like_id, generation, PER_TAG, now)?;
        return Ok(found.map(|(row, around)| Stored {
            around: Some(around),
            ..stored(row)
        }));
    }
    let row: Option<Row> = if looks_like_id {
        inner!(conn, |c| article_renders::table
            .find(key)
            .filter(valid)
            .select(columns)
            .first(c)
            .optional())?
    } else {
        inner!(conn, |c| article_renders::table
            .filter(article_renders::slug.eq(key))
            .filter(valid)
            .select(columns)
            .first(c)
            .optional())?
    };
    Ok(row.map(stored))
}

type Row = super::around::RenderColumns;

fn stored((id, section_id, published_at, version, related, keys, digest, packed): Row) -> Stored {
    Stored {
        id: ArticleId::from(id),
        section_id,
        published_at,
        version,
        related: words(&related),
        keys: words(&keys),
        digest,
        part: Part::Packed(packed),
        around: None,
    }
}

/// A story's JSON as a page or a list shows it (left open, see [`Part`]), with its
/// digest and the surrogate keys of what it shows: what a render stores (packed), or
/// what a read made of a story without one.
pub struct Item {
    pub part: Part,
    /// Hex SHA-256 of the whole JSON object.
    pub digest: String,
    pub keys: Vec<String>,
}

impl Item {
    pub fn of(story: &ArticleResponse) -> AppResult<Item> {
        let mut body = serde_json::to_vec(story).map_err(AppError::internal)?;
        let mut keys = Keys::new();
        keys.story(story);
        let digest = digest(&body);
        if body.pop() != Some(b'}') {
            return Err(AppError::internal("a story is not a JSON object"));
        }
        Ok(Item {
            digest,
            keys: keys.iter().map(str::to_owned).collect(),
            part: Part::Plain(body),
        })
    }
}

/// The valid stored renders of `ids` (public stories), by id; the others have none.
pub fn items(
    conn: &mut DbConn,
    ids: &[&str],
    generation: &str,
) -> AppResult<std::collections::HashMap<String, Item>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let now = now();
    let rows: Vec<(String, String, String, Vec<u8>)> = inner!(conn, |c| article_renders::table
        .filter(keys_in(article_renders::article_id, ids))
        .filter(article_renders::generation.eq(generation))
        .filter(article_renders::public_from.le(Stamp(now)))
        .filter(
            article_renders::valid_until
                .is_null()
                .or(article_renders::valid_until.gt(Stamp(now))),
        )
        .select((
            article_renders::article_id,
            article_renders::keys,
            article_renders::digest,
            article_renders::packed,
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(id, keys, digest, packed)| {
            let keys = words(&keys);
            let part = Part::Packed(packed);
            (id, Item { part, digest, keys })
        })
        .collect())
}

impl Stored {
    /// The original of the story's translation group, if it is a translation (from
    /// the keys of what the render shows, `translations:<id>`).
    pub fn translation_of(&self) -> Option<&str> {
        self.keys
            .iter()
            .find_map(|k| k.strip_prefix("translations:"))
    }

    /// The story's tags, from the keys of what the render shows (`tag:<id>`).
    pub fn tag_ids(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(|k| k.strip_prefix("tag:"))
            .map(str::to_owned)
            .collect()
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Hex SHA-256 of a body, as renders store it.
pub fn digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}
