//! `/webhooks` (admin): subscriptions, their delivery log, and redelivery.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db::{self, WebhookInput};
use super::model::{CreateWebhook, DeliveryResponse, EVENTS, UpdateWebhook, WebhookResponse};
use crate::auth::principal::Admin;
use crate::content::parse_text;
use crate::error::{AppError, AppResult, Errors};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

fn check_events(errors: &mut Errors, events: &[String]) {
    if events.is_empty() {
        errors.add(
            "events",
            format!("name at least one of {}", EVENTS.join(", ")),
        );
    }
    for (i, event) in events.iter().enumerate() {
        if !EVENTS.contains(&event.as_str()) {
            errors.add(
                format!("events[{i}]"),
                format!("'{event}' is not one of {}", EVENTS.join(", ")),
            );
        }
    }
}

async fn check_url(state: &AppState, url: &str) -> AppResult<String> {
    let parsed = super::guard::parse(url).map_err(|m| AppError::invalid("url", m))?;
    super::guard::check(&parsed, state.settings.webhooks_allow_private)
        .await
        .map_err(|m| AppError::invalid("url", m))?;
    Ok(url.to_owned())
}

/// Subscribes a URL to events. The signing secret is generated unless given, and shown
/// only in this response.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, description = "Subscribed; carries the secret once", body = WebhookResponse)),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    who: Admin,
    req: HttpRequest,
    body: Json<CreateWebhook>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let mut errors = Errors::default();
    check_events(&mut errors, &body.events);
    if body
        .secret
        .as_ref()
        .is_some_and(|s| s.len() < 16 || s.len() > 256)
    {
        errors.add("secret", "must be 16 to 256 characters");
    }
    let description = body
        .description
        .and_then(|d| errors.check("description", parse_text(&d, 500)));
    errors.finish()?;
    let url = check_url(&state, &body.url).await?;
    let input = WebhookInput {
        url: Some(url),
        events: Some(body.events),
        secret: body.secret,
        description,
        active: None,
    };
    let who = who.principal.user_id();
    let row = state
        .db
        .write(move |conn| db::insert(conn, input, who))
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &WebhookResponse::new(row, true),
        None,
    ))
}

/// Every subscription (secrets are never shown again).
#[utoipa::path(
    tag = "webhooks",
    responses((status = 200, description = "The webhooks", body = Vec<WebhookResponse>)),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    _: Admin,
    req: HttpRequest,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = state.db.read(db::list).await?;
    let body: Vec<WebhookResponse> = rows
        .into_iter()
        .map(|r| WebhookResponse::new(r, false))
        .collect();
    Ok(cache::private(&req, StatusCode::OK, &body, None))
}

/// One subscription.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookResponse),
        (status = 404, description = "No such webhook"),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    _: Admin,
    req: HttpRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let row = state.db.read(move |conn| db::get(conn, &id)).await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &WebhookResponse::new(row, false),
        None,
    ))
}

/// Changes the URL, events or description; `active: true` re-enables a webhook that
/// was disabled after failures.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "Updated", body = WebhookResponse),
        (status = 404, description = "No such webhook"),
    ),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    _: Admin,
    req: HttpRequest,
    id: Path<String>,
    body: Json<UpdateWebhook>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let mut errors = Errors::default();
    if let Some(events) = &body.events {
        check_events(&mut errors, events);
    }
    let description = body
        .description
        .and_then(|d| errors.check("description", parse_text(&d, 500)));
    errors.finish()?;
    let url = match &body.url {
        Some(url) => Some(check_url(&state, url).await?),
        None => None,
    };
    let input = WebhookInput {
        url,
        events: body.events,
        secret: None,
        description,
        active: body.active,
    };
    let id = id.into_inner();
    let row = state
        .db
        .write(move |conn| db::update(conn, &id, input))
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &WebhookResponse::new(row, false),
        None,
    ))
}

/// Unsubscribes; pending deliveries are dropped.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such webhook"),
    ),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    _: Admin,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    state.db.write(move |conn| db::delete(conn, &id)).await?;
    Ok(cache::no_content())
}

/// The delivery log, newest first: status, attempts, the receiver's last response.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id"), PageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<DeliveryResponse>),
        (status = 404, description = "No such webhook"),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    _: Admin,
    req: HttpRequest,
    id: Path<String>,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let limit = params.0.limit()?;
    let after: Option<(chrono::NaiveDateTime, String)> = params.0.after()?;
    let id = id.into_inner();
    let rows = state
        .db
        .read(move |conn| db::deliveries(conn, &id, after, limit))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |(d, _)| (d.created_at, d.id.clone()),
        |(d, kind)| DeliveryResponse::new(d, kind),
    );
    Ok(pagination::respond(&req, &page, Visibility::Private))
}

/// Sends a delivery's event again (same event id and body) as a new delivery.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "Webhook id"),
        ("delivery" = String, Path, description = "Delivery id"),
    ),
    responses(
        (status = 201, description = "Queued", body = DeliveryResponse),
        (status = 404, description = "No such webhook or delivery"),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver_webhook_delivery(
    _: Admin,
    req: HttpRequest,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let (row, kind) = state
        .db
        .write(move |conn| db::redeliver(conn, &id, &delivery))
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &DeliveryResponse::new(row, kind),
        None,
    ))
}

/// Registers the webhook routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_webhook_deliveries)
        .service(redeliver_webhook_delivery);
}
