//! What a change to a story means for readers. Every story change passes through
//! `operations::record`, which calls [`announce`]: the story as readers can see it now is
//! compared with what they were last shown (`public_stories`, a row per public
//! story), the published-story counts follow, and the surrogate keys of every
//! response the change alters are named for the invalidation log (see
//! `content::keys`). A change readers cannot see (a draft saved, a scheduled story
//! edited) names nothing, so no cached response is dropped for it.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::listing::adjacent;
use super::model::ArticleRow;
use crate::content::keys;
use crate::error::AppResult;
use crate::store::ids::{ArticleId, ImageId};
use crate::store::invalidation::{ALL, invalidate};
use crate::store::schema::{collection_items, public_counts, public_stories};
use crate::store::{DbConn, now};

/// A public story as readers were last shown it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = public_stories)]
struct Listed {
    article_id: ArticleId,
    section_id: Option<String>,
    published_at: chrono::NaiveDateTime,
    slug: String,
    headline: String,
    standfirst: String,
    featured_image_id: Option<ImageId>,
    tag_ids: String,
    author_ids: String,
    language: String,
    /// When the story last changed (sitemaps' `lastmod`).
    updated_at: Option<chrono::NaiveDateTime>,
}

impl Listed {
    fn of(row: &ArticleRow, tags: &[String], authors: &[String]) -> Option<Listed> {
        let published_at = row.published_at?;
        let sorted = |ids: &[String]| {
            let set: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
            set.into_iter().collect::<Vec<_>>().join(" ")
        };
        Some(Listed {
            article_id: row.id.clone(),
            section_id: row.section_id.clone(),
            published_at,
            slug: row.slug.clone(),
            headline: row.headline.clone(),
            standfirst: row.standfirst.clone(),
            featured_image_id: row.featured_image_id.clone(),
            tag_ids: sorted(tags),
            author_ids: sorted(authors),
            language: row.language.clone(),
            updated_at: Some(row.updated_at),
        })
    }

    /// What a link to the story shows.
    fn link(&self) -> (&str, &str, &str, chrono::NaiveDateTime, Option<&str>) {
        (
            &self.slug,
            &self.headline,
            &self.standfirst,
            self.published_at,
            self.featured_image_id.as_deref(),
        )
    }

    /// Where lists show it: its section and time, and the language lists may filter by.
    fn place(&self) -> (Option<&str>, chrono::NaiveDateTime, &str) {
        (
            self.section_id.as_deref(),
            self.published_at,
            &self.language,
        )
    }

    fn tags(&self) -> BTreeSet<&str> {
        self.tag_ids.split(' ').filter(|t| !t.is_empty()).collect()
    }

