//! Images: uploads of real encoded files, renditions, metadata, storage and serving.

use serde_json::{Value, json};

use crate::fixtures::*;
use crate::helpers::{MAX_UPLOAD, Res, TestApp};
use crate::media_backends;

media_backends!(
    every_supported_format_uploads_with_renditions,
    unusual_pixel_formats_and_shapes_are_handled,
    simultaneous_identical_uploads_make_one_image,
    the_type_comes_from_the_bytes_not_the_name,
    broken_oversized_and_bomb_files_are_refused_cheaply,
    exif_rotated_photos_come_out_upright_without_gps,
    embedded_iptc_caption_and_credit_are_picked_up,
    identical_uploads_are_stored_once,
    media_files_are_served_with_ranges_and_immutable_caching,
    the_library_is_searchable_editable_and_deletable,
    the_library_says_where_a_photo_is_used,
    crops_are_cut_around_the_focal_point_and_follow_it,
    photos_from_before_crops_get_them_after_start_up,
);

async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Res {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some(name), bytes)];
    for (k, v) in fields {
        parts.push((k, None, v.as_bytes()));
    }
    app.post("/api/v1/images")
        .bearer(token)
        .multipart(&parts)
        .send()
        .await
}

/// The path of a media URL, for requests to the in-process app.
fn media_path(url: &str) -> String {
    let at = url.find("/media/").expect("a media URL");
    url[at..].to_owned()
}

async fn fetch(app: &TestApp, url: &str) -> Res {
    app.get(&media_path(url)).send().await
}

async fn every_supported_format_uploads_with_renditions(app: TestApp) {
    let (_, contributor) = app.user("contributor").await;
    let cases: [(&str, Vec<u8>, &str, &str); 4] = [
        ("photo.jpg", two_tone_jpeg(1200, 800), "image/jpeg", "jpeg"),
        ("graphic.png", png(700, 350), "image/png", "png"),
        ("still.webp", webp(500, 400), "image/webp", "webp"),
        ("anim.gif", gif(300, 200), "image/gif", "gif"),
    ];
    for (name, bytes, mime, family) in cases {
        let res = upload(
            &app,
            &contributor,
            name,
            &bytes,
            &[("alt", "A test picture"), ("focal_point", "0.25,0.75")],
        )
        .await;
        assert_eq!(res.status, 201, "{name}: {}", res.text());
        assert!(
            res.header("location")
                .unwrap()
                .starts_with("/api/v1/images/")
        );
        let image = res.json();
        assert_eq!(image["mime"], mime, "{name}");
        assert_eq!(image["bytes"], bytes.len(), "{name}");
        assert_eq!(image["alt"], "A test picture");
        assert_eq!(image["focal_point"], json!({"x": 0.25, "y": 0.75}));
        let width = image["width"].as_u64().unwrap();
        let renditions = image["renditions"].as_array().unwrap();
        let widths = |format: &str| -> Vec<u64> {
            renditions
                .iter()
                .filter(|r| r["format"] == format)
                .map(|r| r["width"].as_u64().unwrap())
                .collect()
        };
        let expected: Vec<u64> = [320, 640, 1024, 1600, 2400]
            .into_iter()
            .filter(|w| *w < width)
            .chain([width])
            .collect();
        assert_eq!(
            widths("webp"),
            expected,
            "{name}: WebP at every width, never upscaled"
        );
        assert_eq!(
            widths(family),
            expected,
            "{name}: the original's family too"
        );
        assert!(
            image["srcset"]
                .as_str()
                .unwrap()
                .ends_with(&format!(".webp {width}w")),
            "{}",
            image["srcset"]
        );
        for rendition in renditions {
            let file = fetch(&app, rendition["url"].as_str().unwrap()).await;
            assert_eq!(file.status, 200, "{}", rendition["url"]);
            let decoded = image::load_from_memory(&file.body).unwrap();
            assert_eq!(
                u64::from(decoded.width()),
                rendition["width"].as_u64().unwrap()
            );
            assert_eq!(
                u64::from(decoded.height()),
                rendition["height"].as_u64().unwrap()
            );
        }
        // The aspect ratio survives resizing.
        let small = &renditions[0];
        let ratio = image["height"].as_f64().unwrap() / image["width"].as_f64().unwrap();
        let small_ratio = small["height"].as_f64().unwrap() / small["width"].as_f64().unwrap();
        assert!((ratio - small_ratio).abs() < 0.01, "{name}");
    }
    app.post("/api/v1/images")
        .multipart(&[("file", Some("x.png"), &png(10, 10))])
        .send()
        .await
        .problem(401);
}

