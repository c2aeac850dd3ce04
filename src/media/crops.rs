//! Art-directed crops cut again from a photo's original: when its focal point moves,
//! and once for photos uploaded before crops existed (a sweep after start-up), so
//! every photo has them.

use super::db;
use super::model::{ImageRow, StoredRendition};
use crate::error::AppResult;
use crate::state::AppState;

/// Photos looked at per read of the sweep.
const BATCH: i64 = 20;

/// Crops of `row` around `focal`, written to the store under new names; `None` when
/// the photo has no renditions or its original is gone (nothing to cut from).
pub async fn cut(
    state: &AppState,
    row: &ImageRow,
    focal: (f64, f64),
) -> AppResult<Option<Vec<StoredRendition>>> {
    let stored: Vec<StoredRendition> = serde_json::from_str(&row.renditions).unwrap_or_default();
    let Some(base) = stored
        .iter()
        .find_map(|r| r.key.rsplit_once('/').map(|(base, _)| base.to_owned()))
    else {
        return Ok(None);
    };
    let Some(original) = state.media.get(&row.original_key, None).await? else {
        return Ok(None);
    };
    let max_pixels = state.settings.max_image_pixels;
    let bytes = original.bytes;
    let cut = super::pool::run(move || super::process::recrop(&bytes, max_pixels, focal)).await??;
    let mut made = Vec::new();
    for (rendition, (key, bytes)) in super::ingest::crop_renditions(&base, focal, cut) {
        state.media.put(&key, bytes).await?;
        made.push(rendition);
    }
    Ok(Some(made))
}

fn lacks_crops(row: &ImageRow) -> bool {
    !serde_json::from_str::<Vec<StoredRendition>>(&row.renditions)
        .unwrap_or_default()
        .iter()
        .any(|r| r.crop.is_some())
}

/// Cuts the crops of every photo that has none, at its focal point; how many got them.
/// A photo that cannot be cut (no original) is passed over.
pub async fn sweep(state: &AppState) -> AppResult<usize> {
    let mut after = String::new();
    let mut made = 0;
    loop {
        let from = after.clone();
        let rows = state
            .db
            .read(move |conn| db::after_id(conn, &from, BATCH))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(made);
        };
        after = last.id.to_string();
        for row in rows.into_iter().filter(lacks_crops) {
            let Some(crops) = cut(state, &row, (row.focal_x, row.focal_y)).await? else {
                continue;
            };
            let media = state.media.clone();
            state
                .db
                .write(move |conn| {
                    let row = db::set_crops(conn, &row.id, crops)?;
                    crate::content::articles::operations::rerender_using_image(
                        conn, &row.id, &media,
                    )?;
                    Ok(())
                })
                .await?;
            made += 1;
        }
    }
}

/// The sweep after start-up, in the background.
pub async fn run(state: AppState) {
    match sweep(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(photos = n, "art-directed crops cut for older photos"),
        Err(e) => tracing::warn!(error = %e, "cutting crops for older photos failed"),
    }
}
