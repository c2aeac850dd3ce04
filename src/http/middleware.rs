//! Per-request plumbing: a request id on every log line and response, metrics, and
//! problem+json for errors that actix produces itself.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;

use super::metrics::Metrics;
use super::problem::{PROBLEM_JSON, Problem};

/// The header carrying the request id (accepted from a proxy, else generated).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, for handlers that want to log it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Wraps each request in a tracing span with its id, and records metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        // From the thread's random generator: `Uuid::new_v4` asks the kernel each time.
        .map_or_else(
            || {
                uuid::Builder::from_random_bytes(rand::random())
                    .into_uuid()
                    .simple()
                    .to_string()
            },
            str::to_owned,
        );
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    // HEAD is GET without the body: route it to the GET handler. The HTTP codec saw the
    // original method and sends the headers (Content-Length included) but no body.
    let mut req = req;
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let path = req.path().to_owned();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    let route = super::route::pattern(res.request()).unwrap_or_else(|| "unmatched".into());
    span.in_scope(|| {
        tracing::info!(status, route = %route, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "served")
    });
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// Turns any error response that is not already problem+json (actix's own 404, 405,
/// payload and routing errors) into one, so clients parse a single error shape.
pub fn problem_fallback<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        404 => format!("no resource at {}", res.request().path()),
        405 => format!("{} is not allowed here", res.request().method()),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let code = status
        .canonical_reason()
        .unwrap_or("error")
        .to_lowercase()
        .replace(' ', "-");
    let (req, old) = res.into_parts();
    let mut new: actix_web::HttpResponse<BoxBody> = Problem::new(status, &code, detail).response();
    for name in [header::ALLOW, REQUEST_ID] {
        if let Some(value) = old.headers().get(&name) {
            new.headers_mut().insert(name, value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
