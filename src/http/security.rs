//! Browser-facing protections on every response: CORS for the configured origins only
//! (`DATELINE_CORS_ORIGINS`), preflights answered before routing, and security headers
//! that stop sniffing, framing and referrer leaks.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::config::Settings;

/// Request headers a cross-origin client may send.
const ALLOW_HEADERS: &str =
    "authorization, content-type, if-match, if-none-match, if-modified-since, range, x-request-id";
/// Methods the API answers.
const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE";
/// Response headers a cross-origin client may read.
const EXPOSE_HEADERS: &str =
    "etag, link, location, retry-after, x-request-id, x-cache, last-modified";

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |at| after_scheme + at);
    url[..end].to_owned()
}

fn allowed(origins: &[String], origin: &str) -> bool {
    // Scheme and host are case-insensitive; browsers send them lower-case.
    origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
}

/// CORS and security headers. A preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) from an allowed origin gets 204 with the rules; from
/// any other origin, 403 and no CORS headers, so the browser refuses.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let origins = req
        .app_data::<web::Data<Settings>>()
        .map(|s| s.cors_origins.clone())
        .unwrap_or_default();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let https = req
        .app_data::<web::Data<Settings>>()
        .is_some_and(|s| s.public_url.starts_with("https://"));
    let docs = req.path().starts_with("/docs");
    let demo = req.path() == "/demo" || req.path().starts_with("/demo/");
    let desk = req.path() == "/desk" || req.path().starts_with("/desk/");
    let media_origin = req
        .app_data::<web::Data<Settings>>()
        .map(|s| origin_of(&s.media_public_url))
        .unwrap_or_default();
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        let ok = origin.as_deref().is_some_and(|o| allowed(&origins, o));
        let status = if ok {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::FORBIDDEN
        };
        let mut preflight = HttpResponse::new(status);
        if ok {
            let h = preflight.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        req.into_response(preflight).map_into_right_body()
    } else {
        next.call(req).await?.map_into_left_body()
    };
    let h = res.headers_mut();
    if let Some(origin) = origin.filter(|o| allowed(&origins, o))
        && let Ok(value) = HeaderValue::from_str(&origin)
    {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    // Answers differ by origin, so caches must keep them apart.
    if !origins.is_empty() {
        let mut vary: Vec<String> = h
            .get_all(header::VARY)
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        vary.push("origin".into());
        if let Ok(value) = HeaderValue::from_str(&vary.join(", ")) {
            h.insert(header::VARY, value);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if demo || desk {
        // The reference front end and the desk: their own scripts and styles, images
        // from the media host (and, in the desk, the local preview of a file being
        // uploaded), API calls to this origin only. No inline script, ever.
        let local = if desk { "blob:" } else { "" };
        let policy = |images: &str| {
            format!(
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                 img-src 'self' {local} {images}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            )
        };
        // A media origin that cannot go in a header leaves images to this origin only;
        // the policy itself is never dropped.
        let value = HeaderValue::from_str(&policy(&media_origin))
            .or_else(|_| HeaderValue::from_str(&policy("")));
        if let Ok(value) = value {
            h.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    } else if !docs {
        // JSON, feeds and media never run scripts or load anything.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
        );
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    Ok(res)
}
