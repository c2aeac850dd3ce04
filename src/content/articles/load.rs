//! Finding and listing stories: one by its address (or where it moved), lists with
//! their filters, previous/next and related links, backlinks, and when the clock next
//! changes what the public sees.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::around::{Around, around};
use super::listing::{LinkRow, public_at};
use super::model::{ArticleLink, ArticleRow, Neighbours, Stage, Status};
use crate::error::{AppError, AppResult};
use crate::store::schema::{
    article_assignees, article_authors, article_links, article_tags, articles,
};
use crate::store::stamp::Stamp;
use crate::store::{DbConn, inner, keys_in, now};

/// What an address (`/articles/{key}`) names.
pub enum Lookup {
    /// A live story, by id or slug.
    Found(Box<ArticleRow>),
    /// A former slug of a live story: its current one.
    Moved(String),
}

/// The story an address names, or where it moved; 404 when neither. Every read by
/// address goes through here, so a former slug redirects in every form of the read.
pub fn lookup(conn: &mut DbConn, key: &str) -> AppResult<Lookup> {
    if let Some(row) = super::db::find(conn, key)? {
        return Ok(Lookup::Found(Box::new(row)));
    }
    match super::db::current_slug_for(conn, key)? {
        Some(slug) => Ok(Lookup::Moved(slug)),
        None => Err(AppError::NotFound("article")),
    }
}

/// How a list is filtered and ordered.
pub struct ListFilter {
    /// Public lists show only what the public may see, newest published first;
    /// editors' lists show every state, most recently updated first.
    pub public: bool,
    pub sections: Option<Vec<String>>,
    pub tag: Option<String>,
    pub author: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub status: Option<Status>,
    /// Editors' lists: stories at this stage of the desk.
    pub stage: Option<Stage>,
    /// Editors' lists: stories assigned to this user id.
    pub assignee: Option<String>,
    /// Only these ids (search hits); then no keyset or limit applies here.
    pub only: Option<Vec<String>>,
    /// In this language (BCP 47) only.
    pub language: Option<String>,
}

/// Section (with its subsections), tag and author filters given by slug or id, as
/// ids; an unknown one is a 422 naming its parameter.
pub fn resolve_filters(
    conn: &mut DbConn,
    section: Option<String>,
    tag: Option<String>,
    author: Option<String>,
) -> AppResult<FilterIds> {
    use crate::content::{authors as by, sections as sec, tags as tg};
    let sections = match section {
        Some(key) => {
            let root = sec::db::get(conn, &key)
                .map_err(|_| AppError::invalid("section", format!("no section '{key}'")))?;
            Some(sec::db::with_descendants(conn, &root.id)?)
        }
        None => None,
    };
    let tag = match tag {
        Some(key) => Some(
            tg::db::get(conn, &key)
                .map_err(|_| AppError::invalid("tag", format!("no tag '{key}'")))?
                .id,
        ),
        None => None,
    };
    let author = match author {
        Some(key) => Some(
            by::db::get(conn, &key)
                .map_err(|_| AppError::invalid("author", format!("no author '{key}'")))?
                .id,
        ),
        None => None,
    };
    Ok(FilterIds {
        sections,
        tag,
        author,
    })
}

/// List filters resolved to ids.
pub struct FilterIds {
    /// A section and its subsections.
    pub sections: Option<Vec<String>>,
    pub tag: Option<String>,
    pub author: Option<String>,
}

