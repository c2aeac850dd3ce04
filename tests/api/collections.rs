//! Story ordering: collections, their ordering rules, the public read, prepared
//! orders, history, and safety under many editors at once.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    collections_are_created_listed_renamed_and_deleted,
    ordering_keeps_pinned_positions_capacity_and_uniqueness,
    stale_or_missing_versions_never_merge_silently,
    the_public_read_skips_what_readers_must_not_see,
    the_public_read_costs_a_fixed_number_of_queries,
    automatic_fill_tops_up_from_a_section_or_tag,
    a_prepared_order_goes_live_by_itself_and_shows_in_history,
    history_records_every_change_and_restores_an_earlier_order,
    who_may_read_and_change_collections,
);

/// Publishes a story with `extra` fields and returns it.
async fn story(app: &TestApp, headline: &str, extra: Value) -> Value {
    let mut body = json!({"headline": headline, "standfirst": format!("About {headline}")});
    if let Some(map) = extra.as_object() {
        for (k, v) in map {
            body[k] = v.clone();
        }
    }
    app.published_story(body).await
}

async fn stories(app: &TestApp, n: usize, prefix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let s = story(app, &format!("{prefix} {i}"), json!({})).await;
        ids.push(s["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn collection(app: &TestApp, name: &str, max_items: i64) -> Value {
    app.create(
        "/api/v1/collections",
        json!({"name": name, "max_items": max_items}),
    )
    .await
}

/// The editor view: `(article id, position, pinned)` in order, and the version.
async fn curated(app: &TestApp, slug: &str) -> (Vec<(String, i64, bool)>, i64) {
    let res = app
        .get(&format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    layout(&res.json())
}

fn layout(curation: &Value) -> (Vec<(String, i64, bool)>, i64) {
    let items = curation["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["article"]["id"].as_str().unwrap().to_owned(),
                i["position"].as_i64().unwrap(),
                i["pinned"].as_bool().unwrap(),
            )
        })
        .collect();
    (items, curation["version"].as_i64().unwrap())
}

/// The public view: article ids in order.
async fn public(app: &TestApp, slug: &str) -> Vec<String> {
    let res = app.get(&format!("/api/v1/collections/{slug}")).send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["article"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn insert(app: &TestApp, slug: &str, version: i64, body: Value) -> Value {
    let mut body = body;
    body["version"] = json!(version);
    let res = app
        .post(&format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

async fn collections_are_created_listed_renamed_and_deleted(app: TestApp) {
    let top = collection(&app, "Top News", 5).await;
    assert_eq!(top["slug"], "top-news");
    assert_eq!(top["max_items"], 5);
    assert_eq!(top["version"], 1);
    collection(&app, "Don't Miss", 4).await;
    let taken = app
        .post("/api/v1/collections")
        .bearer(&app.admin)
        .json(json!({"name": "Again", "slug": "top-news"}))
        .send()
        .await;
    taken.problem(409);
    let bad = app
        .post("/api/v1/collections")
        .bearer(&app.admin)
        .json(json!({"name": "", "max_items": 0, "fill_section": "nowhere"}))
        .send()
        .await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["name", "max_items"]);
    let unknown_fill = app
        .post("/api/v1/collections")
        .bearer(&app.admin)
        .json(json!({"name": "Latest", "fill_section": "nowhere"}))
        .send()
        .await;
    unknown_fill.problem(422);
    assert_eq!(unknown_fill.fields(), ["fill_section"]);

    let listed = app.get("/api/v1/collections?limit=1").send().await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["data"][0]["slug"], "dont-miss");
    let cursor = listed.json()["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get(&format!("/api/v1/collections?limit=1&cursor={cursor}"))
        .send()
        .await
        .json();
    assert_eq!(second["data"][0]["slug"], "top-news");

    let renamed = app
        .patch("/api/v1/collections/top-news")
        .bearer(&app.admin)
        .json(json!({"version": 1, "name": "Top Stories", "description": "The front page"}))
        .send()
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["name"], "Top Stories");
    assert_eq!(renamed.json()["version"], 2);
    let stale = app
        .patch("/api/v1/collections/top-news")
        .bearer(&app.admin)
        .json(json!({"version": 1, "name": "Lost"}))
        .send()
        .await;
    assert_eq!(stale.problem(412)["current_version"], 2);

    // Capacity cannot shrink below the curated items.
    let ids = stories(&app, 3, "Filler").await;
    let mut version = 2;
    for id in &ids {
        version = insert(&app, "top-news", version, json!({"article_id": id})).await["version"]
            .as_i64()
            .unwrap();
    }
    let shrink = app
        .patch("/api/v1/collections/top-news")
        .bearer(&app.admin)
        .json(json!({"version": version, "max_items": 2}))
        .send()
        .await;
    shrink.problem(422);
    assert_eq!(shrink.fields(), ["max_items"]);

    let gone = app
        .delete("/api/v1/collections/top-news")
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(gone.status, 204);
    app.get("/api/v1/collections/top-news")
        .send()
        .await
        .problem(404);
    // The stories themselves stay.
    let still = app
        .get(&format!("/api/v1/articles/{}", ids[0]))
        .send()
        .await;
    assert_eq!(still.status, 200);
}

async fn ordering_keeps_pinned_positions_capacity_and_uniqueness(app: TestApp) {
    let ids = stories(&app, 7, "Story").await;
    let c = collection(&app, "Top News", 5).await;
    let slug = c["slug"].as_str().unwrap();
    let put = app
        .req("PUT", &format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": 1, "items": [
            {"article_id": ids[0]},
            {"article_id": ids[1], "pinned": true},
            {"article_id": ids[2]},
        ]}))
        .send()
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let (items, version) = layout(&put.json());
    assert_eq!(
        items,
        [
            (ids[0].clone(), 1, false),
            (ids[1].clone(), 2, true),
            (ids[2].clone(), 3, false)
        ]
    );

    // Inserting at the top flows around the pinned story at 2.
    let done = insert(
        &app,
        slug,
        version,
        json!({"article_id": ids[3], "position": 1}),
    )
    .await;
    let (items, version) = layout(&done);
    let order: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
    assert_eq!(order, [&ids[3], &ids[1], &ids[0], &ids[2]]);
    assert_eq!(items[1], (ids[1].clone(), 2, true));

    // By slug, into position 2 (pinned): lands on the next free position, 3.
    let done = insert(
        &app,
        slug,
        version,
        json!({"article_id": "story-4", "position": 2}),
    )
    .await;
    let (items, version) = layout(&done);
    assert_eq!(items[2].0, ids[4]);
    assert_eq!(items[1], (ids[1].clone(), 2, true));
    assert_eq!(done["dropped"], json!([]));

    // Full (5): a sixth drops the lowest unpinned item and says so.
    let done = insert(
        &app,
        slug,
        version,
        json!({"article_id": ids[5], "position": 1}),
    )
    .await;
    let (items, version) = layout(&done);
    assert_eq!(items.len(), 5);
    assert_eq!(done["dropped"][0]["article_id"], ids[2].as_str());
    assert_eq!(items[1], (ids[1].clone(), 2, true));

    // An article appears at most once.
    let twice = app
        .post(&format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": version, "article_id": ids[0]}))
        .send()
        .await;
    twice.problem(409);
    assert_eq!(twice.fields(), ["article_id"]);
    let ancient = app
        .req("PUT", &format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": version, "items": [{"article_id": ids[0], "expires_at": "0001-01-01T00:00:00Z"}]}))
        .send()
        .await;
    ancient.problem(422);
    assert_eq!(ancient.fields(), ["items[0].expires_at"]);
    let outside = app
        .post(&format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": version, "article_id": ids[6], "position": 6}))
        .send()
        .await;
    outside.problem(422);
    assert_eq!(outside.fields(), ["position"]);
    // A position no collection can have is refused before the version is looked at.
    let impossible = app
        .post(&format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": version + 50, "article_id": ids[6], "position": 4845}))
        .send()
        .await;
    impossible.problem(422);
    assert_eq!(impossible.fields(), ["position"]);

    // Move the pinned story: it re-anchors; then a move onto it is refused for pinned
    // items only.
    let moved = app
        .patch(&format!("/api/v1/collections/{slug}/items/{}", ids[1]))
        .bearer(&app.admin)
        .json(json!({"version": version, "position": 4}))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let (items, version) = layout(&moved.json());
    assert_eq!(items[3], (ids[1].clone(), 4, true));
    let pin = app
        .patch(&format!("/api/v1/collections/{slug}/items/{}", ids[5]))
        .bearer(&app.admin)
        .json(json!({"version": version, "pinned": true, "position": 1}))
        .send()
        .await;
    let (items, version) = layout(&pin.json());
    assert_eq!(items[0], (ids[5].clone(), 1, true));
    let clash = app
        .patch(&format!("/api/v1/collections/{slug}/items/{}", ids[5]))
        .bearer(&app.admin)
        .json(json!({"version": version, "position": 4}))
        .send()
        .await;
    clash.problem(409);
    assert_eq!(clash.fields(), ["position"]);
    let pin_onto_pinned = app
        .patch(&format!("/api/v1/collections/{slug}/items/{}", ids[0]))
        .bearer(&app.admin)
        .json(json!({"version": version, "pinned": true, "position": 1}))
        .send()
        .await;
    pin_onto_pinned.problem(409);

    // Removing an unpinned story moves the others up around both anchors.
    let removed = app
        .delete(&format!(
            "/api/v1/collections/{slug}/items/{}?version={version}",
            ids[3]
        ))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    let (items, version) = layout(&removed.json());
    assert_eq!(items[0], (ids[5].clone(), 1, true));
    assert!(items.contains(&(ids[1].clone(), 4, true)));
    assert_eq!(items.len(), 4);
    let not_there = app
        .delete(&format!(
            "/api/v1/collections/{slug}/items/{}?version={version}",
            ids[3]
        ))
        .bearer(&app.admin)
        .send()
        .await;
    not_there.problem(404);

    // An expiry already past takes the item out with that very change.
    let past = (chrono::Utc::now() - chrono::TimeDelta::seconds(1)).to_rfc3339();
    let expire = app
        .patch(&format!("/api/v1/collections/{slug}/items/{}", ids[4]))
        .bearer(&app.admin)
        .json(json!({"version": version, "expires_at": past}))
        .send()
        .await;
    assert_eq!(expire.status, 200, "{}", expire.text());
    assert_eq!(expire.json()["dropped"][0]["article_id"], ids[4].as_str());
    let (items, version) = layout(&expire.json());
    assert_eq!(items.len(), 3);

    // A replace names the bad item.
    let bad = app
        .req("PUT", &format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": version, "items": [
            {"article_id": ids[0]}, {"article_id": ids[0]}, {"article_id": "no-such-story"}
        ]}))
        .send()
        .await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["items[1].article_id", "items[2].article_id"]);
    let too_many: Vec<Value> = ids.iter().map(|id| json!({"article_id": id})).collect();
    let over = app
        .req("PUT", &format!("/api/v1/collections/{slug}/items"))
        .bearer(&app.admin)
        .json(json!({"version": version, "items": too_many}))
        .send()
        .await;
    over.problem(422);
    assert_eq!(over.fields(), ["items"]);
}

