//! Admins manage accounts; edits are versioned.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp};

both_backends!(
    admins_create_users_of_every_role,
    new_users_are_validated_field_by_field,
    an_email_belongs_to_one_live_account,
    the_last_admin_cannot_be_demoted_disabled_or_deleted,
    changing_your_own_password_keeps_this_session,
    a_stale_version_is_refused_with_412,
    a_write_without_a_version_is_refused_with_428,
    users_page_through_without_gaps,
    writers_see_their_colleagues_without_account_details,
);

/// `GET /people`: whom a story can be assigned to, for everyone who writes (the desk's
/// assignee picker), without e-mails, and without disabled or deleted accounts.
async fn writers_see_their_colleagues_without_account_details(app: TestApp) {
    let (editor_id, editor) = app.user("editor").await;
    let (contributor_id, contributor) = app.user("contributor").await;
    let (gone_id, _) = app.user("author").await;
    let disabled = app
        .patch(&format!("/api/v1/users/{gone_id}"))
        .bearer(&app.admin)
        .json(json!({"version": 1, "disabled": true}))
        .send()
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text());

    let res = app.get("/api/v1/people").bearer(&contributor).send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    let people = res.json();
    let people = people.as_array().unwrap();
    let find = |id: &str| people.iter().find(|p| p["id"] == id);
    assert_eq!(find(&editor_id).unwrap()["role"], "editor");
    assert_eq!(find(&contributor_id).unwrap()["name"], "A contributor");
    assert!(
        find(&gone_id).is_none(),
        "a disabled account is not offered"
    );
    assert!(
        people.iter().all(|p| p.get("email").is_none()),
        "{people:?}"
    );
    assert_eq!(
        app.get("/api/v1/people")
            .bearer(&editor)
            .send()
            .await
            .status,
        200
    );
    app.get("/api/v1/people").send().await.problem(401);
}

async fn admins_create_users_of_every_role(app: TestApp) {
    for role in ["admin", "editor", "author", "contributor"] {
        let email = format!("new-{role}@dateline.test");
        let user = app
            .create(
                "/api/v1/users",
                json!({"email": email, "name": "New Person", "role": role, "password": PASSWORD}),
            )
            .await;
        assert_eq!(user["role"], role);
        assert_eq!(user["version"], 1);
        assert!(user.get("password").is_none() && user.get("password_hash").is_none());
        let token = app.login(&email, PASSWORD).await;
        assert_eq!(
            app.get("/api/v1/me").bearer(&token).send().await.json()["role"],
            role
        );
    }
}

async fn new_users_are_validated_field_by_field(app: TestApp) {
    let res = app
        .post("/api/v1/users")
        .bearer(&app.admin)
        .json(json!({"email": "not-an-email", "name": "", "role": "editor", "password": "short"}))
        .send()
        .await;
    res.problem(422);
    assert_eq!(res.fields(), ["email", "name", "password"]);

    let bad_role = app
        .post("/api/v1/users")
        .bearer(&app.admin)
        .json(json!({"email": "a@b.co", "name": "A", "role": "owner", "password": PASSWORD}))
        .send()
        .await;
    bad_role.problem(422);
    assert_eq!(bad_role.fields(), ["role"]);
}

async fn an_email_belongs_to_one_live_account(app: TestApp) {
    let body =
        json!({"email": "dup@dateline.test", "name": "D", "role": "author", "password": PASSWORD});
    let first = app.create("/api/v1/users", body.clone()).await;
    let again = app.post("/api/v1/users").bearer(&app.admin).json(json!({"email": "DUP@dateline.test", "name": "D", "role": "author", "password": PASSWORD})).send().await;
    again.problem(409);
    assert_eq!(again.fields(), ["email"]);

    // Deleting the account frees the address.
    let id = first["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/users/{id}"))
            .bearer(&app.admin)
            .send()
            .await
            .status,
        204
    );
    app.create("/api/v1/users", body).await;
}

