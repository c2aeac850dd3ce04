//! The desk: stages a story moves through before publication, who may move it where,
//! assignees, the lists that filter by them, and the approval a newsroom may require.
//! None of it ever shows in a public read.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Res, TestApp};
use crate::types::{Listed, Page, Story, typed};

both_backends!(
    a_contributor_hands_in_and_only_an_editor_approves,
    editors_assign_people_and_lists_filter_by_stage_and_assignee,
    notes_are_threaded_kept_by_their_writers_and_never_public,
    two_revisions_compare_field_by_field_and_block_by_block,
    a_story_leaves_public_reads_by_itself_at_its_unpublish_time,
    a_working_copy_stays_out_of_sight_until_published_onto_the_live_story,
);

async fn move_to(app: &TestApp, token: &str, story: &Story, stage: &str) -> Res {
    app.patch(&format!("/api/v1/articles/{}", story.id))
        .bearer(token)
        .json(json!({"version": story.version, "stage": stage}))
        .send()
        .await
}

async fn actions(app: &TestApp, id: &str) -> Vec<String> {
    let history = app
        .get(&format!("/api/v1/articles/{id}/revisions"))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(history.status, 200, "{}", history.text());
    history
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_contributor_hands_in_and_only_an_editor_approves(app: TestApp) {
    let (_, contributor) = app.user("contributor").await;
    let (_, editor) = app.user("editor").await;
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&app.admin)
        .json(json!({"url": "https://93.184.215.14/desk", "events": ["article.stage_changed"]}))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text());
    let hook_id = hook.json()["id"].as_str().unwrap().to_owned();

    let made = app
        .post("/api/v1/articles")
        .bearer(&contributor)
        .json(json!({"headline": "Ferry strike ends"}))
        .send()
        .await;
    assert_eq!(made.status, 201, "{}", made.text());
    let story: Story = made.typed();
    assert_eq!(story.stage.as_deref(), Some("writing"));

    // The contributor may not approve its own story…
    let approve = move_to(&app, &contributor, &story, "ready_to_publish").await;
    approve.problem(403);
    // …but hands it in.
    let handed_in = move_to(&app, &contributor, &story, "ready_for_edit").await;
    assert_eq!(handed_in.status, 200, "{}", handed_in.text());
    let story: Story = handed_in.typed();
    assert_eq!(story.stage.as_deref(), Some("ready_for_edit"));
    assert_eq!(story.version, 2);

    // An editor approves; the contributor cannot take the approval back.
    let approved = move_to(&app, &editor, &story, "ready_to_publish").await;
    assert_eq!(approved.status, 200, "{}", approved.text());
    let story: Story = approved.typed();
    assert_eq!(story.stage.as_deref(), Some("ready_to_publish"));
    move_to(&app, &contributor, &story, "writing")
        .await
        .problem(403);

    // The history names each move; webhooks heard of both.
    let history = actions(&app, &story.id).await;
    assert!(
        history.contains(&"stage ready_for_edit".to_owned())
            && history.contains(&"stage ready_to_publish".to_owned()),
        "{history:?}"
    );
    let deliveries = app
        .get(&format!("/api/v1/webhooks/{hook_id}/deliveries"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    let events: Vec<&str> = deliveries["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["article.stage_changed", "article.stage_changed"]);

    // An unknown stage is refused by name.
    let odd = app
        .patch(&format!("/api/v1/articles/{}", story.id))
        .bearer(&editor)
        .json(json!({"version": story.version, "stage": "printed"}))
        .send()
        .await;
    odd.problem(422);
    assert_eq!(odd.fields(), ["stage"]);

    // Published, the public read knows nothing of the desk.
    app.publish(&story.id, story.version).await;
    let public = app
        .get(&format!("/api/v1/articles/{}", story.slug))
        .send()
        .await;
    assert_eq!(public.status, 200, "{}", public.text());
    let public = public.json();
    assert_eq!(public["slug"], story.slug.as_str(), "{public}");
    assert!(
        public.get("stage").is_none() && public.get("assignees").is_none(),
        "{public}"
    );
    let signed_in: Value = app
        .get(&format!("/api/v1/articles/{}", story.slug))
        .bearer(&editor)
        .send()
        .await
        .json();
    assert_eq!(signed_in["stage"], "ready_to_publish");
}

async fn editors_assign_people_and_lists_filter_by_stage_and_assignee(app: TestApp) {
    let (reporter_id, reporter) = app.user("author").await;
    let (sub_id, _) = app.user("editor").await;
    let mut ids = Vec::new();
    for headline in ["Budget vote", "Flood warning", "Match report"] {
        let made: Story = app
            .post("/api/v1/articles")
            .bearer(&app.admin)
            .json(json!({"headline": headline}))
            .send()
            .await
            .typed();
        ids.push(made);
    }

    // Assigning is the desk's call: an author cannot, an editor can.
    let by_author = app
        .patch(&format!("/api/v1/articles/{}", ids[0].id))
        .bearer(&reporter)
        .json(json!({"version": 1, "assignees": [reporter_id]}))
        .send()
        .await;
    by_author.problem(403);
    let assigned = app
        .patch(&format!("/api/v1/articles/{}", ids[0].id))
        .bearer(&app.admin)
        .json(json!({"version": 1, "assignees": [reporter_id, sub_id]}))
        .send()
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.text());
    let story: Story = assigned.typed();
    let names: Vec<String> = story.assignees.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&reporter_id) && names.contains(&sub_id));
    assert!(
        actions(&app, &story.id)
            .await
            .contains(&"assign".to_owned())
    );

    // An account that does not exist is named.
    let ghost = app
        .patch(&format!("/api/v1/articles/{}", ids[1].id))
        .bearer(&app.admin)
        .json(json!({"version": 1, "assignees": [sub_id, "nobody"]}))
        .send()
        .await;
    ghost.problem(422);
    assert_eq!(ghost.fields(), ["assignees[1]"]);

    let moved = move_to(&app, &app.admin, &ids[2], "ready_for_edit").await;
    assert_eq!(moved.status, 200, "{}", moved.text());

    let slugs = |res: Res| -> Vec<String> {
        assert_eq!(res.status, 200, "{}", res.text());
        typed::<Page<Listed>>(&res.json())
            .data
            .into_iter()
            .map(|s| s.slug)
            .collect()
    };
    let mine = slugs(
        app.get("/api/v1/articles?assignee=me")
            .bearer(&reporter)
            .send()
            .await,
    );
    assert_eq!(mine, ["budget-vote"]);
    let to_edit = slugs(
        app.get("/api/v1/articles?stage=ready_for_edit")
            .bearer(&app.admin)
            .send()
            .await,
    );
    assert_eq!(to_edit, ["match-report"]);
    let by_id = slugs(
        app.get(&format!("/api/v1/articles?assignee={sub_id}&stage=writing"))
            .bearer(&app.admin)
            .send()
            .await,
    );
    assert_eq!(by_id, ["budget-vote"]);
    // The desk's lists are for the desk.
    app.get("/api/v1/articles?stage=writing")
        .send()
        .await
        .problem(403);
}

