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

    // A struct's fields as an array (serde would read `["Name"]` as `{"name": "Name"}`)
    // is not the object the document asks for; nor is any other JSON value.
    for body in [
        json!(["Elections"]),
        json!([null]),
        json!("Elections"),
        json!(3),
    ] {
        let res = app
            .post("/api/v1/tags")
            .bearer(&app.admin)
            .json(body.clone())
            .send()
            .await;
        res.problem(422);
        assert_eq!(res.fields(), ["body"], "{body}");
    }
    let restore = app
        .post("/api/v1/collections/nowhere/history/1/restore")
        .bearer(&app.admin)
        .header("If-Match", "\"9\"")
        .json(json!([null]))
        .send()
        .await;
    assert_eq!(restore.problem(422)["errors"][0]["field"], "body");

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
        Some("public, max-age=60, stale-while-revalidate=300, stale-if-error=86400")
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
    use std::io::Read;
    let gunzip = |body: &[u8]| {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    let unbrotli = |body: &[u8]| {
        let mut out = Vec::new();
        brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    for i in 0..30 {
        app.create("/api/v1/tags", json!({"name": format!("Topic number {i}"), "description": "A tag with some words to compress"}))
            .await;
    }
    let list = "/api/v1/tags?limit=30";
    let plain = app.get(list).send().await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(
        plain.header("vary").unwrap().contains("Accept-Encoding"),
        "a shared cache must keep the codings apart"
    );

    // The first gzip reader gets what the cache then keeps and hands the next one.
    for round in ["miss or hit", "hit"] {
        let gzip = app.get(list).header("Accept-Encoding", "gzip").send().await;
        assert_eq!(
            gzip.header("content-encoding").as_deref(),
            Some("gzip"),
            "{round}"
        );
        assert_eq!(&gzip.body[..2], &[0x1f, 0x8b], "gzip magic");
        assert!(gzip.body.len() < plain.body.len() / 2);
        assert_eq!(gunzip(&gzip.body), plain.body, "{round}: the same bytes");
        assert_eq!(gzip.header("etag"), plain.header("etag"));
    }
    let hit = app.get(list).header("Accept-Encoding", "gzip").send().await;
    assert_eq!(hit.header("x-cache").as_deref(), Some("hit"));

    // Browsers ask for several; brotli is the smaller.
    let brotli = app
        .get(list)
        .header("Accept-Encoding", "gzip, deflate, br, zstd")
        .send()
        .await;
    assert_eq!(brotli.header("content-encoding").as_deref(), Some("br"));
    assert!(brotli.body.len() < plain.body.len() / 2);
    assert_eq!(unbrotli(&brotli.body), plain.body);

    // A revalidation has no body to encode.
    let etag = plain.header("etag").unwrap();
    let unchanged = app
        .get(list)
        .header("Accept-Encoding", "br")
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());

    // Responses built for one reader (signed in, never cached) are encoded too.
    let private = app
        .get(list)
        .bearer(&app.admin)
        .header("Accept-Encoding", "gzip")
        .send()
        .await;
    assert_eq!(private.header("content-encoding").as_deref(), Some("gzip"));
    let private_plain = app.get(list).bearer(&app.admin).send().await;
    assert_eq!(gunzip(&private.body), private_plain.body);

    // Refused codings are not used.
    let refused = app
        .get(list)
        .header("Accept-Encoding", "br;q=0, gzip;q=0")
        .send()
        .await;
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.body, plain.body);
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

both_backends!(
    integral_floats_are_integers_as_json_schema_says,
    concurrent_edits_of_one_version_let_exactly_one_win,
    nul_bytes_and_control_characters_are_refused_cleanly,
    head_requests_answer_like_get,
    public_reads_carry_surrogate_keys_and_absolute_links,
);

/// Eight editors save the same version of the same record at once: one wins, the rest
/// get 412, and the stored state is the winner's.
async fn concurrent_edits_of_one_version_let_exactly_one_win(app: TestApp) {
    app.create("/api/v1/tags", json!({"name": "Contested"}))
        .await;
    app.create("/api/v1/authors", json!({"name": "Contested Author"}))
        .await;
    app.create("/api/v1/sections", json!({"name": "Contested Section"}))
        .await;
    for path in [
        "/api/v1/tags/contested",
        "/api/v1/authors/contested-author",
        "/api/v1/sections/contested-section",
    ] {
        let field = if path.contains("authors") {
            "bio"
        } else {
            "description"
        };
        let edits = (0..8).map(|i| {
            let mut body = json!({"version": 1});
            body[field] = json!(format!("edit {i}"));
            app.patch(path).bearer(&app.admin).json(body).send()
        });
        let results = futures_util::future::join_all(edits).await;
        let winners: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "{path}: {:?}",
            results.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        for loser in results.iter().filter(|r| r.status != 200) {
            assert_eq!(loser.problem(412)["current_version"], 2, "{path}");
        }
        let stored = app.get(path).send().await.json();
        assert_eq!(stored["version"], 2);
        let winner = winners[0].json();
        assert_eq!(
            stored[field], winner[field],
            "{path}: the winner's edit is what is stored"
        );
    }
}

