//! The response cache: anonymous public reads come from memory, and a write is
//! visible to the very next read, on this instance or any other.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    public_reads_name_what_a_cdn_purges_them_by,
    a_write_is_visible_to_the_next_read,
    another_instance_agrees_within_the_stated_bound,
    each_write_drops_what_it_changes_and_nothing_else,
);

async fn a_write_is_visible_to_the_next_read(app: TestApp) {
    let story = app
        .published_story(json!({"headline": "First take", "section": null}))
        .await;
    let path = format!("/api/v1/articles/{}", story["slug"].as_str().unwrap());
    let first = app.get(&path).send().await;
    assert_eq!(first.header("x-cache").as_deref(), Some("miss"));
    let second = app.get(&path).send().await;
    assert_eq!(second.header("x-cache").as_deref(), Some("hit"));
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(
        second.header("cache-control"),
        first.header("cache-control")
    );
    assert!(second.header("x-request-id").is_some());
    // Conditional requests are answered from the cache too.
    let etag = first.header("etag").unwrap();
    let conditional = app.get(&path).header("If-None-Match", &etag).send().await;
    assert_eq!(conditional.status, 304);
    assert_eq!(conditional.header("x-cache").as_deref(), Some("hit"));

    let edit = app
        .patch(&format!(
            "/api/v1/articles/{}",
            story["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": story["version"], "headline": "Second take"}))
        .send()
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    let after = app.get(&path).send().await;
    assert_eq!(after.header("x-cache").as_deref(), Some("miss"));
    assert_eq!(after.json()["headline"], "Second take");

    // Lists and collections too.
    let list = app.get("/api/v1/articles").send().await;
    assert_eq!(list.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/articles")
            .send()
            .await
            .header("x-cache")
            .as_deref(),
        Some("hit")
    );
    app.published_story(json!({"headline": "Another story", "section": null}))
        .await;
    let list = app.get("/api/v1/articles").send().await;
    assert_eq!(list.json()["data"].as_array().unwrap().len(), 2);

    // Signed-in reads and private answers never come from, or go into, the cache.
    let signed_in = app.get(&path).bearer(&app.admin).send().await;
    assert_eq!(signed_in.status, 200);
    assert!(signed_in.header("x-cache").is_none());
    let draft = app
        .create("/api/v1/articles", json!({"headline": "Secret"}))
        .await;
    let hidden = format!("/api/v1/articles/{}", draft["slug"].as_str().unwrap());
    app.get(&hidden).send().await.problem(404);
    let publish = app
        .post(&format!(
            "/api/v1/articles/{}/publish",
            draft["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": draft["version"]}))
        .send()
        .await;
    assert_eq!(publish.status, 200);
    assert_eq!(app.get(&hidden).send().await.status, 200);
}

/// How long another instance may serve what a write replaced: the documented bound
/// is about 100 ms (PostgreSQL's NOTIFY reaches a tail within milliseconds, SQLite's
/// other processes are polled every 50 ms); ten times that here, for a loaded CI box.
const OTHER_INSTANCE_BOUND: std::time::Duration = std::time::Duration::from_millis(1000);

