//! `/articles`: the editorial API and the public read API front ends live on.

use actix_web::http::{StatusCode, header};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get, patch, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::db;
use super::input::{CreateArticle, FormatsQuery, UpdateArticle};
use super::load::{self, ListFilter};
use super::model::{
    Action, ArticlePage, ArticleResponse, ArticleRow, Formats, Include, Stage, Status,
};
use super::operations;
use super::relations;
use super::rules::Actor;
use crate::auth::principal::{Viewer, Writer};
use crate::content::keys::Keys;
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;
use crate::store::now;

/// Filters and paging for `GET /articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Full-text search over headline, standfirst and body; results are ranked by
    /// relevance instead of time. Any text is accepted.
    pub q: Option<String>,
    /// Section slug or id; includes its subsections.
    pub section: Option<String>,
    /// Tag slug or id.
    pub tag: Option<String>,
    /// Author slug or id.
    pub author: Option<String>,
    /// Published (or, with `status`, updated) at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Published (or, with `status`, updated) before this time.
    pub until: Option<DateTime<Utc>>,
    /// Signed-in users only: list stories in this state, most recently updated first.
    pub status: Option<Status>,
    /// Signed-in users only: stories at this stage of the desk (any state), most
    /// recently updated first.
    pub stage: Option<Stage>,
    /// Signed-in users only: stories assigned to this user id, or to `me`.
    pub assignee: Option<String>,
    /// Body renderings to include: any of `blocks,html,text` (default `blocks,html`).
    pub formats: Option<String>,
    /// Relations to expand into `included`: any of `authors,tags,section,featured_image`.
    pub include: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// What `GET /articles/{key}` answers: the page, or with `format=ninjs` a ninjs document.
// Only documented, never built: untagged, as the handler sends one or the other.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ArticleRead {
    Page(Box<ArticlePage>),
    Ninjs(Box<crate::syndication::ninjs::Ninjs>),
}

/// Lists stories: published ones (newest first) for everyone; with `status`, every
/// story in that state for signed-in users.
#[utoipa::path(
    tag = "articles",
    params(ArticleQuery),
    responses((status = 200, description = "A page of stories", body = Page<ArticleResponse>)),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/articles")]