async fn the_type_comes_from_the_bytes_not_the_name(app: TestApp) {
    let lying = upload(&app, &app.admin, "holiday.jpg", &png(64, 48), &[]).await;
    assert_eq!(lying.status, 201, "{}", lying.text());
    assert_eq!(lying.json()["mime"], "image/png");

    for (name, bytes) in [
        (
            "evil.jpg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"[..],
        ),
        ("doc.png", b"%PDF-1.7 not an image"),
        ("empty.gif", b""),
    ] {
        upload(&app, &app.admin, name, bytes, &[])
            .await
            .problem(415);
    }
    let not_multipart = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .json(json!({"file": "x"}))
        .send()
        .await;
    not_multipart.problem(415);
    let missing = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[("alt", None, b"no file")])
        .send()
        .await;
    missing.problem(422);
    assert_eq!(missing.fields(), ["file"]);
    // A field twice (how form encoders send an array) is ambiguous, not "the last one".
    let twice = app
        .post("/api/v1/images")
        .bearer(&app.admin)
        .multipart(&[
            ("file", Some("x.png"), &png(10, 10)),
            ("alt", None, b"first"),
            ("alt", None, b"second"),
        ])
        .send()
        .await;
    twice.problem(422);
    assert_eq!(twice.fields(), ["alt"]);
}

async fn broken_oversized_and_bomb_files_are_refused_cheaply(app: TestApp) {
    let whole = two_tone_jpeg(600, 400);
    let truncated = upload(&app, &app.admin, "cut.jpg", &whole[..whole.len() / 2], &[]).await;
    truncated.problem(422);
    assert_eq!(truncated.fields(), ["file"]);

    let mut corrupt = png(50, 50);
    let len = corrupt.len();
    corrupt[40..len - 20].fill(0x55);
    upload(&app, &app.admin, "corrupt.png", &corrupt, &[])
        .await
        .problem(422);

    let bomb = upload(&app, &app.admin, "bomb.png", &png_bomb(), &[]).await;
    let problem = bomb.problem(422);
    assert!(
        problem["detail"].as_str().unwrap().contains("pixels"),
        "{problem}"
    );

    let huge = vec![0xFFu8; MAX_UPLOAD as usize + 1];
    upload(&app, &app.admin, "huge.jpg", &huge, &[])
        .await
        .problem(413);

    let bad_focal = upload(
        &app,
        &app.admin,
        "f.png",
        &png(20, 20),
        &[("focal_point", "2,0.5")],
    )
    .await;
    bad_focal.problem(422);
    assert_eq!(bad_focal.fields(), ["focal_point"]);
    // Nothing half-made was left behind.
    let library = app
        .get("/api/v1/images")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(library["data"], json!([]));
}

async fn exif_rotated_photos_come_out_upright_without_gps(app: TestApp) {
    // Stored sideways (240×120, red left, blue right) with "rotate 90° clockwise".
    let photo = with_segment(
        &two_tone_jpeg(240, 120),
        0xE1,
        &exif_with_orientation_and_gps(6),
    );
    let res = upload(&app, &app.admin, "phone.jpg", &photo, &[]).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let image = res.json();
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(120), Some(240))
    );

    for rendition in image["renditions"].as_array().unwrap() {
        let file = fetch(&app, rendition["url"].as_str().unwrap()).await;
        let body = &file.body;
        assert!(
            !body.windows(6).any(|w| w == b"Exif\0\0"),
            "{}: EXIF left in",
            rendition["url"]
        );
        assert!(
            !body.windows(4).any(|w| w == b"EXIF"),
            "{}: EXIF chunk left in",
            rendition["url"]
        );
        let upright = image::load_from_memory(body).unwrap().to_rgb8();
        assert_eq!((upright.width(), upright.height()), (120, 240));
        let top = upright.get_pixel(60, 40);
        let bottom = upright.get_pixel(60, 200);
        assert!(top[0] > 150 && top[2] < 100, "top should be red: {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "bottom should be blue: {bottom:?}"
        );
    }
}

