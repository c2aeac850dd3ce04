//! Conditional requests and caching: strong ETags over the exact bytes sent,
//! `If-None-Match` → 304, and `Cache-Control` chosen by who is asking.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::http::compress::{self, Coding};
use crate::http::packed::{Gzip, Part};

/// Who may cache a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Public content read anonymously: shared caches and CDNs may keep it.
    Public,
    /// Anything authenticated or unpublished.
    Private,
}

impl Visibility {
    /// Public only when the content is public and the caller sent no credentials.
    pub fn for_request(req: &HttpRequest, content_is_public: bool) -> Self {
        if content_is_public && !req.headers().contains_key(header::AUTHORIZATION) {
            Visibility::Public
        } else {
            Visibility::Private
        }
    }

    fn cache_control(self) -> &'static str {
        match self {
            // A CDN may serve its copy for a day while we cannot answer (the database
            // down): purges, not expiry, keep it current.
            Visibility::Public => {
                "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
            }
            Visibility::Private => "private, no-store",
        }
    }
}

/// A response for the signed-in caller only (`private, no-store`): what every write
/// and every editor's read answers. `version` goes into the ETag of a versioned record,
/// so `If-Match` can send it back.
pub fn private<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    body: &T,
    version: Option<i64>,
) -> HttpResponse {
    json(req, status, body, Visibility::Private, version)
}

/// A JSON response with an ETag; answers 304 when the client already has these bytes.
/// `version` (for versioned resources) leads the ETag so it doubles as `If-Match`.
pub fn json<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    body: &T,
    visibility: Visibility,
    version: Option<i64>,
) -> HttpResponse {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(e) => return actix_web::ResponseError::error_response(&AppError::internal(e)),
    };
    let digest = hex::encode(&Sha256::digest(&bytes)[..12]);
    json_bytes(req, status, bytes, &digest, visibility, version)
}

/// A 200 JSON object joined from a part made earlier (`head`, the open object whose
/// whole text's hex SHA-256 is `head_digest`) and the fields of a part made now
/// (`tail`): a story page is the stored story followed by its neighbours. The ETag is
/// a hash over the head's digest and the tail, so it is as strong as one over the
/// bytes, whichever way the head was made, without hashing the head again.
pub fn joined(
    req: &HttpRequest,
    head: Part,
    head_digest: &str,
    tail: &[u8],
    visibility: Visibility,
    version: Option<i64>,
) -> AppResult<HttpResponse> {
    let rest = match tail.strip_prefix(b"{") {
        Some(fields) if fields != b"}" => [b",", fields].concat(),
        _ => b"}".to_vec(),
    };
    let mut hash = Sha256::new();
    hash.update(head_digest.as_bytes());
    hash.update(tail);
    let digest = hex::encode(&hash.finalize()[..12]);
    let (body, coding) = assemble(req, &[head, Part::Plain(rest)])?;
    Ok(json_body(
        req,
        StatusCode::OK,
        body,
        coding,
        &digest,
        visibility,
        version,
    ))
}

/// The text of `parts` in a row: as one gzip body when a part is stored packed and the
/// client takes gzip (the packed parts go in as they are), else plain (the
/// compression middleware encodes it if asked).
pub fn assemble(req: &HttpRequest, parts: &[Part]) -> AppResult<(Vec<u8>, Option<Coding>)> {
    let packed = parts.iter().any(|p| matches!(p, Part::Packed(_)));
    if packed && compress::negotiate(req.headers()).gzip() {
        let mut gzip = Gzip::new();
        for part in parts {
            gzip.part(part).map_err(AppError::internal)?;
        }
        return Ok((gzip.finish(), Some(Coding::Gzip)));
    }
    // Sized once: grown text by text, a list's body was copied again for every story.
    let mut out = Vec::with_capacity(parts.iter().map(Part::plain_len).sum());
    for part in parts {
        part.append_plain(&mut out).map_err(AppError::internal)?;
    }
    Ok((out, None))
}

/// JSON bytes already made, with the ETag of `digest` (which must change when and only
/// when the bytes do); answers 304 when the client already has them.
pub fn json_bytes(
    req: &HttpRequest,
    status: StatusCode,
    bytes: Vec<u8>,
    digest: &str,
    visibility: Visibility,
    version: Option<i64>,
) -> HttpResponse {
    json_body(req, status, bytes, None, digest, visibility, version)
}

/// [`json_bytes`] for a body that may already be in a content coding.
pub fn json_body(
    req: &HttpRequest,
    status: StatusCode,
    bytes: Vec<u8>,
    coding: Option<Coding>,
    digest: &str,
    visibility: Visibility,
    version: Option<i64>,
) -> HttpResponse {
    let etag = etag_of(version, digest);
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    let not_modified = is_read && none_match(req, &etag);
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::build(status)
    };
    builder
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, visibility.cache_control()))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"));
    if not_modified {
        return builder.finish();
    }
    if let Some(coding) = coding {
        builder.insert_header((header::CONTENT_ENCODING, coding.header_value()));
    }
    builder.content_type("application/json").body(bytes)
}

