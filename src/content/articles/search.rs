//! Full-text search, ranked by relevance: SQLite FTS5 (bm25) and PostgreSQL tsvector
//! (ts_rank). Any user string is safe: on SQLite it is reduced to quoted words before
//! it reaches FTS5's query syntax; PostgreSQL's `websearch_to_tsquery` never fails.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::error::AppResult;
use crate::store::DbConn;

/// At most this many matches are ranked for one query.
pub const MAX_HITS: i64 = 1000;

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = Text)]
    id: String,
}

/// `"word" "word"`: FTS5 string tokens, so quotes, `NEAR(`, `*`, `OR` and friends
/// in the input are just words. Empty when the input has no words at all.
pub fn fts5_query(input: &str) -> String {
    input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ids of articles matching `q`, most relevant first (headline counts most, then the
/// standfirst, then the body). Visibility is applied by the caller.
pub fn ranked_ids(conn: &mut DbConn, q: &str, language: Option<&str>) -> AppResult<Vec<String>> {
    let hits: Vec<Hit> = match conn {
        DbConn::Sqlite(sqlite) => {
            let query = fts5_query(q);
            if query.is_empty() {
                return Ok(Vec::new());
            }
            diesel::sql_query(
                "SELECT a.id AS id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid \
                 WHERE articles_fts MATCH $1 ORDER BY bm25(articles_fts, 10.0, 4.0, 1.0), a.id LIMIT $2",
            )
            .bind::<Text, _>(query)
            .bind::<diesel::sql_types::BigInt, _>(MAX_HITS)
            .load(sqlite)?
        }
        DbConn::Postgres(pg) => {
            // Each story is indexed in its own language's configuration: the words are
            // looked up in the one asked for, else in those of every language in use.
            let languages = match language {
                Some(l) => vec![l.to_owned()],
                None => languages_in_use(pg)?,
            };
            let mut configs: Vec<&'static str> = languages
                .iter()
                .map(|l| crate::content::language::text_search_config(l))
                .collect();
            configs.sort_unstable();
            configs.dedup();
            if configs.is_empty() {
                configs.push("simple");
            }
            // The names come from a fixed list, never from the request.
            let query = configs
                .iter()
                .map(|c| format!("websearch_to_tsquery('{c}', $1)"))
                .collect::<Vec<_>>()
                .join(" || ");
            diesel::sql_query(format!(
                "SELECT a.id AS id FROM articles a, (SELECT {query} AS q) s \
                 WHERE a.search @@ s.q ORDER BY ts_rank(a.search, s.q) DESC, a.id LIMIT $2"
            ))
            .bind::<Text, _>(q)
            .bind::<diesel::sql_types::BigInt, _>(MAX_HITS)
            .load(pg)?
        }
    };
    Ok(hits.into_iter().map(|h| h.id).collect())
}

/// The languages stories are written in: a loose scan of the language index (one
/// probe per language, however many stories).
fn languages_in_use(pg: &mut diesel::PgConnection) -> AppResult<Vec<String>> {
    #[derive(diesel::QueryableByName)]
    struct Language {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        language: Option<String>,
    }
    let found: Vec<Language> = diesel::sql_query(
        "WITH RECURSIVE l(language) AS ( \
           (SELECT language FROM articles WHERE public_from IS NOT NULL ORDER BY language LIMIT 1) \
           UNION ALL \
           SELECT (SELECT a.language FROM articles a WHERE a.public_from IS NOT NULL \
                   AND a.language > l.language ORDER BY a.language LIMIT 1) \
           FROM l WHERE l.language IS NOT NULL) \
         SELECT language FROM l WHERE language IS NOT NULL",
    )
    .load(pg)?;
    Ok(found.into_iter().filter_map(|l| l.language).collect())
}

/// A page of the stories in `filter` matching `words`, most relevant first: `limit + 1`
/// rows from position `offset` (the extra one tells whether another page follows).
pub fn ranked_page(
    conn: &mut DbConn,
    words: &str,
    filter: super::load::ListFilter,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<super::model::ArticleRow>> {
    let ids = ranked_ids(conn, words, filter.language.as_deref())?;
    let rank: std::collections::HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i))
        .collect();
    let filter = super::load::ListFilter {
        only: Some(ids),
        ..filter
    };
    let mut rows = super::load::list(conn, &filter, None, limit)?;
    rows.sort_by_key(|r| rank.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows
        .into_iter()
        .skip(offset.max(0) as usize)
        .take(limit as usize + 1)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::fts5_query;

    #[test]
    fn hostile_input_becomes_plain_words() {
        assert_eq!(fts5_query("\"unbalanced"), "\"unbalanced\"");
        assert_eq!(fts5_query("NEAR(a b"), "\"NEAR\" \"a\" \"b\"");
        assert_eq!(
            fts5_query("a* OR -b ^c {d}:e"),
            "\"a\" \"OR\" \"b\" \"c\" \"d\" \"e\""
        );
        assert_eq!(fts5_query("Zürich élection"), "\"Zürich\" \"élection\"");
        assert_eq!(fts5_query("*** ()"), "");
    }
}
