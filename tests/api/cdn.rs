//! CDN purge against a local fake of each API: a publish purges Fastly by surrogate
//! key, Cloudflare by cache tag and the signed purge webhook, with the keys the
//! public responses carry; a draft save purges nothing; a burst of edits goes out as
//! one round; a failing endpoint is retried from the durable log until it takes it.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::webhooks::{Receiver, verify};

const SECRET: &str = "purge-secret-0123456789";

macro_rules! cdn_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::Backend;
            #[actix_web::test]
            async fn sqlite() {
                if let Some((app, receiver)) = super::spawn(Backend::Sqlite).await {
                    super::$name(app, receiver).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some((app, receiver)) = super::spawn(Backend::Postgres).await {
                    super::$name(app, receiver).await;
                }
            }
        }
    )*};
}

cdn_tests!(
    a_publish_purges_every_cdn_with_the_keys_its_pages_carry,
    a_burst_is_one_round_and_a_failing_cdn_is_retried_until_it_takes_it,
);

/// An app with all three kinds of target pointed at one local receiver, and its purge
/// worker running as `dateline serve` runs it.
async fn spawn(backend: Backend) -> Option<(TestApp, Receiver)> {
    let (receiver, url) = Receiver::start().await;
    let base = url.trim_end_matches("/hooks").to_owned();
    let (fastly, cloudflare, hook) = (
        format!("{base}/fastly"),
        format!("{base}/cloudflare/client/v4"),
        format!("{base}/revalidate"),
    );
    let env = [
        ("DATELINE_FASTLY_SERVICE_ID", "svc-1"),
        ("DATELINE_FASTLY_API_TOKEN", "fastly-token"),
        ("DATELINE_FASTLY_API_URL", fastly.as_str()),
        ("DATELINE_CLOUDFLARE_ZONE_ID", "zone-1"),
        ("DATELINE_CLOUDFLARE_API_TOKEN", "cloudflare-token"),
        ("DATELINE_CLOUDFLARE_API_URL", cloudflare.as_str()),
        ("DATELINE_PURGE_WEBHOOK_URL", hook.as_str()),
        ("DATELINE_PURGE_WEBHOOK_SECRET", SECRET),
        ("DATELINE_PURGE_DELAY_MS", "300"),
    ];
    let app = TestApp::spawn_env(backend, &env).await?;
    actix_web::rt::spawn(dateline::cdn::worker::run(app.state.clone()));
    // The worker starts each target at the log's end: wait for that before writing.
    let started = Instant::now();
    loop {
        let status = app
            .state
            .db
            .read(dateline::cdn::db::status)
            .await
            .expect("purge status");
        if status.len() == 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no purge cursors"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    Some((app, receiver))
}

/// One purge request as a target received it.
#[derive(Debug)]
struct Purge {
    target: &'static str,
    keys: BTreeSet<String>,
    all: bool,
    status: u16,
}

/// Reads every request the receiver saw as a purge, checking each target's own
/// shape and credentials on the way.
fn purges(receiver: &Receiver) -> Vec<Purge> {
    receiver
        .seen()
        .into_iter()
        .map(|(headers, body, status)| parse(&headers, &body, status))
        .collect()
}

fn parse(headers: &HashMap<String, String>, body: &str, status: u16) -> Purge {
    let path = headers[":path"].as_str();
    match path {
        "/fastly/service/svc-1/purge" | "/fastly/service/svc-1/purge_all" => {
            assert_eq!(headers["fastly-key"], "fastly-token");
            assert!(
                !headers.contains_key("fastly-soft-purge"),
                "hard by default"
            );
            let keys = headers
                .get("surrogate-key")
                .map(|k| k.split(' ').map(str::to_owned).collect())
                .unwrap_or_default();
            Purge {
                target: "fastly",
                all: path.ends_with("purge_all"),
                keys,
                status,
            }
        }
        "/cloudflare/client/v4/zones/zone-1/purge_cache" => {
            assert_eq!(headers["authorization"], "Bearer cloudflare-token");
            let body: Value = serde_json::from_str(body).expect("Cloudflare gets JSON");
            Purge {
                target: "cloudflare",
                all: body["purge_everything"] == true,
                keys: strings(&body["tags"]),
                status,
            }
        }
        "/revalidate" => {
            assert_eq!(headers["content-type"], "application/json");
            assert_eq!(headers["dateline-event-type"], "cache.purge");
            verify(SECRET, headers, body);
            let body: Value = serde_json::from_str(body).expect("the webhook gets JSON");
            Purge {
                target: "webhook",
                all: body["all"] == true,
                keys: strings(&body["keys"]),
                status,
            }
        }
        other => panic!("a purge went somewhere unexpected: {other}"),
    }
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| a.iter().map(|k| k.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

const TARGETS: [&str; 3] = ["fastly", "cloudflare", "webhook"];

/// Waits (at most 10 s) until every target has taken a purge among the requests
/// after the first `from`; returns those requests.
async fn until_each_took(receiver: &Receiver, from: usize) -> Vec<Purge> {
    let started = Instant::now();
    loop {
        let mut seen = purges(receiver);
        if TARGETS
            .iter()
            .all(|t| !delivered(&seen[from..], t).is_empty())
        {
            return seen.split_off(from);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "purges never arrived; saw {seen:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn delivered<'a>(seen: &'a [Purge], target: &str) -> Vec<&'a Purge> {
    seen.iter()
        .filter(|p| p.target == target && p.status == 200)
        .collect()
}

/// The keys a public response says it may be purged by.
fn response_keys(res: &crate::helpers::Res) -> BTreeSet<String> {
    let keys: BTreeSet<String> = res
        .header("surrogate-key")
        .expect("Surrogate-Key")
        .split(' ')
        .map(str::to_owned)
        .collect();
    let tags: BTreeSet<String> = res
        .header("cache-tag")
        .expect("Cache-Tag")
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!(keys, tags, "Fastly and Cloudflare are told the same keys");
    keys
}

async fn a_publish_purges_every_cdn_with_the_keys_its_pages_carry(
    app: TestApp,
    receiver: Receiver,
) {
    let section = app
        .create(
            "/api/v1/sections",
            json!({"name": "Politics", "slug": "politics"}),
        )
        .await;
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Vote tonight", "section": section["id"]}),
        )
        .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    // Creating a section is public (its list changes): wait for that round to go out.
    until_each_took(&receiver, 0).await;
    let before = receiver.seen().len();

    // Draft saves change nothing a reader sees: nothing is purged.
    let mut version = draft["version"].as_i64().unwrap();
    for n in 0..3 {
        version = app
            .edit(&id, version, json!({"standfirst": format!("Draft {n}")}))
            .await["version"]
            .as_i64()
            .unwrap();
    }
    actix_web::rt::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        receiver.seen().len(),
        before,
        "a draft save purged something"
    );

    let story = app.publish(&id, version).await;
    let seen = until_each_took(&receiver, before).await;
    let seen = seen.as_slice();
    for target in TARGETS {
        assert_eq!(
            delivered(seen, target).len(),
            1,
            "{target}: one purge a publish"
        );
    }
    let fastly = delivered(seen, "fastly")[0];
    let cloudflare = delivered(seen, "cloudflare")[0];
    let webhook = delivered(seen, "webhook")[0];
    assert!(!fastly.all && !cloudflare.all && !webhook.all);
    assert_eq!(
        fastly.keys, cloudflare.keys,
        "every target gets the same keys"
    );
    assert_eq!(fastly.keys, webhook.keys, "every target gets the same keys");

    // What a CDN holds for the story, its section's list and the front page list
    // is named by the purge.
    let page = app
        .get(&format!(
            "/api/v1/articles/{}",
            story["slug"].as_str().unwrap()
        ))
        .send()
        .await;
    assert_eq!(page.status, 200);
    let list = app
        .get(&format!(
            "/api/v1/articles?section={}",
            section["slug"].as_str().unwrap()
        ))
        .send()
        .await;
    assert_eq!(list.json()["data"].as_array().unwrap().len(), 1);
    let front = app.get("/api/v1/articles").send().await;
    for (what, res) in [
        ("story page", &page),
        ("section list", &list),
        ("front", &front),
    ] {
        let carried = response_keys(res);
        assert!(
            !carried.is_disjoint(&fastly.keys),
            "the {what} ({carried:?}) is not named by the purge ({:?})",
            fastly.keys
        );
    }
    assert!(fastly.keys.contains(&format!("article:{id}")));
}

async fn a_burst_is_one_round_and_a_failing_cdn_is_retried_until_it_takes_it(
    app: TestApp,
    receiver: Receiver,
) {
    let draft = app
        .create("/api/v1/articles", json!({"headline": "Storm warning"}))
        .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let story = app.publish(&id, draft["version"].as_i64().unwrap()).await;
    until_each_took(&receiver, 0).await;
    let before = receiver.seen().len();

    // Every target's next request fails (one each: a pass tries each target once).
    receiver.fail_next(3);
    let mut version = story["version"].as_i64().unwrap();
    let edits = 5;
    for n in 0..edits {
        let headline = format!("Storm warning, update {n}");
        version = app.edit(&id, version, json!({"headline": headline})).await["version"]
            .as_i64()
            .unwrap();
    }
    let seen = until_each_took(&receiver, before).await;
    let seen = seen.as_slice();
    for target in TARGETS {
        let attempts: Vec<&Purge> = seen.iter().filter(|p| p.target == target).collect();
        assert_eq!(
            attempts[0].status, 500,
            "{target}: the first attempt was made to fail"
        );
        let ok = delivered(seen, target);
        assert!(
            ok.len() < edits,
            "{target}: {edits} edits were not gathered ({} purges)",
            ok.len()
        );
        assert!(
            ok.iter().any(|p| p.keys.contains(&format!("article:{id}"))),
            "{target}: the retry names the story"
        );
    }
    // The retry waited (backoff from 1 s), and the fresh page is what a reader gets.
    let page = app
        .get(&format!(
            "/api/v1/articles/{}",
            story["slug"].as_str().unwrap()
        ))
        .send()
        .await;
    assert_eq!(
        page.json()["headline"],
        format!("Storm warning, update {}", edits - 1)
    );
}
