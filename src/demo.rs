//! `dateline demo`: fills an empty database with a small, living newsroom of our own
//! making — sections, bylines, tags, generated photos, ~30 stories with "Also Read"
//! links, a correction, a scheduled story and the front page's collections — so a
//! newcomer sees the API at work.

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use image::{ExtendedColorType, ImageEncoder};
use serde_json::{Value, json};

use crate::content::articles::db as articles;
use crate::content::articles::input::CreateArticle;
use crate::content::articles::model::Action;
use crate::content::articles::operations;
use crate::error::{AppError, AppResult};
use crate::media::model::ImageMeta;
use crate::state::AppState;
use crate::store::schema;

const SECTIONS: [(&str, Option<&str>); 5] = [
    ("Top News", None),
    ("World", None),
    ("Europe", Some("world")),
    ("Business", None),
    ("Science", None),
];
const AUTHORS: [&str; 4] = [
    "Maya Lindqvist",
    "Tomás Ferreira",
    "Aiko Tanaka",
    "Samuel Okafor",
];
const TAGS: [&str; 6] = [
    "Diplomacy",
    "Elections",
    "Climate",
    "Markets",
    "Energy",
    "Health",
];
const PHOTOS: [(&str, &str, [u8; 3]); 4] = [
    (
        "Delegates arrive at the conference centre",
        "Photo – Dateline Demo",
        [40, 90, 160],
    ),
    (
        "Wind turbines off the northern coast",
        "Photo – Dateline Demo",
        [30, 140, 90],
    ),
    (
        "Traders watch the opening bell",
        "Photo – Dateline Demo",
        [170, 120, 40],
    ),
    (
        "Researchers in the field laboratory",
        "Photo – Dateline Demo",
        [130, 60, 140],
    ),
];
const STORIES: [(&str, &str, &str); 10] = [
    ("Leaders agree to resume talks", "top-news", "diplomacy"),
    ("Turnout surges in regional vote", "world", "elections"),
    ("Coastal towns brace for record heat", "europe", "climate"),
    ("Markets steady after rate decision", "business", "markets"),
    ("Grid operators add storage capacity", "business", "energy"),
    (
        "Vaccination drive reaches rural clinics",
        "science",
        "health",
    ),
    ("Ministers outline new energy pact", "europe", "energy"),
    ("Observers praise orderly count", "world", "elections"),
    ("Glacier survey finds faster melt", "science", "climate"),
    ("Envoys meet ahead of summit", "top-news", "diplomacy"),
];

/// The front page's rails: a 20-slot homepage with its lead pinned, a curated
/// "Don't Miss" rail, and "Latest from Top News" filled from its section by itself.
pub(crate) async fn collections(state: &AppState, ids: &[String]) -> AppResult<()> {
    use crate::ordering::curate::{Op, apply};
    use crate::ordering::input::{CreateCollection, ItemInput};
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let plans: [(&str, i32, Option<&str>, Vec<ItemInput>); 3] = [
        (
            "Homepage",
            20,
            None,
            newest_first
                .iter()
                .take(20)
                .enumerate()
                .map(|(i, id)| ItemInput {
                    article_id: id.clone(),
                    pinned: i == 0,
                    expires_at: None,
                })
                .collect(),
        ),
        (
            "Don't Miss",
            4,
            None,
            newest_first
                .iter()
                .skip(3)
                .step_by(5)
                .take(4)
                .map(|id| ItemInput {
                    article_id: id.clone(),
                    pinned: false,
                    expires_at: None,
                })
                .collect(),
        ),
        ("Latest from Top News", 5, Some("top-news"), Vec::new()),
    ];
    for (name, max_items, fill, items) in plans {
        let (name, input) = CreateCollection {
            name: name.to_owned(),
            slug: None,
            description: None,
            max_items: Some(max_items),
            fill_section: fill.map(str::to_owned),
            fill_tag: None,
        }
        .parse()?;
        state
            .db
            .write(move |conn| {
                let row = crate::ordering::db::insert(conn, &name, input, None)?;
                if !items.is_empty() {
                    apply(conn, &row.id, row.version, None, Op::Replace(items))?;
                }
                Ok(())
            })
            .await?;
    }
    Ok(())
}

