//! A newsroom at deadline, all at once: 64 writers (new stories, editors fighting over
//! one story, publish/unpublish, reordering the front page, photo uploads) while
//! readers page through the public list. Nothing may answer 5xx or "database is
//! locked", every acknowledged write must be there afterwards, one story's editors
//! must have exactly one winner per version with no text lost, and readers paging
//! through must see every story nobody touched exactly once.

use std::collections::{HashMap, HashSet};

use futures_util::future::{LocalBoxFuture, join_all};
use serde_json::{Value, json};

use crate::both_backends;
use crate::fixtures::two_tone_jpeg;
use crate::helpers::{Res, TestApp};

both_backends!(sixty_four_writers_and_readers_at_once_lose_nothing);

const WRITERS: usize = 64;
const READERS: usize = 8;

/// What one client did, for the checks afterwards.
enum Outcome {
    Created {
        id: String,
        marker: String,
    },
    Edited {
        wins: Vec<(i64, String)>,
        refused: usize,
    },
    Toggled {
        id: String,
        last: Option<bool>,
    },
    Reordered {
        wins: usize,
    },
    Uploaded {
        id: String,
    },
    Read {
        passes: Vec<Vec<String>>,
    },
}

fn healthy(what: &str, res: &Res) {
    let text = res.text();
    assert!(
        res.status < 500,
        "{what}: {} {text} (a server error under load)",
        res.status
    );
    assert!(
        !text.to_ascii_lowercase().contains("locked"),
        "{what}: {text}"
    );
}

