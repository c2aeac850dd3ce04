//! The route pattern a request is served by, found once per request.
//!
//! actix-web's `HttpRequest::match_pattern` matches the path against the route table's
//! regular expressions again on every call. The metrics, the audit log and the response
//! cache each want the pattern, and a cache hit never reaches the router at all: on a
//! cached story page those matches were a fifth of the server's CPU. So the pattern is
//! kept in the request's extensions the first time it is asked for, and a cache hit
//! puts there the pattern its entry was built by.

use actix_web::{HttpMessage, HttpRequest};

/// The route pattern of a request (`None`: no route matched).
#[derive(Clone, Debug)]
pub struct Route(pub Option<String>);

/// The request's route pattern, matched at most once per request.
pub fn pattern(req: &HttpRequest) -> Option<String> {
    if let Some(Route(known)) = req.extensions().get::<Route>() {
        return known.clone();
    }
    let found = req.match_pattern();
    req.extensions_mut().insert(Route(found.clone()));
    found
}
