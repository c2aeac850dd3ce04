//! `/images`: the photo library, and `/media/…`: the files themselves.

use actix_web::http::{StatusCode, header};
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};
use bytes::Bytes;

use super::db;
use super::files::{ByteRange, MediaStore, is_public_key};
use super::model::{
    FocalPoint, ImageMeta, ImageQuery, ImageResponse, ImageUpload, ImageUsage, ImageUse,
    StoredRendition, UpdateImage,
};
use super::process;
use super::upload::read_form;
use crate::auth::principal::{Editor, Reader, Writer};
use crate::error::{AppError, AppResult};
use crate::http::cache::{self, Visibility};
use crate::http::extract::{Json, Query};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;

/// Uploads an image: the type is recognised from its bytes, the pixel count is checked
/// before decoding, and WebP plus original-format renditions are made at responsive
/// widths. Uploading the same bytes again returns the existing image (200).
#[utoipa::path(
    tag = "images",
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored, with its renditions", body = ImageResponse),
        (status = 200, description = "These exact bytes were uploaded before: the existing image", body = ImageResponse),
        (status = 413, description = "The file is over DATELINE_MAX_UPLOAD_BYTES"),
        (status = 415, description = "Not a JPEG, PNG, GIF or WebP"),
        (status = 422, description = "Truncated or corrupt, too many pixels, or a bad field"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/images")]
pub async fn upload_image(
    who: Writer,
    req: HttpRequest,
    payload: Payload,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let settings = state.settings.clone();
    let _slot = super::pool::upload_slot().await?;
    let form = read_form(&req, payload, settings.max_upload_bytes).await?;
    let meta = ImageMeta::parse(
        form.alt,
        form.caption,
        form.credit,
        form.focal_point.map(|f| FocalPoint::parse_form(&f)),
    )?;
    let file = Bytes::from(
        form.file
            .ok_or_else(|| AppError::invalid("file", "is required"))?,
    );
    let uploaded_by = who.principal.user_id();
    let (status, row) = super::ingest::ingest(&state, file, meta, uploaded_by).await?;
    Ok(respond(&req, status, row, &state.media))
}

fn respond(
    req: &HttpRequest,
    status: StatusCode,
    row: super::model::ImageRow,
    media: &MediaStore,
) -> HttpResponse {
    let version = row.version;
    let body = ImageResponse::new(row, media);
    let mut res = cache::private(req, status, &body, Some(version));
    if status == StatusCode::CREATED
        && let Ok(location) = header::HeaderValue::from_str(&format!("/api/v1/images/{}", body.id))
    {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res
}

/// The library, newest first; `q` finds words in captions, credits and alt text.
#[utoipa::path(
    tag = "images",
    params(ImageQuery),
    responses((status = 200, description = "A page of images", body = Page<ImageResponse>)),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/images")]
pub async fn list_images(
    _: Reader,
    req: HttpRequest,
    query: Query<ImageQuery>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let ImageQuery { q, limit, cursor } = query.0;
    let paging = PageParams { limit, cursor };
    let limit = paging.limit()?;
    let after: Option<(chrono::NaiveDateTime, String)> = paging.after()?;
    let rows = state
        .db
        .read(move |conn| db::list(conn, q.as_deref(), after, limit))
        .await?;
    let media = state.media.clone();
    let page = Page::from_rows(
        rows,
        limit,
        |r| (r.created_at, r.id.clone()),
        |r| ImageResponse::new(r, &media),
    );
    Ok(pagination::respond(&req, &page, Visibility::Private))
}

/// One image with its renditions.
#[utoipa::path(
    tag = "images",
    params(("id" = String, Path, description = "Image id")),
    responses(
        (status = 200, description = "The image", body = ImageResponse),
        (status = 404, description = "No such image"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/images/{id}")]
pub async fn get_image(
    _: Reader,
    req: HttpRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let row = state.db.read(move |conn| db::get(conn, &id)).await?;
    Ok(respond(&req, StatusCode::OK, row, &state.media))
}

/// Where an image is used: the stories that show it and whether it is the logo (what
/// has to change before it can be deleted).
#[utoipa::path(
    tag = "images",
    params(("id" = String, Path, description = "Image id")),
    responses(
        (status = 200, description = "Its uses", body = ImageUsage),
        (status = 404, description = "No such image"),
    ),
    security(("bearer" = []), ("api_key" = ["content:read"]))
)]
#[get("/images/{id}/usage")]
pub async fn image_usage(
    _: Reader,
    req: HttpRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (stories, logo) = state.db.read(move |conn| db::usage(conn, &id)).await?;
    let usage = ImageUsage {
        stories: stories
            .into_iter()
            .map(|(id, slug, headline, status, updated_at)| ImageUse {
                id,
                slug,
                headline,
                status,
                updated_at: crate::http::utc(updated_at),
            })
            .collect(),
        logo,
    };
    Ok(cache::private(&req, StatusCode::OK, &usage, None))
}

/// Changes alt text, caption, credit or focal point (versioned).
#[utoipa::path(
    tag = "images",
    params(
        ("id" = String, Path, description = "Image id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateImage,
    responses(
        (status = 200, description = "Updated", body = ImageResponse),
        (status = 404, description = "No such image"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/images/{id}")]
pub async fn update_image(
    _: Writer,
    req: HttpRequest,
    id: Path<String>,
    body: Json<UpdateImage>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let meta = body.0.parse()?;
    let id = id.into_inner();
    // A moved focal point: the crops are cut again from the original, and written
    // under new names before the row points at them.
    let recropped = match meta.focal_point {
        Some(focal) => recrop(&state, &id, (focal.x, focal.y)).await?,
        None => None,
    };
    let media = state.media.clone();
    let (crops, old_keys) = recropped.unzip();
    let row = state
        .db
        .write(move |conn| {
            let mut row = db::update(conn, &id, expected, meta)?;
            if let Some(crops) = crops {
                row = db::set_crops(conn, &row.id, crops)?;
            }
            // Stories showing this photo carry its caption in their stored HTML.
            crate::content::articles::operations::rerender_using_image(conn, &row.id, &media)?;
            Ok(row)
        })
        .await?;
    let kept: Vec<String> =
        serde_json::from_str::<Vec<super::model::StoredRendition>>(&row.renditions)
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.key)
            .collect();
    for key in old_keys.into_iter().flatten().filter(|k| !kept.contains(k)) {
        // A file left behind is only space; the answer does not wait on it.
        let _ = state.media.delete(&key).await;
    }
    Ok(respond(&req, StatusCode::OK, row, &state.media))
}

/// New crops of image `id` around `focal` (written to the store), with the keys of the
/// crops they replace; `None` when the point did not move.
async fn recrop(
    state: &AppState,
    id: &str,
    focal: (f64, f64),
) -> AppResult<Option<(Vec<super::model::StoredRendition>, Vec<String>)>> {
    let lookup = id.to_owned();
    let current = state.db.read(move |conn| db::get(conn, &lookup)).await?;
    if (current.focal_x, current.focal_y) == focal {
        return Ok(None);
    }
    let Some(made) = super::crops::cut(state, &current, focal).await? else {
        return Ok(None);
    };
    let old = serde_json::from_str::<Vec<super::model::StoredRendition>>(&current.renditions)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.crop.is_some())
        .map(|r| r.key)
        .collect();
    Ok(Some((made, old)))
}

/// Deletes an image and its files (editors; refused with 409 while content uses it).
#[utoipa::path(
    tag = "images",
    params(("id" = String, Path, description = "Image id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such image"),
        (status = 409, description = "Content still uses it"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/images/{id}")]
pub async fn delete_image(
    _: Editor,
    id: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let row = state.db.write(move |conn| db::delete(conn, &id)).await?;
    // The row is gone (committed); the files follow. A failure here leaves orphans to
    // sweep, never an image whose files are missing.
    let stored: Vec<StoredRendition> = serde_json::from_str(&row.renditions).unwrap_or_default();
    let keys = stored.iter().map(|r| r.key.as_str());
    state
        .media
        .remove_files(keys.chain([row.original_key.as_str()]))
        .await;
    Ok(cache::no_content())
}

/// Serves media files: long-lived immutable caching (keys are content-addressed),
/// ETags, and byte ranges. The uploads as received are never served.
#[utoipa::path(
    tag = "images",
    params(
        ("key" = String, Path, description = "Media key, as in a rendition URL"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. bytes=0-1023"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "image/*", body = String),
        (status = 206, description = "The requested range", content_type = "image/*", body = String),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file"),
        (status = 416, description = "The range starts past the end of the file"),
    ),
    security(())
)]
#[get("/media/{key:.*}")]
pub async fn serve_media(
    req: HttpRequest,
    key: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    if !is_public_key(&key) {
        return Err(AppError::NotFound("media file"));
    }
    let etag = format!("\"{}\"", &process::content_hash(key.as_bytes())[..24]);
    let cache_control = "public, max-age=31536000, immutable";
    if cache::none_match(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish());
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(ByteRange::parse);
    let fetched = state
        .media
        .get(&key, range)
        .await?
        .ok_or(AppError::NotFound("media file"))?;
    let content_type = match key.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    };
    let mut res = if range.is_some() {
        let mut partial = HttpResponse::PartialContent();
        partial.insert_header((
            header::CONTENT_RANGE,
            format!(
                "bytes {}-{}/{}",
                fetched.range.start,
                fetched.range.end.saturating_sub(1),
                fetched.size
            ),
        ));
        partial
    } else {
        HttpResponse::Ok()
    };
    Ok(res
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // Already compressed: keep the Compress middleware away.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(fetched.bytes))
}

/// Registers the image and media routes (media outside `/api/v1`).
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload_image)
        .service(list_images)
        .service(get_image)
        .service(image_usage)
        .service(update_image)
        .service(delete_image);
}
