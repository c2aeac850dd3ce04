//! Webhooks against a real local HTTP receiver: signed events for every change,
//! retries with backoff, disabling and redelivery, a crash mid-delivery losing
//! nothing, several workers delivering each event once, and SSRF refusals.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::TestApp;

/// The settings these tests run with: loopback allowed, fast retries, short leases.
const FAST: [(&str, &str); 5] = [
    ("DATELINE_WEBHOOKS_ALLOW_PRIVATE", "true"),
    ("DATELINE_WEBHOOK_RETRY_BASE_MS", "20"),
    ("DATELINE_WEBHOOK_LEASE_SECS", "1"),
    ("DATELINE_WEBHOOK_MAX_ATTEMPTS", "3"),
    ("DATELINE_WEBHOOK_DISABLE_AFTER", "2"),
];

macro_rules! webhook_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::{Backend, TestApp};
            #[actix_web::test]
            async fn sqlite() {
                if let Some(app) = TestApp::spawn_env(Backend::Sqlite, &super::FAST).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = TestApp::spawn_env(Backend::Postgres, &super::FAST).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

webhook_tests!(
    every_change_arrives_signed_and_each_event_once,
    a_failing_receiver_is_retried_then_disabled_and_can_be_redelivered,
    a_crash_mid_delivery_loses_no_event,
);

/// One request the receiver saw: headers, body, and the status it answered.
type Seen = (HashMap<String, String>, String, u16);

/// What the receiver saw: every request, failed ones included.
#[derive(Clone, Default)]
pub struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    fail_next: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let shared = receiver.clone();
        let server = HttpServer::new(move || {
            let shared = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: Bytes| {
                let shared = shared.clone();
                async move {
                    let failing = shared
                        .fail_next
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let status = if failing { 500 } else { 200 };
                    // The path rides along as HTTP/2 names it.
                    let mut headers: HashMap<String, String> = req
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    headers.insert(":path".into(), req.path().to_owned());
                    let body = String::from_utf8_lossy(&body).into_owned();
                    shared.seen.lock().unwrap().push((headers, body, status));
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .finish()
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        (receiver, format!("http://127.0.0.1:{port}/hooks"))
    }

    pub fn delivered(&self) -> Vec<(HashMap<String, String>, Value)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, _, status)| *status == 200)
            .map(|(h, b, _)| (h.clone(), serde_json::from_str(b).unwrap()))
            .collect()
    }

    /// Every request seen, failed ones included: headers (with `:path`), raw body,
    /// and the status answered.
    pub fn seen(&self) -> Vec<(HashMap<String, String>, String, u16)> {
        self.seen.lock().unwrap().clone()
    }

    /// Makes the next `n` requests fail with 500.
    pub fn fail_next(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    fn attempts(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// Recomputes the signature as a receiver would.
pub fn verify(secret: &str, headers: &HashMap<String, String>, body: &str) {
    let header = &headers["dateline-signature"];
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .expect("t=…,v1=…");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "fresh timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("the signature verifies");
}

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let res = app
        .post("/api/v1/webhooks")
        .bearer(&app.admin)
        .json(json!({"url": url, "events": events, "description": "test receiver"}))
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn deliver(app: &TestApp) -> usize {
    dateline::webhooks::worker::deliver_due(&app.state)
        .await
        .unwrap()
}

async fn every_change_arrives_signed_and_each_event_once(app: TestApp) {
    let (receiver, url) = Receiver::start().await;
    let hook = subscribe(
        &app,
        &url,
        &[
            "article.published",
            "article.updated",
            "article.unpublished",
            "article.deleted",
            "collection.updated",
        ],
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 16);
    let listed = app
        .get("/api/v1/webhooks")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown once"
    );

    let published = app.published_story(json!({"headline": "Breaking"})).await;
    let id = published["id"].as_str().unwrap().to_owned();
    let edited = app
        .patch(&format!("/api/v1/articles/{id}"))
        .bearer(&app.admin)
        .json(json!({"version": published["version"], "standfirst": "More"}))
        .send()
        .await
        .json();
    let unpublished = app
        .post(&format!("/api/v1/articles/{id}/unpublish"))
        .bearer(&app.admin)
        .json(json!({"version": edited["version"]}))
        .send()
        .await
        .json();
    let republished = app
        .post(&format!("/api/v1/articles/{id}/publish"))
        .bearer(&app.admin)
        .json(json!({"version": unpublished["version"]}))
        .send()
        .await;
    assert_eq!(republished.status, 200);
    let trashed = app
        .delete(&format!("/api/v1/articles/{id}"))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(trashed.status, 204);
    app.create("/api/v1/collections", json!({"name": "Top"}))
        .await;
    // A draft's edits are nobody's business.
    app.create("/api/v1/articles", json!({"headline": "Quiet draft"}))
        .await;

    while deliver(&app).await > 0 {}
    // One batch is sent concurrently, so deliveries may arrive in any order; a
    // receiver orders events by `created_at` (then `id`), as this one does.
    let mut got = receiver.delivered();
    got.sort_by(|(_, a), (_, b)| {
        let key = |e: &Value| {
            let at = e["created_at"].as_str().unwrap();
            let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
            (at, e["id"].as_str().unwrap().to_owned())
        };
        key(a).cmp(&key(b))
    });
    let types: Vec<&str> = got
        .iter()
        .map(|(_, b)| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "article.published",
            "article.updated",
            "article.unpublished",
            "article.published",
            "article.deleted",
            "collection.updated"
        ]
    );
    for (headers, body) in &got {
        verify(&secret, headers, &body.to_string());
        assert_eq!(headers["dateline-event-id"], body["id"].as_str().unwrap());
        assert_eq!(
            headers["dateline-event-type"],
            body["type"].as_str().unwrap()
        );
        assert_eq!(headers["content-type"], "application/json");
    }
    assert_eq!(got[0].1["data"]["article"]["id"], id.as_str());
    assert_eq!(got[5].1["data"]["collection"]["slug"], "top");

    // The delivery log shows each as delivered with the receiver's answer.
    let log = app
        .get(&format!(
            "/api/v1/webhooks/{}/deliveries",
            hook["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries.len(), 6);
    assert!(
        entries
            .iter()
            .all(|d| d["status"] == "delivered" && d["response_code"] == 200 && d["attempts"] == 1)
    );

    // Several workers at once (several instances): every event exactly once.
    for i in 0..6 {
        app.published_story(json!({"headline": &format!("Burst {i}")}))
            .await;
    }
    let workers = (0..3).map(|_| deliver(&app));
    futures_util::future::join_all(workers).await;
    while deliver(&app).await > 0 {}
    let got = receiver.delivered();
    assert_eq!(got.len(), 12);
    let ids: std::collections::HashSet<&str> =
        got.iter().map(|(_, b)| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 12, "no event delivered twice");
}

async fn a_failing_receiver_is_retried_then_disabled_and_can_be_redelivered(app: TestApp) {
    let (receiver, url) = Receiver::start().await;
    let hook = subscribe(&app, &url, &["article.published"]).await;
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    receiver.fail_next.store(2, Ordering::SeqCst);
    app.published_story(json!({"headline": "Retried"})).await;
    // Fails twice, then succeeds once the backoff has passed.
    for _ in 0..40 {
        deliver(&app).await;
        if !receiver.delivered().is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.delivered().len(), 1);
    assert_eq!(receiver.attempts(), 3);
    let log = app
        .get(&format!("/api/v1/webhooks/{hook_id}/deliveries"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(log["data"][0]["status"], "delivered");
    assert_eq!(log["data"][0]["attempts"], 3);

    // A receiver that keeps failing: each delivery gives up after 3 attempts, and
    // after 2 such deliveries in a row the webhook is disabled.
    receiver.fail_next.store(1000, Ordering::SeqCst);
    app.published_story(json!({"headline": "Lost one"})).await;
    app.published_story(json!({"headline": "Lost two"})).await;
    for _ in 0..60 {
        deliver(&app).await;
        let hook = app
            .get(&format!("/api/v1/webhooks/{hook_id}"))
            .bearer(&app.admin)
            .send()
            .await
            .json();
        if hook["active"] == false {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let hook = app
        .get(&format!("/api/v1/webhooks/{hook_id}"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(hook["active"], false, "{hook}");
    assert!(
        hook["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("in a row")
    );
    let log = app
        .get(&format!("/api/v1/webhooks/{hook_id}/deliveries"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let failed: Vec<&Value> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed
            .iter()
            .all(|d| d["attempts"] == 3 && d["response_code"] == 500)
    );
    // Disabled: new events are not even queued for it.
    app.published_story(json!({"headline": "Unheard"})).await;
    assert_eq!(deliver(&app).await, 0);

    // Re-enable, fix the receiver, and redeliver a failed one by hand.
    receiver.fail_next.store(0, Ordering::SeqCst);
    let enabled = app
        .patch(&format!("/api/v1/webhooks/{hook_id}"))
        .bearer(&app.admin)
        .json(json!({"active": true}))
        .send()
        .await
        .json();
    assert_eq!(enabled["active"], true);
    assert_eq!(enabled["consecutive_failures"], 0);
    let again = app
        .post(&format!(
            "/api/v1/webhooks/{hook_id}/deliveries/{}/redeliver",
            failed[0]["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json()["event_id"], failed[0]["event_id"]);
    assert_eq!(deliver(&app).await, 1);
    let last = receiver.delivered().pop().unwrap();
    assert_eq!(
        last.0["dateline-event-id"],
        failed[0]["event_id"].as_str().unwrap()
    );
}

async fn a_crash_mid_delivery_loses_no_event(app: TestApp) {
    let (receiver, url) = Receiver::start().await;
    subscribe(&app, &url, &["article.published"]).await;
    app.published_story(json!({"headline": "Survives a crash"}))
        .await;
    // A worker claims the delivery and dies before sending (or before recording).
    let claimed = app
        .state
        .db
        .write(|conn| dateline::webhooks::db::claim(conn, std::time::Duration::from_secs(1), 16))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While its claim holds, nobody else sends it...
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(receiver.attempts(), 0);
    // ...and once the claim lapses, another worker (or the restarted one) does.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(deliver(&app).await, 1);
    let got = receiver.delivered();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1["data"]["article"]["headline"], "Survives a crash");
    assert_eq!(got[0].0["dateline-delivery-attempt"], "2");
}

crate::both_backends!(private_and_malformed_targets_are_refused);

async fn private_and_malformed_targets_are_refused(app: TestApp) {
    for url in [
        "http://127.0.0.1:9/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://localhost/x",
        "ftp://example.com/x",
        "http://user:pw@example.com/x",
        "not a url",
    ] {
        let res = app
            .post("/api/v1/webhooks")
            .bearer(&app.admin)
            .json(json!({"url": url, "events": ["article.published"]}))
            .send()
            .await;
        res.problem(422);
        assert_eq!(res.fields(), ["url"], "{url}");
    }
    let bad_events = app
        .post("/api/v1/webhooks")
        .bearer(&app.admin)
        .json(json!({"url": "https://93.184.216.34/x", "events": ["article.exploded"], "secret": "short"}))
        .send()
        .await;
    bad_events.problem(422);
    assert_eq!(bad_events.fields(), ["events[0]", "secret"]);
    let (_, editor) = app.user("editor").await;
    app.get("/api/v1/webhooks")
        .bearer(&editor)
        .send()
        .await
        .problem(403);
}
