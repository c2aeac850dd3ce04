//! `/settings`: the publication's settings, for admins; `/settings/public` for anyone.

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get, patch};

use super::db;
use super::model::{PublicSettings, SettingsResponse, UpdateSettings};
use crate::auth::principal::{Admin, MaybeAuth};
use crate::config::Settings;
use crate::content::keys;
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::Json;
use crate::media::files::MediaStore;
use crate::media::model::ImageResponse;
use crate::state::AppState;
use crate::store::DbConn;

/// The settings in force with the logo's record.
fn shown(conn: &mut DbConn, config: &Settings, media: &MediaStore) -> AppResult<SettingsResponse> {
    let publication = db::load(conn, config)?;
    let logo = match &publication.logo_image_id {
        Some(id) => match crate::media::db::get(conn, id) {
            Ok(row) => Some(ImageResponse::new(row, media)),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(SettingsResponse::new(publication, logo))
}

/// The settings in force, read.
async fn read(state: &AppState) -> AppResult<SettingsResponse> {
    let (config, media) = (state.settings.clone(), state.media.clone());
    state
        .db
        .read(move |conn| shown(conn, &config, &media))
        .await
}

/// The publication's settings: name, language, logo, site and story URLs, desk rules.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "The settings in force", body = SettingsResponse)),
    security(("bearer" = []))
)]
#[get("/settings")]
pub async fn get_settings(
    _: Admin,
    req: HttpRequest,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let shown = read(&state).await?;
    let version = shown.version;
    Ok(cache::private(&req, StatusCode::OK, &shown, Some(version)))
}

/// Changes settings (versioned). `null` returns a field to the environment's value
/// (`DATELINE_SITE_URL`, `DATELINE_REQUIRE_APPROVAL`) or the default.
#[utoipa::path(
    tag = "settings",
    params(("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`")),
    request_body = UpdateSettings,
    responses(
        (status = 200, description = "Updated", body = SettingsResponse),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []))
)]
#[patch("/settings")]
pub async fn update_settings(
    _: Admin,
    req: HttpRequest,
    body: Json<UpdateSettings>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let changes = body.0.parse()?;
    let (config, media) = (state.settings.clone(), state.media.clone());
    let shown = state
        .db
        .write(move |conn| {
            db::update(conn, &config, expected, changes)?;
            shown(conn, &config, &media)
        })
        .await?;
    let version = shown.version;
    Ok(cache::private(&req, StatusCode::OK, &shown, Some(version)))
}

/// What a front end needs to brand and link its pages: name, language, logo, site URL
/// and the story URL pattern.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, description = "The public settings", body = PublicSettings)),
    security(())
)]
#[get("/settings/public")]
pub async fn public_settings(
    _: MaybeAuth,
    req: HttpRequest,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let shown = read(&state).await?;
    let response = cache::json(
        &req,
        StatusCode::OK,
        &shown.public(),
        Visibility::for_request(&req, true),
        None,
    );
    Ok(cache::surrogate_keys(response, keys::SETTINGS))
}

/// Registers these routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_settings)
        .service(update_settings)
        .service(public_settings);
}
