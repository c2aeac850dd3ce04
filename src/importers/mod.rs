//! Moving a newsroom in from another CMS: `dateline import wordpress FILE.xml` and
//! `dateline import ghost FILE.json`. Each source is read into a [`Bundle`] (our terms,
//! nothing written yet), then [`run`] writes it through the same checks the API applies.
//!
//! Re-running is safe: every record made is remembered in `import_sources` under its
//! source id with a fingerprint of what was read, so a second run updates what changed,
//! skips what did not, and never duplicates. Records an editor already made (an author,
//! section or tag with the same slug) are adopted, not copied. What cannot be mapped is
//! reported, never silently dropped.

pub mod ghost;
pub mod html;
pub mod wordpress;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::content::articles::blocks::Block;
use crate::content::articles::db as articles;
use crate::content::articles::model::Status;
use crate::content::slug::Slug;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{DbConn, now, schema::import_sources};

/// A byline in the source.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    pub bio: Option<String>,
    pub links: BTreeMap<String, String>,
}

/// A category, section or tag in the source.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    /// The parent's source id (sections only).
    pub parent: Option<String>,
}

/// What the source says about a photo, by its URL.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Picture {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Its path under the media folder, when the source knows it.
    pub file: Option<String>,
}

/// Where a story stands in the source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum State {
    Published(NaiveDateTime),
    Scheduled(NaiveDateTime),
    Draft,
}

/// A post or page, its body already in blocks (images by source URL).
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    pub id: String,
    pub headline: String,
    pub slug: Option<String>,
    /// Earlier slugs: they answer with a redirect to the story.
    pub old_slugs: Vec<String>,
    /// The story's old address, kept for reference.
    pub permalink: Option<String>,
    pub standfirst: Option<String>,
    pub body: Vec<Block>,
    pub state: State,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    /// Source URL of the featured image.
    pub featured_image: Option<String>,
    pub canonical_url: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// Everything read from one export, in our terms.
#[derive(Debug, Default)]
pub struct Bundle {
    /// Names the source in `import_sources`, e.g. `wordpress:https://example.com`.
    pub source: String,
    pub authors: Vec<Person>,
    pub sections: Vec<Term>,
    pub tags: Vec<Term>,
    pub pictures: HashMap<String, Picture>,
    pub stories: Vec<Story>,
    /// What the reader could not map, for the report.
    pub notes: Vec<String>,
}

/// How to run an import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the source's media files are (WordPress `wp-content/uploads`, Ghost
    /// `content/images`); without it, no photo files are found (and each is reported).
    pub media_dir: Option<PathBuf>,
    /// Import WordPress/Ghost pages as articles too.
    pub pages: bool,
    /// Draw progress bars on stderr (when it is a terminal).
    pub progress: bool,
}

/// Counts for one kind of record.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Existing records with the same slug, linked rather than copied.
    pub adopted: usize,
    /// Stories edited or trashed in Dateline since the last import: left as they are.
    pub skipped: usize,
    pub failed: usize,
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub source: String,
    pub authors: Tally,
    pub sections: Tally,
    pub tags: Tally,
    pub images: Tally,
    pub articles: Tally,
    /// Everything that could not be mapped, one line each.
    pub not_mapped: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "imported {}", self.source)?;
        for (name, t) in [
            ("authors", self.authors),
            ("sections", self.sections),
            ("tags", self.tags),
            ("images", self.images),
            ("articles", self.articles),
        ] {
            writeln!(
                f,
                "  {name:<9} {} created, {} updated, {} unchanged, {} adopted, {} skipped, {} failed",
                t.created, t.updated, t.unchanged, t.adopted, t.skipped, t.failed
            )?;
        }
        if self.not_mapped.is_empty() {
            write!(f, "everything was mapped")
        } else {
            writeln!(f, "not mapped ({}):", self.not_mapped.len())?;
            for (i, line) in self.not_mapped.iter().enumerate() {
                if i > 0 {
                    writeln!(f)?;
                }
                write!(f, "  - {line}")?;
            }
            Ok(())
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    draw: bool,
}

impl Progress {
    fn new(wanted: bool) -> Self {
        Progress {
            draw: wanted && std::io::stderr().is_terminal(),
        }
    }

    fn step(&self, phase: &str, done: usize, total: usize) {
        if !self.draw || total == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let filled = done * WIDTH / total;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{phase:<9} [{}{}] {done}/{total}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled)
        );
        if done == total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}

