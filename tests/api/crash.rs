//! `kill -9` during a write storm, three times over, on each backend. After every
//! restart: each acknowledged write is there, no story is half-written (its version,
//! its revisions and its text agree), search finds what was saved, SQLite's own
//! integrity check passes, and the webhook outbox delivers what was promised before
//! the crash.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Backend, fresh_postgres_url};
use crate::process::{Server, WEBHOOKS_TO_LOOPBACK, admin_token, base_env, call, client, scratch};
use crate::webhooks::Receiver;

const CLIENTS: usize = 12;
const CRASHES: usize = 3;

#[actix_web::test]
async fn sqlite() {
    survives_kill_dash_nine(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres() {
    survives_kill_dash_nine(Backend::Postgres).await;
}

/// What the server acknowledged about one story.
#[derive(Clone, Debug)]
struct Acked {
    version: i64,
    headline: String,
    marker: String,
    published: bool,
}

type Ledger = Rc<RefCell<HashMap<String, Acked>>>;

async fn survives_kill_dash_nine(backend: Backend) {
    let dir = scratch("crash");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("crash.db").display()),
        Backend::Postgres => match fresh_postgres_url() {
            Some(url) => url,
            None => return,
        },
    };
    let (receiver, hook_url) = Receiver::start().await;
    let env = base_env(&dir, &url, &WEBHOOKS_TO_LOOPBACK);
    let mut server = Server::start(env).await;
    let admin = admin_token(&server).await;
    let (status, hook) = server
        .call(
            "POST",
            "/api/v1/webhooks",
            &admin,
            Some(json!({"url": hook_url, "events": ["article.published"]})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");

    let ledger: Ledger = Rc::default();
    let mut acknowledged = 0;
    for crash in 0..CRASHES {
        let base = server.base.clone();
        let storm =
            (0..CLIENTS).map(|n| write_until_refused(&base, &admin, crash, n, ledger.clone()));
        let killer = async {
            actix_web::rt::time::sleep(Duration::from_millis(1000)).await;
            server.kill9();
        };
        let (counts, ()) = futures_util::join!(futures_util::future::join_all(storm), killer);
        acknowledged += counts.iter().sum::<usize>();
        server.restart().await;
        check_consistent(&server, &admin, &ledger, backend, &dir).await;
    }
    assert!(
        acknowledged >= CRASHES,
        "the storm hardly wrote anything ({acknowledged} acknowledged writes)"
    );

    // The outbox resumes: every acknowledged publish is announced. (Delivery is at
    // least once: a kill between sending and recording may send an event again, with
    // the same event id for the receiver to drop; `instances.rs` checks exactly once
    // where nothing crashes.)
    let published: Vec<String> = ledger
        .borrow()
        .iter()
        .filter(|(_, a)| a.published)
        .map(|(id, _)| id.clone())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let announced: Vec<String> = receiver
            .delivered()
            .iter()
            .filter_map(|(_, e)| e["data"]["article"]["id"].as_str().map(str::to_owned))
            .collect();
        let missing = published
            .iter()
            .filter(|id| !announced.contains(id))
            .count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} acknowledged publishes were never delivered",
            published.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "crash test ({backend:?}): {CRASHES} kill -9s survived, {acknowledged} acknowledged writes, {} stories, 0 lost",
        ledger.borrow().len()
    );
    assert!(!server.output().contains("panicked"), "{}", server.output());
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

/// Creates, publishes and edits stories until the server stops answering; records
/// only what the server acknowledged. Returns the number of acknowledged writes.
async fn write_until_refused(
    base: &str,
    token: &str,
    crash: usize,
    n: usize,
    ledger: Ledger,
) -> usize {
    let client = client();
    let mut writes = 0;
    for seq in 0.. {
        let marker = format!("zq{crash}x{n}x{seq}");
        let headline = format!("Storm {crash}/{n}/{seq}");
        let body = json!({
            "headline": headline,
            "body": [{"type": "paragraph", "html": format!("First draft {marker}")}],
        });
        let (status, story) = call(
            &client,
            "POST",
            &format!("{base}/api/v1/articles"),
            token,
            Some(body),
        )
        .await;
        match status {
            201 => {}
            0 => return writes,
            other => panic!("create: {other} {story}"),
        }
        writes += 1;
        let id = story["id"].as_str().unwrap().to_owned();
        ledger.borrow_mut().insert(
            id.clone(),
            Acked {
                version: 1,
                headline: headline.clone(),
                marker: marker.clone(),
                published: false,
            },
        );
        let (status, out) = call(
            &client,
            "POST",
            &format!("{base}/api/v1/articles/{id}/publish"),
            token,
            Some(json!({"version": 1})),
        )
        .await;
        match status {
            200 => {}
            0 => return writes,
            other => panic!("publish: {other} {out}"),
        }
        writes += 1;
        let version = out["version"].as_i64().unwrap();
        ledger.borrow_mut().insert(
            id.clone(),
            Acked {
                version,
                headline: headline.clone(),
                marker: marker.clone(),
                published: true,
            },
        );
        let edited = format!("{headline}, updated");
        let (status, out) = call(
            &client,
            "PATCH",
            &format!("{base}/api/v1/articles/{id}"),
            token,
            Some(json!({"version": version, "headline": edited,
                "body": [{"type": "paragraph", "html": format!("Second draft {marker}")}]})),
        )
        .await;
        match status {
            200 => {}
            0 => return writes,
            other => panic!("edit: {other} {out}"),
        }
        writes += 1;
        ledger.borrow_mut().insert(
            id,
            Acked {
                version: out["version"].as_i64().unwrap(),
                headline: edited,
                marker,
                published: true,
            },
        );
    }
    writes
}

async fn check_consistent(
    server: &Server,
    token: &str,
    ledger: &Ledger,
    backend: Backend,
    dir: &std::path::Path,
) {
    if backend == Backend::Sqlite {
        use diesel::{Connection, RunQueryDsl, SqliteConnection};
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let mut conn =
            SqliteConnection::establish(&dir.join("crash.db").display().to_string()).unwrap();
        let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].integrity_check, "ok");
    }
    let entries: Vec<(String, Acked)> = ledger
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (id, acked) in entries {
        let (status, story) = server
            .call(
                "GET",
                &format!("/api/v1/articles/{id}?formats=text"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{id} was acknowledged, then lost: {story}");
        let version = story["version"].as_i64().unwrap();
        // A write can land without its answer arriving (the kill came in between),
        // never the other way round.
        assert!(
            version >= acked.version,
            "{id}: version {version} < acknowledged {}",
            acked.version
        );
        if version == acked.version {
            assert_eq!(story["headline"], acked.headline.as_str(), "{id}");
        }
        assert!(story["body_text"].as_str().unwrap().contains(&acked.marker));
        // No half-written change: one revision per version, the last one equal to
        // the story itself.
        let (_, revisions) = server
            .call(
                "GET",
                &format!("/api/v1/articles/{id}/revisions"),
                token,
                None,
            )
            .await;
        let revisions = revisions.as_array().expect("a list of revisions").clone();
        assert_eq!(revisions.len() as i64, version, "{id}: {revisions:?}");
        let (_, latest) = server
            .call(
                "GET",
                &format!("/api/v1/articles/{id}/revisions/{version}"),
                token,
                None,
            )
            .await;
        assert_eq!(latest["article"]["headline"], story["headline"], "{id}");
        assert_eq!(latest["article"]["body_text"], story["body_text"], "{id}");
        // The search index moved with the story.
        if story["status"] == "published" {
            let (_, hits) = server
                .call(
                    "GET",
                    &format!("/api/v1/articles?q={}", acked.marker),
                    "",
                    None,
                )
                .await;
            let found: Vec<&Value> = hits["data"].as_array().unwrap().iter().collect();
            assert_eq!(found.len(), 1, "search for {}: {hits}", acked.marker);
            assert_eq!(found[0]["id"], id.as_str());
        }
    }
}
