//! The partner API: IPTC ninjs documents valid against the IPTC schema, embargo only
//! for the right key, and a change feed a partner can mirror exactly.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    ninjs_documents_are_valid_and_embargo_is_for_partners_only,
    a_partner_polling_the_change_feed_keeps_an_exact_mirror,
);

/// Answers the one external reference in the ninjs schema (GeoJSON) offline.
struct GeoJsonStandIn;

impl jsonschema::Retrieve for GeoJsonStandIn {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("https://geojson.org/") {
            Ok(json!({"$schema": "https://json-schema.org/draft/2020-12/schema"}))
        } else {
            Err(format!("no network here for {}", uri.as_str()).into())
        }
    }
}

fn ninjs_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("../schemas/ninjs-schema_2.2.json"))
        .expect("the IPTC schema parses");
    // The schema points `places[].geometry` at GeoJSON on the web; we send no places,
    // so a permissive stand-in keeps the check offline without weakening it.
    jsonschema::options()
        .with_retriever(GeoJsonStandIn)
        .build(&schema)
        .expect("the IPTC schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid ninjs: {errors:?}\n{doc:#}");
}

async fn key(app: &TestApp, scope: &str) -> String {
    app.create(
        "/api/v1/api-keys",
        json!({"name": format!("{scope} partner"), "scopes": [scope]}),
    )
    .await["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ninjs_documents_are_valid_and_embargo_is_for_partners_only(app: TestApp) {
    let validator = ninjs_validator();
    // The validator really checks: unknown fields and bad statuses fail.
    assert!(!validator.is_valid(&json!({"uri": "https://x.test/1", "bogus": 1})));
    assert!(!validator.is_valid(&json!({"uri": "https://x.test/1", "pubstatus": "gone"})));
    let bytes = crate::fixtures::png(320, 200);
    let photo = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[
            ("file", Some("p.png"), &bytes),
            ("caption", None, b"Delegates arrive"),
            ("credit", None, b"Photo - Desk"),
        ])
        .send()
        .await
        .json();
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Diplomacy"}))
        .await;
    app.create("/api/v1/authors", json!({"name": "Ada Reporter"}))
        .await;
    let story = app
        .create(
            "/api/v1/articles",
            json!({
                "headline": "Talks resume & <agree>", "standfirst": "Delegates return, reports Wire",
                "section": "world", "tags": ["diplomacy"], "authors": ["ada-reporter"],
                "source": "Our Wire", "featured_image": photo["id"],
                "body": [{"type": "paragraph", "html": "Delegates <em>returned</em>."}],
            }),
        )
        .await;
    let id = story["id"].as_str().unwrap().to_owned();
    app.publish(&id, story["version"].as_i64().unwrap()).await;

    let doc = app
        .get(&format!("/api/v1/articles/{id}?format=ninjs"))
        .send()
        .await;
    assert_eq!(doc.status, 200, "{}", doc.text());
    let doc = doc.json();
    assert_valid(&validator, &doc);
    assert_eq!(doc["headlines"][0]["value"], "Talks resume & <agree>");
    assert_eq!(
        doc["descriptions"][0]["value"],
        "Delegates return, reports Wire"
    );
    assert_eq!(doc["pubstatus"], "usable");
    assert_eq!(doc["by"], "Ada Reporter");
    assert_eq!(doc["version"], "2");
    let bodies: Vec<&str> = doc["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["contenttype"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["text/html", "text/plain"]);
    assert!(
        doc["bodies"][0]["value"]
            .as_str()
            .unwrap()
            .contains("<em>returned</em>")
    );
    let subjects: Vec<(&str, &str)> = doc["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rel"].as_str().unwrap(), s["name"].as_str().unwrap()))
        .collect();
    assert_eq!(subjects, [("section", "World"), ("tag", "Diplomacy")]);
    let picture = &doc["associations"][0];
    assert_eq!(picture["type"], "picture");
    assert_eq!(picture["by"], "Photo - Desk");
    assert!(!picture["renditions"].as_array().unwrap().is_empty());
    app.get(&format!("/api/v1/articles/{id}?format=xml"))
        .send()
        .await
        .problem(422);

    // An embargoed story: partners with syndication:read see it ahead of time.
    let later = (chrono::Utc::now() + chrono::TimeDelta::hours(3)).to_rfc3339();
    let embargoed = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Results at noon", "embargo_until": later}),
        )
        .await;
    let eid = embargoed["id"].as_str().unwrap().to_owned();
    app.publish(&eid, embargoed["version"].as_i64().unwrap())
        .await;
    let partner = key(&app, "syndication:read").await;
    let reader = key(&app, "content:write").await;
    app.get(&format!("/api/v1/articles/{eid}?format=ninjs"))
        .send()
        .await
        .problem(404);
    let seen = app
        .get(&format!("/api/v1/articles/{eid}?format=ninjs"))
        .bearer(&partner)
        .send()
        .await;
    assert_eq!(seen.status, 200, "{}", seen.text());
    assert_eq!(seen.header("cache-control").unwrap(), "private, no-store");
    let seen = seen.json();
    assert_valid(&validator, &seen);
    assert!(seen["embargoed"].is_string());
    let feed = app
        .get("/api/v1/syndication/items")
        .bearer(&partner)
        .send()
        .await;
    assert_eq!(feed.status, 200, "{}", feed.text());
    let feed = feed.json();
    let uris: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["uri"].as_str().unwrap())
        .collect();
    assert!(uris.iter().any(|u| u.ends_with(&eid)), "{uris:?}");
    for doc in feed["data"].as_array().unwrap() {
        assert_valid(&validator, doc);
    }
    // Nobody else reaches the partner feed.
    app.get("/api/v1/syndication/items")
        .bearer(&reader)
        .send()
        .await
        .problem(403);
    app.get("/api/v1/syndication/items")
        .send()
        .await
        .problem(401);
    app.get("/api/v1/syndication/items?cursor=nonsense")
        .bearer(&partner)
        .send()
        .await
        .problem(422);
}

