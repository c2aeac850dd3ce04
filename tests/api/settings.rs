//! The publication's settings: what admins set, what front ends read, and where the
//! settings show (feeds, the desk's approval rule, the logo's image).

use rss::Channel;
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    settings_start_from_the_environment_and_only_admins_see_them,
    a_settings_change_shows_in_feeds_and_public_reads_at_once,
    approval_and_the_logo_follow_the_settings,
);

async fn settings_start_from_the_environment_and_only_admins_see_them(app: TestApp) {
    let res = app.get("/api/v1/settings").bearer(&app.admin).send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    let settings = res.json();
    assert_eq!(settings["publication_name"], "Dateline");
    assert_eq!(settings["language"], "en");
    assert_eq!(settings["story_url_pattern"], "/{slug}");
    assert_eq!(settings["require_approval"], false);
    assert_eq!(settings["teaser_blocks"], json!(null));
    assert_eq!(settings["logo"], json!(null));
    assert!(settings["site_url"].as_str().unwrap().starts_with("http"));
    assert_eq!(settings["version"], 1);

    let (_, editor) = app.user("editor").await;
    app.get("/api/v1/settings")
        .bearer(&editor)
        .send()
        .await
        .problem(403);
    app.get("/api/v1/settings").send().await.problem(401);
    app.patch("/api/v1/settings")
        .bearer(&editor)
        .json(json!({"version": 1, "publication_name": "Mine now"}))
        .send()
        .await
        .problem(403);

    let public = app.get("/api/v1/settings/public").send().await;
    assert_eq!(public.status, 200);
    assert!(
        public
            .header("cache-control")
            .unwrap()
            .starts_with("public")
    );
    let public = public.json();
    assert_eq!(public["publication_name"], "Dateline");
    assert_eq!(public["site_url"], settings["site_url"]);
    assert!(public.get("require_approval").is_none());
    assert!(public.get("version").is_none());

    // Every bad field is named at once; nothing changes.
    let bad = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({
            "version": 1,
            "language": "english",
            "site_url": "ftp://example.com",
            "story_url_pattern": "/{sectoin}/{slug}",
            "teaser_blocks": 99,
            "logo": "no-such-image",
        }))
        .send()
        .await;
    bad.problem(422);
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(
        fields,
        ["language", "site_url", "story_url_pattern", "teaser_blocks"]
    );
    let missing_logo = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": 1, "logo": "no-such-image"}))
        .send()
        .await;
    missing_logo.problem(422);
    assert_eq!(missing_logo.fields(), ["logo"]);
    app.patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"publication_name": "No version"}))
        .send()
        .await
        .problem(428);
    let unchanged = app
        .get("/api/v1/settings")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(unchanged, settings);
}

async fn a_settings_change_shows_in_feeds_and_public_reads_at_once(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    let story = app
        .published_story(json!({"headline": "Harbour reopens", "section": "world"}))
        .await;
    let plain = app.get("/api/v1/settings/public").send().await;
    assert_eq!(plain.status, 200);
    let feed = app.get("/feeds/rss").send().await;
    let channel = Channel::read_from(&feed.body[..]).expect("RSS parses");
    assert_eq!(channel.title(), "Dateline: latest stories");
    let link = channel.items()[0].link().unwrap().to_owned();
    assert!(link.ends_with("/harbour-reopens"), "{link}");

    let res = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({
            "version": 1,
            "publication_name": "The Harbour Times",
            "language": "en-gb",
            "site_url": "https://www.harbour.example/",
            "story_url_pattern": "/{section}/{yyyy}/{slug}",
        }))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let changed = res.json();
    assert_eq!(changed["language"], "en-GB");
    assert_eq!(changed["site_url"], "https://www.harbour.example");
    assert_eq!(changed["version"], 2);
    // The same version again is stale.
    let stale = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": 1, "publication_name": "Lost update"}))
        .send()
        .await
        .problem(412);
    assert_eq!(stale["current_version"], 2);

    let public = app.get("/api/v1/settings/public").send().await.json();
    assert_eq!(public["publication_name"], "The Harbour Times");
    assert_eq!(public["story_url_pattern"], "/{section}/{yyyy}/{slug}");
    let feed = app.get("/feeds/rss").send().await;
    let channel = Channel::read_from(&feed.body[..]).expect("RSS parses");
    assert_eq!(channel.title(), "The Harbour Times: latest stories");
    assert_eq!(channel.language(), Some("en-GB"));
    let year = &story["published_at"].as_str().unwrap()[..4];
    assert_eq!(
        channel.items()[0].link(),
        Some(format!("https://www.harbour.example/world/{year}/harbour-reopens").as_str())
    );

    // `null` hands the site URL back to the environment.
    let reset = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": 2, "site_url": null}))
        .send()
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text());
    assert_eq!(reset.json()["site_url"], plain.json()["site_url"]);
}

async fn approval_and_the_logo_follow_the_settings(app: TestApp) {
    let (_, author) = app.user("author").await;
    let turn_on = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": 1, "require_approval": true}))
        .send()
        .await;
    assert_eq!(turn_on.status, 200, "{}", turn_on.text());
    let story = app
        .post("/api/v1/articles")
        .bearer(&author)
        .json(json!({"headline": "Council meets"}))
        .send()
        .await
        .json();
    let early = app
        .post(&format!(
            "/api/v1/articles/{}/publish",
            story["id"].as_str().unwrap()
        ))
        .bearer(&author)
        .json(json!({"version": story["version"]}))
        .send()
        .await;
    early.problem(409);
    assert_eq!(early.fields(), ["stage"]);

    let bytes = crate::fixtures::png(300, 100);
    let logo = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[
            ("file", Some("logo.png"), &bytes),
            ("alt", None, b"The Harbour Times"),
        ])
        .send()
        .await
        .json();
    let set = app
        .patch("/api/v1/settings")
        .bearer(&app.admin)
        .json(json!({"version": 2, "logo": logo["id"]}))
        .send()
        .await;
    assert_eq!(set.status, 200, "{}", set.text());
    let public = app.get("/api/v1/settings/public").send().await.json();
    assert_eq!(public["logo"]["id"], logo["id"]);
    assert_eq!(public["logo"]["width"], 300);
    assert!(public["logo"]["url"].as_str().unwrap().starts_with("http"));
    // The logo is in use: it cannot be deleted from under the publication.
    app.delete(&format!("/api/v1/images/{}", logo["id"].as_str().unwrap()))
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
}
