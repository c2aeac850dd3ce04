//! Imports of export files nobody here wrote the code for: WordPress's own theme unit
//! test data (`../shared/fixtures/wordpress`, read in place) and a Ghost 5 export with
//! every card its editor makes (`tests/fixtures/ghost`, written to Ghost's shapes). What
//! a site owner checks: every post arrives or is named in the report with the reason,
//! and what the report does not name is on the site, as the old site showed it.

use std::path::{Path, PathBuf};

use dateline::importers::{Options, Report, import_file};
use serde_json::Value;

use crate::both_backends;
use crate::fixtures::two_tone_jpeg;
use crate::helpers::TestApp;
use crate::process::scratch;

both_backends!(
    the_wordpress_theme_unit_test_data_arrives_whole,
    a_ghost_5_export_with_every_card_arrives_whole,
    two_ghost_sites_stay_apart
);

fn wordpress_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/wordpress/themeunittestdata.wordpress.xml")
}

fn ghost_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ghost/ghost5-every-card.json")
}

/// The text of every `<tag>…</tag>` in `xml` (CDATA unwrapped), in order.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let Some(end) = after.find(&close) else { break };
        let value = &after[..end];
        out.push(
            value
                .strip_prefix("<![CDATA[")
                .and_then(|v| v.strip_suffix("]]>"))
                .unwrap_or(value),
        );
        rest = &after[end..];
    }
    out
}

/// A small photo at each path, as the site's media folder would hold it.
fn media_folder(root: &Path, paths: &[String]) {
    let jpeg = two_tone_jpeg(48, 32);
    for path in paths {
        let file = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, &jpeg).unwrap();
    }
}

async fn import(app: &TestApp, kind: &str, file: &Path, options: Options) -> Report {
    import_file(&app.state, kind, file, &options)
        .await
        .expect("import runs")
}

async fn story(app: &TestApp, slug: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/articles/{slug}?formats=blocks,html,text"))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(res.status, 200, "{slug}: {}", res.text());
    res.json()
}

/// Every story's headline, whatever its state.
async fn headlines(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for status in ["draft", "scheduled", "published"] {
        let mut path = format!("/api/v1/articles?status={status}&limit=100");
        loop {
            let res = app.get(&path).bearer(&app.admin).send().await;
            assert_eq!(res.status, 200, "{}", res.text());
            let page = res.json();
            for a in page["data"].as_array().unwrap() {
                out.push(a["headline"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    path = format!("/api/v1/articles?status={status}&limit=100&cursor={cursor}")
                }
                None => break,
            }
        }
    }
    out
}

fn blocks_of<'a>(story: &'a Value, kind: &str) -> Vec<&'a Value> {
    story["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == kind)
        .collect()
}

/// A story found by its headline among every story, read in full.
async fn by_headline(app: &TestApp, headline: &str) -> Value {
    for status in ["published", "scheduled", "draft"] {
        let page = app
            .get(&format!("/api/v1/articles?status={status}&limit=100"))
            .bearer(&app.admin)
            .send()
            .await
            .json();
        if let Some(found) = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["headline"] == headline)
        {
            return story(app, found["slug"].as_str().unwrap()).await;
        }
    }
    panic!("no story {headline:?}");
}

