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
mod wordpress_markup;

mod dom;
mod media;
mod write;
mod xml;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::content::articles::blocks::Block;
use crate::content::articles::model::Access;
use crate::error::AppResult;
use crate::state::AppState;
use media::Images;
use write::{
    Resolved, describe, find_author, find_section, find_tag, fit, source_slug, upsert_slugged,
    upsert_story, write_author, write_section, write_tag,
};
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
    /// Who may read it (Ghost's members-only and paid posts).
    pub access: Access,
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

/// The report line for pages left out (`--pages` not given), each named.
pub(crate) fn pages_left_out(titles: &[String]) -> String {
    let named: Vec<String> = titles.iter().map(|t| format!("{t:?}")).collect();
    format!(
        "{} page(s) not imported (import them with --pages): {}",
        titles.len(),
        named.join(", ")
    )
}

/// Everything read from one export, in our terms.
#[derive(Debug, Default)]
pub struct Bundle {
    /// Names the source in `import_sources`, e.g. `wordpress:https://example.com`.
    pub source: String,
    /// Other names the same site goes by (the name the export gives itself when
    /// `--source` names it otherwise): a site imported before under one of them keeps
    /// that name, so naming it differently on a re-run duplicates nothing.
    pub also_known_as: Vec<String>,
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
    /// Names the site imported from (`--source`): a URL or a name. Required where the
    /// export does not say (Ghost); where it does (WordPress), it replaces that name.
    /// Re-runs must name the site the same way to update rather than duplicate.
    pub source: Option<String>,
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

/// Counts one record's outcome in `tally` and gives its local id; a failure is counted
/// and reported under `what` instead.
fn counted(
    result: AppResult<Outcome>,
    tally: &mut Tally,
    not_mapped: &mut Vec<String>,
    what: String,
) -> Option<String> {
    match result {
        Ok(outcome) => Some(outcome.count(tally)),
        Err(e) => {
            tally.failed += 1;
            not_mapped.push(format!("{what}: {}", describe(&e)));
            None
        }
    }
}

/// Imports `bundle` into the newsroom behind `state`.
pub async fn run(state: &AppState, mut bundle: Bundle, options: &Options) -> Report {
    let progress = Progress::new(options.progress);
    let source = settled_source(state, &bundle).await;
    let mut report = Report {
        source: source.clone(),
        not_mapped: std::mem::take(&mut bundle.notes),
        ..Report::default()
    };
    if source != bundle.source {
        report.not_mapped.insert(
            0,
            format!(
                "this site was imported before as {source}: that name is kept, so nothing is made twice"
            ),
        );
    }

    let mut author_ids = HashMap::new();
    for (n, person) in bundle.authors.iter().enumerate() {
        let slug = source_slug(person.slug.as_deref());
        let result = upsert_slugged(
            state,
            &source,
            "author",
            person,
            &person.id,
            slug,
            find_author,
            write_author,
        )
        .await;
        let what = format!("author {:?}", person.name);
        if let Some(id) = counted(result, &mut report.authors, &mut report.not_mapped, what) {
            author_ids.insert(person.id.clone(), id);
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
            let result = upsert_slugged(
                state,
                &source,
                "section",
                &term,
                &external,
                slug,
                find_section,
                write_section,
            )
            .await;
            let what = format!("section {:?}", term.name);
            if let Some(id) = counted(result, &mut report.sections, &mut report.not_mapped, what) {
                section_ids.insert(external, id);
            }
            progress.step("sections", total - pending.len(), total);
        }
    }

    let mut tag_ids = HashMap::new();
    for (n, term) in bundle.tags.iter().enumerate() {
        let slug = source_slug(term.slug.as_deref());
        let result = upsert_slugged(
            state, &source, "tag", term, &term.id, slug, find_tag, write_tag,
        )
        .await;
        let what = format!("tag {:?}", term.name);
        if let Some(id) = counted(result, &mut report.tags, &mut report.not_mapped, what) {
            tag_ids.insert(term.id.clone(), id);
        }
        progress.step("tags", n + 1, bundle.tags.len());
    }

    let mut images = Images {
        ids: HashMap::new(),
        pictures: std::mem::take(&mut bundle.pictures),
        media_dir: options.media_dir.clone(),
        counted: HashSet::new(),
        failed: HashSet::new(),
    };
    let total = bundle.stories.len();
    // Photo files not found, each with the stories that lost it (one line per file).
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
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
                    None if images.failed.contains(&url) => {}
                    None => missing.entry(url).or_default().push(story.headline.clone()),
                },
                other => body.push(other),
            }
        }
        let featured = match story.featured_image.clone() {
            Some(url) => {
                let found = images.resolve(state, &source, &url, &mut report).await;
                if found.is_none() && !images.failed.contains(&url) {
                    missing.entry(url).or_default().push(story.headline.clone());
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
                report
                    .not_mapped
                    .push(format!("{label}: NOT IMPORTED: {}", describe(&e)));
            }
        }
        progress.step("articles", n + 1, total);
    }
    if !missing.is_empty() {
        let place = match &options.media_dir {
            Some(dir) => format!("in {}", dir.display()),
            None => "(no --media folder was given)".to_owned(),
        };
        report.not_mapped.push(format!(
            "{} photo file(s) not found {place}: photos are read from the media folder, never downloaded; each is left out of the stories below",
            missing.len()
        ));
    }
    for (url, mut stories) in missing {
        stories.dedup();
        let named: Vec<String> = stories.iter().take(5).map(|s| format!("{s:?}")).collect();
        let more = match stories.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        report.not_mapped.push(format!(
            "photo {url} not found; left out of {}{more}",
            named.join(", ")
        ));
    }
    report
}

/// The name to import under: the bundle's, unless the site was imported before under
/// another of its names (and never under this one).
async fn settled_source(state: &AppState, bundle: &Bundle) -> String {
    let names: Vec<String> = std::iter::once(bundle.source.clone())
        .chain(bundle.also_known_as.iter().cloned())
        .collect();
    let known = state
        .db
        .read(move |conn| {
            for name in &names {
                if write::source_known(conn, name)? {
                    return Ok(Some(name.clone()));
                }
            }
            Ok(None)
        })
        .await;
    known
        .ok()
        .flatten()
        .unwrap_or_else(|| bundle.source.clone())
}

/// Reads `path` as `kind` (`wordpress` or `ghost`): nothing is written yet, so a file
/// that is not a readable export leaves the newsroom as it was.
pub fn read_file(kind: &str, path: &Path, options: &Options) -> Result<Bundle, String> {
    if path.to_string_lossy().starts_with('-') {
        return Err(format!(
            "import {kind}: {} is an option, not a file (see dateline import --help)",
            path.display()
        ));
    }
    let raw = std::fs::read_to_string(path)
        .map_err(|e| format!("import {kind}: cannot read {}: {e}", path.display()))?;
    match kind {
        "wordpress" => wordpress::read(&raw, options),
        "ghost" => ghost::read(&raw, options),
        other => Err(format!("import: unknown source {other:?}")),
    }
    .map_err(|e| format!("import {kind} {}: {e}", path.display()))
}

/// Reads `path` as `kind` (`wordpress` or `ghost`) and imports it.
pub async fn import_file(
    state: &AppState,
    kind: &str,
    path: &Path,
    options: &Options,
) -> Result<Report, String> {
    let bundle = read_file(kind, path, options)?;
    Ok(run(state, bundle, options).await)
}
