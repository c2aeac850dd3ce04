//! Teasers: with the publication's `teaser_blocks` setting on, anonymous reads of
//! `members` and `paid` stories (the story page, lists, feeds) carry the standfirst and
//! that many blocks of the body, and say so (`teaser: true`). Readers with credentials
//! get the whole story: the desk, and the front end's own API key when it serves an
//! entitled subscriber. Off (`null`, the default), every read carries the whole story
//! and the front end enforces the wall. Partners' ninjs documents are keyed, so whole.
//!
//! The cut is made on the stored row before a response is built, so the HTML, the
//! text and the stored render all hold the teaser and nothing more; a change to the
//! setting invalidates every cached response and render.

use diesel::prelude::*;

use super::blocks::Block;
use super::model::{Access, ArticleResponse, ArticleRow};
use super::prepare::render_body;
use crate::error::{AppError, AppResult, Errors};
use crate::media::files::MediaStore;
use crate::store::DbConn;
use crate::store::ids::ArticleId;
use crate::store::schema::publication_settings;

/// The number of blocks a teaser keeps, if teasers are on.
fn setting(conn: &mut DbConn) -> AppResult<Option<usize>> {
    let value: Option<Option<i32>> = publication_settings::table
        .select(publication_settings::teaser_blocks)
        .first(conn)
        .optional()?;
    Ok(value.flatten().and_then(|n| usize::try_from(n).ok()))
}

/// Cuts the rows of stories that are not free to read down to their teaser (when
/// `keep` is set); the ids of those cut. A story whose body fits in the teaser is
/// left whole (nothing is withheld).
fn cut(
    conn: &mut DbConn,
    rows: &mut [ArticleRow],
    keep: Option<usize>,
    media: &MediaStore,
) -> AppResult<Vec<ArticleId>> {
    let Some(keep) = keep else {
        return Ok(Vec::new());
    };
    let mut cut = Vec::new();
    for row in rows.iter_mut().filter(|r| r.access != Access::Public) {
        let mut blocks: Vec<Block> = serde_json::from_str(&row.body).unwrap_or_default();
        if blocks.len() <= keep {
            continue;
        }
        blocks.truncate(keep);
        // References that went away since the save render as they would in the whole
        // story; a read never fails for them.
        let mut ignored = Errors::default();
        let rendered = render_body(
            conn,
            &row.id,
            &mut blocks,
            &row.standfirst,
            media,
            &mut ignored,
        )?;
        row.body = serde_json::to_string(&blocks).map_err(AppError::internal)?;
        row.body_html = rendered.html;
        row.body_text = rendered.text;
        cut.push(row.id.clone());
    }
    Ok(cut)
}

/// Marks the responses built from rows [`cut`] cut.
pub fn mark(stories: &mut [ArticleResponse], cut: &[ArticleId]) {
    for story in stories.iter_mut() {
        story.teaser = cut.contains(&story.id);
    }
}

/// Cuts the rows of stories that are not free to read to their teaser, when the
/// publication says so (no query when every row is a public story); the ids cut.
pub fn cut_for_public(
    conn: &mut DbConn,
    rows: &mut [ArticleRow],
    media: &MediaStore,
) -> AppResult<Vec<ArticleId>> {
    if rows.iter().all(|r| r.access == Access::Public) {
        return Ok(Vec::new());
    }
    let keep = setting(conn)?;
    cut(conn, rows, keep, media)
}
