//! The HTTP conventions every endpoint shares.

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    unknown_routes_and_methods_answer_problem_json,
    body_errors_name_the_field,
    query_errors_name_the_parameter,
    public_reads_send_etags_and_answer_304,
    authenticated_reads_are_private,
    responses_are_compressed_when_the_client_asks,
    request_ids_are_echoed_or_generated,
    concurrent_writes_all_succeed,
);

async fn unknown_routes_and_methods_answer_problem_json(app: TestApp) {
    let missing = app.get("/api/v1/nothing-here").send().await;
    missing.problem(404);

    let wrong_method = app.req("PUT", "/api/v1/tags").send().await;
    let body = wrong_method.problem(405);
    assert_eq!(wrong_method.header("allow").as_deref(), Some("GET, POST"));
    assert!(body["detail"].as_str().unwrap().contains("PUT"));

    let wrong_method_on_item = app.req("PUT", "/api/v1/tags/some-tag").send().await;
    wrong_method_on_item.problem(405);
    assert_eq!(
        wrong_method_on_item.header("allow").as_deref(),
        Some("GET, PATCH, DELETE")
    );
}

async fn body_errors_name_the_field(app: TestApp) {
    let broken = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .raw("application/json", "{\"name\": ")
        .send()
        .await;
    broken.problem(400);

    let not_json = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .raw("text/plain", "name=x")
        .send()
        .await;
    not_json.problem(415);

    let wrong_type = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .json(json!({"name": 42}))
        .send()
        .await;
    wrong_type.problem(422);
    assert_eq!(wrong_type.fields(), ["name"]);

    let missing = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .json(json!({}))
        .send()
        .await;
    missing.problem(422);
    assert_eq!(missing.fields(), ["name"]);

    let typo = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .json(json!({"name": "x", "descripton": "y"}))
        .send()
        .await;
    typo.problem(422);
    assert_eq!(typo.fields(), ["descripton"]);

    let several = app
        .post("/api/v1/authors")
        .bearer(&app.admin)
        .json(json!({"name": " ", "slug": "Not A Slug", "links": {"x": "javascript:alert(1)"}}))
        .send()
        .await;
    several.problem(422);
    assert_eq!(several.fields(), ["name", "slug", "links.x"]);
}

async fn query_errors_name_the_parameter(app: TestApp) {
    let not_a_number = app.get("/api/v1/tags?limit=ten").send().await;
    not_a_number.problem(422);
    assert_eq!(not_a_number.fields(), ["limit"]);

    let too_many = app.get("/api/v1/tags?limit=1000").send().await;
    too_many.problem(422);
    assert_eq!(too_many.fields(), ["limit"]);

    let forged = app.get("/api/v1/tags?cursor=not-ours").send().await;
    forged.problem(422);
    assert_eq!(forged.fields(), ["cursor"]);
}

async fn public_reads_send_etags_and_answer_304(app: TestApp) {
    app.create("/api/v1/tags", json!({"name": "Climate"})).await;
    let first = app.get("/api/v1/tags/climate").send().await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("cache-control").as_deref(),
        Some("public, max-age=60, stale-while-revalidate=300")
    );
    let etag = first.header("etag").unwrap();

    let again = app
        .get("/api/v1/tags/climate")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag").as_ref(), Some(&etag));

    let tag = first.json();
    let changed = app
        .patch("/api/v1/tags/climate")
        .bearer(&app.admin)
        .json(json!({"version": tag["version"], "description": "Warming"}))
        .send()
        .await;
    assert_eq!(changed.status, 200);
    let after = app
        .get("/api/v1/tags/climate")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(after.status, 200, "a changed tag must not answer 304");
    assert_ne!(after.header("etag"), Some(etag));
}

async fn authenticated_reads_are_private(app: TestApp) {
    let list = app.get("/api/v1/tags").bearer(&app.admin).send().await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    let me = app.get("/api/v1/me").bearer(&app.admin).send().await;
    assert_eq!(
        me.header("cache-control").as_deref(),
        Some("private, no-store")
    );
}

async fn responses_are_compressed_when_the_client_asks(app: TestApp) {
    for i in 0..30 {
        app.create("/api/v1/tags", json!({"name": format!("Topic number {i}"), "description": "A tag with some words to compress"}))
            .await;
    }
    let plain = app.get("/api/v1/tags?limit=30").send().await;
    assert_eq!(plain.header("content-encoding"), None);

    let gzip = app
        .get("/api/v1/tags?limit=30")
        .header("Accept-Encoding", "gzip")
        .send()
        .await;
    assert_eq!(gzip.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(&gzip.body[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(gzip.body.len() < plain.body.len() / 2);

    let brotli = app
        .get("/api/v1/tags?limit=30")
        .header("Accept-Encoding", "br")
        .send()
        .await;
    assert_eq!(brotli.header("content-encoding").as_deref(), Some("br"));
    assert!(brotli.body.len() < plain.body.len() / 2);
}

async fn request_ids_are_echoed_or_generated(app: TestApp) {
    let echoed = app
        .get("/healthz")
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await;
    assert_eq!(
        echoed.header("x-request-id").as_deref(),
        Some("trace-abc-123")
    );
    let generated = app.get("/healthz").send().await;
    assert_eq!(
        generated.header("x-request-id").map(|id| id.len()),
        Some(32)
    );
}

/// Many writers at once: no "database is locked", no lost write.
async fn concurrent_writes_all_succeed(app: TestApp) {
    let writes = (0..24).map(|i| {
        app.post("/api/v1/tags")
            .bearer(&app.admin)
            .json(json!({"name": format!("Concurrent {i}")}))
            .send()
    });
    let results = futures_util::future::join_all(writes).await;
    for res in &results {
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let all = app.get("/api/v1/tags?limit=100").send().await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 24);
}