/// Approval required.
const APPROVAL: [(&str, &str); 1] = [("DATELINE_REQUIRE_APPROVAL", "true")];
crate::both_backends_env!(super::APPROVAL; with_approval_required_an_author_publishes_only_what_an_editor_approved);

async fn with_approval_required_an_author_publishes_only_what_an_editor_approved(app: TestApp) {
    let (_, author) = app.user("author").await;
    let (_, editor) = app.user("editor").await;
    let story: Story = app
        .post("/api/v1/articles")
        .bearer(&author)
        .json(json!({"headline": "Council meets"}))
        .send()
        .await
        .typed();
    let publish = |id: String, token: String, version: i64| {
        app.post(&format!("/api/v1/articles/{id}/publish"))
            .bearer(&token)
            .json(json!({"version": version}))
            .send()
    };
    let early = publish(story.id.clone(), author.clone(), story.version).await;
    early.problem(409);
    assert_eq!(early.fields(), ["stage"]);

    let approved: Story = move_to(&app, &editor, &story, "ready_to_publish")
        .await
        .typed();
    let published = publish(story.id.clone(), author.clone(), approved.version).await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json()["status"], "published");

    // An editor's own story needs nobody's approval.
    let own: Story = app
        .post("/api/v1/articles")
        .bearer(&editor)
        .json(json!({"headline": "Editor's note"}))
        .send()
        .await
        .typed();
    let res = publish(own.id.clone(), editor.clone(), own.version).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

/// Short, so the test sees a lock lapse by itself.
const HOLD: [(&str, &str); 1] = [("DATELINE_EDIT_LOCK_SECONDS", "2")];
crate::both_backends_env!(super::HOLD; two_people_fighting_over_an_edit_lock);

