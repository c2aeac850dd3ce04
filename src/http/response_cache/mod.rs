//! A cache of public responses in this process's memory, keyed by path and query and
//! invalidated by surrogate key: a response is kept with the keys it carries
//! (`Surrogate-Key`, see `content::keys`) and dropped when the invalidation log names
//! one of them (`store::invalidation`): at once for this process's own writes, within
//! the tail's bound for other processes' and instances'. A hit touches no database.
//!
//! Only anonymous GETs of public (`Cache-Control: public`) 200 responses that name
//! their keys are kept; conditional requests are answered from the cache. When full,
//! entries not read since the last sweep go first (second chance), so the hot head of
//! a news site stays while the archive tail passes through.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage, HttpResponse};

use crate::http::compress::{self, Effort};
use crate::http::route::{self, Route};
use crate::store::invalidation::{ALL, Invalidation};

mod entry;
use entry::Entry;

/// Says whether a response came from the cache (`hit`) or was built (`miss`).
pub const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// The response header carrying surrogate keys.
pub const SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");

struct Slot {
    entry: Arc<Entry>,
    /// Read since the sweep last passed it.
    referenced: bool,
    /// Tells this slot from a later one under the same request key.
    serial: u64,
}

/// How many recent invalidations a response being built is checked against.
const RECENT: usize = 1024;

#[derive(Default)]
struct Inner {
    slots: HashMap<Arc<str>, Slot>,
    /// Surrogate key → request keys of the entries carrying it.
    by_key: HashMap<Arc<str>, HashSet<Arc<str>>>,
    /// The sweep order: request keys as inserted (some since removed).
    order: VecDeque<(Arc<str>, u64)>,
    used: usize,
    serial: u64,
    /// Bumped by every invalidation.
    epoch: u64,
    /// The latest invalidations, by epoch, for responses being built meanwhile.
    recent: VecDeque<(u64, Arc<[String]>)>,
    /// Invalidations the clock will bring (a scheduled story, an embargo, an expiry),
    /// soonest first, applied by the first lookup at or after their time.
    agenda: BinaryHeap<Reverse<(chrono::NaiveDateTime, i64, Keyed)>>,
}

/// Keys in the agenda (ordered only by time and log position).
#[derive(Clone)]
struct Keyed(Arc<[String]>);

impl PartialEq for Keyed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl Inner {
    /// Drops every response carrying one of `keys`.
    fn apply(&mut self, keys: &Arc<[String]>) {
        self.epoch += 1;
        let epoch = self.epoch;
        self.recent.push_back((epoch, keys.clone()));
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        if keys.iter().any(|k| k == ALL) {
            self.clear();
            return;
        }
        for key in keys.iter() {
            if let Some(requests) = self.by_key.remove(key.as_str()) {
                for request in requests {
                    self.remove(&request);
                }
            }
        }
    }

    /// Applies what the clock has brought by now.
    fn ripen(&mut self) {
        let Some(Reverse((first, _, _))) = self.agenda.peek() else {
            return;
        };
        let now = crate::store::now();
        if *first > now {
            return;
        }
        while let Some(Reverse((at, _, _))) = self.agenda.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, _, Keyed(keys)))) = self.agenda.pop() {
                self.apply(&keys);
            }
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(slot) = self.slots.remove(key) {
            self.used = self.used.saturating_sub(slot.entry.size(key));
            for k in &slot.entry.keys {
                if let Some(set) = self.by_key.get_mut(k) {
                    set.remove(key);
                    if set.is_empty() {
                        self.by_key.remove(k);
                    }
                }
            }
        }
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.by_key.clear();
        self.order.clear();
        self.used = 0;
    }

    /// Whether an invalidation since `epoch` names one of `keys` (or cannot be told).
    fn stale_since(&self, epoch: u64, keys: &[Arc<str>]) -> bool {
        if self.epoch == epoch {
            return false;
        }
        if self.recent.front().is_none_or(|(e, _)| *e > epoch + 1) {
            return true;
        }
        self.recent
            .iter()
            .filter(|(e, _)| *e > epoch)
            .any(|(_, named)| {
                named
                    .iter()
                    .any(|n| n == ALL || keys.iter().any(|k| **k == **n))
            })
    }
}

/// The cache of one process, bounded in bytes.
pub struct ResponseCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

