//! Turning uploaded bytes into a stored image: checks, processing, files, row. Shared by
//! the upload endpoint and `dateline demo`.

use actix_web::http::StatusCode;
use bytes::Bytes;
use diesel::Connection;

use super::db::{self, NewImage};
use super::files::PRIVATE_PREFIX;
use super::model::{ImageMeta, ImageRow, StoredRendition};
use super::process::{self, Family};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn format_name(family: Family) -> &'static str {
    family.mime().trim_start_matches("image/")
}

/// Crops as stored renditions and the files to write. A crop's key names its focal
/// point, so moving the point makes new files rather than changing cached ones.
pub fn crop_renditions(
    base: &str,
    (x, y): (f64, f64),
    crops: Vec<process::Crop>,
) -> Vec<(StoredRendition, (String, Bytes))> {
    let at = format!(
        "{:03}-{:03}",
        (x * 1000.0).round() as u32,
        (y * 1000.0).round() as u32
    );
    crops
        .into_iter()
        .map(|c| {
            let key = format!(
                "{base}/crop-{}-{at}.{}",
                c.ratio.replace(':', "x"),
                c.image.family.extension()
            );
            let stored = StoredRendition {
                width: c.image.width,
                height: c.image.height,
                format: format_name(c.image.family).into(),
                key: key.clone(),
                bytes: c.image.bytes.len() as u64,
                crop: Some(c.ratio.to_owned()),
            };
            (stored, (key, Bytes::from(c.image.bytes)))
        })
        .collect()
}

/// Stores `file` as an image (201), or finds the identical upload stored before (200).
pub async fn ingest(
    state: &AppState,
    file: Bytes,
    meta: ImageMeta,
    uploaded_by: Option<String>,
) -> AppResult<(StatusCode, ImageRow)> {
    let max_pixels = state.settings.max_image_pixels;
    // Cheap refusals (type, pixel count) and the content hash, off the async worker and
    // before waiting for a processing slot.
    let hash = {
        let file = file.clone();
        super::pool::run(move || {
            process::inspect(&file, max_pixels).map(|_| process::content_hash(&file))
        })
        .await??
    };
    let lookup = hash.clone();
    if let Some(existing) = state
        .db
        .read(move |conn| db::find_by_hash(conn, &lookup))
        .await?
    {
        return Ok((StatusCode::OK, existing));
    }

    let processed = {
        let file = file.clone();
        let focal = meta.focal_point.map_or((0.5, 0.5), |f| (f.x, f.y));
        super::pool::run(move || process::process(&file, max_pixels, focal)).await??
    };
    // Keys carry the image id, so deleting one image never touches another's files
    // (even the same bytes uploaded again); they never change, so caching is forever.
    let id = crate::store::new_id();
    let base = format!("{}/{id}", &id[id.len() - 2..]);
    let mut stored = Vec::with_capacity(processed.renditions.len());
    let mut puts = Vec::with_capacity(processed.renditions.len() + 1);
    for r in processed.renditions {
        let key = format!("{base}/{}.{}", r.width, r.family.extension());
        stored.push(StoredRendition {
            width: r.width,
            height: r.height,
            format: format_name(r.family).into(),
            key: key.clone(),
            bytes: r.bytes.len() as u64,
            crop: None,
        });
        puts.push((key, Bytes::from(r.bytes)));
    }
    let focal = meta.focal_point.map_or((0.5, 0.5), |f| (f.x, f.y));
    for crop in crop_renditions(&base, focal, processed.crops) {
        stored.push(crop.0);
        puts.push(crop.1);
    }
    // The upload as received keeps its metadata (GPS included): it lives under a
    // private prefix /media refuses, with an unguessable name in case the store itself
    // is ever exposed (a public bucket, a CDN in front of the folder).
    let original_key = format!(
        "{PRIVATE_PREFIX}{base}-{}.{}",
        crate::auth::tokens::random_secret(12)
            .to_lowercase()
            .replace(['-', '_'], "0"),
        processed.family.extension()
    );
    puts.push((original_key.clone(), file.clone()));
    let keys: Vec<String> = puts.iter().map(|(k, _)| k.clone()).collect();
    let writes = puts.into_iter().map(|(key, bytes)| {
        let media = state.media.clone();
        async move { media.put(&key, bytes).await }
    });
    for result in futures_util::future::join_all(writes).await {
        result?;
    }

    let new = NewImage {
        id,
        hash: hash.clone(),
        mime: processed.family.mime().into(),
        width: processed.width as i32,
        height: processed.height as i32,
        bytes: file.len() as i64,
        alt: meta.alt.unwrap_or_default(),
        caption: meta
            .caption
            .filter(|c| !c.is_empty())
            .or(processed.embedded.caption)
            .unwrap_or_default(),
        credit: meta
            .credit
            .filter(|c| !c.is_empty())
            .or(processed.embedded.credit)
            .unwrap_or_default(),
        focal: meta.focal_point.map_or((0.5, 0.5), |f| (f.x, f.y)),
        original_key,
        renditions: serde_json::to_string(&stored).map_err(AppError::internal)?,
        uploaded_by,
    };
    let (status, row) = state
        .db
        .write(move |conn| {
            // A savepoint: on PostgreSQL a failed insert would otherwise abort the
            // whole transaction, and the lookup below with it.
            match conn.transaction(|conn| db::insert(conn, new)) {
                // The same bytes uploaded twice at once: the other upload won.
                Err(AppError::Conflict { .. }) => db::find_by_hash(conn, &hash)?
                    .map(|row| (StatusCode::OK, row))
                    .ok_or(AppError::NotFound("image")),
                other => other.map(|row| (StatusCode::CREATED, row)),
            }
        })
        .await?;
    if status == StatusCode::OK {
        state
            .media
            .remove_files(keys.iter().map(String::as_str))
            .await;
    }
    Ok((status, row))
}
