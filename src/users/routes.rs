//! `/users`: account management for admins.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db::{self, UserChanges};
use super::model::{Colleague, CreateUser, UpdateUser, UserResponse};
use crate::auth::model::Role;
use crate::auth::principal::{Admin, Writer};
use crate::auth::{db as auth_db, password};
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

/// Lists live user accounts, oldest first.
#[utoipa::path(
    tag = "users",
    params(PageParams),
    responses((status = 200, description = "A page of users", body = Page<UserResponse>)),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    _: Admin,
    req: HttpRequest,
    params: Query<PageParams>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let params = params.0;
    let limit = params.limit()?;
    let after: Option<(chrono::NaiveDateTime, String)> = params.after()?;
    let rows = state
        .db
        .read(move |conn| db::list(conn, after, limit))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| (r.created_at, r.id.clone()),
        UserResponse::from,
    );
    Ok(pagination::respond(&req, &page, Visibility::Private))
}

/// The people a story can be assigned to or a note can mention: every active
/// account's id, name and role, by name (at most 1,000). For anyone who writes; no
/// e-mail addresses or account details (the admins' `/users` has those).
#[utoipa::path(
    tag = "users",
    responses((status = 200, description = "Active people, by name", body = Vec<Colleague>)),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[get("/people")]
pub async fn list_people(
    _: Writer,
    req: HttpRequest,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let rows = state.db.read(db::colleagues).await?;
    let people: Vec<Colleague> = rows
        .into_iter()
        .map(|row| Colleague {
            role: Role::parse(&row.role).unwrap_or(Role::Contributor),
            id: row.id,
            name: row.name,
        })
        .collect();
    Ok(cache::private(&req, StatusCode::OK, &people, None))
}

/// Creates a user account with a role and an initial password.
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 409, description = "The e-mail is taken"),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    _: Admin,
    req: HttpRequest,
    body: Json<CreateUser>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let new = body.0.parse()?;
    let secret = new.password.expose().to_owned();
    let hash = password::off_thread(move || password::hash(&secret)).await??;
    let row = state
        .db
        .write(move |conn| db::insert(conn, new.email.as_str(), &new.name, new.role, &hash))
        .await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::CREATED,
        &UserResponse::from(row),
        Some(version),
    ))
}

/// One user account.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 404, description = "No such user"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    _: Admin,
    req: HttpRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let row = state.db.read(move |conn| db::get(conn, &id)).await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &UserResponse::from(row),
        Some(version),
    ))
}

/// Changes a user's e-mail, name, role, password or disabled flag (versioned).
#[utoipa::path(
    tag = "users",
    params(
        ("id" = String, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Updated", body = UserResponse),
        (status = 404, description = "No such user"),
        (status = 409, description = "E-mail taken, this would remove the last admin, or an admin would demote or disable themselves"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    admin: Admin,
    req: HttpRequest,
    id: Path<String>,
    body: Json<UpdateUser>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let edit = body.0.parse()?;
    // An admin cannot lock themselves out: another admin must demote or disable them.
    let own_session = admin
        .principal
        .user()
        .filter(|me| me.id == *id)
        .map(|me| me.session_id.clone());
    if own_session.is_some() {
        if edit.role.is_some_and(|r| r != Role::Admin) {
            return Err(AppError::conflict(
                "role",
                "you cannot take away your own admin role; another admin can",
            ));
        }
        if edit.disabled == Some(true) {
            return Err(AppError::conflict(
                "disabled",
                "you cannot disable your own account; another admin can",
            ));
        }
    }
    let password_hash = match edit.password {
        Some(p) => {
            let secret = p.expose().to_owned();
            Some(password::off_thread(move || password::hash(&secret)).await??)
        }
        None => None,
    };
    let signs_out = password_hash.is_some() || edit.disabled == Some(true);
    let changes = UserChanges {
        email: edit.email.map(|e| e.as_str().to_owned()),
        name: edit.name,
        role: edit.role.map(|r| r.as_str().to_owned()),
        password_hash,
        disabled: edit.disabled,
    };
    let id = id.into_inner();
    let row = state
        .db
        .write(move |conn| {
            let row = db::update(conn, &id, expected, changes)?;
            if signs_out {
                // Changing your own password signs out your other sessions, not this one.
                auth_db::revoke_user_sessions_except(conn, &id, own_session.as_deref())?;
            }
            Ok(row)
        })
        .await?;
    let version = row.version;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &UserResponse::from(row),
        Some(version),
    ))
}

/// Deletes a user: they can no longer sign in and their tokens stop working at once.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such user"),
        (status = 409, description = "The last admin, and your own account, cannot be deleted"),
    ),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    admin: Admin,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    if admin.principal.user().is_some_and(|me| me.id == id) {
        return Err(AppError::Conflict {
            detail: "you cannot delete your own account; another admin can".into(),
            field: None,
        });
    }
    state
        .db
        .write(move |conn| {
            db::delete(conn, &id)?;
            auth_db::revoke_user_sessions(conn, &id)
        })
        .await?;
    Ok(cache::no_content())
}