/// A page of articles after the keyset `(time, id)`: public ones from the public
/// index (see [`super::listing`]), an editor's by last update.
pub fn list(
    conn: &mut DbConn,
    filter: &ListFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<ArticleRow>> {
    let now = now();
    if filter.public && filter.only.is_none() {
        let scope = super::listing::Scope {
            sections: filter.sections.clone(),
            tag: filter.tag.clone(),
            author: filter.author.clone(),
            since: filter.since,
            until: filter.until,
            language: filter.language.clone(),
        };
        let page = super::listing::page(conn, &scope, after.as_ref(), limit + 1, now)?;
        let ids: Vec<&str> = page.iter().map(|(_, id)| id.as_str()).collect();
        return rows_by_id(conn, &ids);
    }
    let mut query = articles::table
        .select(ArticleRow::as_select())
        .filter(articles::deleted_at.is_null())
        .into_boxed();
    let after = match &filter.only {
        Some(ids) => {
            query = query.filter(articles::id.eq_any(ids.clone()));
            None
        }
        None => {
            query = query.limit(limit + 1);
            after
        }
    };
    if let Some(language) = &filter.language {
        query = query.filter(articles::language.eq(language.clone()));
    }
    if filter.public {
        query = query
            .filter(public_at!(now))
            .order((articles::published_at.desc(), articles::id.desc()));
    } else {
        query = query.order((articles::updated_at.desc(), articles::id.desc()));
        if let Some(status) = filter.status {
            query = query.filter(articles::status.eq(status));
        }
        if let Some(stage) = filter.stage {
            query = query.filter(articles::stage.eq(stage));
        }
        if let Some(user) = &filter.assignee {
            query = query.filter(
                articles::id.eq_any(
                    article_assignees::table
                        .filter(article_assignees::user_id.eq(user.clone()))
                        .select(article_assignees::article_id),
                ),
            );
        }
        if let Some(since) = filter.since {
            query = query.filter(articles::updated_at.ge(Stamp(since)));
        }
        if let Some(until) = filter.until {
            query = query.filter(articles::updated_at.lt(Stamp(until)));
        }
        if let Some((at, id)) = after {
            query = query.filter(
                articles::updated_at
                    .lt(Stamp(at))
                    .or(articles::updated_at.eq(Stamp(at)).and(articles::id.lt(id))),
            );
        }
    }
    if let Some(sections) = &filter.sections {
        query = query.filter(articles::section_id.eq_any(sections.clone()));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(
            articles::id.eq_any(
                article_tags::table
                    .filter(article_tags::tag_id.eq(tag.clone()))
                    .select(article_tags::article_id),
            ),
        );
    }
    if let Some(author) = &filter.author {
        query = query.filter(
            articles::id.eq_any(
                article_authors::table
                    .filter(article_authors::author_id.eq(author.clone()))
                    .select(article_authors::article_id),
            ),
        );
    }
    Ok(query.load(conn)?)
}

/// The stories `ids`, in that order.
pub fn rows_by_id(conn: &mut DbConn, ids: &[&str]) -> AppResult<Vec<ArticleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<ArticleRow> = inner!(conn, |c| articles::table
        .filter(keys_in(articles::id, ids))
        .select(ArticleRow::as_select())
        .load(c))?;
    let order: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// Previous/next in the same section by publish time, and related stories: explicit
/// "Also Read" targets first, then stories sharing tags, newest first. Public only;
/// link columns only; each a bounded range of the public index.
pub fn neighbours(conn: &mut DbConn, row: &ArticleRow) -> AppResult<Neighbours> {
    let explicit = super::blocks::related_targets(&row.body);
    neighbours_of(
        conn,
        &row.id,
        row.section_id.as_deref(),
        row.published_at,
        &explicit,
        None,
        row.translation_of.as_deref(),
        None,
    )
}

/// [`neighbours`] of the story `id` at its place (section, publish time), with the
/// explicit "Also Read" targets of its body; `tags` and `near` where already read.
#[allow(clippy::too_many_arguments)]
pub fn neighbours_of(
    conn: &mut DbConn,
    id: &str,
    section_id: Option<&str>,
    published_at: Option<NaiveDateTime>,
    explicit: &[String],
    tags: Option<Vec<String>>,
    translation_of: Option<&str>,
    near: Option<Around>,
) -> AppResult<Neighbours> {
    use super::listing::{PER_TAG, links, links_by_id};
    const RELATED: usize = PER_TAG as usize - 1;
    let now = now();
    let mut out = Neighbours::default();
    // Fewer explicit targets than related places (almost every story): each tag's
    // newest are wanted whichever of them are public, so the explicit targets' links
    // come in the one look-up with previous, next and the tagged candidates, from the
    // public index (never a story row, whose link columns sit past its body). Five or
    // more: looked up first, as the tags may not be wanted at all.
    let early = if explicit.len() >= RELATED {
        links(conn, explicit, now)?
    } else {
        Vec::new()
    };
    let may_want = if explicit.len() >= RELATED {
        RELATED.saturating_sub(public_explicit(&early, explicit, id).len())
    } else {
        RELATED
    };
    let tag_ids: Vec<String> = match (may_want, tags) {
        (0, _) => Vec::new(),
        (_, Some(tags)) => tags,
        (_, None) => inner!(conn, |c| article_tags::table
            .filter(article_tags::article_id.eq(id))
            .select(article_tags::tag_id)
            .load(c))?,
    };
    let place = section_id.zip(published_at);
    // Read with the story's render (PostgreSQL) for its tags, which are these unless
    // no related place is left.
    let near = match near {
        Some(mut near) => {
            if tag_ids.is_empty() {
                near.tagged.clear();
            }
            near
        }
        None => around(conn, id, place, &tag_ids, PER_TAG, now)?,
    };
    // Whichever explicit targets are public, the candidates shown are among the first
    // `RELATED + explicit` tagged stories other than this one.
    let tagged: Vec<&String> = near
        .tagged
        .iter()
        .filter(|c| *c != id)
        .take(RELATED + explicit.len())
        .collect();
    let mut ids: Vec<String> = near
        .previous
        .iter()
        .chain(near.next.iter())
        .cloned()
        .collect();
    if explicit.len() < RELATED {
        ids.extend(explicit.iter().cloned());
    }
    ids.extend(tagged.iter().map(|c| (*c).clone()));
    ids.sort();
    ids.dedup();
    // Read with the story's render and what is around it (PostgreSQL): every link
    // these ids could need, from `public_stories`.
    let mut found = match near.links {
        Some(mut found) => {
            super::listing::with_missing(conn, &mut found, &ids, now)?;
            found
        }
        None => links_by_id(conn, &ids, now)?,
    };
    found.extend(early);
    for linked in public_explicit(&found, explicit, id) {
        out.related.push(ArticleLink::from(linked));
    }
    let wanted = RELATED.saturating_sub(out.related.len());
    let candidates: Vec<&String> = tagged
        .into_iter()
        .filter(|c| !out.related.iter().any(|r| &r.id == *c))
        .take(wanted)
        .collect();
    out.by_tags = tag_ids;
    let link = |id: &String| found.iter().find(|f| &f.id == id).map(ArticleLink::from);
    out.previous = near.previous.as_ref().and_then(link);
    out.next = near.next.as_ref().and_then(link);
    out.related.extend(candidates.into_iter().filter_map(link));
    // Its other languages: an original without translations (most stories) costs one
    // probe of the translations index (part of `around`).
    out.group = translation_of.unwrap_or(id).to_owned();
    let translated = match (translation_of, near.translated) {
        (Some(_), _) => true,
        (None, Some(known)) => known,
        (None, None) => super::translations::has_translations(conn, id)?,
    };
    if translated {
        out.translations = super::translations::public_of(conn, &out.group, id, now)?;
    }
    Ok(out)
}

/// The explicit "Also Read" targets among `found` (public stories' links), in body
/// order, each once, never the story `id` itself.
fn public_explicit<'a>(found: &'a [LinkRow], explicit: &[String], id: &str) -> Vec<&'a LinkRow> {
    let mut out: Vec<&LinkRow> = Vec::new();
    for key in explicit {
        if let Some(linked) = found.iter().find(|a| &a.id == key || &a.slug == key)
            && linked.id != id
            && !out.iter().any(|r| r.id == linked.id)
        {
            out.push(linked);
        }
    }
    out
}