/// Any public body (feeds) with a strong ETag and `Last-Modified`; answers 304 to a
/// matching `If-None-Match`, or, without one, to an `If-Modified-Since` not older than
/// `last_modified`.
pub fn public_bytes(
    req: &HttpRequest,
    content_type: &'static str,
    body: Vec<u8>,
    last_modified: chrono::DateTime<chrono::Utc>,
) -> HttpResponse {
    let etag = etag_of(None, &hex::encode(&Sha256::digest(&body)[..12]));
    let modified = last_modified
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
        none_match(req, &etag)
    } else {
        req.headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| since.timestamp() >= last_modified.timestamp())
    };
    let visibility = Visibility::for_request(req, true);
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag))
        .insert_header((header::LAST_MODIFIED, modified))
        .insert_header((header::CACHE_CONTROL, visibility.cache_control()))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"));
    if not_modified {
        builder.finish()
    } else {
        builder.content_type(content_type).body(body)
    }
}

fn etag_of(version: Option<i64>, digest: &str) -> String {
    match version {
        Some(v) => format!("\"{v}.{digest}\""),
        None => format!("\"{digest}\""),
    }
}

/// True when `If-None-Match` lists `etag` (weakly compared, as RFC 9110 asks) or `*`:
/// the one reading of the header every response with an ETag uses.
pub fn none_match(req: &HttpRequest, etag: &str) -> bool {
    let Some(value) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    value
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// The version a write was based on: `If-Match` first, else the body's `version`.
/// A versioned write must carry one (428 otherwise).
pub fn expected_version(req: &HttpRequest, body_version: Option<i64>) -> AppResult<i64> {
    if let Some(raw) = req.headers().get(header::IF_MATCH) {
        return raw.to_str().ok().and_then(parse_if_match).ok_or_else(|| {
            AppError::invalid(
                "If-Match",
                "must be an ETag this API sent, e.g. \"3\" or \"3.ab12…\"",
            )
        });
    }
    body_version.ok_or(AppError::PreconditionRequired)
}

/// The version an `If-Match` ETag leads with: `"3"` or `"3.ab12…"`, weak (`W/`) or
/// strong, and nothing else (the form the document states).
fn parse_if_match(value: &str) -> Option<i64> {
    let tag = value.strip_prefix("W/").unwrap_or(value);
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    let (version, rest) = inner.split_once('.').unwrap_or((inner, ""));
    let digits = (1..=15).contains(&version.len()) && version.bytes().all(|b| b.is_ascii_digit());
    let tail = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if digits && tail {
        version.parse().ok()
    } else {
        None
    }
}

/// Tags a public response with the keys it is cached and purged by (`keys`: space
/// separated, as `content::keys::Keys::header` writes them): `Surrogate-Key` for
/// Fastly and Varnish, `Cache-Tag` (the same, comma-separated) for Cloudflare.
/// Private responses are never cached, so they carry none.
pub fn surrogate_keys(mut response: HttpResponse, keys: &str) -> HttpResponse {
    let public = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    if !public {
        return response;
    }
    if let Ok(v) = HeaderValue::from_str(keys) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("surrogate-key"), v);
    }
    if let Ok(v) = HeaderValue::from_str(&keys.replace(' ', ",")) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("cache-tag"), v);
    }
    response
}

/// 301 to `path`, keeping the request's query: a resource that moved (a story whose
/// slug changed). Cacheable for a while: the move is permanent, the target may move
/// again.
pub fn moved(req: &HttpRequest, path: &str) -> HttpResponse {
    let query = req.query_string();
    let location = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .finish()
}

/// An empty 204 for deletes and revocations.
pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::parse_if_match;

    #[test]
    fn if_match_accepts_our_etags_and_bare_versions() {
        assert_eq!(parse_if_match("\"3.ab12cd\""), Some(3));
        assert_eq!(parse_if_match("\"7\""), Some(7));
        assert_eq!(parse_if_match("W/\"2.x\""), Some(2));
        assert_eq!(parse_if_match("\"abc\""), None);
        // Only the quoted form the document states: a bare or half-quoted number, an
        // empty tag or a stray character is not an ETag this API sent.
        for bad in [
            "3",
            "0.5",
            "\"3",
            "\"\"",
            "\"3.a b\"",
            " \"3\"",
            "null",
            "\"1234567890123456\"",
        ] {
            assert_eq!(parse_if_match(bad), None, "{bad}");
        }
    }
}
