//! Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, read back by real parsers, with
//! hostile text, filters, conditional requests and `?key=`.

use rss::validation::Validate;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    feeds_parse_and_carry_hostile_text_intact,
    feeds_filter_and_answer_conditional_requests,
);

const HOSTILE: [&str; 3] = [
    "Markets ]]> & <b>crash</b> \"quoted\" 'single'",
    "🚀 Launch day: rockets & rovers",
    "مرحبا بالعالم — Hello world",
];

async fn newsroom(app: &TestApp) -> Vec<Value> {
    let bytes = crate::fixtures::png(200, 120);
    let photo = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[
            ("file", Some("p.png"), &bytes),
            ("caption", None, "Crowds & <cheers>".as_bytes()),
            ("credit", None, b"Photo - Desk"),
        ])
        .send()
        .await
        .json();
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/sections", json!({"name": "Sport"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Space"})).await;
    app.create("/api/v1/authors", json!({"name": "Zoë Writer"}))
        .await;
    let mut stories = Vec::new();
    for (i, headline) in HOSTILE.iter().enumerate() {
        let mut body = vec![
            json!({"type": "paragraph", "html": format!("First <em>line</em> of story {i} & more ]]> text.")}),
        ];
        if let Some(previous) = stories.last() {
            let previous: &Value = previous;
            body.push(
                json!({"type": "related", "article_id": previous["id"], "label": "Also Read"}),
            );
        }
        let story = app
            .published_story(json!({
                "headline": headline,
                "standfirst": format!("Standfirst {i} <with> & symbols"),
                "section": if i == 1 { "sport" } else { "world" },
                "tags": if i == 1 { json!(["space"]) } else { json!([]) },
                "authors": ["zoe-writer"],
                "featured_image": photo["id"],
                "body": body,
            }))
            .await;
        stories.push(story);
    }
    // Never in a feed.
    app.create("/api/v1/articles", json!({"headline": "A draft"}))
        .await;
    stories
}

async fn feeds_parse_and_carry_hostile_text_intact(app: TestApp) {
    let stories = newsroom(&app).await;

    let res = app.get("/feeds/rss").send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/rss+xml")
    );
    let channel = rss::Channel::read_from(&res.body[..]).expect("RSS parses");
    channel.validate().expect("RSS is valid");
    let items = channel.items();
    assert_eq!(items.len(), 3, "drafts stay out");
    // Newest first, every headline exactly as written.
    let titles: Vec<&str> = items.iter().filter_map(|i| i.title()).collect();
    assert_eq!(titles, [HOSTILE[2], HOSTILE[1], HOSTILE[0]]);
    let oldest = &items[2];
    assert!(
        oldest
            .content()
            .unwrap()
            .contains("<em>line</em> of story 0 &amp; more ]]&gt; text.")
    );
    assert_eq!(oldest.description(), Some("Standfirst 0 <with> & symbols"));
    assert!(oldest.link().unwrap().starts_with("http"));
    assert!(
        oldest
            .link()
            .unwrap()
            .ends_with(stories[0]["slug"].as_str().unwrap())
    );
    let creators = oldest.dublin_core_ext().unwrap().creators();
    assert_eq!(creators, ["Zoë Writer"]);
    let categories: Vec<&str> = items[1].categories().iter().map(|c| c.name()).collect();
    assert_eq!(categories, ["Sport", "Space"]);
    let media = &oldest.extensions()["media"]["content"][0];
    assert!(media.attrs()["url"].starts_with("http"));
    assert_eq!(media.children()["credit"][0].value(), Some("Photo - Desk"));
    assert_eq!(
        media.children()["description"][0].value(),
        Some("Crowds & <cheers>")
    );
    // "Also Read" links are absolute and point at the earlier story.
    let also = items[1].content().unwrap();
    assert!(also.contains("href=\"http"), "{also}");
    assert!(also.contains(stories[0]["slug"].as_str().unwrap()));

    let res = app.get("/feeds/atom").send().await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let feed = atom_syndication::Feed::read_from(&res.body[..]).expect("Atom parses");
    let entries = feed.entries();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].title().value, HOSTILE[2]);
    assert_eq!(entries[2].title().value, HOSTILE[0]);
    assert_eq!(entries[2].authors()[0].name(), "Zoë Writer");
    assert!(entries.iter().all(|e| e.id().starts_with("http")));
    let content = entries[2].content().unwrap().value().unwrap();
    assert!(content.contains("<em>line</em>"), "{content}");
    assert_eq!(
        entries[2].summary().unwrap().value,
        "Standfirst 0 <with> & symbols"
    );

    let res = app.get("/feeds/json").send().await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/feed+json")
    );
    let feed = res.json();
    check_json_feed(&feed);
    assert_eq!(feed["items"][0]["title"], HOSTILE[2]);
    assert_eq!(feed["items"][1]["tags"], json!(["Sport", "Space"]));
    assert_eq!(feed["items"][2]["authors"][0]["name"], "Zoë Writer");
}

