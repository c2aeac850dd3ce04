//! Reading and changing the settings row.

use diesel::prelude::*;

use super::model::{Publication, SettingsChanges, SettingsRow};
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::store::invalidation::{ALL, invalidate};
use crate::store::schema::{images, publication_settings};
use crate::store::{DbConn, check_version, now, versioned};

/// The settings in force.
pub fn load(conn: &mut DbConn, config: &Settings) -> AppResult<Publication> {
    let row = publication_settings::table
        .find(1)
        .select(SettingsRow::as_select())
        .first(conn)?;
    Ok(Publication::resolve(row, config))
}

/// Applies checked changes made against `expected`. The name, language, site and story
/// URLs show in feeds, sitemaps and structured data: every cached response goes.
pub fn update(
    conn: &mut DbConn,
    config: &Settings,
    expected: i64,
    changes: SettingsChanges,
) -> AppResult<Publication> {
    let current = load(conn, config)?;
    check_version(current.version, expected)?;
    if let Some(Some(logo)) = &changes.logo_image_id {
        let found: i64 = images::table
            .filter(images::id.eq(logo))
            .count()
            .get_result(conn)?;
        if found == 0 {
            return Err(AppError::invalid("logo", "no image has this id"));
        }
    }
    versioned(
        conn,
        |c| {
            diesel::update(publication_settings::table.find(1))
                .filter(publication_settings::version.eq(expected))
                .set((
                    changes,
                    publication_settings::version.eq(expected + 1),
                    publication_settings::updated_at.eq(now()),
                ))
                .execute(c)
        },
        |c| {
            publication_settings::table
                .find(1)
                .select(publication_settings::version)
                .first(c)
        },
    )?;
    invalidate([ALL]);
    load(conn, config)
}

/// Whether `image` is the publication's logo (an image in use is not deleted).
pub fn is_logo(conn: &mut DbConn, image: &str) -> AppResult<bool> {
    let n: i64 = publication_settings::table
        .filter(publication_settings::logo_image_id.eq(image))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The publication's language: a new story's unless it says otherwise.
pub fn language(conn: &mut DbConn) -> AppResult<String> {
    let set: Option<String> = publication_settings::table
        .find(1)
        .select(publication_settings::language)
        .first(conn)
        .optional()?
        .flatten();
    Ok(set.unwrap_or_else(|| super::model::DEFAULT_LANGUAGE.to_owned()))
}
