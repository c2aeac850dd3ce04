//! Writing an import: each record in its own transaction, through the same checks as
//! the API, remembered in `import_sources` so that a re-run updates rather than
//! duplicates, and never overwrites what editors did in Dateline since.

use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Outcome, Person, State, Story, Term};
use crate::content::articles::blocks::{self, Block};
use crate::content::articles::db as articles;
use crate::content::articles::model::Action;
use crate::content::articles::model::Status;
use crate::content::articles::operations;
use crate::content::slug::Slug;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{DbConn, now, schema::import_sources};

pub(super) fn fingerprint(value: &impl Serialize) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(value).unwrap_or_default(),
    ))
}

/// The local id recorded for a source record, its fingerprint, and the record's version
/// right after that import (stories only).
pub(super) fn remembered(
    conn: &mut DbConn,
    source: &str,
    kind: &str,
    external_id: &str,
) -> AppResult<Option<(String, String, Option<i64>)>> {
    Ok(import_sources::table
        .find((source, kind, external_id))
        .select((
            import_sources::local_id,
            import_sources::fingerprint,
            import_sources::local_version,
        ))
        .first(conn)
        .optional()?)
}

/// Whether anything was imported under `source` before.
pub(super) fn source_known(conn: &mut DbConn, source: &str) -> AppResult<bool> {
    Ok(import_sources::table
        .filter(import_sources::source.eq(source))
        .select(import_sources::local_id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// What is remembered of one imported record.
pub(super) struct Memory<'a> {
    pub(super) source: &'a str,
    pub(super) kind: &'a str,
    pub(super) external_id: &'a str,
    pub(super) local_id: &'a str,
    pub(super) fingerprint: &'a str,
    pub(super) version: Option<i64>,
    pub(super) origin: Option<&'a str>,
}

pub(super) fn remember(conn: &mut DbConn, m: Memory<'_>) -> AppResult<()> {
    diesel::delete(import_sources::table.find((m.source, m.kind, m.external_id))).execute(conn)?;
    diesel::insert_into(import_sources::table)
        .values((
            import_sources::source.eq(m.source),
            import_sources::kind.eq(m.kind),
            import_sources::external_id.eq(m.external_id),
            import_sources::local_id.eq(m.local_id),
            import_sources::fingerprint.eq(m.fingerprint),
            import_sources::local_version.eq(m.version),
            import_sources::origin.eq(m.origin),
            import_sources::imported_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// `remember` for a slugged record (no version, no origin).
pub(super) fn remember_term(
    conn: &mut DbConn,
    source: &str,
    kind: &str,
    external_id: &str,
    local_id: &str,
    fingerprint: &str,
) -> AppResult<()> {
    remember(
        conn,
        Memory {
            source,
            kind,
            external_id,
            local_id,
            fingerprint,
            version: None,
            origin: None,
        },
    )
}

/// An error as one line naming the fields, for the report.
pub(super) fn describe(e: &AppError) -> String {
    match e {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A slug from the source if it is one we accept as it is.
pub(super) fn source_slug(raw: Option<&str>) -> Option<Slug> {
    raw.and_then(|s| Slug::parse(s).ok())
}

/// Finds a record by id or slug: its id and version.
pub(super) type FindFn = fn(&mut DbConn, &str) -> AppResult<Option<(String, i64)>>;
/// Creates a record, or updates the one given (id, version); returns its id.
pub(super) type WriteFn<T> =
    fn(&mut DbConn, &T, Option<(&str, i64)>, Option<Slug>) -> AppResult<String>;

/// Upserts a slugged record (author, section, tag) in one transaction: update when the
/// source changed, adopt an existing record with the same slug, else create.
#[allow(clippy::too_many_arguments)]
pub(super) async fn upsert_slugged<T: Serialize + Clone + Send + 'static>(
    state: &AppState,
    source: &str,
    kind: &'static str,
    record: &T,
    external_id: &str,
    slug: Option<Slug>,
    find: FindFn,
    write: WriteFn<T>,
) -> AppResult<Outcome> {
    let (source, external_id, record) = (source.to_owned(), external_id.to_owned(), record.clone());
    state
        .db
        .write(move |conn| {
            let print = fingerprint(&record);
            if let Some((local, old_print, _)) = remembered(conn, &source, kind, &external_id)?
                && let Some((id, version)) = find(conn, &local)?
            {
                if old_print == print {
                    return Ok(Outcome::Unchanged(id));
                }
                write(conn, &record, Some((&id, version)), slug)?;
                remember_term(conn, &source, kind, &external_id, &id, &print)?;
                return Ok(Outcome::Updated(id));
            }
            if let Some(slug) = &slug
                && let Some((id, _)) = find(conn, slug.as_str())?
            {
                remember_term(conn, &source, kind, &external_id, &id, &print)?;
                return Ok(Outcome::Adopted(id));
            }
            let id = write(conn, &record, None, slug)?;
            remember_term(conn, &source, kind, &external_id, &id, &print)?;
            Ok(Outcome::Created(id))
        })
        .await
}

/// A lookup's 404 as `None`; the record as its id and version.
fn found<R>(
    lookup: AppResult<R>,
    key: impl FnOnce(R) -> (String, i64),
) -> AppResult<Option<(String, i64)>> {
    match lookup {
        Ok(row) => Ok(Some(key(row))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(super) fn find_author(conn: &mut DbConn, key: &str) -> AppResult<Option<(String, i64)>> {
    found(crate::content::authors::db::get(conn, key), |r| {
        (r.id, r.version)
    })
}

pub(super) fn find_section(conn: &mut DbConn, key: &str) -> AppResult<Option<(String, i64)>> {
    found(crate::content::sections::db::get(conn, key), |r| {
        (r.id, r.version)
    })
}

pub(super) fn find_tag(conn: &mut DbConn, key: &str) -> AppResult<Option<(String, i64)>> {
    found(crate::content::tags::db::get(conn, key), |r| {
        (r.id, r.version)
    })
}

pub(super) fn write_author(
    conn: &mut DbConn,
    p: &Person,
    existing: Option<(&str, i64)>,
    slug: Option<Slug>,
) -> AppResult<String> {
    use crate::content::authors::{db, model::UpdateAuthor};
    let input = UpdateAuthor {
        version: None,
        name: Some(p.name.clone()),
        slug: slug.map(|s| s.to_string()),
        bio: p.bio.clone(),
        links: (!p.links.is_empty()).then(|| p.links.clone()),
    }
    .parse()?;
    match existing {
        Some((id, version)) => Ok(db::update(conn, id, version, input)?.id),
        None => Ok(db::insert(conn, input)?.id),
    }
}

/// A section's parent is already a local id here (resolved before the write).
pub(super) fn write_section(
    conn: &mut DbConn,
    t: &Term,
    existing: Option<(&str, i64)>,
    slug: Option<Slug>,
) -> AppResult<String> {
    use crate::content::sections::{db, model::UpdateSection};
    let input = UpdateSection {
        version: None,
        name: Some(t.name.clone()),
        slug: slug.map(|s| s.to_string()),
        description: t.description.clone(),
        parent: Some(t.parent.clone()),
        position: None,
    }
    .parse()?;
    match existing {
        Some((id, version)) => Ok(db::update(conn, id, version, input)?.id),
        None => Ok(db::insert(conn, input)?.id),
    }
}

pub(super) fn write_tag(
    conn: &mut DbConn,
    t: &Term,
    existing: Option<(&str, i64)>,
    slug: Option<Slug>,
) -> AppResult<String> {
    use crate::content::tags::{db, model::UpdateTag};
    let (name, input) = crate::content::tags::model::CreateTag {
        name: t.name.clone(),
        slug: slug.map(|s| s.to_string()),
        description: t.description.clone(),
    }
    .parse()?;
    match existing {
        Some((id, version)) => {
            let input = UpdateTag {
                version: None,
                name: Some(name),
                slug: input.slug.map(|s| s.to_string()),
                description: input.description,
            }
            .parse()?;
            Ok(db::update(conn, id, version, input)?.id)
        }
        None => Ok(db::insert(conn, &name, input)?.id),
    }
}

/// Shortens `text` to `max` characters (ending in "…"), with a note naming `what`.
pub(super) fn clip(text: &mut String, max: usize, what: &str, notes: &mut Vec<String>) {
    // Control characters have no place in text fields (the API refuses them).
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        *text = text
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
    }
    if text.chars().count() > max {
        *text = text.chars().take(max - 1).collect::<String>() + "…";
        notes.push(format!(
            "{what} was longer than {max} characters; shortened"
        ));
    }
}

/// `clip` for an optional field.
pub(super) fn clipped(
    value: Option<String>,
    max: usize,
    what: &str,
    notes: &mut Vec<String>,
) -> Option<String> {
    value.map(|mut v| {
        clip(&mut v, max, what, notes);
        v
    })
}

/// Brings a story within the API's limits, noting every change, so that one long
/// field does not cost the whole story.
pub(super) fn fit(story: &mut Story) {
    let notes = &mut story.notes;
    clip(&mut story.headline, 300, "the headline", notes);
    if let Some(s) = story.standfirst.as_mut() {
        clip(s, 2000, "the standfirst", notes);
    }
    // A canonical address must be absolute: one to the old site itself, made relative
    // for want of the site's address, is dropped (the story is its own canonical).
    if let Some(url) = &story.canonical_url
        && !crate::content::is_http_url(url)
    {
        notes.push(format!(
            "canonical URL {url:?} is not an absolute http(s) address; left out"
        ));
        story.canonical_url = None;
    }
    for (value, max, what) in [
        (&mut story.seo_title, 200, "the SEO title"),
        (&mut story.seo_description, 500, "the SEO description"),
    ] {
        if let Some(v) = value.as_mut() {
            clip(v, max, what, notes);
        }
    }
    let mut body = Vec::with_capacity(story.body.len());
    for block in std::mem::take(&mut story.body) {
        match block {
            Block::Paragraph { mut html } => {
                // Sanitising mends a tag the cut leaves open.
                clip(&mut html, 20_000, "a paragraph", notes);
                body.push(Block::Paragraph { html });
            }
            Block::Heading { level, mut text } => {
                clip(&mut text, 300, "a heading", notes);
                body.push(Block::Heading { level, text });
            }
            Block::Quote {
                mut text,
                attribution,
            } => {
                clip(&mut text, 2000, "a quote", notes);
                let attribution = clipped(attribution, 300, "a quote's attribution", notes);
                body.push(Block::Quote { text, attribution });
            }
            Block::List { ordered, items } => {
                let mut items: Vec<String> = items
                    .into_iter()
                    .map(|mut item| {
                        // Sanitising mends a tag the cut leaves open.
                        clip(&mut item, 2000, "a list item", notes);
                        item
                    })
                    .collect();
                // At most 200 items a list: a longer one continues in the next block.
                while items.len() > 200 {
                    let rest = items.split_off(200);
                    body.push(Block::List { ordered, items });
                    items = rest;
                }
                body.push(Block::List { ordered, items });
            }
            Block::Table {
                header,
                mut rows,
                caption,
            } => {
                for row in &mut rows {
                    if row.len() > blocks::MAX_TABLE_CELLS {
                        notes.push(format!(
                            "a table row had {} cells; only the first {} were kept",
                            row.len(),
                            blocks::MAX_TABLE_CELLS
                        ));
                        row.truncate(blocks::MAX_TABLE_CELLS);
                    }
                    for cell in row.iter_mut() {
                        clip(cell, blocks::MAX_CELL_CHARS, "a table cell", notes);
                    }
                }
                let caption = clipped(caption, 2000, "a table's caption", notes);
                // At most 200 rows a table: a longer one continues in the next block.
                let mut first = true;
                while !rows.is_empty() {
                    let rest = rows.split_off(rows.len().min(blocks::MAX_TABLE_ROWS));
                    body.push(Block::Table {
                        header: header && first,
                        rows,
                        caption: if rest.is_empty() {
                            caption.clone()
                        } else {
                            None
                        },
                    });
                    rows = rest;
                    first = false;
                }
            }
            Block::Code { mut text, language } => {
                clip(&mut text, 50_000, "a code block", notes);
                // A language name the API would refuse is dropped, not the story.
                let language = language.filter(|l| l.len() <= 40 && blocks::is_language_name(l));
                body.push(Block::Code { text, language });
            }
            Block::Image {
                image_id,
                caption,
                credit,
                image,
            } => {
                let caption = clipped(caption, 2000, "a caption", notes);
                body.push(Block::Image {
                    image_id,
                    caption,
                    credit,
                    image,
                });
            }
            Block::Embed {
                url,
                provider,
                caption,
            } => {
                if crate::content::is_http_url(&url) {
                    let caption = clipped(caption, 2000, "an embed's caption", notes);
                    let provider = clipped(provider, 100, "an embed's provider", notes);
                    body.push(Block::Embed {
                        url,
                        provider,
                        caption,
                    });
                } else {
                    notes.push(format!("embed {url:?} is not an http(s) URL; left out"));
                }
            }
            other => body.push(other),
        }
    }
    if body.len() > blocks::MAX_BLOCKS {
        notes.push(format!(
            "the body had {} blocks; only the first {} were kept",
            body.len(),
            blocks::MAX_BLOCKS
        ));
        body.truncate(blocks::MAX_BLOCKS);
    }
    story.body = body;
}

/// A story's references, resolved to local ids.
#[derive(Debug, Serialize)]
pub(super) struct Resolved {
    pub(super) body: Vec<Block>,
    pub(super) featured: Option<String>,
    pub(super) section: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) authors: Vec<String>,
}

/// Creates or updates one story, in one transaction, and brings its status in line.
pub(super) async fn upsert_story(
    state: &AppState,
    source: &str,
    story: Story,
    resolved: Resolved,
) -> AppResult<(Outcome, Vec<String>)> {
    let source = source.to_owned();
    let media = state.media.clone();
    state
        .db
        .write(move |conn| {
            let print = fingerprint(&(&story, &resolved));
            let mut notes = Vec::new();
            let existing = match remembered(conn, &source, "article", &story.id)? {
                Some((local, old_print, version)) => {
                    // By id, trashed ones included: the trash is an editor's decision.
                    let row = articles::by_id(conn, &local.into()).optional()?;
                    match row {
                        Some(row) if row.deleted_at.is_some() => {
                            notes.push("in Dateline's trash; not imported again".into());
                            return Ok((Outcome::Skipped(row.id.into()), notes));
                        }
                        Some(row) => Some((row, old_print, version)),
                        None => {
                            notes.push(
                                "deleted from Dateline since the last import; made again".into(),
                            );
                            None
                        }
                    }
                }
                None => None,
            };
            if let Some((row, old_print, version)) = &existing {
                if *old_print == print {
                    return Ok((Outcome::Unchanged(row.id.to_string()), notes));
                }
                if version.is_some_and(|v| v != row.version) {
                    notes.push(format!(
                        "edited in Dateline since the last import (now version {}); the source's changes were not applied",
                        row.version
                    ));
                    return Ok((Outcome::Skipped(row.id.to_string()), notes));
                }
            }
            let own_id = existing.as_ref().map(|(row, _, _)| row.id.clone());
            let slug = match source_slug(story.slug.as_deref()) {
                Some(slug) if !articles::slug_taken(conn, slug.as_str(), own_id.as_deref().unwrap_or(""))? => Some(slug),
                Some(slug) => {
                    notes.push(format!(
                        "slug {slug} is taken by another story; a new one was made from the headline"
                    ));
                    None
                }
                None => None,
            };
            let update = crate::content::articles::input::UpdateArticle {
                version: None,
                headline: Some(story.headline.clone()),
                slug: slug.map(|s| s.to_string()),
                standfirst: Some(story.standfirst.clone().unwrap_or_default()),
                body: Some(resolved.body.clone()),
                section: Some(resolved.section.clone()),
                tags: Some(resolved.tags.clone()),
                authors: Some(resolved.authors.clone()),
                source: None,
                featured_image: Some(resolved.featured.clone()),
                access: Some(story.access),
                canonical_url: story.canonical_url.clone(),
                seo: Some(crate::content::articles::model::Seo {
                    title: story.seo_title.clone().unwrap_or_default(),
                    description: story.seo_description.clone().unwrap_or_default(),
                }),
                ..Default::default()
            };
            let input = update.parse()?;
            let (row, outcome) = match existing {
                Some((row, _, _)) => {
                    let version = row.version;
                    let id = row.id.clone();
                    (
                        operations::save(conn, row, version, input, None, &media, Action::Import)?,
                        Outcome::Updated(id.into()),
                    )
                }
                None => {
                    let row = operations::create(conn, input, None, &media)?;
                    let id = row.id.clone();
                    (row, Outcome::Created(id.into()))
                }
            };
            let (status, at) = match story.state {
                State::Published(at) => (Status::Published, Some(at)),
                State::Scheduled(at) => (Status::Scheduled, Some(at)),
                State::Draft => (Status::Draft, None),
            };
            if row.status != status || row.published_at != at {
                operations::set_status(
                    conn,
                    &row,
                    row.version,
                    status,
                    at,
                    Action::Import,
                    None,
                )?;
            }
            for old in &story.old_slugs {
                if old == &row.slug || old.is_empty() || old.len() > 200 || old.contains('/') {
                    continue;
                }
                if !articles::slug_taken(conn, old, &row.id)? {
                    articles::redirect(conn, old, &row.id)?;
                } else {
                    notes.push(format!(
                        "old address {old} already leads to another story; not redirected"
                    ));
                }
            }
            let version = articles::get(conn, &row.id)?.version;
            remember(
                conn,
                Memory {
                    source: &source,
                    kind: "article",
                    external_id: &story.id,
                    local_id: &row.id,
                    fingerprint: &print,
                    version: Some(version),
                    origin: story.permalink.as_deref(),
                },
            )?;
            Ok((outcome, notes))
        })
        .await
}