/// A photo-like demo image: a soft gradient in `tint`.
pub(crate) fn photo(tint: [u8; 3]) -> Result<Vec<u8>, String> {
    let (w, h) = (1600u32, 1000u32);
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let shade = (x * 60 / w + y * 60 / h) as u8;
            pixels.extend(tint.map(|c| c.saturating_add(shade)));
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(&pixels, w, h, ExtendedColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

async fn create(state: &AppState, body: Value) -> AppResult<String> {
    let input = serde_json::from_value::<CreateArticle>(body)
        .map_err(|e| AppError::internal(format!("demo story: {e}")))?
        .parse()?;
    let media = state.media.clone();
    let row = state
        .db
        .write(move |conn| operations::create(conn, input, None, &media))
        .await?;
    Ok(row.id.into())
}

async fn publish(state: &AppState, id: String, hours_ago: i64) -> AppResult<()> {
    state
        .db
        .write(move |conn| {
            let row = articles::get(conn, &id)?;
            let at = crate::store::now() - TimeDelta::hours(hours_ago);
            operations::publish(conn, &row, row.version, Some(at), None, None)?;
            Ok(())
        })
        .await
}

/// Fills the database; refuses if it already has stories.
pub async fn run(state: &AppState) -> Result<String, String> {
    let existing: i64 = state
        .db
        .read(|conn| Ok(schema::articles::table.count().get_result(conn)?))
        .await
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(
            "the database already has stories; `dateline demo` only fills an empty one".into(),
        );
    }
    let fail = |e: AppError| e.to_string();
    state
        .db
        .write(|conn| {
            for (name, parent) in SECTIONS {
                let input = crate::content::sections::model::CreateSection {
                    name: name.into(),
                    slug: None,
                    description: Some(format!("{name} coverage from the Dateline demo desk.")),
                    parent: parent.map(str::to_owned),
                    position: None,
                }
                .parse()?;
                crate::content::sections::db::insert(conn, input)?;
            }
            for name in AUTHORS {
                let input = crate::content::authors::model::CreateAuthor {
                    name: name.into(),
                    slug: None,
                    bio: Some(format!("{name} reports for the Dateline demo desk.")),
                    links: None,
                }
                .parse()?;
                crate::content::authors::db::insert(conn, input)?;
            }
            for name in TAGS {
                let (name, input) = crate::content::tags::model::CreateTag {
                    name: name.into(),
                    slug: None,
                    description: None,
                }
                .parse()?;
                crate::content::tags::db::insert(conn, &name, input)?;
            }
            Ok(())
        })
        .await
        .map_err(fail)?;

    let mut photos = Vec::new();
    for (caption, credit, tint) in PHOTOS {
        let meta = ImageMeta::parse(
            Some(caption.into()),
            Some(caption.into()),
            Some(credit.into()),
            None,
        )
        .map_err(fail)?;
        let (_, row) = crate::media::ingest::ingest(state, photo(tint)?.into(), meta, None)
            .await
            .map_err(fail)?;
        photos.push(row.id);
    }

    let author_slugs: Vec<String> = AUTHORS
        .iter()
        .map(|a| {
            crate::content::slug::Slug::derive(a)
                .map(|s| s.to_string())
                .unwrap_or_default()
        })
        .collect();
    let mut ids: Vec<String> = Vec::new();
    for round in 0..3 {
        for (i, (headline, section, tag)) in STORIES.iter().enumerate() {
            let n = round * STORIES.len() + i;
            let headline = if round == 0 {
                (*headline).to_owned()
            } else {
                format!("{headline}: day {}", round + 1)
            };
            let photo_id = &photos[n % photos.len()];
            let mut body = vec![
                json!({"type": "paragraph", "html": format!("<strong>{headline}.</strong> Officials confirmed the news on Tuesday, according to the Dateline demo wire.")}),
                json!({"type": "paragraph", "html": "Analysts said the development had been expected for weeks, and that its effects would be felt <em>well beyond the region</em>."}),
                json!({"type": "image", "image_id": photo_id}),
                json!({"type": "quote", "text": "We are ready to move forward", "attribution": "A spokesperson"}),
            ];
            if let Some(previous) = ids.last() {
                body.insert(
                    2,
                    json!({"type": "related", "article_id": previous, "label": "Also Read"}),
                );
            }
            if n == 0 {
                // The first story shows the rest of the block types a front end meets.
                body.extend([
                    json!({"type": "list", "ordered": false, "items": ["Talks resume on <strong>Monday</strong>", "Read the <a href=\"https://example.com/statement\">full statement</a>"]}),
                    json!({"type": "table", "header": true, "rows": [["Region", "Turnout"], ["North", "64%"], ["South", "58%"]], "caption": "Turnout by region"}),
                    json!({"type": "code", "language": "shell", "text": "curl https://example.com/api/results\n  --header 'Accept: application/json'"}),
                    json!({"type": "embed", "url": "https://www.youtube.com/watch?v=demo", "provider": "youtube", "caption": "The announcement"}),
                ]);
            }
            body.push(json!({"type": "paragraph", "html": "More details are expected later this week. <a href=\"https://example.com/background\">Background</a>."}));
            let id = create(
                state,
                json!({
                    "headline": headline,
                    "standfirst": format!("{headline}, reports the Dateline demo wire"),
                    "source": "Dateline demo wire",
                    "section": section,
                    "tags": [tag],
                    "authors": [author_slugs[n % author_slugs.len()]],
                    "featured_image": photo_id,
                    "body": body,
                }),
            )
            .await
            .map_err(fail)?;
            publish(state, id.clone(), (30 - n as i64) * 7)
                .await
                .map_err(fail)?;
            ids.push(id);
        }
    }

    // A correction on the first story, and one story scheduled for tomorrow.
    let first = ids[0].clone();
    let media = state.media.clone();
    state
        .db
        .write(move |conn| {
            let row = articles::get(conn, &first)?;
            let input = crate::content::articles::input::UpdateArticle {
                append_correction: Some(
                    "An earlier version of this story misstated the venue.".into(),
                ),
                ..Default::default()
            }
            .parse()?;
            let version = row.version;
            operations::save(conn, row, version, input, None, &media, Action::Update)?;
            Ok(())
        })
        .await
        .map_err(fail)?;
    let scheduled = create(state, json!({"headline": "Morning briefing: what to watch today", "section": "top-news", "standfirst": "Prepared overnight by the demo desk"}))
        .await
        .map_err(fail)?;
    publish(state, scheduled, -24).await.map_err(fail)?;

    // A live story with a few entries, one of them pinned and one a key event.
    let live = create(state, json!({
        "headline": "Storm watch: live updates",
        "section": "top-news",
        "standfirst": "The demo desk follows the storm as it crosses the coast",
        "authors": [author_slugs[0]],
        "featured_image": photos[0],
        "live": {"state": "live"},
        "body": [{"type": "paragraph", "html": "Follow the storm with the demo desk: the newest updates come first."}],
    }))
    .await
    .map_err(fail)?;
    // Going since the morning: the newest story stays an ordinary one with photos.
    publish(state, live.clone(), 8).await.map_err(fail)?;
    let media = state.media.clone();
    state
        .db
        .write(move |conn| {
            let story = articles::get(conn, &live)?;
            for (headline, text, pinned, key_event) in [
                (Some("Stay indoors"), "The coastguard asks everyone near the shore to <strong>stay indoors</strong> until the evening.", true, false),
                (None, "Ferry crossings are suspended until further notice.", false, true),
                (Some("Winds easing"), "Gusts have dropped below 60 km/h along the harbour.", false, false),
            ] {
                let entry = serde_json::from_value::<crate::content::live::model::CreateEntry>(json!({
                    "headline": headline,
                    "body": [{"type": "paragraph", "html": text}],
                    "pinned": pinned,
                    "key_event": key_event,
                }))
                .map_err(|e| AppError::internal(format!("demo entry: {e}")))?;
                crate::content::live::db::create(conn, &story, None, entry, &media)?;
            }
            Ok(())
        })
        .await
        .map_err(fail)?;

    collections(state, &ids).await.map_err(fail)?;

    Ok(format!(
        "demo newsroom ready: {} sections, {} authors, {} tags, {} photos, {} stories (one live), 3 collections (one story scheduled for {})",
        SECTIONS.len(),
        AUTHORS.len(),
        TAGS.len(),
        photos.len(),
        ids.len() + 2,
        (Utc::now() + TimeDelta::hours(24)).format("%Y-%m-%d %H:%M UTC")
    ))
}