pub async fn list_articles(
    who: Viewer,
    req: HttpRequest,
    query: Query<ArticleQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = query.0;
    let formats = Formats::parse(q.formats.as_deref())?;
    let include = Include::parse(q.include.as_deref())?;
    let paging = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = paging.limit()?;
    // Control characters cannot be searched for (and PostgreSQL refuses NUL).
    let words =
        q.q.as_deref()
            .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty());
    // Ranked results page by position; time-ordered lists by keyset.
    let (after, offset): (Option<(chrono::NaiveDateTime, String)>, i64) = match &words {
        Some(_) => (None, paging.after::<i64>()?.unwrap_or(0).max(0)),
        None => (paging.after()?, 0),
    };
    let public = q.status.is_none() && q.stage.is_none() && q.assignee.is_none();
    if !public && !who.insider {
        return Err(AppError::Forbidden(
            "listing by status, stage or assignee needs a signed-in user or a content key".into(),
        ));
    }
    let assignee = match q.assignee.as_deref() {
        Some("me") => Some(
            who.principal
                .as_ref()
                .and_then(|p| p.user_id())
                .ok_or_else(|| {
                    AppError::invalid("assignee", "`me` needs a signed-in user, not an API key")
                })?,
        ),
        other => other.map(str::to_owned),
    };
    let stage = q.stage;
    let media = state.media.clone();
    let (section, tag, author) = (q.section, q.tag, q.author);
    let (since, until, status) = (
        q.since.map(|t| t.naive_utc()),
        q.until.map(|t| t.naive_utc()),
        q.status,
    );
    let page = state
        .db
        .read(move |conn| {
            let scope = load::resolve_filters(conn, section, tag, author)?;
            let filter = ListFilter {
                public,
                sections: scope.sections.clone(),
                tag: scope.tag.clone(),
                author: scope.author.clone(),
                since,
                until,
                status,
                stage,
                assignee,
                only: None,
            };
            let searched = words.is_some();
            let rows = match &words {
                Some(words) => super::search::ranked_page(conn, words, filter, offset, limit)?,
                None => load::list(conn, &filter, after, limit)?,
            };
            let mut relations = relations::relations(conn, &rows, &media)?;
            let key = move |r: &ArticleRow| {
                let at = if public {
                    r.published_at.unwrap_or(r.updated_at)
                } else {
                    r.updated_at
                };
                (at, r.id.clone())
            };
            let item = |row: ArticleRow| {
                let rel = relations.remove(row.id.as_str()).unwrap_or_default();
                ArticleResponse::new(row, rel, formats)
            };
            let mut page = match words {
                Some(_) => Page::from_rows(rows, limit, |_| offset + limit, item),
                None => Page::from_rows(rows, limit, key, item),
            };
            relations::hydrate_related(conn, &mut page.data, &media)?;
            super::include::expand(conn, &mut page.data, include, &media)?;
            // An editors' list (by status, stage or assignee) is private: it shows
            // the desk's view too.
            if !public {
                relations::with_desk(conn, &mut page.data)?;
            }
            let mut keys = Keys::new();
            if searched {
                keys.add(crate::content::keys::SEARCH);
            }
            keys.list(
                scope.sections.as_deref(),
                scope.tag.as_deref(),
                scope.author.as_deref(),
            );
            for story in &page.data {
                keys.story(story);
            }
            Ok((page, keys))
        })
        .await?;
    let (page, keys) = page;
    let visibility = Visibility::for_request(&req, public);
    let response = pagination::respond(&req, &page, visibility);
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// One story, by id or slug. The public sees it once published and past any embargo;
/// signed-in users see every state. A former slug answers 301 to the current one.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug"), FormatsQuery),
    responses(
        (status = 200, description = "The story, with previous/next and related stories (or, with `format=ninjs`, an IPTC ninjs 2.2 document)", body = ArticleRead),
        (status = 301, description = "The story moved to a new slug (see Location)"),
        (status = 404, description = "No such story, or not public yet"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/articles/{key}")]
pub async fn get_article(
    who: Viewer,
    req: HttpRequest,
    key: Path<String>,
    query: Query<FormatsQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    // Checked whichever form is asked for: the document's rules hold for ninjs too.
    let formats = Formats::parse(query.0.formats.as_deref())?;
    let include = Include::parse(query.0.include.as_deref())?;
    if let Some(format) = query.0.format.as_deref() {
        if format != "ninjs" {
            return Err(AppError::invalid(
                "format",
                "the one alternative format is ninjs",
            ));
        }
        return crate::syndication::partner_routes::ninjs_article(
            who,
            req,
            key.into_inner(),
            state,
        )
        .await;
    }
    let key = key.into_inner();
    let insider = who.insider;
    let media = state.media.clone();
    let found = state
        .db
        .read(move |conn| {
            let row = match load::lookup(conn, &key)? {
                load::Lookup::Found(row) => *row,
                load::Lookup::Moved(slug) => return Ok(Err(slug)),
            };
            let public = row.is_public(now());
            if !public && !insider {
                return Err(AppError::NotFound("article"));
            }
            let neighbours = load::neighbours(conn, &row)?;
            let mut article = [relations::story_response(conn, row, formats, &media)?];
            super::include::expand(conn, &mut article, include, &media)?;
            // Signed in, the answer is private (`Visibility::for_request`): the desk's
            // view may go in.
            if insider {
                relations::with_desk(conn, &mut article)?;
            }
            let [article] = article;
            Ok(Ok((
                public,
                ArticlePage {
                    article,
                    neighbours,
                },
            )))
        })
        .await?;
    match found {
        Ok((public, page)) => {
            let keys = page_keys(&page);
            let response = cache::json(
                &req,
                StatusCode::OK,
                &page,
                Visibility::for_request(&req, public),
                Some(page.article.version),
            );
            Ok(cache::surrogate_keys(response, &keys.header()))
        }
        Err(slug) => Ok(cache::moved(&req, &format!("/api/v1/articles/{slug}"))),
    }
}

/// What a story page shows: the story (its section, tags, byline, "Also Read"), its
/// neighbours and related links, and, when related was topped up by tag, those tags'
/// newest stories.
fn page_keys(page: &ArticlePage) -> Keys {
    use crate::content::keys;
    let mut out = Keys::new();
    out.story(&page.article).add(keys::page(&page.article.id));
    let n = &page.neighbours;
    for linked in n
        .previous
        .iter()
        .chain(n.next.iter())
        .chain(n.related.iter())
    {
        out.add(keys::link(&linked.id));
    }
    for tag in &n.by_tags {
        out.add(keys::tag_articles(tag));
    }
    out
}

/// Creates a draft. Contributors and up (or a `content:write` key).
#[utoipa::path(
    tag = "articles",
    request_body = CreateArticle,
    responses(
        (status = 201, description = "Created as a draft", body = ArticleResponse),
        (status = 409, description = "The slug is taken"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/articles")]
pub async fn create_article(
    who: Writer,
    req: HttpRequest,
    body: Json<CreateArticle>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse()?;
    if input.assignees.is_some() {
        Actor::of(&who.principal).may_assign()?;
    }
    let user = who.principal.user_id();
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let row = operations::create(conn, input, user.as_deref(), &media)?;
            relations::editor_response(conn, row, &media)
        })
        .await?;
    let mut response = cache::private(&req, StatusCode::CREATED, &article, Some(article.version));
    if let Ok(location) = header::HeaderValue::from_str(&format!("/api/v1/articles/{}", article.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Edits a story (versioned). Every save keeps a revision; a new slug leaves the old
/// one redirecting.
#[utoipa::path(
    tag = "articles",
    params(
        ("key" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateArticle,
    responses(
        (status = 200, description = "Saved", body = ArticleResponse),
        (status = 404, description = "No such story"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 423, description = "Someone else holds the edit lock; `lock` says who and until when"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/articles/{key}")]
pub async fn update_article(
    who: Writer,
    req: HttpRequest,
    key: Path<String>,
    body: Json<UpdateArticle>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let input = body.0.parse()?;
    let actor = Actor::of(&who.principal);
    let key = key.into_inner();
    let media = state.media.clone();
    let article = state
        .db
        .write(move |conn| {
            let current = db::get(conn, &key)?;
            actor.may_edit(&current)?;
            if let Some(stage) = input.stage {
                actor.may_move(&current, stage)?;
            }
            if input.assignees.is_some() {
                actor.may_assign()?;
            }
            super::locks::check_save(conn, &current.id, actor.user_id.as_deref())?;
            let row = operations::save(
                conn,
                current,
                expected,
                input,
                actor.user_id.as_deref(),
                &media,
                Action::Update,
            )?;
            relations::editor_response(conn, row, &media)
        })
        .await?;
    Ok(cache::private(
        &req,
        StatusCode::OK,
        &article,
        Some(article.version),
    ))
}

/// Registers the article routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(super::history_routes::register);
    cfg.configure(super::preview_routes::register);
    cfg.configure(super::working_copy_routes::register);
    cfg.service(list_articles)
        .service(get_article)
        .service(create_article)
        .service(update_article)
        .service(super::lifecycle_routes::publish_article)
        .service(super::lifecycle_routes::unpublish_article)
        .service(super::lifecycle_routes::delete_article)
        .service(super::lock_routes::take_lock)
        .service(super::lock_routes::release_lock)
        .service(super::note_routes::list_notes)
        .service(super::note_routes::create_note)
        .service(super::note_routes::update_note)
        .service(super::note_routes::delete_note);
}
