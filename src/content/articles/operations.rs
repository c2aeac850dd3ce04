//! What the desk does to a story, one function per operation: create, save (and
//! restore a revision), publish or schedule, unpublish, trash and untrash, and the
//! scheduler's flip of due stories. Each runs inside the caller's transaction as one
//! visible sequence: resolve → validate → render → write → record the change →
//! announce. Handlers authorise and call these; the importers write through them too.
//! Queries are in `db`, the rendering in `prepare` and `blocks`, the partners' change
//! log in `syndication::changes`, and what readers are told in `announce`.

use chrono::NaiveDateTime;

use super::blocks::Block;
use super::db::{self, Content, NewArticle};
use super::input::ArticleInput;
use super::model::{Action, ArticleRow, Correction, Seo, Status};
use super::prepare::{render_body, resolve};
use super::translations;
use crate::content::slug;
use crate::error::{AppError, AppResult, Errors};
use crate::media::files::MediaStore;
use crate::store::ids::{ArticleId, ImageId};
use crate::store::invalidation::invalidate;
use crate::store::{DbConn, check_version, lock, new_id, now, versioned};

/// Creates a draft.
pub fn create(
    conn: &mut DbConn,
    input: ArticleInput,
    who: Option<&str>,
    media: &MediaStore,
) -> AppResult<ArticleRow> {
    lock(conn, "articles")?;
    let id = ArticleId::from(new_id());
    // Resolve and validate: every problem with the input is reported at once.
    let mut errors = Errors::default();
    let resolved = resolve(conn, &input, &mut errors)?;
    let mut body = input.body.unwrap_or_default();
    let standfirst = input.standfirst.unwrap_or_default();
    let rendered = render_body(conn, &id, &mut body, &standfirst, media, &mut errors)?;
    errors.finish()?;
    let headline = input.headline.unwrap_or_default();
    let slug = slug::choose(input.slug, &headline, |s| Ok(db::slug_taken(conn, s, "")?))
        .map_err(|e| rename_field(e, "name", "headline"))?;
    let seo = input.seo.unwrap_or_default();
    let featured = resolved.featured_image.flatten();
    let language = match input.language {
        Some(language) => language,
        None => crate::publication::db::language(conn)?,
    };
    let translation_of = match &input.translation_of {
        Some(Some(key)) => Some(translations::root_for(conn, &id, key)?),
        _ => None,
    };
    if let Some(root) = &translation_of {
        translations::ensure_language_free(conn, root, &id, &language)?;
        invalidate([translations::key(root)]);
    }
    let at = now();
    // Write.
    db::insert(
        conn,
        &NewArticle {
            id: &id,
            slug: slug.as_str(),
            headline: &headline,
            status: Status::Draft,
            created_by: who,
            version: 1,
            created_at: at,
            content: Content {
                standfirst,
                body: to_json(&body)?,
                body_html: rendered.html,
                body_text: rendered.text,
                word_count: rendered.word_count,
                reading_time_minutes: rendered.reading_time_minutes,
                embargo_until: input.embargo_until.flatten(),
                unpublish_at: input.unpublish_at.flatten(),
                section_id: resolved.section.flatten(),
                source: input.source.unwrap_or_default(),
                featured_image_id: featured.clone(),
                canonical_url: input.canonical_url.unwrap_or_default(),
                seo_title: seo.title,
                seo_description: seo.description,
                corrections: "[]".into(),
                language,
                translation_of,
                access: input.access.unwrap_or_default(),
                updated_at: at,
            },
        },
    )?;
    db::write_byline(conn, &id, &resolved.authors.unwrap_or_default())?;
    db::write_tags(conn, &id, &resolved.tags.unwrap_or_default())?;
    db::write_links(conn, &id, &body, featured.as_ref())?;
    if let Some(people) = &resolved.assignees {
        db::write_assignees(conn, &id, people)?;
    }
    if let Some(state) = input.live {
        super::live::set(conn, &id, state, at)?;
    }
    record(conn, &id, Action::Create, who)
}