async fn the_last_admin_cannot_be_demoted_disabled_or_deleted(app: TestApp) {
    let me = app.get("/api/v1/me").bearer(&app.admin).send().await.json();
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    for change in [json!({"role": "editor"}), json!({"disabled": true})] {
        let mut body = change.clone();
        body["version"] = me["version"].clone();
        let res = app.patch(&path).bearer(&app.admin).json(body).send().await;
        res.problem(409);
    }
    app.delete(&path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);

    // Even with a second admin, nobody locks themselves out: the other admin acts.
    let (_, other) = app.user("admin").await;
    for change in [json!({"role": "editor"}), json!({"disabled": true})] {
        let mut body = change.clone();
        body["version"] = me["version"].clone();
        let problem = app
            .patch(&path)
            .bearer(&app.admin)
            .json(body)
            .send()
            .await
            .problem(409);
        assert!(
            problem["detail"].as_str().unwrap().contains("your own"),
            "{problem}"
        );
    }
    app.delete(&path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    let res = app
        .patch(&path)
        .bearer(&other)
        .json(json!({"version": me["version"], "role": "editor"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["role"], "editor");
}

/// Changing your own password signs out your other sessions and keeps this one.
async fn changing_your_own_password_keeps_this_session(app: TestApp) {
    use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD};
    let elsewhere = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = app.get("/api/v1/me").bearer(&app.admin).send().await.json();
    let res = app
        .patch(&format!("/api/v1/users/{}", me["id"].as_str().unwrap()))
        .bearer(&app.admin)
        .json(json!({"version": me["version"], "password": "a brand new passphrase 42"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        app.get("/api/v1/me").bearer(&app.admin).send().await.status,
        200
    );
    app.get("/api/v1/me")
        .bearer(&elsewhere)
        .send()
        .await
        .problem(401);
}

async fn a_stale_version_is_refused_with_412(app: TestApp) {
    let (id, _) = app.user("author").await;
    let path = format!("/api/v1/users/{id}");
    let first = app
        .patch(&path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "name": "First edit"}))
        .send()
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["version"], 2);

    let stale = app
        .patch(&path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "name": "Second edit"}))
        .send()
        .await;
    let problem = stale.problem(412);
    assert_eq!(problem["current_version"], 2);
    assert_eq!(
        app.get(&path).bearer(&app.admin).send().await.json()["name"],
        "First edit"
    );

    // The ETag from a read works as If-Match.
    let read = app.get(&path).bearer(&app.admin).send().await;
    let etag = read.header("etag").unwrap();
    let via_header = app
        .patch(&path)
        .bearer(&app.admin)
        .header("If-Match", &etag)
        .json(json!({"name": "Third"}))
        .send()
        .await;
    assert_eq!(via_header.status, 200, "{}", via_header.text());
    let reused = app
        .patch(&path)
        .bearer(&app.admin)
        .header("If-Match", &etag)
        .json(json!({"name": "Fourth"}))
        .send()
        .await;
    reused.problem(412);
}

async fn a_write_without_a_version_is_refused_with_428(app: TestApp) {
    let (id, _) = app.user("author").await;
    let res = app
        .patch(&format!("/api/v1/users/{id}"))
        .bearer(&app.admin)
        .json(json!({"name": "No version"}))
        .send()
        .await;
    res.problem(428);
    assert_eq!(res.fields(), ["version"]);
}

async fn users_page_through_without_gaps(app: TestApp) {
    for _ in 0..4 {
        app.user("contributor").await;
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/users?limit=2".to_owned());
    while let Some(path) = next {
        let page = app.get(&path).bearer(&app.admin).send().await;
        assert_eq!(page.status, 200, "{}", page.text());
        let body = page.json();
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_owned()),
        );
        next = page.header("link").map(|l| {
            l.trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_owned()
        });
        assert_eq!(next.is_some(), body["next_cursor"].is_string());
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 5);
}
