//! Keyset pagination: `limit` + an opaque `cursor`, answered with `next_cursor` and a
//! `Link: <...>; rel="next"` header. Keysets, unlike offsets, neither skip nor repeat
//! items when stories are inserted while a client is paging.

use actix_web::HttpRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};
use crate::http::packed::Part;

/// Default and maximum page sizes.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Paging parameters shared by every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The validated limit.
    pub fn limit(&self) -> AppResult<i64> {
        limit(self.limit, DEFAULT_LIMIT)
    }

    /// The decoded keyset position, if any.
    pub fn after<K: for<'de> Deserialize<'de>>(&self) -> AppResult<Option<K>> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// A `limit` parameter checked against the shared bounds (1 to [`MAX_LIMIT`]), or
/// `default` when absent: every list, feed and change feed reads its size here.
pub fn limit(value: Option<i64>, default: i64) -> AppResult<i64> {
    match value {
        None => Ok(default),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// A cursor this API issued ([`encode_cursor`]), decoded; anything else is a 422
/// naming `cursor`.
pub fn decode_cursor<K: for<'de> Deserialize<'de>>(cursor: &str) -> AppResult<K> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .filter(|bytes| !bytes.windows(6).any(|w| w == b"\\u0000"))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this API issued"))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only proves there is
    /// a next page, whose cursor is the key of the last row kept.
    pub fn from_rows<R, K: Serialize>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> K,
        item: impl FnMut(R) -> T,
    ) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = more
            .then(|| rows.last().map(|r| encode_cursor(&key(r))))
            .flatten();
        Page {
            data: rows.into_iter().map(item).collect(),
            next_cursor,
        }
    }

    /// The `Link` header value pointing at the next page, if there is one.
    pub fn link_header(&self, req: &HttpRequest) -> Option<String> {
        next_link(req, self.next_cursor.as_deref()?)
    }
}

/// The `Link` header value for the page after `cursor`.
pub fn next_link(req: &HttpRequest, cursor: &str) -> Option<String> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "cursor" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("cursor", cursor);
    let base = req
        .app_data::<actix_web::web::Data<crate::config::Settings>>()
        .map_or("", |settings| settings.public_url.as_str());
    Some(format!(
        "<{base}{}?{}>; rel=\"next\"",
        req.path(),
        query.finish()
    ))
}

/// The opaque cursor for a keyset position (base64url of its JSON).
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// A list response made of items serialised beforehand (stored story renders), each
/// with the hex SHA-256 of its JSON: the bytes `respond` would send for the same page,
/// and an ETag hashed over the items' digests and the cursor, so a page of stored items
/// is never hashed whole.
pub fn respond_joined(
    req: &HttpRequest,
    items: Vec<(Part, String)>,
    next_cursor: Option<String>,
    visibility: super::cache::Visibility,
) -> AppResult<actix_web::HttpResponse> {
    use sha2::{Digest, Sha256};
    let cursor = serde_json::to_vec(&next_cursor).unwrap_or_else(|_| b"null".to_vec());
    let mut hash = Sha256::new();
    let mut parts = Vec::with_capacity(items.len() * 2 + 2);
    parts.push(Part::Plain(b"{\"data\":[".to_vec()));
    let count = items.len();
    for (n, (item, digest)) in items.into_iter().enumerate() {
        parts.push(item);
        parts.push(Part::Plain(if n + 1 < count {
            b"},".to_vec()
        } else {
            b"}".to_vec()
        }));
        hash.update(digest.as_bytes());
    }
    let mut end = b"],\"next_cursor\":".to_vec();
    end.extend_from_slice(&cursor);
    end.push(b'}');
    parts.push(Part::Plain(end));
    hash.update(&cursor);
    let digest = hex::encode(&hash.finalize()[..12]);
    let (bytes, coding) = super::cache::assemble(req, &parts)?;
    let mut response = super::cache::json_body(
        req,
        actix_web::http::StatusCode::OK,
        bytes,
        coding,
        &digest,
        visibility,
        None,
    );
    if let Some(link) = next_cursor.as_deref().and_then(|c| next_link(req, c))
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&link)
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::LINK, value);
    }
    Ok(response)
}

/// A list response: the page as JSON (with ETag) plus its `Link` header.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    page: &Page<T>,
    visibility: super::cache::Visibility,
) -> actix_web::HttpResponse {
    let mut response =
        super::cache::json(req, actix_web::http::StatusCode::OK, page, visibility, None);
    if let Some(link) = page.link_header(req)
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&link)
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::LINK, value);
    }
    response
}
