//! Stories in several languages: a story's language (the publication's by default),
//! translation groups listed on every member's page, `language=` on lists, feeds and
//! the partner API; and a story's access level.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_story_takes_the_publications_language_unless_it_names_one,
    translations_list_each_other_and_refuse_a_second_version_in_one_language,
    lists_feeds_and_partners_filter_by_language,
    teasers_cut_paid_stories_for_anonymous_readers_only,
);

async fn draft(app: &TestApp, fields: Value) -> crate::helpers::Res {
    app.post("/api/v1/articles")
        .bearer(&app.admin)
        .json(fields)
        .send()
        .await
}

async fn a_story_takes_the_publications_language_unless_it_names_one(app: TestApp) {
    let plain = draft(&app, json!({"headline": "Harbour reopens"}))
        .await
        .json();
    assert_eq!(plain["language"], "en");
    assert_eq!(plain["access"], "public");
    assert_eq!(plain["translation_of"], json!(null));

    let res = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": 1, "language": "fr"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let french = draft(&app, json!({"headline": "Le port rouvre"}))
        .await
        .json();
    assert_eq!(french["language"], "fr");
    let brazilian = draft(
        &app,
        json!({"headline": "Porto reabre", "language": "pt-br", "access": "paid"}),
    )
    .await;
    assert_eq!(brazilian.status, 201, "{}", brazilian.text());
    let brazilian = brazilian.json();
    assert_eq!(brazilian["language"], "pt-BR");
    assert_eq!(brazilian["access"], "paid");

    let bad = draft(&app, json!({"headline": "Bad", "language": "portuguese"})).await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["language"]);
    let bad = draft(&app, json!({"headline": "Bad", "access": "vip"})).await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["access"]);

    // The language and access level survive an edit that does not name them.
    let edited = app
        .edit(
            brazilian["id"].as_str().unwrap(),
            1,
            json!({"headline": "Porto reabre amanhã"}),
        )
        .await;
    assert_eq!(edited["language"], "pt-BR");
    assert_eq!(edited["access"], "paid");
}

