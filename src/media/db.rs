//! Image queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{ImageMeta, ImageRow};
use crate::error::{AppError, AppResult};
use crate::store::schema::{article_links, articles, images};
use crate::store::{DbConn, check_version, now, versioned};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// An image by id, or 404.
pub fn get(conn: &mut DbConn, id: &str) -> AppResult<ImageRow> {
    images::table
        .find(id)
        .select(ImageRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("image"))
}

/// Images after `id` in id order (a walk over every image), at most `limit`.
pub fn after_id(conn: &mut DbConn, id: &str, limit: i64) -> AppResult<Vec<ImageRow>> {
    Ok(images::table
        .filter(images::id.gt(id))
        .order(images::id)
        .limit(limit)
        .select(ImageRow::as_select())
        .load(conn)?)
}

/// The image with this content hash, if it was uploaded before.
pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> AppResult<Option<ImageRow>> {
    Ok(images::table
        .filter(images::hash.eq(hash))
        .select(ImageRow::as_select())
        .first(conn)
        .optional()?)
}

/// What an upload writes.
pub struct NewImage {
    pub id: String,
    pub hash: String,
    pub mime: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub focal: (f64, f64),
    pub original_key: String,
    pub renditions: String,
    pub uploaded_by: Option<String>,
}

/// Records an uploaded image.
pub fn insert(conn: &mut DbConn, new: NewImage) -> AppResult<ImageRow> {
    let at = now();
    diesel::insert_into(images::table)
        .values((
            images::id.eq(&new.id),
            images::hash.eq(&new.hash),
            images::mime.eq(&new.mime),
            images::width.eq(new.width),
            images::height.eq(new.height),
            images::bytes.eq(new.bytes),
            images::alt.eq(&new.alt),
            images::caption.eq(&new.caption),
            images::credit.eq(&new.credit),
            images::focal_x.eq(new.focal.0),
            images::focal_y.eq(new.focal.1),
            images::original_key.eq(&new.original_key),
            images::renditions.eq(&new.renditions),
            images::uploaded_by.eq(&new.uploaded_by),
            images::version.eq(1),
            images::created_at.eq(at),
            images::updated_at.eq(at),
        ))
        .execute(conn)?;
    get(conn, &new.id)
}

/// `%word%` for LIKE, with LIKE's own wildcards in the word taken literally.
fn contains_pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

/// Newest first, after the keyset `(created_at, id)`; every word of `q` must appear in
/// the caption, credit or alt text.
pub fn list(
    conn: &mut DbConn,
    q: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<ImageRow>> {
    let mut query = images::table
        .select(ImageRow::as_select())
        .order((images::created_at.desc(), images::id.desc()))
        .limit(limit + 1)
        .into_boxed();
    for word in q.unwrap_or("").split_whitespace().take(8) {
        let pattern = contains_pattern(word);
        query = query.filter(
            lower(images::caption)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(images::credit).like(pattern.clone()).escape('\\'))
                .or(lower(images::alt).like(pattern).escape('\\')),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(
            images::created_at
                .lt(at)
                .or(images::created_at.eq(at).and(images::id.lt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Applies a metadata edit if the image is still at `expected`.
pub fn update(conn: &mut DbConn, id: &str, expected: i64, meta: ImageMeta) -> AppResult<ImageRow> {
    let current = get(conn, id)?;
    check_version(current.version, expected)?;
    let focal = meta
        .focal_point
        .map_or((current.focal_x, current.focal_y), |f| (f.x, f.y));
    versioned(
        conn,
        |c| {
            diesel::update(images::table.find(id))
                .filter(images::version.eq(expected))
                .set((
                    images::alt.eq(meta.alt.unwrap_or(current.alt)),
                    images::caption.eq(meta.caption.unwrap_or(current.caption)),
                    images::credit.eq(meta.credit.unwrap_or(current.credit)),
                    images::focal_x.eq(focal.0),
                    images::focal_y.eq(focal.1),
                    images::version.eq(expected + 1),
                    images::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| images::table.find(id).select(images::version).first(c),
    )?;
    get(conn, id)
}

/// Replaces an image's crops (the other renditions stay).
pub fn set_crops(
    conn: &mut DbConn,
    id: &str,
    crops: Vec<super::model::StoredRendition>,
) -> AppResult<ImageRow> {
    let current = get(conn, id)?;
    let mut renditions: Vec<super::model::StoredRendition> =
        serde_json::from_str(&current.renditions).unwrap_or_default();
    renditions.retain(|r| r.crop.is_none());
    renditions.extend(crops);
    let json = serde_json::to_string(&renditions).map_err(AppError::internal)?;
    diesel::update(images::table.find(id))
        .set(images::renditions.eq(json))
        .execute(conn)?;
    get(conn, id)
}

/// Refuses (409) to delete an image a live story uses, in its body or as its lead
/// photo; every delete path goes through here.
pub fn ensure_unused(conn: &mut DbConn, id: &str) -> AppResult<()> {
    let users: i64 = article_links::table
        .inner_join(articles::table.on(articles::id.eq(article_links::article_id)))
        .filter(article_links::target_kind.eq("image"))
        .filter(article_links::target_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    if crate::publication::db::is_logo(conn, id)? {
        return Err(AppError::Conflict {
            detail: "this image is the publication's logo; change the logo first".into(),
            field: None,
        });
    }
    if users > 0 {
        return Err(AppError::Conflict {
            detail: format!(
                "{users} stor{} use this image; remove it from them first",
                if users == 1 { "y" } else { "ies" }
            ),
            field: None,
        });
    }
    Ok(())
}

/// One story that shows an image: `(id, slug, headline, status, updated_at)`.
pub type UseRow = (String, String, String, String, NaiveDateTime);

/// The stories that show an image (in the body or as the featured image; trashed ones
/// aside), most recently changed first, at most 100; and whether it is the logo.
pub fn usage(conn: &mut DbConn, id: &str) -> AppResult<(Vec<UseRow>, bool)> {
    get(conn, id)?;
    let stories = article_links::table
        .inner_join(articles::table.on(articles::id.eq(article_links::article_id)))
        .filter(article_links::target_kind.eq("image"))
        .filter(article_links::target_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .select((
            articles::id,
            articles::slug,
            articles::headline,
            articles::status,
            articles::updated_at,
        ))
        .distinct()
        .order((articles::updated_at.desc(), articles::id.desc()))
        .limit(100)
        .load(conn)?;
    Ok((stories, crate::publication::db::is_logo(conn, id)?))
}

/// Deletes an image's row and returns it, so its files can be removed after commit.
pub fn delete(conn: &mut DbConn, id: &str) -> AppResult<ImageRow> {
    let row = get(conn, id)?;
    ensure_unused(conn, id)?;
    diesel::delete(images::table.find(id)).execute(conn)?;
    Ok(row)
}
