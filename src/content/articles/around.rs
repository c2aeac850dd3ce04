//! What is around a story on its page: the stories before and after it in its
//! section, its tags' newest, whether it has translations. On SQLite separate bounded
//! index ranges; on PostgreSQL one statement, and the same statement joined to the
//! story's stored render and the links the page shows, so that an uncached public
//! story page there is one round trip.
//!
//! The PostgreSQL statements are query types of their own rather than `sql_query`,
//! which diesel never keeps prepared: parsed and planned on every page, the
//! neighbourhood cost more in the database than the five statements it replaced.

use chrono::NaiveDateTime;
use diesel::pg::sql_types::Record;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Nullable, Text, Timestamp};

use super::listing::{LinkRow, adjacent, newest_tagged};
use crate::error::AppResult;
use crate::store::DbConn;

/// What a story page shows around the story: the public stories just before and after
/// it in its section, the newest public stories of each of its tags (ids, newest
/// first, each once), and whether it has translations (where asked in the same
/// statement: `None` on SQLite, where the caller probes for them).
#[derive(Debug, Default)]
pub struct Around {
    pub previous: Option<String>,
    pub next: Option<String>,
    pub tagged: Vec<String>,
    pub translated: Option<bool>,
    /// The links of previous, next, the explicit "Also Read" targets and the first of
    /// `tagged`, where the same statement read them (PostgreSQL, with the render).
    pub links: Option<Vec<LinkRow>>,
}

/// [`Around`] the story `id` at `place` (its section and publish time, if any), with
/// the first `per_tag` of each of `tags`. On PostgreSQL one statement: each statement
/// is a round trip there, and a story page's round trips were most of its cost (two
/// context switches and a TLS record each way, on both sides). SQLite runs in process,
/// where the same bounded ranges as separate prepared statements cost less than one
/// planned compound statement.
pub fn around(
    conn: &mut DbConn,
    id: &str,
    place: Option<(&str, NaiveDateTime)>,
    tags: &[String],
    per_tag: i64,
    now: NaiveDateTime,
) -> AppResult<Around> {
    if let DbConn::Postgres(pg) = conn {
        return around_pg(pg, id, place, tags, per_tag, now);
    }
    let mut out = Around::default();
    if let Some((section, at)) = place {
        out.previous = adjacent(conn, section, (at, id), false, now)?;
        out.next = adjacent(conn, section, (at, id), true, now)?;
    }
    out.tagged = newest_tagged(conn, tags, per_tag, now)?
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    Ok(out)
}

/// [`around`] on PostgreSQL: the same bounded index ranges as [`adjacent`],
/// [`newest_tagged`] and `has_translations`, as subqueries of one statement.
fn around_pg(
    pg: &mut PgConnection,
    id: &str,
    place: Option<(&str, NaiveDateTime)>,
    tags: &[String],
    per_tag: i64,
    now: NaiveDateTime,
) -> AppResult<Around> {
    let found = AroundPg(Columns {
        now,
        per_tag,
        place: Place::Bound {
            section: place.map(|(section, _)| section),
            at: place.map(|(_, at)| at),
            id,
            tags,
        },
    })
    .get_result::<(Option<String>, Option<String>, Vec<String>, bool)>(pg)?;
    let (previous, next, tagged, translated) = found;
    Ok(Around {
        previous,
        next,
        tagged,
        translated: Some(translated),
        links: None,
    })
}

/// A stored render's columns, as `renders::find` reads them on both backends.
pub type RenderColumns = (
    String,
    Option<String>,
    Option<NaiveDateTime>,
    i64,
    String,
    String,
    String,
    Vec<u8>,
);

/// The SQL types of [`RenderColumns`].
type RenderSql = (
    Text,
    Nullable<Text>,
    Nullable<Timestamp>,
    BigInt,
    Text,
    Text,
    Text,
    Binary,
);

/// A stored render and what is around its story, as [`render_around`] reads them.
type RenderRow = (
    RenderColumns,
    Option<String>,
    Option<String>,
    Vec<String>,
    bool,
    Vec<LinkTuple>,
);

/// A link as the statement of [`render_around`] reads it (a record).
type LinkTuple = (
    String,
    String,
    String,
    String,
    Option<NaiveDateTime>,
    Option<String>,
);