async fn stale_or_missing_versions_never_merge_silently(app: TestApp) {
    let ids = stories(&app, 3, "Story").await;
    collection(&app, "Top News", 5).await;
    let v2 = insert(&app, "top-news", 1, json!({"article_id": ids[0]})).await;
    assert_eq!(v2["version"], 2);

    let stale = app
        .post("/api/v1/collections/top-news/items")
        .bearer(&app.admin)
        .json(json!({"version": 1, "article_id": ids[1]}))
        .send()
        .await;
    let problem = stale.problem(412);
    assert_eq!(problem["current_version"], 2);
    assert_eq!(
        problem["current"]["items"][0]["article"]["id"],
        ids[0].as_str()
    );
    assert_eq!(curated(&app, "top-news").await.0.len(), 1);

    let missing = app
        .post("/api/v1/collections/top-news/items")
        .bearer(&app.admin)
        .json(json!({"article_id": ids[1]}))
        .send()
        .await;
    missing.problem(428);

    // The ETag of the editor view works as If-Match.
    let read = app
        .get("/api/v1/collections/top-news/items")
        .bearer(&app.admin)
        .send()
        .await;
    let etag = read.header("etag").unwrap();
    let by_etag = app
        .delete(&format!("/api/v1/collections/top-news/items/{}", ids[0]))
        .bearer(&app.admin)
        .header("If-Match", &etag)
        .send()
        .await;
    assert_eq!(by_etag.status, 200, "{}", by_etag.text());
    let again = app
        .delete(&format!("/api/v1/collections/top-news/items/{}", ids[0]))
        .bearer(&app.admin)
        .header("If-Match", &etag)
        .send()
        .await;
    again.problem(412);
}