async fn embedded_iptc_caption_and_credit_are_picked_up(app: TestApp) {
    let photo = with_segment(
        &two_tone_jpeg(400, 300),
        0xED,
        &iptc("Leaders meet in Geneva", "Agency Photo", "Jane Doe"),
    );
    let res = upload(&app, &app.admin, "wire.jpg", &photo, &[]).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let image = res.json();
    assert_eq!(image["caption"], "Leaders meet in Geneva");
    assert_eq!(image["credit"], "Agency Photo");

    // What the editor types wins over what is embedded.
    let other = with_segment(
        &two_tone_jpeg(401, 300),
        0xED,
        &iptc("Embedded caption", "Embedded credit", "X"),
    );
    let typed = upload(
        &app,
        &app.admin,
        "wire2.jpg",
        &other,
        &[("caption", "Our own caption"), ("credit", "")],
    )
    .await;
    let typed = typed.json();
    assert_eq!(typed["caption"], "Our own caption");
    assert_eq!(
        typed["credit"], "Embedded credit",
        "an empty field falls back to the embedded one"
    );
}

async fn identical_uploads_are_stored_once(app: TestApp) {
    let bytes = png(120, 80);
    let first = upload(&app, &app.admin, "a.png", &bytes, &[]).await;
    assert_eq!(first.status, 201);
    let again = upload(&app, &app.admin, "b.png", &bytes, &[("caption", "ignored")]).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(first.json()["hash"].as_str().unwrap().len(), 64);
    let library = app
        .get("/api/v1/images")
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(library["data"].as_array().unwrap().len(), 1);
}