/// Saves an edit if the story is still at `expected`; `action` names it in the
/// history (`update`, `restore 3`, `import`). A new slug leaves the old one redirecting.
pub fn save(
    conn: &mut DbConn,
    current: ArticleRow,
    expected: i64,
    input: ArticleInput,
    who: Option<&str>,
    media: &MediaStore,
    action: Action,
) -> AppResult<ArticleRow> {
    lock(conn, "articles")?;
    check_version(current.version, expected)?;
    let mut errors = Errors::default();
    let resolved = resolve(conn, &input, &mut errors)?;
    let mut body: Vec<Block> = match input.body {
        Some(b) => b,
        None => serde_json::from_str(&current.body).unwrap_or_default(),
    };
    let standfirst = input.standfirst.unwrap_or(current.standfirst.clone());
    let rendered = render_body(
        conn,
        &current.id,
        &mut body,
        &standfirst,
        media,
        &mut errors,
    )?;
    errors.finish()?;
    if let Some(slug) = &input.slug
        && slug.as_str() != current.slug
    {
        slug::ensure_free(Some(slug), |s| Ok(db::slug_taken(conn, s, &current.id)?))?;
    }
    let mut corrections: Vec<Correction> =
        serde_json::from_str(&current.corrections).unwrap_or_default();
    if let Some(text) = input.append_correction {
        corrections.push(Correction {
            at: crate::http::utc(now()),
            text,
        });
    }
    let seo = input.seo.unwrap_or(Seo {
        title: current.seo_title.clone(),
        description: current.seo_description.clone(),
    });
    let featured = resolved
        .featured_image
        .unwrap_or(current.featured_image_id.clone());
    let headline = input.headline.unwrap_or(current.headline.clone());
    let slug = input
        .slug
        .map_or(current.slug.clone(), |s| s.as_str().to_owned());
    let language = input.language.unwrap_or(current.language.clone());
    let translation_of = match &input.translation_of {
        Some(Some(key)) => Some(translations::root_for(conn, &current.id, key)?),
        Some(None) => None,
        None => current.translation_of.clone(),
    };
    if language != current.language || translation_of != current.translation_of {
        let root = translation_of.as_deref().unwrap_or(current.id.as_str());
        translations::ensure_language_free(conn, root, &current.id, &language)?;
        // Both groups list the story differently now.
        let was = current
            .translation_of
            .as_deref()
            .unwrap_or(current.id.as_str());
        invalidate([translations::key(was), translations::key(root)]);
    }
    let content = Content {
        standfirst,
        body: to_json(&body)?,
        body_html: rendered.html,
        body_text: rendered.text,
        word_count: rendered.word_count,
        reading_time_minutes: rendered.reading_time_minutes,
        embargo_until: input.embargo_until.unwrap_or(current.embargo_until),
        unpublish_at: input.unpublish_at.unwrap_or(current.unpublish_at),
        section_id: resolved.section.unwrap_or(current.section_id.clone()),
        source: input.source.unwrap_or(current.source.clone()),
        featured_image_id: featured.clone(),
        canonical_url: input.canonical_url.unwrap_or(current.canonical_url.clone()),
        seo_title: seo.title,
        seo_description: seo.description,
        corrections: to_json(&corrections)?,
        language,
        translation_of,
        access: input.access.unwrap_or(current.access),
        updated_at: now(),
    };
    let id = &current.id;
    versioned(
        conn,
        |c| db::update_content(c, id, expected, (&slug, &headline), &content),
        |c| db::stored_version(c, id),
    )?;
    if slug != current.slug {
        // The old address keeps working as a redirect.
        db::forget_redirect(conn, &slug)?;
        db::redirect(conn, &current.slug, id)?;
    }
    if let Some(authors) = &resolved.authors {
        db::write_byline(conn, id, authors)?;
    }
    if let Some(tags) = &resolved.tags {
        db::write_tags(conn, id, tags)?;
    }
    db::write_links(conn, id, &body, featured.as_ref())?;
    if let Some(state) = input.live {
        super::live::set(conn, id, state, now())?;
    }
    // The desk: a move to another stage, or other people on the story, is what the
    // history and the webhooks call this save.
    let moved = input.stage.filter(|s| *s != current.stage);
    if let Some(stage) = moved {
        db::set_stage(conn, id, stage)?;
    }
    let reassigned = match &resolved.assignees {
        Some(people) => {
            let mut before = db::assignees_of(conn, id)?;
            let mut after = people.clone();
            before.sort();
            after.sort();
            db::write_assignees(conn, id, people)?;
            before != after
        }
        None => false,
    };
    let action = match (moved, reassigned) {
        (Some(stage), _) => Action::Stage(stage),
        (None, true) => Action::Assign,
        (None, false) => action,
    };
    record(conn, id, action, who)
}

