//! `/auth/*` and `/me`: signing in and out.

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Email;
use super::principal::AnyUser;
use super::tokens::hash_secret;
use super::{db, password};
use crate::error::{AppError, AppResult};
use crate::http::cache::{self};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::users::db as users_db;
use crate::users::model::UserResponse;

/// Credentials for signing in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "editor@newsroom.example")]
    pub email: String,
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A token pair. Use `access_token` as `Authorization: Bearer …`; before it expires,
/// trade `refresh_token` for a new pair (each refresh token works once).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    pub refresh_token: String,
}

/// Signs in with e-mail and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password (the same answer for both)"),
        (status = 429, description = "Too many failed attempts; see Retry-After"),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    body: Json<LoginRequest>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let LoginRequest {
        email,
        password: secret,
    } = body.0;
    req.extensions_mut()
        .insert(crate::audit::Attempted(email.clone()));
    // An address that does not parse cannot match an account; it still counts as an attempt.
    let email = Email::parse(&email).ok();
    let attempts_key = hash_secret(email.as_ref().map_or("invalid-address", Email::as_str));
    let settings = state.settings.clone();
    let window = TimeDelta::from_std(settings.login_window).map_err(AppError::internal)?;
    let max = i64::from(settings.login_max_failures);

    // Count and record the attempt in one transaction, before the password check, so
    // that parallel guesses cannot all slip in under the limit.
    let key = attempts_key.clone();
    let user = state
        .db
        .write(move |conn| {
            crate::store::lock(conn, &format!("login:{key}"))?;
            let since = crate::store::now() - window;
            let (attempts, oldest) = db::recent_failures(conn, &key, since)?;
            if attempts >= max {
                let retry = oldest.map_or(window, |t| t + window - crate::store::now());
                return Err(AppError::TooManyRequests {
                    detail: "too many failed sign-ins for this account; wait and try again".into(),
                    retry_after_secs: retry.num_seconds().max(1) as u64,
                });
            }
            db::record_attempt(conn, &key, since)?;
            match &email {
                Some(email) => users_db::find_by_email(conn, email.as_str()),
                None => Ok(None),
            }
        })
        .await?;

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches =
        password::off_thread(move || password::verify(&secret, stored.as_deref())).await?;
    let Some(user) = user.filter(|u| matches && !u.disabled) else {
        return Err(AppError::Unauthorized("wrong e-mail or password".into()));
    };

    let ttl = TimeDelta::from_std(settings.refresh_token_ttl).map_err(AppError::internal)?;
    let user_id = user.id.clone();
    let (session_id, refresh_token) = state
        .db
        .write(move |conn| {
            db::clear_attempts(conn, &attempts_key)?;
            db::start_session(conn, &user_id, ttl)
        })
        .await?;
    let role = super::model::Role::parse(&user.role).map_err(AppError::internal)?;
    // The audit log credits the sign-in to the user it opened a session for.
    req.extensions_mut()
        .insert(super::principal::Principal::User(
            super::principal::UserPrincipal {
                id: user.id.clone(),
                role,
                session_id: session_id.clone(),
            },
        ));
    tokens_response(&req, &state, &user.id, role, &session_id, refresh_token)
}

/// Trades a refresh token for a new pair. Reusing a spent token revokes the session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "Invalid, expired or reused refresh token"),
    ),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    body: Json<RefreshRequest>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let token = body.0.refresh_token;
    // The revocation on reuse must commit, so the rejection travels inside Ok.
    let rotated = state
        .db
        .write(move |conn| db::rotate_refresh(conn, &token))
        .await??;
    tokens_response(
        &req,
        &state,
        &rotated.user_id,
        rotated.role,
        &rotated.session_id,
        rotated.refresh_token,
    )
}

fn tokens_response(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    role: super::model::Role,
    session_id: &str,
    refresh_token: String,
) -> AppResult<HttpResponse> {
    let body = TokenResponse {
        access_token: state.jwt.issue(user_id, role, session_id)?,
        token_type: "Bearer",
        expires_in: state.jwt.ttl_secs(),
        refresh_token,
    };
    Ok(cache::private(req, StatusCode::OK, &body, None))
}

/// Signs out: the session's access and refresh tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Signed out")),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(user: AnyUser, state: Data<AppState>) -> AppResult<HttpResponse> {
    let session_id = user.user()?.session_id.clone();
    state
        .db
        .write(move |conn| db::revoke_session(conn, &session_id))
        .await?;
    Ok(cache::no_content())
}

/// The signed-in user's own account.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "You", body = UserResponse)),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn me(user: AnyUser, req: HttpRequest, state: Data<AppState>) -> AppResult<HttpResponse> {
    let id = user.user()?.id.clone();
    let row = state.db.read(move |conn| users_db::get(conn, &id)).await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &UserResponse::from(row),
        Some(version),
    ))
}
