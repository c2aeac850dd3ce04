//! Query plans: every query the read paths send (lists with each filter, keyset pages,
//! relations, neighbours, collections, the partner change feed, the cache's clock
//! checks) is captured as the application sends it and explained by the database
//! itself; none may read a large table from end to end.

use std::sync::{Arc, Mutex};

use dateline::content::articles::load::{self as articles, ListFilter};
use dateline::store::DbConn;
use diesel::RunQueryDsl;
use diesel::connection::{Connection, InstrumentationEvent};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(list_paths_never_scan_whole_tables);

/// Stories seeded: enough that a full scan or a sort of every candidate costs more
/// than an index range scan, as on a real archive.
const STORIES: usize = 3000;

/// Tables that grow with the archive; a full scan of one is a bug on a read path.
const LARGE: [&str; 9] = [
    "articles",
    "public_stories",
    "article_renders",
    "render_keys",
    "article_tags",
    "article_authors",
    "article_links",
    "article_changes",
    "collection_items",
];

#[derive(diesel::QueryableByName)]
struct Slug {
    #[diesel(sql_type = diesel::sql_types::Text)]
    slug: String,
}

#[derive(diesel::QueryableByName)]
struct SqlitePlan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[derive(diesel::QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan of `sql` (with its bind placeholders) as text lines.
fn explain(conn: &mut DbConn, sql: &str) -> Vec<String> {
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqlitePlan>(c)
            .unwrap_or_else(|e| panic!("explain {sql}: {e}"))
            .into_iter()
            .map(|p| p.detail)
            .collect(),
        DbConn::Postgres(c) => {
            // A generic plan does not depend on the values, so NULLs stand in for them.
            let params = (1..=64)
                .take_while(|n| sql.contains(&format!("${n}")))
                .count();
            diesel::sql_query("DEALLOCATE ALL").execute(c).unwrap();
            diesel::sql_query(format!("PREPARE probe AS {sql}"))
                .execute(c)
                .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
            let nulls = vec!["NULL"; params].join(", ");
            let execute = if params == 0 {
                "EXPLAIN EXECUTE probe".to_owned()
            } else {
                format!("EXPLAIN EXECUTE probe({nulls})")
            };
            diesel::sql_query(execute)
                .load::<PgPlan>(c)
                .unwrap_or_else(|e| panic!("explain {sql}: {e}"))
                .into_iter()
                .map(|p| p.line)
                .collect()
        }
    }
}

fn full_scans(plan: &[String], tables: &[&str]) -> Vec<String> {
    plan.iter()
        .filter(|line| {
            tables.iter().any(|t| {
                // SQLite: "SCAN articles" without an index; PostgreSQL: "Seq Scan on".
                let bare = line.trim() == format!("SCAN {t}");
                bare || line.contains(&format!("Seq Scan on {t} "))
                    || line.trim_end().ends_with(&format!("Seq Scan on {t}"))
            })
        })
        .cloned()
        .collect()
}

/// Whether `plan` sorts the whole candidate set of a query on a large table: SQLite's
/// temporary B-tree for the ORDER BY, a PostgreSQL Sort node. Lookups of a page's own
/// keys (`= ANY`, `json_each`, `unnest`) are bounded by the page and may sort what they
/// find.
fn whole_sort(sql: &str, plan: &[String]) -> bool {
    if sql.contains("= ANY(") || sql.contains("json_each(") || sql.contains("unnest(") {
        return false;
    }
    let large = LARGE.iter().any(|t| {
        sql.contains(&format!("\"{t}\""))
            || sql.contains(&format!("`{t}`"))
            || sql.contains(&format!(" {t} "))
    });
    large
        && plan.iter().any(|line| {
            line.contains("USE TEMP B-TREE FOR ORDER BY")
                || line.trim_start().starts_with("Sort ")
                || line.contains("->  Sort ")
                || line.contains("Incremental Sort")
        })
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn list_paths_never_scan_whole_tables(app: TestApp) {
    // A newsroom large enough that the planner's choice is the real one: thousands of
    // stories over five years, tags used with a Zipf distribution, statistics taken.
    let plan = dateline::seed::parse_args(&["--articles".into(), STORIES.to_string()]).unwrap();
    dateline::seed::run(&app.state, plan).await.unwrap();
    let first_slug = |path: &'static str| {
        let app = &app;
        async move {
            let list = app.get(path).send().await.json();
            list["data"][0]["slug"]
                .as_str()
                .or_else(|| list[0]["slug"].as_str())
                .unwrap_or_else(|| panic!("{path}: {list}"))
                .to_owned()
        }
    };
    let section = first_slug("/api/v1/sections").await;
    let author = first_slug("/api/v1/authors").await;
    let collection = first_slug("/api/v1/collections").await;
    let state = app.state.clone();
    let failures = actix_web::rt::task::spawn_blocking(move || {
        use dateline::content::articles::renders;
        let generation = state.renders.generation().to_owned();
        renders::render_all(&state.db, &generation, &state.media).unwrap();
        let mut conn = state.db.conn().unwrap();
        // The most used tag: its stories are the largest candidate set.
        let tag = diesel::sql_query(
            "SELECT t.slug FROM tags t JOIN article_tags a ON a.tag_id = t.id \
             GROUP BY t.slug ORDER BY COUNT(*) DESC LIMIT 1",
        )
        .get_result::<Slug>(&mut *conn)
        .unwrap()
        .slug;
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = seen.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                let sql = query.to_string();
                let sql = sql.split(" -- binds:").next().unwrap_or("").to_owned();
                sink.lock().unwrap().push(sql);
            }
        });
        let (section, tag, author) = {
            let found =
                articles::resolve_filters(&mut conn, Some(section), Some(tag), Some(author))
                    .unwrap();
            (found.sections, found.tag, found.author)
        };
        let filter = |sections, tag, author| ListFilter {
            public: true,
            sections,
            tag,
            author,
            since: None,
            until: None,
            status: None,
            stage: None,
            assignee: None,
            only: None,
            language: None,
        };
        let first = articles::list(&mut conn, &filter(None, None, None), None, 2).unwrap();
        let last = first.last().unwrap();
        let key = (last.published_at.unwrap(), last.id.to_string());
        articles::list(&mut conn, &filter(None, None, None), Some(key), 2).unwrap();
        articles::list(&mut conn, &filter(section, None, None), None, 20).unwrap();
        articles::list(&mut conn, &filter(None, tag, None), None, 20).unwrap();
        articles::list(&mut conn, &filter(None, None, author), None, 20).unwrap();
        let in_english = ListFilter {
            language: Some("en".into()),
            ..filter(None, None, None)
        };
        articles::list(&mut conn, &in_english, None, 20).unwrap();
        dateline::content::articles::relations::relations(&mut conn, &first, &state.media).unwrap();
        articles::neighbours(&mut conn, &first[0]).unwrap();
        // A story page and a list from the stored renders.
        assert!(
            renders::find(&mut conn, &first[0].slug, &generation)
                .unwrap()
                .is_some()
        );
        assert!(
            renders::find(&mut conn, &first[0].id, &generation)
                .unwrap()
                .is_some()
        );
        // On PostgreSQL a stored page with what is around it and its links is one
        // statement, one round trip, for a story without translations (those are one
        // more). Which story that is, is asked outside what the plans below hold.
        let asked = seen.lock().unwrap().len();
        let untranslated = diesel::sql_query(
            "SELECT a.slug FROM public_stories p JOIN articles a ON a.id = p.article_id \
             WHERE a.translation_of IS NULL \
             AND NOT EXISTS (SELECT 1 FROM articles t WHERE t.translation_of = a.id) \
             ORDER BY p.published_at DESC, p.article_id DESC LIMIT 1 OFFSET 1",
        )
        .get_result::<Slug>(&mut *conn)
        .unwrap()
        .slug;
        seen.lock().unwrap().truncate(asked);
        let sent = asked;
        let mut page = renders::find(&mut conn, &untranslated, &generation)
            .unwrap()
            .expect("a stored render");
        let around = page.around.take();
        let shown = articles::neighbours_of(
            &mut conn,
            &page.id,
            page.section_id.as_deref(),
            page.published_at,
            &page.related,
            Some(page.tag_ids()),
            page.translation_of(),
            around,
        )
        .unwrap();
        assert!(shown.previous.is_some());
        assert!(!shown.related.is_empty());
        let sent: Vec<String> = seen.lock().unwrap()[sent..].to_vec();
        assert!(shown.translations.is_empty(), "{untranslated} has none");
        if matches!(*conn, DbConn::Postgres(_)) {
            assert_eq!(sent.len(), 1, "one statement: {sent:?}");
        }
        let ids: Vec<&str> = first.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            renders::items(&mut conn, &ids, &generation).unwrap().len(),
            ids.len()
        );
        articles::next_visibility_change(&mut conn).unwrap();
        dateline::content::articles::operations::anything_due(&mut conn).unwrap();
        dateline::ordering::curate::next_time_change(&mut conn).unwrap();
        dateline::ordering::published::page(&mut conn, &collection, &state.media).unwrap();
        dateline::syndication::changes::since(&mut conn, 0, 20).unwrap();
        conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
        let queries: Vec<String> = seen.lock().unwrap().clone();
        assert!(queries.len() >= 20, "the paths ran: {queries:?}");
        let selects: Vec<&String> = queries
            .iter()
            .filter(|q| q.trim_start().starts_with("SELECT"))
            .collect();
        let show = std::env::var("DATELINE_SHOW_PLANS").is_ok();
        let mut failures = Vec::new();

        // 1. Could an index serve each query, in its order? SQLite without statistics
        // assumes every table is large; PostgreSQL is told scans and sorts cost the
        // earth, so one that remains means no index can avoid it.
        if let DbConn::Postgres(c) = &mut *conn {
            for setting in [
                "SET enable_seqscan = off",
                "SET enable_sort = off",
                "SET plan_cache_mode = force_generic_plan",
            ] {
                diesel::sql_query(setting).execute(c).unwrap();
            }
        }
        // The checks themselves work: a query no index serves is caught, and so is
        // one that sorts every story.
        let unindexed = explain(&mut conn, "SELECT id FROM articles WHERE headline = 'x'");
        assert!(!full_scans(&unindexed, &LARGE).is_empty(), "{unindexed:?}");
        let sorted = "SELECT id FROM articles WHERE section_id = 'x' ORDER BY headline LIMIT 20";
        assert!(whole_sort(sorted, &explain(&mut conn, sorted)));
        for sql in &selects {
            let plan = explain(&mut conn, sql);
            if show {
                eprintln!("{sql}\n  {}\n", plan.join("\n  "));
            }
            if !full_scans(&plan, &LARGE).is_empty() || whole_sort(sql, &plan) {
                failures.push(format!("{sql}\n  {}", plan.join("\n  ")));
            }
        }

        // The scheduler looks for stories whose unpublish time came after every
        // commit: only the few carrying one may be read (`articles_unpublish`). With
        // the status in the query, SQLite searched `articles_status` instead, every
        // published story's row, which the checks above take for a range
        // (without statistics, as SQLite runs; with them it chose well).
        let unpublish: Vec<&&String> = selects
            .iter()
            .filter(|q| q.replace(['`', '"'], "").contains("unpublish_at <="))
            .collect();
        assert!(
            !unpublish.is_empty(),
            "the scheduler's look-up ran: {selects:?}"
        );
        for sql in unpublish {
            let plan = explain(&mut conn, sql);
            if !plan.iter().any(|line| line.contains("articles_unpublish")) {
                failures.push(format!("the scheduler: {sql}\n  {}", plan.join("\n  ")));
            }
        }

        // The scheduler also asks after every commit whether a scheduled story is due.
        // With the status bound, PostgreSQL's generic plan cannot know how few are
        // scheduled: at 1M stories, nearly all published, it read every story after
        // every commit (160 ms). The status is written into the statement, where the
        // statistics apply (a table this size does not show the difference).
        assert!(
            selects.iter().any(|q| q.contains("status = 'scheduled'")),
            "the scheduler's due look-up names its status: {selects:?}"
        );

        // 2. Does the planner pick those indexes with real statistics? Tables that
        // are large here may not be read end to end.
        let large: Vec<&str> = LARGE
            .iter()
            .copied()
            .filter(|t| {
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}"))
                    .get_result::<Count>(&mut *conn)
                    .unwrap()
                    .n
                    > 1000
            })
            .collect();
        assert!(large.contains(&"articles") && large.contains(&"article_tags"));
        match &mut *conn {
            DbConn::Postgres(c) => {
                diesel::sql_query("RESET ALL").execute(c).unwrap();
                diesel::sql_query("ANALYZE").execute(c).unwrap();
                diesel::sql_query("SET plan_cache_mode = force_generic_plan")
                    .execute(c)
                    .unwrap();
            }
            DbConn::Sqlite(c) => {
                diesel::sql_query("ANALYZE").execute(c).unwrap();
            }
        }
        for sql in &selects {
            let plan = explain(&mut conn, sql);
            // A tag's page comes from an index in publish order. With statistics, a
            // generic plan guessed the average tag's few stories and sorted the whole
            // tag instead (10 ms for the most used tag at 10k stories).
            let by_tag = sql.contains("\"article_tags\"");
            if !full_scans(&plan, &large).is_empty() || (by_tag && whole_sort(sql, &plan)) {
                failures.push(format!("with statistics: {sql}\n  {}", plan.join("\n  ")));
            }
        }
        if let DbConn::Postgres(c) = &mut *conn {
            diesel::sql_query("RESET ALL").execute(c).unwrap();
            diesel::sql_query("DEALLOCATE ALL").execute(c).unwrap();
        }
        failures
    })
    .await
    .unwrap();
    assert!(
        failures.is_empty(),
        "full scans or sorts of every candidate on read paths:\n{}",
        failures.join("\n\n")
    );
}
