//! Collections under pressure: a long random walk of editing operations checked
//! against the invariants after every step, and many editors reordering at once.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_random_walk_of_operations_keeps_every_invariant,
    many_editors_reordering_at_once_lose_nothing,
);

/// A small deterministic generator (xorshift64*), so a failing walk can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `(article id, position, pinned)` in order.
type Layout = Vec<(String, i64, bool)>;

fn layout_of(items: &Value) -> Layout {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let id = i
                .get("article_id")
                .or_else(|| i.get("article").map(|a| &a["id"]))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned();
            (
                id,
                i["position"].as_i64().unwrap(),
                i["pinned"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Items with an expiry (the walk only sets past ones): the public must not see them.
fn expiring(items: &Value) -> HashSet<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["expires_at"].is_null())
        .map(|i| i["article"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn published(app: &TestApp, n: usize) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for i in 0..n {
        let draft = app
            .create("/api/v1/articles", json!({"headline": format!("Walk {i}")}))
            .await;
        let id = draft["id"].as_str().unwrap().to_owned();
        let res = app
            .post(&format!("/api/v1/articles/{id}/publish"))
            .bearer(&app.admin)
            .json(json!({"version": draft["version"]}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        out.push((id, res.json()["version"].as_i64().unwrap()));
    }
    out
}

const MAX: usize = 6;

async fn a_random_walk_of_operations_keeps_every_invariant(app: TestApp) {
    let steps: usize = std::env::var("DATELINE_TEST_WALK_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("DATELINE_TEST_WALK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CAFE);
    let mut rng = Rng(seed);
    let mut articles = published(&app, 10).await;
    let mut live: HashSet<String> = articles.iter().map(|a| a.0.clone()).collect();
    app.create(
        "/api/v1/collections",
        json!({"name": "Walk", "max_items": MAX}),
    )
    .await;

    let mut order: Layout = Vec::new();
    let mut version = 1_i64;
    let mut expired: HashSet<String> = HashSet::new();
    let mut history_version = 1_i64;
    let mut history_after: Layout = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();

    for step in 0..steps {
        let ctx = format!("seed {seed} step {step}");
        let was_expired = expired.clone();
        let pick = rng.below(8);
        // Expired items drop out with the next write, so they are not targets.
        let current: Vec<&String> = order
            .iter()
            .map(|i| &i.0)
            .filter(|id| !expired.contains(*id))
            .collect();
        let target = (!current.is_empty()).then(|| current[rng.below(current.len())].clone());
        let position = rng.below(MAX) + 1;
        let step_op = match (pick, target) {
            (7, _) => Step::Toggle(rng.below(articles.len())),
            (2, Some(id)) => Step::Move(id, position),
            (3, Some(id)) => Step::Remove(id),
            (4, Some(id)) => Step::Pin(id),
            (5, Some(id)) => Step::Unpin(id),
            (6, Some(id)) => Step::Expire(id),
            _ => Step::Insert(
                articles[rng.below(articles.len())].0.clone(),
                position,
                rng.below(4) == 0,
            ),
        };
        let name = step_op.name();
        let res = match &step_op {
            Step::Toggle(i) => {
                // Unpublish or republish a story behind the editors' backs.
                let (id, article_version) = articles[*i].clone();
                let action = if live.contains(&id) {
                    "unpublish"
                } else {
                    "publish"
                };
                let res = app
                    .post(&format!("/api/v1/articles/{id}/{action}"))
                    .bearer(&app.admin)
                    .json(json!({"version": article_version}))
                    .send()
                    .await;
                assert_eq!(res.status, 200, "{ctx}: {action}: {}", res.text());
                articles[*i].1 = res.json()["version"].as_i64().unwrap();
                if action == "publish" {
                    live.insert(id);
                } else {
                    live.remove(&id);
                }
                None
            }
            planned => {
                let mut res = planned.send(&app, version).await;
                if res.status == 412 {
                    // Only the system may have moved on meanwhile (expired items drop
                    // out on the next write): check, then retry on the new version.
                    let current = res.problem(412)["current_version"].as_i64().unwrap();
                    assert!(current > version, "{ctx}: 412 without a newer version");
                    let page = app
                        .get("/api/v1/collections/walk/history?limit=5")
                        .bearer(&app.admin)
                        .send()
                        .await
                        .json();
                    for entry in page["data"].as_array().unwrap() {
                        if entry["version"].as_i64().unwrap() > version {
                            assert_eq!(entry["operation"], "expire", "{ctx}: {entry}");
                            assert_eq!(entry["created_by"], Value::Null);
                        }
                    }
                    res = planned.send(&app, current).await;
                }
                Some((planned.article().to_owned(), res))
            }
        };
        *counts.entry(name).or_default() += 1;

        // The order after the step, from the response or (for refusals) a fresh read.
        let touched = res.as_ref().map(|r| r.0.clone());
        let now_layout = match res {
            Some((_, res)) if res.status == 200 => {
                let body = res.json();
                version = body["version"].as_i64().unwrap();
                expired = expiring(&body["items"]);
                layout_of(&body["items"])
            }
            Some((_, res)) => {
                assert_eq!(res.status, 409, "{ctx}: {name} answered {}", res.text());
                let body = app
                    .get("/api/v1/collections/walk/items")
                    .bearer(&app.admin)
                    .send()
                    .await
                    .json();
                version = body["version"].as_i64().unwrap();
                expired = expiring(&body["items"]);
                layout_of(&body["items"])
            }
            None => order.clone(),
        };

        // Invariants of the stored order.
        let ids: HashSet<&str> = now_layout.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(
            ids.len(),
            now_layout.len(),
            "{ctx}: duplicates {now_layout:?}"
        );
        let positions: HashSet<i64> = now_layout.iter().map(|i| i.1).collect();
        assert_eq!(
            positions.len(),
            now_layout.len(),
            "{ctx}: positions {now_layout:?}"
        );
        assert!(now_layout.len() <= MAX, "{ctx}: over capacity");
        assert!(
            now_layout.iter().all(|i| (1..=MAX as i64).contains(&i.1)),
            "{ctx}: position out of range {now_layout:?}"
        );
        for before in order.iter().filter(|i| i.2) {
            if Some(&before.0) == touched.as_ref() {
                continue;
            }
            if let Some(after) = now_layout.iter().find(|i| i.0 == before.0) {
                assert_eq!(after, before, "{ctx}: {name} moved a pinned item");
            }
        }
        for gone in order.iter().filter(|i| !ids.contains(i.0.as_str())) {
            let explained = Some(&gone.0) == touched.as_ref()
                || was_expired.contains(&gone.0)
                || (!gone.2 && name == "insert");
            assert!(explained, "{ctx}: {name} lost {gone:?}");
        }
        order = now_layout;

        // History replays to the live order: entries chain without gaps.
        if version != history_version {
            let page = app
                .get("/api/v1/collections/walk/history?limit=5")
                .bearer(&app.admin)
                .send()
                .await
                .json();
            let mut entries: Vec<Value> = page["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["version"].as_i64().unwrap() > history_version)
                .cloned()
                .collect();
            entries.reverse();
            assert_eq!(
                entries.len() as i64,
                version - history_version,
                "{ctx}: one history entry per version"
            );
            for entry in &entries {
                assert_eq!(
                    layout_of(&entry["before"]),
                    history_after,
                    "{ctx}: {} does not start where the last change ended",
                    entry["operation"]
                );
                history_after = layout_of(&entry["after"]);
            }
            history_version = version;
            assert_eq!(
                history_after, order,
                "{ctx}: history does not replay to the live order"
            );
        }

        // The public sees exactly the curated stories that are published and current.
        let shown: Vec<String> = app.get("/api/v1/collections/walk").send().await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["article"]["id"].as_str().unwrap().to_owned())
            .collect();
        // Model: available pinned stories hold their positions, the other available
        // ones fill the free positions from the top, gaps close.
        let available = |i: &&(String, i64, bool)| live.contains(&i.0) && !expired.contains(&i.0);
        let mut slots: Vec<Option<String>> = vec![None; MAX];
        for pinned in order.iter().filter(available).filter(|i| i.2) {
            slots[pinned.1 as usize - 1] = Some(pinned.0.clone());
        }
        let mut flowing = order.iter().filter(available).filter(|i| !i.2);
        for slot in slots.iter_mut().filter(|s| s.is_none()) {
            *slot = flowing.next().map(|i| i.0.clone());
        }
        let expected: Vec<String> = slots.into_iter().flatten().collect();
        assert_eq!(shown, expected, "{ctx}: public view of {order:?}");
    }
    for op in [
        "insert", "move", "remove", "pin", "unpin", "expire", "toggle",
    ] {
        assert!(
            counts.get(op).copied().unwrap_or(0) > steps / 40,
            "{op} too rare: {counts:?}"
        );
    }
}

/// One step of the walk.
enum Step {
    Insert(String, usize, bool),
    Move(String, usize),
    Remove(String),
    Pin(String),
    Unpin(String),
    Expire(String),
    Toggle(usize),
}

impl Step {
    fn name(&self) -> &'static str {
        match self {
            Step::Insert(..) => "insert",
            Step::Move(..) => "move",
            Step::Remove(..) => "remove",
            Step::Pin(..) => "pin",
            Step::Unpin(..) => "unpin",
            Step::Expire(..) => "expire",
            Step::Toggle(..) => "toggle",
        }
    }

    fn article(&self) -> &str {
        match self {
            Step::Insert(id, ..)
            | Step::Move(id, _)
            | Step::Remove(id)
            | Step::Pin(id)
            | Step::Unpin(id)
            | Step::Expire(id) => id,
            Step::Toggle(_) => "",
        }
    }

    async fn send(&self, app: &TestApp, version: i64) -> crate::helpers::Res {
        let item = format!("/api/v1/collections/walk/items/{}", self.article());
        let patch = |body: Value| app.patch(&item).bearer(&app.admin).json(body).send();
        match self {
            Step::Insert(id, position, pinned) => {
                app.post("/api/v1/collections/walk/items")
                    .bearer(&app.admin)
                    .json(json!({"version": version, "article_id": id, "position": position, "pinned": pinned}))
                    .send()
                    .await
            }
            Step::Move(_, position) => patch(json!({"version": version, "position": position})).await,
            Step::Remove(_) => {
                app.delete(&format!("{item}?version={version}"))
                    .bearer(&app.admin)
                    .send()
                    .await
            }
            Step::Pin(_) => patch(json!({"version": version, "pinned": true})).await,
            Step::Unpin(_) => patch(json!({"version": version, "pinned": false})).await,
            Step::Expire(_) => {
                let past = (chrono::Utc::now() - chrono::TimeDelta::seconds(1)).to_rfc3339();
                patch(json!({"version": version, "expires_at": past})).await
            }
            Step::Toggle(_) => unreachable!("toggles are not collection writes"),
        }
    }
}

async fn many_editors_reordering_at_once_lose_nothing(app: TestApp) {
    let ids: Vec<String> = published(&app, 8).await.into_iter().map(|a| a.0).collect();
    app.create(
        "/api/v1/collections",
        json!({"name": "Busy", "max_items": 8}),
    )
    .await;
    let mut rng = Rng(42);
    let mut refused = 0;
    for round in 0..4 {
        let editors: Vec<_> = (0..12)
            .map(|_| {
                let mut wanted = ids.clone();
                for i in (1..wanted.len()).rev() {
                    wanted.swap(i, rng.below(i + 1));
                }
                wanted.truncate(3 + rng.below(6));
                let app = &app;
                async move {
                    let read = app
                        .get("/api/v1/collections/busy/items")
                        .bearer(&app.admin)
                        .send()
                        .await
                        .json();
                    let items: Vec<Value> =
                        wanted.iter().map(|id| json!({"article_id": id})).collect();
                    let res = app
                        .req("PUT", "/api/v1/collections/busy/items")
                        .bearer(&app.admin)
                        .json(json!({"version": read["version"], "items": items}))
                        .send()
                        .await;
                    (wanted, res)
                }
            })
            .collect();
        let results = futures_util::future::join_all(editors).await;
        let mut winners = Vec::new();
        for (wanted, res) in results {
            match res.status {
                200 => winners.push((res.json()["version"].as_i64().unwrap(), wanted)),
                412 => {
                    refused += 1;
                    let problem = res.problem(412);
                    assert!(problem["current"]["items"].is_array());
                }
                other => panic!("round {round}: {other}: {}", res.text()),
            }
        }
        assert!(!winners.is_empty(), "round {round}: somebody wins");
        let versions: HashSet<i64> = winners.iter().map(|w| w.0).collect();
        assert_eq!(
            versions.len(),
            winners.len(),
            "round {round}: one winner per version"
        );
        let (_, last) = winners.iter().max_by_key(|w| w.0).unwrap();
        let now = app
            .get("/api/v1/collections/busy/items")
            .bearer(&app.admin)
            .send()
            .await
            .json();
        let order: Vec<String> = layout_of(&now["items"]).into_iter().map(|i| i.0).collect();
        assert_eq!(
            &order, last,
            "round {round}: the last successful write stands"
        );
        let history = app
            .get("/api/v1/collections/busy/history?limit=100")
            .bearer(&app.admin)
            .send()
            .await
            .json();
        let replaces = history["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["operation"] == "replace")
            .count();
        assert!(
            replaces >= winners.len(),
            "round {round}: every win is in the history"
        );
    }
    assert!(refused > 0, "the editors really did collide");
}