impl ResponseCache {
    pub fn new(capacity: usize) -> Self {
        ResponseCache {
            inner: Mutex::new(Inner::default()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Responses kept now.
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let mut inner = self.lock();
        inner.ripen();
        let slot = inner.slots.get_mut(key)?;
        slot.referenced = true;
        Some(slot.entry.clone())
    }

    /// The invalidation count, read before building a response.
    fn epoch(&self) -> u64 {
        let mut inner = self.lock();
        inner.ripen();
        inner.epoch
    }

    /// Keeps a response built since `epoch`, unless an invalidation meanwhile named
    /// one of its keys (it may have been built from what that write replaced).
    fn put(&self, key: &str, mut entry: Entry, epoch: u64) -> Arc<Entry> {
        let size = entry.size(key);
        if size > self.capacity / 8 {
            return Arc::new(entry);
        }
        let mut inner = self.lock();
        inner.ripen();
        if inner.stale_since(epoch, &entry.keys) {
            return Arc::new(entry);
        }
        let key: Arc<str> = Arc::from(key);
        inner.remove(&key);
        // Share one allocation per surrogate key.
        for k in entry.keys.iter_mut() {
            if let Some((interned, _)) = inner.by_key.get_key_value(&**k) {
                *k = interned.clone();
            }
        }
        let mut sweeps = inner.order.len() * 2;
        while inner.used + size > self.capacity && sweeps > 0 {
            sweeps -= 1;
            let Some((candidate, serial)) = inner.order.pop_front() else {
                break;
            };
            let keep = match inner.slots.get_mut(&candidate) {
                Some(slot) if slot.serial == serial && slot.referenced => {
                    slot.referenced = false;
                    true
                }
                Some(slot) if slot.serial == serial => false,
                // Already gone, or replaced by a later entry queued on its own.
                _ => continue,
            };
            if keep {
                inner.order.push_back((candidate, serial));
            } else {
                inner.remove(&candidate);
            }
        }
        if inner.used + size > self.capacity {
            inner.clear();
        }
        inner.serial += 1;
        let serial = inner.serial;
        for k in &entry.keys {
            inner
                .by_key
                .entry(k.clone())
                .or_default()
                .insert(key.clone());
        }
        inner.used += size;
        inner.order.push_back((key.clone(), serial));
        let entry = Arc::new(entry);
        inner.slots.insert(
            key,
            Slot {
                entry: entry.clone(),
                referenced: false,
                serial,
            },
        );
        // The sweep queue must not grow without bound with removed names.
        if inner.order.len() > 4 * inner.slots.len() + 1024 {
            let Inner { order, slots, .. } = &mut *inner;
            order.retain(|(k, s)| slots.get(k).is_some_and(|slot| slot.serial == *s));
        }
        entry
    }

    /// Drops every response carrying one of the invalidation's keys, now or, for an
    /// invalidation the clock brings, at its time.
    pub fn invalidate(&self, invalidation: &Invalidation) {
        let mut inner = self.lock();
        match invalidation.due {
            Some(at) if at > crate::store::now() => {
                inner.agenda.push(Reverse((
                    at,
                    invalidation.seq,
                    Keyed(invalidation.keys.clone()),
                )));
            }
            _ => inner.apply(&invalidation.keys),
        }
    }
}

fn cacheable(req: &ServiceRequest) -> bool {
    let path = req.path();
    req.method() == actix_web::http::Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && (path.starts_with("/api/v1/") || path.starts_with("/feeds/"))
        && !path.starts_with("/api/v1/preview/")
        && !form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "key")
}

fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == etag)
        })
}

/// `If-Modified-Since` (only consulted without `If-None-Match`) against the entry's
/// `Last-Modified`.
fn unmodified_since(request: &HeaderMap, kept: &[(HeaderName, HeaderValue)]) -> bool {
    let date = |v: &HeaderValue| {
        v.to_str()
            .ok()
            .and_then(|s| chrono::DateTime::parse_from_rfc2822(s).ok())
    };
    let since = request.get(header::IF_MODIFIED_SINCE).and_then(date);
    let modified = kept
        .iter()
        .find(|(name, _)| *name == header::LAST_MODIFIED)
        .and_then(|(_, v)| date(v));
    matches!((since, modified), (Some(s), Some(m)) if s >= m)
}

/// The cached answer, or the request back if the entry's body cannot be made.
fn hit(req: ServiceRequest, entry: &Entry) -> Result<ServiceResponse<BoxBody>, ServiceRequest> {
    let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
        entry
            .etag
            .as_deref()
            .is_some_and(|etag| matches(req.headers(), etag))
    } else {
        unmodified_since(req.headers(), &entry.headers)
    };
    let (mut res, coding) = if not_modified {
        (HttpResponse::NotModified().finish(), None)
    } else {
        let Some((body, coding)) =
            entry.body_for(compress::negotiate(req.headers()), Effort::Stored)
        else {
            return Err(req);
        };
        (HttpResponse::build(entry.status).body(body), coding)
    };
    req.extensions_mut()
        .insert(Route(Some(entry.route.clone())));
    for (name, value) in &entry.headers {
        if not_modified && *name == header::CONTENT_TYPE {
            continue;
        }
        res.headers_mut().insert(name.clone(), value.clone());
    }
    if let Some(coding) = coding {
        compress::mark(res.headers_mut(), coding);
    }
    res.headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("hit"));
    Ok(req.into_response(res))
}

fn miss<B>(mut res: ServiceResponse<B>) -> ServiceResponse<B> {
    res.headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("miss"));
    res
}