    fn authors(&self) -> BTreeSet<&str> {
        self.author_ids
            .split(' ')
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// Compares `row` (as just written, with its tag and author ids) with what readers
/// were last shown; keeps `public_stories` and the counts in step and names the keys
/// that changed. Runs inside the change's transaction, after the change log's lock.
pub fn announce(
    conn: &mut DbConn,
    row: &ArticleRow,
    tags: &[String],
    authors: &[String],
) -> AppResult<()> {
    let now = now();
    let group = row.translation_of.as_deref().unwrap_or(row.id.as_str());
    let before: Option<Listed> = public_stories::table
        .find(&row.id)
        .select(Listed::as_select())
        .first(conn)
        .optional()?;
    let after = if row.is_public(now) {
        Listed::of(row, tags, authors)
    } else {
        None
    };
    if let Some(at) = public_from(row).filter(|at| *at > now) {
        // Public later by the clock alone: every cache drops what it changes then.
        let future = Listed::of(row, tags, authors);
        let mut named = changed(conn, &row.id, None, future.as_ref(), at)?;
        named.insert(keys::translations(group));
        named.insert(keys::sitemap_month(at));
        named.insert(keys::SITEMAP_NEWS.to_owned());
        crate::store::invalidation::invalidate_at(at, named);
    }
    if before.is_none() && after.is_none() {
        return Ok(());
    }
    let id = row.id.as_str();
    let (b, a) = (before.as_ref(), after.as_ref());
    let mut named = changed(conn, id, b, a, now)?;
    // Its group's pages list it (and its headline) among the translations.
    named.insert(keys::translations(group));
    // The sitemaps of the months it was and is in, and the news sitemap while it is
    // new (it leaves that by the clock, 48 hours after publication).
    for listed in [b, a].into_iter().flatten() {
        named.insert(keys::sitemap_month(listed.published_at));
    }
    if let Some(listed) = a {
        let leaves_news = listed.published_at + crate::discovery::sitemaps::NEWS_WINDOW;
        if leaves_news > now {
            named.insert(keys::SITEMAP_NEWS.to_owned());
            crate::store::invalidation::invalidate_at(leaves_news, [keys::SITEMAP_NEWS]);
        }
    }
    if b.is_some_and(|l| l.published_at + crate::discovery::sitemaps::NEWS_WINDOW > now) {
        named.insert(keys::SITEMAP_NEWS.to_owned());
    }
    let empty = BTreeSet::new();
    for (kind, old, new) in [
        (
            "tag",
            b.map_or(empty.clone(), Listed::tags),
            a.map_or(empty.clone(), Listed::tags),
        ),
        (
            "author",
            b.map_or(empty.clone(), Listed::authors),
            a.map_or(empty.clone(), Listed::authors),
        ),
        (
            "section",
            b.and_then(|l| l.section_id.as_deref())
                .into_iter()
                .collect(),
            a.and_then(|l| l.section_id.as_deref())
                .into_iter()
                .collect(),
        ),
    ] {
        for gone in old.difference(&new) {
            count(conn, kind, gone, -1)?;
        }
        for came in new.difference(&old) {
            count(conn, kind, came, 1)?;
        }
    }
    if before != after {
        diesel::delete(public_stories::table.find(id)).execute(conn)?;
        if let Some(listed) = &after {
            diesel::insert_into(public_stories::table)
                .values(listed.clone())
                .execute(conn)?;
        }
    }
    invalidate(named);
    Ok(())
}

/// When the story becomes public by its own columns (the generated `public_from`).
pub(super) fn public_from(row: &ArticleRow) -> Option<chrono::NaiveDateTime> {
    use super::model::Status;
    let eligible =
        row.deleted_at.is_none() && matches!(row.status, Status::Published | Status::Scheduled);
    let published = row.published_at.filter(|_| eligible)?;
    Some(row.embargo_until.map_or(published, |e| e.max(published)))
}

/// The keys of every response that shows the story differently going from `b` to `a`
/// (what readers were shown, what they see at `now`).
fn changed(
    conn: &mut DbConn,
    id: &str,
    b: Option<&Listed>,
    a: Option<&Listed>,
    now: chrono::NaiveDateTime,
) -> AppResult<BTreeSet<String>> {
    let mut named: BTreeSet<String> = BTreeSet::new();
    if b.is_none() && a.is_none() {
        return Ok(named);
    }
    named.insert(keys::article(id));
    named.insert(keys::SEARCH.to_owned());
    let shown_changed = b.is_some() != a.is_some();
    if shown_changed || b.map(Listed::link) != a.map(Listed::link) {
        named.insert(keys::link(id));
    }
    let moved = shown_changed || b.map(Listed::place) != a.map(Listed::place);
    if moved {
        named.insert(keys::ARTICLES.to_owned());
        for listed in [b, a].into_iter().flatten() {
            let Some(section) = &listed.section_id else {
                continue;
            };
            named.insert(keys::section_articles(section));
            // The stories on either side, where it was and where it is, change their
            // previous/next.
            for newer in [false, true] {
                if let Some(n) = adjacent(conn, section, (listed.published_at, id), newer, now)? {
                    named.insert(keys::page(&n));
                }
            }
        }
    }
    let empty = BTreeSet::new();
    let (tags_before, tags_after) = (
        b.map_or(empty.clone(), Listed::tags),
        a.map_or(empty.clone(), Listed::tags),
    );
    let (by_before, by_after) = (
        b.map_or(empty.clone(), Listed::authors),
        a.map_or(empty, Listed::authors),
    );
    let touched = |old: &BTreeSet<&str>, new: &BTreeSet<&str>| -> Vec<String> {
        if moved {
            old.union(new).map(|s| s.to_string()).collect()
        } else {
            old.symmetric_difference(new)
                .map(|s| s.to_string())
                .collect()
        }
    };
    for t in touched(&tags_before, &tags_after) {
        named.insert(keys::tag_articles(&t));
    }
    for au in touched(&by_before, &by_after) {
        named.insert(keys::author_articles(&au));
    }
    if shown_changed {
        // Collections list their curated stories only while public.
        let holding: Vec<String> = collection_items::table
            .filter(collection_items::article_id.eq(id))
            .select(collection_items::collection_id)
            .load(conn)?;
        named.extend(holding.iter().map(|c| keys::collection(c)));
    }
    Ok(named)
}

/// Adds `delta` to a published-story count.
fn count(conn: &mut DbConn, kind: &str, id: &str, delta: i64) -> AppResult<()> {
    let updated = diesel::update(public_counts::table.find((kind, id)))
        .set(public_counts::count.eq(public_counts::count + delta))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(public_counts::table)
            .values((
                public_counts::kind.eq(kind),
                public_counts::id.eq(id),
                public_counts::count.eq(delta.max(0)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Rebuilds `public_stories` and the counts from the stories as they are (after a
/// bulk load that bypassed the write path: the migration that introduced them, an
/// import, `dateline seed`), and names every response.
pub fn rebuild(conn: &mut DbConn) -> AppResult<()> {
    crate::store::lock(conn, "article_changes")?;
    diesel::delete(public_stories::table).execute(conn)?;
    diesel::delete(public_counts::table).execute(conn)?;
    let agg = match conn {
        DbConn::Sqlite(_) => "group_concat",
        DbConn::Postgres(_) => "string_agg",
    };
    let sql = format!(
        "INSERT INTO public_stories (article_id, section_id, published_at, slug, headline, \
         standfirst, featured_image_id, language, updated_at, tag_ids, author_ids) \
         SELECT a.id, a.section_id, a.published_at, a.slug, a.headline, a.standfirst, \
         a.featured_image_id, a.language, a.updated_at, \
         coalesce((SELECT {agg}(t.tag_id, ' ' ORDER BY t.tag_id) FROM article_tags t WHERE t.article_id = a.id), ''), \
         coalesce((SELECT {agg}(w.author_id, ' ' ORDER BY w.author_id) FROM article_authors w WHERE w.article_id = a.id), '') \
         FROM articles a WHERE a.public_from <= $1"
    );
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Timestamp, _>(now())
        .execute(conn)?;
    for statement in [
        "INSERT INTO public_counts (kind, id, count) SELECT 'tag', t.tag_id, count(*) \
         FROM article_tags t JOIN public_stories p ON p.article_id = t.article_id GROUP BY t.tag_id",
        "INSERT INTO public_counts (kind, id, count) SELECT 'author', w.author_id, count(*) \
         FROM article_authors w JOIN public_stories p ON p.article_id = w.article_id GROUP BY w.author_id",
        "INSERT INTO public_counts (kind, id, count) SELECT 'section', p.section_id, count(*) \
         FROM public_stories p WHERE p.section_id IS NOT NULL GROUP BY p.section_id",
    ] {
        diesel::sql_query(statement).execute(conn)?;
    }
    invalidate([ALL]);
    Ok(())
}

/// Fills `public_stories` when it is empty while stories are public (the first start
/// after the migration that introduced it). Cheap otherwise: two indexed probes.
pub fn ensure(conn: &mut DbConn) -> AppResult<bool> {
    use crate::store::schema::articles;
    let listed: Option<String> = public_stories::table
        .select(public_stories::article_id)
        .first(conn)
        .optional()?;
    if listed.is_some() {
        return Ok(false);
    }
    let now = now();
    let public: Option<String> = articles::table
        .filter(super::listing::public_at!(now))
        .select(articles::id)
        .first(conn)
        .optional()?;
    if public.is_none() {
        return Ok(false);
    }
    rebuild(conn)?;
    Ok(true)
}
