//! Three `dateline` processes on one PostgreSQL, as behind a load balancer: they start
//! together (migrations take turns), a login on one works on all, a scheduled story
//! is published once, each webhook event is delivered once, and no instance's cache
//! serves a story older than a write another instance has acknowledged.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::fresh_postgres_url;
use crate::process::{Server, WEBHOOKS_TO_LOOPBACK, admin_token, base_env, scratch};
use crate::webhooks::Receiver;

#[actix_web::test]
async fn three_instances_share_one_postgres_safely() {
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    let dir = scratch("instances");
    let (receiver, hook_url) = Receiver::start().await;
    let env = base_env(&dir, &url, &WEBHOOKS_TO_LOOPBACK);
    let (a, b, c) = futures_util::join!(
        Server::start(env.clone()),
        Server::start(env.clone()),
        Server::start(env.clone())
    );
    let servers = [a, b, c];

    // A login on one instance works on every instance; so do refresh and logout.
    let (status, session) = servers[0]
        .call(
            "POST",
            "/api/v1/auth/login",
            "",
            Some(json!({"email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let token = session["access_token"].as_str().unwrap().to_owned();
    for server in &servers {
        let (status, me) = server.call("GET", "/api/v1/me", &token, None).await;
        assert_eq!(status, 200, "{}: {me}", server.base);
    }
    let (status, refreshed) = servers[1]
        .call(
            "POST",
            "/api/v1/auth/refresh",
            "",
            Some(json!({"refresh_token": session["refresh_token"]})),
        )
        .await;
    assert_eq!(status, 200, "refresh on another instance: {refreshed}");
    let fresh = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        servers[2].call("GET", "/api/v1/me", &fresh, None).await.0,
        200
    );
    assert_eq!(
        servers[2]
            .call("POST", "/api/v1/auth/logout", &fresh, None)
            .await
            .0,
        204
    );
    for server in &servers {
        assert_eq!(
            server.call("GET", "/api/v1/me", &fresh, None).await.0,
            401,
            "{} still accepts a token whose session ended elsewhere",
            server.base
        );
    }
    let admin = admin_token(&servers[0]).await;

    // An API key made on one instance works on the others.
    let (status, key) = servers[0]
        .call(
            "POST",
            "/api/v1/api-keys",
            &admin,
            Some(json!({"name": "partner", "scopes": ["content:read"]})),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let key = key["secret"].as_str().unwrap().to_owned();
    let (status, _) = servers[2]
        .call("GET", "/api/v1/articles?status=draft", &key, None)
        .await;
    assert_eq!(status, 200);

    // Subscribe, then write through every instance in turn.
    let (status, hook) = servers[1]
        .call(
            "POST",
            "/api/v1/webhooks",
            &admin,
            Some(json!({"url": hook_url, "events": ["article.published", "article.updated"]})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let mut published = Vec::new();
    for i in 0..9 {
        let writer = &servers[i % 3];
        let publisher = &servers[(i + 1) % 3];
        let (status, story) = writer
            .call(
                "POST",
                "/api/v1/articles",
                &admin,
                Some(json!({"headline": format!("Story {i}")})),
            )
            .await;
        assert_eq!(status, 201, "{story}");
        let id = story["id"].as_str().unwrap().to_owned();
        let (status, out) = publisher
            .call(
                "POST",
                &format!("/api/v1/articles/{id}/publish"),
                &admin,
                Some(json!({"version": 1})),
            )
            .await;
        assert_eq!(status, 200, "{out}");
        published.push(id);
    }

    // A scheduled story: every instance's scheduler sees it due; one publishes it.
    let (_, story) = servers[0]
        .call(
            "POST",
            "/api/v1/articles",
            &admin,
            Some(json!({"headline": "On the hour"})),
        )
        .await;
    let scheduled = story["id"].as_str().unwrap().to_owned();
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let (status, out) = servers[1]
        .call(
            "POST",
            &format!("/api/v1/articles/{scheduled}/publish"),
            &admin,
            Some(json!({"version": 1, "publish_at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "scheduled");
    published.push(scheduled.clone());

    // Wait for every instance's scheduler to have ticked past the time (5 s ticks),
    // and for the deliveries to settle.
    let deadline = Instant::now() + Duration::from_secs(30);
    let per_story = loop {
        let mut per_story: HashMap<String, Vec<Value>> = HashMap::new();
        for (_, event) in receiver.delivered() {
            if event["type"] == "article.published" {
                let id = event["data"]["article"]["id"].as_str().unwrap().to_owned();
                per_story.entry(id).or_default().push(event);
            }
        }
        if per_story.len() == published.len() || Instant::now() > deadline {
            break per_story;
        }
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    actix_web::rt::time::sleep(Duration::from_secs(7)).await;
    let delivered = receiver.delivered();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (_, event) in &delivered {
        *ids.entry(event["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for (id, times) in &ids {
        assert_eq!(*times, 1, "event {id} was delivered {times} times");
    }
    for id in &published {
        let events: Vec<&Value> = delivered
            .iter()
            .map(|(_, e)| e)
            .filter(|e| {
                e["type"] == "article.published" && e["data"]["article"]["id"] == id.as_str()
            })
            .collect();
        assert_eq!(
            events.len(),
            1,
            "{id}: {} article.published events (before settling: {:?})",
            events.len(),
            per_story.get(id).map(Vec::len)
        );
    }
    let (status, history) = servers[2]
        .call(
            "GET",
            &format!("/api/v1/articles/{scheduled}/revisions"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.len(),
        3,
        "created, scheduled, and published once by one scheduler: {actions:?}"
    );

    // Caches: a write acknowledged by one instance is what the others serve next.
    let story = &published[0];
    let path = format!("/api/v1/articles/{story}");
    for round in 0..6 {
        let reader = &servers[round % 3];
        let writer = &servers[(round + 1) % 3];
        // Warm the reader's cache.
        for _ in 0..2 {
            assert_eq!(reader.call("GET", &path, "", None).await.0, 200);
        }
        let (_, current) = writer.call("GET", &path, &admin, None).await;
        let headline = format!("Revised headline {round}");
        let (status, out) = writer
            .call(
                "PATCH",
                &path,
                &admin,
                Some(json!({"version": current["version"], "headline": headline})),
            )
            .await;
        assert_eq!(status, 200, "{out}");
        for server in &servers {
            let (_, seen) = server.call("GET", &path, "", None).await;
            assert_eq!(
                seen["headline"], headline,
                "{} served a stale story after another instance's write",
                server.base
            );
        }
    }
    for server in &servers {
        assert!(!server.output().contains("panicked"), "{}", server.output());
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}
