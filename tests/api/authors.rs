//! Authors (bylines).

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    authors_get_unicode_aware_slugs_and_public_pages,
    explicit_slugs_must_be_free_while_derived_ones_are_numbered,
    editors_edit_and_delete_authors,
);

async fn authors_get_unicode_aware_slugs_and_public_pages(app: TestApp) {
    let author = app
        .create(
            "/api/v1/authors",
            json!({"name": "Zürich Büro", "bio": "Our Swiss desk.", "links": {"website": "https://example.com/zurich", "x": "https://x.com/zurich"}}),
        )
        .await;
    assert_eq!(author["slug"], "zurich-buro");
    assert_eq!(author["article_count"], 0);

    let by_slug = app.get("/api/v1/authors/zurich-buro").send().await;
    assert_eq!(by_slug.status, 200);
    let body = by_slug.json();
    assert_eq!(body["name"], "Zürich Büro");
    assert_eq!(body["links"]["x"], "https://x.com/zurich");
    let by_id = app
        .get(&format!(
            "/api/v1/authors/{}",
            author["id"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    assert_eq!(by_id, body);

    app.get("/api/v1/authors/nobody").send().await.problem(404);
}

async fn explicit_slugs_must_be_free_while_derived_ones_are_numbered(app: TestApp) {
    app.create("/api/v1/authors", json!({"name": "John Smith"}))
        .await;
    let namesake = app
        .create("/api/v1/authors", json!({"name": "John Smith"}))
        .await;
    assert_eq!(namesake["slug"], "john-smith-2");

    let taken = app
        .post("/api/v1/authors")
        .bearer(&app.admin)
        .json(json!({"name": "Jon", "slug": "john-smith"}))
        .send()
        .await;
    taken.problem(409);
    assert_eq!(taken.fields(), ["slug"]);

    // Renaming onto a taken slug is a conflict too, and changes nothing.
    let res = app
        .patch("/api/v1/authors/john-smith-2")
        .bearer(&app.admin)
        .json(json!({"version": 1, "slug": "john-smith"}))
        .send()
        .await;
    res.problem(409);
    assert_eq!(
        app.get("/api/v1/authors/john-smith-2").send().await.status,
        200
    );
}

async fn editors_edit_and_delete_authors(app: TestApp) {
    let (_, editor) = app.user("editor").await;
    app.create("/api/v1/authors", json!({"name": "Ana Ruiz"}))
        .await;
    let edited = app
        .patch("/api/v1/authors/ana-ruiz")
        .bearer(&editor)
        .json(json!({"version": 1, "slug": "ana-ruiz-garcia", "bio": "Madrid correspondent", "links": {"website": "https://ana.example"}}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let edited = edited.json();
    assert_eq!(edited["slug"], "ana-ruiz-garcia");
    assert_eq!(edited["name"], "Ana Ruiz", "untouched fields stay");
    assert_eq!(edited["version"], 2);
    app.get("/api/v1/authors/ana-ruiz")
        .send()
        .await
        .problem(404);

    let (_, author) = app.user("author").await;
    app.delete("/api/v1/authors/ana-ruiz-garcia")
        .bearer(&author)
        .send()
        .await
        .problem(403);
    assert_eq!(
        app.delete("/api/v1/authors/ana-ruiz-garcia")
            .bearer(&editor)
            .send()
            .await
            .status,
        204
    );
    app.get("/api/v1/authors/ana-ruiz-garcia")
        .send()
        .await
        .problem(404);
}
