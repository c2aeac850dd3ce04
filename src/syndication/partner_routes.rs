//! `/syndication/items`: the partner change feed in IPTC ninjs. Poll with the
//! `next_cursor` of the last answer and apply each document by `uri` (replace it, or
//! withdraw it when `pubstatus` is `canceled`) to keep an exact mirror.

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::changes;
use super::ninjs::{self, Ninjs};
use crate::auth::principal::Partner;
use crate::content::articles::model::{ArticleResponse, ArticleRow, Formats, Include};
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::Query;
use crate::http::pagination;
use crate::media::files::MediaStore;
use crate::state::AppState;
use crate::store::DbConn;
use crate::store::schema::articles as articles_table;

/// Where to read the change feed from.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Start with changes made at or after this time (ignored with `cursor`).
    pub since: Option<DateTime<Utc>>,
    /// The `next_cursor` of the previous answer.
    pub cursor: Option<String>,
    /// Documents per answer, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// Only stories in this language (BCP 47); the cursor still moves past the others.
    pub language: Option<String>,
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Each changed story once, at its latest state, in the order of their changes.
    pub data: Vec<Ninjs>,
    /// Always present: pass it next time to get only what changed since.
    pub next_cursor: String,
    /// More changes are waiting now (ask again at once).
    pub has_more: bool,
}

/// ninjs documents for `rows` (any state), with relations, rendered bodies and lead
/// photos in full, in a fixed number of queries.
pub fn documents(
    conn: &mut DbConn,
    rows: Vec<ArticleRow>,
    media: &MediaStore,
    public_url: &str,
) -> AppResult<Vec<Ninjs>> {
    let live: Vec<bool> = rows.iter().map(changes::is_syndicated).collect();
    let mut relations = crate::content::articles::relations::relations(conn, &rows, media)?;
    let formats = Formats {
        blocks: false,
        html: true,
        text: true,
    };
    let mut stories: Vec<ArticleResponse> = rows
        .into_iter()
        .map(|row| {
            let rel = relations.remove(row.id.as_str()).unwrap_or_default();
            ArticleResponse::new(row, rel, formats)
        })
        .collect();
    crate::content::articles::relations::hydrate_related(conn, &mut stories, media)?;
    let photos = Include {
        featured_image: true,
        ..Include::default()
    };
    crate::content::articles::include::expand(conn, &mut stories, photos, media)?;
    Ok(stories
        .into_iter()
        .zip(live)
        .map(|(mut story, live)| {
            let photo = story.included.take().and_then(|i| i.featured_image);
            let doc = ninjs::document(story, photo, live, public_url);
            // A withdrawn story says only that: whatever it becomes while withdrawn
            // (a legal rewrite, say) is not the partners' to see.
            if live { doc } else { ninjs::withdrawn(doc) }
        })
        .collect())
}

/// The partner change feed: every create, update and withdrawal of a syndicated story,
/// in order, as IPTC ninjs 2.2. Embargoed and scheduled stories come ahead of time
/// with `embargoed` set; unpublished or trashed ones come back as `canceled`.
#[utoipa::path(
    tag = "syndication",
    params(ChangesQuery),
    responses((status = 200, description = "Changed stories as ninjs", body = ChangePage)),
    security(("api_key" = ["syndication:read"]), ("bearer" = []))
)]
#[get("/syndication/items")]
pub async fn list_syndication_items(
    _: Partner,
    req: HttpRequest,
    query: Query<ChangesQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = query.0;
    let limit = pagination::limit(q.limit, pagination::DEFAULT_LIMIT)?;
    // A position in the change log: never below 0.
    let start = match q.cursor.as_deref().map(pagination::decode_cursor::<i64>) {
        Some(Ok(at)) if at < 0 => {
            return Err(AppError::invalid(
                "cursor",
                "is not a cursor this API issued",
            ));
        }
        other => other.transpose()?,
    };
    let language = q
        .language
        .as_deref()
        .map(crate::content::language::parse_language)
        .transpose()
        .map_err(|m| AppError::invalid("language", m))?;
    let media = state.media.clone();
    let public_url = state.settings.public_url.clone();
    let since = q.since.map(|t| t.naive_utc());
    let page = state
        .db
        .read(move |conn| {
            let after = match (start, since) {
                (Some(seq), _) => seq,
                (None, Some(at)) => changes::position_before(conn, at)?,
                (None, None) => 0,
            };
            let changed = changes::since(conn, after, limit)?;
            let next = changed.last().map_or(after, |c| c.1);
            let has_more = changes::any_after(conn, next)?;
            let ids: Vec<&str> = changed.iter().map(|c| c.0.as_str()).collect();
            let mut rows: Vec<ArticleRow> = articles_table::table
                .filter(articles_table::id.eq_any(&ids))
                .select(ArticleRow::as_select())
                .load(conn)?;
            rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id.as_str()));
            if let Some(language) = &language {
                rows.retain(|r| &r.language == language);
            }
            Ok(ChangePage {
                data: documents(conn, rows, &media, &public_url)?,
                next_cursor: pagination::encode_cursor(&next),
                has_more,
            })
        })
        .await?;
    Ok(cache::private(&req, StatusCode::OK, &page, None))
}

/// `GET /articles/{key}?format=ninjs`: one story as ninjs. The public sees public
/// stories; `syndication:read` keys also embargoed and scheduled ones; signed-in
/// readers (users, `content:read` keys) everything they could read anyway.
pub async fn ninjs_article(
    who: crate::auth::principal::Viewer,
    req: HttpRequest,
    key: String,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (insider, partner) = (who.insider, who.partner);
    let media = state.media.clone();
    let public_url = state.settings.public_url.clone();
    use crate::content::articles::load::{Lookup, lookup};
    let found = state
        .db
        .read(move |conn| {
            let row = match lookup(conn, &key)? {
                Lookup::Found(row) => *row,
                Lookup::Moved(slug) => return Ok(Err(slug)),
            };
            let public = row.is_public(crate::store::now());
            if !(public || insider || (partner && changes::is_syndicated(&row))) {
                return Err(AppError::NotFound("article"));
            }
            let mut docs = documents(conn, vec![row], &media, &public_url)?;
            let doc = docs.pop().ok_or(AppError::NotFound("article"))?;
            Ok(Ok((public, doc)))
        })
        .await?;
    let (public, document) = match found {
        Ok(found) => found,
        Err(slug) => return Ok(cache::moved(&req, &format!("/api/v1/articles/{slug}"))),
    };
    let version = document.version.parse().ok();
    Ok(cache::json(
        &req,
        StatusCode::OK,
        &document,
        Visibility::for_request(&req, public),
        version,
    ))
}

/// Registers the partner routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_syndication_items);
}
