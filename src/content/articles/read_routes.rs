//! `GET /articles` and `GET /articles/{key}`: the public read API front ends live on
//! (signed-in users see every state), from stored renders where it can.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::input::ArticleReadQuery;
use super::load::{self, ListFilter};
use super::model::Neighbours;
use super::model::{ArticlePage, ArticleResponse, ArticleRow, Formats, Include, Stage, Status};
use super::relations;
use super::renders;
use crate::auth::principal::Viewer;
use crate::content::keys::Keys;
use crate::content::language::parse_language;
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::Query;
use crate::http::packed::Part;
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;
use crate::store::ids::ArticleId;
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
    /// Stories in this language only (BCP 47, e.g. `en`, `es`, `pt-BR`).
    pub language: Option<String>,
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
    responses((status = 200, description = "A page of stories", body = Page<ArticleResponse>,
        headers(("x-dateline-render" = String, description = "`stored` when every story came from its stored render, `built` otherwise (same bytes either way)")))),
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
    let language = q
        .language
        .as_deref()
        .map(parse_language)
        .transpose()
        .map_err(|m| AppError::invalid("language", m))?;
    let stage = q.stage;
    let media = state.media.clone();
    let (section, tag, author) = (q.section, q.tag, q.author);
    let (since, until, status) = (
        q.since.map(|t| t.naive_utc()),
        q.until.map(|t| t.naive_utc()),
        q.status,
    );
    let insider = who.insider;
    if public && !insider && words.is_none() && q.formats.is_none() && include.is_empty() {
        let scope = (section, tag, author, since, until, language);
        return stored_list(req, state, scope, after, limit).await;
    }
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
                language,
            };
            let searched = words.is_some();
            let mut rows = match &words {
                Some(words) => super::search::ranked_page(conn, words, filter, offset, limit)?,
                None => load::list(conn, &filter, after, limit)?,
            };
            let cut = if insider {
                Vec::new()
            } else {
                super::teaser::cut_for_public(conn, &mut rows, &media)?
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
            super::teaser::mark(&mut page.data, &cut);
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
    Ok(rendered(
        cache::surrogate_keys(response, &keys.header()),
        "built",
    ))
}

/// What a public list is limited to, as asked: section, tag, author (slugs or ids),
/// published since and until.
type ListScope = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

/// The public list in its default form (bodies as blocks and HTML, nothing included):
/// the page's ids from the public index, each story from its stored render, and only
/// the stories without one built (and asked to be rendered).
async fn stored_list(
    req: HttpRequest,
    state: Data<AppState>,
    (section, tag, author, since, until, language): ListScope,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<HttpResponse> {
    let generation = state.renders.generation().to_owned();
    let media = state.media.clone();
    let (items, next_cursor, keys, missing) = state
        .db
        .read_page(move |conn| {
            let filters = load::resolve_filters(conn, section, tag, author)?;
            let scope = super::listing::Scope {
                sections: filters.sections.clone(),
                tag: filters.tag.clone(),
                author: filters.author.clone(),
                since,
                until,
                language,
            };
            let mut page = super::listing::page(conn, &scope, after.as_ref(), limit + 1, now())?;
            let more = page.len() as i64 > limit;
            page.truncate(limit.max(0) as usize);
            let next_cursor = more
                .then(|| page.last().map(pagination::encode_cursor))
                .flatten();
            let ids: Vec<&str> = page.iter().map(|(_, id)| id.as_str()).collect();
            let mut items = renders::items(conn, &ids, &generation)?;
            let missing: Vec<&str> = ids
                .iter()
                .copied()
                .filter(|id| !items.contains_key(*id))
                .collect();
            let mut rows = load::rows_by_id(conn, &missing)?;
            let cut = super::teaser::cut_for_public(conn, &mut rows, &media)?;
            let mut stories = relations::stories(conn, rows, Formats::DEFAULT, &media)?;
            super::teaser::mark(&mut stories, &cut);
            for story in stories {
                items.insert(story.id.to_string(), renders::Item::of(&story)?);
            }
            let mut keys = Keys::new();
            keys.list(
                filters.sections.as_deref(),
                filters.tag.as_deref(),
                filters.author.as_deref(),
            );
            let mut ordered = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(mut item) = items.remove(*id) {
                    for key in std::mem::take(&mut item.keys) {
                        keys.add(key);
                    }
                    ordered.push(item);
                }
            }
            let missing: Vec<ArticleId> = missing
                .into_iter()
                .map(|id| ArticleId::from(id.to_owned()))
                .collect();
            Ok((ordered, next_cursor, keys, missing))
        })
        .await?;
    let made = if missing.is_empty() {
        "stored"
    } else {
        "built"
    };
    for id in missing {
        state.renders.want(id);
    }
    let parts: Vec<(Part, String)> = items.into_iter().map(|i| (i.part, i.digest)).collect();
    let response = pagination::respond_joined(
        &req,
        parts,
        next_cursor,
        Visibility::for_request(&req, true),
    )?;
    Ok(rendered(
        cache::surrogate_keys(response, &keys.header()),
        made,
    ))
}

