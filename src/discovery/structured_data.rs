//! A story as search engines read it in the page head: schema.org `NewsArticle` as
//! JSON-LD, with what Google's article rich results ask for (headline, images, dates,
//! authors with their URLs, the publisher with its logo) and what a newsroom adds
//! (section, keywords, language, corrections, translations, the paywall).

use serde_json::{Value, json};

use crate::content::articles::model::{Access, ArticleResponse, LiveState, Translation};
use crate::content::live::model::EntryResponse;
use crate::media::model::ImageResponse;
use crate::publication::Publication;

/// A byline as structured data names it.
pub struct Byline {
    pub name: String,
    pub slug: String,
    /// The author's own site, if their profile has one.
    pub website: Option<String>,
}

/// What the document is made from.
pub struct Sources<'a> {
    pub story: &'a ArticleResponse,
    pub publication: &'a Publication,
    pub authors: &'a [Byline],
    /// The lead photo in full (renditions, sizes).
    pub photo: Option<&'a ImageResponse>,
    pub logo: Option<&'a ImageResponse>,
    pub translations: &'a [Translation],
    /// The original, when the story is a translation.
    pub original: Option<&'a Translation>,
    /// The section's slug for translations' addresses (they share the story's).
    pub section_slug: Option<&'a str>,
    /// A live story's newest entries.
    pub entries: &'a [EntryResponse],
}

/// How many of a live story's entries the document lists (newest first).
pub const LIVE_UPDATES: i64 = 50;

fn image_object(image: &ImageResponse) -> Value {
    json!({
        "@type": "ImageObject",
        "url": image.url,
        "width": image.width,
        "height": image.height,
        "caption": image.caption,
        "creditText": image.credit,
    })
}

/// The JSON-LD document.
pub fn document(s: &Sources) -> Value {
    let story = s.story;
    let publication = s.publication;
    let url = publication.story_url(&story.place());
    let link_of = |t: &Translation| {
        publication.story_url(&crate::publication::model::StoryPlace {
            id: t.id.as_str(),
            slug: &t.slug,
            section: s.section_slug,
            language: &t.language,
            published_at: story.published_at,
        })
    };
    let authors: Vec<Value> = s
        .authors
        .iter()
        .map(|a| {
            json!({
                "@type": "Person",
                "name": a.name,
                "url": a.website.clone().unwrap_or_else(|| publication.site_path(&format!("/authors/{}", a.slug))),
            })
        })
        .collect();
    // Google asks for 16:9, 4:3 and 1:1 at least 1,200 pixels wide: the photo's
    // art-directed crops, else its largest renditions.
    let images: Vec<Value> = s
        .photo
        .map(|p| {
            let mut urls: Vec<String> = p.crops.iter().map(|c| c.url.clone()).collect();
            for r in p.renditions.iter().rev() {
                if urls.len() < 3 && !urls.contains(&r.url) && r.format != "webp" {
                    urls.push(r.url.clone());
                }
            }
            if urls.is_empty() && !p.url.is_empty() {
                urls.push(p.url.clone());
            }
            urls.into_iter().map(Value::String).collect()
        })
        .unwrap_or_default();
    let mut publisher = json!({
        "@type": "NewsMediaOrganization",
        "name": publication.name,
        "url": publication.site_url,
    });
    if let Some(logo) = s.logo {
        publisher["logo"] = image_object(logo);
    }
    let free = story.access == Access::Public;
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": story.headline,
        "description": story.standfirst,
        "datePublished": story.published_at,
        "dateModified": story.updated_at,
        "author": authors,
        "publisher": publisher,
        "inLanguage": story.language,
        "isAccessibleForFree": free,
        "wordCount": story.word_count,
        "keywords": story.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
    });
    if !images.is_empty() {
        doc["image"] = Value::Array(images);
    }
    if let Some(photo) = s.photo {
        doc["thumbnailUrl"] = Value::String(photo.url.clone());
    }
    if let Some(section) = &story.section {
        doc["articleSection"] = Value::String(section.name.clone());
    }
    if !story.canonical_url.is_empty() {
        doc["sameAs"] = Value::String(story.canonical_url.clone());
    }
    if !free {
        // Google's paywalled-content markup: the front end marks the walled part.
        doc["hasPart"] = json!({
            "@type": "WebPageElement",
            "isAccessibleForFree": false,
            "cssSelector": ".paywall",
        });
    }
    if !story.corrections.is_empty() {
        doc["correction"] = story
            .corrections
            .iter()
            .map(|c| json!({"@type": "CorrectionComment", "text": c.text, "datePublished": c.at}))
            .collect();
    }
    if let Some(live) = &story.live {
        // Google's live-blog markup: the coverage's times and its updates.
        doc["@type"] = Value::String("LiveBlogPosting".into());
        doc["coverageStartTime"] = json!(live.started_at.or(story.published_at));
        if live.state == LiveState::Ended {
            doc["coverageEndTime"] = json!(live.ended_at);
        }
        doc["liveBlogUpdate"] = s
            .entries
            .iter()
            .map(|e| {
                let mut update = json!({
                    "@type": "BlogPosting",
                    "@id": format!("{url}#entry-{}", e.id),
                    "url": format!("{url}#entry-{}", e.id),
                    "headline": e.title(),
                    "articleBody": e.text(),
                    "datePublished": e.published_at,
                    "dateModified": e.updated_at,
                });
                if !e.authors.is_empty() {
                    update["author"] = e
                        .authors
                        .iter()
                        .map(|a| json!({"@type": "Person", "name": a.name, "url": publication.site_path(&format!("/authors/{}", a.slug))}))
                        .collect();
                }
                update
            })
            .collect();
    }
    let work = |t: &Translation| json!({"@type": "NewsArticle", "@id": link_of(t), "url": link_of(t), "headline": t.headline, "inLanguage": t.language});
    match s.original {
        Some(original) => doc["translationOfWork"] = work(original),
        None if !s.translations.is_empty() => {
            doc["workTranslation"] = s.translations.iter().map(work).collect();
        }
        None => {}
    }
    doc
}
