//! `/feeds/rss`, `/feeds/atom`, `/feeds/json`: the latest published stories for feed
//! readers, apps and aggregators, filtered by section, tag, author or collection.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::feeds::{self, Channel, Entry};
use crate::auth::principal::FeedReader;
use crate::content::articles::load::ListFilter;
use crate::content::articles::model::{ArticleResponse, Formats};
use crate::content::keys::Keys;
use crate::error::{AppError, AppResult};
use crate::http::cache;
use crate::http::extract::Query;
use crate::state::AppState;

/// Filters for every feed.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Section slug or id (with its subsections).
    pub section: Option<String>,
    /// Tag slug or id.
    pub tag: Option<String>,
    /// Author slug or id.
    pub author: Option<String>,
    /// Stories in this language only (BCP 47).
    pub language: Option<String>,
    /// Collection slug or id: its stories in the collection's order.
    pub collection: Option<String>,
    /// A live story (slug or id): the Atom feed lists its entries instead of stories
    /// (the other feeds refuse it).
    pub article: Option<String>,
    /// Items, 1 to 100 (default 50).
    pub limit: Option<i64>,
    /// An API key, for feed readers that cannot send headers.
    pub key: Option<String>,
}

/// The stories of a feed, rendered, with absolute links, and the feed's description.
async fn load(
    state: &AppState,
    req: &HttpRequest,
    q: FeedQuery,
) -> AppResult<(Channel, Vec<Entry>, Keys)> {
    let limit = crate::http::pagination::limit(q.limit, 50)?;
    let language = q
        .language
        .as_deref()
        .map(crate::content::language::parse_language)
        .transpose()
        .map_err(|m| AppError::invalid("language", m))?;
    let media = state.media.clone();
    let filters = q.clone();
    let config = state.settings.clone();
    let feed_language = language.clone();
    let (title, stories, changed, keys, publication) = state
        .db
        .read(move |conn| {
            let publication = crate::publication::db::load(conn, &config)?;
            let crate::content::articles::load::FilterIds {
                sections,
                tag,
                author,
            } = crate::content::articles::load::resolve_filters(
                conn,
                filters.section.clone(),
                filters.tag.clone(),
                filters.author.clone(),
            )?;
            let mut keys = Keys::new();
            keys.add(crate::content::keys::CHANGES);
            let (title, only) = match &filters.collection {
                Some(key) => {
                    let page = crate::ordering::published::page(conn, key, &media).map_err(
                        |e| match e {
                            AppError::NotFound(_) => {
                                AppError::invalid("collection", format!("no collection '{key}'"))
                            }
                            other => other,
                        },
                    )?;
                    let ids: Vec<String> =
                        page.items.iter().map(|i| i.article.id.clone()).collect();
                    keys.add(crate::content::keys::collection(&page.collection.id));
                    let title = page.collection.name.clone();
                    (Some((title, page.collection.updated_at)), Some(ids))
                }
                None => {
                    keys.list(sections.as_deref(), tag.as_deref(), author.as_deref());
                    (None, None)
                }
            };
            let filter = ListFilter {
                public: true,
                sections,
                tag,
                author,
                since: None,
                until: None,
                status: None,
                stage: None,
                assignee: None,
                only: only.clone(),
                language: language.clone(),
            };
            let mut rows = crate::content::articles::load::list(conn, &filter, None, limit)?;
            if let Some(order) = &only {
                rows.sort_by_key(|r| order.iter().position(|id| id == &r.id));
            }
            rows.truncate(limit as usize);
            // Feeds are public documents (a feed reader's key opens them, not the wall).
            let cut = crate::content::articles::teaser::cut_for_public(conn, &mut rows, &media)?;
            let mut relations =
                crate::content::articles::relations::relations(conn, &rows, &media)?;
            let formats = Formats {
                blocks: false,
                html: true,
                text: false,
            };
            let mut stories: Vec<ArticleResponse> = rows
                .into_iter()
                .map(|row| {
                    let rel = relations.remove(row.id.as_str()).unwrap_or_default();
                    ArticleResponse::new(row, rel, formats)
                })
                .collect();
            crate::content::articles::teaser::mark(&mut stories, &cut);
            crate::content::articles::relations::hydrate_related(conn, &mut stories, &media)?;
            for story in &stories {
                keys.story(story);
            }
            let changed = super::changes::last_change(conn)?.map(crate::http::utc);
            Ok((title, stories, changed, keys, publication))
        })
        .await?;
    let settings = &state.settings;
    let site = publication.site_url.as_str();
    let entries: Vec<Entry> = stories
        .into_iter()
        .map(|mut article| {
            // Root-relative links ("Also Read") point at the site.
            if let Some(html) = &article.body_html {
                article.body_html = Some(html.replace("href=\"/", &format!("href=\"{site}/")));
            }
            Entry {
                link: publication.story_url(&article.place()),
                uri: format!("{}/api/v1/articles/{}", settings.public_url, article.id),
                article,
            }
        })
        .collect();
    let mut about: Vec<String> = Vec::new();
    for (what, value) in [
        ("section", &q.section),
        ("tag", &q.tag),
        ("author", &q.author),
    ] {
        if let Some(v) = value {
            about.push(format!("{what} {v}"));
        }
    }
    let reordered = title.as_ref().map(|t| t.1);
    let name = &publication.name;
    let title = match (title.map(|t| t.0), about.is_empty()) {
        (Some(list), _) => format!("{name}: {list}"),
        (None, true) => format!("{name}: latest stories"),
        (None, false) => format!("{name}: {}", about.join(", ")),
    };
    // The newest of: any listed story's change or publication, any change partners
    // heard of (a story leaving the feed), the collection's own order.
    let updated = entries
        .iter()
        .flat_map(|e| [Some(e.article.updated_at), e.article.published_at])
        .chain([changed, reordered])
        .flatten()
        .filter(|at| *at <= Utc::now())
        .max()
        .unwrap_or_else(Utc::now);
    let channel = Channel {
        description: format!("{title}, newest first"),
        title,
        self_url: format!("{}{}", settings.public_url, self_path(req)),
        home_url: site.to_owned(),
        language: feed_language.unwrap_or_else(|| publication.language.clone()),
        updated,
    };
    Ok((channel, entries, keys))
}