async fn two_people_fighting_over_an_edit_lock(app: TestApp) {
    let (reporter_id, reporter) = app.user("author").await;
    let (_, rival) = app.user("author").await;
    let (editor_id, editor) = app.user("editor").await;
    let story: Story = app
        .post("/api/v1/articles")
        .bearer(&reporter)
        .json(json!({"headline": "Harbour fire"}))
        .send()
        .await
        .typed();
    let lock_path = format!("/api/v1/articles/{}/lock", story.id);
    let save = |token: String, version: i64| {
        app.patch(&format!("/api/v1/articles/{}", story.id))
            .bearer(&token)
            .json(json!({"version": version, "standfirst": "Late update"}))
            .send()
    };

    // The reporter opens the story: the lock is theirs, renewed by a heartbeat.
    let taken = app.post(&lock_path).bearer(&reporter).send().await;
    assert_eq!(taken.status, 200, "{}", taken.text());
    let taken = taken.json();
    assert_eq!(taken["user"]["id"], reporter_id.as_str());
    let renewed = app
        .post(&lock_path)
        .bearer(&reporter)
        .json(json!({}))
        .send()
        .await
        .json();
    assert_eq!(renewed["acquired_at"], taken["acquired_at"]);

    // An editor's save meets the lock (423, naming the holder); the editor's view shows it.
    let blocked = save(editor.clone(), story.version).await;
    let problem = blocked.problem(423);
    assert_eq!(problem["lock"]["user"]["id"], reporter_id.as_str());
    assert!(
        problem["detail"].as_str().unwrap().contains("A author"),
        "{problem}"
    );
    let view = app
        .get(&format!("/api/v1/articles/{}", story.id))
        .bearer(&editor)
        .send()
        .await
        .json();
    assert_eq!(view["lock"]["user"]["id"], reporter_id.as_str());

    // Another author can neither take it nor take it over; an editor takes it over.
    app.post(&lock_path)
        .bearer(&rival)
        .send()
        .await
        .problem(403);
    let refused = app
        .post(&lock_path)
        .bearer(&editor)
        .json(json!({"takeover": false}))
        .send()
        .await;
    refused.problem(423);
    let over = app
        .post(&lock_path)
        .bearer(&editor)
        .json(json!({"takeover": true}))
        .send()
        .await;
    assert_eq!(over.status, 200, "{}", over.text());
    assert_eq!(over.json()["user"]["id"], editor_id.as_str());

    // The former holder's next save says who took it; the editor saves.
    let told = save(reporter.clone(), story.version).await.problem(423);
    assert!(
        told["detail"].as_str().unwrap().contains("took over"),
        "{told}"
    );
    let saved = save(editor.clone(), story.version).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let version = saved.json()["version"].as_i64().unwrap();

    // The reporter cannot release the editor's lock; the editor can.
    app.delete(&lock_path)
        .bearer(&reporter)
        .send()
        .await
        .problem(423);
    let released = app.delete(&lock_path).bearer(&editor).send().await;
    assert_eq!(released.status, 204);
    let mine = save(reporter.clone(), version).await;
    assert_eq!(mine.status, 200, "{}", mine.text());
    let version = mine.json()["version"].as_i64().unwrap();

    // Without a heartbeat a lock lapses by itself.
    assert_eq!(
        app.post(&lock_path).bearer(&reporter).send().await.status,
        200
    );
    save(editor.clone(), version).await.problem(423);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let after = save(editor.clone(), version).await;
    assert_eq!(after.status, 200, "{}", after.text());
}

