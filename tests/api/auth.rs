//! Signing in, tokens, sessions and role checks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, PASSWORD, TestApp, forge};

both_backends!(
    signing_in_returns_a_token_pair_that_works,
    unknown_users_and_wrong_passwords_get_the_same_401,
    repeated_failures_are_throttled_with_retry_after,
    forged_expired_and_misdirected_tokens_are_refused,
    a_refresh_token_works_once_and_reuse_revokes_the_session,
    logging_out_ends_the_session,
    disabled_and_deleted_users_lose_access_at_once,
    roles_decide_who_may_do_what,
);

async fn signing_in_returns_a_token_pair_that_works(app: TestApp) {
    let res = app
        .post("/api/v1/auth/login")
        .json(json!({"email": "ADMIN@dateline.test", "password": ADMIN_PASSWORD}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let tokens = res.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().len() > 40);

    let me = app
        .get("/api/v1/me")
        .bearer(tokens["access_token"].as_str().unwrap())
        .send()
        .await;
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert!(me["last_login_at"].is_string());
    assert!(me.get("password_hash").is_none());

    app.get("/api/v1/me").send().await.problem(401);
}

async fn unknown_users_and_wrong_passwords_get_the_same_401(app: TestApp) {
    let wrong_password = app
        .post("/api/v1/auth/login")
        .json(json!({"email": ADMIN_EMAIL, "password": "not-the-password"}))
        .send()
        .await;
    let unknown_user = app
        .post("/api/v1/auth/login")
        .json(json!({"email": "nobody@dateline.test", "password": "not-the-password"}))
        .send()
        .await;
    let a = wrong_password.problem(401);
    let b = unknown_user.problem(401);
    assert_eq!(a, b, "the two failures must be indistinguishable");
}

async fn repeated_failures_are_throttled_with_retry_after(app: TestApp) {
    let attempt = |password: &'static str| {
        app.post("/api/v1/auth/login")
            .json(json!({"email": ADMIN_EMAIL, "password": password}))
            .send()
    };
    for _ in 0..5 {
        attempt("wrong-password").await.problem(401);
    }
    let throttled = attempt("wrong-password").await;
    throttled.problem(429);
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Even the right password waits: the throttle is not an oracle.
    attempt(ADMIN_PASSWORD).await.problem(429);
}

async fn forged_expired_and_misdirected_tokens_are_refused(app: TestApp) {
    let me = app.get("/api/v1/me").bearer(&app.admin).send().await.json();
    let real: serde_json::Value = {
        let payload = app.admin.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    assert_eq!(real["sub"], me["id"]);
    let now = jsonwebtoken::get_current_timestamp();
    let with = |key: &str, value: serde_json::Value| {
        let mut claims = real.clone();
        claims[key] = value;
        claims
    };

    // The same claims, re-signed with our secret, are accepted: the cases below fail
    // for the one thing each changes.
    let control = forge(real.clone(), JWT_SECRET);
    assert_eq!(
        app.get("/api/v1/me").bearer(&control).send().await.status,
        200
    );

    let cases = [
        ("expired", forge(with("exp", json!(now - 3600)), JWT_SECRET)),
        (
            "bad signature",
            forge(real.clone(), "another-secret-another-secret-another"),
        ),
        (
            "wrong audience",
            forge(with("aud", json!("someone-else")), JWT_SECRET),
        ),
        (
            "wrong issuer",
            forge(with("iss", json!("evil")), JWT_SECRET),
        ),
        ("no expiry", {
            let mut claims = real.clone();
            claims.as_object_mut().unwrap().remove("exp");
            forge(claims, JWT_SECRET)
        }),
        ("alg none", {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&real).unwrap());
            format!("{header}.{body}.")
        }),
        ("HS512", {
            let header = Header::new(jsonwebtoken::Algorithm::HS512);
            encode(
                &header,
                &real,
                &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
            )
            .unwrap()
        }),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let res = app.get("/api/v1/me").bearer(&token).send().await;
        assert_eq!(res.status, 401, "{case}: {}", res.text());
        res.problem(401);
    }
    app.get("/api/v1/me")
        .header("Authorization", "Basic abc")
        .send()
        .await
        .problem(401);

    // A bad credential is answered before the body is read: 401, not a 422 about a
    // body the caller had no right to send.
    let expired = forge(with("exp", json!(now - 3600)), JWT_SECRET);
    app.post("/api/v1/tags")
        .bearer(&expired)
        .raw("application/json", "{\"name\": ")
        .send()
        .await
        .problem(401);
    // Sign-in takes no credentials: a client still carrying its expired token can
    // sign in again.
    let again = app
        .post("/api/v1/auth/login")
        .bearer(&expired)
        .json(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
}

