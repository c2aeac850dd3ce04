//! Query plans: every query the read paths send (lists with each filter, keyset pages,
//! relations, neighbours, collections, the partner change feed, the cache's clock
//! checks) is captured as the application sends it and explained by the database
//! itself; none may read a large table from end to end.

use std::sync::{Arc, Mutex};

use dateline::content::articles::db::{self as articles, ListFilter};
use dateline::store::DbConn;
use diesel::RunQueryDsl;
use diesel::connection::{Connection, InstrumentationEvent};
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(list_paths_never_scan_whole_tables);

/// Tables that grow with the archive; a full scan of one is a bug on a read path.
const LARGE: [&str; 6] = [
    "articles",
    "article_tags",
    "article_authors",
    "article_links",
    "article_changes",
    "collection_items",
];

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

fn full_scans(plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|line| {
            LARGE.iter().any(|t| {
                // SQLite: "SCAN articles" without an index; PostgreSQL: "Seq Scan on".
                let bare = line.trim() == format!("SCAN {t}");
                bare || line.contains(&format!("Seq Scan on {t} "))
                    || line.trim_end().ends_with(&format!("Seq Scan on {t}"))
            })
        })
        .cloned()
        .collect()
}

async fn list_paths_never_scan_whole_tables(app: TestApp) {
    // A small newsroom: enough rows for every path to run.
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Energy"})).await;
    app.create("/api/v1/authors", json!({"name": "Ada Reporter"}))
        .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let draft = app
            .create(
                "/api/v1/articles",
                json!({"headline": format!("Story {i}"), "section": "world", "tags": ["energy"], "authors": ["ada-reporter"]}),
            )
            .await;
        let res = app
            .post(&format!(
                "/api/v1/articles/{}/publish",
                draft["id"].as_str().unwrap()
            ))
            .bearer(&app.admin)
            .json(json!({"version": draft["version"]}))
            .send()
            .await;
        assert_eq!(res.status, 200);
        ids.push(draft["id"].as_str().unwrap().to_owned());
    }
    app.create(
        "/api/v1/collections",
        json!({"name": "Homepage", "fill_section": "world"}),
    )
    .await;
    let put = app
        .req("PUT", "/api/v1/collections/homepage/items")
        .bearer(&app.admin)
        .json(json!({"version": 1, "items": [{"article_id": ids[0]}, {"article_id": ids[1]}]}))
        .send()
        .await;
    assert_eq!(put.status, 200);

    let state = app.state.clone();
    let failures = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = state.db.conn().unwrap();
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
            let found = articles::resolve_filters(
                &mut conn,
                Some("world".into()),
                Some("energy".into()),
                Some("ada-reporter".into()),
            )
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
            only: None,
        };
        let first = articles::list(&mut conn, &filter(None, None, None), None, 2).unwrap();
        let last = first.last().unwrap();
        let key = (last.published_at.unwrap(), last.id.clone());
        articles::list(&mut conn, &filter(None, None, None), Some(key), 2).unwrap();
        articles::list(&mut conn, &filter(section, None, None), None, 20).unwrap();
        articles::list(&mut conn, &filter(None, tag, None), None, 20).unwrap();
        articles::list(&mut conn, &filter(None, None, author), None, 20).unwrap();
        articles::relations(&mut conn, &first, &state.media).unwrap();
        articles::neighbours(&mut conn, &first[0]).unwrap();
        articles::next_visibility_change(&mut conn).unwrap();
        dateline::ordering::curate::next_time_change(&mut conn).unwrap();
        dateline::ordering::public::page(&mut conn, "homepage", &state.media).unwrap();
        dateline::syndication::changes::since(&mut conn, 0, 20).unwrap();
        conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
        let queries: Vec<String> = seen.lock().unwrap().clone();
        assert!(queries.len() >= 20, "the paths ran: {queries:?}");
        if let DbConn::Postgres(c) = &mut *conn {
            // Tiny test tables make sequential scans cheapest; forbid them so that a
            // remaining one means no index can serve the query.
            diesel::sql_query("SET enable_seqscan = off")
                .execute(c)
                .unwrap();
            diesel::sql_query("SET plan_cache_mode = force_generic_plan")
                .execute(c)
                .unwrap();
        }
        // The check itself works: a query no index serves is caught.
        let unindexed = explain(&mut conn, "SELECT id FROM articles WHERE headline = 'x'");
        assert!(!full_scans(&unindexed).is_empty(), "{unindexed:?}");
        let mut failures = Vec::new();
        for sql in queries
            .iter()
            .filter(|q| q.trim_start().starts_with("SELECT"))
        {
            let plan = explain(&mut conn, sql);
            let scans = full_scans(&plan);
            if !scans.is_empty() {
                failures.push(format!("{sql}\n  {}", plan.join("\n  ")));
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
        "full scans on read paths:\n{}",
        failures.join("\n\n")
    );
}