async fn the_wordpress_theme_unit_test_data_arrives_whole(app: TestApp) {
    let file = wordpress_fixture();
    let xml = std::fs::read_to_string(&file).unwrap();
    let dir = scratch("wp-theme-data");
    let uploads = dir.join("uploads");
    let photos: Vec<String> = elements(&xml, "wp:attachment_url")
        .into_iter()
        .filter(|u| u.ends_with(".jpg") || u.ends_with(".png") || u.ends_with(".gif"))
        .filter_map(|u| u.split_once(".com/").map(|(_, path)| path.to_owned()))
        .collect();
    media_folder(&uploads, &photos);
    let options = |pages| Options {
        media_dir: Some(uploads.clone()),
        pages,
        ..Options::default()
    };

    // Posts only: every page is named in the report.
    let report = import(&app, "wordpress", &file, options(false)).await;
    let text = report.to_string();
    assert_eq!(report.articles.failed, 0, "{text}");
    assert_eq!(report.articles.created, 58, "{text}");
    assert!(
        text.contains("21 page(s) not imported (import them with --pages): "),
        "{text}"
    );
    assert!(text.contains("\"Page Markup And Formatting\""), "{text}");
    // With pages: the other 21 arrive, the posts stay as they were.
    let report = import(&app, "wordpress", &file, options(true)).await;
    let text = report.to_string();
    assert_eq!(
        (
            report.articles.created,
            report.articles.unchanged,
            report.articles.failed
        ),
        (21, 58, 0),
        "{text}"
    );

    // Every post and page of the export is on the site, titles as readers saw them.
    let items: Vec<&str> = xml.split("<item>").skip(1).collect();
    let wanted: Vec<&str> = items
        .iter()
        .copied()
        .filter(|i| {
            let kind = elements(i, "wp:post_type");
            kind.first().is_some_and(|k| *k == "post" || *k == "page")
        })
        .collect();
    assert_eq!(wanted.len(), 79);
    let on_site = headlines(&app).await;
    assert_eq!(on_site.len(), 79, "{on_site:?}");
    for headline in [
        "Markup: Title With Markup",
        "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>",
        "Ελληνικά-Greek",
        "Scheduled",
        "Draft",
    ] {
        assert!(
            on_site.iter().any(|h| h == headline),
            "{headline:?} not among {on_site:?}"
        );
    }
    assert!(
        !on_site
            .iter()
            .any(|h| h.contains("&amp;") || h.contains('<'))
    );

    // Blocks as WordPress showed them.
    let formatting = by_headline(&app, "Block category: Formatting").await;
    let code = blocks_of(&formatting, "code");
    assert!(
        code.iter().any(|c| c["text"]
            .as_str()
            .unwrap()
            .contains("<?php echo 'Hello World'; ?>")),
        "{code:?}"
    );
    let poem = code
        .iter()
        .find(|c| c["text"].as_str().unwrap().contains("The Road Not Taken"))
        .expect("the preformatted block");
    assert!(
        poem["text"].as_str().unwrap().lines().count() > 5,
        "line breaks kept: {poem}"
    );
    let quote = blocks_of(&formatting, "quote");
    assert!(
        quote.iter().any(|q| q["attribution"] == "Theme Reviewer"
            && q["text"] == "The pull quote can be aligned or wide or neither."),
        "{quote:?}"
    );
    let tables = blocks_of(&formatting, "table");
    assert_eq!(tables.len(), 2, "{tables:?}");
    assert_eq!(tables[0]["rows"][2][0], "Cell #5");
    let html = formatting["body_html"].as_str().unwrap();
    assert!(html.contains("<td>Cell #5</td>"), "{html}");
    assert!(html.contains("<pre><code>"), "{html}");
    assert!(
        formatting["body_text"]
            .as_str()
            .unwrap()
            .contains("Cell #5 | Cell #6")
    );

    let markup = by_headline(&app, "Markup: HTML Tags and Formatting").await;
    let table = blocks_of(&markup, "table")[0];
    assert_eq!(table["header"], true);
    assert!(
        table["rows"][1][0]
            .as_str()
            .unwrap()
            .contains("<a href=\"http://example.org/\""),
        "{table}"
    );
    let lists = blocks_of(&markup, "list");
    assert!(
        lists.iter().any(|l| l["items"][0]
            .as_str()
            .unwrap()
            .starts_with("<strong>Definition List Title</strong>")),
        "{lists:?}"
    );

    let audio = by_headline(&app, "Post Format: Audio").await;
    assert!(
        blocks_of(&audio, "embed")
            .iter()
            .any(|e| e["provider"] == "audio" && e["url"].as_str().unwrap().ends_with(".mp3")),
        "{audio}"
    );
    let embeds = by_headline(&app, "Block category: Embeds").await;
    assert!(
        blocks_of(&embeds, "embed")
            .iter()
            .any(|e| e["caption"] == "YouTube"),
        "{embeds}"
    );
    // A bare [gallery]: the photos attached to the post, stored and shown.
    let gallery = by_headline(&app, "Post Format: Gallery").await;
    let photos_shown = blocks_of(&gallery, "image");
    assert!(photos_shown.len() >= 5, "{gallery}");
    assert!(photos_shown.iter().all(|p| p["image"]["url"].is_string()));

    // Nothing changed in the source: nothing changes here.
    let again = import(&app, "wordpress", &file, options(true)).await;
    assert_eq!(again.articles.unchanged, 79, "{again}");
    assert_eq!(
        again.articles.created + again.articles.updated,
        0,
        "{again}"
    );
}

