//! Stored story renders: a public story page the response cache does not hold is read
//! from the story's stored JSON, byte for byte what building it would send, and a
//! write that changes what the render shows drops it (the response cache off here, so
//! every read reaches the handler; `x-dateline-render` says which way it was made).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Res, TestApp};

const NO_CACHE: [(&str, &str); 1] = [("DATELINE_RESPONSE_CACHE_MB", "0")];

crate::both_backends_env!(super::NO_CACHE;
    a_stored_page_is_the_built_page_and_follows_every_change,
    a_linked_story_appearing_by_the_clock_retires_the_render,
);

crate::both_backends!(a_cached_gzip_page_serves_every_reader);

fn gunzip(body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("a valid gzip body");
    out
}

const BROWSER: &str = "gzip, deflate, br, zstd";

fn made(res: &Res) -> String {
    res.header("x-dateline-render").unwrap_or_default()
}

/// Reads `path` until the background renderer has stored it (a few milliseconds).
async fn stored(app: &TestApp, path: &str) -> Res {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = app.get(path).send().await;
        assert_eq!(res.status, 200, "{path}: {}", res.text());
        if made(&res) == "stored" {
            return res;
        }
        assert!(
            Instant::now() < deadline,
            "{path} was never served from a stored render"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn edit(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.patch(path).bearer(&app.admin).json(body).send().await;
    assert_eq!(res.status, 200, "PATCH {path}: {}", res.text());
    res.json()
}

async fn a_stored_page_is_the_built_page_and_follows_every_change(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    for name in ["Summit", "Diplomacy"] {
        app.create("/api/v1/tags", json!({"name": name})).await;
    }
    let linked = app
        .published_story(
            json!({"headline": "Earlier coverage", "section": "world", "tags": ["summit"]}),
        )
        .await;
    let story = app
        .published_story(json!({
            "headline": "Leaders meet",
            "section": "world",
            "tags": ["summit", "diplomacy"],
            "body": [
                {"type": "paragraph", "html": "They <em>met</em>."},
                {"type": "related", "article_id": linked["id"], "label": "Also Read"}
            ]
        }))
        .await;
    let path = "/api/v1/articles/leaders-meet";
    let by_id = format!("/api/v1/articles/{}", story["id"].as_str().unwrap());

    // Stored, and the same bytes, ETag and keys as building it (asking for the
    // default formats by name always builds).
    let kept = stored(&app, path).await;
    let built = app.get(&format!("{path}?formats=blocks,html")).send().await;
    assert_eq!(made(&built), "built");
    assert_eq!(kept.text(), built.text());
    assert_eq!(kept.header("etag"), built.header("etag"));
    assert_eq!(kept.header("surrogate-key"), built.header("surrogate-key"));
    assert_eq!(kept.json()["previous"]["slug"], "earlier-coverage");
    let also = stored(&app, &by_id).await;
    assert_eq!(also.text(), built.text());
    // A list of stories is made of the same renders.
    let list = "/api/v1/articles?section=world";
    let kept_list = stored(&app, list).await;
    let listed = app.get(&format!("{list}&formats=blocks,html")).send().await;
    assert_eq!(made(&listed), "built");
    assert_eq!(kept_list.text(), listed.text());
    assert_eq!(
        kept_list.header("surrogate-key"),
        listed.header("surrogate-key")
    );
    let mut own = kept.json();
    for field in ["previous", "next", "related", "translations"] {
        own.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(kept_list.json()["data"][0], own);
    // To a client taking gzip, the stored parts go out as they are kept (packed), with
    // the pieces made now around them: the same bytes and ETag once decoded.
    for (path, plain) in [(path, &kept), (list, &kept_list)] {
        let gzip = app
            .get(path)
            .header("Accept-Encoding", BROWSER)
            .send()
            .await;
        assert_eq!(made(&gzip), "stored");
        assert_eq!(gzip.header("content-encoding").as_deref(), Some("gzip"));
        assert_eq!(gunzip(&gzip.body), plain.body, "{path}");
        assert_eq!(gzip.header("etag"), plain.header("etag"));
    }
    let paged = app.get(&format!("{list}&limit=1")).send().await;
    assert!(paged.json()["next_cursor"].is_string());
    assert!(paged.header("link").unwrap().contains("cursor="));
    let etag = kept.header("etag").unwrap();
    let again = app.get(path).header("If-None-Match", &etag).send().await;
    assert_eq!(again.status, 304);

    // What readers cannot see keeps the render: a new draft and its saves, a login.
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Not yet", "section": "world", "tags": ["summit"]}),
        )
        .await;
    edit(
        &app,
        &format!("/api/v1/articles/{}", draft["id"].as_str().unwrap()),
        json!({"version": draft["version"], "standfirst": "Still a draft"}),
    )
    .await;
    app.login(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    assert_eq!(made(&app.get(path).send().await), "stored");

    // A tag renamed: the page shows the new name at once, then is stored again.
    edit(
        &app,
        "/api/v1/tags/diplomacy",
        json!({"version": 1, "name": "Statecraft"}),
    )
    .await;
    let renamed = app.get(path).send().await;
    assert_eq!(made(&renamed), "built");
    let names: Vec<Value> = renamed.json()["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert!(names.contains(&json!("Statecraft")), "{names:?}");
    assert_eq!(stored(&app, path).await.text(), renamed.text());

    // The linked story's headline changes: the "Also Read" block shows the new one.
    edit(
        &app,
        &format!("/api/v1/articles/{}", linked["id"].as_str().unwrap()),
        json!({"version": linked["version"], "headline": "Earlier coverage, updated"}),
    )
    .await;
    let relinked = app.get(path).send().await;
    assert!(
        relinked.text().contains("Earlier coverage, updated"),
        "{}",
        relinked.text()
    );
    assert_eq!(stored(&app, path).await.text(), relinked.text());

    // The story itself is edited: never a stale byte.
    let current = relinked.json();
    edit(
        &app,
        &by_id,
        json!({"version": current["version"], "standfirst": "A new standfirst"}),
    )
    .await;
    let edited = app.get(path).send().await;
    assert_eq!(edited.json()["standfirst"], "A new standfirst");
    assert_ne!(edited.header("etag"), relinked.header("etag"));
    assert_eq!(stored(&app, path).await.text(), edited.text());

    // A story published next to it changes its `next`, not its stored part.
    let next = app
        .published_story(json!({"headline": "Leaders part", "section": "world"}))
        .await;
    let page = app.get(path).send().await;
    assert_eq!(page.json()["next"]["slug"], "leaders-part");
    assert_eq!(made(&page), "stored");

    // Unpublished: gone from the public at once, render or not.
    app.post(&format!(
        "/api/v1/articles/{}/unpublish",
        next["id"].as_str().unwrap()
    ))
    .bearer(&app.admin)
    .json(json!({"version": next["version"]}))
    .send()
    .await;
    app.get("/api/v1/articles/leaders-part")
        .send()
        .await
        .problem(404);
    assert_eq!(app.get(path).send().await.json()["next"], Value::Null);

    // Signed-in and non-default reads are built, never stored.
    let insider = app.get(path).bearer(&app.admin).send().await;
    assert_eq!(made(&insider), "built");
    assert!(insider.json()["stage"].is_string());
    let text = app.get(&format!("{path}?formats=text")).send().await;
    assert_eq!(made(&text), "built");
    assert!(text.json()["body_text"].is_string());
}

async fn a_linked_story_appearing_by_the_clock_retires_the_render(app: TestApp) {
    let at = chrono::Utc::now() + chrono::TimeDelta::milliseconds(1500);
    let soon = app
        .create("/api/v1/articles", json!({"headline": "Coming soon"}))
        .await;
    app.publish_story(&soon, json!({"publish_at": at.to_rfc3339()}))
        .await;
    app.published_story(json!({
        "headline": "Teaser",
        "body": [{"type": "related", "article_id": soon["id"], "label": "Also Read"}]
    }))
    .await;
    let path = "/api/v1/articles/teaser";
    let before = stored(&app, path).await;
    assert!(!before.text().contains("Coming soon"), "{}", before.text());
    let wait = at - chrono::Utc::now() + chrono::TimeDelta::milliseconds(100);
    actix_web::rt::time::sleep(wait.to_std().unwrap_or_default()).await;
    // No write happened: the clock alone retires the render (the page is built, or
    // already rendered again by the worker on a busy machine; either way it links the
    // story that has just appeared).
    let after = app.get(path).send().await;
    assert!(after.text().contains("Coming soon"), "{}", after.text());
}

/// With the response cache on: a page first asked for in gzip (made from the stored
/// render) is kept in that form and still answers a reader who takes no coding, or
/// only brotli, with the same bytes.
async fn a_cached_gzip_page_serves_every_reader(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.published_story(json!({
        "headline": "Leaders meet",
        "section": "world",
        "body": [{"type": "paragraph", "html": "They <em>met</em> again and again."}]
    }))
    .await;
    // Each limit is a page of its own in the cache: asked until its story is stored.
    let deadline = Instant::now() + Duration::from_secs(10);
    for limit in 1.. {
        let res = app
            .get(&format!("/api/v1/articles?section=world&limit={limit}"))
            .send()
            .await;
        if made(&res) == "stored" {
            break;
        }
        assert!(Instant::now() < deadline, "never rendered");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let path = "/api/v1/articles/leaders-meet";
    let first = app.get(path).header("Accept-Encoding", "gzip").send().await;
    assert_eq!(first.header("x-cache").as_deref(), Some("miss"));
    assert_eq!(made(&first), "stored");
    assert_eq!(first.header("content-encoding").as_deref(), Some("gzip"));
    let page = gunzip(&first.body);
    let built = app.get(&format!("{path}?formats=blocks,html")).send().await;
    assert_eq!(page, built.body, "the stored page is the built page");

    let plain = app.get(path).send().await;
    assert_eq!(plain.header("x-cache").as_deref(), Some("hit"));
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, page);
    assert_eq!(plain.header("etag"), first.header("etag"));

    let brotli = app
        .get(path)
        .header("Accept-Encoding", BROWSER)
        .send()
        .await;
    assert_eq!(brotli.header("x-cache").as_deref(), Some("hit"));
    assert_eq!(brotli.header("content-encoding").as_deref(), Some("br"));
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&brotli.body[..], 4096),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, page);
    let again = app.get(path).header("Accept-Encoding", "gzip").send().await;
    assert_eq!(again.header("x-cache").as_deref(), Some("hit"));
    assert_eq!(again.body, first.body, "the kept gzip form");
}
