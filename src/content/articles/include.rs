//! `include=`: the full records of a page's relations, in a fixed number of queries.

use std::collections::HashMap;

use diesel::prelude::*;

use super::listing::{CountBy, counts};
use crate::error::AppResult;
use crate::media::files::MediaStore;
use crate::media::model::{ImageResponse, ImageRow};
use crate::store::DbConn;
use crate::store::ids::ImageId;
use crate::store::schema::{authors, images, tags};

/// Expands the relations `include=` names, for a whole page at once (a fixed number of
/// queries whatever its size).
pub fn expand(
    conn: &mut DbConn,
    stories: &mut [super::model::ArticleResponse],
    include: super::model::Include,
    media: &MediaStore,
) -> AppResult<()> {
    use crate::content::authors::model::{AuthorResponse, AuthorRow};
    use crate::content::tags::model::{TagResponse, TagRow};
    if include.is_empty() || stories.is_empty() {
        return Ok(());
    }
    let ids = |pick: &dyn Fn(&super::model::ArticleResponse) -> Vec<String>| -> Vec<String> {
        let mut all: Vec<String> = stories.iter().flat_map(pick).collect();
        all.sort();
        all.dedup();
        all
    };
    let author_ids = ids(&|s| s.authors.iter().map(|a| a.id.clone()).collect());
    let tag_ids = ids(&|s| s.tags.iter().map(|t| t.id.clone()).collect());
    let image_ids = ids(&|s| s.featured_image.iter().map(|i| i.id.to_string()).collect());

    let author_rows: HashMap<String, AuthorRow> = if include.authors {
        authors::table
            .filter(authors::id.eq_any(&author_ids))
            .select(AuthorRow::as_select())
            .load::<AuthorRow>(conn)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    } else {
        HashMap::new()
    };
    let author_counts = if include.authors {
        counts(conn, CountBy::Author, &author_ids)?
    } else {
        HashMap::new()
    };
    let tag_rows: HashMap<String, TagRow> = if include.tags {
        tags::table
            .filter(tags::id.eq_any(&tag_ids))
            .select(TagRow::as_select())
            .load::<TagRow>(conn)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    } else {
        HashMap::new()
    };
    let tag_counts = if include.tags {
        counts(conn, CountBy::Tag, &tag_ids)?
    } else {
        HashMap::new()
    };
    let all_sections = if include.section {
        crate::content::sections::db::all(conn)?
    } else {
        Vec::new()
    };
    let section_counts = if include.section {
        let section_ids: Vec<String> = all_sections.iter().map(|s| s.id.clone()).collect();
        counts(conn, CountBy::Section, &section_ids)?
    } else {
        HashMap::new()
    };
    let tree =
        crate::content::sections::model::Tree::new(&all_sections).with_counts(section_counts);
    let pictures: HashMap<ImageId, ImageRow> = if include.featured_image {
        images::table
            .filter(images::id.eq_any(&image_ids))
            .select(ImageRow::as_select())
            .load::<ImageRow>(conn)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect()
    } else {
        HashMap::new()
    };

    for story in stories.iter_mut() {
        let mut included = super::model::Included::default();
        if include.authors {
            included.authors = Some(
                story
                    .authors
                    .iter()
                    .filter_map(|a| author_rows.get(&a.id))
                    .map(|r| {
                        AuthorResponse::new(
                            r.clone(),
                            author_counts.get(&r.id).copied().unwrap_or(0),
                        )
                    })
                    .collect(),
            );
        }
        if include.tags {
            included.tags = Some(
                story
                    .tags
                    .iter()
                    .filter_map(|t| tag_rows.get(&t.id))
                    .map(|r| {
                        TagResponse::new(r.clone(), tag_counts.get(&r.id).copied().unwrap_or(0))
                    })
                    .collect(),
            );
        }
        if include.section {
            included.section = story
                .section
                .as_ref()
                .and_then(|s| all_sections.iter().find(|row| row.id == s.id))
                .map(|row| tree.response(row));
        }
        if include.featured_image {
            included.featured_image = story
                .featured_image
                .as_ref()
                .and_then(|f| pictures.get(&f.id))
                .map(|row| ImageResponse::new(row.clone(), media));
        }
        story.included = Some(included);
    }
    Ok(())
}