async fn a_refresh_token_works_once_and_reuse_revokes_the_session(app: TestApp) {
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .json();
    let first = login["refresh_token"].as_str().unwrap();

    let rotated = app
        .post("/api/v1/auth/refresh")
        .json(json!({"refresh_token": first}))
        .send()
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    let rotated = rotated.json();
    let second = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(first, second);
    let access = rotated["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/me").bearer(access).send().await.status,
        200
    );

    // Someone replays the spent token: the whole family dies, the live one included.
    app.post("/api/v1/auth/refresh")
        .json(json!({"refresh_token": first}))
        .send()
        .await
        .problem(401);
    app.post("/api/v1/auth/refresh")
        .json(json!({"refresh_token": second}))
        .send()
        .await
        .problem(401);
    app.get("/api/v1/me")
        .bearer(access)
        .send()
        .await
        .problem(401);

    // Other sessions are untouched.
    assert_eq!(
        app.get("/api/v1/me").bearer(&app.admin).send().await.status,
        200
    );
    app.post("/api/v1/auth/refresh")
        .json(json!({"refresh_token": "rt_made_up"}))
        .send()
        .await
        .problem(401);
}

async fn logging_out_ends_the_session(app: TestApp) {
    let login = app
        .post("/api/v1/auth/login")
        .json(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .json();
    let access = login["access_token"].as_str().unwrap();
    let out = app.post("/api/v1/auth/logout").bearer(access).send().await;
    assert_eq!(out.status, 204);
    app.get("/api/v1/me")
        .bearer(access)
        .send()
        .await
        .problem(401);
    app.post("/api/v1/auth/refresh")
        .json(json!({"refresh_token": login["refresh_token"]}))
        .send()
        .await
        .problem(401);
}

async fn disabled_and_deleted_users_lose_access_at_once(app: TestApp) {
    let (editor_id, editor) = app.user("editor").await;
    let (author_id, author) = app.user("author").await;
    assert_eq!(
        app.get("/api/v1/me").bearer(&editor).send().await.status,
        200
    );

    let disable = app
        .patch(&format!("/api/v1/users/{editor_id}"))
        .bearer(&app.admin)
        .json(json!({"version": 1, "disabled": true}))
        .send()
        .await;
    assert_eq!(disable.status, 200, "{}", disable.text());
    app.get("/api/v1/me")
        .bearer(&editor)
        .send()
        .await
        .problem(401);
    let email = disable.json()["email"].as_str().unwrap().to_owned();
    app.post("/api/v1/auth/login")
        .json(json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .problem(401);

    let deleted = app
        .delete(&format!("/api/v1/users/{author_id}"))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    app.get("/api/v1/me")
        .bearer(&author)
        .send()
        .await
        .problem(401);
    app.get(&format!("/api/v1/users/{author_id}"))
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
}

async fn roles_decide_who_may_do_what(app: TestApp) {
    let (_, contributor) = app.user("contributor").await;
    let (_, author) = app.user("author").await;
    let (_, editor) = app.user("editor").await;
    let tag = |token: &str, name: &str| {
        app.post("/api/v1/tags")
            .bearer(token)
            .json(json!({"name": name}))
            .send()
    };

    app.post("/api/v1/tags")
        .json(json!({"name": "Anon"}))
        .send()
        .await
        .problem(401);
    tag(&contributor, "By contributor").await.problem(403);
    tag(&author, "By author").await.problem(403);
    assert_eq!(tag(&editor, "By editor").await.status, 201);
    assert_eq!(tag(&app.admin, "By admin").await.status, 201);

    // User management is for admins only.
    app.get("/api/v1/users")
        .bearer(&editor)
        .send()
        .await
        .problem(403);
    app.post("/api/v1/api-keys")
        .bearer(&editor)
        .json(json!({"name": "k", "scopes": ["content:read"]}))
        .send()
        .await
        .problem(403);
    assert_eq!(
        app.get("/api/v1/users")
            .bearer(&app.admin)
            .send()
            .await
            .status,
        200
    );
    // Everyone may read their own account.
    assert_eq!(
        app.get("/api/v1/me")
            .bearer(&contributor)
            .send()
            .await
            .json()["role"],
        "contributor"
    );
}

both_backends!(parallel_guesses_cannot_exceed_the_limit);

/// Twelve wrong passwords at once: the limit (5) holds even when the guesses race.
async fn parallel_guesses_cannot_exceed_the_limit(app: TestApp) {
    let guesses = (0..12).map(|i| {
        app.post("/api/v1/auth/login")
            .json(json!({"email": ADMIN_EMAIL, "password": format!("guess-number-{i}")}))
            .send()
    });
    let results = futures_util::future::join_all(guesses).await;
    let checked = results.iter().filter(|r| r.status == 401).count();
    let throttled = results.iter().filter(|r| r.status == 429).count();
    assert_eq!(checked + throttled, 12);
    assert!(checked <= 5, "{checked} guesses were checked");
    assert!(throttled >= 7);
}
