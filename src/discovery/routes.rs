//! `/sitemap.xml` and `/sitemaps/...`: public, cached, invalidated by the keys the
//! write path names.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use diesel::prelude::*;

use chrono::NaiveDateTime;

use super::sitemaps::{self, Listed, MonthPart, Places};
use crate::content::keys::{self, Keys};
use crate::error::{AppError, AppResult};
use crate::http::cache;
use crate::publication::Publication;
use crate::state::AppState;
use crate::store::DbConn;
use crate::store::now;
use crate::store::schema::{authors, sections};

const XML: &str = "application/xml; charset=utf-8";

fn failed(e: std::io::Error) -> AppError {
    AppError::internal(format!("sitemap writing: {e}"))
}

/// The stories `pick` reads from the public index, with the publication and what their
/// addresses need, in one read.
async fn listed(
    state: &AppState,
    pick: impl FnOnce(&mut DbConn, NaiveDateTime) -> AppResult<Vec<Listed>> + Clone + Send + 'static,
) -> AppResult<(Publication, Places, Vec<Listed>)> {
    let config = state.settings.clone();
    let media = state.media.clone();
    state
        .db
        .read(move |conn| {
            let now = now();
            let stories = pick(conn, now)?;
            let publication = crate::publication::db::load(conn, &config)?;
            let places = Places::load(conn, &stories, &media, now)?;
            Ok((publication, places, stories))
        })
        .await
}

fn respond(req: &HttpRequest, body: Vec<u8>, keys: &Keys) -> HttpResponse {
    let response = cache::public_bytes(req, XML, body, chrono::Utc::now());
    cache::surrogate_keys(response, &keys.header())
}

/// The sitemap index: the sections sitemap, the News sitemap and one sitemap per month
/// with stories (a month past 50,000 stories continues in `{yyyy}-{mm}-2.xml`).
#[utoipa::path(
    tag = "discovery",
    responses((status = 200, description = "A sitemaps.org sitemap index", content_type = "application/xml", body = String)),
    security(())
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(req: HttpRequest, state: Data<AppState>) -> AppResult<HttpResponse> {
    let config = state.settings.clone();
    let (publication, parts) = state
        .db
        .read(move |conn| {
            let publication = crate::publication::db::load(conn, &config)?;
            Ok((publication, sitemaps::parts(conn, now())?))
        })
        .await?;
    let body = sitemaps::index(&publication, &parts).map_err(failed)?;
    let mut keys = Keys::new();
    keys.add(keys::ARTICLES).add(keys::SETTINGS);
    Ok(respond(&req, body, &keys))
}

/// One month's stories: address, last change, lead photo and other languages.
#[utoipa::path(
    tag = "discovery",
    params(("month" = String, Path, description = "`yyyy-mm`, or `yyyy-mm-n` for the n-th 50,000", example = "2026-03")),
    responses(
        (status = 200, description = "A sitemaps.org urlset with image entries and hreflang alternates", content_type = "application/xml", body = String),
        (status = 404, description = "No such month file"),
    ),
    security(())
)]
#[get("/sitemaps/articles/{month}.xml")]
pub async fn month_sitemap(
    req: HttpRequest,
    month: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let part = MonthPart::parse(&month).ok_or(AppError::NotFound("sitemap"))?;
    let (publication, places, stories) =
        listed(&state, move |conn, now| sitemaps::month(conn, part, now)).await?;
    if stories.is_empty() && part.part > 1 {
        return Err(AppError::NotFound("sitemap"));
    }
    let body = sitemaps::stories(&publication, &places, &stories).map_err(failed)?;
    let mut keys = Keys::new();
    let start = part.month.and_hms_opt(0, 0, 0).unwrap_or_default();
    keys.add(keys::sitemap_month(start))
        .add(keys::SECTIONS)
        .add(keys::SETTINGS);
    Ok(respond(&req, body, &keys))
}

/// Every section's page.
#[utoipa::path(
    tag = "discovery",
    responses((status = 200, description = "A sitemaps.org urlset of section pages", content_type = "application/xml", body = String)),
    security(())
)]
#[get("/sitemaps/sections.xml")]
pub async fn sections_sitemap(req: HttpRequest, state: Data<AppState>) -> AppResult<HttpResponse> {
    let config = state.settings.clone();
    let (publication, slugs) = state
        .db
        .read(move |conn| {
            let publication = crate::publication::db::load(conn, &config)?;
            let slugs: Vec<(String, chrono::NaiveDateTime)> = sections::table
                .order(sections::slug.asc())
                .select((sections::slug, sections::updated_at))
                .load(conn)?;
            Ok((publication, slugs))
        })
        .await?;
    let body = sitemaps::sections(&publication, &slugs).map_err(failed)?;
    let mut keys = Keys::new();
    keys.add(keys::SECTIONS).add(keys::SETTINGS);
    Ok(respond(&req, body, &keys))
}