/// Puts a revision's content back as a new save (slug and state stay as they are).
pub fn restore(
    conn: &mut DbConn,
    current: ArticleRow,
    expected: i64,
    number: i32,
    who: Option<&str>,
    media: &MediaStore,
) -> AppResult<ArticleRow> {
    let (_, snapshot) = super::revisions::revision(conn, &current.id, number)?;
    let input = super::revisions::snapshot_input(snapshot);
    save(
        conn,
        current,
        expected,
        input,
        who,
        media,
        Action::Restore(number),
    )
}

/// Publishes at `at` (now when absent), or schedules when `at` is in the future:
/// public from then on with no further request.
pub fn publish(
    conn: &mut DbConn,
    current: &ArticleRow,
    expected: i64,
    at: Option<NaiveDateTime>,
    unpublish_at: Option<NaiveDateTime>,
    who: Option<&str>,
) -> AppResult<ArticleRow> {
    let now = now();
    let at = at.unwrap_or(now);
    if unpublish_at.is_some() {
        // Inside the publish's transaction, so its revision records it too.
        check_version(current.version, expected)?;
        db::set_unpublish_at(conn, &current.id, unpublish_at)?;
    }
    if at > now {
        set_status(
            conn,
            current,
            expected,
            Status::Scheduled,
            Some(at),
            Action::Schedule,
            who,
        )
    } else {
        set_status(
            conn,
            current,
            expected,
            Status::Published,
            Some(at),
            Action::Publish,
            who,
        )
    }
}

/// Takes a story back to draft: it leaves every public read at once.
pub fn unpublish(
    conn: &mut DbConn,
    current: &ArticleRow,
    expected: i64,
    who: Option<&str>,
) -> AppResult<ArticleRow> {
    set_status(
        conn,
        current,
        expected,
        Status::Draft,
        None,
        Action::Unpublish,
        who,
    )
}

/// Sets a story's state and publish time as it is (an import keeping the source's).
pub fn set_status(
    conn: &mut DbConn,
    current: &ArticleRow,
    expected: i64,
    status: Status,
    published_at: Option<NaiveDateTime>,
    action: Action,
    who: Option<&str>,
) -> AppResult<ArticleRow> {
    let id = &current.id;
    check_version(current.version, expected)?;
    versioned(
        conn,
        |c| db::set_status(c, id, expected, status, published_at),
        |c| db::stored_version(c, id),
    )?;
    record(conn, id, action, who)
}

/// Moves a story to the trash (restorable; nothing is destroyed).
pub fn trash(
    conn: &mut DbConn,
    current: &ArticleRow,
    expected: i64,
    who: Option<&str>,
) -> AppResult<()> {
    let id = &current.id;
    check_version(current.version, expected)?;
    versioned(
        conn,
        |c| db::set_trashed(c, id, expected, Some(now())),
        |c| db::stored_version(c, id),
    )?;
    record(conn, id, Action::Trash, who)?;
    Ok(())
}

/// Takes a story out of the trash, in the state it had.
pub fn untrash(
    conn: &mut DbConn,
    trashed: &ArticleRow,
    who: Option<&str>,
) -> AppResult<ArticleRow> {
    let id = &trashed.id;
    versioned(
        conn,
        |c| db::set_trashed(c, id, trashed.version, None),
        |c| db::stored_version(c, id),
    )?;
    record(conn, id, Action::Untrash, who)
}

