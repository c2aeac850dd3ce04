//! The response cache: anonymous public reads come from memory, and a write is
//! visible to the very next read, on this instance or any other.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    public_reads_name_what_a_cdn_purges_them_by,
    a_write_is_visible_to_the_next_read,
    another_instance_agrees_within_the_stated_bound,
);

async fn published(app: &TestApp, headline: &str) -> Value {
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": headline, "section": null}),
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
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

async fn a_write_is_visible_to_the_next_read(app: TestApp) {
    let story = published(&app, "First take").await;
    let path = format!("/api/v1/articles/{}", story["slug"].as_str().unwrap());
    let first = app.get(&path).send().await;
    assert_eq!(first.header("x-cache").as_deref(), Some("miss"));
    let second = app.get(&path).send().await;
    assert_eq!(second.header("x-cache").as_deref(), Some("hit"));
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(
        second.header("cache-control"),
        first.header("cache-control")
    );
    assert!(second.header("x-request-id").is_some());
    // Conditional requests are answered from the cache too.
    let etag = first.header("etag").unwrap();
    let conditional = app.get(&path).header("If-None-Match", &etag).send().await;
    assert_eq!(conditional.status, 304);
    assert_eq!(conditional.header("x-cache").as_deref(), Some("hit"));

    let edit = app
        .patch(&format!(
            "/api/v1/articles/{}",
            story["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": story["version"], "headline": "Second take"}))
        .send()
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    let after = app.get(&path).send().await;
    assert_eq!(after.header("x-cache").as_deref(), Some("miss"));
    assert_eq!(after.json()["headline"], "Second take");

    // Lists and collections too.
    let list = app.get("/api/v1/articles").send().await;
    assert_eq!(list.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/articles")
            .send()
            .await
            .header("x-cache")
            .as_deref(),
        Some("hit")
    );
    published(&app, "Another story").await;
    let list = app.get("/api/v1/articles").send().await;
    assert_eq!(list.json()["data"].as_array().unwrap().len(), 2);

    // Signed-in reads and private answers never come from, or go into, the cache.
    let signed_in = app.get(&path).bearer(&app.admin).send().await;
    assert_eq!(signed_in.status, 200);
    assert!(signed_in.header("x-cache").is_none());
    let draft = app
        .create("/api/v1/articles", json!({"headline": "Secret"}))
        .await;
    let hidden = format!("/api/v1/articles/{}", draft["slug"].as_str().unwrap());
    app.get(&hidden).send().await.problem(404);
    let publish = app
        .post(&format!(
            "/api/v1/articles/{}/publish",
            draft["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": draft["version"]}))
        .send()
        .await;
    assert_eq!(publish.status, 200);
    assert_eq!(app.get(&hidden).send().await.status, 200);
}

/// How long another instance may serve what a write replaced: the documented bound
/// is about 100 ms (PostgreSQL's NOTIFY reaches a tail within milliseconds, SQLite's
/// other processes are polled every 50 ms); ten times that here, for a loaded CI box.
const OTHER_INSTANCE_BOUND: std::time::Duration = std::time::Duration::from_millis(1000);

/// Reads `path` from `app` until `done` holds, failing past the bound.
async fn until_within_bound(
    app: &TestApp,
    path: &str,
    done: impl Fn(&crate::helpers::Res) -> bool,
) {
    let started = std::time::Instant::now();
    loop {
        let res = app.get(path).send().await;
        if done(&res) {
            return;
        }
        assert!(
            started.elapsed() < OTHER_INSTANCE_BOUND,
            "{path} still {} after {:?}",
            res.status,
            started.elapsed()
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn another_instance_agrees_within_the_stated_bound(app: TestApp) {
    let other = app.another_instance().await;
    let story = published(&app, "Breaking").await;
    let path = format!("/api/v1/articles/{}", story["slug"].as_str().unwrap());
    // The other instance caches the story once it has heard of the publish.
    until_within_bound(&other, &path, |r| {
        r.status == 200 && r.header("x-cache").as_deref() == Some("hit")
    })
    .await;
    assert_eq!(
        other.get("/feeds/json").send().await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The write goes to the first instance; the second drops its copy within the bound.
    let unpublish = app
        .post(&format!(
            "/api/v1/articles/{}/unpublish",
            story["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": story["version"]}))
        .send()
        .await;
    assert_eq!(unpublish.status, 200, "{}", unpublish.text());
    // The instance that took the write never shows it again.
    app.get(&path).send().await.problem(404);
    until_within_bound(&other, &path, |r| r.status == 404).await;
    until_within_bound(&other, "/feeds/json", |r| {
        r.json()["items"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
}

async fn public_reads_name_what_a_cdn_purges_them_by(app: TestApp) {
    let section = app
        .create("/api/v1/sections", json!({"name": "World"}))
        .await;
    let tag = app.create("/api/v1/tags", json!({"name": "Energy"})).await;
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Grid deal", "section": "world", "tags": ["energy"]}),
        )
        .await;
    let id = draft["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/articles/{id}/publish"))
        .bearer(&app.admin)
        .json(json!({"version": draft["version"]}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    for _ in 0..2 {
        // Built, then from the cache: the keys are the same.
        let page = app.get("/api/v1/articles/grid-deal").send().await;
        let keys = page.header("surrogate-key").unwrap();
        for key in [
            format!("article:{id}"),
            format!("section:{}", section["id"].as_str().unwrap()),
            format!("tag:{}", tag["id"].as_str().unwrap()),
        ] {
            assert!(keys.split(' ').any(|k| k == key), "{key} in {keys}");
        }
        let list = app.get("/api/v1/articles").send().await;
        let keys = list.header("surrogate-key").unwrap();
        assert!(
            keys.split(' ').any(|k| k == format!("article:{id}")),
            "{keys}"
        );
    }
}
