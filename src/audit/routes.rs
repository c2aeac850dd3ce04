//! `/audit`: the log of who did what, for admins.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::NaiveDateTime;

use super::{AuditEntry, AuditQuery, entries};
use crate::auth::principal::Admin;
use crate::error::AppResult;
use crate::http::cache::Visibility;
use crate::http::extract::Query;
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

/// The audit log, newest first (admins only).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "Audited actions, newest first", body = Page<AuditEntry>)),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    _: Admin,
    req: HttpRequest,
    query: Query<AuditQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let query = query.0;
    let params = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = params.limit()?;
    let after: Option<(NaiveDateTime, String)> = params.after()?;
    let actor = query.actor;
    let rows = state
        .db
        .read(move |conn| entries(conn, actor, after, limit))
        .await?;
    let page = Page::from_rows(rows, limit, |r| (r.at, r.id.clone()), AuditEntry::from);
    Ok(pagination::respond(&req, &page, Visibility::Private))
}

/// Registers the audit route.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}