/// Google News: the stories of the last 48 hours (at most 1,000), newest first, with
/// the publication's name and each story's language, publication date and title.
#[utoipa::path(
    tag = "discovery",
    responses((status = 200, description = "A Google News sitemap", content_type = "application/xml", body = String)),
    security(())
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(req: HttpRequest, state: Data<AppState>) -> AppResult<HttpResponse> {
    let (publication, places, stories) = listed(&state, sitemaps::news).await?;
    let body = sitemaps::news_sitemap(&publication, &places, &stories).map_err(failed)?;
    let mut keys = Keys::new();
    keys.add(keys::SITEMAP_NEWS)
        .add(keys::SECTIONS)
        .add(keys::SETTINGS);
    for story in &stories {
        keys.add(keys::link(&story.article_id));
    }
    Ok(respond(&req, body, &keys))
}

/// The story as schema.org `NewsArticle` JSON-LD, for the page head: headline, dates,
/// authors with their URLs, the publisher with its logo, images, section, keywords,
/// language, `isAccessibleForFree` (and the paywalled part), corrections and
/// translations.
#[utoipa::path(
    tag = "discovery",
    params(("key" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "A schema.org NewsArticle", content_type = "application/ld+json", body = Object),
        (status = 301, description = "An old slug: the current address"),
        (status = 404, description = "No such public story"),
    ),
    security((), ("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/articles/{key}/structured-data")]
pub async fn structured_data(
    who: crate::auth::principal::Viewer,
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    use super::structured_data::{Byline, Sources, document};
    use crate::content::articles::load::{Lookup, lookup};
    use crate::content::articles::model::{Formats, Translation};
    use crate::content::articles::{relations, translations};
    use crate::media::model::ImageResponse;
    let insider = who.insider;
    let config = state.settings.clone();
    let media = state.media.clone();
    let key = key.into_inner();
    let found = state
        .db
        .read(move |conn| {
            let row = match lookup(conn, &key)? {
                Lookup::Found(row) => *row,
                Lookup::Moved(slug) => return Ok(Err(slug)),
            };
            let now = now();
            if !row.is_public(now) && !insider {
                return Err(AppError::NotFound("article"));
            }
            let formats = Formats {
                blocks: false,
                html: false,
                text: false,
            };
            let story = relations::story_response(conn, row, formats, &media)?;
            let publication = crate::publication::db::load(conn, &config)?;
            let image =
                |conn: &mut crate::store::DbConn, id: &str| -> AppResult<Option<ImageResponse>> {
                    match crate::media::db::get(conn, id) {
                        Ok(row) => Ok(Some(ImageResponse::new(row, &media))),
                        Err(AppError::NotFound(_)) => Ok(None),
                        Err(e) => Err(e),
                    }
                };
            let photo = match &story.featured_image {
                Some(f) => image(conn, f.id.as_str())?,
                None => None,
            };
            let logo = match &publication.logo_image_id {
                Some(id) => image(conn, id)?,
                None => None,
            };
            // The byline's records in one query, in byline order.
            let ids: Vec<&str> = story.authors.iter().map(|a| a.id.as_str()).collect();
            let rows: Vec<crate::content::authors::model::AuthorRow> = authors::table
                .filter(authors::id.eq_any(&ids))
                .select(crate::content::authors::model::AuthorRow::as_select())
                .load(conn)?;
            let authors: Vec<Byline> = ids
                .iter()
                .filter_map(|id| rows.iter().find(|r| r.id == *id))
                .map(|row| {
                    let links: std::collections::BTreeMap<String, String> =
                        serde_json::from_str(&row.links).unwrap_or_default();
                    Byline {
                        name: row.name.clone(),
                        slug: row.slug.clone(),
                        website: links.get("website").cloned(),
                    }
                })
                .collect();
            let root = story
                .translation_of
                .clone()
                .unwrap_or_else(|| story.id.to_string());
            let group: Vec<Translation> =
                translations::public_of(conn, &root, story.id.as_str(), now)?;
            let entries = match story.live {
                Some(_) => crate::content::live::db::latest(
                    conn,
                    story.id.as_str(),
                    super::structured_data::LIVE_UPDATES,
                )?,
                None => Vec::new(),
            };
            Ok(Ok((
                story,
                publication,
                authors,
                photo,
                logo,
                group,
                root,
                entries,
            )))
        })
        .await?;
    let (story, publication, authors, photo, logo, group, root, entries) = match found {
        Ok(found) => found,
        Err(slug) => {
            return Ok(cache::moved(
                &req,
                &format!("/api/v1/articles/{slug}/structured-data"),
            ));
        }
    };
    let original = story
        .translation_of
        .as_ref()
        .and_then(|id| group.iter().find(|t| t.id.as_str() == id));
    let doc = document(&Sources {
        story: &story,
        publication: &publication,
        authors: &authors,
        photo: photo.as_ref(),
        logo: logo.as_ref(),
        translations: &group,
        original,
        section_slug: story.section.as_ref().map(|s| s.slug.as_str()),
        entries: &entries,
    });
    let body = serde_json::to_vec(&doc).map_err(AppError::internal)?;
    let response = cache::public_bytes(&req, "application/ld+json", body, story.updated_at);
    // A live story's document lists its entries (none otherwise).
    let mut keys = match story.live {
        Some(_) => crate::content::live::routes::entry_keys(story.id.as_str(), entries.iter()),
        None => Keys::new(),
    };
    keys.story(&story)
        .add(keys::SETTINGS)
        .add(keys::translations(&root))
        .add(keys::page(story.id.as_str()));
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// Registers the routes under `/api/v1`.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(structured_data);
}
