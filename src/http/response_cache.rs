//! A cache of public responses, keyed by path and query and by the content version:
//! a number every committed write bumps after it commits (in the database on
//! PostgreSQL, so every instance sees it; in-process on SQLite, which has one). A
//! read checks the version first, so after a write has returned no instance serves
//! what it cached before it. Only anonymous GETs of public (`Cache-Control: public`)
//! 200 responses are kept; conditional requests are answered from the cache.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{Error, HttpMessage, HttpResponse};

use crate::state::AppState;

/// Says whether a response came from the cache (`hit`) or was built (`miss`).
pub const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// The route pattern a cached response was built by, for metrics on hits.
#[derive(Clone, Debug)]
pub struct CachedRoute(pub String);

struct Entry {
    version: i64,
    /// When something becomes visible or invisible by the clock (a scheduled story,
    /// an embargo, a collection item's expiry), the entry is over.
    until: Option<chrono::NaiveDateTime>,
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    etag: Option<String>,
    route: String,
}

/// The cache of one instance, bounded in bytes.
pub struct ResponseCache {
    entries: Mutex<HashMap<String, std::sync::Arc<Entry>>>,
    capacity: usize,
    used: std::sync::atomic::AtomicUsize,
}

impl ResponseCache {
    pub fn new(capacity: usize) -> Self {
        ResponseCache {
            entries: Mutex::new(HashMap::new()),
            capacity,
            used: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn get(&self, key: &str, version: i64) -> Option<std::sync::Arc<Entry>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let now = crate::store::now();
        entries
            .get(key)
            .filter(|e| e.version == version && e.until.is_none_or(|t| now < t))
            .cloned()
    }

    fn put(&self, key: String, entry: Entry) {
        use std::sync::atomic::Ordering;
        let size = entry.body.len() + key.len() + 256;
        if size > self.capacity / 8 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if self.used.load(Ordering::Relaxed) + size > self.capacity {
            // Drop what an older version made first; if that is not enough, start over.
            let current = entry.version;
            entries.retain(|_, e| e.version == current);
            let kept: usize = entries
                .iter()
                .map(|(k, e)| e.body.len() + k.len() + 256)
                .sum();
            if kept + size > self.capacity {
                entries.clear();
                self.used.store(0, Ordering::Relaxed);
            } else {
                self.used.store(kept, Ordering::Relaxed);
            }
        }
        if let Some(old) = entries.insert(key.clone(), std::sync::Arc::new(entry)) {
            self.used
                .fetch_sub(old.body.len() + key.len() + 256, Ordering::Relaxed);
        }
        self.used.fetch_add(size, Ordering::Relaxed);
    }
}

/// Headers worth replaying from a cached response.
const KEPT: [HeaderName; 8] = [
    header::CONTENT_TYPE,
    header::ETAG,
    header::CACHE_CONTROL,
    header::VARY,
    header::LINK,
    header::LAST_MODIFIED,
    header::LOCATION,
    HeaderName::from_static("surrogate-key"),
];

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

/// The middleware: answer from the cache, or build, keep and answer.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<Data<AppState>>().cloned();
    let Some(state) = state.filter(|s| s.settings.response_cache_bytes > 0 && cacheable(&req))
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let version = match state.db.content_version().await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "content version unavailable; not caching");
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
    };
    let key = format!("{}?{}", req.path(), req.query_string());
    if let Some(entry) = state.response_cache.get(&key, version) {
        req.extensions_mut()
            .insert(CachedRoute(entry.route.clone()));
        let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
            entry
                .etag
                .as_deref()
                .is_some_and(|etag| matches(req.headers(), etag))
        } else {
            unmodified_since(req.headers(), &entry.headers)
        };
        let mut res = if not_modified {
            HttpResponse::NotModified().finish()
        } else {
            HttpResponse::build(entry.status).body(entry.body.clone())
        };
        for (name, value) in &entry.headers {
            if not_modified && *name == header::CONTENT_TYPE {
                continue;
            }
            res.headers_mut().insert(name.clone(), value.clone());
        }
        res.headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("hit"));
        return Ok(req.into_response(res));
    }
    // Before building: the response is good until the next clock-driven change as
    // of now, whatever the handler then reads.
    let until = state
        .db
        .read(|conn| {
            let stories = crate::content::articles::db::next_visibility_change(conn)?;
            let collections = crate::ordering::curate::next_time_change(conn)?;
            Ok([stories, collections].into_iter().flatten().min())
        })
        .await;
    let res = next.call(req).await?;
    let public = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    if res.status() != StatusCode::OK || !public {
        let mut res = res.map_into_boxed_body();
        res.headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("miss"));
        return Ok(res);
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let (request, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    let headers: Vec<(HeaderName, HeaderValue)> = KEPT
        .iter()
        .filter_map(|name| head.headers().get(name).map(|v| (name.clone(), v.clone())))
        .collect();
    let etag = head
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(until) = until else {
        let mut response = head.set_body(BoxBody::new(body));
        response
            .headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("miss"));
        return Ok(ServiceResponse::new(request, response));
    };
    state.response_cache.put(
        key,
        Entry {
            version,
            until,
            status: head.status(),
            headers,
            body: body.clone(),
            etag,
            route,
        },
    );
    let mut response = head.set_body(BoxBody::new(body));
    response
        .headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("miss"));
    Ok(ServiceResponse::new(request, response))
}