/// The request's path and query without any `key` (never echo a secret into a feed).
fn self_path(req: &HttpRequest) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "key" {
            query.append_pair(&k, &v);
            any = true;
        }
    }
    if any {
        format!("{}?{}", req.path(), query.finish())
    } else {
        req.path().to_owned()
    }
}

/// A live story's entries as Atom: the newest `limit` (default 50).
async fn live_atom(
    state: &AppState,
    req: &HttpRequest,
    key: String,
    limit: Option<i64>,
) -> AppResult<HttpResponse> {
    use crate::content::articles::load::{Lookup, lookup};
    let limit = crate::http::pagination::limit(limit, 50)?;
    let (media, config) = (state.media.clone(), state.settings.clone());
    let (story, entries, publication) = state
        .db
        .read(move |conn| {
            let row = match lookup(conn, &key) {
                Ok(Lookup::Found(row)) => Some(*row),
                Ok(Lookup::Moved(slug)) => crate::content::articles::db::find(conn, &slug)?,
                Err(AppError::NotFound(_)) => None,
                Err(e) => return Err(e),
            }
            .filter(|row| row.is_public(crate::store::now()))
            .ok_or_else(|| AppError::invalid("article", format!("no public story '{key}'")))?;
            let formats = Formats {
                blocks: false,
                html: false,
                text: false,
            };
            let story =
                crate::content::articles::relations::story_response(conn, row, formats, &media)?;
            let entries = crate::content::live::db::latest(conn, story.id.as_str(), limit)?;
            let publication = crate::publication::db::load(conn, &config)?;
            Ok((story, entries, publication))
        })
        .await?;
    let link = publication.story_url(&story.place());
    let site = publication.site_url.as_str();
    let entries: Vec<_> = entries
        .into_iter()
        .map(|mut e| {
            e.body_html = e.body_html.replace("href=\"/", &format!("href=\"{site}/"));
            e
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated_at)
        .chain([story.updated_at])
        .max()
        .unwrap_or_else(Utc::now);
    let channel = Channel {
        title: format!("{}: {}", publication.name, story.headline),
        description: if story.standfirst.is_empty() {
            "Live coverage, newest first".into()
        } else {
            story.standfirst.clone()
        },
        self_url: format!("{}{}", state.settings.public_url, self_path(req)),
        home_url: link.clone(),
        language: story.language.clone(),
        updated,
    };
    let uri = format!("{}/api/v1/articles/{}", state.settings.public_url, story.id);
    let body = feeds::atom_live(&channel, &story, &entries, &link, &uri).map_err(failed)?;
    let response = cache::public_bytes(req, "application/atom+xml; charset=utf-8", body, updated);
    let mut keys = crate::content::live::routes::entry_keys(story.id.as_str(), entries.iter());
    keys.story(&story).add(crate::content::keys::SETTINGS);
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// The feeds other than Atom do not list a live story's entries.
fn atom_only(q: &FeedQuery) -> AppResult<()> {
    if q.article.is_some() {
        return Err(AppError::invalid(
            "article",
            "only the Atom feed (/feeds/atom) lists a live story's entries",
        ));
    }
    Ok(())
}

fn failed(e: std::io::Error) -> AppError {
    AppError::internal(format!("feed writing: {e}"))
}

/// RSS 2.0: full HTML in `content:encoded`, bylines in `dc:creator`, section and tags
/// as categories, the lead photo as `media:content`.
#[utoipa::path(
    tag = "syndication",
    params(FeedQuery),
    responses(
        (status = 200, description = "An RSS 2.0 document", content_type = "application/rss+xml", body = String),
        (status = 304, description = "Not modified since `If-None-Match` / `If-Modified-Since`"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/feeds/rss")]
pub async fn rss_feed(
    _: FeedReader,
    req: HttpRequest,
    query: Query<FeedQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    atom_only(&query.0)?;
    let (channel, entries, keys) = load(&state, &req, query.0).await?;
    let body = feeds::rss(&channel, &entries).map_err(failed)?;
    let response = cache::public_bytes(
        &req,
        "application/rss+xml; charset=utf-8",
        body,
        channel.updated,
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// Atom 1.0; with `article=`, a live story's entries.
#[utoipa::path(
    tag = "syndication",
    params(FeedQuery),
    responses(
        (status = 200, description = "An Atom 1.0 document", content_type = "application/atom+xml", body = String),
        (status = 304, description = "Not modified since `If-None-Match` / `If-Modified-Since`"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/feeds/atom")]
pub async fn atom_feed(
    _: FeedReader,
    req: HttpRequest,
    query: Query<FeedQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    if let Some(article) = query.0.article.clone() {
        return live_atom(&state, &req, article, query.0.limit).await;
    }
    let (channel, entries, keys) = load(&state, &req, query.0).await?;
    let body = feeds::atom(&channel, &entries).map_err(failed)?;
    let response = cache::public_bytes(
        &req,
        "application/atom+xml; charset=utf-8",
        body,
        channel.updated,
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// JSON Feed 1.1.
#[utoipa::path(
    tag = "syndication",
    params(FeedQuery),
    responses(
        (status = 200, description = "A JSON Feed 1.1 document", content_type = "application/feed+json", body = Object),
        (status = 304, description = "Not modified since `If-None-Match` / `If-Modified-Since`"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/feeds/json")]
pub async fn json_feed(
    _: FeedReader,
    req: HttpRequest,
    query: Query<FeedQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    atom_only(&query.0)?;
    let (channel, entries, keys) = load(&state, &req, query.0).await?;
    let updated = channel.updated;
    let body = serde_json::to_vec(&feeds::json(&channel, entries)).map_err(AppError::internal)?;
    let response = cache::public_bytes(&req, "application/feed+json", body, updated);
    Ok(cache::surrogate_keys(response, &keys.header()))
}
