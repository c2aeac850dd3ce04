//! Backups and moving a newsroom, through the real command line: a newsroom built
//! through the API on SQLite is exported, imported into PostgreSQL, and exported again;
//! the two archives are identical row for row and byte for byte, and the PostgreSQL
//! newsroom serves the same stories, orders and history, with the same logins.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::fixtures::two_tone_jpeg;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestApp, fresh_postgres_url};
use crate::process::{Server, base_env, scratch};

fn dateline(args: &[&str], env: &[(String, String)], dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run dateline");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap() != "manifest.json" {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

async fn build_newsroom(app: &TestApp) -> String {
    let (_, editor) = app.user("editor").await;
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "world"}),
    )
    .await;
    app.create("/api/v1/tags", json!({"name": "Elections"}))
        .await;
    app.create(
        "/api/v1/authors",
        json!({"name": "Ana Ruiz", "bio": "Covers Europe"}),
    )
    .await;
    let photo = app
        .post("/api/v1/images")
        .bearer(&editor)
        .multipart(&[
            ("file", Some("count.jpg"), &two_tone_jpeg(900, 600)),
            ("caption", None, b"The count in Lisbon"),
            ("credit", None, b"Photo: Ana Ruiz"),
        ])
        .send()
        .await;
    assert_eq!(photo.status, 201, "{}", photo.text());
    let photo = photo.json()["id"].as_str().unwrap().to_owned();
    // Floats that show precision and spelling differences between the backends.
    let focal = app
        .patch(&format!("/api/v1/images/{photo}"))
        .bearer(&app.admin)
        .json(json!({"version": 1, "focal_point": {"x": 0.30000000000000004, "y": 1.0}}))
        .send()
        .await;
    assert_eq!(focal.status, 200, "{}", focal.text());
    let earlier = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Polls open across Europe", "section": "europe"}),
        )
        .await;
    let earlier_id = earlier["id"].as_str().unwrap().to_owned();
    app.publish(&earlier_id, 1).await;
    let story = app
        .create(
            "/api/v1/articles",
            json!({
                "headline": "Count under way in Lisbon",
                "standfirst": "Turnout was the highest in twenty years",
                "source": "Lusa",
                "section": "europe",
                "tags": ["elections"],
                "authors": ["ana-ruiz"],
                "featured_image": photo,
                "body": [
                    {"type": "paragraph", "html": "Counting began at <strong>eight</strong>."},
                    {"type": "image", "image_id": photo},
                    {"type": "related", "article_id": earlier_id, "label": "Also Read"},
                    {"type": "quote", "text": "Every vote counts", "attribution": "An official"}
                ],
            }),
        )
        .await;
    let id = story["id"].as_str().unwrap().to_owned();
    let published = app.publish(&id, 1).await;
    let edited = app
        .patch(&format!("/api/v1/articles/{id}"))
        .bearer(&app.admin)
        .json(json!({"version": published["version"], "slug": "lisbon-count", "append_correction": "An earlier version gave the wrong hour."}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    // The desk's notes travel with the newsroom.
    let note = app
        .post(&format!("/api/v1/articles/{id}/notes"))
        .bearer(&editor)
        .json(json!({"text": "Legal has read this one."}))
        .send()
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
    // So do a live story's state and entries.
    app.create(
        "/api/v1/articles",
        json!({"headline": "Count, live", "slug": "count-live", "live": {"state": "live"}}),
    )
    .await;
    let entry = app
        .post("/api/v1/articles/count-live/entries")
        .bearer(&app.admin)
        .json(
            json!({"body": [{"type": "paragraph", "html": "First precincts in."}], "pinned": true}),
        )
        .send()
        .await;
    assert_eq!(entry.status, 201, "{}", entry.text());
    app.create(
        "/api/v1/collections",
        json!({"name": "Top News", "max_items": 5}),
    )
    .await;
    let curated = app
        .req("PUT", "/api/v1/collections/top-news/items")
        .bearer(&app.admin)
        .json(json!({"version": 1, "items": [{"article_id": id, "pinned": true}, {"article_id": earlier_id}]}))
        .send()
        .await;
    assert_eq!(curated.status, 200, "{}", curated.text());
    app.create(
        "/api/v1/api-keys",
        json!({"name": "partner", "scopes": ["syndication:read"]}),
    )
    .await;
    id
}

#[actix_web::test]
async fn a_newsroom_moves_from_sqlite_to_postgres_losslessly() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let story = build_newsroom(&app).await;
    let work = scratch("portability");
    let dateline::config::DatabaseUrl::Sqlite(file) = &app.settings.database_url else {
        unreachable!("a SQLite app")
    };
    let source_db = format!("sqlite://{}", file.display());
    let source_media = app.media_dir.clone().unwrap();
    let source = base_env(
        &work,
        &source_db,
        &[("DATELINE_MEDIA", &source_media.display().to_string())],
    );
    // The target: PostgreSQL when there is one (always in CI), else another SQLite.
    let (target_db, target_backend) = match fresh_postgres_url() {
        Some(url) => (url, "postgres"),
        None => (
            format!("sqlite://{}", work.join("target.db").display()),
            "sqlite",
        ),
    };
    let target_media = work.join("target-media");
    let target = base_env(
        &work,
        &target_db,
        &[("DATELINE_MEDIA", &target_media.display().to_string())],
    );
    let mut target_no_admin = target.clone();
    target_no_admin.retain(|(k, _)| !k.starts_with("DATELINE_ADMIN"));

    // A backup is a working database of its own.
    let backup = work.join("backup.db");
    let (ok, out) = dateline(&["backup", &backup.display().to_string()], &source, &work);
    assert!(ok, "{out}");
    let (ok, out) = dateline(&["backup", &backup.display().to_string()], &source, &work);
    assert!(!ok && out.contains("exists"), "never overwrites: {out}");
    {
        use diesel::{Connection, RunQueryDsl, SqliteConnection};
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut copy = SqliteConnection::establish(&backup.display().to_string()).unwrap();
        let articles: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM articles")
            .load(&mut copy)
            .unwrap();
        assert_eq!(articles[0].n, 3, "the backup holds the newsroom");
    }

    let first = work.join("export-1");
    let (ok, out) = dateline(
        &["export", &first.display().to_string(), "--with-secrets"],
        &source,
        &work,
    );
    assert!(ok, "{out}");
    let (ok, out) = dateline(
        &["import", &first.display().to_string()],
        &target_no_admin,
        &work,
    );
    assert!(ok, "{out}");
    let (ok, out) = dateline(
        &["import", &first.display().to_string()],
        &target_no_admin,
        &work,
    );
    assert!(
        !ok && out.contains("empty database"),
        "a second import is refused: {out}"
    );
    let second = work.join("export-2");
    let (ok, out) = dateline(
        &["export", &second.display().to_string(), "--with-secrets"],
        &target,
        &work,
    );
    assert!(ok, "{out}");

    // Identical archives: every row, every media file, byte for byte.
    let a = listing(&first);
    let b = listing(&second);
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs after {target_backend}:\n{}\n---\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
    assert!(
        a.iter().any(|(n, _)| n.starts_with("media/")),
        "media files travel"
    );
    let images = std::fs::read_to_string(first.join("tables/images.jsonl")).unwrap();
    assert!(
        images.contains("\"focal_x\":0.30000000000000004") && images.contains("\"focal_y\":1.0"),
        "floats keep every digit and one spelling: {images}"
    );
    for table in [
        "users",
        "articles",
        "article_revisions",
        "article_notes",
        "article_live",
        "live_entries",
        "collection_changes",
        "images",
        "audit_log",
    ] {
        let (_, rows) = a
            .iter()
            .find(|(n, _)| n == &format!("tables/{table}.jsonl"))
            .unwrap_or_else(|| panic!("{table} exported"));
        assert!(!rows.is_empty(), "{table} has rows");
    }

    // The moved newsroom works: same logins, same story, same order, same history.
    let server = Server::start(target.clone()).await;
    let (status, session) = server
        .call(
            "POST",
            "/api/v1/auth/login",
            "",
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let token = session["access_token"].as_str().unwrap();
    let before = app
        .get(&format!(
            "/api/v1/articles/{story}?formats=blocks,html,text"
        ))
        .send()
        .await
        .json();
    let (_, after) = server
        .call(
            "GET",
            &format!("/api/v1/articles/{story}?formats=blocks,html,text"),
            "",
            None,
        )
        .await;
    for field in [
        "headline",
        "slug",
        "standfirst",
        "source",
        "body_text",
        "version",
        "published_at",
        "updated_at",
        "corrections",
        "reading_time_minutes",
        "section",
        "tags",
        "authors",
    ] {
        assert_eq!(before[field], after[field], "{field}");
    }
    assert_eq!(
        before["body"].as_array().map(Vec::len),
        after["body"].as_array().map(Vec::len)
    );
    let (_, entries) = server
        .call("GET", "/api/v1/articles/count-live/entries", token, None)
        .await;
    assert!(
        entries["data"][0]["body_html"]
            .as_str()
            .is_some_and(|h| h.contains("First precincts in.")),
        "{entries}"
    );
    assert_eq!(entries["pinned"][0]["id"], entries["data"][0]["id"]);
    let (_, live) = server
        .call("GET", "/api/v1/articles/count-live", token, None)
        .await;
    assert_eq!(live["live"]["state"], "live");
    let (_, old_slug) = server
        .call(
            "GET",
            "/api/v1/articles/count-under-way-in-lisbon",
            "",
            None,
        )
        .await;
    assert_eq!(
        old_slug["headline"], before["headline"],
        "the old slug still leads to the story"
    );
    let (_, revisions) = server
        .call(
            "GET",
            &format!("/api/v1/articles/{story}/revisions"),
            token,
            None,
        )
        .await;
    let revisions_before = app
        .get(&format!("/api/v1/articles/{story}/revisions"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(
        revisions.as_array().map(Vec::len),
        revisions_before.as_array().map(Vec::len)
    );
    let (_, top) = server
        .call("GET", "/api/v1/collections/top-news", "", None)
        .await;
    let top_before = app.get("/api/v1/collections/top-news").send().await.json();
    let ids = |v: &Value| -> Vec<Value> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect()
    };
    assert_eq!(ids(&top), ids(&top_before));
    let (_, history) = server
        .call("GET", "/api/v1/collections/top-news/history", token, None)
        .await;
    assert_eq!(history["data"].as_array().unwrap().len(), 2);
    // The photo's files came along.
    let image_url = after["featured_image"]["url"].as_str().unwrap().to_owned();
    let path = image_url
        .split_once("/media/")
        .map(|(_, k)| format!("/media/{k}"))
        .unwrap();
    let res = crate::process::client()
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    drop(server);

    // Without --with-secrets: no password hashes, no keys, no webhooks.
    let plain = work.join("export-plain");
    let (ok, out) = dateline(&["export", &plain.display().to_string()], &source, &work);
    assert!(ok, "{out}");
    let users = std::fs::read_to_string(plain.join("tables/users.jsonl")).unwrap();
    assert!(users.contains("\"password_hash\":\"\""));
    assert!(!users.contains("$argon2"));
    assert!(!plain.join("tables/api_keys.jsonl").exists());
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(plain.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "dateline-export");
    assert_eq!(manifest["with_secrets"], false);
    let _ = std::fs::remove_dir_all(work);
}

#[actix_web::test]
async fn backup_on_postgres_points_to_pg_dump() {
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    let work = scratch("pgbackup");
    let env = base_env(&work, &url, &[]);
    let (ok, out) = dateline(
        &["backup", &work.join("x").display().to_string()],
        &env,
        &work,
    );
    assert!(!ok);
    assert!(out.contains("pg_dump"), "{out}");
    let _ = std::fs::remove_dir_all(work);
}
