//! Moving a newsroom in from WordPress and Ghost: realistic exports are generated here
//! (a WXR file with classic and block-editor posts, a Ghost JSON export with Lexical
//! bodies), imported, and checked through the public API the way a front end reads
//! them. Importing again changes nothing; a changed source updates in place.

use std::path::Path;

use dateline::importers::{Options, Report, import_file};
use serde_json::{Value, json};

use crate::both_backends;
use crate::fixtures::two_tone_jpeg;
use crate::helpers::TestApp;
use crate::process::{base_env, scratch};

both_backends!(
    a_wordpress_site_moves_in_once_however_often_it_is_imported,
    a_ghost_site_moves_in_with_its_lexical_bodies
);

const SITE: &str = "https://oldsite.example";

struct Post<'a> {
    id: u32,
    title: &'a str,
    name: &'a str,
    status: &'a str,
    kind: &'a str,
    date_gmt: &'a str,
    creator: &'a str,
    content: &'a str,
    excerpt: &'a str,
    categories: &'a [(&'a str, &'a str, &'a str)],
    meta: &'a [(&'a str, &'a str)],
    password: &'a str,
}

fn item(p: &Post<'_>) -> String {
    let categories: String = p
        .categories
        .iter()
        .map(|(domain, nicename, name)| {
            format!(
                "<category domain=\"{domain}\" nicename=\"{nicename}\"><![CDATA[{name}]]></category>\n"
            )
        })
        .collect();
    let meta: String = p
        .meta
        .iter()
        .map(|(k, v)| {
            format!(
                "<wp:postmeta><wp:meta_key><![CDATA[{k}]]></wp:meta_key><wp:meta_value><![CDATA[{v}]]></wp:meta_value></wp:postmeta>\n"
            )
        })
        .collect();
    let attachment = if p.kind == "attachment" {
        format!(
            "<wp:attachment_url><![CDATA[{SITE}/wp-content/uploads/2024/03/harbour.jpg]]></wp:attachment_url>"
        )
    } else {
        String::new()
    };
    format!(
        r#"<item>
<title><![CDATA[{title}]]></title>
<link>{SITE}/2024/03/05/{name}/</link>
<pubDate>Tue, 05 Mar 2024 10:00:00 +0000</pubDate>
<dc:creator><![CDATA[{creator}]]></dc:creator>
<guid isPermaLink="false">{SITE}/?p={id}</guid>
<description></description>
<content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
<wp:post_id>{id}</wp:post_id>
<wp:post_date><![CDATA[{date}]]></wp:post_date>
<wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>
<wp:comment_status><![CDATA[open]]></wp:comment_status>
<wp:post_name><![CDATA[{name}]]></wp:post_name>
<wp:status><![CDATA[{status}]]></wp:status>
<wp:post_parent>0</wp:post_parent>
<wp:menu_order>0</wp:menu_order>
<wp:post_type><![CDATA[{kind}]]></wp:post_type>
<wp:post_password><![CDATA[{password}]]></wp:post_password>
<wp:is_sticky>0</wp:is_sticky>
{attachment}
{categories}{meta}</item>
"#,
        title = p.title,
        name = p.name,
        creator = p.creator,
        id = p.id,
        content = p.content,
        excerpt = p.excerpt,
        date = p.date_gmt,
        status = p.status,
        kind = p.kind,
        password = p.password,
    )
}

