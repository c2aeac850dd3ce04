//! Sessions, refresh tokens, login throttling and API keys in the database.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::model::KeyPrincipal;
use super::model::{Role, Scope};
use super::tokens::{hash_secret, random_secret};
use crate::error::{AppError, AppResult};
use crate::store::schema::{api_keys, login_failures, refresh_tokens, sessions, users};
use crate::store::{DbConn, new_id, now};

/// The role of a live user in a live session, or `None` if either has ended.
pub fn live_session_role(
    conn: &mut DbConn,
    user_id: &str,
    session_id: &str,
) -> AppResult<Option<Role>> {
    let role: Option<String> = users::table
        .inner_join(sessions::table)
        .filter(users::id.eq(user_id))
        .filter(users::deleted_at.is_null())
        .filter(users::disabled.eq(false))
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .select(users::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| Role::parse(&r).ok()))
}

/// A key found by its secret's hash.
pub struct FoundKey {
    pub principal: KeyPrincipal,
    /// True when `last_used_at` is over a minute old (we record use at that grain).
    pub stale_last_used: bool,
}

/// An unrevoked API key by the hash of its secret.
pub fn find_active_key(conn: &mut DbConn, secret_hash: &str) -> AppResult<Option<FoundKey>> {
    // A key acts for the admin who made it: it stops when their account does.
    let row: Option<(String, String, Option<NaiveDateTime>)> = api_keys::table
        .inner_join(users::table)
        .filter(api_keys::secret_hash.eq(secret_hash))
        .filter(api_keys::revoked_at.is_null())
        .filter(users::deleted_at.is_null())
        .filter(users::disabled.eq(false))
        .select((api_keys::id, api_keys::scopes, api_keys::last_used_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, scopes, last_used)| FoundKey {
        principal: KeyPrincipal {
            id,
            scopes: Scope::parse_list(&scopes),
        },
        stale_last_used: last_used.is_none_or(|t| now() - t > TimeDelta::minutes(1)),
    }))
}

/// Records that a key was just used.
pub fn touch_key(conn: &mut DbConn, id: &str) -> AppResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Sign-in attempts for an account since `since`: how many, and the oldest.
pub fn recent_failures(
    conn: &mut DbConn,
    email_hash: &str,
    since: NaiveDateTime,
) -> AppResult<(i64, Option<NaiveDateTime>)> {
    let query = login_failures::table
        .filter(login_failures::email_hash.eq(email_hash))
        .filter(login_failures::failed_at.gt(since));
    let count = query.count().get_result(conn)?;
    let oldest = query
        .select(login_failures::failed_at)
        .order(login_failures::failed_at.asc())
        .first(conn)
        .optional()?;
    Ok((count, oldest))
}

/// Records a sign-in attempt (in the database, so every instance sees it); expired ones
/// are swept on the way.
pub fn record_attempt(
    conn: &mut DbConn,
    email_hash: &str,
    older_than: NaiveDateTime,
) -> AppResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(older_than)))
        .execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(new_id()),
            login_failures::email_hash.eq(email_hash),
            login_failures::failed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets an account's attempts after a successful sign-in.
pub fn clear_attempts(conn: &mut DbConn, email_hash: &str) -> AppResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email_hash.eq(email_hash)))
        .execute(conn)?;
    Ok(())
}

/// Starts a session for a user and returns `(session_id, refresh_token)`.
pub fn start_session(
    conn: &mut DbConn,
    user_id: &str,
    ttl: TimeDelta,
) -> AppResult<(String, String)> {
    let session_id = new_id();
    let at = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session_id),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(at),
            sessions::expires_at.eq(at + ttl),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::last_login_at.eq(at))
        .execute(conn)?;
    let token = issue_refresh(conn, &session_id)?;
    Ok((session_id, token))
}

fn issue_refresh(conn: &mut DbConn, session_id: &str) -> AppResult<String> {
    let token = format!("rt_{}", random_secret(32));
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash_secret(&token)),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::issued_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(token)
}

/// A successful rotation: who, and the new refresh token.
pub struct Rotated {
    pub user_id: String,
    pub role: Role,
    pub session_id: String,
    pub refresh_token: String,
}

/// Spends a refresh token and issues its successor. Presenting a spent token means it
/// leaked: the whole session (every token in its family) is revoked. The caller must
/// commit even on that error so the revocation sticks, hence the nested result.
pub fn rotate_refresh(conn: &mut DbConn, token: &str) -> AppResult<Result<Rotated, AppError>> {
    let hash = hash_secret(token);
    let found: Option<(String, Option<NaiveDateTime>)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(&hash))
        .select((refresh_tokens::session_id, refresh_tokens::used_at))
        .first(conn)
        .optional()?;
    let unknown = || {
        Err(AppError::Unauthorized(
            "the refresh token is invalid or expired".into(),
        ))
    };
    let Some((session_id, used_at)) = found else {
        return Ok(unknown());
    };
    // Spend it atomically: of two concurrent uses, exactly one wins.
    let spent = diesel::update(refresh_tokens::table.find(&hash))
        .filter(refresh_tokens::used_at.is_null())
        .set(refresh_tokens::used_at.eq(now()))
        .execute(conn)?;
    if used_at.is_some() || spent == 0 {
        revoke_session(conn, &session_id)?;
        return Ok(Err(AppError::Unauthorized(
            "this refresh token was already used; the session has been revoked, sign in again"
                .into(),
        )));
    }
    let live: Option<(String, String)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(&session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .filter(users::deleted_at.is_null())
        .filter(users::disabled.eq(false))
        .select((users::id, users::role))
        .first(conn)
        .optional()?;
    let Some((user_id, role)) = live else {
        return Ok(unknown());
    };
    let refresh_token = issue_refresh(conn, &session_id)?;
    Ok(Ok(Rotated {
        user_id,
        role: Role::parse(&role).map_err(AppError::internal)?,
        session_id,
        refresh_token,
    }))
}

/// Ends a session: its access and refresh tokens stop working at once.
pub fn revoke_session(conn: &mut DbConn, session_id: &str) -> AppResult<()> {
    diesel::update(sessions::table.find(session_id))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of a user (disabled, deleted or password changed).
/// Revokes a user's sessions but `keep` (the caller's own, when they change their own
/// password).
pub fn revoke_user_sessions_except(
    conn: &mut DbConn,
    user_id: &str,
    keep: Option<&str>,
) -> AppResult<()> {
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")))
        .set(sessions::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_user_sessions(conn: &mut DbConn, user_id: &str) -> AppResult<()> {
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}