/// Re-renders the stored HTML and text of every story that shows `image_id`, after
/// its caption, credit or alt text changed. The stories' versions stay (their own
/// content did not change); their ETags change with the bytes.
pub fn rerender_using_image(
    conn: &mut DbConn,
    image_id: &ImageId,
    media: &MediaStore,
) -> AppResult<usize> {
    let users = db::using_image(conn, image_id)?;
    for row in &users {
        let mut body: Vec<Block> = serde_json::from_str(&row.body).unwrap_or_default();
        let mut errors = Errors::default();
        let rendered = render_body(
            conn,
            &row.id,
            &mut body,
            &row.standfirst,
            media,
            &mut errors,
        )?;
        db::set_rendering(conn, &row.id, &rendered.html, &rendered.text)?;
    }
    // Whatever shows these stories or links to them shows the photo.
    crate::store::invalidation::invalidate(users.iter().flat_map(|row| {
        [
            crate::content::keys::article(&row.id),
            crate::content::keys::link(&row.id),
        ]
    }));
    Ok(users.len())
}

/// Whether [`publish_due`] has anything to do (a read: idle ticks never write, so they
/// never invalidate cached responses).
pub fn anything_due(conn: &mut DbConn) -> AppResult<bool> {
    Ok(db::any_due(conn)?
        || !db::unpublish_due(conn)?.is_empty()
        || !crate::syndication::changes::embargoes_lifted(conn)?.is_empty())
}

/// Marks scheduled stories whose time has come as published, with a revision each,
/// and records embargoes that ran out; returns the ids flipped. Safe to run on every
/// instance at once: a story flips exactly once.
pub fn publish_due(conn: &mut DbConn) -> AppResult<Vec<ArticleId>> {
    lock(conn, "scheduler")?;
    let due = db::due(conn)?;
    // Every row first, then the records: recording takes the change log's lock, and
    // taking row locks after it could deadlock with an editor saving one of these.
    let mut flipped = Vec::new();
    for id in &due {
        if db::flip_published(conn, id)? == 1 {
            flipped.push(id);
        }
    }
    // And stories whose unpublish_at came go back to draft, as an unpublish would.
    let leaving = db::unpublish_due(conn)?;
    let mut unpublished = Vec::new();
    for id in leaving {
        if db::flip_unpublished(conn, &id)? == 1 {
            unpublished.push(id);
        }
    }
    for id in flipped {
        record(conn, id, Action::ScheduledPublish, None)?;
    }
    for id in &unpublished {
        record(conn, id, Action::ScheduledUnpublish, None)?;
    }
    // Embargoes that ran out went public by themselves: record it, so webhooks say so.
    for id in crate::syndication::changes::embargoes_lifted(conn)? {
        record(conn, &id, Action::EmbargoLifted, None)?;
    }
    Ok(due.into_iter().chain(unpublished).collect())
}

/// The tail of every operation: the revision (the story as it now is, who did what),
/// the partners' change log and webhook events, then what readers see
/// (`public_stories`, counts, cache invalidations), all in the caller's transaction.
fn record(
    conn: &mut DbConn,
    id: &ArticleId,
    action: Action,
    who: Option<&str>,
) -> AppResult<ArticleRow> {
    let row = db::by_id(conn, id)?;
    let (authors, tags) = db::byline_and_tags(conn, id)?;
    let snapshot = serde_json::json!({"article": row, "authors": authors, "tags": tags});
    let desk_event = match action {
        Action::Stage(_) => Some("article.stage_changed"),
        Action::Assign => Some("article.assigned"),
        _ => None,
    };
    let action = action.to_string();
    db::insert_revision(conn, id, &action, who, &snapshot.to_string())?;
    crate::syndication::changes::note(conn, &row, &action)?;
    if let Some(kind) = desk_event {
        crate::webhooks::outbox::article_event(conn, kind, &row, &action)?;
    }
    super::announce::announce(conn, &row, &tags, &authors)?;
    Ok(row)
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// The slug rules speak of a `name`; a story's is its headline.
fn rename_field(err: AppError, from: &str, to: &str) -> AppError {
    match err {
        AppError::Validation(mut errors) => {
            for e in &mut errors {
                if e.field == from {
                    e.field = to.into();
                }
            }
            AppError::Validation(errors)
        }
        other => other,
    }
}