async fn notes_are_threaded_kept_by_their_writers_and_never_public(app: TestApp) {
    let (reporter_id, reporter) = app.user("author").await;
    let (_, rival) = app.user("author").await;
    let (editor_id, editor) = app.user("editor").await;
    let story: Story = app
        .post("/api/v1/articles")
        .bearer(&reporter)
        .json(json!({"headline": "Bridge closure"}))
        .send()
        .await
        .typed();
    let notes = format!("/api/v1/articles/{}/notes", story.id);
    let secret = "Source is the mayor's aide, do not name";

    let first = app
        .post(&notes)
        .bearer(&reporter)
        .json(json!({"text": secret, "mentions": [editor_id]}))
        .send()
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["author"]["id"], reporter_id.as_str());
    assert_eq!(first["mentions"][0]["id"], editor_id.as_str());
    let note_id = first["id"].as_str().unwrap().to_owned();
    let reply = app
        .post(&notes)
        .bearer(&editor)
        .json(json!({"text": "Fine, keep it out of the copy.", "parent_id": note_id}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let reply_id = reply.json()["id"].as_str().unwrap().to_owned();
    let orphan = app
        .post(&notes)
        .bearer(&editor)
        .json(json!({"text": "Lost", "parent_id": "nope", "mentions": ["nobody"]}))
        .send()
        .await;
    orphan.problem(422);
    assert_eq!(orphan.fields(), ["mentions[0]", "parent_id"]);

    let listed = app.get(&notes).bearer(&rival).send().await.json();
    let thread: Vec<(&str, Option<&str>)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["parent_id"].as_str()))
        .collect();
    assert_eq!(
        thread,
        [
            (note_id.as_str(), None),
            (reply_id.as_str(), Some(note_id.as_str()))
        ]
    );

    // Writers edit their own notes; editors resolve.
    let note_path = format!("{notes}/{note_id}");
    app.patch(&note_path)
        .bearer(&rival)
        .json(json!({"version": 1, "text": "Mine now"}))
        .send()
        .await
        .problem(403);
    let edited = app
        .patch(&note_path)
        .bearer(&reporter)
        .json(json!({"version": 1, "text": format!("{secret}!")}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    app.patch(&note_path)
        .bearer(&reporter)
        .json(json!({"version": 2, "resolved": true}))
        .send()
        .await
        .problem(403);
    let resolved = app
        .patch(&note_path)
        .bearer(&editor)
        .json(json!({"version": 2, "resolved": true}))
        .send()
        .await;
    assert_eq!(resolved.json()["resolved"], true);
    app.patch(&note_path)
        .bearer(&editor)
        .json(json!({"version": 2, "resolved": false}))
        .send()
        .await
        .problem(412);

    // Published, the story's notes are in no public output.
    app.publish(&story.id, story.version).await;
    for path in [
        format!("/api/v1/articles/{}", story.slug),
        "/api/v1/articles".to_owned(),
        "/feeds/json".to_owned(),
        "/feeds/rss".to_owned(),
        "/feeds/atom".to_owned(),
    ] {
        let res = app.get(&path).send().await;
        assert_eq!(res.status, 200, "{path}: {}", res.text());
        assert!(
            res.text().contains("Bridge closure"),
            "{path} shows the story"
        );
        assert!(!res.text().contains("mayor"), "{path} shows a note");
    }
    app.get(&notes).send().await.problem(401);

    // A note with replies stays (resolve it); without, its writer deletes it.
    app.delete(&note_path)
        .bearer(&reporter)
        .send()
        .await
        .problem(409);
    app.delete(&format!("{notes}/{reply_id}"))
        .bearer(&reporter)
        .send()
        .await
        .problem(403);
    assert_eq!(
        app.delete(&format!("{notes}/{reply_id}"))
            .bearer(&editor)
            .send()
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete(&note_path).bearer(&reporter).send().await.status,
        204
    );
    assert_eq!(
        app.get(&notes).bearer(&editor).send().await.json(),
        json!([])
    );
}

async fn two_revisions_compare_field_by_field_and_block_by_block(app: TestApp) {
    let story: Story = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": "Storm nears coast", "body": [
            {"type": "paragraph", "html": "The storm is <em>expected</em> tonight."},
            {"type": "paragraph", "html": "Schools stay open."},
        ]}))
        .send()
        .await
        .typed();
    let saved = app
        .patch(&format!("/api/v1/articles/{}", story.id))
        .bearer(&app.admin)
        .json(
            json!({"version": 1, "headline": "Storm hits coast", "body": [
                {"type": "heading", "level": 2, "text": "Latest"},
                {"type": "paragraph", "html": "The storm is <em>expected</em> tonight."},
                {"type": "paragraph", "html": "Schools stay closed on Monday."},
            ]}),
        )
        .send()
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text());

    let diff = app
        .get(&format!("/api/v1/articles/{}/revisions/2/diff", story.id))
        .bearer(&app.admin)
        .send()
        .await;
    assert_eq!(diff.status, 200, "{}", diff.text());
    let diff = diff.json();
    assert_eq!(
        (diff["from"].as_i64(), diff["to"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        diff["fields"],
        json!([{"field": "headline", "before": "Storm nears coast", "after": "Storm hits coast"}])
    );
    let blocks = diff["blocks"].as_array().unwrap();
    let kinds: Vec<(i64, &str)> = blocks
        .iter()
        .map(|b| (b["index"].as_i64().unwrap(), b["change"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [(0, "added"), (2, "changed")]);
    let words: Vec<(&str, &str)> = blocks[1]["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["op"].as_str().unwrap(), w["text"].as_str().unwrap()))
        .collect();
    assert!(words.contains(&("removed", "open.")), "{words:?}");
    assert!(
        words
            .iter()
            .any(|(op, t)| *op == "added" && t.contains("Monday")),
        "{words:?}"
    );

    // Any two revisions; one that does not exist is 404.
    let same = app
        .get(&format!(
            "/api/v1/articles/{}/revisions/2/diff?against=2",
            story.id
        ))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(
        (same["fields"].clone(), same["blocks"].clone()),
        (json!([]), json!([]))
    );
    app.get(&format!("/api/v1/articles/{}/revisions/9/diff", story.id))
        .bearer(&app.admin)
        .send()
        .await
        .problem(404);
}

async fn a_story_leaves_public_reads_by_itself_at_its_unpublish_time(app: TestApp) {
    let hook = app
        .post("/api/v1/webhooks")
        .bearer(&app.admin)
        .json(json!({"url": "https://93.184.215.14/off", "events": ["article.unpublished"]}))
        .send()
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text());
    let hook_id = hook.json()["id"].as_str().unwrap().to_owned();
    let story: Story = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(json!({"headline": "Flash sale"}))
        .send()
        .await
        .typed();
    let soon = chrono::Utc::now() + chrono::TimeDelta::milliseconds(800);
    let past = (chrono::Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339();
    let publish = |body: Value| {
        app.post(&format!("/api/v1/articles/{}/publish", story.id))
            .bearer(&app.admin)
            .json(body)
            .send()
    };
    let refused = publish(json!({"version": 1, "unpublish_at": past})).await;
    refused.problem(422);
    assert_eq!(refused.fields(), ["unpublish_at"]);
    let published = publish(json!({"version": 1, "unpublish_at": soon.to_rfc3339()})).await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert!(published.json()["unpublish_at"].is_string());
    let public = format!("/api/v1/articles/{}", story.slug);
    assert_eq!(app.get(&public).send().await.status, 200);
    assert!(
        app.get("/api/v1/articles")
            .send()
            .await
            .text()
            .contains("flash-sale"),
        "listed while public"
    );

    // Its time comes: the scheduler (on any instance, exactly once) takes it down.
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let run = || {
        app.state
            .db
            .write(dateline::content::articles::operations::publish_due)
    };
    let flipped = run().await.unwrap();
    assert_eq!(flipped, [story.id.as_str()]);
    assert!(
        run().await.unwrap().is_empty(),
        "a story leaves exactly once"
    );
    app.get(&public).send().await.problem(404);
    assert!(
        !app.get("/api/v1/articles")
            .send()
            .await
            .text()
            .contains("flash-sale")
    );
    let history = actions(&app, &story.id).await;
    assert_eq!(history[0], "scheduled_unpublish");
    let now = app
        .get(&format!("/api/v1/articles/{}", story.id))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(now["status"], "draft");
    assert!(now.get("unpublish_at").is_none(), "{now}");
    let events = app
        .get(&format!("/api/v1/webhooks/{hook_id}/deliveries"))
        .bearer(&app.admin)
        .send()
        .await
        .json();
    assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events["data"][0]["event"], "article.unpublished");
}

async fn a_working_copy_stays_out_of_sight_until_published_onto_the_live_story(app: TestApp) {
    let draft: Story = app
        .post("/api/v1/articles")
        .bearer(&app.admin)
        .json(
            json!({"headline": "Rail strike called", "standfirst": "Unions vote to walk out",
            "body": [{"type": "paragraph", "html": "Trains stop on Monday."}]}),
        )
        .send()
        .await
        .typed();
    let copy_path = format!("/api/v1/articles/{}/working-copy", draft.id);
    // A draft is edited directly.
    app.post(&copy_path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    let live = app.publish(&draft.id, draft.version).await;
    let live_version = live["version"].as_i64().unwrap();

    let made = app.post(&copy_path).bearer(&app.admin).send().await;
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(made.json()["content"]["headline"], "Rail strike called");
    app.post(&copy_path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    let edited = app
        .patch(&copy_path)
        .bearer(&app.admin)
        .json(json!({"version": 1, "headline": "Rail strike called off",
            "body": [{"type": "paragraph", "html": "Trains run on Monday after all."}]}))
        .send()
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert_eq!(edited.json()["version"], 2);
    // Only content goes in a copy; a bad reference is named as on the story.
    let state_change = app
        .patch(&copy_path)
        .bearer(&app.admin)
        .json(json!({"version": 2, "slug": "elsewhere", "section": "nowhere"}))
        .send()
        .await;
    state_change.problem(422);
    assert_eq!(state_change.fields(), ["slug"]);
    let bad_section = app
        .patch(&copy_path)
        .bearer(&app.admin)
        .json(json!({"version": 2, "section": "nowhere"}))
        .send()
        .await;
    bad_section.problem(422);
    assert_eq!(bad_section.fields(), ["section"]);

    // Readers, feeds and the story's own version see the live story only.
    let public = format!("/api/v1/articles/{}", draft.slug);
    let read = app.get(&public).send().await.json();
    assert_eq!(read["headline"], "Rail strike called");
    assert_eq!(read["version"].as_i64(), Some(live_version));
    assert!(read.get("working_copy").is_none(), "{read}");
    // The desk sees that there is one (and opens it rather than the live story).
    let desk = app.get(&public).bearer(&app.admin).send().await.json();
    assert_eq!(desk["working_copy"]["version"], 2, "{desk}");
    assert_eq!(desk["headline"], "Rail strike called");
    assert!(
        !app.get("/feeds/json")
            .send()
            .await
            .text()
            .contains("called off")
    );
    // A preview link opens the copy as it will read.
    let link = app
        .post(&format!("/api/v1/articles/{}/preview", draft.id))
        .bearer(&app.admin)
        .json(json!({"working_copy": true}))
        .send()
        .await;
    assert_eq!(link.status, 201, "{}", link.text());
    let link = link.json()["path"].as_str().unwrap().to_owned();
    let previewed = app.get(&link).send().await.json();
    assert_eq!(previewed["headline"], "Rail strike called off");
    assert!(
        previewed["body_html"]
            .as_str()
            .unwrap()
            .contains("after all"),
        "{previewed}"
    );

    // Published: one new revision with the correction, the copy gone.
    let published = app
        .post(&format!("{copy_path}/publish"))
        .bearer(&app.admin)
        .json(json!({"version": 2, "correction": "An earlier version said trains would stop."}))
        .send()
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    let published = published.json();
    assert_eq!(published["headline"], "Rail strike called off");
    assert_eq!(published["version"].as_i64(), Some(live_version + 1));
    assert_eq!(published["status"], "published");
    assert_eq!(
        published["corrections"][0]["text"],
        "An earlier version said trains would stop."
    );
    let read = app.get(&public).send().await.json();
    assert_eq!(read["headline"], "Rail strike called off");
    assert_eq!(actions(&app, &draft.id).await[0], "publish_working_copy");
    // The story is there; it has no working copy now (a state, so 409, not 404).
    let desk = app.get(&public).bearer(&app.admin).send().await.json();
    assert!(desk.get("working_copy").is_none(), "{desk}");
    app.get(&copy_path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
    // With the copy published, its preview link shows the story.
    assert_eq!(
        app.get(&link).send().await.json()["headline"],
        "Rail strike called off"
    );
    app.post(&format!("/api/v1/articles/{}/preview", draft.id))
        .bearer(&app.admin)
        .json(json!({"working_copy": true}))
        .send()
        .await
        .problem(409);

    // A copy made before the live story changed cannot undo that change.
    let again = app.post(&copy_path).bearer(&app.admin).send().await;
    assert_eq!(again.status, 201, "{}", again.text());
    let moved_on = app
        .patch(&format!("/api/v1/articles/{}", draft.id))
        .bearer(&app.admin)
        .json(json!({"version": live_version + 1, "standfirst": "Talks resume"}))
        .send()
        .await;
    assert_eq!(moved_on.status, 200, "{}", moved_on.text());
    app.post(&format!("{copy_path}/publish"))
        .bearer(&app.admin)
        .json(json!({"version": 1}))
        .send()
        .await
        .problem(409);
    assert_eq!(
        app.delete(&copy_path)
            .bearer(&app.admin)
            .send()
            .await
            .status,
        204
    );
    app.delete(&copy_path)
        .bearer(&app.admin)
        .send()
        .await
        .problem(409);
}
