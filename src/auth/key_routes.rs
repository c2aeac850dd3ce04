//! `/api-keys`: long-lived credentials with scopes, for build pipelines and partners.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, post};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Scope, parse_name};
use super::principal::{API_KEY_PREFIX, Admin};
use super::tokens::{hash_secret, random_secret};
use crate::error::{AppError, AppResult, Errors};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::http::utc;
use crate::state::AppState;
use crate::store::schema::api_keys;
use crate::store::{DbConn, new_id, now};

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for, e.g. "Front-end build".
    #[schema(max_length = 200)]
    pub name: String,
    /// At least one scope.
    pub scopes: Vec<Scope>,
}

/// An API key (its secret is shown only once, on creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The secret: present only in the response that created the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys)]
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    scopes: String,
    created_at: NaiveDateTime,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl From<KeyRow> for ApiKeyResponse {
    fn from(row: KeyRow) -> Self {
        ApiKeyResponse {
            scopes: Scope::parse_list(&row.scopes),
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created_at: utc(row.created_at),
            last_used_at: row.last_used_at.map(utc),
            revoked_at: row.revoked_at.map(utc),
            secret: None,
        }
    }
}

fn get_key(conn: &mut DbConn, id: &str) -> AppResult<KeyRow> {
    api_keys::table
        .find(id)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("API key"))
}

/// Creates an API key; the response carries its secret, which is never shown again.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKey,
    responses((status = 201, description = "Created; `secret` is shown this once", body = ApiKeyResponse)),
    security(("bearer" = []))
)]
#[post("/api-keys")]
pub async fn create_api_key(
    admin: Admin,
    req: HttpRequest,
    body: Json<CreateApiKey>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let CreateApiKey { name, mut scopes } = body.0;
    let mut errors = Errors::default();
    let name = errors.check("name", parse_name(&name));
    if scopes.is_empty() {
        errors.add("scopes", "name at least one scope");
    }
    errors.finish()?;
    let name = name.unwrap_or_default();
    scopes.sort();
    scopes.dedup();
    let secret = format!("{API_KEY_PREFIX}{}", random_secret(32));
    let prefix: String = secret.chars().take(API_KEY_PREFIX.len() + 6).collect();
    let stored_scopes = scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let hash = hash_secret(&secret);
    let creator = admin.user()?.id.clone();
    let row = state
        .db
        .write(move |conn| {
            let id = new_id();
            diesel::insert_into(api_keys::table)
                .values((
                    api_keys::id.eq(&id),
                    api_keys::name.eq(&name),
                    api_keys::prefix.eq(&prefix),
                    api_keys::secret_hash.eq(&hash),
                    api_keys::scopes.eq(&stored_scopes),
                    api_keys::created_by.eq(&creator),
                    api_keys::created_at.eq(now()),
                ))
                .execute(conn)?;
            get_key(conn, &id)
        })
        .await?;
    let mut body = ApiKeyResponse::from(row);
    body.secret = Some(secret);
    Ok(cache::private(&req, StatusCode::CREATED, &body, None))
}

/// Lists API keys, newest first, revoked ones included.
#[utoipa::path(
    tag = "api-keys",
    params(PageParams),
    responses((status = 200, description = "A page of keys", body = Page<ApiKeyResponse>)),
    security(("bearer" = []))
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    _: Admin,
    req: HttpRequest,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let limit = params.0.limit()?;
    let after: Option<(NaiveDateTime, String)> = params.0.after()?;
    let rows = state
        .db
        .read(move |conn| {
            let mut query = api_keys::table
                .select(KeyRow::as_select())
                .order((api_keys::created_at.desc(), api_keys::id.desc()))
                .limit(limit + 1)
                .into_boxed();
            if let Some((at, id)) = after {
                query = query.filter(
                    api_keys::created_at
                        .lt(at)
                        .or(api_keys::created_at.eq(at).and(api_keys::id.lt(id))),
                );
            }
            Ok(query.load(conn)?)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| (r.created_at, r.id.clone()),
        ApiKeyResponse::from,
    );
    Ok(pagination::respond(&req, &page, Visibility::Private))
}

/// Revokes an API key; requests using it fail from now on.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = String, Path, description = "API key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such key"),
    ),
    security(("bearer" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    _: Admin,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            get_key(conn, &id)?;
            diesel::update(api_keys::table.find(&id))
                .filter(api_keys::revoked_at.is_null())
                .set(api_keys::revoked_at.eq(now()))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(cache::no_content())
}