/// Every `__GHOST_URL__/content/images/…` path in the export.
fn ghost_photos(raw: &str) -> Vec<String> {
    raw.match_indices("__GHOST_URL__/content/images/")
        .map(|(at, _)| {
            let rest = &raw[at + "__GHOST_URL__/content/images/".len()..];
            let end = rest.find(['"', '\'', ' ', ')', '\\']).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .filter(|p| p.ends_with(".jpg") || p.ends_with(".png"))
        .collect()
}

async fn a_ghost_5_export_with_every_card_arrives_whole(app: TestApp) {
    let file = ghost_fixture();
    let raw = std::fs::read_to_string(&file).unwrap();
    let dir = scratch("ghost-every-card");
    let images = dir.join("content-images");
    media_folder(&images, &ghost_photos(&raw));
    let options = Options {
        media_dir: Some(images.clone()),
        source: Some("https://harbour.example".into()),
        ..Options::default()
    };
    let report = import(&app, "ghost", &file, options.clone()).await;
    let text = report.to_string();
    assert_eq!(
        text.lines().next(),
        Some("imported ghost:https://harbour.example")
    );
    assert_eq!(report.articles.failed, 0, "{text}");
    assert_eq!(report.articles.created, 8, "{text}");
    for expected in [
        "1 page(s) not imported (import them with --pages): \"About us\"",
        "the paywall card",
        "a Ghost email card (shown only in newsletters) left out",
        "a Ghost email-cta card (shown only in newsletters) left out",
        "a Ghost \"signup\" card has no Dateline block",
        "a Ghost \"call-to-action\" card has no Dateline block",
        "an email-only newsletter in Ghost; imported as a draft",
        "visible to \"tiers\" in Ghost: imported as paid",
        "internal (#) tag",
    ] {
        assert!(
            text.contains(expected),
            "report lacks {expected:?}:\n{text}"
        );
    }

    let every = story(&app, "every-card").await;
    assert_eq!(every["status"], "published");
    assert_eq!(every["published_at"], "2024-05-14T09:30:00Z");
    let byline: Vec<&str> = every["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(byline.len(), 2, "co-authors in order: {byline:?}");
    let types: Vec<&str> = every["body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    for kind in [
        "paragraph",
        "heading",
        "quote",
        "list",
        "code",
        "image",
        "embed",
        "table",
    ] {
        assert!(types.contains(&kind), "no {kind} in {types:?}");
    }
    let body = serde_json::to_string(&every["body"]).unwrap();
    // The site's own links resolved against --source.
    assert!(!body.contains("__GHOST_URL__"), "{body}");
    assert!(
        body.contains("https://harbour.example/second-post/"),
        "{body}"
    );
    // A list item keeps its markup; the code keeps its indentation.
    assert!(
        blocks_of(&every, "list")
            .iter()
            .any(|l| l["items"].as_array().unwrap().iter().any(|i| {
                let i = i.as_str().unwrap();
                i.contains("<strong>") || i.contains("<a href=")
            })),
        "{body}"
    );
    let code = blocks_of(&every, "code");
    let js = code
        .iter()
        .find(|c| c["language"] == "javascript")
        .expect("the code card");
    assert!(js["text"].as_str().unwrap().contains("\n  "), "{js}");
    // Embeds, bookmarks and players keep their captions.
    let embeds = blocks_of(&every, "embed");
    assert!(embeds.iter().any(|e| e["provider"] == "video"
        && e["url"] == "https://harbour.example/content/media/2024/05/harbour-timelapse.mp4"
        && e["caption"].is_string()));
    assert!(embeds.iter().any(|e| e["provider"] == "audio"
        && e["caption"] == "Harbour Podcast, Ep. 12: The lifeboat crew"));
    assert!(embeds.iter().any(
        |e| e["url"] == "https://rnli.org/safety/know-the-risks/tides" && e["caption"].is_string()
    ));
    // The gallery's three photos, the image card's, the product's: stored and shown.
    assert!(blocks_of(&every, "image").len() >= 5, "{body}");
    // Cards with text of their own: a callout, a toggle, a button, a file, markdown.
    for expected in [
        "⛴️",
        "Book a mooring",
        "Harbour bylaws 2024",
        "Market report",
        "Brass tide clock",
        "Harbour Festival 2024",
    ] {
        assert!(body.contains(expected), "{expected:?} not in {body}");
    }
    assert!(
        every["body_html"]
            .as_str()
            .unwrap()
            .contains("<figure class=\"table\">"),
        "the markdown or html card's table"
    );

    // Partners and feed readers get the new blocks too.
    let ninjs = app
        .get("/api/v1/articles/every-card?format=ninjs")
        .send()
        .await;
    assert_eq!(ninjs.status, 200, "{}", ninjs.text());
    let ninjs = ninjs.json();
    let body_html = ninjs["bodies"][0]["value"].as_str().unwrap();
    assert!(
        body_html.contains("<figure class=\"table\">"),
        "{body_html}"
    );
    assert!(
        body_html.contains("<pre><code class=\"language-javascript\">"),
        "{body_html}"
    );
    let feed = app.get("/feeds/json").send().await.json();
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Every card")
        .expect("the story in the feed");
    let html = item["content_html"].as_str().unwrap();
    assert!(html.contains("<th scope=\"col\">"), "{html}");
    assert!(html.contains("<figcaption>"), "{html}");

    // Who may read: members-only and paid posts keep their date and get their level.
    let members = story(&app, "for-members-fish-chips").await;
    assert_eq!(members["headline"], "For members: Fish & Chips");
    assert_eq!(members["status"], "published");
    assert_eq!(members["access"], "members");
    assert_eq!(members["published_at"], "2024-06-14T18:00:00Z");
    let paid = story(&app, "paid-the-harbour-accounts").await;
    assert_eq!(paid["access"], "paid");
    assert_eq!(paid["published_at"], "2024-06-03T07:00:00Z");
    let tiers = story(&app, "tiers-post").await;
    assert_eq!(tiers["access"], "paid");
    let scheduled = app
        .get("/api/v1/articles?status=scheduled")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert!(
        scheduled["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["headline"] == "Coming soon")
    );
    let second = story(&app, "second-post").await;
    assert!(!blocks_of(&second, "table").is_empty(), "{second}");
    assert!(!blocks_of(&second, "code").is_empty(), "{second}");

    let again = import(&app, "ghost", &file, options).await;
    assert_eq!(again.articles.unchanged, 8, "{again}");
}

/// Two Ghost sites with the same owner id ("1", as every Ghost 5 site has) and the
/// same post ids stay two sites: the second neither renames the first one's people
/// nor rewrites its stories. An export that cannot be named, or is not one Dateline
/// reads, is refused with the reason and writes nothing.
async fn two_ghost_sites_stay_apart(app: TestApp) {
    let file = ghost_fixture();
    let raw = std::fs::read_to_string(&file).unwrap();
    let dir = scratch("ghost-two-sites");
    let first = import(
        &app,
        "ghost",
        &file,
        Options {
            source: Some("https://harbour.example".into()),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(first.articles.failed, 0, "{first}");
    let owner_before = app.get("/api/v1/authors").send().await.json();

    let mut other: Value = serde_json::from_str(&raw).unwrap();
    let data = &mut other["db"][0]["data"];
    for user in data["users"].as_array_mut().unwrap() {
        if user["id"] == "1" {
            user["name"] = "Someone Else".into();
        }
    }
    for post in data["posts"].as_array_mut().unwrap() {
        let title = post["title"].as_str().unwrap().to_owned();
        post["title"] = format!("Elsewhere: {title}").into();
        post["slug"] = format!("elsewhere-{}", post["slug"].as_str().unwrap()).into();
    }
    let second_file = dir.join("other.json");
    std::fs::write(&second_file, other.to_string()).unwrap();
    // Without --source, the site is named by its title and owner.
    let second = import(&app, "ghost", &second_file, Options::default()).await;
    assert!(
        second.source.starts_with("ghost:The Harbour Times ("),
        "{}",
        second.source
    );
    assert_eq!(second.articles.created, 8, "{second}");
    let every = story(&app, "every-card").await;
    assert_eq!(every["headline"], "Every card");
    let owner_after = app.get("/api/v1/authors").send().await.json();
    for author in owner_before["data"].as_array().unwrap() {
        assert!(
            owner_after["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == author["id"] && a["name"] == author["name"]),
            "{author} was changed by the second site"
        );
    }
    // Its own links are made site-relative, and the report says how to keep them whole.
    let elsewhere = story(&app, "elsewhere-every-card").await;
    assert!(
        serde_json::to_string(&elsewhere["body"])
            .unwrap()
            .contains("href=\\\"/second-post/\\\""),
        "{}",
        elsewhere["body"]
    );
    assert!(second.to_string().contains("give --source https://"));
    // Following that advice on the next run updates the same stories, with whole links.
    let third = import(
        &app,
        "ghost",
        &second_file,
        Options {
            source: Some("https://elsewhere.example/".into()),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(third.source, second.source, "{third}");
    assert_eq!(third.articles.created, 0, "{third}");
    assert_eq!(
        third.articles.updated + third.articles.unchanged,
        8,
        "{third}"
    );
    assert!(third.to_string().contains("imported before as"), "{third}");
    let elsewhere = story(&app, "elsewhere-every-card").await;
    assert!(
        serde_json::to_string(&elsewhere["body"])
            .unwrap()
            .contains("https://elsewhere.example/second-post/"),
        "{}",
        elsewhere["body"]
    );

    // Refused, with the reason, and nothing written.
    let before = headlines(&app).await.len();
    for (name, export, expected) in [
        (
            "ghost-0.x.json",
            serde_json::json!({"db": [{"meta": {"version": "003"}, "data": {"posts": []}}]}),
            "Ghost 1.0 and later",
        ),
        (
            "not-a-list.json",
            serde_json::json!({"db": [{"meta": {"version": "5.1.0"}, "data": {"posts": "nope"}}]}),
            "data.posts is not a list",
        ),
        (
            "nameless.json",
            serde_json::json!({"db": [{"meta": {"version": "5.1.0"}, "data": {"posts": [], "users": []}}]}),
            "--source",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, export.to_string()).unwrap();
        let err = import_file(&app.state, "ghost", &path, &Options::default())
            .await
            .expect_err(name);
        assert!(err.contains(expected), "{name}: {err}");
    }
    assert_eq!(headlines(&app).await.len(), before);
}
