//! Preview links: a read-only link to a story in any state, for a front end on another
//! domain, redeemed without a login. Each has a lifetime its issuer chooses (24 hours
//! by default), is listed on its story, can be revoked, and dies with the account that
//! issued it (deleted or disabled). Only the token's hash is stored.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Person;
use crate::auth::tokens::{hash_secret, random_secret};
use crate::error::{AppError, AppResult};
use crate::http::utc;
use crate::store::schema::{article_previews, users};
use crate::store::{DbConn, new_id, now};

/// The longest a preview link may live: 30 days.
pub const MAX_HOURS: i64 = 720;

/// `POST /articles/{key}/preview`; the body is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// How long the link works, 1 to 720 hours (default 24).
    #[schema(minimum = 1, maximum = 720)]
    pub expires_in_hours: Option<i64>,
    /// Open the story's working copy (see `…/working-copy`) instead of the story; once
    /// the copy is published or discarded, the link shows the story.
    #[serde(default)]
    pub working_copy: bool,
}

/// A new preview link; `token` is shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    pub id: String,
    pub token: String,
    /// Redeem without signing in: `GET` this path.
    pub path: String,
    pub expires_at: DateTime<Utc>,
}

/// A preview link as its story lists it (without its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLink {
    pub id: String,
    /// Who issued it (null for an API key).
    pub created_by: Option<Person>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Issues a link to `article` by `user` (None for an API key).
pub fn issue(
    conn: &mut DbConn,
    article: &str,
    user: Option<&str>,
    request: PreviewRequest,
) -> AppResult<PreviewResponse> {
    let hours = request.expires_in_hours.unwrap_or(24);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(AppError::invalid(
            "expires_in_hours",
            format!("must be from 1 to {MAX_HOURS}"),
        ));
    }
    let token = format!("pv_{}", random_secret(32));
    let id = new_id();
    let at = now();
    let expires = at + TimeDelta::hours(hours);
    diesel::insert_into(article_previews::table)
        .values((
            article_previews::id.eq(&id),
            article_previews::article_id.eq(article),
            article_previews::token_hash.eq(hash_secret(&token)),
            article_previews::created_by.eq(user),
            article_previews::created_at.eq(at),
            article_previews::expires_at.eq(expires),
            article_previews::working_copy.eq(request.working_copy),
        ))
        .execute(conn)?;
    Ok(PreviewResponse {
        id,
        path: format!("/api/v1/preview/{token}"),
        token,
        expires_at: utc(expires),
    })
}

/// id, issuer id, issuer name, created, expires.
type ListedRow = (
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

/// The live links of a story, newest first.
pub fn list(conn: &mut DbConn, article: &str) -> AppResult<Vec<PreviewLink>> {
    let rows: Vec<ListedRow> = article_previews::table
        .left_join(users::table)
        .filter(article_previews::article_id.eq(article))
        .filter(article_previews::expires_at.gt(now()))
        .order((
            article_previews::created_at.desc(),
            article_previews::id.desc(),
        ))
        .select((
            article_previews::id,
            article_previews::created_by,
            users::name.nullable(),
            article_previews::created_at,
            article_previews::expires_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, user, name, created, expires)| PreviewLink {
            id,
            created_by: user.zip(name).map(|(id, name)| Person { id, name }),
            created_at: utc(created),
            expires_at: utc(expires),
        })
        .collect())
}

/// Revokes a link: its issuer or an editor may.
pub fn revoke(
    conn: &mut DbConn,
    article: &str,
    id: &str,
    user: Option<&str>,
    editor: bool,
) -> AppResult<()> {
    let issuer: Option<Option<String>> = article_previews::table
        .filter(article_previews::article_id.eq(article))
        .filter(article_previews::id.eq(id))
        .select(article_previews::created_by)
        .first(conn)
        .optional()?;
    let Some(issuer) = issuer else {
        return Err(AppError::NotFound("preview link"));
    };
    if !editor && (user.is_none() || issuer.as_deref() != user) {
        return Err(AppError::Forbidden(
            "only a link's issuer or an editor revokes it".into(),
        ));
    }
    diesel::delete(article_previews::table.filter(article_previews::id.eq(id))).execute(conn)?;
    Ok(())
}

/// The story a token opens (and whether its working copy): live, unrevoked, and issued
/// by an account still active.
pub fn redeem(conn: &mut DbConn, token: &str) -> AppResult<(String, bool)> {
    let gone = || AppError::NotFound("preview (the link is invalid, revoked or has expired)");
    let found: Option<(String, bool, Option<String>, Option<bool>)> = article_previews::table
        .left_join(users::table)
        .filter(article_previews::token_hash.eq(hash_secret(token)))
        .filter(article_previews::expires_at.gt(now()))
        .select((
            article_previews::article_id,
            article_previews::working_copy,
            article_previews::created_by,
            users::disabled.nullable(),
        ))
        .first(conn)
        .optional()?;
    match found {
        Some((article, copy, None, _)) | Some((article, copy, Some(_), Some(false))) => {
            Ok((article, copy))
        }
        _ => Err(gone()),
    }
}
