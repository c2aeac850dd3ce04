//! The audit log: who did what, when, and from where. A middleware records every
//! editorial and admin action (any POST, PUT, PATCH or DELETE under `/api/v1` by a
//! signed-in user or an API key, whatever its outcome) and every sign-in attempt;
//! admins read it at `GET /api/v1/audit`.

pub mod routes;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::principal::Principal;
use crate::error::AppResult;
use crate::http::middleware::RequestId;
use crate::state::AppState;
use crate::store::schema::audit_log;
use crate::store::{DbConn, new_id, now};

/// The address a sign-in attempt named, put in the request by the login handler.
#[derive(Clone, Debug)]
pub struct Attempted(pub String);

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target: String,
    pub status: i32,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub forwarded_for: Option<String>,
    pub request_id: String,
}

/// One audited action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `user`, `api_key`, or `anonymous` (a failed sign-in).
    pub actor_type: String,
    /// The user's or the key's id.
    pub actor_id: Option<String>,
    /// The method and route, e.g. `POST /api/v1/articles/{key}/publish`.
    #[schema(example = "POST /api/v1/articles/{key}/publish")]
    pub action: String,
    /// The path as requested, naming the record acted on.
    #[schema(example = "/api/v1/articles/ministers-agree-budget/publish")]
    pub target: String,
    /// The HTTP status the action got (a 403 is an attempt that was refused).
    pub status: i32,
    /// For sign-ins, the e-mail address tried.
    pub detail: Option<String>,
    /// The peer address of the connection.
    pub ip: Option<String>,
    /// `X-Forwarded-For` as the client (or its proxy) sent it: a claim, not a fact.
    pub forwarded_for: Option<String>,
    /// Matches the `X-Request-Id` of the response and the server's log lines.
    pub request_id: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        AuditEntry {
            id: row.id,
            at: row.at.and_utc(),
            actor_type: row.actor_type,
            actor_id: row.actor_id,
            action: row.action,
            target: row.target,
            status: row.status,
            detail: row.detail,
            ip: row.ip,
            forwarded_for: row.forwarded_for,
            request_id: row.request_id,
        }
    }
}

const LOGIN: &str = "/api/v1/auth/login";

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Records the request once its response is known. Reads are not audited; neither are
/// anonymous refusals other than wrong passwords (they change nothing and would let
/// anyone flood the log; sign-in attempts are throttled per account before they count).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let audited = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && req.path().starts_with("/api/v1/");
    if !audited {
        return next.call(req).await;
    }
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(|v| clip(v, 200));
    let res = next.call(req).await?;
    let request = res.request();
    let principal = request.extensions().get::<Principal>().cloned();
    let attempted = request.extensions().get::<Attempted>().cloned();
    let is_login = request.path() == LOGIN;
    let (actor_type, actor_id) = match &principal {
        Some(Principal::User(u)) => ("user", Some(u.id.clone())),
        Some(Principal::Key(k)) => ("api_key", Some(k.id.clone())),
        // A failed sign-in is worth a row; a malformed or already-throttled one is not
        // (anyone could send those without end).
        None if is_login && attempted.is_some() && res.status().as_u16() == 401 => {
            ("anonymous", None)
        }
        None => return Ok(res),
    };
    let pattern = crate::http::route::pattern(request).unwrap_or_else(|| request.path().to_owned());
    let row = AuditRow {
        id: new_id(),
        at: now(),
        actor_type: actor_type.to_owned(),
        actor_id,
        action: format!("{} {pattern}", request.method()),
        target: clip(request.path(), 500),
        status: i32::from(res.status().as_u16()),
        detail: attempted.map(|a| clip(&a.0, 200)),
        ip,
        forwarded_for,
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map_or_else(String::new, |r| r.0.clone()),
    };
    if let Some(state) = request.app_data::<Data<AppState>>().cloned() {
        let written = state
            .db
            .write(move |conn| {
                diesel::insert_into(audit_log::table)
                    .values(&row)
                    .execute(conn)?;
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::error!(error = %e, "could not write the audit log");
        }
    }
    Ok(res)
}

/// Filters for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this user's or key's actions.
    pub actor: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of the log, newest first, after the keyset `after`.
pub fn entries(
    conn: &mut DbConn,
    actor: Option<String>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit + 1)
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(actor) = actor {
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            audit_log::at
                .lt(at)
                .or(audit_log::at.eq(at).and(audit_log::id.lt(id))),
        );
    }
    Ok(query.load(conn)?)
}