/// The valid stored render of the story `key` (an id when `by_id`, else a slug) with
/// what is around its story and the links of those a page may show, in one statement.
pub fn render_around(
    pg: &mut PgConnection,
    key: &str,
    by_id: bool,
    generation: &str,
    per_tag: i64,
    now: NaiveDateTime,
) -> AppResult<Option<(RenderColumns, Around)>> {
    let columns = Columns {
        now,
        per_tag,
        place: Place::Render,
    };
    let row: Option<RenderRow> = if by_id {
        RenderAroundPg::<true>(key, generation, columns)
            .get_result(pg)
            .optional()?
    } else {
        RenderAroundPg::<false>(key, generation, columns)
            .get_result(pg)
            .optional()?
    };
    Ok(
        row.map(|(render, previous, next, tagged, translated, links)| {
            let links = links
                .into_iter()
                .map(
                    |(id, slug, headline, standfirst, published_at, image)| LinkRow {
                        id: id.into(),
                        slug,
                        headline,
                        standfirst,
                        published_at,
                        featured_image_id: image.map(Into::into),
                    },
                )
                .collect();
            let around = Around {
                previous,
                next,
                tagged,
                translated: Some(translated),
                links: Some(links),
            };
            (render, around)
        }),
    )
}

/// Where the story's place comes from.
enum Place<'a> {
    /// Bound values.
    Bound {
        section: Option<&'a str>,
        at: Option<NaiveDateTime>,
        id: &'a str,
        tags: &'a [String],
    },
    /// The columns of the stored render `r` the statement found (its tags are the
    /// `tag:<id>` keys of what it shows).
    Render,
}

/// Which of the story's place a statement names.
#[derive(Clone, Copy)]
enum Field {
    Section,
    At,
    Id,
    Tags,
}

impl Place<'_> {
    /// `field` of the place: a bound value, or the stored render's column.
    fn put<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>, field: Field) -> QueryResult<()> {
        let Place::Bound {
            section,
            at,
            id,
            tags,
        } = self
        else {
            out.push_sql(match field {
                Field::Section => "r.section_id",
                Field::At => "r.published_at",
                Field::Id => "r.article_id",
                Field::Tags => {
                    "ARRAY(SELECT substr(k, 5) FROM unnest(string_to_array(r.keys, ' ')) AS k \
                     WHERE k LIKE 'tag:%')"
                }
            });
            return Ok(());
        };
        match field {
            Field::Section => out.push_bind_param::<Nullable<Text>, _>(section),
            Field::At => out.push_bind_param::<Nullable<Timestamp>, _>(at),
            Field::Id => out.push_bind_param::<Text, _>(id),
            Field::Tags => out.push_bind_param::<Array<Text>, _>(tags),
        }
    }
}

/// The neighbourhood's columns: previous, next, tagged, translated.
struct Columns<'a> {
    now: NaiveDateTime,
    per_tag: i64,
    place: Place<'a>,
}

impl Columns<'_> {
    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let place = &self.place;
        // Previous: `public_from <= now` alone, as in `adjacent`.
        out.push_sql("(SELECT a.id FROM articles a WHERE a.public_from <= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND a.section_id = ");
        place.put(out, Field::Section)?;
        out.push_sql(" AND a.published_at <= ");
        place.put(out, Field::At)?;
        out.push_sql(" AND (a.published_at < ");
        place.put(out, Field::At)?;
        out.push_sql(" OR a.id < ");
        place.put(out, Field::Id)?;
        out.push_sql(") ORDER BY a.published_at DESC, a.id DESC LIMIT 1) AS previous, ");
        out.push_sql("(SELECT a.id FROM articles a WHERE a.public_from <= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND a.published_at <= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND a.section_id = ");
        place.put(out, Field::Section)?;
        out.push_sql(" AND a.published_at >= ");
        place.put(out, Field::At)?;
        out.push_sql(" AND (a.published_at > ");
        place.put(out, Field::At)?;
        out.push_sql(" OR a.id > ");
        place.put(out, Field::Id)?;
        out.push_sql(") ORDER BY a.published_at, a.id LIMIT 1) AS next, ");
        // Each tag's newest: one bounded range of `article_tags_public` per tag.
        out.push_sql("ARRAY(SELECT t.article_id FROM unnest(");
        place.put(out, Field::Tags)?;
        out.push_sql(
            "::text[]) AS g(tag_id) CROSS JOIN LATERAL (SELECT s.published_at, s.article_id ",
        );
        out.push_sql("FROM article_tags s WHERE s.tag_id = g.tag_id AND s.public_from <= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND s.published_at <= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" ORDER BY s.published_at DESC, s.article_id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.per_tag)?;
        // A story under two of the tags once (its place in `tagged` bounds the links).
        out.push_sql(
            ") AS t GROUP BY t.published_at, t.article_id \
             ORDER BY t.published_at DESC, t.article_id DESC) AS tagged, ",
        );
        out.push_sql("EXISTS (SELECT 1 FROM articles a WHERE a.translation_of = ");
        place.put(out, Field::Id)?;
        out.push_sql(") AS translated");
        Ok(())
    }
}