/// A WordPress export as wp-admin writes it (WXR 1.2), with `headline` for the lead story.
pub fn wxr(headline: &str) -> String {
    let gutenberg = format!(
        r#"<!-- wp:paragraph -->
<p>The harbour reopened on <strong>Tuesday</strong> after a <a href="{SITE}/2024/01/storm/">winter storm</a> &amp; weeks of repairs.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2 class="wp-block-heading">What changes for ferries</h2>
<!-- /wp:heading -->

<!-- wp:image {{"id":10,"sizeSlug":"large"}} -->
<figure class="wp-block-image size-large"><img src="{SITE}/wp-content/uploads/2024/03/harbour-1024x683.jpg" alt="The harbour at dawn" class="wp-image-10"/><figcaption class="wp-element-caption">Boats return to the harbour</figcaption></figure>
<!-- /wp:image -->

<!-- wp:quote -->
<blockquote class="wp-block-quote"><p>We are open for business.</p><cite>The harbour master</cite></blockquote>
<!-- /wp:quote -->

<!-- wp:list -->
<ul><li>Ferries resume on Monday</li><li>Freight follows in April</li></ul>
<!-- /wp:list -->

<!-- wp:embed {{"url":"https://www.youtube.com/watch?v=abc123"}} -->
<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=abc123
</div></figure>
<!-- /wp:embed -->

<!-- wp:paragraph -->
<p><img src="{SITE}/wp-content/uploads/2024/03/missing.jpg" alt="gone"></p>
<!-- /wp:paragraph -->"#
    );
    let classic = format!(
        "Councillors met on Monday.\nThe vote was close.\n\n[caption id=\"attachment_10\" align=\"alignnone\" width=\"300\"]<img src=\"{SITE}/wp-content/uploads/2024/03/harbour-300x200.jpg\" alt=\"\" width=\"300\" height=\"200\" /> The council chamber[/caption]\n\n[contact-form-7 id=\"5\" title=\"Tips\"]\n\n<table><tr><td>For</td><td>12</td></tr></table>"
    );
    let items = [
        Post {
            id: 10,
            title: "harbour",
            name: "harbour",
            status: "inherit",
            kind: "attachment",
            date_gmt: "2024-03-01 09:00:00",
            creator: "ana",
            content: "",
            excerpt: "Boats at dawn",
            categories: &[],
            meta: &[
                ("_wp_attached_file", "2024/03/harbour.jpg"),
                ("_wp_attachment_image_alt", "The harbour at dawn"),
            ],
            password: "",
        },
        Post {
            id: 21,
            title: headline,
            name: "harbour-reopens",
            status: "publish",
            kind: "post",
            date_gmt: "2024-03-05 10:00:00",
            creator: "ana",
            content: &gutenberg,
            excerpt: "Ferries return after the storm",
            categories: &[
                ("category", "europe", "Europe"),
                ("category", "local", "Local"),
                ("post_tag", "ports", "Ports"),
            ],
            meta: &[
                ("_thumbnail_id", "10"),
                ("_wp_old_slug", "harbour-to-reopen"),
                ("_edit_last", "1"),
            ],
            password: "",
        },
        Post {
            id: 22,
            title: "Council vote on budget",
            name: "council-vote",
            status: "draft",
            kind: "post",
            date_gmt: "0000-00-00 00:00:00",
            creator: "ben",
            content: &classic,
            excerpt: "",
            categories: &[("category", "uncategorized", "Uncategorized")],
            meta: &[],
            password: "",
        },
        Post {
            id: 23,
            title: "Festival programme announced",
            name: "festival-programme",
            status: "future",
            kind: "post",
            date_gmt: "2099-06-01 08:00:00",
            creator: "ben",
            content: "<p>The festival returns in June.</p>",
            excerpt: "",
            categories: &[("category", "local", "Local")],
            meta: &[],
            password: "",
        },
        Post {
            id: 24,
            title: "About us",
            name: "about",
            status: "publish",
            kind: "page",
            date_gmt: "2020-01-01 00:00:00",
            creator: "ana",
            content: "<p>We are a local paper.</p>",
            excerpt: "",
            categories: &[],
            meta: &[],
            password: "",
        },
        Post {
            id: 27,
            title: "Subscribers' briefing",
            name: "subscribers-briefing",
            status: "publish",
            kind: "post",
            date_gmt: "2024-03-04 07:00:00",
            creator: "ana",
            content: "<p>For subscribers only.</p>",
            excerpt: "",
            categories: &[("category", "local", "Local")],
            meta: &[],
            password: "s3cret",
        },
        Post {
            id: 25,
            title: "Deleted post",
            name: "deleted",
            status: "trash",
            kind: "post",
            date_gmt: "2024-01-01 00:00:00",
            creator: "ana",
            content: "<p>gone</p>",
            excerpt: "",
            categories: &[],
            meta: &[],
            password: "",
        },
        Post {
            id: 26,
            title: "Home",
            name: "home",
            status: "publish",
            kind: "nav_menu_item",
            date_gmt: "2024-01-01 00:00:00",
            creator: "ana",
            content: "",
            excerpt: "",
            categories: &[],
            meta: &[],
            password: "",
        },
    ];
    let items: String = items.iter().map(item).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>The Old Site</title>
	<link>{SITE}</link>
	<description>Local news &amp; views</description>
	<language>en-GB</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>{SITE}</wp:base_site_url>
	<wp:base_blog_url>{SITE}</wp:base_blog_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ana]]></wp:author_login><wp:author_email><![CDATA[ana@oldsite.example]]></wp:author_email><wp:author_display_name><![CDATA[Ana Ruiz]]></wp:author_display_name><wp:author_first_name><![CDATA[Ana]]></wp:author_first_name><wp:author_last_name><![CDATA[Ruiz]]></wp:author_last_name></wp:author>
	<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[ben]]></wp:author_login><wp:author_email><![CDATA[ben@oldsite.example]]></wp:author_email><wp:author_display_name><![CDATA[]]></wp:author_display_name><wp:author_first_name><![CDATA[Ben]]></wp:author_first_name><wp:author_last_name><![CDATA[Okoro]]></wp:author_last_name></wp:author>
	<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[uncategorized]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Uncategorized]]></wp:cat_name></wp:category>
	<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[europe]]></wp:category_nicename><wp:category_parent><![CDATA[world]]></wp:category_parent><wp:cat_name><![CDATA[Europe]]></wp:cat_name></wp:category>
	<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename><![CDATA[world]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[World]]></wp:cat_name><wp:category_description><![CDATA[News from abroad]]></wp:category_description></wp:category>
	<wp:category><wp:term_id>4</wp:term_id><wp:category_nicename><![CDATA[local]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Local]]></wp:cat_name></wp:category>
	<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug><![CDATA[ports]]></wp:tag_slug><wp:tag_name><![CDATA[Ports]]></wp:tag_name></wp:tag>
	<generator>https://wordpress.org/?v=6.4.3</generator>
{items}
</channel>
</rss>
"#
    )
}

