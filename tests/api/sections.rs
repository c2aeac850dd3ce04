//! The section tree.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    sections_form_an_ordered_tree_with_breadcrumbs,
    a_section_cannot_become_its_own_descendant,
    a_section_with_subsections_cannot_be_deleted,
    moving_a_section_changes_the_tree,
);

fn slugs(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn sections_form_an_ordered_tree_with_breadcrumbs(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Top News", "position": 0}),
    )
    .await;
    app.create("/api/v1/sections", json!({"name": "Sport", "position": 5}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "world"}),
    )
    .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Asia", "parent": "world", "position": 0}),
    )
    .await;
    let zurich = app
        .create(
            "/api/v1/sections",
            json!({"name": "Zürich", "parent": "europe"}),
        )
        .await;
    assert_eq!(zurich["slug"], "zurich");
    assert_eq!(
        zurich["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["slug"].clone())
            .collect::<Vec<_>>(),
        ["world", "europe"]
    );
    assert_eq!(zurich["parent"]["slug"], "europe");

    let tree = app.get("/api/v1/sections").send().await;
    assert_eq!(tree.status, 200);
    let tree = tree.json();
    // "World" was first (position 0) and "Top News" also asked for 0: ties go by slug.
    assert_eq!(slugs(&tree["data"]), ["top-news", "world", "sport"]);
    let world = &tree["data"][1];
    assert_eq!(slugs(&world["children"]), ["asia", "europe"]);
    assert_eq!(slugs(&world["children"][1]["children"]), ["zurich"]);

    let europe = app.get("/api/v1/sections/europe").send().await.json();
    assert_eq!(europe["parent"]["slug"], "world");
    assert_eq!(slugs(&europe["children"]), ["zurich"]);
}

async fn a_section_cannot_become_its_own_descendant(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "world"}),
    )
    .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "France", "parent": "europe"}),
    )
    .await;

    for parent in ["france", "europe", "world"] {
        let res = app
            .patch("/api/v1/sections/world")
            .bearer(&app.admin)
            .json(json!({"version": 1, "parent": parent}))
            .send()
            .await;
        res.problem(422);
        assert_eq!(res.fields(), ["parent"], "{parent}");
    }
    let missing = app
        .patch("/api/v1/sections/world")
        .bearer(&app.admin)
        .json(json!({"version": 1, "parent": "atlantis"}))
        .send()
        .await;
    missing.problem(422);
    assert_eq!(
        app.get("/api/v1/sections/world").send().await.json()["parent"],
        Value::Null
    );
}

async fn a_section_with_subsections_cannot_be_deleted(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Europe", "parent": "world"}),
    )
    .await;
    app.delete("/api/v1/sections/world")
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    assert_eq!(
        app.delete("/api/v1/sections/europe")
            .bearer(&app.admin)
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete("/api/v1/sections/world")
            .bearer(&app.admin)
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        app.get("/api/v1/sections").send().await.json()["data"],
        json!([])
    );
}

async fn moving_a_section_changes_the_tree(app: TestApp) {
    app.create("/api/v1/sections", json!({"name": "World"}))
        .await;
    app.create("/api/v1/sections", json!({"name": "Europe"}))
        .await;
    let moved = app
        .patch("/api/v1/sections/europe")
        .bearer(&app.admin)
        .json(json!({"version": 1, "parent": "world"}))
        .send()
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["ancestors"][0]["slug"], "world");
    let back = app
        .patch("/api/v1/sections/europe")
        .bearer(&app.admin)
        .json(json!({"version": 2, "parent": null}))
        .send()
        .await;
    assert_eq!(back.status, 200, "{}", back.text());
    assert_eq!(back.json()["parent"], Value::Null);
    assert_eq!(
        slugs(&app.get("/api/v1/sections").send().await.json()["data"]),
        ["world", "europe"]
    );
}

both_backends!(sections_nest_at_most_eight_levels);

async fn sections_nest_at_most_eight_levels(app: TestApp) {
    let mut parent: Option<String> = None;
    for level in 1..=8 {
        let body = match &parent {
            Some(p) => json!({"name": format!("Level {level}"), "parent": p}),
            None => json!({"name": format!("Level {level}")}),
        };
        parent = Some(
            app.create("/api/v1/sections", body).await["slug"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let too_deep = app
        .post("/api/v1/sections")
        .bearer(&app.admin)
        .json(json!({"name": "Level 9", "parent": parent}))
        .send()
        .await;
    too_deep.problem(422);
    assert_eq!(too_deep.fields(), ["parent"]);

    // Moving a two-level branch under level 7 would also make nine.
    app.create("/api/v1/sections", json!({"name": "Branch"}))
        .await;
    app.create(
        "/api/v1/sections",
        json!({"name": "Leaf", "parent": "branch"}),
    )
    .await;
    let res = app
        .patch("/api/v1/sections/branch")
        .bearer(&app.admin)
        .json(json!({"version": 1, "parent": "level-7"}))
        .send()
        .await;
    res.problem(422);
    let ok = app
        .patch("/api/v1/sections/branch")
        .bearer(&app.admin)
        .json(json!({"version": 1, "parent": "level-6"}))
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
}
