//! Live coverage: a live story takes entries from the desk; readers page them, poll
//! them and follow them as Server-Sent Events, resuming without a lost or repeated
//! entry, on every instance.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Heartbeats every second, so a test sees one; loopback webhooks allowed.
const LIVE: [(&str, &str); 2] = [
    ("DATELINE_LIVE_HEARTBEAT_SECS", "1"),
    ("DATELINE_WEBHOOKS_ALLOW_PRIVATE", "true"),
];

crate::both_backends_env!(super::LIVE;
    the_desk_posts_entries_and_readers_page_and_poll_them,
    the_event_stream_resumes_without_a_lost_or_repeated_entry,
);

const WAIT: Duration = Duration::from_secs(5);

async fn live_story(app: &TestApp, slug: &str) -> Value {
    let story = app
        .create(
            "/api/v1/articles",
            json!({"headline": format!("Live: {slug}"), "slug": slug, "live": {"state": "live"}}),
        )
        .await;
    assert_eq!(story["live"]["state"], "live", "{story}");
    assert!(story["live"]["started_at"].is_string());
    assert_eq!(story["live"]["ended_at"], Value::Null);
    app.publish_story(&story, json!({})).await
}

fn paragraph(text: &str) -> Value {
    json!([{"type": "paragraph", "html": text}])
}

