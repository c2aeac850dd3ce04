//! Hardening, swept across the whole API as the OpenAPI document lists it: every
//! secured operation refuses every kind of bad credential with 401 before looking at
//! its input, every admin operation refuses editors, contributors and keys with 403,
//! every body is size-limited, and CORS, security headers, password rules and the
//! audit log behave as SECURITY.md says.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, JWT_SECRET, TestApp, forge};

both_backends!(
    every_secured_operation_refuses_bad_credentials_first,
    admin_operations_refuse_everyone_but_admins,
    every_body_is_size_limited,
    password_rules_refuse_guessable_passwords,
    the_audit_log_says_who_did_what_from_where,
);

/// Each documented operation: method, path with its parameters filled in, whether it
/// is secured (no anonymous access at all), and whether it takes a body.
fn operations(app_spec: &Value) -> Vec<(String, String, bool, bool)> {
    let mut out = Vec::new();
    for (path, item) in app_spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let security = op["security"].as_array().cloned().unwrap_or_default();
            let secured = !security.is_empty() && !security.iter().any(|r| r == &json!({}));
            let mut filled = String::new();
            let mut rest = path.as_str();
            while let Some(open) = rest.find('{') {
                filled.push_str(&rest[..open]);
                let close = rest[open..].find('}').unwrap() + open;
                let name = &rest[open + 1..close];
                // Numbers where the route wants one, so the route itself matches.
                filled.push_str(if ["number", "version"].contains(&name) {
                    "1"
                } else {
                    "nothing-here"
                });
                rest = &rest[close + 1..];
            }
            filled.push_str(rest);
            out.push((
                method.to_uppercase(),
                filled,
                secured,
                op.get("requestBody").is_some(),
            ));
        }
    }
    out
}

async fn spec(app: &TestApp) -> Value {
    app.get("/openapi.json").send().await.json()
}

async fn every_secured_operation_refuses_bad_credentials_first(app: TestApp) {
    let real: Value = {
        let payload = app.admin.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let now = jsonwebtoken::get_current_timestamp();
    let mut expired = real.clone();
    expired["exp"] = json!(now - 60);
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&real).unwrap())
    );
    let key = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "soon revoked", "scopes": ["content:read", "content:write", "syndication:read"]}),
        )
        .await;
    let revoked = key["secret"].as_str().unwrap().to_owned();
    let res = app
        .delete(&format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(res.status, 204);
    let (_, contributor) = app.user("contributor").await;
    app.post("/api/v1/auth/logout")
        .bearer(&contributor)
        .send()
        .await;

    let credentials: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("garbage", Some("not-a-token".into())),
        ("unsigned (alg none)", Some(unsigned)),
        ("expired", Some(forge(expired, JWT_SECRET))),
        (
            "another secret",
            Some(forge(real.clone(), "another-secret-another-secret-another")),
        ),
        (
            "unknown key",
            Some("dl_0000000000000000000000000000".into()),
        ),
        ("revoked key", Some(revoked)),
        ("ended session", Some(contributor)),
    ];
    let spec = spec(&app).await;
    let mut checked = 0;
    for (method, path, secured, body) in operations(&spec) {
        if !secured {
            continue;
        }
        for (what, credential) in &credentials {
            let mut req = app.req(&method, &path);
            if let Some(token) = credential {
                req = req.bearer(token);
            }
            if body {
                // A body that is wrong in every way: credentials are checked first.
                req = req.json(json!({"unknown_field": [1, 2, 3]}));
            }
            let res = req.send().await;
            assert_eq!(
                res.status,
                401,
                "{method} {path} with {what} credentials: {}",
                res.text()
            );
            assert!(
                res.header("www-authenticate").is_some()
                    || res.header("content-type").unwrap().contains("problem+json")
            );
            checked += 1;
        }
    }
    assert!(
        checked > 300,
        "only {checked} checks: the sweep found too few operations"
    );
}

async fn admin_operations_refuse_everyone_but_admins(app: TestApp) {
    let (_, editor) = app.user("editor").await;
    let (_, contributor) = app.user("contributor").await;
    let key = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "all scopes", "scopes": ["content:read", "content:write", "syndication:read"]}),
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let spec = spec(&app).await;
    let admin_only = [
        "/api/v1/users",
        "/api/v1/api-keys",
        "/api/v1/webhooks",
        "/api/v1/audit",
    ];
    let mut checked = 0;
    for (method, path, _, body) in operations(&spec) {
        if !admin_only.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        for (who, token) in [
            ("editor", &editor),
            ("contributor", &contributor),
            ("key", &key),
        ] {
            let mut req = app.req(&method, &path).bearer(token);
            if body {
                req = req.json(json!({"unknown_field": true}));
            }
            let res = req.send().await;
            assert_eq!(res.status, 403, "{method} {path} as {who}: {}", res.text());
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} admin checks");
}

async fn every_body_is_size_limited(app: TestApp) {
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let huge: &'static str = Box::leak(huge.into_boxed_str());
    let spec = spec(&app).await;
    let mut checked = 0;
    let upload = format!(
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n{}\r\n--b--\r\n",
        "x".repeat(3 * 1024 * 1024)
    );
    let upload: &'static str = Box::leak(upload.into_boxed_str());
    for (method, path, _, body) in operations(&spec) {
        if !body {
            continue;
        }
        // Uploads are the one multipart body (their limit is DATELINE_MAX_UPLOAD_BYTES).
        let multipart = method == "POST" && path == "/api/v1/images";
        let (content_type, bytes) = if multipart {
            ("multipart/form-data; boundary=b", upload)
        } else {
            ("application/json", huge)
        };
        let res = app
            .req(&method, &path)
            .bearer(&app.admin)
            .raw(content_type, bytes)
            .send()
            .await;
        assert_eq!(res.status, 413, "{method} {path}: {}", res.text());
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} bodies checked");
}

