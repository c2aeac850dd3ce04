//! The public index: which stories the public sees, newest first, for every list a
//! read makes (all stories, a section, a tag, an author), previous/next and
//! related-by-tag, and the published-story counts. Every query here is a range scan
//! of a partial index on public stories (`public_from IS NOT NULL`), bounded by the
//! page size: tag and byline rows carry their story's publish time for that (kept in
//! step by triggers, see the `public_reads` migration), a section with subsections is
//! one bounded range per section merged here, and counts are kept with
//! `public_stories` instead of counted.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::ArticleLink;
use crate::error::AppResult;
use crate::http::utc;
use crate::store::ids::{ArticleId, ImageId};
use crate::store::schema::{
    article_authors, article_tags, articles, public_counts, public_stories,
};
use crate::store::stamp::{MaybeStamp, Stamp};
use crate::store::{DbConn, inner, keys_in};

/// The public-visibility rule in SQL for `articles` at `$now` (the Rust form is
/// `model::is_public_at`): the generated `public_from` has passed. The redundant
/// `published_at` bound lets an index on publish time start at `$now`.
macro_rules! public_at {
    ($now:expr) => {
        articles::public_from
            .le($crate::store::stamp::Stamp($now))
            .and(articles::published_at.le($crate::store::stamp::Stamp($now)))
    };
}
pub(crate) use public_at;

/// The keyset condition "before `(at, id)`" on a `(time, id)` column pair, written so
/// that the time bound is an index range: `t <= at AND (t < at OR id < id)`.
macro_rules! before {
    ($time:expr, $id:expr, $at:expr, $key:expr) => {
        $time
            .le($crate::store::stamp::Stamp($at))
            .and($time.lt($crate::store::stamp::Stamp($at)).or($id.lt($key)))
    };
}

/// What a public list is limited to.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// A section and its subsections.
    pub sections: Option<Vec<String>>,
    pub tag: Option<String>,
    pub author: Option<String>,
    /// Published at or after.
    pub since: Option<NaiveDateTime>,
    /// Published before.
    pub until: Option<NaiveDateTime>,
    /// In this language (BCP 47) only.
    pub language: Option<String>,
}

/// A page position: a story's publish time and id.
///
/// Every range below has one upper bound on the publish time: `now` on a first page,
/// the cursor's time after it (`public_from <= now` implies `published_at <= now`, so
/// visibility needs no second bound). Given two, SQLite may range from now down to
/// the cursor, through every story in between: deep archive pages would cost more the
/// deeper they are.
pub type Position = (NaiveDateTime, String);

/// The ids of the public stories in `scope`, newest first, after the keyset `after`,
/// at most `limit`: driven by the tag's or the author's index when the scope names
/// one, else by each section's, else by the publish-time index.
pub fn page(
    conn: &mut DbConn,
    scope: &Scope,
    after: Option<&Position>,
    limit: i64,
    now: NaiveDateTime,
) -> AppResult<Vec<Position>> {
    let mut found = if let Some(tag) = &scope.tag {
        let mut q = article_tags::table
            .inner_join(articles::table)
            .filter(article_tags::tag_id.eq(tag))
            .filter(article_tags::public_from.le(Stamp(now)))
            .filter(articles::public_from.le(Stamp(now)))
            .order((
                article_tags::published_at.desc(),
                article_tags::article_id.desc(),
            ))
            .limit(limit)
            .select((
                article_tags::published_at.assume_not_null(),
                article_tags::article_id,
            ))
            .into_boxed();
        match after {
            Some((at, id)) => {
                q = q.filter(before!(
                    article_tags::published_at,
                    article_tags::article_id,
                    *at,
                    id
                ))
            }
            None => q = q.filter(article_tags::published_at.le(Stamp(now))),
        }
        if let Some(since) = scope.since {
            q = q.filter(article_tags::published_at.ge(Stamp(since)));
        }
        if let Some(until) = scope.until {
            q = q.filter(article_tags::published_at.lt(Stamp(until)));
        }
        if let Some(sections) = &scope.sections {
            q = q.filter(articles::section_id.eq_any(sections.clone()));
        }
        if let Some(language) = &scope.language {
            q = q.filter(articles::language.eq(language.clone()));
        }
        if let Some(author) = &scope.author {
            q = q.filter(
                article_tags::article_id.eq_any(
                    article_authors::table
                        .filter(article_authors::author_id.eq(author.clone()))
                        .select(article_authors::article_id),
                ),
            );
        }
        positions(q.load(conn)?)
    } else if let Some(author) = &scope.author {
        let mut q = article_authors::table
            .inner_join(articles::table)
            .filter(article_authors::author_id.eq(author))
            .filter(article_authors::public_from.le(Stamp(now)))
            .filter(articles::public_from.le(Stamp(now)))
            .order((
                article_authors::published_at.desc(),
                article_authors::article_id.desc(),
            ))
            .limit(limit)
            .select((
                article_authors::published_at.assume_not_null(),
                article_authors::article_id,
            ))
            .into_boxed();
        match after {
            Some((at, id)) => {
                q = q.filter(before!(
                    article_authors::published_at,
                    article_authors::article_id,
                    *at,
                    id
                ))
            }
            None => q = q.filter(article_authors::published_at.le(Stamp(now))),
        }
        if let Some(since) = scope.since {
            q = q.filter(article_authors::published_at.ge(Stamp(since)));
        }
        if let Some(until) = scope.until {
            q = q.filter(article_authors::published_at.lt(Stamp(until)));
        }
        if let Some(sections) = &scope.sections {
            q = q.filter(articles::section_id.eq_any(sections.clone()));
        }
        if let Some(language) = &scope.language {
            q = q.filter(articles::language.eq(language.clone()));
        }
        positions(q.load(conn)?)
    } else if let Some(sections) = &scope.sections {
        let mut all = Vec::new();
        for section in sections {
            all.extend(in_articles(conn, Some(section), scope, after, limit, now)?);
        }
        all
    } else {
        in_articles(conn, None, scope, after, limit, now)?
    };
    found.sort_by(|a, b| b.cmp(a));
    found.dedup();
    found.truncate(limit.max(0) as usize);
    Ok(found)
}

