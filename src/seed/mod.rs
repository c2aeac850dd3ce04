//! `dateline seed --articles N [--seed S]`: a deterministic, realistic newsroom for
//! benchmarks — 12 sections in a tree, 2,000 tags used with a Zipf distribution, 150
//! authors, stories of 300–1,500 words in real blocks (paragraphs, headings, quotes,
//! photos, "Also Read" links) published over five years, and the front page's
//! collections. Stories go in with batched multi-row inserts, a thousand per
//! transaction, rendered by the same renderer as the API.

use std::io::IsTerminal;
use std::time::Instant;

use chrono::TimeDelta;
use diesel::prelude::*;

use crate::content::articles::blocks::ImageInfo;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::schema::{article_authors, article_links, article_tags, articles};
use crate::store::{DbConn, now};

mod story;
mod words;

use story::{Story, story};
use words::{ASPECTS, FIRST, LAST, Rng, SECTIONS, TOPICS, Zipf};

/// How big a newsroom to make.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub articles: usize,
    pub seed: u64,
}

/// Parses `--articles N [--seed S]`.
pub fn parse_args(args: &[String]) -> Result<Plan, String> {
    let mut plan = Plan {
        articles: 10_000,
        seed: 42,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--articles" => {
                plan.articles = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=10_000_000).contains(n))
                    .ok_or("--articles must be a number from 1 to 10000000")?
            }
            "--seed" => plan.seed = value.parse().map_err(|_| "--seed must be a number")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(plan)
}

