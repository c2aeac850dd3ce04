//! Articles: drafting, rendering, workflow, visibility, editing safety and lists.

use serde_json::{Value, json};

use crate::both_backends;
use crate::fixtures::png;
use crate::helpers::TestApp;
use crate::types::{Listed, Page, Story, typed};

both_backends!(
    a_draft_is_rendered_once_sanitised_and_kept_private,
    bad_blocks_and_dangling_references_name_their_place,
    publishing_shows_a_story_and_unpublishing_hides_it,
    scheduled_and_embargoed_stories_appear_by_themselves,
    roles_decide_who_edits_and_publishes,
    two_editors_saving_one_version_cannot_lose_text,
    a_changed_slug_redirects_and_the_trash_hides_a_story,
    lists_filter_page_and_count,
    urls_are_parsed_and_kept_in_normal_form,
);

async fn image(app: &TestApp, caption: &str) -> Value {
    let bytes = png(80 + caption.len() as u32, 60);
    let res = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[
            ("file", Some("p.png"), &bytes),
            ("caption", None, caption.as_bytes()),
            ("credit", None, b"@POTUS"),
        ])
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn draft(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .post("/api/v1/articles")
        .bearer(token)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn a_draft_is_rendered_once_sanitised_and_kept_private(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "Top News"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Russia"})).await;
    app.create("/api/v1/authors", json!({"name": "Desk Reporter"}))
        .await;
    let photo = image(&app, "The president at the summit").await;
    let other = draft(
        &app,
        &app.admin,
        json!({"headline": "Talks invited by video"}),
    )
    .await;

    let created = draft(
        &app,
        &app.admin,
        json!({
            "headline": "Kremlin ‘prepared for the worst’ over ties",
            "standfirst": "Relations deteriorate, reports Our Wire",
            "source": "Our Wire",
            "section": "top-news",
            "tags": ["russia"],
            "authors": ["desk-reporter"],
            "featured_image": photo["id"],
            "body": [
                {"type": "paragraph", "html": "The Kremlin <strong>hoped</strong> for the best<script>alert(1)</script> <a href=\"javascript:alert(2)\">x</a> <a href=\"https://example.com\" onmouseover=\"x()\">source</a><img src=x onerror=alert(3)>"},
                {"type": "related", "article_id": other["id"], "label": "Also Read"},
                {"type": "image", "image_id": photo["id"]},
                {"type": "heading", "level": 2, "text": "What <next>?"},
                {"type": "quote", "text": "We are ready", "attribution": "A spokesman"},
                {"type": "list", "ordered": false, "items": ["one", "two"]},
                {"type": "embed", "url": "https://x.com/status/1", "provider": "x"}
            ]
        }),
    )
    .await;
    let article: Story = typed(&created);
    assert_eq!(article.slug, "kremlin-prepared-for-the-worst-over-ties");
    assert_eq!(article.status, "draft");
    assert_eq!(article.version, 1);
    assert_eq!(article.section.as_ref().unwrap().slug, "top-news");
    assert_eq!(article.tags[0].slug, "russia");
    assert_eq!(article.authors[0].name, "Desk Reporter");
    let featured = article.featured_image.as_ref().unwrap();
    assert_eq!(featured.caption, "The president at the summit");
    assert_eq!(featured.id, photo["id"].as_str().unwrap());
    assert_eq!(article.reading_time_minutes, 1);
    assert!(article.word_count > 10);
    let html = article.body_html.as_deref().unwrap();
    for bad in [
        "<script",
        "javascript:",
        "onmouseover",
        "onerror",
        "<img src=\"x\"",
    ] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(
        html.contains(r#"<a href="https://example.com" rel="noopener noreferrer">source</a>"#),
        "{html}"
    );
    // The linked story is still a draft: the reader sees an inert tombstone.
    assert!(
        html.contains(r#"<aside class="related related-unavailable">Also Read</aside>"#),
        "{html}"
    );
    let body = article.body.as_ref().unwrap();
    assert_eq!(body[1]["target"], json!({"available": false}));
    assert!(
        html.contains("The president at the summit <span class=\"credit\">@POTUS</span>"),
        "{html}"
    );
    assert!(html.contains("<h2>What &lt;next&gt;?</h2>"), "{html}");
    let sanitised = &body[0]["html"];
    assert!(
        !sanitised.as_str().unwrap().contains("script"),
        "stored blocks are sanitised too"
    );

    let path = format!("/api/v1/articles/{}", article.slug);
    app.get(&path).send().await.problem(404);
    let mine = app.get(&path).bearer(&app.admin).send().await;
    assert_eq!(mine.status, 200);
    assert_eq!(
        mine.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    let text: Story = app
        .get(&format!("{path}?formats=text"))
        .bearer(&app.admin)
        .send()
        .await
        .typed();
    assert!(text.body.is_none() && text.body_html.is_none());
    let plain = text.body_text.unwrap();
    assert!(
        plain.starts_with("The Kremlin hoped for the best"),
        "{plain}"
    );
    // An empty list asks for no body at all (a front end's list of headlines).
    let bare = app
        .get(&format!("{path}?formats="))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(bare.status, 200, "{}", bare.text());
    let bare: Story = bare.typed();
    assert!(bare.body.is_none() && bare.body_html.is_none() && bare.body_text.is_none());
    app.get(&format!("{path}?formats=pdf"))
        .bearer(&app.admin)
        .send()
        .await
        .problem(422);
    let public = app.get("/api/v1/articles").send().await.json();
    assert_eq!(public["data"], json!([]));

    // Once the linked story is published, the same read shows a live link.
    app.publish_story(&other, json!({})).await;
    let linked = app.get(&path).bearer(&app.admin).send().await.json();
    let html = linked["body_html"].as_str().unwrap();
    assert!(
        html.contains(
            r#"Also Read – <a href="/talks-invited-by-video">Talks invited by video</a>"#
        ),
        "{html}"
    );
    assert_eq!(
        linked["body"][1]["target"]["headline"],
        "Talks invited by video"
    );
    assert_eq!(linked["body"][1]["article_id"], other["id"]);

    // Re-captioning the photo changes the stored HTML, and so the ETag.
    let etag = app
        .get(&path)
        .bearer(&app.admin)
        .send()
        .await
        .header("etag")
        .unwrap();
    let photo_path = format!("/api/v1/images/{}", photo["id"].as_str().unwrap());
    let recaptioned = app
        .patch(&photo_path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "caption": "Leaders at the summit"}))
        .send()
        .await;
    assert_eq!(recaptioned.status, 200, "{}", recaptioned.text());
    let after = app.get(&path).bearer(&app.admin).send().await;
    assert_ne!(after.header("etag").unwrap(), etag);
    assert!(
        after.json()["body_html"]
            .as_str()
            .unwrap()
            .contains("Leaders at the summit <span class=\"credit\">@POTUS</span>")
    );

    // The image is in use now: deleting it is refused.
    app.delete(&photo_path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
}

async fn bad_blocks_and_dangling_references_name_their_place(app: TestApp) {
    let cases = [
        (
            json!([{"type": "paragraph", "html": "ok"}, {"type": "video", "src": "x"}]),
            "body[1]",
        ),
        (
            json!([{"type": "image", "image_id": "no-such-image"}]),
            "body[0].image_id",
        ),
        (
            json!([{"type": "paragraph", "html": "ok"}, {"type": "related", "article_id": "nope"}]),
            "body[1].article_id",
        ),
        (
            json!([{"type": "heading", "level": 7, "text": "x"}]),
            "body[0].level",
        ),
        (
            json!([{"type": "embed", "url": "javascript:alert(1)"}]),
            "body[0].url",
        ),
        (
            json!([{"type": "list", "ordered": true, "items": []}]),
            "body[0].items",
        ),
    ];
    for (body, field) in cases {
        let res = app
            .post("/api/v1/articles")
            .bearer(&app.admin)
            .json(json!({"headline": "H", "body": body}))
            .send()
            .await;
        res.problem(422);
        let fields = res.fields();
        assert!(
            fields.iter().any(|f| f.starts_with(field)),
            "{field}: {fields:?}"
        );
    }
    let refs = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(
            json!({"headline": "H", "section": "nowhere", "tags": ["nope"], "authors": ["nobody"]}),
        )
        .send()
        .await;
    refs.problem(422);
    assert_eq!(refs.fields(), ["section", "tags[0]", "authors[0]"]);
    app.post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": " "}))
        .send()
        .await
        .problem(422);
}

async fn publishing_shows_a_story_and_unpublishing_hides_it(app: TestApp) {
    let article = draft(
        &app,
        &app.admin,
        json!({"headline": "Markets rally", "standfirst": "Stocks up"}),
    )
    .await;
    let published = app.publish_story(&article, json!({})).await;
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string());

    let public = app.get("/api/v1/articles/markets-rally").send().await;
    assert_eq!(public.status, 200);
    assert_eq!(
        public.header("cache-control").as_deref(),
        Some("public, max-age=60, stale-while-revalidate=300, stale-if-error=86400")
    );
    assert!(
        public
            .header("surrogate-key")
            .unwrap()
            .contains(published["id"].as_str().unwrap())
    );
    let list = app.get("/api/v1/articles").send().await.json();
    assert_eq!(list["data"][0]["slug"], "markets-rally");

    // A correction is appended with its time and shown publicly.
    let corrected = app
        .patch("/api/v1/articles/markets-rally")
        .bearer(&app.admin)
        .json(json!({"version": published["version"], "append_correction": "An earlier version misstated the index."}))
        .send()
        .await;
    assert_eq!(corrected.status, 200, "{}", corrected.text());
    let corrected = corrected.json();
    let public = app
        .get("/api/v1/articles/markets-rally")
        .send()
        .await
        .json();
    assert_eq!(
        public["corrections"][0]["text"],
        "An earlier version misstated the index."
    );

    let path = format!(
        "/api/v1/articles/{}/unpublish",
        article["id"].as_str().unwrap()
    );
    let res = app
        .post(&path)
        .bearer(&app.admin)
        .json(json!({"version": corrected["version"]}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["status"], "draft");
    app.get("/api/v1/articles/markets-rally")
        .send()
        .await
        .problem(404);
    assert_eq!(
        app.get("/api/v1/articles").send().await.json()["data"],
        json!([])
    );
}

async fn scheduled_and_embargoed_stories_appear_by_themselves(app: TestApp) {
    let soon = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(1500)).to_rfc3339();
    let scheduled = draft(&app, &app.admin, json!({"headline": "Morning briefing"})).await;
    let scheduled = app
        .publish_story(&scheduled, json!({"publish_at": soon}))
        .await;
    assert_eq!(scheduled["status"], "scheduled");
    let embargoed = draft(
        &app,
        &app.admin,
        json!({"headline": "Results under embargo", "embargo_until": soon}),
    )
    .await;
    let embargoed = app.publish_story(&embargoed, json!({})).await;
    assert_eq!(embargoed["status"], "published");

    for slug in ["morning-briefing", "results-under-embargo"] {
        app.get(&format!("/api/v1/articles/{slug}"))
            .send()
            .await
            .problem(404);
        let insider = app
            .get(&format!("/api/v1/articles/{slug}"))
            .bearer(&app.admin)
            .send()
            .await;
        assert_eq!(insider.status, 200, "editors see it before the public");
    }
    assert_eq!(
        app.get("/api/v1/articles").send().await.json()["data"],
        json!([])
    );

    std::thread::sleep(std::time::Duration::from_millis(1700));
    for slug in ["morning-briefing", "results-under-embargo"] {
        assert_eq!(
            app.get(&format!("/api/v1/articles/{slug}"))
                .send()
                .await
                .status,
            200,
            "{slug}"
        );
    }
    assert_eq!(
        app.get("/api/v1/articles").send().await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Times outside 1970-9999 are refused (SQLite compares times as text: year 10000
    // would sort before today and lift an embargo at once).
    let far = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": "Far off", "embargo_until": "0001-01-01T00:00:00Z"}))
        .send()
        .await;
    far.problem(422);
    assert_eq!(far.fields(), ["embargo_until"]);
    let story = draft(&app, &app.admin, json!({"headline": "Odd schedule"})).await;
    let odd = app
        .post(&format!(
            "/api/v1/articles/{}/publish",
            story["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": story["version"], "publish_at": "0100-01-01T00:00:00Z"}))
        .send()
        .await;
    odd.problem(422);
    assert_eq!(odd.fields(), ["publish_at"]);
}

async fn roles_decide_who_edits_and_publishes(app: TestApp) {
    let (_, contributor) = app.user("contributor").await;
    let (_, author) = app.user("author").await;
    let (_, editor) = app.user("editor").await;
    let theirs = draft(&app, &contributor, json!({"headline": "Contributor draft"})).await;
    let path =
        |a: &Value, suffix: &str| format!("/api/v1/articles/{}{suffix}", a["id"].as_str().unwrap());

    let edit = app
        .patch(&path(&theirs, ""))
        .bearer(&contributor)
        .json(json!({"version": 1, "standfirst": "Mine"}))
        .send()
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    app.post(&path(&theirs, "/publish"))
        .bearer(&contributor)
        .json(json!({"version": 2}))
        .send()
        .await
        .problem(403);
    app.patch(&path(&theirs, ""))
        .bearer(&author)
        .json(json!({"version": 2, "standfirst": "Not yours"}))
        .send()
        .await
        .problem(403);

    let own = draft(&app, &author, json!({"headline": "Author story"})).await;
    let published = app
        .post(&path(&own, "/publish"))
        .bearer(&author)
        .json(json!({"version": 1}))
        .send()
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    app.post(&path(&theirs, "/publish"))
        .bearer(&author)
        .json(json!({"version": 2}))
        .send()
        .await
        .problem(403);

    let by_editor = app
        .post(&path(&theirs, "/publish"))
        .bearer(&editor)
        .json(json!({"version": 2}))
        .send()
        .await;
    assert_eq!(by_editor.status, 200, "{}", by_editor.text());
    // Once published, the contributor can no longer change it.
    app.patch(&path(&theirs, ""))
        .bearer(&contributor)
        .json(json!({"version": 3, "standfirst": "Late"}))
        .send()
        .await
        .problem(403);
    app.post("/api/v1/articles")
        .json(json!({"headline": "Anon"}))
        .send()
        .await
        .problem(401);
    app.get("/api/v1/articles?status=draft")
        .send()
        .await
        .problem(403);
    let drafts = app
        .get("/api/v1/articles?status=draft")
        .bearer(&contributor)
        .send()
        .await
        .json();
    assert_eq!(drafts["data"], json!([]));
}

async fn two_editors_saving_one_version_cannot_lose_text(app: TestApp) {
    let article = draft(&app, &app.admin, json!({"headline": "Contested story"})).await;
    let path = format!("/api/v1/articles/{}", article["id"].as_str().unwrap());
    let saves = (0..6).map(|i| {
        app.patch(&path)
            .bearer(&app.admin)
            .json(json!({"version": 1, "body": [{"type": "paragraph", "html": format!("Version {i} of the text")}]}))
            .send()
    });
    let results = futures_util::future::join_all(saves).await;
    let winners: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for loser in results.iter().filter(|r| r.status != 200) {
        assert_eq!(loser.problem(412)["current_version"], 2);
    }
    let stored = app.get(&path).bearer(&app.admin).send().await.json();
    assert_eq!(stored["body_html"], winners[0].json()["body_html"]);
}

async fn a_changed_slug_redirects_and_the_trash_hides_a_story(app: TestApp) {
    let article = draft(&app, &app.admin, json!({"headline": "First title"})).await;
    let article = app.publish_story(&article, json!({})).await;
    let renamed = app
        .patch("/api/v1/articles/first-title")
        .bearer(&app.admin)
        .json(json!({"version": article["version"], "slug": "better-title", "headline": "Better title"}))
        .send()
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let old = app
        .get("/api/v1/articles/first-title?formats=html")
        .send()
        .await;
    assert_eq!(old.status, 301);
    assert_eq!(
        old.header("location").as_deref(),
        Some("/api/v1/articles/better-title?formats=html")
    );
    // The partner form of the read takes the same way to the story.
    let old_ninjs = app
        .get("/api/v1/articles/first-title?format=ninjs")
        .send()
        .await;
    assert_eq!(old_ninjs.status, 301);
    assert_eq!(
        old_ninjs.header("location").as_deref(),
        Some("/api/v1/articles/better-title?format=ninjs")
    );
    // The old slug stays reserved for the redirect.
    let taken = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": "x", "slug": "first-title"}))
        .send()
        .await;
    taken.problem(409);

    let trashed = app
        .delete("/api/v1/articles/better-title")
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(trashed.status, 204);
    app.get("/api/v1/articles/better-title")
        .send()
        .await
        .problem(404);
    app.get("/api/v1/articles/better-title")
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
    app.get("/api/v1/articles/first-title")
        .send()
        .await
        .problem(404);
}

async fn lists_filter_page_and_count(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "world"}),
    )
    .await;
    app.create("/api/v1/sections", json!({"name": "Sport"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Climate"})).await;
    app.create("/api/v1/authors", json!({"name": "Ana Ruiz"}))
        .await;
    for (headline, section, tags) in [
        ("Paris heat", "europe", json!(["climate"])),
        ("World summit", "world", json!([])),
        ("Cup final", "sport", json!([])),
        ("Berlin floods", "europe", json!(["climate"])),
        ("Rome votes", "europe", json!([])),
    ] {
        let article = draft(&app, &app.admin, json!({"headline": headline, "section": section, "tags": tags, "authors": ["ana-ruiz"]})).await;
        app.publish_story(&article, json!({})).await;
    }
    draft(
        &app,
        &app.admin,
        json!({"headline": "Unpublished Europe draft", "section": "europe", "tags": ["climate"]}),
    )
    .await;

    let slugs = |v: Value| -> Vec<String> {
        let page: Page<Listed> = typed(&v);
        page.data.into_iter().map(|a| a.slug).collect()
    };
    let world = slugs(
        app.get("/api/v1/articles?section=world")
            .send()
            .await
            .json(),
    );
    assert_eq!(
        world,
        ["rome-votes", "berlin-floods", "world-summit", "paris-heat"],
        "newest first, subsections included"
    );
    assert_eq!(
        slugs(app.get("/api/v1/articles?tag=climate").send().await.json()),
        ["berlin-floods", "paris-heat"]
    );
    assert_eq!(
        slugs(
            app.get("/api/v1/articles?author=ana-ruiz&limit=100")
                .send()
                .await
                .json()
        )
        .len(),
        5
    );
    app.get("/api/v1/articles?tag=nope")
        .send()
        .await
        .problem(422);

    let mut seen = Vec::new();
    let mut path = Some("/api/v1/articles?limit=2".to_owned());
    while let Some(p) = path {
        let res = app.get(&p).send().await;
        seen.extend(slugs(res.json()));
        path = res.header("link").map(|l| {
            let url = l
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_owned();
            url[url.find("/api/").unwrap()..].to_owned()
        });
    }
    assert_eq!(
        seen,
        [
            "rome-votes",
            "berlin-floods",
            "cup-final",
            "world-summit",
            "paris-heat"
        ]
    );

    let drafts = slugs(
        app.get("/api/v1/articles?status=draft")
            .bearer(&app.admin)
            .send()
            .await
            .json(),
    );
    assert_eq!(drafts, ["unpublished-europe-draft"]);

    // Counts are of published stories only.
    assert_eq!(
        app.get("/api/v1/tags/climate").send().await.json()["article_count"],
        2
    );
    assert_eq!(
        app.get("/api/v1/authors/ana-ruiz").send().await.json()["article_count"],
        5
    );
    assert_eq!(
        app.get("/api/v1/sections/europe").send().await.json()["article_count"],
        3
    );
    let tree = app.get("/api/v1/sections").send().await.json();
    let sport = tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slug"] == "sport")
        .unwrap()
        .clone();
    assert_eq!(sport["article_count"], 1);
    assert_eq!(
        app.get("/api/v1/tags").send().await.json()["data"][0]["article_count"],
        2
    );
}

both_backends!(
    revisions_record_every_change_and_restore_as_a_new_one,
    trash_restore_backlinks_and_neighbours,
    a_preview_link_opens_one_draft_without_a_login,
    the_scheduler_flips_due_stories_once,
);

async fn revisions_record_every_change_and_restore_as_a_new_one(app: TestApp) {
    let article = draft(&app, &app.admin, json!({"headline": "Original headline", "body": [{"type": "paragraph", "html": "First text"}]})).await;
    let path = format!("/api/v1/articles/{}", article["id"].as_str().unwrap());
    let edited = app
        .patch(&path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "headline": "Edited headline", "body": [{"type": "paragraph", "html": "Second text"}]}))
        .send()
        .await
        .json();
    app.publish_story(&edited, json!({})).await;

    let history = app
        .get(&format!("{path}/revisions"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["publish", "update", "create"]);
    let me = app.get("/api/v1/me").bearer(&app.admin).send().await.json();
    assert_eq!(history[0]["created_by"], me["id"]);

    let first = app
        .get(&format!("{path}/revisions/1"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(first["article"]["headline"], "Original headline");
    assert!(
        first["article"]["body_html"]
            .as_str()
            .unwrap()
            .contains("First text")
    );
    app.get(&format!("{path}/revisions/99"))
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
    app.get(&format!("{path}/revisions"))
        .send()
        .await
        .problem(401);

    let restored = app
        .post(&format!("{path}/revisions/1/restore"))
        .bearer(&app.admin)
        .json(json!({"version": 3}))
        .send()
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    let restored = restored.json();
    assert_eq!(restored["headline"], "Original headline");
    assert_eq!(
        restored["status"], "published",
        "restoring content keeps the state"
    );
    assert_eq!(restored["version"], 4);
    let history = app
        .get(&format!("{path}/revisions"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(history[0]["action"], "restore 1");
    assert_eq!(history.as_array().unwrap().len(), 4);
    app.post(&format!("{path}/revisions/1/restore"))
        .bearer(&app.admin)
        .json(json!({"version": 3}))
        .send()
        .await
        .problem(412);
}

async fn trash_restore_backlinks_and_neighbours(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/tags", json!({"name": "Diplomacy"}))
        .await;
    let mut made = Vec::new();
    for headline in [
        "First world story",
        "Second world story",
        "Third world story",
    ] {
        let a = draft(
            &app,
            &app.admin,
            json!({"headline": headline, "section": "world", "tags": ["diplomacy"]}),
        )
        .await;
        made.push(app.publish_story(&a, json!({})).await);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let linker = draft(
        &app,
        &app.admin,
        json!({"headline": "Linker", "body": [{"type": "related", "article_id": made[0]["id"]}]}),
    )
    .await;

    let middle = app
        .get("/api/v1/articles/second-world-story")
        .send()
        .await
        .json();
    assert_eq!(middle["previous"]["slug"], "first-world-story");
    assert_eq!(middle["next"]["slug"], "third-world-story");
    let related: Vec<&str> = middle["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        related,
        ["third-world-story", "first-world-story"],
        "shared tags, newest first, never itself"
    );
    let last = app
        .get("/api/v1/articles/third-world-story")
        .send()
        .await
        .json();
    assert_eq!(last["next"], Value::Null);

    let backlinks = app
        .get("/api/v1/articles/first-world-story/backlinks")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(backlinks[0]["id"], linker["id"]);

    assert_eq!(
        app.delete("/api/v1/articles/second-world-story")
            .bearer(&app.admin)
            .send()
            .await
            .status,
        204
    );
    let first = app
        .get("/api/v1/articles/first-world-story")
        .send()
        .await
        .json();
    assert_eq!(
        first["next"]["slug"], "third-world-story",
        "the trash leaves no gap"
    );
    let (_, author) = app.user("author").await;
    app.post("/api/v1/articles/second-world-story/untrash")
        .bearer(&author)
        .send()
        .await
        .problem(403);
    let back = app
        .post("/api/v1/articles/second-world-story/untrash")
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(back.status, 200, "{}", back.text());
    assert_eq!(
        app.get("/api/v1/articles/second-world-story")
            .send()
            .await
            .status,
        200
    );
    // Out of the trash already: nothing to take out (409), unlike a story that does
    // not exist at all (404).
    app.post("/api/v1/articles/second-world-story/untrash")
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    app.post("/api/v1/articles/no-such-story/untrash")
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
}

async fn a_preview_link_opens_one_draft_without_a_login(app: TestApp) {
    let secret = draft(&app, &app.admin, json!({"headline": "Embargoed scoop"})).await;
    let res = app
        .post(&format!(
            "/api/v1/articles/{}/preview",
            secret["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let preview = res.json();
    let opened = app.get(preview["path"].as_str().unwrap()).send().await;
    assert_eq!(opened.status, 200);
    assert_eq!(opened.json()["headline"], "Embargoed scoop");
    assert_eq!(
        opened.header("cache-control").as_deref(),
        Some("private, no-store")
    );

    let token = preview["token"].as_str().unwrap();
    let last = if token.ends_with('x') { 'y' } else { 'x' };
    let tampered = format!("{}{last}", &token[..token.len() - 1]);
    app.get(&format!("/api/v1/preview/{tampered}"))
        .send()
        .await
        .problem(404);
    // A preview token is not an access token, nor the other way round.
    app.get("/api/v1/me")
        .bearer(token)
        .send()
        .await
        .problem(401);
    app.get(&format!("/api/v1/preview/{}", app.admin))
        .send()
        .await
        .problem(404);

    // The issuer chooses the lifetime; the story lists its links (never their tokens).
    let id = secret["id"].as_str().unwrap();
    let links = format!("/api/v1/articles/{id}/previews");
    let (editor_id, editor) = app.user("editor").await;
    let short = app
        .post(&format!("/api/v1/articles/{id}/preview"))
        .bearer(&editor)
        .json(json!({"expires_in_hours": 2}))
        .send()
        .await;
    assert_eq!(short.status, 201, "{}", short.text());
    let short = short.json();
    let lives = chrono::DateTime::parse_from_rfc3339(short["expires_at"].as_str().unwrap())
        .unwrap()
        .signed_duration_since(chrono::Utc::now());
    assert!(
        lives > chrono::TimeDelta::minutes(119) && lives <= chrono::TimeDelta::hours(2),
        "{lives}"
    );
    app.post(&format!("/api/v1/articles/{id}/preview"))
        .bearer(&editor)
        .json(json!({"expires_in_hours": 0}))
        .send()
        .await
        .problem(422);
    let listed = app.get(&links).bearer(&app.admin).send().await.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["created_by"]["id"], editor_id.as_str());
    assert!(listed.iter().all(|l| l.get("token").is_none()));

    // A revoked link stops working at once.
    let revoked = app
        .delete(&format!("{links}/{}", preview["id"].as_str().unwrap()))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(revoked.status, 204);
    app.get(preview["path"].as_str().unwrap())
        .send()
        .await
        .problem(404);
    // A link dies with its issuer's account.
    let short_path = short["path"].as_str().unwrap();
    assert_eq!(app.get(short_path).send().await.status, 200);
    let disabled = app
        .patch(&format!("/api/v1/users/{editor_id}"))
        .bearer(&app.admin)
        .json(json!({"version": 1, "disabled": true}))
        .send()
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text());
    app.get(short_path).send().await.problem(404);
}

async fn the_scheduler_flips_due_stories_once(app: TestApp) {
    let soon = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(300)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::TimeDelta::hours(5)).to_rfc3339();
    let due = draft(&app, &app.admin, json!({"headline": "Due soon"})).await;
    app.publish_story(&due, json!({"publish_at": soon})).await;
    let not_yet = draft(&app, &app.admin, json!({"headline": "Due later"})).await;
    app.publish_story(&not_yet, json!({"publish_at": later}))
        .await;
    std::thread::sleep(std::time::Duration::from_millis(400));

    let run = || {
        app.state
            .db
            .write(dateline::content::articles::operations::publish_due)
    };
    let flipped = run().await.unwrap();
    assert_eq!(flipped, [due["id"].as_str().unwrap()]);
    assert!(
        run().await.unwrap().is_empty(),
        "a story flips exactly once"
    );
    let story = app
        .get("/api/v1/articles/due-soon")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(story["status"], "published");
    let history = app
        .get("/api/v1/articles/due-soon/revisions")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(history[0]["action"], "scheduled_publish");
    assert_eq!(history[0]["created_by"], Value::Null);
    let later_story = app
        .get("/api/v1/articles/due-later")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(later_story["status"], "scheduled");
}

both_backends!(search_is_ranked_kept_in_sync_and_safe_with_any_query);

async fn search_is_ranked_kept_in_sync_and_safe_with_any_query(app: TestApp) {
    for (headline, standfirst, text) in [
        (
            "Election results are in",
            "Counting ended overnight",
            "Turnout was high.",
        ),
        (
            "Weather turns cold",
            "An election-day frost is forecast",
            "Snow in the north.",
        ),
        (
            "Markets calm",
            "Traders wait",
            "Analysts mention the election only in passing, once.",
        ),
    ] {
        let a = draft(&app, &app.admin, json!({"headline": headline, "standfirst": standfirst, "body": [{"type": "paragraph", "html": text}]})).await;
        app.publish_story(&a, json!({})).await;
    }
    draft(
        &app,
        &app.admin,
        json!({"headline": "Election draft not yet public"}),
    )
    .await;

    let hits = |q: &str| {
        let path = format!("/api/v1/articles?q={q}");
        let request = app.get(&path).send();
        async move {
            let res = request.await;
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            res.json()["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["slug"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        hits("election").await,
        [
            "election-results-are-in",
            "weather-turns-cold",
            "markets-calm"
        ],
        "headline beats standfirst beats body; drafts stay hidden"
    );
    assert_eq!(
        hits("elections").await.first().map(String::as_str),
        Some("election-results-are-in"),
        "stemmed"
    );
    assert_eq!(hits("snow+north").await, ["weather-turns-cold"]);
    assert!(hits("xylophone").await.is_empty());
    for hostile in [
        "%22unbalanced",
        "NEAR(",
        "*",
        "a%20OR",
        "-",
        "%27%3B%20DROP%20TABLE%20articles%3B--",
        "%5C",
        "%28%29%29",
    ] {
        hits(hostile).await;
    }
    // The one thing a query cannot hold is NUL, as the document says: 422 naming it.
    let nul = app.get("/api/v1/articles?q=a%00b").send().await;
    nul.problem(422);
    assert_eq!(nul.fields(), ["q"]);

    // Paging through ranked results neither repeats nor skips.
    let first = app.get("/api/v1/articles?q=election&limit=2").send().await;
    let link = first.header("link").unwrap();
    let next = &link[link.find("/api/").unwrap()..link.find('>').unwrap()];
    let second = app.get(next).send().await.json();
    assert_eq!(second["data"][0]["slug"], "markets-calm");
    assert_eq!(second["next_cursor"], Value::Null);

    // The index follows edits.
    let story = app.get("/api/v1/articles/markets-calm").send().await.json();
    let edit = app
        .patch("/api/v1/articles/markets-calm")
        .bearer(&app.admin)
        .json(json!({"version": story["version"], "body": [{"type": "paragraph", "html": "Analysts discuss bonds."}]}))
        .send()
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    assert_eq!(
        hits("election").await,
        ["election-results-are-in", "weather-turns-cold"]
    );
    assert_eq!(hits("bonds").await, ["markets-calm"]);
}

both_backends!(
    the_demo_newsroom_is_a_living_api,
    a_body_read_with_its_photos_can_be_saved_back
);

/// Reads fill image blocks with their photo and related blocks with their target; a
/// client that sends the body it read straight back saves it unchanged.
async fn a_body_read_with_its_photos_can_be_saved_back(app: TestApp) {
    dateline::demo::run(&app.state).await.unwrap();
    let page = app.get("/api/v1/articles?limit=1").send().await.json();
    let slug = page["data"][0]["slug"].as_str().unwrap().to_owned();
    let read = app
        .get(&format!("/api/v1/articles/{slug}"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let body = read["body"].as_array().unwrap().clone();
    let photo = body.iter().find(|b| b["type"] == "image").unwrap();
    assert!(photo["image"]["srcset"].as_str().unwrap().contains(".webp"));
    assert_eq!(photo["image"]["id"], photo["image_id"]);
    assert!(
        photo["image"]["caption"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    let related = body.iter().find(|b| b["type"] == "related").unwrap();
    assert_eq!(related["target"]["available"], true);

    let res = app
        .patch(&format!(
            "/api/v1/articles/{}",
            read["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .json(json!({"version": read["version"], "body": body}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let again = app
        .get(&format!("/api/v1/articles/{slug}"))
        .send()
        .await
        .json();
    assert_eq!(again["body"], read["body"]);
}

async fn the_demo_newsroom_is_a_living_api(app: TestApp) {
    let summary = dateline::demo::run(&app.state).await.unwrap();
    assert!(summary.contains("32 stories (one live)"), "{summary}");
    let live = app
        .get("/api/v1/articles/storm-watch-live-updates/entries")
        .send()
        .await
        .json();
    assert_eq!(live["data"].as_array().unwrap().len(), 3, "{live}");
    assert_eq!(live["pinned"].as_array().unwrap().len(), 1);
    let homepage = app.get("/api/v1/collections/homepage").send().await.json();
    assert_eq!(homepage["items"].as_array().unwrap().len(), 20);
    assert_eq!(homepage["items"][0]["pinned"], true);
    let rail = app.get("/api/v1/collections/dont-miss").send().await.json();
    assert_eq!(rail["items"].as_array().unwrap().len(), 4);
    let latest = app
        .get("/api/v1/collections/latest-from-top-news")
        .send()
        .await
        .json();
    assert!(
        latest["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["source"] == "automatic" && i["article"]["section"]["slug"] == "top-news"),
        "{latest}"
    );
    let page = app.get("/api/v1/articles?limit=5").send().await.json();
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    let newest = &page["data"][0];
    assert!(
        newest["featured_image"]["srcset"]
            .as_str()
            .unwrap()
            .contains(".webp")
    );
    let story = app
        .get(&format!(
            "/api/v1/articles/{}",
            newest["slug"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    assert!(
        story["previous"].is_object() || story["next"].is_object(),
        "{story}"
    );
    assert!(
        story["body_html"]
            .as_str()
            .unwrap()
            .contains("Also Read – <a href=")
    );
    assert!(
        story["body_html"]
            .as_str()
            .unwrap()
            .contains("<figcaption>")
    );
    let first = app
        .get("/api/v1/articles?section=top-news&limit=100")
        .send()
        .await
        .json();
    assert!(
        first["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["corrections"].as_array().is_some_and(|c| !c.is_empty()))
    );
    let scheduled = app
        .get("/api/v1/articles?status=scheduled")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(scheduled["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/sections/world").send().await.json()["children"][0]["slug"],
        "europe"
    );
    assert!(
        dateline::demo::run(&app.state).await.is_err(),
        "a second run refuses"
    );
}

both_backends!(include_expands_relations_in_full);

async fn include_expands_relations_in_full(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "world"}),
    )
    .await;
    app.create(
        "/api/v1/tags",
        json!({"name": "Energy", "description": "Power and fuel"}),
    )
    .await;
    app.create(
        "/api/v1/authors",
        json!({"name": "Ana Ruiz", "bio": "Madrid correspondent"}),
    )
    .await;
    let photo = image(&app, "Pylons at dusk").await;
    let article = draft(
        &app,
        &app.admin,
        json!({"headline": "Grid deal", "section": "europe", "tags": ["energy"], "authors": ["ana-ruiz"], "featured_image": photo["id"]}),
    )
    .await;
    app.publish_story(&article, json!({})).await;

    let plain = app.get("/api/v1/articles/grid-deal").send().await.json();
    assert!(
        plain.get("included").is_none(),
        "compact summaries without include="
    );
    assert_eq!(
        plain["authors"][0],
        json!({"id": plain["authors"][0]["id"], "slug": "ana-ruiz", "name": "Ana Ruiz"})
    );

    let full = app
        .get("/api/v1/articles/grid-deal?include=authors,tags,section,featured_image")
        .send()
        .await
        .json();
    let included = &full["included"];
    assert_eq!(included["authors"][0]["bio"], "Madrid correspondent");
    assert_eq!(included["authors"][0]["article_count"], 1);
    assert_eq!(included["tags"][0]["description"], "Power and fuel");
    assert_eq!(included["section"]["ancestors"][0]["slug"], "world");
    assert!(
        included["featured_image"]["renditions"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    let listed = app.get("/api/v1/articles?include=tags").send().await.json();
    assert_eq!(listed["data"][0]["included"]["tags"][0]["slug"], "energy");
    assert!(listed["data"][0]["included"].get("authors").is_none());
    app.get("/api/v1/articles?include=everything")
        .send()
        .await
        .problem(422);

    // A preview link expands the same relations, and refuses what it cannot.
    let link = app
        .post(&format!(
            "/api/v1/articles/{}/preview",
            article["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let path = link["path"].as_str().unwrap();
    let previewed = app.get(&format!("{path}?include=tags")).send().await.json();
    assert_eq!(
        previewed["included"]["tags"][0]["description"],
        "Power and fuel"
    );
    assert!(previewed["included"].get("authors").is_none());
    let refused = app
        .get(&format!("{path}?include=everything"))
        .send()
        .await
        .problem(422);
    assert!(refused.to_string().contains("include"), "{refused}");
}

async fn urls_are_parsed_and_kept_in_normal_form(app: TestApp) {
    // What once came back verbatim comes back as a URL, never as markup.
    let story = draft(
        &app,
        &app.admin,
        json!({
            "headline": "Links",
            "canonical_url": "https://Partner.example/story\"><script>x()</script>",
            "body": [{"type": "embed", "url": "https://VIDEO.example/watch?v=1\"onload=x"}],
        }),
    )
    .await;
    assert_eq!(
        story["canonical_url"],
        "https://partner.example/story%22%3E%3Cscript%3Ex()%3C/script%3E"
    );
    assert_eq!(
        story["body"][0]["url"],
        "https://video.example/watch?v=1%22onload=x"
    );
    assert!(
        !story["body_html"].as_str().unwrap().contains("\"onload"),
        "{}",
        story["body_html"]
    );
    let author = app
        .post("/api/v1/authors")
        .bearer(&app.admin)
        .json(json!({"name": "Ana", "links": {"website": "HTTPS://nope.example", "x": "https://X.com/ana"}}))
        .send()
        .await;
    author.problem(422);
    assert_eq!(author.fields(), ["links.website"]);
    let author = app
        .create(
            "/api/v1/authors",
            json!({"name": "Ana", "links": {"x": "https://X.com/ana"}}),
        )
        .await;
    assert_eq!(author["links"]["x"], "https://x.com/ana");
    // Not a URL at all is named.
    let bad = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": "Bad", "canonical_url": "https://[::1/x"}))
        .send()
        .await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["canonical_url"]);
}
