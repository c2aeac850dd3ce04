//! API keys: scoped, shown once, revocable.

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_key_is_shown_once_and_works_within_its_scopes,
    a_revoked_key_stops_working_at_once,
    key_requests_are_validated
);

async fn a_key_is_shown_once_and_works_within_its_scopes(app: TestApp) {
    let writer = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "CMS import", "scopes": ["content:write"]}),
        )
        .await;
    let secret = writer["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("dl_"));
    assert!(secret.starts_with(writer["prefix"].as_str().unwrap()));
    assert_eq!(writer["last_used_at"], serde_json::Value::Null);

    let created = app
        .post("/api/v1/tags")
        .bearer(&secret)
        .json(json!({"name": "From a key"}))
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text());

    let reader = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "Preview", "scopes": ["content:read"]}),
        )
        .await;
    let read_only = reader["secret"].as_str().unwrap();
    app.post("/api/v1/tags")
        .bearer(read_only)
        .json(json!({"name": "Nope"}))
        .send()
        .await
        .problem(403);
    assert_eq!(
        app.get("/api/v1/tags")
            .bearer(read_only)
            .send()
            .await
            .status,
        200
    );

    // Keys are not users: no account endpoints.
    app.get("/api/v1/me")
        .bearer(&secret)
        .send()
        .await
        .problem(403);
    app.get("/api/v1/users")
        .bearer(&secret)
        .send()
        .await
        .problem(403);

    let listed = app
        .get("/api/v1/api-keys")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let keys = listed["data"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| k.get("secret").is_none()),
        "secrets are never listed"
    );
    let used = keys.iter().find(|k| k["id"] == writer["id"]).unwrap();
    assert!(
        used["last_used_at"].is_string(),
        "admins see when a key was last used"
    );
    assert_eq!(used["scopes"], json!(["content:write"]));
}

async fn a_revoked_key_stops_working_at_once(app: TestApp) {
    let key = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "Temp", "scopes": ["content:write"]}),
        )
        .await;
    let secret = key["secret"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/tags").bearer(secret).send().await.status,
        200
    );
    let revoked = app
        .delete(&format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(revoked.status, 204);
    app.get("/api/v1/tags")
        .bearer(secret)
        .send()
        .await
        .problem(401);
    app.post("/api/v1/tags")
        .bearer(secret)
        .json(json!({"name": "Too late"}))
        .send()
        .await
        .problem(401);
    app.delete("/api/v1/api-keys/nope")
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
}

async fn key_requests_are_validated(app: TestApp) {
    let empty = app
        .post("/api/v1/api-keys")
        .bearer(&app.admin)
        .json(json!({"name": "", "scopes": []}))
        .send()
        .await;
    empty.problem(422);
    assert_eq!(empty.fields(), ["name", "scopes"]);
    let unknown = app
        .post("/api/v1/api-keys")
        .bearer(&app.admin)
        .json(json!({"name": "x", "scopes": ["everything"]}))
        .send()
        .await;
    unknown.problem(422);
    assert_eq!(unknown.fields(), ["scopes[0]"]);
}

both_backends!(keys_stop_working_when_their_creator_loses_access);

async fn keys_stop_working_when_their_creator_loses_access(app: TestApp) {
    let (admin_id, second_admin) = app.user("admin").await;
    let res = app
        .post("/api/v1/api-keys")
        .bearer(&second_admin)
        .json(json!({"name": "Made by a leaver", "scopes": ["content:write"]}))
        .send()
        .await;
    assert_eq!(res.status, 201);
    let secret = res.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/v1/tags").bearer(&secret).send().await.status,
        200
    );
    let disabled = app
        .patch(&format!("/api/v1/users/{admin_id}"))
        .bearer(&app.admin)
        .json(json!({"version": 1, "disabled": true}))
        .send()
        .await;
    assert_eq!(disabled.status, 200);
    app.get("/api/v1/tags")
        .bearer(&secret)
        .send()
        .await
        .problem(401);
}

mod a_key_over_its_rate_limit_waits {
    use crate::helpers::{Backend, TestApp};

    #[actix_web::test]
    async fn sqlite() {
        let limit = [("DATELINE_API_KEY_RATE_LIMIT", "5")];
        if let Some(app) = TestApp::spawn_env(Backend::Sqlite, &limit).await {
            super::a_key_over_its_rate_limit_waits(app).await;
        }
    }

    #[actix_web::test]
    async fn postgres() {
        let limit = [("DATELINE_API_KEY_RATE_LIMIT", "5")];
        if let Some(app) = TestApp::spawn_env(Backend::Postgres, &limit).await {
            super::a_key_over_its_rate_limit_waits(app).await;
        }
    }
}

async fn a_key_over_its_rate_limit_waits(app: TestApp) {
    let key = |name: &'static str| {
        let app = &app;
        async move {
            app.create(
                "/api/v1/api-keys",
                json!({"name": name, "scopes": ["content:read"]}),
            )
            .await["secret"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (busy, quiet) = (key("Busy partner").await, key("Quiet partner").await);
    for _ in 0..5 {
        let ok = app.get("/api/v1/tags").bearer(&busy).send().await;
        assert_eq!(ok.status, 200);
    }
    let limited = app.get("/api/v1/tags").bearer(&busy).send().await;
    limited.problem(429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The same key through a feed URL counts too; other keys and users are unaffected.
    app.get(&format!("/feeds/rss?key={busy}"))
        .send()
        .await
        .problem(429);
    let other = app.get("/api/v1/tags").bearer(&quiet).send().await;
    assert_eq!(other.status, 200);
    let user = app.get("/api/v1/tags").bearer(&app.admin).send().await;
    assert_eq!(user.status, 200);
}