async fn translations_list_each_other_and_refuse_a_second_version_in_one_language(app: TestApp) {
    let original = app
        .published_story(json!({"headline": "Harbour reopens"}))
        .await;
    let page = app.get("/api/v1/articles/harbour-reopens").send().await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json()["translations"], json!([]));

    let spanish = draft(
        &app,
        json!({"headline": "Reabre el puerto", "language": "es", "translation_of": "harbour-reopens"}),
    )
    .await;
    assert_eq!(spanish.status, 201, "{}", spanish.text());
    let spanish = spanish.json();
    assert_eq!(spanish["translation_of"], original["id"]);
    // A draft translation is not shown to the public.
    let page = app
        .get("/api/v1/articles/harbour-reopens")
        .send()
        .await
        .json();
    assert_eq!(page["translations"], json!([]));
    app.publish_story(&spanish, json!({})).await;

    // The original's page (read, and so cached, before) lists it at once.
    let page = app
        .get("/api/v1/articles/harbour-reopens")
        .send()
        .await
        .json();
    assert_eq!(
        page["translations"],
        json!([{"id": spanish["id"], "slug": "reabre-el-puerto", "language": "es", "headline": "Reabre el puerto"}])
    );
    // A translation of the translation joins the original's group.
    let french = draft(
        &app,
        json!({"headline": "Le port rouvre", "language": "fr", "translation_of": spanish["id"]}),
    )
    .await
    .json();
    assert_eq!(french["translation_of"], original["id"]);
    app.publish_story(&french, json!({})).await;
    let page = app
        .get("/api/v1/articles/reabre-el-puerto")
        .send()
        .await
        .json();
    let languages: Vec<&str> = page["translations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["language"].as_str().unwrap())
        .collect();
    assert_eq!(languages, ["en", "fr"]);

    // One version per language, and no circles.
    let twice = draft(
        &app,
        json!({"headline": "Otra versión", "language": "es", "translation_of": original["id"]}),
    )
    .await;
    let problem = twice.problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("reabre-el-puerto"),
        "{problem}"
    );
    assert_eq!(twice.fields(), ["language"]);
    let current = app
        .get(&format!(
            "/api/v1/articles/{}",
            original["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let circle = app
        .patch(&format!(
            "/api/v1/articles/{}",
            original["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": current["version"], "translation_of": spanish["id"]}))
        .send()
        .await;
    circle.problem(422);
    assert_eq!(circle.fields(), ["translation_of"]);
    let missing = draft(
        &app,
        json!({"headline": "Lost", "translation_of": "no-such-story"}),
    )
    .await;
    missing.problem(422);
    assert_eq!(missing.fields(), ["translation_of"]);

    // Leaving the group takes it off the others' pages.
    let french_now = app
        .get(&format!(
            "/api/v1/articles/{}",
            french["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let left = app
        .edit(
            french["id"].as_str().unwrap(),
            french_now["version"].as_i64().unwrap(),
            json!({"translation_of": null}),
        )
        .await;
    assert_eq!(left["translation_of"], json!(null));
    let page = app
        .get("/api/v1/articles/harbour-reopens")
        .send()
        .await
        .json();
    assert_eq!(page["translations"].as_array().unwrap().len(), 1);
}

async fn lists_feeds_and_partners_filter_by_language(app: TestApp) {
    app.published_story(json!({"headline": "Harbour reopens"}))
        .await;
    app.published_story(json!({"headline": "Reabre el puerto", "language": "es"}))
        .await;
    app.published_story(json!({"headline": "Le port rouvre", "language": "fr"}))
        .await;

    let all = app.get("/api/v1/articles").send().await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    let spanish = app.get("/api/v1/articles?language=es").send().await.json();
    let headlines: Vec<&str> = spanish["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["headline"].as_str().unwrap())
        .collect();
    assert_eq!(headlines, ["Reabre el puerto"]);
    let bad = app.get("/api/v1/articles?language=spanish").send().await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["language"]);

    let feed = app.get("/feeds/rss?language=fr").send().await;
    assert_eq!(feed.status, 200);
    let channel = rss::Channel::read_from(&feed.body[..]).expect("RSS parses");
    assert_eq!(channel.language(), Some("fr"));
    let titles: Vec<&str> = channel.items().iter().filter_map(|i| i.title()).collect();
    assert_eq!(titles, ["Le port rouvre"]);

    let key = app
        .create(
            "/api/v1/api-keys",
            json!({"name": "partner", "scopes": ["syndication:read"]}),
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let items = app
        .get("/api/v1/syndication/items?language=es")
        .bearer(&key)
        .send()
        .await;
    assert_eq!(items.status, 200, "{}", items.text());
    let items = items.json();
    let docs = items["data"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["language"], "es");
    // PostgreSQL searches each story in its own language: Spanish stemming finds
    // "canciones" from "canción" (SQLite's FTS5 matches words as written).
    app.published_story(json!({"headline": "Las canciones del puerto", "language": "es"}))
        .await;
    if app.state.db.backend() == dateline::store::Backend::Postgres {
        for query in [
            "/api/v1/articles?q=canci%C3%B3n",
            "/api/v1/articles?q=canci%C3%B3n&language=es",
        ] {
            let found = app.get(query).send().await.json();
            assert_eq!(
                found["data"][0]["headline"], "Las canciones del puerto",
                "{query}: {found}"
            );
        }
        let english = app.get("/api/v1/articles?q=reopening").send().await.json();
        assert_eq!(english["data"][0]["headline"], "Harbour reopens");
    }
}

async fn teasers_cut_paid_stories_for_anonymous_readers_only(app: TestApp) {
    let paragraphs = |name: &str| -> Value {
        (1..=4)
            .map(|i| json!({"type": "paragraph", "html": format!("{name} paragraph {i}.")}))
            .collect()
    };
    let paid = app
        .published_story(json!({"headline": "Inside the budget", "slug": "inside-the-budget", "access": "paid", "body": paragraphs("Paid")}))
        .await;
    app.published_story(
        json!({"headline": "Budget passes", "slug": "budget-passes", "body": paragraphs("Free")}),
    )
    .await;
    let blocks = |story: &Value| story["body"].as_array().map_or(0, Vec::len);

    // Off by default: the whole story, the front end enforces the wall.
    let whole = app
        .get("/api/v1/articles/inside-the-budget")
        .send()
        .await
        .json();
    assert_eq!((blocks(&whole), whole["teaser"].clone()), (4, json!(false)));

    let settings = app
        .get("/api/v1/settings")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let res = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": settings["version"], "teaser_blocks": 2}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());

    // Anonymous readers get the standfirst and two blocks, built or stored alike.
    for round in ["built", "stored"] {
        if round == "stored" {
            // A settings write empties the response cache (the next read is a miss) and
            // drops every render; render them again, as the background worker would.
            let now = app
                .get("/api/v1/settings")
                .bearer(&app.admin)
                .send()
                .await
                .json();
            app.patch("/api/v1/settings")
                .bearer(&app.admin)
                .json(json!({"version": now["version"], "publication_name": "The Ledger"}))
                .send()
                .await;
            actix_web::rt::task::spawn_blocking({
                let state = app.state.clone();
                move || {
                    dateline::content::articles::renders::render_all(
                        &state.db,
                        state.renders.generation(),
                        &state.media,
                    )
                }
            })
            .await
            .unwrap()
            .unwrap();
        }
        let res = app.get("/api/v1/articles/inside-the-budget").send().await;
        let teaser = res.json();
        assert_eq!(blocks(&teaser), 2, "{round}: {teaser}");
        assert_eq!(teaser["teaser"], true, "{round}");
        let html = teaser["body_html"].as_str().unwrap();
        assert!(
            html.contains("Paid paragraph 2.") && !html.contains("Paid paragraph 3."),
            "{round}: {html}"
        );
        if round == "stored" {
            assert_eq!(res.header("x-dateline-render").as_deref(), Some("stored"));
        }
    }
    let text = app
        .get("/api/v1/articles/inside-the-budget?formats=text")
        .send()
        .await
        .json();
    assert!(!text["body_text"].as_str().unwrap().contains("paragraph 4"));
    // A free story is whole; so is the paid one for a reader with credentials.
    let free = app
        .get("/api/v1/articles/budget-passes")
        .send()
        .await
        .json();
    assert_eq!((blocks(&free), free["teaser"].clone()), (4, json!(false)));
    let desk = app
        .get("/api/v1/articles/inside-the-budget")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!((blocks(&desk), desk["teaser"].clone()), (4, json!(false)));

    // Lists and feeds: teasers for the public, whole stories with credentials.
    let find = |list: &Value| -> Value {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == paid["id"])
            .cloned()
            .expect("the paid story is listed")
    };
    let listed = find(&app.get("/api/v1/articles").send().await.json());
    assert_eq!(
        (blocks(&listed), listed["teaser"].clone()),
        (2, json!(true))
    );
    let searched = find(&app.get("/api/v1/articles?q=budget").send().await.json());
    assert_eq!(searched["teaser"], true);
    let listed = find(
        &app.get("/api/v1/articles")
            .bearer(&app.admin)
            .send()
            .await
            .json(),
    );
    assert_eq!(
        (blocks(&listed), listed["teaser"].clone()),
        (4, json!(false))
    );
    let rss = app.get("/feeds/rss").send().await.text();
    assert!(rss.contains("Paid paragraph 2.") && !rss.contains("Paid paragraph 3."));
    assert!(rss.contains("Free paragraph 4."));

    // Off again: the whole story, at once (the change empties the caches).
    let now = app
        .get("/api/v1/settings")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    app.patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": now["version"], "teaser_blocks": null}))
        .send()
        .await;
    let whole = app
        .get("/api/v1/articles/inside-the-budget")
        .send()
        .await
        .json();
    assert_eq!((blocks(&whole), whole["teaser"].clone()), (4, json!(false)));
}
