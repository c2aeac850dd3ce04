//! User queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::UserRow;
use crate::auth::model::Role;
use crate::error::{AppError, AppResult};
use crate::store::schema::users;
use crate::store::{DbConn, new_id, now};
use crate::store::{check_version, versioned};

/// A live (not deleted) user by e-mail.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// A live user by id, or 404.
pub fn get(conn: &mut DbConn, id: &str) -> AppResult<UserRow> {
    users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("user"))
}

/// Whether any user exists (deleted ones included: bootstrap happens once).
pub fn any(conn: &mut DbConn) -> AppResult<bool> {
    Ok(users::table.count().get_result::<i64>(conn)? > 0)
}

/// Creates a user; a live account with the same e-mail is a 409.
pub fn insert(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
) -> AppResult<UserRow> {
    if find_by_email(conn, email)?.is_some() {
        return Err(AppError::conflict(
            "email",
            "an account with this e-mail already exists",
        ));
    }
    let id = new_id();
    let at = now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(email),
            users::name.eq(name),
            users::role.eq(role.as_str()),
            users::password_hash.eq(password_hash),
            users::disabled.eq(false),
            users::version.eq(1),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    get(conn, &id)
}

/// Live users oldest first, after the keyset `(created_at, id)`.
pub fn list(
    conn: &mut DbConn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<UserRow>> {
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .order((users::created_at.asc(), users::id.asc()))
        .limit(limit + 1)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            users::created_at
                .gt(at)
                .or(users::created_at.eq(at).and(users::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Every active account (neither disabled nor deleted), by name; at most 1,000.
pub fn colleagues(conn: &mut DbConn) -> AppResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::deleted_at.is_null())
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .order((users::name.asc(), users::id.asc()))
        .limit(1000)
        .load(conn)?)
}

/// The changes a PATCH applies (None = unchanged).
#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
}

/// Applies `changes` if the user is still at `expected` version.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    expected: i64,
    changes: UserChanges,
) -> AppResult<UserRow> {
    // Serialised so two admins demoting each other cannot both pass the last-admin check.
    crate::store::lock(conn, "users")?;
    let current = get(conn, id)?;
    check_version(current.version, expected)?;
    if let Some(email) = &changes.email
        && find_by_email(conn, email)?.is_some_and(|other| other.id != id)
    {
        return Err(AppError::conflict(
            "email",
            "an account with this e-mail already exists",
        ));
    }
    let loses_admin = current.role == Role::Admin.as_str()
        && (changes
            .role
            .as_deref()
            .is_some_and(|r| r != Role::Admin.as_str())
            || changes.disabled == Some(true));
    if loses_admin {
        ensure_another_admin(conn, id)?;
    }
    versioned(
        conn,
        |c| {
            diesel::update(users::table.find(id))
                .filter(users::version.eq(expected))
                .set((
                    changes,
                    users::version.eq(expected + 1),
                    users::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| users::table.find(id).select(users::version).first(c),
    )?;
    get(conn, id)
}

/// Soft-deletes a user: their history stays attributable, their e-mail is freed.
pub fn delete(conn: &mut DbConn, id: &str) -> AppResult<()> {
    crate::store::lock(conn, "users")?;
    let current = get(conn, id)?;
    if current.role == Role::Admin.as_str() {
        ensure_another_admin(conn, id)?;
    }
    diesel::update(users::table.find(id))
        .set((
            users::deleted_at.eq(now()),
            users::version.eq(current.version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

fn ensure_another_admin(conn: &mut DbConn, except: &str) -> AppResult<()> {
    let others: i64 = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::deleted_at.is_null())
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(AppError::Conflict {
            detail: "this is the last active admin; make another admin first".into(),
            field: Some("role".into()),
        });
    }
    Ok(())
}