async fn nul_bytes_and_control_characters_are_refused_cleanly(app: TestApp) {
    let res = app
        .post("/api/v1/tags")
        .bearer(&app.admin)
        .json(json!({"name": "bad\u{0}name"}))
        .send()
        .await;
    res.problem(422);
    assert_eq!(res.fields(), ["name"]);
    let res = app
        .post("/api/v1/authors")
        .bearer(&app.admin)
        .json(json!({"name": "Ok", "bio": "bad\u{0}bio"}))
        .send()
        .await;
    res.problem(422);
    assert_eq!(res.fields(), ["bio"]);

    // No record's key holds a NUL: 404 on both backends (PostgreSQL cannot compare it).
    let by_path = app.get("/api/v1/tags/a%00b").send().await;
    by_path.problem(404);
    let story_by_path = app.get("/api/v1/articles/a%00b").send().await;
    story_by_path.problem(404);
    // In a query string the parameter is named, as in a body.
    let by_query = app.get("/feeds/json?collection=a%00b").send().await;
    by_query.problem(422);
    assert_eq!(by_query.fields(), ["collection"]);
    let in_search = app.get("/api/v1/articles?q=a%00").send().await;
    in_search.problem(422);
    assert_eq!(in_search.fields(), ["q"]);

    let login = app
        .post("/api/v1/auth/login")
        .json(json!({"email": "a\u{0}@b.co", "password": "x"}))
        .send()
        .await;
    assert_eq!(login.fields(), ["email"]);
    // Lookups are guarded too: PostgreSQL would refuse the NUL with a bare 400.
    let story = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": "Nul", "authors": ["ok", "a\u{0}b"]}))
        .send()
        .await;
    assert_eq!(story.fields(), ["authors[1]"]);

    use base64::Engine;
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("\"a\\u0000\"");
    let res = app
        .get(&format!("/api/v1/tags?cursor={cursor}"))
        .send()
        .await;
    res.problem(422);
    assert_eq!(res.fields(), ["cursor"]);
}

async fn head_requests_answer_like_get(app: TestApp) {
    app.create("/api/v1/tags", json!({"name": "Heads"})).await;
    let get = app.get("/api/v1/tags/heads").send().await;
    let head = app.req("HEAD", "/api/v1/tags/heads").send().await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(app.req("HEAD", "/healthz").send().await.status, 200);
}

async fn public_reads_carry_surrogate_keys_and_absolute_links(app: TestApp) {
    let tag = app.create("/api/v1/tags", json!({"name": "Keyed"})).await;
    app.create("/api/v1/tags", json!({"name": "Keyed too"}))
        .await;
    let one = app.get("/api/v1/tags/keyed").send().await;
    let id = tag["id"].as_str().unwrap();
    // The tag itself, and its stories (the count shows them).
    assert_eq!(
        one.header("surrogate-key"),
        Some(format!("tag-articles:{id} tag:{id}"))
    );
    // Cloudflare reads the same keys from Cache-Tag.
    assert_eq!(
        one.header("cache-tag"),
        Some(format!("tag-articles:{id},tag:{id}"))
    );
    let list = app.get("/api/v1/tags?limit=1").send().await;
    assert_eq!(
        list.header("surrogate-key"),
        Some(format!("tag-articles:{id} tag:{id} tags"))
    );
    let link = list.header("link").unwrap();
    assert!(
        link.starts_with(&format!(
            "<{}/api/v1/tags?limit=1&cursor=",
            app.settings.public_url
        )),
        "{link}"
    );
}

/// JSON has one number type and JSON Schema calls `2.0` an integer; the fuzzer (and
/// JavaScript clients doing arithmetic) send such numbers. `2.5` is still refused.
async fn integral_floats_are_integers_as_json_schema_says(app: TestApp) {
    app.create("/api/v1/tags", json!({"name": "Floats"})).await;
    let half = app
        .patch("/api/v1/tags/floats")
        .bearer(&app.admin)
        .json(json!({"version": 1.5, "description": "half"}))
        .send()
        .await;
    assert_eq!(half.fields(), ["version"]);
    let whole = app
        .patch("/api/v1/tags/floats")
        .bearer(&app.admin)
        .json(json!({"version": 1.0, "description": "whole"}))
        .send()
        .await;
    assert_eq!(whole.status, 200, "{}", whole.text());
    assert_eq!(whole.json()["description"], "whole");
    // Past 2^53 a float is not a trustworthy integer: -2^63 - 1 must not become i64::MIN.
    let huge = app
        .patch("/api/v1/tags/floats")
        .bearer(&app.admin)
        .raw(
            "application/json",
            r#"{"version": -9223372036854775809, "description": "x"}"#,
        )
        .send()
        .await;
    assert_eq!(huge.fields(), ["version"]);
}