async fn sixty_four_writers_and_readers_at_once_lose_nothing(app: TestApp) {
    // Before the storm: 30 published stories nobody will touch, 8 to toggle, one to
    // fight over, a front page.
    let mut untouched = HashSet::new();
    for i in 0..30 {
        let story = app
            .create(
                "/api/v1/articles",
                json!({"headline": format!("Settled story {i}")}),
            )
            .await;
        let id = story["id"].as_str().unwrap().to_owned();
        app.publish(&id, 1).await;
        untouched.insert(id);
    }
    let mut toggles = Vec::new();
    for i in 0..8 {
        let story = app
            .create(
                "/api/v1/articles",
                json!({"headline": format!("Flickering story {i}")}),
            )
            .await;
        toggles.push(story["id"].as_str().unwrap().to_owned());
    }
    let contested = app
        .create(
            "/api/v1/articles",
            json!({"headline": "The contested story"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create(
        "/api/v1/collections",
        json!({"name": "Front", "max_items": 20}),
    )
    .await;
    let front: Vec<String> = untouched.iter().take(12).cloned().collect();

    let mut clients: Vec<LocalBoxFuture<'_, Outcome>> = Vec::new();
    for n in 0..WRITERS {
        let app = &app;
        clients.push(match n % 8 {
            0..=2 => Box::pin(create_story(app, n)),
            3 | 4 => Box::pin(edit_contested(app, &contested, n)),
            5 => Box::pin(toggle(app, toggles[n / 8 % toggles.len()].clone())),
            6 => Box::pin(reorder(app, &front, n)),
            _ => Box::pin(upload(app, n)),
        });
    }
    for _ in 0..READERS {
        clients.push(Box::pin(read_pages(&app)));
    }
    let outcomes = join_all(clients).await;

    // Every acknowledged story is there, with its text, and findable.
    let mut created = 0;
    let mut wins: Vec<(i64, String)> = Vec::new();
    let mut refused = 0;
    let mut last_toggle: HashMap<String, bool> = HashMap::new();
    let mut reorders = 0;
    let mut passes = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Created { id, marker } => {
                created += 1;
                let story = app
                    .get(&format!("/api/v1/articles/{id}?formats=text"))
                    .bearer(&app.admin)
                    .send()
                    .await;
                assert_eq!(story.status, 200, "{id} was acknowledged, then lost");
                assert!(
                    story.json()["body_text"]
                        .as_str()
                        .unwrap()
                        .contains(&marker)
                );
            }
            Outcome::Edited {
                wins: w,
                refused: r,
            } => {
                wins.extend(w);
                refused += r;
            }
            Outcome::Toggled { id, last } => {
                if let Some(state) = last {
                    last_toggle.insert(id, state);
                }
            }
            Outcome::Reordered { wins } => reorders += wins,
            Outcome::Uploaded { id } => {
                let image = app
                    .get(&format!("/api/v1/images/{id}"))
                    .bearer(&app.admin)
                    .send()
                    .await;
                assert_eq!(image.status, 200, "image {id} was acknowledged, then lost");
            }
            Outcome::Read { passes: p } => passes.extend(p),
        }
    }
    assert_eq!(created, 3 * WRITERS / 8);

    // The contested story: one winner per version, every winning text in the history,
    // and the latest winner is what is stored.
    wins.sort();
    let versions: Vec<i64> = wins.iter().map(|w| w.0).collect();
    let distinct: HashSet<i64> = versions.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        versions.len(),
        "two winners for one version"
    );
    assert!(refused > 0, "the editors never actually collided");
    let stored = app
        .get(&format!("/api/v1/articles/{contested}?formats=text"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let (last_version, last_text) = wins.last().expect("somebody saved").clone();
    assert_eq!(stored["version"], last_version);
    assert!(stored["body_text"].as_str().unwrap().contains(&last_text));
    // Only edits touch this story, so revision n is version n: each win is kept.
    for (version, text) in &wins {
        let revision = app
            .get(&format!("/api/v1/articles/{contested}/revisions/{version}"))
            .bearer(&app.admin)
            .send()
            .await;
        assert_eq!(
            revision.status,
            200,
            "version {version}: {}",
            revision.text()
        );
        let body = revision.json()["article"]["body_text"].clone();
        assert!(
            body.as_str().unwrap().contains(text.as_str()),
            "version {version} should hold {text:?}, holds {body}"
        );
    }

    // Publish/unpublish: each story ends as its last acknowledged change left it.
    for (id, published) in last_toggle {
        let story = app
            .get(&format!("/api/v1/articles/{id}"))
            .bearer(&app.admin)
            .send()
            .await
            .json();
        assert_eq!(
            story["status"] == "published",
            published,
            "{id}: {}",
            story["status"]
        );
    }
    assert!(reorders > 0, "no reorder ever won");

    // Readers: every full pass saw each untouched story exactly once.
    assert!(!passes.is_empty());
    for pass in passes {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for id in &pass {
            *seen.entry(id.as_str()).or_default() += 1;
        }
        for id in &untouched {
            assert_eq!(
                seen.get(id.as_str()).copied(),
                Some(1),
                "a reader paging during the storm saw {id} {:?} times",
                seen.get(id.as_str())
            );
        }
    }
}

async fn create_story(app: &TestApp, n: usize) -> Outcome {
    let marker = format!("storm marker {n} zq{n}x");
    let res = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({
            "headline": format!("Breaking {n}"),
            "body": [{"type": "paragraph", "html": format!("<p>{marker}</p>")}],
        }))
        .send()
        .await;
    healthy("create", &res);
    assert_eq!(res.status, 201, "{}", res.text());
    Outcome::Created {
        id: res.json()["id"].as_str().unwrap().to_owned(),
        marker,
    }
}

/// Reads, edits, and on 412 rebases on the version the refusal names.
async fn edit_contested(app: &TestApp, id: &str, n: usize) -> Outcome {
    let path = format!("/api/v1/articles/{id}");
    let mut version = app.get(&path).bearer(&app.admin).send().await.json()["version"]
        .as_i64()
        .unwrap();
    let mut wins = Vec::new();
    let mut refused = 0;
    for attempt in 0..3 {
        let text = format!("editor {n} take {attempt}");
        let res = app
            .patch(&path)
            .bearer(&app.admin)
            .json(json!({"version": version, "body": [{"type": "paragraph", "html": text}]}))
            .send()
            .await;
        healthy("edit", &res);
        match res.status {
            200 => {
                version = res.json()["version"].as_i64().unwrap();
                wins.push((version, text));
            }
            412 => {
                refused += 1;
                version = res.json()["current_version"].as_i64().unwrap();
            }
            other => panic!("edit: {other} {}", res.text()),
        }
    }
    Outcome::Edited { wins, refused }
}

async fn toggle(app: &TestApp, id: String) -> Outcome {
    let path = format!("/api/v1/articles/{id}");
    let mut last = None;
    for _ in 0..4 {
        let story = app.get(&path).bearer(&app.admin).send().await.json();
        let published = story["status"] == "published";
        let action = if published { "unpublish" } else { "publish" };
        let res = app
            .post(&format!("{path}/{action}"))
            .bearer(&app.admin)
            .json(json!({"version": story["version"]}))
            .send()
            .await;
        healthy(action, &res);
        match res.status {
            200 => last = Some(!published),
            412 => {}
            other => panic!("{action}: {other} {}", res.text()),
        }
    }
    // Each toggling client has a story of its own, so its last success is final.
    Outcome::Toggled { id, last }
}

async fn reorder(app: &TestApp, front: &[String], n: usize) -> Outcome {
    let mut wins = 0;
    for round in 0..3 {
        let current = app
            .get("/api/v1/collections/front/items")
            .bearer(&app.admin)
            .send()
            .await
            .json();
        let mut order = front.to_vec();
        order.rotate_left((n + round) % front.len());
        let items: Vec<Value> = order.iter().map(|id| json!({"article_id": id})).collect();
        let res = app
            .req("PUT", "/api/v1/collections/front/items")
            .bearer(&app.admin)
            .json(json!({"version": current["version"], "items": items}))
            .send()
            .await;
        healthy("reorder", &res);
        match res.status {
            200 => wins += 1,
            412 => {}
            other => panic!("reorder: {other} {}", res.text()),
        }
    }
    Outcome::Reordered { wins }
}

async fn upload(app: &TestApp, n: usize) -> Outcome {
    let bytes = two_tone_jpeg(320 + n as u32, 200);
    let res = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[("file", Some("storm.jpg"), &bytes)])
        .send()
        .await;
    healthy("upload", &res);
    assert_eq!(res.status, 201, "{}", res.text());
    Outcome::Uploaded {
        id: res.json()["id"].as_str().unwrap().to_owned(),
    }
}

/// Pages through the public list twice, start to end.
async fn read_pages(app: &TestApp) -> Outcome {
    let mut passes = Vec::new();
    for _ in 0..2 {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/articles?limit=7&formats=text&cursor={c}"),
                None => "/api/v1/articles?limit=7&formats=text".to_owned(),
            };
            let res = app.get(&path).send().await;
            healthy("read", &res);
            assert_eq!(res.status, 200, "{}", res.text());
            let page = res.json();
            for story in page["data"].as_array().unwrap() {
                ids.push(story["id"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        passes.push(ids);
    }
    Outcome::Read { passes }
}