/// Reads `path` from `app` until `done` holds, failing past the bound.
async fn until_within_bound(
    app: &TestApp,
    path: &str,
    done: impl Fn(&crate::helpers::Res) -> bool,
) {
    let started = std::time::Instant::now();
    loop {
        let res = app.get(path).send().await;
        if done(&res) {
            return;
        }
        assert!(
            started.elapsed() < OTHER_INSTANCE_BOUND,
            "{path} still {} after {:?}",
            res.status,
            started.elapsed()
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn another_instance_agrees_within_the_stated_bound(app: TestApp) {
    let other = app.another_instance().await;
    let story = app
        .published_story(json!({"headline": "Breaking", "section": null}))
        .await;
    let path = format!("/api/v1/articles/{}", story["slug"].as_str().unwrap());
    // The other instance caches the story once it has heard of the publish.
    until_within_bound(&other, &path, |r| {
        r.status == 200 && r.header("x-cache").as_deref() == Some("hit")
    })
    .await;
    assert_eq!(
        other.get("/feeds/json").send().await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The write goes to the first instance; the second drops its copy within the bound.
    let unpublish = app
        .post(&format!(
            "/api/v1/articles/{}/unpublish",
            story["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": story["version"]}))
        .send()
        .await;
    assert_eq!(unpublish.status, 200, "{}", unpublish.text());
    // The instance that took the write never shows it again.
    app.get(&path).send().await.problem(404);
    until_within_bound(&other, &path, |r| r.status == 404).await;
    until_within_bound(&other, "/feeds/json", |r| {
        r.json()["items"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
}

async fn public_reads_name_what_a_cdn_purges_them_by(app: TestApp) {
    let section = app
        .create("/api/v1/sections", json!({"name": "World"}))
        .await;
    let tag = app.create("/api/v1/tags", json!({"name": "Energy"})).await;
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Grid deal", "section": "world", "tags": ["energy"]}),
        )
        .await;
    let id = draft["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/articles/{id}/publish"))
        .bearer(&app.admin)
        .json(json!({"version": draft["version"]}))
        .send()
        .await;
    assert_eq!(res.status, 200);
    for _ in 0..2 {
        // Built, then from the cache: the keys are the same.
        let page = app.get("/api/v1/articles/grid-deal").send().await;
        let keys = page.header("surrogate-key").unwrap();
        for key in [
            format!("article:{id}"),
            format!("section:{}", section["id"].as_str().unwrap()),
            format!("tag:{}", tag["id"].as_str().unwrap()),
        ] {
            assert!(keys.split(' ').any(|k| k == key), "{key} in {keys}");
        }
        let list = app.get("/api/v1/articles").send().await;
        let keys = list.header("surrogate-key").unwrap();
        assert!(
            keys.split(' ').any(|k| k == format!("article:{id}")),
            "{keys}"
        );
    }
}

/// Reads `path` twice so the second read is a cache hit.
async fn cached(app: &TestApp, path: &str) -> crate::helpers::Res {
    let res = app.get(path).send().await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    let again = app.get(path).send().await;
    assert_eq!(again.header("x-cache").as_deref(), Some("hit"), "{path}");
    res
}

fn x_cache(res: &crate::helpers::Res) -> String {
    res.header("x-cache").unwrap_or_default()
}

async fn each_write_drops_what_it_changes_and_nothing_else(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/sections", json!({"name": "Sport"}))
        .await;
    let mut stories = Vec::new();
    for headline in ["World one", "World two"] {
        let draft = app
            .create(
                "/api/v1/articles",
                json!({"headline": headline, "section": "world"}),
            )
            .await;
        stories.push(
            app.publish(
                draft["id"].as_str().unwrap(),
                draft["version"].as_i64().unwrap(),
            )
            .await,
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sport = app
        .create(
            "/api/v1/articles",
            json!({"headline": "Cup final", "section": "sport"}),
        )
        .await;
    app.publish(
        sport["id"].as_str().unwrap(),
        sport["version"].as_i64().unwrap(),
    )
    .await;
    let (one, two) = ("/api/v1/articles/world-one", "/api/v1/articles/world-two");
    let (world, sports) = (
        "/api/v1/articles?section=world",
        "/api/v1/articles?section=sport",
    );
    let feed = "/feeds/json?section=world";
    let paths = [one, two, world, sports, feed, "/api/v1/articles/cup-final"];
    let mut etags = Vec::new();
    for path in paths {
        etags.push(cached(&app, path).await.header("etag").unwrap());
    }

    // Nothing a reader sees changes: a new draft, its saves, a login, a token
    // refresh. Every cached response stays a hit, and its ETag still answers 304.
    let draft = app
        .create(
            "/api/v1/articles",
            json!({"headline": "World three", "section": "world"}),
        )
        .await;
    let id = draft["id"].as_str().unwrap();
    let mut version = draft["version"].as_i64().unwrap();
    for n in 0..3 {
        version = app
            .edit(id, version, json!({"standfirst": format!("Draft {n}")}))
            .await["version"]
            .as_i64()
            .unwrap();
    }
    app.login(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    for (path, etag) in paths.iter().zip(&etags) {
        let res = app.get(path).send().await;
        assert_eq!(x_cache(&res), "hit", "{path} was dropped by a draft save");
        let res = app.get(path).header("If-None-Match", etag).send().await;
        assert_eq!(res.status, 304, "{path}");
    }

    // The publish enters World's list and feed and becomes World two's next; World
    // one's page and the Sport list and story do not change, and stay cached.
    app.publish(id, version).await;
    let list = app.get(world).send().await;
    assert_eq!(x_cache(&list), "miss");
    assert_eq!(list.json()["data"][0]["slug"], "world-three");
    let res = app.get(feed).send().await;
    assert_eq!(x_cache(&res), "miss");
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 3);
    let res = app.get(two).send().await;
    assert_eq!(x_cache(&res), "miss");
    assert_eq!(res.json()["next"]["slug"], "world-three");
    let res = app.get(two).header("If-None-Match", &etags[1]).send().await;
    assert_eq!(res.status, 200, "the bytes changed, so the ETag did");
    for path in [one, sports, "/api/v1/articles/cup-final"] {
        let res = app.get(path).send().await;
        assert_eq!(
            x_cache(&res),
            "hit",
            "{path} was dropped by an unrelated publish"
        );
    }
    assert_eq!(
        app.get(one).send().await.json()["next"]["slug"],
        "world-two",
        "World one's neighbours did not change"
    );
}

/// `dateline import` in another process, against a running server's SQLite file: the
/// server's cached list and its ETag give way within the bound, with no API write.
#[actix_web::test]
async fn a_cli_import_shows_on_a_running_sqlite_server_at_once() {
    use crate::process::{Server, base_env, client, scratch};
    let dir = scratch("cli-import");
    let database = format!("sqlite://{}", dir.join("dateline.db").display());
    let env = base_env(&dir, &database, &[]);
    let server = Server::start(env.clone()).await;
    let http = client();
    let list = format!("{}/api/v1/articles", server.base);
    let first = http.get(&list).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let second = http.get(&list).send().await.unwrap();
    assert_eq!(second.headers()["x-cache"], "hit");
    assert_eq!(
        serde_json::from_slice::<Value>(&second.bytes().await.unwrap()).unwrap()["data"],
        json!([]),
        "an empty newsroom"
    );

    let file = dir.join("export.xml");
    std::fs::write(&file, crate::importers::wxr("Harbour reopens after storm")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["import", "wordpress", &file.display().to_string()])
        .current_dir(&dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run dateline import");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let imported = std::time::Instant::now();
    loop {
        let res = http
            .get(&list)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            let body: Value = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap();
            assert!(
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["headline"] == "Harbour reopens after storm"),
                "{body}"
            );
            break;
        }
        assert_eq!(res.status(), 304);
        assert!(
            imported.elapsed() < OTHER_INSTANCE_BOUND,
            "the server kept serving its pre-import list"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