/// Says how a response was made (`x-dateline-render`): `stored` when every story in
/// it came from its stored render, `built` otherwise.
fn rendered(mut response: HttpResponse, made: &'static str) -> HttpResponse {
    response.headers_mut().insert(
        header::HeaderName::from_static("x-dateline-render"),
        header::HeaderValue::from_static(made),
    );
    response
}

/// One story, by id or slug. The public sees it once published and past any embargo;
/// signed-in users see every state. A former slug answers 301 to the current one.
#[utoipa::path(
    tag = "articles",
    params(("key" = String, Path, description = "Article id or slug"), ArticleReadQuery),
    responses(
        (status = 200, description = "The story, with previous/next and related stories (or, with `format=ninjs`, an IPTC ninjs 2.2 document)", body = ArticleRead,
            headers(("x-dateline-render" = String, description = "`stored` when the story came from its stored render, `built` otherwise (same bytes either way)"))),
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
    query: Query<ArticleReadQuery>,
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
    // The public's default page may come from the story's stored render.
    let plain = !insider && query.0.formats.is_none() && include.is_empty();
    let generation = state.renders.generation().to_owned();
    let found = state
        .db
        .read_page(move |conn| {
            if plain && let Some(mut stored) = renders::find(conn, &key, &generation)? {
                let around = stored.around.take();
                let neighbours = load::neighbours_of(
                    conn,
                    &stored.id,
                    stored.section_id.as_deref(),
                    stored.published_at,
                    &stored.related,
                    Some(stored.tag_ids()),
                    stored.translation_of(),
                    around,
                )?;
                return Ok(Ok(Built {
                    public: true,
                    stored: true,
                    id: stored.id,
                    version: stored.version,
                    head: stored.part,
                    digest: stored.digest,
                    keys: stored.keys,
                    neighbours,
                }));
            }
            let mut row = match load::lookup(conn, &key)? {
                load::Lookup::Found(row) => *row,
                load::Lookup::Moved(slug) => return Ok(Err(slug)),
            };
            let public = row.is_public(now());
            if !public && !insider {
                return Err(AppError::NotFound("article"));
            }
            let neighbours = load::neighbours(conn, &row)?;
            let cut = if insider {
                Vec::new()
            } else {
                super::teaser::cut_for_public(conn, std::slice::from_mut(&mut row), &media)?
            };
            let mut article = [relations::story_response(conn, row, formats, &media)?];
            super::teaser::mark(&mut article, &cut);
            super::include::expand(conn, &mut article, include, &media)?;
            // Signed in, the answer is private (`Visibility::for_request`): the desk's
            // view may go in.
            if insider {
                relations::with_desk(conn, &mut article)?;
            }
            let [article] = article;
            let item = renders::Item::of(&article)?;
            Ok(Ok(Built {
                public,
                stored: false,
                id: article.id,
                version: article.version,
                head: item.part,
                digest: item.digest,
                keys: item.keys,
                neighbours,
            }))
        })
        .await?;
    let built = match found {
        Ok(built) => built,
        Err(slug) => return Ok(cache::moved(&req, &format!("/api/v1/articles/{slug}"))),
    };
    if plain && built.public && !built.stored {
        state.renders.want(built.id.clone());
    }
    let tail = serde_json::to_vec(&built.neighbours).map_err(AppError::internal)?;
    let keys = page_keys(&built).header();
    let made = if built.stored { "stored" } else { "built" };
    let response = cache::joined(
        &req,
        built.head,
        &built.digest,
        &tail,
        Visibility::for_request(&req, built.public),
        Some(built.version),
    )?;
    Ok(rendered(cache::surrogate_keys(response, &keys), made))
}

/// A story page in two parts: the story's JSON (stored or built now) and its
/// neighbours, with the surrogate keys of the story's part.
struct Built {
    public: bool,
    /// Whether the story's part came from its stored render.
    stored: bool,
    id: ArticleId,
    version: i64,
    /// The story's JSON, open.
    head: Part,
    /// Hex SHA-256 of the story's whole JSON object.
    digest: String,
    keys: Vec<String>,
    neighbours: Neighbours,
}

/// What a story page shows: the story (its section, tags, byline, "Also Read"), its
/// neighbours and related links, and, when related was topped up by tag, those tags'
/// newest stories.
fn page_keys(page: &Built) -> Keys {
    use crate::content::keys;
    let mut out = Keys::new();
    for key in &page.keys {
        out.add(key.clone());
    }
    out.add(keys::page(&page.id));
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
    out.add(keys::translations(&n.group));
    out
}