/// The middleware: answer from the cache, or build, keep and answer.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The app registers the cache it was built with (`startup::app`); a capacity of 0
    // turns it off.
    let cache = req.app_data::<Data<ResponseCache>>().cloned();
    let Some(cache) = cache.filter(|c| c.capacity > 0 && cacheable(&req)) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let key = format!("{}?{}", req.path(), req.query_string());
    let req = match cache.get(&key) {
        Some(entry) => match hit(req, &entry) {
            Ok(res) => return Ok(res),
            Err(req) => {
                cache.lock().remove(&key);
                req
            }
        },
        None => req,
    };
    let epoch = cache.epoch();
    let res = next.call(req).await?;
    let public = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    let keys: Vec<Arc<str>> = res
        .headers()
        .get(SURROGATE_KEY)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(' ')
                .filter(|k| !k.is_empty())
                .map(Arc::from)
                .collect()
        })
        .unwrap_or_default();
    // A response that names no keys could never be invalidated: never kept.
    if res.status() != StatusCode::OK || !public || keys.is_empty() {
        return Ok(miss(res.map_into_boxed_body()));
    }
    let route = route::pattern(res.request()).unwrap_or_else(|| "unmatched".into());
    let accepted = compress::negotiate(res.request().headers());
    let (request, response) = res.into_parts();
    let (mut head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    let Some(entry) = Entry::new(head.status(), head.headers(), body.clone(), route, keys) else {
        let response = head.set_body(BoxBody::new(body));
        return Ok(miss(ServiceResponse::new(request, response)));
    };
    let kept = cache.put(&key, entry, epoch);
    // The form it was built in if the client takes it, else the cheapest to make; as
    // built if no other form can be made.
    let body = match kept.body_for(accepted, Effort::Fast) {
        Some((body, coding)) => {
            match coding {
                Some(coding) => compress::mark(head.headers_mut(), coding),
                None => {
                    head.headers_mut().remove(header::CONTENT_ENCODING);
                }
            }
            body
        }
        None => body,
    };
    let response = head.set_body(BoxBody::new(body));
    Ok(miss(ServiceResponse::new(request, response)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::web::Bytes;

    fn entry(keys: &[&str], bytes: usize) -> Entry {
        Entry::new(
            StatusCode::OK,
            &HeaderMap::new(),
            Bytes::from(vec![b'x'; bytes]),
            "r".into(),
            keys.iter().map(|k| Arc::from(*k)).collect(),
        )
        .unwrap()
    }

    fn named(seq: i64, keys: &[&str]) -> Invalidation {
        Invalidation {
            seq,
            keys: keys.iter().map(|k| k.to_string()).collect(),
            due: None,
        }
    }

    #[test]
    fn an_invalidation_drops_exactly_the_responses_naming_its_keys() {
        let cache = ResponseCache::new(1 << 20);
        cache.put("/a", entry(&["article:1", "section:s"], 10), cache.epoch());
        cache.put("/b", entry(&["article:2", "section:s"], 10), cache.epoch());
        cache.put("/c", entry(&["article:3"], 10), cache.epoch());
        cache.invalidate(&named(1, &["article:1"]));
        assert!(cache.get("/a").is_none());
        assert!(cache.get("/b").is_some() && cache.get("/c").is_some());
        cache.invalidate(&named(2, &["section:s", "unrelated"]));
        assert!(cache.get("/b").is_none());
        assert!(cache.get("/c").is_some());
        cache.invalidate(&named(3, &[ALL]));
        assert!(cache.is_empty());
    }

    #[test]
    fn a_response_built_across_an_invalidation_of_its_keys_is_not_kept() {
        let cache = ResponseCache::new(1 << 20);
        let before = cache.epoch();
        cache.invalidate(&named(1, &["article:1"]));
        cache.put("/a", entry(&["article:1"], 10), before);
        assert!(cache.get("/a").is_none());
        // Other keys' invalidations do not matter.
        cache.put("/b", entry(&["article:2"], 10), before);
        assert!(cache.get("/b").is_some());
    }

    #[test]
    fn a_change_the_clock_brings_drops_its_keys_at_its_time() {
        let cache = ResponseCache::new(1 << 20);
        cache.put("/list", entry(&["articles"], 10), cache.epoch());
        cache.put("/other", entry(&["article:9"], 10), cache.epoch());
        let soon = crate::store::now() + chrono::TimeDelta::milliseconds(50);
        let mut due = named(1, &["articles"]);
        due.due = Some(soon);
        cache.invalidate(&due);
        assert!(cache.get("/list").is_some(), "not yet");
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert!(cache.get("/list").is_none(), "at its time");
        assert!(cache.get("/other").is_some());
    }

    #[test]
    fn a_full_cache_keeps_what_is_read_and_lets_the_rest_go() {
        let cache = ResponseCache::new(100_000);
        cache.put("/hot", entry(&["article:hot"], 1000), cache.epoch());
        for i in 0..200 {
            assert!(cache.get("/hot").is_some(), "the hot page stays ({i})");
            cache.put(
                &format!("/tail/{i}"),
                entry(&["article:t"], 1000),
                cache.epoch(),
            );
        }
        let inner = cache.lock();
        assert!(inner.used <= 100_000, "{}", inner.used);
        assert!(inner.slots.len() < 100);
        // The index of keys follows what is kept.
        let listed: usize = inner.by_key.values().map(HashSet::len).sum();
        assert_eq!(listed, inner.slots.len());
    }
}
