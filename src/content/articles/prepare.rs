//! Preparing a write to a story: resolving the section, tags, byline and photos it
//! names, and checking and rendering its body (`operations` runs these first).

use std::collections::HashMap;

use super::blocks::{self, Block, ImageInfo, Referenced};
use super::db::find;
use super::input::ArticleInput;
use crate::error::{AppError, AppResult, Errors};
use crate::media::files::MediaStore;
use crate::media::model::{ImageResponse, ImageRow};
use crate::store::DbConn;
use crate::store::ids::ImageId;

/// An image as a body (and a lead photo) shows it.
pub fn image_info(row: ImageRow, media: &MediaStore) -> ImageInfo {
    let image = ImageResponse::new(row, media);
    ImageInfo {
        url: image.url,
        srcset: image.srcset,
        alt: image.alt,
        caption: image.caption,
        credit: image.credit,
        width: image.width,
        height: image.height,
    }
}

/// Relation ids resolved from the slugs or ids a write names.
pub(super) struct Resolved {
    pub section: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub authors: Option<Vec<String>>,
    pub featured_image: Option<Option<ImageId>>,
    /// User ids, each an active account.
    pub assignees: Option<Vec<String>>,
}

fn resolve_list(
    conn: &mut DbConn,
    field: &str,
    keys: &[String],
    errors: &mut Errors,
    lookup: fn(&mut DbConn, &str) -> AppResult<String>,
) -> AppResult<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match lookup(conn, key) {
            Ok(id) if ids.contains(&id) => errors.add(format!("{field}[{i}]"), "is listed twice"),
            Ok(id) => ids.push(id),
            Err(AppError::NotFound(what)) => {
                errors.add(format!("{field}[{i}]"), format!("no {what} '{key}'"))
            }
            Err(other) => return Err(other),
        }
    }
    Ok(ids)
}

pub(super) fn resolve(
    conn: &mut DbConn,
    input: &ArticleInput,
    errors: &mut Errors,
) -> AppResult<Resolved> {
    let section = match &input.section {
        Some(Some(key)) => match crate::content::sections::db::get(conn, key) {
            Ok(s) => Some(Some(s.id)),
            Err(AppError::NotFound(_)) => {
                errors.add("section", format!("no section '{key}'"));
                None
            }
            Err(e) => return Err(e),
        },
        Some(None) => Some(None),
        None => None,
    };
    let tags = match &input.tags {
        Some(keys) => Some(resolve_list(conn, "tags", keys, errors, |c, k| {
            Ok(crate::content::tags::db::get(c, k)?.id)
        })?),
        None => None,
    };
    let authors = match &input.authors {
        Some(keys) => Some(resolve_list(conn, "authors", keys, errors, |c, k| {
            Ok(crate::content::authors::db::get(c, k)?.id)
        })?),
        None => None,
    };
    let featured_image = match &input.featured_image {
        Some(Some(id)) => match crate::media::db::get(conn, id) {
            Ok(image) => Some(Some(image.id)),
            Err(AppError::NotFound(_)) => {
                errors.add("featured_image", format!("no image '{id}'"));
                None
            }
            Err(e) => return Err(e),
        },
        Some(None) => Some(None),
        None => None,
    };
    let assignees = match &input.assignees {
        Some(ids) => Some(resolve_list(conn, "assignees", ids, errors, |c, id| {
            let user = crate::users::db::get(c, id)?;
            if user.disabled {
                Err(AppError::NotFound("active user"))
            } else {
                Ok(user.id)
            }
        })?),
        None => None,
    };
    Ok(Resolved {
        section,
        tags,
        authors,
        featured_image,
        assignees,
    })
}

/// Checks the references of a body (images and stories must exist; a story cannot
/// link to itself) and renders it.
pub(crate) fn render_body(
    conn: &mut DbConn,
    self_id: &str,
    body: &mut [Block],
    standfirst: &str,
    media: &MediaStore,
    errors: &mut Errors,
) -> AppResult<blocks::Rendered> {
    let mut pictures: HashMap<String, ImageInfo> = HashMap::new();
    for (i, block) in body.iter_mut().enumerate() {
        match block {
            Block::Image { image_id, .. } => match crate::media::db::get(conn, image_id) {
                Ok(row) => {
                    pictures.insert(image_id.clone(), image_info(row, media));
                }
                Err(AppError::NotFound(_)) => errors.add(
                    format!("body[{i}].image_id"),
                    format!("no image '{image_id}'"),
                ),
                Err(e) => return Err(e),
            },
            // Stored by id (a slug may be given), so the link survives slug changes.
            Block::Related { article_id, .. } => match find(conn, article_id)? {
                Some(target) if target.id == self_id => errors.add(
                    format!("body[{i}].article_id"),
                    "a story cannot link to itself",
                ),
                Some(target) => *article_id = target.id.into(),
                None => errors.add(
                    format!("body[{i}].article_id"),
                    format!("no article '{article_id}'"),
                ),
            },
            _ => {}
        }
    }
    let image = |id: &str| pictures.get(id).cloned();
    Ok(blocks::render(
        body,
        standfirst,
        &Referenced { image: &image },
    ))
}