/// The statement of [`around`].
struct AroundPg<'a>(Columns<'a>);

impl QueryId for AroundPg<'_> {
    type QueryId = AroundPg<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for AroundPg<'_> {
    type SqlType = (Nullable<Text>, Nullable<Text>, Array<Text>, Bool);
}

impl RunQueryDsl<PgConnection> for AroundPg<'_> {}

impl QueryFragment<Pg> for AroundPg<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.0.walk(&mut out)
    }
}

/// The statement of [`render_around`]: the render as `renders::find` reads it (same
/// validity), then [`Columns`] at its story's place.
struct RenderAroundPg<'a, const BY_ID: bool>(&'a str, &'a str, Columns<'a>);

impl<const BY_ID: bool> QueryId for RenderAroundPg<'_, BY_ID> {
    type QueryId = RenderAroundPg<'static, BY_ID>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const BY_ID: bool> Query for RenderAroundPg<'_, BY_ID> {
    type SqlType = (
        RenderSql,
        Nullable<Text>,
        Nullable<Text>,
        Array<Text>,
        Bool,
        Array<Record<(Text, Text, Text, Text, Nullable<Timestamp>, Nullable<Text>)>>,
    );
}

impl<const BY_ID: bool> RunQueryDsl<PgConnection> for RenderAroundPg<'_, BY_ID> {}

impl<const BY_ID: bool> QueryFragment<Pg> for RenderAroundPg<'_, BY_ID> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let Self(key, generation, columns) = self;
        // `x` is the render and its neighbourhood (OFFSET 0 keeps it a subquery, so its
        // columns are computed once, not again where the links use them); then the
        // links of previous, next, the explicit targets and enough of the tagged to
        // fill the related places past the story and its explicit targets.
        out.push_sql(
            "SELECT x.*, ARRAY(SELECT ROW(p.article_id, p.slug, p.headline, p.standfirst, \
             p.published_at, p.featured_image_id) FROM public_stories p WHERE \
             p.published_at <= ",
        );
        out.push_bind_param::<Timestamp, _>(&columns.now)?;
        out.push_sql(
            " AND p.article_id = ANY(array_remove(ARRAY[x.previous, x.next], NULL) \
             || string_to_array(x.related, ' ') || x.tagged[1:(",
        );
        out.push_bind_param::<BigInt, _>(&columns.per_tag)?;
        out.push_sql(
            " + cardinality(string_to_array(x.related, ' ')))::int])) AS links FROM (\
             SELECT r.article_id, r.section_id, r.published_at, r.version, r.related, \
             r.keys, r.digest, r.packed, ",
        );
        columns.walk(&mut out)?;
        out.push_sql(" FROM article_renders r WHERE ");
        out.push_sql(if BY_ID {
            "r.article_id = "
        } else {
            "r.slug = "
        });
        out.push_bind_param::<Text, _>(key)?;
        out.push_sql(" AND r.generation = ");
        out.push_bind_param::<Text, _>(generation)?;
        out.push_sql(" AND r.public_from <= ");
        out.push_bind_param::<Timestamp, _>(&columns.now)?;
        out.push_sql(" AND (r.valid_until IS NULL OR r.valid_until > ");
        out.push_bind_param::<Timestamp, _>(&columns.now)?;
        out.push_sql(") OFFSET 0) AS x");
        Ok(())
    }
}