fn media_folder(root: &Path, file: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, two_tone_jpeg(1200, 800)).unwrap();
}

async fn import(app: &TestApp, kind: &str, file: &Path, media: &Path, pages: bool) -> Report {
    import_file(
        &app.state,
        kind,
        file,
        &Options {
            media_dir: Some(media.to_path_buf()),
            pages,
            progress: false,
            // A Ghost export does not name its site.
            source: (kind == "ghost").then(|| "https://ghost.example".to_owned()),
        },
    )
    .await
    .expect("import runs")
}

fn block_types(article: &Value) -> Vec<String> {
    article["body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn count(app: &TestApp, path: &str) -> usize {
    let res = app.get(path).bearer(&app.admin).send().await;
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.json()["data"].as_array().unwrap().len()
}

/// Every story, whatever its state.
async fn stories(app: &TestApp) -> usize {
    let mut n = 0;
    for status in ["draft", "scheduled", "published"] {
        n += count(app, &format!("/api/v1/articles?status={status}&limit=50")).await;
    }
    n
}

async fn a_wordpress_site_moves_in_once_however_often_it_is_imported(app: TestApp) {
    let dir = scratch("wxr");
    let uploads = dir.join("uploads");
    // As on a real server: the upload and WordPress's resized copies of it.
    media_folder(&uploads, "2024/03/harbour.jpg");
    for (name, w, h) in [
        ("harbour-1024x683.jpg", 1024, 683),
        ("harbour-300x200.jpg", 300, 200),
    ] {
        std::fs::write(uploads.join("2024/03").join(name), two_tone_jpeg(w, h)).unwrap();
    }
    let file = dir.join("export.xml");
    std::fs::write(&file, wxr("Harbour reopens after storm")).unwrap();

    let report = import(&app, "wordpress", &file, &uploads, false).await;
    assert_eq!(report.authors.created, 2, "{report}");
    assert_eq!(report.sections.created, 3, "{report}");
    assert_eq!(report.articles.created, 4, "{report}");
    assert_eq!(report.articles.failed, 0, "{report}");
    assert_eq!(
        (report.images.created, report.images.unchanged),
        (1, 0),
        "{report}"
    );
    let text = report.to_string();
    for expected in [
        "[contact-form-7]",
        "missing.jpg not found",
        "1 page(s) not imported (import them with --pages): ",
        "beyond the first were imported as tags",
        "password-protected in WordPress; imported as a draft",
    ] {
        assert!(
            text.contains(expected),
            "report lacks {expected:?}:\n{text}"
        );
    }

    // The lead story, as a front end reads it.
    let res = app.get("/api/v1/articles/harbour-reopens").send().await;
    assert_eq!(res.status, 200, "{}", res.text());
    let story = res.json();
    assert_eq!(story["headline"], "Harbour reopens after storm");
    assert_eq!(story["standfirst"], "Ferries return after the storm");
    assert_eq!(story["published_at"], "2024-03-05T10:00:00Z");
    assert_eq!(story["section"]["slug"], "europe");
    assert_eq!(story["authors"][0]["name"], "Ana Ruiz");
    // Slugs come from names, never from logins (often email addresses).
    assert_eq!(story["authors"][0]["slug"], "ana-ruiz");
    let tags: Vec<&str> = story["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["local", "ports"]);
    assert_eq!(
        block_types(&story),
        ["paragraph", "heading", "image", "quote", "list", "embed"]
    );
    let body = &story["body"];
    assert!(
        body[0]["html"]
            .as_str()
            .unwrap()
            .contains("<strong>Tuesday</strong>")
    );
    assert_eq!(body[1]["text"], "What changes for ferries");
    assert_eq!(body[2]["caption"], "Boats return to the harbour");
    assert!(
        body[2]["image"]["srcset"]
            .as_str()
            .is_some_and(|s| s.contains("w,"))
    );
    assert_eq!(body[2]["image"]["alt"], "The harbour at dawn");
    assert_eq!(body[3]["attribution"], "The harbour master");
    assert_eq!(body[5]["url"], "https://www.youtube.com/watch?v=abc123");
    // The resized copy in the body and the featured image are the same upload.
    // The resized copy in the body and the featured image are the same upload, stored
    // at full size with the attachment's own alt text and caption.
    assert_eq!(story["featured_image"]["id"], body[2]["image_id"]);
    assert_eq!(body[2]["image"]["width"], 1200);
    assert_eq!(story["featured_image"]["caption"], "Boats at dawn");
    assert_eq!(count(&app, "/api/v1/images").await, 1);
    // A password-protected post stays out of public view.
    assert_eq!(
        app.get("/api/v1/articles/subscribers-briefing")
            .send()
            .await
            .status,
        404
    );

    // The old slug still finds the story; the section tree kept its parent.
    let res = app.get("/api/v1/articles/harbour-to-reopen").send().await;
    assert_eq!(res.status, 301);
    assert!(
        res.header("location")
            .unwrap()
            .ends_with("/harbour-reopens")
    );
    let europe = app.get("/api/v1/sections/europe").send().await.json();
    assert_eq!(europe["parent"]["slug"], "world");

    // Draft and scheduled stories are not public; the classic post got its paragraphs.
    assert_eq!(
        app.get("/api/v1/articles/council-vote").send().await.status,
        404
    );
    let draft = app
        .get("/api/v1/articles/council-vote")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(draft["status"], "draft");
    assert_eq!(
        draft["body"][0]["html"],
        "Councillors met on Monday.<br>\nThe vote was close."
    );
    assert_eq!(draft["body"][1]["caption"], "The council chamber");
    // The classic table after the form, a table (not a run of line breaks).
    assert_eq!(draft["body"][3]["type"], "table", "{}", draft["body"]);
    assert_eq!(draft["body"][3]["rows"][0][1], "12");
    let scheduled = app
        .get("/api/v1/articles/festival-programme")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(scheduled["status"], "scheduled");

    // Again: nothing new, nothing rewritten.
    let versions = story["version"].clone();
    let again = import(&app, "wordpress", &file, &uploads, false).await;
    assert_eq!(
        again.articles.created + again.articles.updated,
        0,
        "{again}"
    );
    assert_eq!(again.articles.unchanged, 4, "{again}");
    assert_eq!(
        again.authors.created + again.sections.created + again.tags.created,
        0
    );
    assert_eq!(stories(&app).await, 4);
    assert_eq!(
        (again.images.created, again.images.unchanged),
        (0, 1),
        "{again}"
    );
    assert_eq!(count(&app, "/api/v1/authors").await, 2);
    assert_eq!(count(&app, "/api/v1/images").await, 1);
    let same = app
        .get("/api/v1/articles/harbour-reopens")
        .send()
        .await
        .json();
    assert_eq!(same["version"], versions);

    // A changed headline at the source updates the story in place; pages on request.
    std::fs::write(&file, wxr("Harbour reopens to ferries")).unwrap();
    let changed = import(&app, "wordpress", &file, &uploads, true).await;
    assert_eq!(changed.articles.updated, 1, "{changed}");
    assert_eq!(changed.articles.created, 1, "{changed}");
    assert_eq!(changed.articles.unchanged, 3, "{changed}");
    let updated = app
        .get("/api/v1/articles/harbour-reopens")
        .send()
        .await
        .json();
    assert_eq!(updated["headline"], "Harbour reopens to ferries");
    assert_eq!(updated["published_at"], "2024-03-05T10:00:00Z");
    assert_eq!(app.get("/api/v1/articles/about").send().await.status, 200);
    assert_eq!(stories(&app).await, 5);

    // What editors did in Dateline since is kept: an edited story is not overwritten by
    // a newer source, and a trashed one is not brought back.
    let res = app
        .patch("/api/v1/articles/harbour-reopens")
        .bearer(&app.admin)
        .json(json!({"version": updated["version"], "headline": "Harbour reopens: what it means"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let draft_id = draft["id"].as_str().unwrap();
    let res = app
        .delete(&format!("/api/v1/articles/{draft_id}"))
        .bearer(&app.admin)
        .header("If-Match", &format!("\"{}\"", draft["version"]))
        .send()
        .await;
    assert!(res.status < 300, "{} {}", res.status, res.text());
    std::fs::write(&file, wxr("Harbour reopens to all ferries")).unwrap();
    let later = import(&app, "wordpress", &file, &uploads, true).await;
    assert_eq!(later.articles.skipped, 2, "{later}");
    assert_eq!(
        later.articles.created + later.articles.updated,
        0,
        "{later}"
    );
    let text = later.to_string();
    assert!(
        text.contains("edited in Dateline since the last import"),
        "{text}"
    );
    assert!(text.contains("in Dateline's trash"), "{text}");
    let kept = app
        .get("/api/v1/articles/harbour-reopens")
        .send()
        .await
        .json();
    assert_eq!(kept["headline"], "Harbour reopens: what it means");
    assert_eq!(stories(&app).await, 4);
}

fn lexical(children: Value) -> String {
    json!({"root": {"children": children, "direction": "ltr", "format": "", "indent": 0, "type": "root", "version": 1}}).to_string()
}

fn text(t: &str, format: i64) -> Value {
    json!({"detail": 0, "format": format, "mode": "normal", "style": "", "text": t, "type": "extended-text", "version": 1})
}

fn ghost_export() -> Value {
    let body = lexical(json!([
        {"type": "paragraph", "children": [
            text("Tickets for the ", 0),
            text("final", 1),
            text(" sold out in ", 0),
            {"type": "link", "url": "https://example.org/tickets?a=1&b=2", "children": [text("minutes", 2)]},
            text(".", 0)
        ]},
        {"type": "extended-heading", "tag": "h3", "children": [text("How to watch", 0)]},
        {"type": "image", "src": "__GHOST_URL__/content/images/2024/01/stadium.jpg", "alt": "The stadium", "caption": "<span>The stadium at night</span>", "width": 1200, "height": 800},
        {"type": "list", "listType": "number", "children": [
            {"type": "listitem", "children": [text("Arrive early", 0)]},
            {"type": "listitem", "children": [text("Bring ID", 0)]}
        ]},
        {"type": "extended-quote", "children": [text("It will be a night to remember", 0)]},
        {"type": "embed", "url": "https://www.youtube.com/watch?v=xyz", "embedType": "video", "html": "<iframe></iframe>"},
        {"type": "callout", "calloutText": "<p>Members only</p>", "calloutEmoji": "💡"},
        {"type": "horizontalrule"}
    ]));
    json!({"db": [{
        "meta": {"exported_on": 1706745600000_i64, "version": "5.80.0"},
        "data": {
            "posts": [
                {"id": "65a000000000000000000001", "uuid": "u1", "title": "Cup final sells out", "slug": "cup-final-sells-out",
                 "lexical": body, "html": "<p>ignored when Lexical is present</p>", "feature_image": "__GHOST_URL__/content/images/2024/01/stadium.jpg",
                 "featured": false, "type": "post", "status": "published", "visibility": "public",
                 "published_at": "2024-01-31T18:30:00.000Z", "custom_excerpt": "Fans snapped up tickets in minutes",
                 "created_at": "2024-01-30T10:00:00.000Z", "updated_at": "2024-01-31T18:30:00.000Z"},
                {"id": "65a000000000000000000002", "uuid": "u2", "title": "Transfer window opens", "slug": "transfer-window",
                 "lexical": null, "html": "<p>Clubs can sign players from <em>Monday</em>.</p><h2>Who is moving</h2>",
                 "feature_image": null, "type": "post", "status": "draft", "visibility": "public",
                 "published_at": null, "custom_excerpt": null},
                {"id": "65a000000000000000000004", "uuid": "u4", "title": "Inside the dressing room", "slug": "dressing-room",
                 "html": "<p>For members.</p>", "type": "post", "status": "published", "visibility": "paid",
                 "published_at": "2024-01-30T12:00:00.000Z"},
                {"id": "65a000000000000000000003", "uuid": "u3", "title": "Contact", "slug": "contact",
                 "lexical": lexical(json!([{"type": "paragraph", "children": [text("Write to us.", 0)]}])),
                 "type": "page", "status": "published", "published_at": "2023-01-01T00:00:00.000Z"}
            ],
            "posts_meta": [
                {"id": "m1", "post_id": "65a000000000000000000001", "feature_image_alt": "Floodlights over the pitch", "feature_image_caption": "Photo: <b>Club Media</b>", "meta_title": "Cup final tickets gone", "meta_description": "Sold out in minutes"}
            ],
            "users": [
                {"id": "1", "name": "Chris Park", "slug": "chris", "email": "chris@ghost.example", "bio": "Sports editor", "website": "https://chris.example", "twitter": "@chrispark"},
                {"id": "2", "name": "Dana Lee", "slug": "dana", "email": "dana@ghost.example"}
            ],
            "tags": [
                {"id": "t1", "name": "Sport", "slug": "sport", "description": "Games and results", "visibility": "public"},
                {"id": "t2", "name": "Football", "slug": "football", "visibility": "public"},
                {"id": "t3", "name": "#homepage", "slug": "hash-homepage", "visibility": "internal"}
            ],
            "posts_tags": [
                {"id": "pt1", "post_id": "65a000000000000000000001", "tag_id": "t1", "sort_order": 0},
                {"id": "pt2", "post_id": "65a000000000000000000001", "tag_id": "t2", "sort_order": 1},
                {"id": "pt3", "post_id": "65a000000000000000000001", "tag_id": "t3", "sort_order": 2},
                {"id": "pt4", "post_id": "65a000000000000000000002", "tag_id": "t2", "sort_order": 0}
            ],
            "posts_authors": [
                {"id": "pa1", "post_id": "65a000000000000000000001", "author_id": "2", "sort_order": 1},
                {"id": "pa2", "post_id": "65a000000000000000000001", "author_id": "1", "sort_order": 0},
                {"id": "pa3", "post_id": "65a000000000000000000002", "author_id": "2", "sort_order": 0}
            ]
        }
    }]})
}

async fn a_ghost_site_moves_in_with_its_lexical_bodies(app: TestApp) {
    let dir = scratch("ghost");
    let images = dir.join("content-images");
    media_folder(&images, "2024/01/stadium.jpg");
    let file = dir.join("ghost.json");
    std::fs::write(&file, ghost_export().to_string()).unwrap();

    let report = import(&app, "ghost", &file, &images, false).await;
    assert_eq!(report.articles.created, 3, "{report}");
    assert_eq!(report.authors.created, 2, "{report}");
    // Primary tags become sections: Sport (post 1) and Football (post 2).
    assert_eq!(report.sections.created, 2, "{report}");
    let text = report.to_string();
    for expected in ["internal (#) tag", "page(s) not imported"] {
        assert!(
            text.contains(expected),
            "report lacks {expected:?}:\n{text}"
        );
    }

    let story = app
        .get("/api/v1/articles/cup-final-sells-out")
        .send()
        .await
        .json();
    assert_eq!(story["headline"], "Cup final sells out");
    assert_eq!(story["standfirst"], "Fans snapped up tickets in minutes");
    assert_eq!(story["published_at"], "2024-01-31T18:30:00Z");
    assert_eq!(story["section"]["slug"], "sport");
    let byline: Vec<&str> = story["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(byline, ["Chris Park", "Dana Lee"]);
    assert_eq!(story["seo"]["title"], "Cup final tickets gone");
    assert_eq!(
        block_types(&story),
        [
            "paragraph",
            "heading",
            "image",
            "list",
            "quote",
            "embed",
            "paragraph"
        ]
    );
    let body = &story["body"];
    // The callout: its emoji, then its text.
    assert_eq!(body[6]["html"], "💡 Members only");
    assert_eq!(
        body[0]["html"],
        "Tickets for the <strong>final</strong> sold out in <a href=\"https://example.org/tickets?a=1&amp;b=2\" rel=\"noopener noreferrer\"><em>minutes</em></a>."
    );
    assert_eq!(body[1]["level"], 3);
    assert_eq!(body[2]["caption"], "The stadium at night");
    assert_eq!(body[3]["ordered"], true);
    assert_eq!(body[5]["provider"], "video");
    assert_eq!(story["featured_image"]["alt"], "Floodlights over the pitch");
    assert_eq!(story["featured_image"]["caption"], "Photo: Club Media");

    let draft = app
        .get("/api/v1/articles/transfer-window")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(draft["status"], "draft");
    assert_eq!(block_types(&draft), ["paragraph", "heading"]);

    let again = import(&app, "ghost", &file, &images, false).await;
    assert_eq!(again.articles.unchanged, 3, "{again}");
    assert_eq!(
        again.articles.created + again.articles.updated,
        0,
        "{again}"
    );
    assert_eq!(stories(&app).await, 3);
    // A paid post keeps its date and says who may read it (the front end walls it).
    let paid = app
        .get("/api/v1/articles/dressing-room")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(
        (&paid["status"], &paid["access"], &paid["published_at"]),
        (
            &json!("published"),
            &json!("paid"),
            &json!("2024-01-30T12:00:00Z")
        )
    );
    assert_eq!(count(&app, "/api/v1/authors").await, 2);
}

/// The command line: a progress-free report on stdout, success; a file that is not an
/// export, one clear line and failure, and nothing written.
#[test]
fn the_import_commands_report_what_they_did() {
    let dir = scratch("import-cli");
    let uploads = dir.join("uploads");
    media_folder(&uploads, "2024/03/harbour.jpg");
    let file = dir.join("export.xml");
    std::fs::write(&file, wxr("Harbour reopens after storm")).unwrap();
    let db = format!("sqlite://{}", dir.join("d.db").display());
    let env = base_env(&dir, &db, &[]);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
            .args(args)
            .current_dir(&dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run dateline");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let media = uploads.display().to_string();
    let path = file.display().to_string();
    let (ok, stdout, stderr) = run(&["import", "wordpress", &path, "--media", &media]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("imported wordpress:{SITE}")),
        "{stdout}"
    );
    assert!(stdout.contains("articles  4 created"), "{stdout}");
    assert!(stdout.contains("not mapped ("), "{stdout}");

    let (ok, stdout, _) = run(&["import", "wordpress", &path, "--media", &media]);
    assert!(ok);
    assert!(
        stdout.contains("articles  0 created, 0 updated, 4 unchanged"),
        "{stdout}"
    );

    // A server (here: another connection) holds the write lock for a while: the import
    // waits its turn rather than failing with "database is locked".
    std::fs::write(&file, wxr("Harbour reopens after the storm")).unwrap();
    let holder = {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, SqliteConnection};
        let mut conn = SqliteConnection::establish(&dir.join("d.db").display().to_string())
            .expect("open the database");
        conn.batch_execute("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE;")
            .unwrap();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            conn.batch_execute("COMMIT;").unwrap();
        })
    };
    let (ok, stdout, stderr) = run(&["import", "wordpress", &path, "--media", &media]);
    holder.join().unwrap();
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("1 updated"), "{stdout}");

    // Help is help: nothing is opened or created.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for args in [
        &["import", "--help"][..],
        &["import", "wordpress", "--help"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
            .args(args)
            .current_dir(&empty)
            .env_clear()
            .output()
            .expect("run dateline");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout.contains("--source"), "{stdout}");
        assert_eq!(
            std::fs::read_dir(&empty).unwrap().count(),
            0,
            "{args:?} created files"
        );
    }

    let bogus = dir.join("ghost.json");
    std::fs::write(&bogus, "{\"posts\": 1}").unwrap();
    let (ok, _, stderr) = run(&["import", "ghost", &bogus.display().to_string()]);
    assert!(!ok);
    assert!(stderr.contains("not a Ghost export"), "{stderr}");
    let (ok, _, stderr) = run(&["import", "wordpress", &path, "--media", "/no/such/dir"]);
    assert!(!ok);
    assert!(
        stderr.contains("--media /no/such/dir: not a folder"),
        "{stderr}"
    );
}