/// The JSON Feed 1.1 rules a reader relies on.
fn check_json_feed(feed: &Value) {
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert!(feed["title"].as_str().is_some_and(|t| !t.is_empty()));
    for key in ["home_page_url", "feed_url"] {
        assert!(feed[key].as_str().unwrap().starts_with("http"), "{key}");
    }
    let items = feed["items"].as_array().expect("items is an array");
    let mut ids = std::collections::HashSet::new();
    for item in items {
        let id = item["id"].as_str().expect("every item has a string id");
        assert!(ids.insert(id.to_owned()), "ids are unique");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "content_html or content_text"
        );
        assert!(item["url"].as_str().unwrap().starts_with("http"));
        for date in ["date_published", "date_modified"] {
            if let Some(d) = item[date].as_str() {
                chrono::DateTime::parse_from_rfc3339(d).expect("RFC 3339 dates");
            }
        }
    }
}

async fn feeds_filter_and_answer_conditional_requests(app: TestApp) {
    let stories = newsroom(&app).await;
    let titles = |body: &[u8]| -> Vec<String> {
        rss::Channel::read_from(body)
            .unwrap()
            .items()
            .iter()
            .map(|i| i.title().unwrap().to_owned())
            .collect()
    };
    let sport = app.get("/feeds/rss?section=sport").send().await;
    assert_eq!(titles(&sport.body), [HOSTILE[1]]);
    let tagged = app.get("/feeds/atom?tag=space").send().await;
    let feed = atom_syndication::Feed::read_from(&tagged.body[..]).unwrap();
    assert_eq!(feed.entries().len(), 1);
    let by = app
        .get("/feeds/json?author=zoe-writer&limit=2")
        .send()
        .await
        .json();
    assert_eq!(by["items"].as_array().unwrap().len(), 2);
    let unknown = app.get("/feeds/rss?section=nowhere").send().await;
    unknown.problem(422);
    assert_eq!(unknown.fields(), ["section"]);

    // A collection's feed follows the collection's order.
    app.create("/api/v1/collections", json!({"name": "Picks"}))
        .await;
    let put = app
        .req("PUT", "/api/v1/collections/picks/items")
        .bearer(&app.admin)
        .json(json!({"version": 1, "items": [{"article_id": stories[0]["id"]}, {"article_id": stories[2]["id"]}]}))
        .send()
        .await;
    assert_eq!(put.status, 200);
    let picks = app.get("/feeds/rss?collection=picks").send().await;
    assert_eq!(titles(&picks.body), [HOSTILE[0], HOSTILE[2]]);
    let channel = rss::Channel::read_from(&picks.body[..]).unwrap();
    assert_eq!(channel.title(), "Dateline: Picks");

    // Conditional requests: ETag and Last-Modified.
    let first = app.get("/feeds/rss").send().await;
    let etag = first.header("etag").unwrap();
    let modified = first.header("last-modified").unwrap();
    assert!(modified.ends_with("GMT"), "{modified}");
    assert!(first.header("cache-control").unwrap().starts_with("public"));
    let same = app
        .get("/feeds/rss")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(same.status, 304);
    let since = app
        .get("/feeds/rss")
        .header("If-Modified-Since", &modified)
        .send()
        .await;
    assert_eq!(since.status, 304);
    let edit = app
        .patch(&format!(
            "/api/v1/articles/{}",
            stories[1]["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": stories[1]["version"], "standfirst": "Changed"}))
        .send()
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    let changed = app
        .get("/feeds/rss")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(changed.status, 200);

    // Feed readers cannot send headers: ?key= works, a bad key is refused, and the
    // key never appears in the feed.
    let key = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "Reader app", "scopes": ["content:read"]}),
        )
        .await;
    let secret = key["secret"].as_str().unwrap();
    let keyed = app.get(&format!("/feeds/atom?key={secret}")).send().await;
    assert_eq!(keyed.status, 200);
    assert!(!keyed.text().contains(secret));
    app.get("/feeds/atom?key=dl_not-a-real-key")
        .send()
        .await
        .problem(401);
}