async fn a_partner_polling_the_change_feed_keeps_an_exact_mirror(app: TestApp) {
    let validator = ninjs_validator();
    let partner = key(&app, "syndication:read").await;
    let mut mirror: HashMap<String, Value> = HashMap::new();
    let mut cursor: Option<String> = None;
    let poll = |cursor: Option<String>| {
        let app = &app;
        let partner = partner.clone();
        async move {
            let mut out = Vec::new();
            let mut cursor = cursor;
            loop {
                let path = match &cursor {
                    Some(c) => format!("/api/v1/syndication/items?limit=2&cursor={c}"),
                    None => "/api/v1/syndication/items?limit=2".to_owned(),
                };
                let page = app.get(&path).bearer(&partner).send().await.json();
                out.extend(page["data"].as_array().unwrap().iter().cloned());
                cursor = page["next_cursor"].as_str().map(str::to_owned);
                if page["has_more"] != true {
                    break;
                }
            }
            (out, cursor)
        }
    };
    let apply = |mirror: &mut HashMap<String, Value>, docs: Vec<Value>| {
        for doc in docs {
            assert_valid(&validator, &doc);
            let uri = doc["uri"].as_str().unwrap().to_owned();
            if doc["pubstatus"] == "canceled" {
                // A withdrawal carries no content.
                assert_eq!(doc["headlines"], json!([]), "{doc}");
                assert_eq!(doc["bodies"], json!([]));
                mirror.remove(&uri);
            } else {
                mirror.insert(uri, doc);
            }
        }
    };
    // What the newsroom publishes, by the public API: the truth to mirror.
    let truth = || {
        let app = &app;
        async move {
            let list = app
                .get("/api/v1/articles?limit=100&formats=text")
                .send()
                .await
                .json();
            let mut out: Vec<(String, String)> = list["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["id"].as_str().unwrap().to_owned(),
                        a["headline"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            out.sort();
            out
        }
    };
    let mirrored = |mirror: &HashMap<String, Value>| {
        let mut out: Vec<(String, String)> = mirror
            .values()
            .map(|d| {
                (
                    d["altids"][0]["value"].as_str().unwrap().to_owned(),
                    d["headlines"][0]["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        out.sort();
        out
    };

    // Round 1: five stories published, one left a draft.
    let mut stories = Vec::new();
    for i in 0..5 {
        let draft = app
            .create(
                "/api/v1/articles",
                json!({"headline": format!("Story {i}")}),
            )
            .await;
        let id = draft["id"].as_str().unwrap().to_owned();
        let published = app.publish(&id, draft["version"].as_i64().unwrap()).await;
        stories.push((id, published["version"].as_i64().unwrap()));
    }
    app.create("/api/v1/articles", json!({"headline": "Never published"}))
        .await;
    let (docs, next) = poll(cursor.clone()).await;
    assert_eq!(docs.len(), 5, "drafts are not syndicated");
    apply(&mut mirror, docs);
    cursor = next;
    assert_eq!(mirrored(&mirror), truth().await);

    // Round 2: an edit, an unpublish, a trash, a new story.
    let edited = app
        .patch(&format!("/api/v1/articles/{}", stories[0].0))
        .bearer(&app.admin)
        .json(json!({"version": stories[0].1, "headline": "Story 0, corrected"}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let unpublished = app
        .post(&format!("/api/v1/articles/{}/unpublish", stories[1].0))
        .bearer(&app.admin)
        .json(json!({"version": stories[1].1}))
        .send()
        .await;
    assert_eq!(unpublished.status, 200, "{}", unpublished.text());
    let trashed = app
        .delete(&format!("/api/v1/articles/{}", stories[2].0))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(trashed.status, 204);
    let fresh = app
        .create("/api/v1/articles", json!({"headline": "Story 5"}))
        .await;
    app.publish_story(&fresh, json!({})).await;
    let (docs, next) = poll(cursor.clone()).await;
    let statuses: Vec<&str> = docs
        .iter()
        .map(|d| d["pubstatus"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "canceled").count(), 2);
    assert_eq!(docs.len(), 4, "each changed story once");
    apply(&mut mirror, docs);
    cursor = next;
    assert_eq!(mirrored(&mirror), truth().await);

    // Nothing new: an empty answer keeps the cursor.
    let (docs, next) = poll(cursor.clone()).await;
    assert!(docs.is_empty());
    assert_eq!(next, cursor);

    // since= starts from a time instead.
    let all = app
        .get("/api/v1/syndication/items?since=2000-01-01T00:00:00Z&limit=100")
        .bearer(&partner)
        .send()
        .await
        .json();
    assert_eq!(all["data"].as_array().unwrap().len(), 6);
}
