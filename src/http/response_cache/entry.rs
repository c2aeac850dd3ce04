//! A cached response: its status, the headers worth replaying, its surrogate keys,
//! and its body in each form it has been asked for (plain, brotli, gzip), each made
//! once from the form it was built in.

use std::sync::{Arc, OnceLock};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;

use super::SURROGATE_KEY;
use crate::http::compress::{self, Accepted, Coding, Effort};

pub(super) struct Entry {
    pub(super) status: StatusCode,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) etag: Option<String>,
    pub(super) route: String,
    pub(super) keys: Vec<Arc<str>>,
    /// Whether the body is text worth encoding.
    compressible: bool,
    /// The body as it was built (plain, or gzip when made from stored renders) and
    /// each other form, made once, when first asked for.
    plain: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    gzip: OnceLock<Bytes>,
    /// Room for the body in every form and the bookkeeping.
    size: usize,
}

impl Entry {
    /// A response's entry; `None` for a body in a coding this server does not make.
    pub(super) fn new(
        status: StatusCode,
        head: &HeaderMap,
        body: Bytes,
        route: String,
        keys: Vec<Arc<str>>,
    ) -> Option<Self> {
        let headers: Vec<(HeaderName, HeaderValue)> = KEPT
            .iter()
            .filter_map(|name| head.get(name).map(|v| (name.clone(), v.clone())))
            .collect();
        let etag = head
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let coding = match head.get(header::CONTENT_ENCODING).map(|v| v.as_bytes()) {
            None | Some(b"identity") => None,
            Some(b"gzip") => Some(Coding::Gzip),
            Some(b"br") => Some(Coding::Brotli),
            Some(_) => return None,
        };
        // Text is about a fifth of itself encoded: an encoded body stands for five
        // times its size in its plain form, a plain one for half again in the others.
        let size = match coding {
            Some(_) => body.len() * 6,
            None => body.len() * 3 / 2,
        } + 64 * keys.len()
            + 256;
        let entry = Entry {
            status,
            headers,
            compressible: compress::textual(head)
                && (coding.is_some() || body.len() >= compress::SMALLEST),
            etag,
            route,
            keys,
            plain: OnceLock::new(),
            brotli: OnceLock::new(),
            gzip: OnceLock::new(),
            size,
        };
        let _ = entry.form(coding).set(body);
        Some(entry)
    }

    pub(super) fn size(&self, key: &str) -> usize {
        self.size + key.len()
    }

    fn form(&self, coding: Option<Coding>) -> &OnceLock<Bytes> {
        match coding {
            None => &self.plain,
            Some(Coding::Brotli) => &self.brotli,
            Some(Coding::Gzip) => &self.gzip,
        }
    }

    /// The plain body (decoded once from the form it was built in).
    fn plain(&self) -> Option<Bytes> {
        if let Some(plain) = self.plain.get() {
            return Some(plain.clone());
        }
        let decoded = if let Some(gzip) = self.gzip.get() {
            compress::decode(Coding::Gzip, gzip)
        } else {
            compress::decode(Coding::Brotli, self.brotli.get()?)
        };
        match decoded {
            Ok(bytes) => Some(self.plain.get_or_init(|| bytes).clone()),
            Err(e) => {
                tracing::error!(error = %e, route = %self.route, "a cached body does not decode");
                None
            }
        }
    }

    /// The body for a client accepting `accepted`: for a hit (`Stored`) the smallest
    /// form it takes, made once; for the miss that built it (`Fast`) a form already
    /// made if the client takes it, else the cheapest. `None` if it cannot be made.
    pub(super) fn body_for(
        &self,
        accepted: Accepted,
        effort: Effort,
    ) -> Option<(Bytes, Option<Coding>)> {
        if !self.compressible {
            return self.plain().map(|b| (b, None));
        }
        if effort == Effort::Fast {
            for coding in [Coding::Gzip, Coding::Brotli] {
                if let Some(bytes) = self.form(Some(coding)).get()
                    && accepted.accepts(coding)
                {
                    return Some((bytes.clone(), Some(coding)));
                }
            }
        }
        let Some(coding) = accepted.pick(effort) else {
            return self.plain().map(|b| (b, None));
        };
        if let Some(bytes) = self.form(Some(coding)).get() {
            return Some((bytes.clone(), Some(coding)));
        }
        let plain = self.plain()?;
        let bytes = self
            .form(Some(coding))
            .get_or_init(|| coding.encode(&plain, effort));
        Some((bytes.clone(), Some(coding)))
    }
}

/// Headers worth replaying from a cached response.
const KEPT: [HeaderName; 9] = [
    header::CONTENT_TYPE,
    header::ETAG,
    header::CACHE_CONTROL,
    header::VARY,
    header::LINK,
    header::LAST_MODIFIED,
    header::LOCATION,
    SURROGATE_KEY,
    HeaderName::from_static("cache-tag"),
];
