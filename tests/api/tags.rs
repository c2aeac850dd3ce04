//! Tags, and keyset paging under concurrent inserts.

use std::collections::HashSet;

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    tags_are_created_read_renamed_and_deleted,
    paging_neither_skips_nor_repeats_under_concurrent_inserts
);

async fn tags_are_created_read_renamed_and_deleted(app: TestApp) {
    let tag = app
        .create(
            "/api/v1/tags",
            json!({"name": "US Elections 2024", "description": "Coverage"}),
        )
        .await;
    assert_eq!(tag["slug"], "us-elections-2024");
    assert_eq!(tag["article_count"], 0);

    let renamed = app
        .patch("/api/v1/tags/us-elections-2024")
        .bearer(&app.admin)
        .json(json!({"version": 1, "name": "US Elections"}))
        .send()
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(
        renamed.json()["slug"],
        "us-elections-2024",
        "renaming keeps the URL"
    );

    let gone = app
        .delete("/api/v1/tags/us-elections-2024")
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(gone.status, 204);
    app.get("/api/v1/tags/us-elections-2024")
        .send()
        .await
        .problem(404);
    app.delete("/api/v1/tags/us-elections-2024")
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
}

async fn paging_neither_skips_nor_repeats_under_concurrent_inserts(app: TestApp) {
    let mut originals = HashSet::new();
    for i in 0..23 {
        let tag = app
            .create("/api/v1/tags", json!({"name": format!("Topic {i:02}")}))
            .await;
        originals.insert(tag["slug"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut path = Some("/api/v1/tags?limit=5".to_owned());
    let mut pages = 0;
    while let Some(p) = path {
        let res = app.get(&p).send().await;
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["slug"].as_str().unwrap().to_owned()),
        );
        // Between pages, other editors add tags before and after the reader's position.
        app.create(
            "/api/v1/tags",
            json!({"name": format!("Aaa inserted {pages}")}),
        )
        .await;
        app.create(
            "/api/v1/tags",
            json!({"name": format!("Zzz inserted {pages}")}),
        )
        .await;
        pages += 1;
        assert!(pages < 20, "paging did not end");
        path = res.header("link").map(|l| {
            assert!(l.ends_with("; rel=\"next\""), "{l}");
            l.trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_owned()
        });
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "an item was repeated: {seen:?}");
    assert!(originals.is_subset(&unique), "an item was skipped");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "pages follow slug order");
}

both_backends!(a_slug_may_be_given_when_the_name_has_no_letters);

async fn a_slug_may_be_given_when_the_name_has_no_letters(app: TestApp) {
    let tag = app
        .create(
            "/api/v1/tags",
            json!({"name": "!!!", "slug": "exclamations"}),
        )
        .await;
    assert_eq!(tag["slug"], "exclamations");
    let res = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .json(json!({"name": "???"}))
        .send()
        .await;
    res.problem(422);
    assert_eq!(res.fields(), ["name"]);
}