async fn media_files_are_served_with_ranges_and_immutable_caching(app: TestApp) {
    let image = upload(&app, &app.admin, "p.jpg", &two_tone_jpeg(800, 500), &[])
        .await
        .json();
    let url = image["url"].as_str().unwrap();
    assert!(url.ends_with("/800.jpg"), "{url}");
    let full = fetch(&app, url).await;
    assert_eq!(full.status, 200);
    assert_eq!(full.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(
        full.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(full.header("accept-ranges").as_deref(), Some("bytes"));
    let etag = full.header("etag").unwrap();

    let cached = app
        .get(&media_path(url))
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(cached.status, 304);

    let part = app
        .get(&media_path(url))
        .header("Range", "bytes=0-9")
        .send()
        .await;
    assert_eq!(part.status, 206);
    assert_eq!(&part.body[..], &full.body[..10]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 0-9/{}", full.body.len()))
    );
    let tail = app
        .get(&media_path(url))
        .header("Range", "bytes=-4")
        .send()
        .await;
    assert_eq!(tail.status, 206);
    assert_eq!(&tail.body[..], &full.body[full.body.len() - 4..]);
    let past = app
        .get(&media_path(url))
        .header("Range", &format!("bytes={}-", full.body.len() + 10))
        .send()
        .await;
    past.problem(416);

    let webp = image["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["format"] == "webp")
        .unwrap();
    assert_eq!(
        fetch(&app, webp["url"].as_str().unwrap())
            .await
            .header("content-type")
            .as_deref(),
        Some("image/webp")
    );

    // The upload as received (with its metadata) is stored, but never served; keys
    // cannot wander outside the media store.
    let mut probes = vec![
        "/media/../Cargo.toml".to_owned(),
        "/media/%2e%2e/Cargo.toml".to_owned(),
        media_path(url).replace("/800.jpg", "/999.jpg"),
    ];
    if let Some(dir) = &app.media_dir {
        let originals = walk(&dir.join("originals"));
        assert_eq!(originals.len(), 1, "{originals:?}");
        let original = &originals[0];
        assert_eq!(
            std::fs::read(original).unwrap().len() as u64,
            image["bytes"].as_u64().unwrap()
        );
        let key = original
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        probes.push(format!("/media/{key}"));
    }
    for path in probes {
        app.get(&path).send().await.problem(404);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn the_library_is_searchable_editable_and_deletable(app: TestApp) {
    let (_, contributor) = app.user("contributor").await;
    let (_, editor) = app.user("editor").await;
    let a = upload(
        &app,
        &contributor,
        "a.png",
        &png(60, 40),
        &[("caption", "Flooding in Valencia"), ("credit", "Reuters")],
    )
    .await
    .json();
    upload(
        &app,
        &contributor,
        "b.png",
        &png(61, 40),
        &[
            ("caption", "Election night"),
            ("alt", "Crowd with 100% flags"),
        ],
    )
    .await;

    let search = |q: &str| {
        let path = format!("/api/v1/images?q={q}");
        let token = editor.clone();
        let app = &app;
        async move {
            let res = app.get(&path).bearer(&token).send().await;
            assert_eq!(res.status, 200, "{}", res.text());
            res.json()["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["caption"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("valencia").await, ["Flooding in Valencia"]);
    assert_eq!(search("REUTERS").await, ["Flooding in Valencia"]);
    assert_eq!(
        search("100%25").await,
        ["Election night"],
        "a % in the query is literal"
    );
    assert_eq!(search("%25").await, ["Election night"]);
    assert_eq!(search("night+election").await, ["Election night"]);
    assert!(search("nothing-matches").await.is_empty());
    assert_eq!(search("").await.len(), 2);
    app.get("/api/v1/images").send().await.problem(401);

    let path = format!("/api/v1/images/{}", a["id"].as_str().unwrap());
    let edited = app.patch(&path).bearer(&contributor).json(json!({"version": 1, "caption": "Floods in Valencia", "focal_point": {"x": 0.1, "y": 0.9}})).send().await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let edited: Value = edited.json();
    assert_eq!(edited["caption"], "Floods in Valencia");
    assert_eq!(edited["credit"], "Reuters");
    assert_eq!(edited["version"], 2);
    app.patch(&path)
        .bearer(&contributor)
        .json(json!({"version": 1, "alt": "stale"}))
        .send()
        .await
        .problem(412);
    let bad = app
        .patch(&path)
        .bearer(&contributor)
        .json(json!({"version": 2, "focal_point": {"x": -1, "y": 0}}))
        .send()
        .await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["focal_point"]);

    app.delete(&path)
        .bearer(&contributor)
        .send()
        .await
        .problem(403);
    let url = edited["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &url).await.status, 200);
    assert_eq!(app.delete(&path).bearer(&editor).send().await.status, 204);
    app.get(&path).bearer(&editor).send().await.problem(404);
    fetch(&app, &url).await.problem(404);
}

/// `GET /images/{id}/usage`: the stories that show a photo (body or featured image),
/// newest change first, trashed ones aside; what the desk shows before a delete.
async fn the_library_says_where_a_photo_is_used(app: TestApp) {
    let photo = upload(
        &app,
        &app.admin,
        "used.png",
        &png(64, 48),
        &[("alt", "Quay")],
    )
    .await
    .json();
    let id = photo["id"].as_str().unwrap();
    let usage_path = format!("/api/v1/images/{id}/usage");
    let empty = app.get(&usage_path).bearer(&app.admin).send().await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    assert_eq!(empty.json(), json!({"stories": [], "logo": false}));

    let story = |headline: &str, extra: Value| {
        let mut body = json!({"headline": headline});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let app = &app;
        async move {
            let res = app
                .post("/api/v1/articles")
                .bearer(&app.admin)
                .json(body)
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", res.text());
            res.json()
        }
    };
    let in_body = story(
        "Quay reopens",
        json!({"body": [{"type": "image", "image_id": id, "caption": "The quay"}]}),
    )
    .await;
    let featured = story("Ferries return", json!({"featured_image": id})).await;
    story("Unrelated", json!({})).await;

    let usage = app.get(&usage_path).bearer(&app.admin).send().await.json();
    let headlines: Vec<&str> = usage["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["headline"].as_str().unwrap())
        .collect();
    assert_eq!(headlines, ["Ferries return", "Quay reopens"], "{usage}");
    assert_eq!(usage["stories"][0]["id"], featured["id"]);
    assert_eq!(usage["stories"][0]["status"], "draft");
    assert_eq!(usage["logo"], false);
    // What the desk tells an editor before a delete, and why the delete is refused.
    app.delete(&format!("/api/v1/images/{id}"))
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    // A trashed story no longer counts.
    let trashed = app
        .delete(&format!(
            "/api/v1/articles/{}",
            in_body["id"].as_str().unwrap()
        ))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(trashed.status, 204, "{}", trashed.text());
    let usage = app.get(&usage_path).bearer(&app.admin).send().await.json();
    assert_eq!(usage["stories"].as_array().unwrap().len(), 1, "{usage}");

    app.get(&usage_path).send().await.problem(401);
    app.get("/api/v1/images/nope/usage")
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
}

async fn unusual_pixel_formats_and_shapes_are_handled(app: TestApp) {
    // Grey, 16-bit and a very tall strip (taller than WebP allows: no WebP, PNG kept).
    for (name, bytes) in [
        ("grey.png", grey_png(300, 200)),
        ("deep.png", png16(300, 200)),
        ("tall.png", png(200, 17_000)),
    ] {
        let res = upload(&app, &app.admin, name, &bytes, &[]).await;
        assert_eq!(res.status, 201, "{name}: {}", res.text());
        let image = res.json();
        let renditions = image["renditions"].as_array().unwrap();
        assert!(renditions.iter().any(|r| r["format"] == "png"), "{name}");
        for rendition in renditions {
            let file = fetch(&app, rendition["url"].as_str().unwrap()).await;
            assert_eq!(file.status, 200);
            image::load_from_memory(&file.body).unwrap();
        }
        let has_webp = renditions.iter().any(|r| r["format"] == "webp");
        assert_eq!(has_webp, name != "tall.png", "{name}");
    }
}

async fn simultaneous_identical_uploads_make_one_image(app: TestApp) {
    let bytes = two_tone_jpeg(500, 300);
    let uploads = (0..4).map(|_| upload(&app, &app.admin, "same.jpg", &bytes, &[]));
    let results = futures_util::future::join_all(uploads).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|r| r.json()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1);
    let image = results[0].json();
    for rendition in image["renditions"].as_array().unwrap() {
        assert_eq!(
            fetch(&app, rendition["url"].as_str().unwrap()).await.status,
            200
        );
    }
}

async fn crops_are_cut_around_the_focal_point_and_follow_it(app: TestApp) {
    let bytes = png(1600, 900);
    let res = upload(
        &app,
        &app.admin,
        "wide.png",
        &bytes,
        &[("focal_point", "0.9,0.5")],
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let image = res.json();
    let crops = image["crops"].as_array().unwrap();
    let shapes: Vec<(&str, u64, u64)> = crops
        .iter()
        .map(|c| {
            (
                c["ratio"].as_str().unwrap(),
                c["width"].as_u64().unwrap(),
                c["height"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shapes,
        [("16:9", 1600, 900), ("4:3", 1200, 900), ("1:1", 900, 900)]
    );
    // Crops are not renditions: srcset and the rendition list stay as they were.
    assert!(
        image["renditions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["width"].as_u64().unwrap() * 9 == r["height"].as_u64().unwrap() * 16)
    );
    for crop in crops {
        let file = fetch(&app, crop["url"].as_str().unwrap()).await;
        assert_eq!(file.status, 200);
        let decoded = image::load_from_memory(&file.body).unwrap();
        assert_eq!(
            (u64::from(decoded.width()), u64::from(decoded.height())),
            (
                crop["width"].as_u64().unwrap(),
                crop["height"].as_u64().unwrap()
            )
        );
    }

    // The point moves: new crops under new names, the old files gone.
    let id = image["id"].as_str().unwrap();
    let moved = app
        .patch(&format!("/api/v1/images/{id}"))
        .bearer(&app.admin)
        .json(json!({"version": image["version"], "focal_point": {"x": 0.1, "y": 0.5}}))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let moved = moved.json();
    let square = |img: &Value| {
        img["crops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["ratio"] == "1:1")
            .unwrap()["url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(square(&moved), square(&image));
    assert_eq!(fetch(&app, &square(&moved)).await.status, 200);
    assert_eq!(fetch(&app, &square(&image)).await.status, 404);
    assert_eq!(moved["crops"].as_array().unwrap().len(), 3);
    // An edit that leaves the point alone keeps the crops.
    let kept = app
        .patch(&format!("/api/v1/images/{id}"))
        .bearer(&app.admin)
        .json(json!({"version": moved["version"], "alt": "Ferries at dawn"}))
        .send()
        .await
        .json();
    assert_eq!(square(&kept), square(&moved));
}

async fn photos_from_before_crops_get_them_after_start_up(app: TestApp) {
    let res = upload(&app, &app.admin, "older.png", &png(1200, 800), &[]).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["id"].as_str().unwrap().to_owned();
    // As a photo uploaded before crops existed: its renditions only.
    let target = id.clone();
    app.state
        .db
        .write(move |conn| {
            use dateline::store::schema::images;
            use diesel::prelude::*;
            let stored: String = images::table
                .find(&target)
                .select(images::renditions)
                .first(conn)?;
            let mut list: Vec<Value> = serde_json::from_str(&stored).unwrap();
            list.retain(|r| r.get("crop").is_none());
            diesel::update(images::table.find(&target))
                .set(images::renditions.eq(serde_json::to_string(&list).unwrap()))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let before = app
        .get(&format!("/api/v1/images/{id}"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(before["crops"], json!([]));

    // The sweep after start-up cuts them once; a second finds nothing to do.
    assert_eq!(dateline::media::crops::sweep(&app.state).await.unwrap(), 1);
    assert_eq!(dateline::media::crops::sweep(&app.state).await.unwrap(), 0);
    let after = app
        .get(&format!("/api/v1/images/{id}"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let ratios: Vec<&str> = after["crops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ratio"].as_str().unwrap())
        .collect();
    assert_eq!(ratios, ["16:9", "4:3", "1:1"]);
    for crop in after["crops"].as_array().unwrap() {
        assert_eq!(fetch(&app, crop["url"].as_str().unwrap()).await.status, 200);
    }
}