/// One range of the publish-time index (of one section's, with `section`).
fn in_articles(
    conn: &mut DbConn,
    section: Option<&String>,
    scope: &Scope,
    after: Option<&Position>,
    limit: i64,
    now: NaiveDateTime,
) -> AppResult<Vec<Position>> {
    let mut q = articles::table
        .filter(articles::public_from.le(Stamp(now)))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .select((articles::published_at.assume_not_null(), articles::id))
        .into_boxed();
    if let Some(section) = section {
        q = q.filter(articles::section_id.eq(section.clone()));
    }
    match after {
        Some((at, id)) => q = q.filter(before!(articles::published_at, articles::id, *at, id)),
        None => q = q.filter(articles::published_at.le(Stamp(now))),
    }
    if let Some(since) = scope.since {
        q = q.filter(articles::published_at.ge(Stamp(since)));
    }
    if let Some(until) = scope.until {
        q = q.filter(articles::published_at.lt(Stamp(until)));
    }
    if let Some(language) = &scope.language {
        q = q.filter(articles::language.eq(language.clone()));
    }
    Ok(positions(q.load(conn)?))
}

/// Positions as loaded: times read as [`Stamp`] reads them, not by chrono's parser (a
/// list reads a page and one more of them, from each of a section's subsections).
fn positions(rows: Vec<(Stamp, String)>) -> Vec<Position> {
    rows.into_iter().map(|(at, id)| (at.0, id)).collect()
}

/// A story as links show it: the columns a link needs, never the body.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct LinkRow {
    pub id: ArticleId,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    #[diesel(deserialize_as = MaybeStamp)]
    pub published_at: Option<NaiveDateTime>,
    pub featured_image_id: Option<ImageId>,
}

impl From<&LinkRow> for ArticleLink {
    fn from(row: &LinkRow) -> Self {
        ArticleLink {
            id: row.id.clone(),
            slug: row.slug.clone(),
            headline: row.headline.clone(),
            standfirst: row.standfirst.clone(),
            published_at: row.published_at.map(utc),
        }
    }
}

/// The public stories among `keys` (ids or slugs), as links.
pub fn links(conn: &mut DbConn, keys: &[String], now: NaiveDateTime) -> AppResult<Vec<LinkRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<LinkRow> = inner!(conn, |c| articles::table
        .filter(public_at!(now))
        .filter(keys_in(articles::id, keys).or(keys_in(articles::slug, keys)))
        .select(LinkRow::as_select())
        .load(c))?;
    Ok(found)
}