/// How one record fared.
enum Outcome {
    Created(String),
    Updated(String),
    Unchanged(String),
    Adopted(String),
    Skipped(String),
}

impl Outcome {
    fn count(self, tally: &mut Tally) -> String {
        let (slot, id) = match self {
            Outcome::Created(id) => (&mut tally.created, id),
            Outcome::Updated(id) => (&mut tally.updated, id),
            Outcome::Unchanged(id) => (&mut tally.unchanged, id),
            Outcome::Adopted(id) => (&mut tally.adopted, id),
            Outcome::Skipped(id) => (&mut tally.skipped, id),
        };
        *slot += 1;
        id
    }
}

fn fingerprint(value: &impl Serialize) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(value).unwrap_or_default(),
    ))
}

/// The local id recorded for a source record, its fingerprint, and the record's version
/// right after that import (stories only).
fn remembered(
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

/// What is remembered of one imported record.
struct Memory<'a> {
    source: &'a str,
    kind: &'a str,
    external_id: &'a str,
    local_id: &'a str,
    fingerprint: &'a str,
    version: Option<i64>,
    origin: Option<&'a str>,
}

fn remember(conn: &mut DbConn, m: Memory<'_>) -> AppResult<()> {
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
fn remember_term(
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
fn describe(e: &AppError) -> String {
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
fn source_slug(raw: Option<&str>) -> Option<Slug> {
    raw.and_then(|s| Slug::parse(s).ok())
}

/// Finds a record by id or slug: its id and version.
type FindFn = fn(&mut DbConn, &str) -> AppResult<Option<(String, i64)>>;
/// Creates a record, or updates the one given (id, version); returns its id.
type WriteFn<T> = fn(&mut DbConn, &T, Option<(&str, i64)>, Option<Slug>) -> AppResult<String>;

/// Upserts a slugged record (author, section, tag) in one transaction: update when the
/// source changed, adopt an existing record with the same slug, else create.
#[allow(clippy::too_many_arguments)]
async fn upsert_slugged<T: Serialize + Clone + Send + 'static>(
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

fn find_author(conn: &mut DbConn, key: &str) -> AppResult<Option<(String, i64)>> {
    match crate::content::authors::db::get(conn, key) {
        Ok(row) => Ok(Some((row.id, row.version))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn find_section(conn: &mut DbConn, key: &str) -> AppResult<Option<(String, i64)>> {
    match crate::content::sections::db::get(conn, key) {
        Ok(row) => Ok(Some((row.id, row.version))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn find_tag(conn: &mut DbConn, key: &str) -> AppResult<Option<(String, i64)>> {
    match crate::content::tags::db::get(conn, key) {
        Ok(row) => Ok(Some((row.id, row.version))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn write_author(
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
fn write_section(
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

fn write_tag(
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

/// Imports `bundle` into the newsroom behind `state`.
pub async fn run(state: &AppState, mut bundle: Bundle, options: &Options) -> Report {
    let progress = Progress::new(options.progress);
    let source = bundle.source.clone();
    let mut report = Report {
        source: source.clone(),
        not_mapped: std::mem::take(&mut bundle.notes),
        ..Report::default()
    };

    let mut author_ids = HashMap::new();
    for (n, person) in bundle.authors.iter().enumerate() {
        let slug = source_slug(person.slug.as_deref());
        match upsert_slugged(
            state,
            &source,
            "author",
            person,
            &person.id,
            slug,
            find_author,
            write_author,
        )
        .await
        {
            Ok(outcome) => {
                author_ids.insert(person.id.clone(), outcome.count(&mut report.authors));
            }
            Err(e) => {
                report.authors.failed += 1;
                report
                    .not_mapped
                    .push(format!("author {:?}: {}", person.name, describe(&e)));
            }
        }
        progress.step("authors", n + 1, bundle.authors.len());
    }

    // Parents before children; a parent that never arrives leaves its child at the top.
    let mut section_ids: HashMap<String, String> = HashMap::new();
    let mut pending: Vec<Term> = bundle.sections.clone();
    let total = pending.len();
    while !pending.is_empty() {
        let ready: Vec<usize> = (0..pending.len())
            .filter(|&i| {
                pending[i]
                    .parent
                    .as_ref()
                    .is_none_or(|p| section_ids.contains_key(p))
            })
            .collect();
        let batch: Vec<Term> = if ready.is_empty() {
            // One whose parent will never come (absent, or failed) before breaking a cycle.
            let at = (0..pending.len())
                .find(|&i| {
                    pending[i]
                        .parent
                        .as_ref()
                        .is_some_and(|p| !pending.iter().any(|t| &t.id == p))
                })
                .unwrap_or(0);
            let orphan = pending.remove(at);
            report.not_mapped.push(format!(
                "section {:?}: its parent is missing from the export or failed; placed at the top level",
                orphan.name
            ));
            vec![Term {
                parent: None,
                ..orphan
            }]
        } else {
            // Removed from the back so the earlier indices stay valid.
            let mut batch: Vec<Term> = ready.into_iter().rev().map(|i| pending.remove(i)).collect();
            batch.reverse();
            batch
        };
        for mut term in batch {
            let external = term.id.clone();
            term.parent = term.parent.and_then(|p| section_ids.get(&p).cloned());
            let slug = source_slug(term.slug.as_deref());
            match upsert_slugged(
                state,
                &source,
                "section",
                &term,
                &external,
                slug,
                find_section,
                write_section,
            )
            .await
            {
                Ok(outcome) => {
                    section_ids.insert(external, outcome.count(&mut report.sections));
                }
                Err(e) => {
                    report.sections.failed += 1;
                    report
                        .not_mapped
                        .push(format!("section {:?}: {}", term.name, describe(&e)));
                }
            }
            progress.step("sections", total - pending.len(), total);
        }
    }

    let mut tag_ids = HashMap::new();
    for (n, term) in bundle.tags.iter().enumerate() {
        let slug = source_slug(term.slug.as_deref());
        match upsert_slugged(
            state, &source, "tag", term, &term.id, slug, find_tag, write_tag,
        )
        .await
        {
            Ok(outcome) => {
                tag_ids.insert(term.id.clone(), outcome.count(&mut report.tags));
            }
            Err(e) => {
                report.tags.failed += 1;
                report
                    .not_mapped
                    .push(format!("tag {:?}: {}", term.name, describe(&e)));
            }
        }
        progress.step("tags", n + 1, bundle.tags.len());
    }

    let mut images = Images {
        ids: HashMap::new(),
        pictures: std::mem::take(&mut bundle.pictures),
        media_dir: options.media_dir.clone(),
        counted: HashSet::new(),
    };
    let total = bundle.stories.len();
    for (n, mut story) in std::mem::take(&mut bundle.stories).into_iter().enumerate() {
        let label = format!("article {:?}", story.headline);
        fit(&mut story);
        for note in std::mem::take(&mut story.notes) {
            report.not_mapped.push(format!("{label}: {note}"));
        }
        // Photos first (each stored once, found again by content on a re-run).
        let mut body = Vec::with_capacity(story.body.len());
        for block in std::mem::take(&mut story.body) {
            match block {
                Block::Image {
                    image_id: url,
                    caption,
                    credit,
                    ..
                } => match images.resolve(state, &source, &url, &mut report).await {
                    Some(image_id) => body.push(Block::Image {
                        image_id,
                        caption,
                        credit,
                        image: None,
                    }),
                    None => report
                        .not_mapped
                        .push(format!("{label}: image {url} not found; left out")),
                },
                other => body.push(other),
            }
        }
        let featured = match story.featured_image.clone() {
            Some(url) => {
                let found = images.resolve(state, &source, &url, &mut report).await;
                if found.is_none() {
                    report
                        .not_mapped
                        .push(format!("{label}: featured image {url} not found; left out"));
                }
                found
            }
            None => None,
        };
        let resolved = Resolved {
            body,
            featured,
            section: story
                .section
                .as_ref()
                .and_then(|s| section_ids.get(s).cloned()),
            tags: story
                .tags
                .iter()
                .filter_map(|t| tag_ids.get(t).cloned())
                .collect(),
            authors: story
                .authors
                .iter()
                .filter_map(|a| author_ids.get(a).cloned())
                .collect(),
        };
        match upsert_story(state, &source, story, resolved).await {
            Ok((outcome, notes)) => {
                outcome.count(&mut report.articles);
                report
                    .not_mapped
                    .extend(notes.into_iter().map(|n| format!("{label}: {n}")));
            }
            Err(e) => {
                report.articles.failed += 1;
                report.not_mapped.push(format!("{label}: {}", describe(&e)));
            }
        }
        progress.step("articles", n + 1, total);
    }
    report
}

/// Shortens `text` to `max` characters (ending in "…"), with a note naming `what`.
fn clip(text: &mut String, max: usize, what: &str, notes: &mut Vec<String>) {
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

/// Brings a story within the API's limits, noting every change, so that one long
/// field does not cost the whole story.
fn fit(story: &mut Story) {
    let notes = &mut story.notes;
    clip(&mut story.headline, 300, "the headline", notes);
    if let Some(s) = story.standfirst.as_mut() {
        clip(s, 2000, "the standfirst", notes);
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
            Block::Heading { level, mut text } => {
                clip(&mut text, 300, "a heading", notes);
                body.push(Block::Heading { level, text });
            }
            Block::Quote {
                mut text,
                attribution,
            } => {
                clip(&mut text, 2000, "a quote", notes);
                let attribution = attribution.map(|mut a| {
                    clip(&mut a, 300, "a quote's attribution", notes);
                    a
                });
                body.push(Block::Quote { text, attribution });
            }
            Block::List { ordered, items } => {
                let mut items: Vec<String> = items
                    .into_iter()
                    .map(|mut item| {
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
            Block::Image {
                image_id,
                caption,
                credit,
                image,
            } => {
                let caption = caption.map(|mut c| {
                    clip(&mut c, 2000, "a caption", notes);
                    c
                });
                body.push(Block::Image {
                    image_id,
                    caption,
                    credit,
                    image,
                });
            }
            Block::Embed { url, provider } => {
                if crate::content::is_http_url(&url) {
                    body.push(Block::Embed { url, provider });
                } else {
                    notes.push(format!("embed {url:?} is not an http(s) URL; left out"));
                }
            }
            other => body.push(other),
        }
    }
    if body.len() > crate::content::articles::blocks::MAX_BLOCKS {
        notes.push(format!(
            "the body had {} blocks; only the first {} were kept",
            body.len(),
            crate::content::articles::blocks::MAX_BLOCKS
        ));
        body.truncate(crate::content::articles::blocks::MAX_BLOCKS);
    }
    story.body = body;
}

/// A story's references, resolved to local ids.
#[derive(Debug, Serialize)]
struct Resolved {
    body: Vec<Block>,
    featured: Option<String>,
    section: Option<String>,
    tags: Vec<String>,
    authors: Vec<String>,
}

/// Finds and stores the photos stories use.
struct Images {
    /// Source URL → image id, for this run.
    ids: HashMap<String, Option<String>>,
    pictures: HashMap<String, Picture>,
    media_dir: Option<PathBuf>,
    /// Images already counted in the report (several URLs can lead to one).
    counted: HashSet<String>,
}

/// `photo-1024x683.jpg` → `photo.jpg`: WordPress's resized copies of one upload.
fn without_size_suffix(url: &str) -> Option<String> {
    let dot = url.rfind('.')?;
    let (stem, ext) = url.split_at(dot);
    let dash = stem.rfind('-')?;
    let (w, h) = stem[dash + 1..].split_once('x')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(w) && digits(h)).then(|| format!("{}{ext}", &stem[..dash]))
}

/// Where a media URL's file would be under the media folder.
fn candidate_paths(url: &str, known: Option<&str>, dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let path = url
        .strip_prefix("__GHOST_URL__")
        .or_else(|| url.split_once("://").map(|(_, rest)| rest))
        .map(|rest| rest.find('/').map_or("", |at| &rest[at..]))
        .unwrap_or(url);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if let Some(dir) = dir {
        if let Some(file) = known {
            out.push(dir.join(file));
        }
        for marker in ["/wp-content/uploads/", "/content/images/"] {
            if let Some(at) = path.find(marker) {
                out.push(dir.join(&path[at + marker.len()..]));
            }
        }
        out.push(dir.join(path.trim_start_matches('/')));
        if let Some(name) = path.rsplit('/').next() {
            out.push(dir.join(name));
        }
    }
    // Only files inside the media folder: an export must not reach elsewhere.
    out.retain(|p| {
        dir.is_some_and(|d| p.starts_with(d))
            && !p.components().any(|c| c == std::path::Component::ParentDir)
    });
    out
}

impl Images {
    /// The image id for a source URL: remembered from an earlier run, or read from the
    /// media folder and stored now. `None` (with a note) when the file is not there.
    async fn resolve(
        &mut self,
        state: &AppState,
        source: &str,
        url: &str,
        report: &mut Report,
    ) -> Option<String> {
        if let Some(found) = self.ids.get(url) {
            return found.clone();
        }
        // The original upload first: a resized copy is a lesser version of the same photo,
        // and the source's alt text and caption are recorded against the original.
        let keys: Vec<String> = without_size_suffix(url)
            .into_iter()
            .chain(std::iter::once(url.to_owned()))
            .collect();
        let found = self.find_or_store(state, source, &keys, report).await;
        self.ids.insert(url.to_owned(), found.clone());
        found
    }

    async fn find_or_store(
        &mut self,
        state: &AppState,
        source: &str,
        keys: &[String],
        report: &mut Report,
    ) -> Option<String> {
        for key in keys {
            let (s, k) = (source.to_owned(), key.clone());
            let known = state
                .db
                .read(move |conn| {
                    let Some((id, _, _)) = remembered(conn, &s, "image", &k)? else {
                        return Ok(None);
                    };
                    Ok(crate::media::db::get(conn, &id).ok().map(|row| row.id))
                })
                .await
                .ok()
                .flatten();
            if let Some(id) = known {
                if self.counted.insert(id.clone()) {
                    report.images.unchanged += 1;
                }
                return Some(id);
            }
        }
        for key in keys {
            let picture = self.pictures.get(key).cloned().unwrap_or_default();
            let paths = candidate_paths(key, picture.file.as_deref(), self.media_dir.as_deref());
            let Some(bytes) = paths.iter().find_map(|p| std::fs::read(p).ok()) else {
                continue;
            };
            let meta = match crate::media::model::ImageMeta::parse(
                picture.alt.clone(),
                picture.caption.clone(),
                picture.credit.clone(),
                None,
            ) {
                Ok(meta) => meta,
                Err(e) => {
                    report.images.failed += 1;
                    report
                        .not_mapped
                        .push(format!("image {key}: {}", describe(&e)));
                    return None;
                }
            };
            return match crate::media::ingest::ingest(state, bytes.into(), meta, None).await {
                Ok((status, row)) => {
                    self.counted.insert(row.id.clone());
                    if status == actix_web::http::StatusCode::CREATED {
                        report.images.created += 1;
                    } else {
                        report.images.adopted += 1;
                    }
                    let (s, k, id) = (source.to_owned(), key.clone(), row.id.clone());
                    let origin = paths.first().map(|p| p.display().to_string());
                    let _ = state
                        .db
                        .write(move |conn| {
                            remember(
                                conn,
                                Memory {
                                    source: &s,
                                    kind: "image",
                                    external_id: &k,
                                    local_id: &id,
                                    fingerprint: "",
                                    version: None,
                                    origin: origin.as_deref(),
                                },
                            )
                        })
                        .await;
                    Some(row.id)
                }
                Err(e) => {
                    report.images.failed += 1;
                    report
                        .not_mapped
                        .push(format!("image {key}: {}", describe(&e)));
                    None
                }
            };
        }
        None
    }
}

/// Creates or updates one story, in one transaction, and brings its status in line.
async fn upsert_story(
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
                    let row = crate::store::schema::articles::table
                        .find(&local)
                        .select(crate::content::articles::model::ArticleRow::as_select())
                        .first(conn)
                        .optional()?;
                    match row {
                        Some(row) if row.deleted_at.is_some() => {
                            notes.push("in Dateline's trash; not imported again".into());
                            return Ok((Outcome::Skipped(row.id), notes));
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
                    return Ok((Outcome::Unchanged(row.id.clone()), notes));
                }
                if version.is_some_and(|v| v != row.version) {
                    notes.push(format!(
                        "edited in Dateline since the last import (now version {}); the source's changes were not applied",
                        row.version
                    ));
                    return Ok((Outcome::Skipped(row.id.clone()), notes));
                }
            }
            let own_id = existing.as_ref().map(|(row, _, _)| row.id.clone());
            let slug = match source_slug(story.slug.as_deref()) {
                Some(slug) if slug_free(conn, slug.as_str(), own_id.as_deref())? => Some(slug),
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
                canonical_url: story.canonical_url.clone(),
                seo: Some(crate::content::articles::model::Seo {
                    title: story.seo_title.clone().unwrap_or_default(),
                    description: story.seo_description.clone().unwrap_or_default(),
                }),
                embargo_until: None,
                append_correction: None,
            };
            let input = update.parse()?;
            let (row, outcome) = match existing {
                Some((row, _, _)) => {
                    let version = row.version;
                    let id = row.id.clone();
                    (
                        articles::update(conn, row, version, input, None, &media, "import")?,
                        Outcome::Updated(id),
                    )
                }
                None => {
                    let row = articles::insert(conn, input, None, &media)?;
                    let id = row.id.clone();
                    (row, Outcome::Created(id))
                }
            };
            let (status, at) = match story.state {
                State::Published(at) => (Status::Published, Some(at)),
                State::Scheduled(at) => (Status::Scheduled, Some(at)),
                State::Draft => (Status::Draft, None),
            };
            if Status::parse(&row.status) != status || row.published_at != at {
                articles::transition(
                    conn,
                    &row,
                    row.version,
                    status,
                    Some(at),
                    "import",
                    None,
                )?;
            }
            for old in &story.old_slugs {
                if old == &row.slug || old.is_empty() || old.len() > 200 || old.contains('/') {
                    continue;
                }
                if slug_free(conn, old, Some(&row.id))? {
                    use crate::store::schema::article_slugs;
                    diesel::delete(article_slugs::table.filter(article_slugs::slug.eq(old)))
                        .execute(conn)?;
                    diesel::insert_into(article_slugs::table)
                        .values((
                            article_slugs::slug.eq(old),
                            article_slugs::article_id.eq(&row.id),
                        ))
                        .execute(conn)?;
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

/// Whether `slug` is free for the story `own` (neither another story's slug nor one of
/// its old ones).
fn slug_free(conn: &mut DbConn, slug: &str, own: Option<&str>) -> AppResult<bool> {
    use crate::store::schema::{article_slugs, articles as table};
    let own = own.unwrap_or("");
    let live: i64 = table::table
        .filter(table::slug.eq(slug))
        .filter(table::id.ne(own))
        .count()
        .get_result(conn)?;
    let former: i64 = article_slugs::table
        .filter(article_slugs::slug.eq(slug))
        .filter(article_slugs::article_id.ne(own))
        .count()
        .get_result(conn)?;
    Ok(live + former == 0)
}

/// Reads `path` as `kind` (`wordpress` or `ghost`) and imports it.
pub async fn import_file(
    state: &AppState,
    kind: &str,
    path: &Path,
    options: &Options,
) -> Result<Report, String> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| format!("import {kind}: cannot read {}: {e}", path.display()))?;
    let bundle = match kind {
        "wordpress" => wordpress::read(&raw, options)?,
        "ghost" => ghost::read(&raw, options)?,
        other => return Err(format!("import: unknown source {other:?}")),
    };
    Ok(run(state, bundle, options).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_resized_copies_lead_to_the_upload() {
        assert_eq!(
            without_size_suffix("https://x.test/u/2024/03/photo-1024x683.jpg").as_deref(),
            Some("https://x.test/u/2024/03/photo.jpg")
        );
        assert_eq!(without_size_suffix("https://x.test/u/my-photo.jpg"), None);
        assert_eq!(without_size_suffix("https://x.test/u/a-10x.jpg"), None);
    }

    #[test]
    fn media_paths_stay_inside_the_folder() {
        let dir = Path::new("/m");
        let paths = candidate_paths(
            "https://x.test/wp-content/uploads/2024/03/p.jpg",
            None,
            Some(dir),
        );
        assert_eq!(paths[0], Path::new("/m/2024/03/p.jpg"));
        for (url, known) in [
            ("https://x.test/../../etc/passwd", None),
            ("https://x.test/a.jpg", Some("../../etc/passwd")),
            ("https://x.test/a.jpg", Some("/etc/passwd")),
        ] {
            let paths = candidate_paths(url, known, Some(dir));
            assert!(!paths.is_empty(), "{url} {known:?}");
            assert!(
                paths
                    .iter()
                    .all(|p| p.starts_with("/m") && !p.to_string_lossy().contains("..")),
                "{paths:?}"
            );
        }
        assert!(candidate_paths("https://x.test/a.jpg", None, None).is_empty());
        assert_eq!(
            candidate_paths(
                "__GHOST_URL__/content/images/2024/01/a.png",
                None,
                Some(dir)
            )[0],
            Path::new("/m/2024/01/a.png")
        );
    }
}
