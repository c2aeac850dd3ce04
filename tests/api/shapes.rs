//! The response shapes front ends are built on, as snapshots (`tests/api/snapshots/`):
//! a story page, a list page, a collection and the problems (common and rarer), with ids,
//! times and cursors redacted. The same snapshot holds on both backends. A change to
//! a shape shows as a diff here before it reaches a client; accept a deliberate one
//! with `INSTA_UPDATE=always cargo test shapes` and review the `.snap` diff.

use insta::assert_json_snapshot;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_story_page_and_a_list_keep_their_shape,
    a_collection_keeps_its_shape,
    the_common_problems_keep_their_shape,
    the_rarer_problems_keep_their_shape,
);

/// Ids, times and cursors differ on every run; what remains is the shape and content.
macro_rules! stable {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            assert_json_snapshot!($name, $value, {
                ".**.id" => "[id]",
                ".**.article_id" => "[id]",
                ".**.created_at" => "[time]",
                ".**.updated_at" => "[time]",
                ".**.published_at" => "[time]",
                ".**.at" => "[time]",
                ".**.next_cursor" => "[cursor]",
                ".**.request_id" => "[request id]",
            });
        });
    };
}

async fn newsroom(app: &TestApp) -> (Value, Value) {
    app.create("/api/v1/sections", json!({"name": "Politics"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Elections"}))
        .await;
    app.create(
        "/api/v1/authors",
        json!({"name": "Ada Reporter", "bio": "Covers the city."}),
    )
    .await;
    let first = app
        .published_story(json!({
            "headline": "Council passes the budget",
            "standfirst": "After a long night",
            "section": "politics",
            "tags": ["elections"],
            "authors": ["ada-reporter"],
            "body": [
                {"type": "paragraph", "html": "The council voted <b>7 to 2</b>."},
                {"type": "heading", "level": 2, "text": "What changes"},
                {"type": "quote", "text": "A fair budget.", "attribution": "The mayor"},
            ],
        }))
        .await;
    let second = app
        .published_story(json!({
            "headline": "Turnout hits a record",
            "section": "politics",
            "tags": ["elections"],
            "body": [
                {"type": "paragraph", "html": "More people voted than ever."},
                {"type": "related", "article_id": first["id"]},
            ],
        }))
        .await;
    (first, second)
}

async fn a_story_page_and_a_list_keep_their_shape(app: TestApp) {
    let (first, _) = newsroom(&app).await;
    let slug = first["slug"].as_str().unwrap();

    let page = app.get(&format!("/api/v1/articles/{slug}")).send().await;
    assert_eq!(page.status, 200, "{}", page.text());
    stable!("story_page", page.json());

    let list = app
        .get("/api/v1/articles?section=politics&limit=1")
        .send()
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    stable!("story_list", list.json());
}

async fn a_collection_keeps_its_shape(app: TestApp) {
    let (first, second) = newsroom(&app).await;
    let made = app
        .create(
            "/api/v1/collections",
            json!({"name": "Front page", "max_items": 5}),
        )
        .await;
    let mut version = made["version"].as_i64().unwrap();
    for (story, pinned) in [(&second, false), (&first, true)] {
        let res = app
            .post("/api/v1/collections/front-page/items")
            .bearer(&app.admin)
            .json(json!({"version": version, "article_id": story["id"], "pinned": pinned}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        version = res.json()["version"].as_i64().unwrap();
    }
    let public = app.get("/api/v1/collections/front-page").send().await;
    assert_eq!(public.status, 200, "{}", public.text());
    stable!("collection", public.json());
}

async fn the_common_problems_keep_their_shape(app: TestApp) {
    let (first, _) = newsroom(&app).await;
    let id = first["id"].as_str().unwrap();
    let (_, contributor) = app.user("contributor").await;
    let mut problems = serde_json::Map::new();
    let mut keep = |name: &str, res: crate::helpers::Res, status: u16| {
        problems.insert(name.into(), res.problem(status));
    };
    keep(
        "400 bad request",
        app.post("/api/v1/tags")
            .bearer(&app.admin)
            .raw("application/json", "{\"name\": ")
            .send()
            .await,
        400,
    );
    keep(
        "401 unauthorized",
        app.post("/api/v1/tags")
            .json(json!({"name": "x"}))
            .send()
            .await,
        401,
    );
    keep(
        "403 forbidden",
        app.post("/api/v1/tags")
            .bearer(&contributor)
            .json(json!({"name": "x"}))
            .send()
            .await,
        403,
    );
    keep(
        "404 not found",
        app.get("/api/v1/articles/no-such-story").send().await,
        404,
    );
    keep(
        "405 method not allowed",
        app.req("PUT", "/api/v1/tags").send().await,
        405,
    );
    keep(
        "409 conflict",
        app.post("/api/v1/tags")
            .bearer(&app.admin)
            .json(json!({"name": "Elections", "slug": "elections"}))
            .send()
            .await,
        409,
    );
    keep(
        "412 stale version",
        app.patch(&format!("/api/v1/articles/{id}"))
            .bearer(&app.admin)
            .json(json!({"version": 1, "headline": "Late"}))
            .send()
            .await,
        412,
    );
    keep(
        "415 unsupported media type",
        app.post("/api/v1/tags")
            .bearer(&app.admin)
            .raw("text/plain", "name=x")
            .send()
            .await,
        415,
    );
    keep(
        "422 invalid fields",
        app.post("/api/v1/articles")
            .bearer(&app.admin)
            .json(json!({"headline": "", "section": "nowhere", "body": [{"type": "image", "image_id": "missing"}]}))
            .send()
            .await,
        422,
    );
    keep(
        "428 version required",
        app.patch(&format!("/api/v1/articles/{id}"))
            .bearer(&app.admin)
            .json(json!({"headline": "No version"}))
            .send()
            .await,
        428,
    );
    stable!("problems", Value::Object(problems));
}

/// The rarer ones, each from a real request: a body over the limit, a byte range past
/// the end of a photo, and a throttled sign-in (with its `Retry-After`).
async fn the_rarer_problems_keep_their_shape(app: TestApp) {
    let mut problems = serde_json::Map::new();
    let huge: &'static str =
        Box::leak(format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024)).into_boxed_str());
    let too_large = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .raw("application/json", huge)
        .send()
        .await;
    problems.insert("413 payload too large".into(), too_large.problem(413));

    let photo = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[("file", Some("p.png"), &crate::fixtures::png(40, 30)[..])])
        .send()
        .await;
    assert_eq!(photo.status, 201, "{}", photo.text());
    let url = photo.json()["url"].as_str().unwrap().to_owned();
    let path = &url[url.find("/media/").unwrap()..];
    let past_the_end = app
        .get(path)
        .header("Range", "bytes=100000000-")
        .send()
        .await;
    problems.insert(
        "416 range not satisfiable".into(),
        past_the_end.problem(416),
    );

    let attempt = || {
        app.post("/api/v1/auth/login")
            .json(json!({"email": crate::helpers::ADMIN_EMAIL, "password": "wrong-password"}))
            .send()
    };
    let mut throttled = attempt().await;
    for _ in 0..10 {
        if throttled.status == 429 {
            break;
        }
        throttled = attempt().await;
    }
    assert!(throttled.header("retry-after").is_some());
    problems.insert("429 too many requests".into(), throttled.problem(429));
    stable!("rarer_problems", Value::Object(problems));
}
