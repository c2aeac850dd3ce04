//! Users: rows, requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::model::{Email, NewPassword, Role, parse_name};
use crate::error::{AppResult, Errors};
use crate::http::utc;
use crate::store::schema::users;

/// A user as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
}

/// A colleague as the desk offers them (assignees, mentions in notes): no e-mail, no
/// account details; those are the admin's (`/users`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Colleague {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// A user account (a person who signs in; not necessarily a byline).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// A disabled user cannot sign in, and their tokens stop working.
    pub disabled: bool,
    /// Send back on PATCH (or as `If-Match`) to prove you edited the latest state.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for UserResponse {
    fn from(row: UserRow) -> Self {
        UserResponse {
            role: Role::parse(&row.role).unwrap_or(Role::Contributor),
            id: row.id,
            email: row.email,
            name: row.name,
            disabled: row.disabled,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            last_login_at: row.last_login_at.map(utc),
        }
    }
}

/// A new user account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Sign-in address; unique among live accounts.
    #[schema(example = "ana@newsroom.example")]
    pub email: String,
    #[schema(example = "Ana Ruiz", max_length = 200)]
    pub name: String,
    pub role: Role,
    /// At least 10 characters.
    pub password: String,
}

/// A checked [`CreateUser`].
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password: NewPassword,
}

impl CreateUser {
    /// Checks every field, reporting all problems at once.
    pub fn parse(self) -> AppResult<NewUser> {
        let mut errors = Errors::default();
        let email = errors.check("email", Email::parse(&self.email));
        let name = errors.check("name", parse_name(&self.name));
        let password = errors.check("password", NewPassword::parse(&self.password));
        errors.finish()?;
        match (email, name, password) {
            (Some(email), Some(name), Some(password)) => Ok(NewUser {
                email,
                name,
                role: self.role,
                password,
            }),
            _ => unreachable_validation(),
        }
    }
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    pub email: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub role: Option<Role>,
    /// Setting a password signs the user out everywhere.
    pub password: Option<String>,
    /// Disabling signs the user out everywhere.
    pub disabled: Option<bool>,
}

/// A checked [`UpdateUser`].
pub struct UserEdit {
    pub email: Option<Email>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<NewPassword>,
    pub disabled: Option<bool>,
}

impl UpdateUser {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<UserEdit> {
        let mut errors = Errors::default();
        let edit = UserEdit {
            email: self
                .email
                .and_then(|e| errors.check("email", Email::parse(&e))),
            name: self.name.and_then(|n| errors.check("name", parse_name(&n))),
            role: self.role,
            password: self
                .password
                .and_then(|p| errors.check("password", NewPassword::parse(&p))),
            disabled: self.disabled,
        };
        errors.finish()?;
        Ok(edit)
    }
}

/// `Errors::finish` returned Ok, so every checked field is present; kept as an
/// error rather than a panic all the same.
fn unreachable_validation<T>() -> AppResult<T> {
    Err(crate::error::AppError::internal(
        "validation passed with a missing field",
    ))
}