async fn post(app: &TestApp, slug: &str, body: Value) -> Value {
    let res = app
        .post(&format!("/api/v1/articles/{slug}/entries"))
        .bearer(&app.admin)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn the_desk_posts_entries_and_readers_page_and_poll_them(app: TestApp) {
    let hook = app
        .create(
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/hooks", "events": ["article.entry_published", "article.entry_updated", "article.entry_deleted"]}),
        )
        .await;
    let story = live_story(&app, "storm-live").await;
    let author = app
        .create("/api/v1/authors", json!({"name": "Ana Reporter"}))
        .await;

    // A story that is not a live blog takes no entries; bad entries are named.
    let plain = app.published_story(json!({"headline": "Quiet day"})).await;
    app.post(&format!(
        "/api/v1/articles/{}/entries",
        plain["slug"].as_str().unwrap()
    ))
    .bearer(&app.admin)
    .json(json!({"body": paragraph("x")}))
    .send()
    .await
    .problem(409);
    let bad = app
        .post("/api/v1/articles/storm-live/entries")
        .bearer(&app.admin)
        .json(json!({"body": [], "authors": ["nobody"], "headline": "a\u{7}b"}))
        .send()
        .await;
    let fields = bad.fields();
    for field in ["body", "authors[0]", "headline"] {
        assert!(fields.contains(&field.to_owned()), "{field} in {fields:?}");
    }
    // A contributor not on the story may not post; once assigned, they may.
    let (contributor_id, contributor) = app.user("contributor").await;
    let entry = json!({"body": paragraph("From the harbour")});
    app.post("/api/v1/articles/storm-live/entries")
        .bearer(&contributor)
        .json(entry.clone())
        .send()
        .await
        .problem(403);
    app.edit(
        story["id"].as_str().unwrap(),
        story["version"].as_i64().unwrap(),
        json!({"assignees": [contributor_id]}),
    )
    .await;
    let res = app
        .post("/api/v1/articles/storm-live/entries")
        .bearer(&contributor)
        .json(entry)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let first = res.json();
    assert_eq!(first["headline"], Value::Null);
    assert_eq!(first["version"], 1);

    let pinned = post(
        &app,
        "storm-live",
        json!({"body": paragraph("<b>Stay indoors</b>"), "headline": "Advice", "pinned": true, "key_event": true, "authors": [author["slug"]]}),
    )
    .await;
    assert_eq!(pinned["authors"][0]["name"], "Ana Reporter");
    assert!(
        pinned["body_html"]
            .as_str()
            .unwrap()
            .contains("Stay indoors</")
    );
    let third = post(
        &app,
        "storm-live",
        json!({"body": paragraph("Winds easing")}),
    )
    .await;

    // Newest first, the pinned one apart too; a public, cacheable page with an ETag.
    let res = app.get("/api/v1/articles/storm-live/entries").send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.header("cache-control").unwrap().starts_with("public"));
    let page = res.json();
    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&page),
        [&third["id"], &pinned["id"], &first["id"]].map(|v| v.as_str().unwrap().to_owned())
    );
    assert_eq!(page["pinned"].as_array().unwrap().len(), 1);
    assert_eq!(page["pinned"][0]["id"], pinned["id"]);
    assert!(page["last_event_id"].as_i64().unwrap() >= 3);
    let etag = res.header("etag").unwrap();
    let again = app
        .get("/api/v1/articles/storm-live/entries")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);

    // Keyset pages: every entry once.
    let one = app
        .get("/api/v1/articles/storm-live/entries?limit=2")
        .send()
        .await
        .json();
    assert_eq!(one["data"].as_array().unwrap().len(), 2);
    let cursor = one["next_cursor"].as_str().expect("a next page").to_owned();
    let two = app
        .get(&format!(
            "/api/v1/articles/storm-live/entries?limit=2&cursor={cursor}"
        ))
        .send()
        .await
        .json();
    assert_eq!(ids(&two), [first["id"].as_str().unwrap().to_owned()]);
    assert_eq!(two["next_cursor"], Value::Null);
    app.get("/api/v1/articles/storm-live/entries?cursor=nope")
        .send()
        .await
        .problem(422);
    app.get("/api/v1/articles/storm-live/entries?since=yesterday")
        .send()
        .await
        .problem(422);

    // An edit is versioned and shows at once in the cached page, and in `since=`.
    let mark = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let path = format!(
        "/api/v1/articles/storm-live/entries/{}",
        first["id"].as_str().unwrap()
    );
    app.patch(&path)
        .bearer(&app.admin)
        .json(json!({"version": 7, "headline": "Harbour"}))
        .send()
        .await
        .problem(412);
    let res = app
        .patch(&path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "headline": "Harbour"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["version"], 2);
    let page = app
        .get("/api/v1/articles/storm-live/entries")
        .send()
        .await
        .json();
    assert_eq!(page["data"][2]["headline"], "Harbour");
    let since = app
        .get(&format!(
            "/api/v1/articles/storm-live/entries?since={}",
            mark.replace('+', "%2B")
        ))
        .send()
        .await
        .json();
    assert_eq!(ids(&since), [first["id"].as_str().unwrap().to_owned()]);

    // A deletion leaves the page (and the pinned list).
    let gone = format!(
        "/api/v1/articles/storm-live/entries/{}",
        pinned["id"].as_str().unwrap()
    );
    let res = app.delete(&gone).bearer(&app.admin).send().await;
    assert_eq!(res.status, 204, "{}", res.text());
    let page = app
        .get("/api/v1/articles/storm-live/entries")
        .send()
        .await
        .json();
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert_eq!(page["pinned"], json!([]));
    app.delete(&gone)
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);

    // The coverage ends: the story says when.
    let current = app
        .get("/api/v1/articles/storm-live")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let ended = app
        .edit(
            current["id"].as_str().unwrap(),
            current["version"].as_i64().unwrap(),
            json!({"live": {"state": "ended"}}),
        )
        .await;
    assert_eq!(ended["live"]["state"], "ended");
    assert!(ended["live"]["ended_at"].is_string());
    assert_eq!(ended["live"]["started_at"], story["live"]["started_at"]);
    let public = app.get("/api/v1/articles/storm-live").send().await.json();
    assert_eq!(public["live"]["state"], "ended");

    // Structured data: a LiveBlogPosting with its updates, newest first.
    let res = app
        .get("/api/v1/articles/storm-live/structured-data")
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let doc = res.json();
    assert_eq!(doc["@type"], "LiveBlogPosting");
    assert!(doc["coverageStartTime"].is_string());
    assert!(doc["coverageEndTime"].is_string());
    let updates = doc["liveBlogUpdate"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["@type"], "BlogPosting");
    assert_eq!(updates[0]["headline"], "Winds easing");
    assert_eq!(updates[1]["headline"], "Harbour");
    assert!(updates[0]["datePublished"].is_string() && updates[0]["articleBody"].is_string());

    // The Atom feed of the story lists its entries; the other feeds refuse `article=`.
    let res = app.get("/feeds/atom?article=storm-live").send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    let feed = atom_syndication::Feed::read_from(&res.body[..]).expect("valid Atom");
    let titles: Vec<&str> = feed.entries().iter().map(|e| e.title().as_str()).collect();
    assert_eq!(titles, ["Winds easing", "Harbour"]);
    assert!(feed.entries()[0].links()[0].href().contains("#entry-"));
    app.get("/feeds/rss?article=storm-live")
        .send()
        .await
        .problem(422);
    app.get("/feeds/atom?article=draft-live")
        .send()
        .await
        .problem(422);
    // A new entry shows in the cached feed and structured data at once.
    let fresh = post(
        &app,
        "storm-live",
        json!({"body": paragraph("Clean-up begins")}),
    )
    .await;
    let feed = app.get("/feeds/atom?article=storm-live").send().await;
    let feed = atom_syndication::Feed::read_from(&feed.body[..]).unwrap();
    assert_eq!(feed.entries().len(), 3);
    assert!(
        feed.entries()[0]
            .id()
            .ends_with(fresh["id"].as_str().unwrap())
    );
    let doc = app
        .get("/api/v1/articles/storm-live/structured-data")
        .send()
        .await
        .json();
    assert_eq!(doc["liveBlogUpdate"].as_array().unwrap().len(), 3);

    // A draft live story's entries are the desk's alone.
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Embargoed coverage", "slug": "draft-live", "live": {"state": "live"}}),
        )
        .await;
    post(&app, "draft-live", json!({"body": paragraph("Prepared")})).await;
    app.get("/api/v1/articles/draft-live/entries")
        .send()
        .await
        .problem(404);
    let desk = app
        .get("/api/v1/articles/draft-live/entries")
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(desk.status, 200);
    assert_eq!(desk.header("cache-control").unwrap(), "private, no-store");
    assert_eq!(desk.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(draft["live"]["state"], "live");

    // Webhooks heard of the public story's entries (not the draft's).
    let deliveries = app
        .get(&format!(
            "/api/v1/webhooks/{}/deliveries",
            hook["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let mut events: Vec<String> = deliveries["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap().to_owned())
        .collect();
    events.sort();
    assert_eq!(
        events,
        [
            "article.entry_deleted",
            "article.entry_published",
            "article.entry_published",
            "article.entry_published",
            "article.entry_published",
            "article.entry_updated",
        ]
    );
}

async fn the_event_stream_resumes_without_a_lost_or_repeated_entry(app: TestApp) {
    live_story(&app, "vote-live").await;
    let stream_path = "/api/v1/articles/vote-live/entries/stream";

    // A reader connects, asking for gzip: the events come as they happen, unencoded.
    let mut reader = app
        .get(stream_path)
        .header("Accept-Encoding", "gzip, br")
        .stream()
        .await;
    assert_eq!(reader.status, 200, "{}", reader.text);
    let header = |name: &str| {
        reader
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("text/event-stream"));
    assert_ne!(header("content-encoding").as_deref(), Some("gzip"));
    assert_ne!(header("content-encoding").as_deref(), Some("br"));

    let a = post(&app, "vote-live", json!({"body": paragraph("Polls open")})).await;
    let events = reader.events_within(1, WAIT).await;
    assert_eq!(events.len(), 1, "{}", reader.text);
    assert_eq!(events[0].event, "entry.created");
    assert_eq!(events[0].data["id"], a["id"]);
    assert_eq!(events[0].data["body_html"], a["body_html"]);
    let first_id = events[0].id.expect("an event id");

    let path = format!(
        "/api/v1/articles/vote-live/entries/{}",
        a["id"].as_str().unwrap()
    );
    app.patch(&path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "pinned": true}))
        .send()
        .await;
    // (Each event carries the entry as it is when read: changes to one entry in quick
    // succession may reach a reader as its latest state only.)
    let events = reader.events_within(2, WAIT).await;
    assert_eq!(events.len(), 2, "{}", reader.text);
    app.delete(&path).bearer(&app.admin).send().await;
    let events = reader.events_within(3, WAIT).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        kinds,
        ["entry.created", "entry.updated", "entry.deleted"],
        "{}",
        reader.text
    );
    assert_eq!(events[1].data["pinned"], true);
    assert_eq!(events[2].data, json!({"id": a["id"]}));
    let ids: Vec<i64> = events.iter().map(|e| e.id.unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Heartbeats keep the connection alive while nothing happens.
    reader.read_for(Duration::from_millis(1500)).await;
    assert!(reader.text.contains(": heartbeat"), "{}", reader.text);

    // The reader drops; two entries are posted; it reconnects with Last-Event-ID and
    // gets exactly those two, in order, once each.
    let last_seen = *ids.last().unwrap();
    drop(reader);
    let b = post(
        &app,
        "vote-live",
        json!({"body": paragraph("Turnout high")}),
    )
    .await;
    let c = post(&app, "vote-live", json!({"body": paragraph("Polls close")})).await;
    let mut resumed = app
        .get(stream_path)
        .header("Last-Event-ID", &last_seen.to_string())
        .stream()
        .await;
    let events = resumed.events_within(2, WAIT).await;
    let got: Vec<(&str, &Value)> = events
        .iter()
        .map(|e| (e.event.as_str(), &e.data["id"]))
        .collect();
    assert_eq!(
        got,
        [("entry.created", &b["id"]), ("entry.created", &c["id"])]
    );
    // A new entry follows on the same connection, once.
    let d = post(
        &app,
        "vote-live",
        json!({"body": paragraph("Counting starts")}),
    )
    .await;
    let events = resumed.events_within(3, WAIT).await;
    assert_eq!(events.len(), 3, "{}", resumed.text);
    assert_eq!(events[2].data["id"], d["id"]);
    resumed.read_for(Duration::from_millis(200)).await;
    assert_eq!(resumed.events().len(), 3, "nothing twice: {}", resumed.text);
    assert!(first_id < events[0].id.unwrap());

    // A page and the stream from its `last_event_id`: nothing between them is lost.
    let page = app
        .get("/api/v1/articles/vote-live/entries")
        .send()
        .await
        .json();
    let from = page["last_event_id"].as_i64().unwrap();
    let mut follower = app
        .get(&format!("{stream_path}?last_event_id={from}"))
        .stream()
        .await;
    let e = post(
        &app,
        "vote-live",
        json!({"body": paragraph("First result")}),
    )
    .await;
    let events = follower.events_within(1, WAIT).await;
    assert_eq!(events.len(), 1, "{}", follower.text);
    assert_eq!(events[0].data["id"], e["id"]);

    // Another instance on the same database tells its readers too.
    let other = app.another_instance().await;
    let mut elsewhere = other.get(stream_path).stream().await;
    assert_eq!(elsewhere.status, 200);
    let f = post(
        &app,
        "vote-live",
        json!({"body": paragraph("Second result")}),
    )
    .await;
    let events = elsewhere.events_within(1, WAIT).await;
    assert_eq!(events.len(), 1, "{}", elsewhere.text);
    assert_eq!(events[0].data["id"], f["id"]);

    // Bad positions are named; a draft's stream is not public.
    let bad = app
        .get(stream_path)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await;
    assert_eq!(bad.problem(422)["errors"][0]["field"], "Last-Event-ID");
    app.get(&format!("{stream_path}?last_event_id=-1"))
        .send()
        .await
        .problem(422);
    app.create(
        "/api/v1/articles",
        json!({"headline": "Not yet", "slug": "draft-stream", "live": {"state": "live"}}),
    )
    .await;
    app.get("/api/v1/articles/draft-stream/entries/stream")
        .send()
        .await
        .problem(404);
}