/// Runs the plan against an empty database; returns a one-line summary.
pub async fn run(state: &AppState, plan: Plan) -> Result<String, String> {
    let started = Instant::now();
    let fail = |e: AppError| e.to_string();
    let existing: i64 = state
        .db
        .read(|conn| Ok(articles::table.count().get_result(conn)?))
        .await
        .map_err(fail)?;
    if existing > 0 {
        return Err("the database already has stories; `dateline seed` fills an empty one".into());
    }
    let mut rng = Rng(plan.seed);
    let (section_ids, author_ids, tag_ids) = vocabulary(state, &mut rng).await.map_err(fail)?;
    let photos = photos(state).await?;

    let zipf = Zipf::new(tag_ids.len());
    let span = TimeDelta::days(5 * 365);
    let start = now() - span;
    let step = span.num_seconds() as f64 / plan.articles as f64;
    let batch = 1000;
    let progress = std::io::stderr().is_terminal();
    let mut ids: Vec<String> = Vec::with_capacity(plan.articles);
    let mut done = 0;
    while done < plan.articles {
        let n = batch.min(plan.articles - done);
        let mut stories = Vec::with_capacity(n);
        for i in done..done + n {
            let at = start
                + TimeDelta::seconds(
                    (i as f64 * step) as i64 + rng.below(step.max(1.0) as usize) as i64,
                );
            stories.push(story(
                &mut rng,
                i,
                at,
                &ids,
                &section_ids,
                &author_ids,
                &tag_ids,
                &zipf,
                &photos,
            ));
            ids.push(
                stories
                    .last()
                    .map(|s: &Story| s.id.clone())
                    .unwrap_or_default(),
            );
        }
        state
            .db
            .write(move |conn| insert(conn, stories))
            .await
            .map_err(fail)?;
        done += n;
        if progress {
            let width = 30;
            let filled = done * width / plan.articles;
            eprint!(
                "\r[{}{}] {done}/{} stories, {:.1} s",
                "#".repeat(filled),
                " ".repeat(width - filled),
                plan.articles,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if progress {
        eprintln!();
    }
    let published: Vec<String> = state
        .db
        .read(|conn| {
            Ok(articles::table
                .filter(articles::status.eq("published"))
                .order((articles::published_at.desc(), articles::id.desc()))
                .limit(40)
                .select(articles::id)
                .load(conn)?)
        })
        .await
        .map_err(fail)?;
    let oldest_first: Vec<String> = published.into_iter().rev().collect();
    crate::demo::collections(state, &oldest_first)
        .await
        .map_err(fail)?;
    // The stories went in as rows, past the write path: derive the public index.
    state
        .db
        .write(crate::content::articles::announce::rebuild)
        .await
        .map_err(fail)?;
    Ok(format!(
        "seeded {} stories, {} sections, {} authors, {} tags, {} photos, 3 collections in {:.1} s",
        plan.articles,
        section_ids.len(),
        author_ids.len(),
        tag_ids.len(),
        photos.len(),
        started.elapsed().as_secs_f64()
    ))
}

type Vocabulary = (Vec<String>, Vec<String>, Vec<String>);

async fn vocabulary(state: &AppState, rng: &mut Rng) -> AppResult<Vocabulary> {
    let mut author_names = Vec::new();
    for first in FIRST {
        for last in LAST {
            author_names.push(format!("{first} {last}"));
        }
    }
    let mut tag_names = Vec::new();
    for topic in TOPICS {
        for aspect in ASPECTS {
            tag_names.push(format!("{topic} {aspect}"));
        }
    }
    // Shuffle so that popular tags are not alphabetical.
    for i in (1..tag_names.len()).rev() {
        tag_names.swap(i, rng.below(i + 1));
    }
    state
        .db
        .write(move |conn| {
            let mut sections = Vec::new();
            for (name, parent) in SECTIONS {
                let input = crate::content::sections::model::CreateSection {
                    name: name.into(),
                    slug: None,
                    description: Some(format!("{name} coverage.")),
                    parent: parent.map(str::to_owned),
                    position: None,
                }
                .parse()?;
                sections.push(crate::content::sections::db::insert(conn, input)?.id);
            }
            let mut authors = Vec::new();
            for name in author_names {
                let input = crate::content::authors::model::CreateAuthor {
                    bio: Some(format!("{name} reports for Dateline.")),
                    name,
                    slug: None,
                    links: None,
                }
                .parse()?;
                authors.push(crate::content::authors::db::insert(conn, input)?.id);
            }
            let mut tags = Vec::new();
            for name in tag_names {
                let (name, input) = crate::content::tags::model::CreateTag {
                    name,
                    slug: None,
                    description: None,
                }
                .parse()?;
                tags.push(crate::content::tags::db::insert(conn, &name, input)?.id);
            }
            Ok((sections, authors, tags))
        })
        .await
}

async fn photos(state: &AppState) -> Result<Vec<(String, ImageInfo)>, String> {
    let tints = [
        [40, 90, 160],
        [30, 140, 90],
        [170, 120, 40],
        [130, 60, 140],
        [150, 50, 50],
        [60, 60, 60],
    ];
    let mut out = Vec::new();
    for (i, tint) in tints.into_iter().enumerate() {
        let caption = format!("Seeded photo {}", i + 1);
        let meta = crate::media::model::ImageMeta::parse(
            Some(caption.clone()),
            Some(caption),
            Some("Photo – Dateline".into()),
            None,
        )
        .map_err(|e| e.to_string())?;
        let (_, row) =
            crate::media::ingest::ingest(state, crate::demo::photo(tint)?.into(), meta, None)
                .await
                .map_err(|e| e.to_string())?;
        let info = crate::content::articles::prepare::image_info(row.clone(), &state.media);
        out.push((row.id.into(), info));
    }
    Ok(out)
}

/// One transaction: the stories and their bylines, tags and links, a few multi-row
/// statements each.
fn insert(conn: &mut DbConn, stories: Vec<Story>) -> AppResult<()> {
    let created = now();
    let rows: Vec<_> = stories
        .iter()
        .map(|s| {
            (
                articles::id.eq(&s.id),
                articles::slug.eq(&s.slug),
                articles::headline.eq(&s.headline),
                articles::standfirst.eq(&s.standfirst),
                articles::body.eq(&s.body),
                articles::body_html.eq(&s.html),
                articles::body_text.eq(&s.text),
                articles::word_count.eq(s.words),
                articles::reading_time_minutes.eq(s.minutes),
                articles::status.eq(if s.published { "published" } else { "draft" }),
                articles::published_at.eq(s.published.then_some(s.at)),
                articles::section_id.eq(Some(&s.section)),
                articles::featured_image_id.eq(Some(&s.image)),
                articles::source.eq("Dateline wire"),
                articles::version.eq(1i64),
                articles::created_at.eq(s.at.min(created)),
                articles::updated_at.eq(s.at.min(created)),
            )
        })
        .collect();
    let bylines: Vec<_> = stories
        .iter()
        .flat_map(|s| {
            s.authors.iter().enumerate().map(|(i, a)| {
                (
                    article_authors::article_id.eq(&s.id),
                    article_authors::author_id.eq(a),
                    article_authors::position.eq(i as i32),
                )
            })
        })
        .collect();
    let tagged: Vec<_> = stories
        .iter()
        .flat_map(|s| {
            s.tags.iter().map(|t| {
                (
                    article_tags::article_id.eq(&s.id),
                    article_tags::tag_id.eq(t),
                )
            })
        })
        .collect();
    let linked: Vec<_> = stories
        .iter()
        .flat_map(|s| {
            s.links.iter().map(|(kind, target)| {
                (
                    article_links::article_id.eq(&s.id),
                    article_links::target_kind.eq(*kind),
                    article_links::target_id.eq(target),
                )
            })
        })
        .collect();
    // Multi-row inserts run on the inner connection (MultiConnection cannot batch);
    // chunks keep every statement under SQLite's bound-parameter limit.
    macro_rules! batch {
        ($table:expr, $rows:expr, $chunk:expr) => {
            for chunk in $rows.chunks($chunk) {
                let statement = diesel::insert_into($table).values(chunk);
                match conn {
                    DbConn::Sqlite(c) => statement.execute(c)?,
                    DbConn::Postgres(c) => statement.execute(c)?,
                };
            }
        };
    }
    batch!(articles::table, rows, 500);
    batch!(article_authors::table, bylines, 2000);
    batch!(article_tags::table, tagged, 3000);
    batch!(article_links::table, linked, 3000);
    Ok(())
}