/// The public story just before (`newer` false) or after (`newer` true) the position
/// `(at, id)` in `section`, by publish time: its id, from the section's public index
/// alone (the index carries `public_from`, so no story row is read: a row's time
/// columns sit after its body, and reaching them walks the body's overflow pages).
pub fn adjacent(
    conn: &mut DbConn,
    section: &str,
    (at, id): (NaiveDateTime, &str),
    newer: bool,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    // Two fixed statements (not one built per call), so both stay prepared.
    let found = if newer {
        inner!(conn, |c| articles::table
            .filter(public_at!(now))
            .filter(articles::section_id.eq(section))
            .filter(
                articles::published_at
                    .ge(Stamp(at))
                    .and(articles::published_at.gt(Stamp(at)).or(articles::id.gt(id))),
            )
            .order((articles::published_at.asc(), articles::id.asc()))
            .select(articles::id)
            .first(c)
            .optional())?
    } else {
        // `public_from <= now` alone (it implies `published_at <= now`): a second
        // upper bound on the publish time lets SQLite range from now down to `at`,
        // every story of the section in between.
        inner!(conn, |c| articles::table
            .filter(articles::public_from.le(Stamp(now)))
            .filter(articles::section_id.eq(section))
            .filter(before!(articles::published_at, articles::id, at, id))
            .order((articles::published_at.desc(), articles::id.desc()))
            .select(articles::id)
            .first(c)
            .optional())?
    };
    Ok(found)
}

/// How many of each tag's newest stories a story page looks at: enough to fill its
/// five related places past the story itself.
pub const PER_TAG: i64 = 6;

/// Links to the public stories with these ids, in no particular order: from the
/// narrow `public_stories` rows, falling back to the stories themselves for any not
/// listed there yet (a scheduled story whose time came a moment ago).
pub fn links_by_id(
    conn: &mut DbConn,
    ids: &[String],
    now: NaiveDateTime,
) -> AppResult<Vec<LinkRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<LinkRow> = inner!(conn, |c| public_stories::table
        .filter(keys_in(public_stories::article_id, ids))
        .filter(public_stories::published_at.le(Stamp(now)))
        .select((
            public_stories::article_id,
            public_stories::slug,
            public_stories::headline,
            public_stories::standfirst,
            public_stories::published_at.nullable(),
            public_stories::featured_image_id,
        ))
        .load::<LinkRow>(c))?;
    with_missing(conn, &mut found, ids, now)?;
    Ok(found)
}

/// Adds to `found` (links from `public_stories`) those of `ids` it lacks, from the
/// stories themselves (one listed there a moment late, or an id given as a slug).
pub fn with_missing(
    conn: &mut DbConn,
    found: &mut Vec<LinkRow>,
    ids: &[String],
    now: NaiveDateTime,
) -> AppResult<()> {
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.iter().any(|f| &f.id == *id))
        .cloned()
        .collect();
    if !missing.is_empty() {
        found.extend(links(conn, &missing, now)?);
    }
    Ok(())
}

/// The newest public stories carrying any of `tags`: the first `per_tag` of each
/// tag's range, merged, newest first, each story once.
pub fn newest_tagged(
    conn: &mut DbConn,
    tags: &[String],
    per_tag: i64,
    now: NaiveDateTime,
) -> AppResult<Vec<Position>> {
    let mut all: Vec<Position> = Vec::new();
    for tag in tags {
        let found: Vec<(Stamp, String)> = inner!(conn, |c| article_tags::table
            .filter(article_tags::tag_id.eq(tag))
            .filter(article_tags::public_from.le(Stamp(now)))
            .filter(article_tags::published_at.le(Stamp(now)))
            .order((
                article_tags::published_at.desc(),
                article_tags::article_id.desc(),
            ))
            .limit(per_tag)
            .select((
                article_tags::published_at.assume_not_null(),
                article_tags::article_id,
            ))
            .load(c))?;
        all.extend(found.into_iter().map(|(at, id)| (at.0, id)));
    }
    all.sort_by(|a, b| b.cmp(a));
    all.dedup_by(|a, b| a.1 == b.1);
    Ok(all)
}

/// What [`counts`] counts by.
#[derive(Debug, Clone, Copy)]
pub enum CountBy {
    Tag,
    Author,
    Section,
}

impl CountBy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CountBy::Tag => "tag",
            CountBy::Author => "author",
            CountBy::Section => "section",
        }
    }
}

/// Published-story counts per tag, author or section among `ids` (kept, not counted).
pub fn counts(conn: &mut DbConn, by: CountBy, ids: &[String]) -> AppResult<HashMap<String, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> = public_counts::table
        .filter(public_counts::kind.eq(by.as_str()))
        .filter(public_counts::id.eq_any(ids))
        .select((public_counts::id, public_counts::count))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
