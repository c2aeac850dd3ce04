//! CDN purge: the invalidation log (`store::invalidation`) delivered to the caches in
//! front of Dateline, so a CDN may keep public responses for long and still never
//! serve what a write replaced for more than the purge's delay.
//!
//! Each configured target (Fastly by surrogate key, Cloudflare by cache tag, a signed
//! webhook for a front end's own cache) keeps a cursor in the log (`purge_cursors`):
//! the log is the outbox, so a purge is exactly as durable as the write that named it
//! and survives restarts. One worker per process; one instance at a time works a
//! target (a claim that lapses), so purges go out once across instances. A burst of
//! writes is gathered for `DATELINE_PURGE_DELAY_MS` and sent as one request per
//! target (split at the target's limit); a failed send is retried with backoff from
//! the same cursor, and entries that fall due by the clock (a scheduled story) are
//! sent at their time.

pub mod db;
pub mod send;
pub mod worker;