/// Live stories whose body links to `article_id` ("Also Read").
pub fn backlinks(conn: &mut DbConn, article_id: &str) -> AppResult<Vec<ArticleRow>> {
    Ok(articles::table
        .filter(articles::deleted_at.is_null())
        .filter(
            articles::id.eq_any(
                article_links::table
                    .filter(article_links::target_kind.eq("article"))
                    .filter(article_links::target_id.eq(article_id))
                    .select(article_links::article_id),
            ),
        )
        .order((articles::updated_at.desc(), articles::id.desc()))
        .select(ArticleRow::as_select())
        .load(conn)?)
}

/// The next moment a story changes visibility by the clock alone (a scheduled time or
/// an embargo arriving), if any: cached public responses must not outlive it.
pub fn next_visibility_change(conn: &mut DbConn) -> AppResult<Option<NaiveDateTime>> {
    let now = now();
    let scheduled: Option<NaiveDateTime> = articles::table
        .filter(articles::published_at.gt(Stamp(now)))
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)?;
    let embargo: Option<NaiveDateTime> = articles::table
        .filter(articles::embargo_until.gt(Stamp(now)))
        .select(diesel::dsl::min(articles::embargo_until))
        .first(conn)?;
    let leaving: Option<NaiveDateTime> = articles::table
        .filter(articles::unpublish_at.gt(Stamp(now)))
        .select(diesel::dsl::min(articles::unpublish_at))
        .first(conn)?;
    Ok([scheduled, embargo, leaving].into_iter().flatten().min())
}