async fn password_rules_refuse_guessable_passwords(app: TestApp) {
    for password in [
        "short1",
        "1234567890",
        "Password123",
        "aaaaaaaaaaaaaa",
        "abababababab",
        "abcdefghijklm",
        "9876543210",
    ] {
        let res = app
            .post("/api/v1/users")
            .bearer(&app.admin)
            .json(json!({"email": "new@dateline.test", "name": "New", "role": "editor", "password": password}))
            .send()
            .await;
        assert_eq!(res.fields(), ["password"], "{password}: {}", res.text());
    }
    let res = app
        .post("/api/v1/users")
        .bearer(&app.admin)
        .json(json!({"email": "new@dateline.test", "name": "New", "role": "editor", "password": "tram-lines-at-dusk"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
}

async fn the_audit_log_says_who_did_what_from_where(app: TestApp) {
    let (editor_id, editor) = app.user("editor").await;
    let story = app
        .post("/api/v1/articles")
        .bearer(&editor)
        .header("x-forwarded-for", "203.0.113.7")
        .json(json!({"headline": "Audited story"}))
        .send()
        .await;
    assert_eq!(story.status, 201);
    let request_id = story.header("x-request-id").unwrap();
    // A refused attempt is audited too; reads are not.
    app.post("/api/v1/users")
        .bearer(&editor)
        .json(json!({}))
        .send()
        .await
        .problem(403);
    app.get("/api/v1/articles?status=draft")
        .bearer(&editor)
        .send()
        .await;
    let failed = app
        .post("/api/v1/auth/login")
        .json(json!({"email": "nobody@dateline.test", "password": "wrong-password-1"}))
        .send()
        .await;
    assert_eq!(failed.status, 401);

    app.get("/api/v1/audit")
        .bearer(&editor)
        .send()
        .await
        .problem(403);
    let log = app
        .get("/api/v1/audit?limit=100")
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(log.status, 200, "{}", log.text());
    let entries = log.json()["data"].as_array().unwrap().clone();
    let create = entries
        .iter()
        .find(|e| e["action"] == "POST /api/v1/articles")
        .expect("the create is audited");
    assert_eq!(create["actor_type"], "user");
    assert_eq!(create["actor_id"], editor_id.as_str());
    assert_eq!(create["status"], 201);
    assert_eq!(create["forwarded_for"], "203.0.113.7");
    assert_eq!(create["request_id"], request_id.as_str());
    assert!(entries.iter().any(|e| e["action"] == "POST /api/v1/users"
        && e["status"] == 403
        && e["actor_id"] == editor_id.as_str()));
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "POST /api/v1/auth/login"
                && e["status"] == 401
                && e["actor_type"] == "anonymous"
                && e["detail"] == "nobody@dateline.test")
    );
    assert!(
        entries
            .iter()
            .all(|e| !e["action"].as_str().unwrap().starts_with("GET")),
        "reads are not audited"
    );
    // Newest first, and filterable by who.
    assert_eq!(entries[0]["action"], "POST /api/v1/auth/login");
    let mine = app
        .get(&format!("/api/v1/audit?actor={editor_id}"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let mine = mine["data"].as_array().unwrap();
    assert_eq!(mine.len(), 3, "login, create, refused create: {mine:?}");
}

#[actix_web::test]
async fn cors_allows_listed_origins_only_and_headers_guard_every_answer() {
    let Some(app) = TestApp::spawn_env(
        Backend::Sqlite,
        &[(
            "DATELINE_CORS_ORIGINS",
            "https://www.example.com, http://localhost:3000",
        )],
    )
    .await
    else {
        return;
    };
    let allowed = app
        .get("/api/v1/articles")
        .header("origin", "https://www.example.com")
        .send()
        .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://www.example.com")
    );
    assert!(
        allowed
            .header("access-control-expose-headers")
            .unwrap()
            .contains("etag")
    );
    assert!(
        allowed
            .header("vary")
            .unwrap()
            .to_lowercase()
            .contains("origin")
    );
    let foreign = app
        .get("/api/v1/articles")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(foreign.status, 200);
    assert_eq!(foreign.header("access-control-allow-origin"), None);

    let preflight = app
        .req("OPTIONS", "/api/v1/articles")
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("http://localhost:3000")
    );
    assert!(
        preflight
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    assert!(
        preflight
            .header("access-control-allow-methods")
            .unwrap()
            .contains("PATCH")
    );
    let refused = app
        .req("OPTIONS", "/api/v1/articles")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "DELETE")
        .send()
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("access-control-allow-origin"), None);

    for path in [
        "/api/v1/articles",
        "/api/v1/nothing",
        "/feeds/rss",
        "/healthz",
    ] {
        let res = app.get(path).send().await;
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            res.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        assert!(
            res.header("content-security-policy")
                .unwrap()
                .contains("default-src 'none'")
        );
        assert!(res.header("referrer-policy").is_some());
    }
    // The interactive docs need their scripts.
    let docs = app.get("/docs/").send().await;
    assert_eq!(docs.status, 200);
    assert_eq!(docs.header("content-security-policy"), None);
}

#[actix_web::test]
async fn without_an_allowlist_no_origin_is_allowed() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let res = app
        .get("/api/v1/articles")
        .header("origin", "https://www.example.com")
        .send()
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), None);
}