async fn the_public_read_skips_what_readers_must_not_see(app: TestApp) {
    let photo = {
        let bytes = crate::fixtures::png(120, 80);
        let res = app
            .post("/api/v1/images")
            .bearer(&app.admin)
            .multipart(&[
                ("file", Some("p.png"), &bytes),
                ("caption", None, b"Crowds at dawn"),
                ("credit", None, b"@POTUS"),
            ])
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()
    };
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/authors", json!({"name": "Ada Reporter"}))
        .await;
    let lead = story(
        &app,
        "Lead story",
        json!({"section": "world", "authors": ["ada-reporter"], "featured_image": photo["id"]}),
    )
    .await;
    let ids = stories(&app, 4, "Other").await;
    let embargoed = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Under embargo", "embargo_until": (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339()}),
        )
        .await;
    let path = format!(
        "/api/v1/articles/{}/publish",
        embargoed["id"].as_str().unwrap()
    );
    let res = app
        .post(&path)
        .bearer(&app.admin)
        .json(json!({"version": embargoed["version"]}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    let draft = app
        .create("/api/v1/articles", json!({"headline": "Still a draft"}))
        .await;
    collection(&app, "Top News", 10).await;
    let soon = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(700)).to_rfc3339();
    let put = app
        .req("PUT", "/api/v1/collections/top-news/items")
        .bearer(&app.admin)
        .json(json!({"version": 1, "items": [
            {"article_id": draft["id"]},
            {"article_id": lead["id"]},
            {"article_id": embargoed["id"]},
            {"article_id": ids[0], "expires_at": soon},
            {"article_id": ids[1]},
            {"article_id": ids[2], "pinned": true},
            {"article_id": ids[3]},
        ]}))
        .send()
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let visible: Vec<bool> = put.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["visible"].as_bool().unwrap())
        .collect();
    assert_eq!(visible, [false, true, false, true, true, true, true]);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(800)).await;

    let res = app.get("/api/v1/collections/top-news").send().await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let shown: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["article"]["id"].as_str().unwrap())
        .collect();
    // The pinned story holds position 6 as closely as the shorter list allows: the
    // available unpinned stories fill the positions above it first.
    assert_eq!(
        shown,
        [lead["id"].as_str().unwrap(), &ids[1], &ids[3], &ids[2]]
    );
    let positions: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4], "no gaps");
    let first = &body["items"][0];
    assert_eq!(first["source"], "curated");
    assert_eq!(first["article"]["headline"], "Lead story");
    assert_eq!(first["article"]["standfirst"], "About Lead story");
    assert_eq!(first["article"]["section"]["slug"], "world");
    assert_eq!(first["article"]["authors"][0]["name"], "Ada Reporter");
    assert_eq!(first["article"]["featured_image"]["credit"], "@POTUS");
    assert!(
        first["article"]["featured_image"]["srcset"]
            .as_str()
            .unwrap()
            .ends_with("w")
    );
    assert!(first["article"]["published_at"].is_string());
    assert!(
        first["article"].get("body").is_none(),
        "summaries carry no body"
    );

    // Caching: public, ETag/304, purge keys; the ETag moves when a listed story does.
    assert!(res.header("cache-control").unwrap().starts_with("public"));
    let keys = res.header("surrogate-key").unwrap();
    assert!(keys.contains(&format!("article:{}", ids[1])));
    assert!(keys.contains("collection:"));
    let etag = res.header("etag").unwrap();
    let again = app
        .get("/api/v1/collections/top-news")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    let edit = app
        .patch(&format!("/api/v1/articles/{}", ids[3]))
        .bearer(&app.admin)
        .json(json!({"version": 2, "standfirst": "Changed"}))
        .send()
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    let after_edit = app
        .get("/api/v1/collections/top-news")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(after_edit.status, 200);
    assert_ne!(after_edit.header("etag").unwrap(), etag);

    // Unpublishing and trashing take stories out without an editor touching the order.
    let unpublished = app
        .post(&format!("/api/v1/articles/{}/unpublish", ids[1]))
        .bearer(&app.admin)
        .json(json!({"version": 2}))
        .send()
        .await;
    assert_eq!(unpublished.status, 200, "{}", unpublished.text());
    let trashed = app
        .delete(&format!(
            "/api/v1/articles/{}",
            lead["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(trashed.status, 204, "{}", trashed.text());
    assert_eq!(
        public(&app, "top-news").await,
        [ids[3].as_str(), ids[2].as_str()]
    );
    // The expired item is dropped from the order itself on the next tick, with history.
    dateline::ordering::scheduler::tick(&app.state)
        .await
        .unwrap();
    let (items, _) = curated(&app, "top-news").await;
    assert!(!items.iter().any(|i| i.0 == ids[0]));
    let history = app
        .get("/api/v1/collections/top-news/history")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(history["data"][0]["operation"], "expire");
    assert_eq!(history["data"][0]["detail"]["dropped"][0], ids[0].as_str());
}

async fn the_public_read_costs_a_fixed_number_of_queries(app: TestApp) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    for i in 0..3 {
        app.create("/api/v1/authors", json!({"name": format!("Writer {i}")}))
            .await;
        app.create("/api/v1/tags", json!({"name": format!("Tag {i}")}))
            .await;
    }
    let mut ids = Vec::new();
    for i in 0..20 {
        let s = story(
            &app,
            &format!("Item {i}"),
            json!({"section": "world", "authors": ["writer-0", format!("writer-{}", 1 + i % 2)], "tags": ["tag-1", "tag-2"]}),
        )
        .await;
        ids.push(s["id"].as_str().unwrap().to_owned());
    }
    app.create(
        "/api/v1/collections",
        json!({"name": "Small", "max_items": 20, "fill_section": "world"}),
    )
    .await;
    app.create(
        "/api/v1/collections",
        json!({"name": "Large", "max_items": 20, "fill_section": "world"}),
    )
    .await;
    let items = |n: usize| -> Value {
        ids[..n]
            .iter()
            .map(|id| json!({"article_id": id}))
            .collect()
    };
    for (slug, n) in [("small", 2), ("large", 20)] {
        let res = app
            .req("PUT", &format!("/api/v1/collections/{slug}/items"))
            .bearer(&app.admin)
            .json(json!({"version": 1, "items": items(n)}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let count = |slug: &'static str| {
        let state = app.state.clone();
        async move {
            let queries = Arc::new(AtomicUsize::new(0));
            let seen = queries.clone();
            let page = actix_web::rt::task::spawn_blocking(move || {
                let mut conn = state.db.conn().unwrap();
                diesel::Connection::set_instrumentation(
                    &mut *conn,
                    move |event: diesel::connection::InstrumentationEvent<'_>| {
                        if matches!(
                            event,
                            diesel::connection::InstrumentationEvent::StartQuery { .. }
                        ) {
                            seen.fetch_add(1, Ordering::SeqCst);
                        }
                    },
                );
                let page = dateline::ordering::published::page(&mut conn, slug, &state.media);
                diesel::Connection::set_instrumentation(
                    &mut *conn,
                    |_: diesel::connection::InstrumentationEvent<'_>| {},
                );
                page.map(|p| p.items.len())
            })
            .await
            .unwrap()
            .unwrap();
            (page, queries.load(Ordering::SeqCst))
        }
    };
    let (small_items, small_queries) = count("small").await;
    let (large_items, large_queries) = count("large").await;
    assert_eq!(
        small_items, 20,
        "curated 2, topped up to 20 from the section"
    );
    assert_eq!(large_items, 20);
    assert_eq!(
        small_queries, large_queries,
        "the number of queries does not grow with the items"
    );
    // Each relation is two index lookups (the page's link rows, then the tags or
    // people they name), plus one for which stories are live blogs, so the page is 14
    // statements whatever its length.
    assert!(large_queries <= 14, "{large_queries} queries");
}

async fn automatic_fill_tops_up_from_a_section_or_tag(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "News"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "news"}),
    )
    .await;
    app.create("/api/v1/sections", json!({"name": "Sport"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Elections"}))
        .await;
    let mut news = Vec::new();
    for i in 0..4 {
        let section = if i % 2 == 0 { "news" } else { "europe" };
        let s = story(&app, &format!("News {i}"), json!({"section": section})).await;
        news.push(s["id"].as_str().unwrap().to_owned());
    }
    let sport = story(
        &app,
        "Sport 0",
        json!({"section": "sport", "tags": ["elections"]}),
    )
    .await;
    let tagged = story(
        &app,
        "Vote 0",
        json!({"section": "news", "tags": ["elections"]}),
    )
    .await;
    news.push(tagged["id"].as_str().unwrap().to_owned());

    let latest = app
        .create(
            "/api/v1/collections",
            json!({"name": "Latest from News", "max_items": 4, "fill_section": "news"}),
        )
        .await;
    assert_eq!(latest["fill"]["section"]["slug"], "news");
    // Nothing curated: the four latest of News and its subsections, newest first.
    let shown = public(&app, "latest-from-news").await;
    assert_eq!(
        shown,
        [
            news[4].as_str(),
            news[3].as_str(),
            news[2].as_str(),
            news[1].as_str()
        ]
    );

    // Curated first, then the fill without duplicates.
    insert(&app, "latest-from-news", 1, json!({"article_id": news[3]})).await;
    insert(
        &app,
        "latest-from-news",
        2,
        json!({"article_id": sport["id"], "position": 2}),
    )
    .await;
    let res = app
        .get("/api/v1/collections/latest-from-news")
        .send()
        .await
        .json();
    let sources: Vec<(&str, &str)> = res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["article"]["id"].as_str().unwrap(),
                i["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            (news[3].as_str(), "curated"),
            (sport["id"].as_str().unwrap(), "curated"),
            (news[4].as_str(), "automatic"),
            (news[2].as_str(), "automatic"),
        ]
    );

    // A tag fill; with both, stories need both.
    app.create(
        "/api/v1/collections",
        json!({"name": "Vote", "max_items": 5, "fill_tag": "elections"}),
    )
    .await;
    assert_eq!(
        public(&app, "vote").await,
        [news[4].as_str(), sport["id"].as_str().unwrap()]
    );
    let both = app
        .patch("/api/v1/collections/vote")
        .bearer(&app.admin)
        .json(json!({"version": 1, "fill_section": "news"}))
        .send()
        .await;
    assert_eq!(both.status, 200, "{}", both.text());
    assert_eq!(public(&app, "vote").await, [news[4].as_str()]);
    let cleared = app
        .patch("/api/v1/collections/vote")
        .bearer(&app.admin)
        .json(json!({"version": 2, "fill_section": null, "fill_tag": null}))
        .send()
        .await;
    assert_eq!(
        cleared.json()["fill"],
        json!({"section": null, "tag": null})
    );
    assert!(public(&app, "vote").await.is_empty());
}

async fn a_prepared_order_goes_live_by_itself_and_shows_in_history(app: TestApp) {
    let ids = stories(&app, 4, "Morning").await;
    collection(&app, "Homepage", 5).await;
    insert(&app, "homepage", 1, json!({"article_id": ids[0]})).await;
    let soon = chrono::Utc::now() + chrono::TimeDelta::milliseconds(400);
    let prepared = app
        .post("/api/v1/collections/homepage/schedules")
        .bearer(&app.admin)
        .json(json!({"publish_at": soon.to_rfc3339(), "items": [
            {"article_id": ids[2]}, {"article_id": ids[1], "pinned": true}
        ]}))
        .send()
        .await;
    assert_eq!(prepared.status, 201, "{}", prepared.text());
    let prepared = prepared.json();
    assert_eq!(prepared["status"], "pending");
    let later = app
        .post("/api/v1/collections/homepage/schedules")
        .bearer(&app.admin)
        .json(json!({"publish_at": (chrono::Utc::now() + chrono::TimeDelta::hours(3)).to_rfc3339(), "items": [{"article_id": ids[3]}]}))
        .send()
        .await
        .json();
    let past = app
        .post("/api/v1/collections/homepage/schedules")
        .bearer(&app.admin)
        .json(json!({"publish_at": "2020-01-01T00:00:00Z", "items": []}))
        .send()
        .await;
    past.problem(422);
    assert_eq!(past.fields(), ["publish_at"]);
    assert_eq!(public(&app, "homepage").await, [ids[0].as_str()]);

    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    // Live at its time, before any scheduler has run.
    assert_eq!(
        public(&app, "homepage").await,
        [ids[2].as_str(), ids[1].as_str()]
    );
    assert_eq!(
        dateline::ordering::scheduler::tick(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        dateline::ordering::scheduler::tick(&app.state)
            .await
            .unwrap(),
        0
    );
    let (items, version) = curated(&app, "homepage").await;
    assert_eq!(
        items,
        [(ids[2].clone(), 1, false), (ids[1].clone(), 2, true)]
    );
    assert_eq!(version, 3);
    let history = app
        .get("/api/v1/collections/homepage/history")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let entry = &history["data"][0];
    assert_eq!(entry["operation"], "scheduled_replace");
    assert_eq!(entry["detail"]["schedule_id"], prepared["id"]);
    assert_eq!(entry["before"][0]["article_id"], ids[0].as_str());
    assert_eq!(entry["after"][1]["pinned"], true);

    let list = app
        .get("/api/v1/collections/homepage/schedules")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(list[0]["id"], later["id"]);
    assert_eq!(list[0]["status"], "pending");
    assert_eq!(list[1]["status"], "applied");
    let cancel_applied = app
        .delete(&format!(
            "/api/v1/collections/homepage/schedules/{}",
            prepared["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    cancel_applied.problem(409);
    let cancel = app
        .delete(&format!(
            "/api/v1/collections/homepage/schedules/{}",
            later["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(cancel.status, 204);
    let list = app
        .get("/api/v1/collections/homepage/schedules")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] != "pending")
    );

    // A prepared order that is due is live already: cancelling it is refused.
    let due = app
        .post("/api/v1/collections/homepage/schedules")
        .bearer(&app.admin)
        .json(json!({"publish_at": (chrono::Utc::now() + chrono::TimeDelta::milliseconds(200)).to_rfc3339(), "items": [{"article_id": ids[3]}]}))
        .send()
        .await
        .json();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let too_late = app
        .delete(&format!(
            "/api/v1/collections/homepage/schedules/{}",
            due["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    too_late.problem(409);
    assert_eq!(public(&app, "homepage").await, [ids[3].as_str()]);
}

async fn history_records_every_change_and_restores_an_earlier_order(app: TestApp) {
    let (editor_id, editor) = app.user("editor").await;
    let ids = stories(&app, 3, "Story").await;
    collection(&app, "Top News", 5).await;
    let mut version = 1;
    for id in &ids {
        let res = app
            .post("/api/v1/collections/top-news/items")
            .bearer(&editor)
            .json(json!({"version": version, "article_id": id}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        version = res.json()["version"].as_i64().unwrap();
    }
    // Order now: 2, 1, 0 (each inserted at the top).
    let wanted_back = curated(&app, "top-news").await.0;
    let removed = app
        .delete(&format!(
            "/api/v1/collections/top-news/items/{}?version={version}",
            ids[1]
        ))
        .bearer(&editor)
        .send()
        .await;
    assert_eq!(removed.status, 200);

    let page = app
        .get("/api/v1/collections/top-news/history?limit=2")
        .bearer(&editor)
        .send()
        .await;
    assert_eq!(page.status, 200);
    let first = page.json();
    assert_eq!(first["data"][0]["version"], 5);
    assert_eq!(first["data"][0]["operation"], "remove");
    assert_eq!(first["data"][0]["created_by"], editor_id.as_str());
    assert_eq!(first["data"][0]["detail"]["article_id"], ids[1].as_str());
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!(
            "/api/v1/collections/top-news/history?limit=10&cursor={cursor}"
        ))
        .bearer(&editor)
        .send()
        .await
        .json();
    let mut entries: Vec<Value> = first["data"].as_array().unwrap().clone();
    entries.extend(rest["data"].as_array().unwrap().iter().cloned());
    let ops: Vec<&str> = entries
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["remove", "insert", "insert", "insert", "create"]);
    // Each entry starts where the one before it ended.
    for pair in entries.windows(2) {
        assert_eq!(pair[0]["before"], pair[1]["after"]);
    }

    let restored = app
        .post("/api/v1/collections/top-news/history/4/restore")
        .bearer(&editor)
        .json(json!({"version": 5}))
        .send()
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    let (items, version) = layout(&restored.json());
    assert_eq!(items, wanted_back);
    assert_eq!(version, 6);
    let latest = app
        .get("/api/v1/collections/top-news/history?limit=1")
        .bearer(&editor)
        .send()
        .await
        .json();
    assert_eq!(latest["data"][0]["operation"], "restore");
    assert_eq!(latest["data"][0]["detail"]["from_version"], 4);
    let missing = app
        .post("/api/v1/collections/top-news/history/99/restore")
        .bearer(&editor)
        .json(json!({"version": 6}))
        .send()
        .await;
    missing.problem(404);
}

async fn who_may_read_and_change_collections(app: TestApp) {
    let ids = stories(&app, 1, "Story").await;
    collection(&app, "Top News", 5).await;
    let (_, author) = app.user("author").await;
    let forbidden = app
        .post("/api/v1/collections")
        .bearer(&author)
        .json(json!({"name": "Mine"}))
        .send()
        .await;
    forbidden.problem(403);
    let reorder = app
        .post("/api/v1/collections/top-news/items")
        .bearer(&author)
        .json(json!({"version": 1, "article_id": ids[0]}))
        .send()
        .await;
    reorder.problem(403);
    // Readers of the editor view must sign in; the public read needs nothing.
    app.get("/api/v1/collections/top-news/items")
        .send()
        .await
        .problem(401);
    app.get("/api/v1/collections/top-news/history")
        .send()
        .await
        .problem(401);
    let author_view = app
        .get("/api/v1/collections/top-news/items")
        .bearer(&author)
        .send()
        .await;
    assert_eq!(author_view.status, 200);

    let key = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "Homepage tool", "scopes": ["content:write"]}),
        )
        .await;
    let secret = key["secret"].as_str().unwrap();
    let by_key = app
        .post("/api/v1/collections/top-news/items")
        .bearer(secret)
        .json(json!({"version": 1, "article_id": ids[0]}))
        .send()
        .await;
    assert_eq!(by_key.status, 200, "{}", by_key.text());
    let history = app
        .get("/api/v1/collections/top-news/history?limit=1")
        .bearer(secret)
        .send()
        .await
        .json();
    assert_eq!(history["data"][0]["created_by"], Value::Null);
}
