//! Stories as IPTC ninjs 2.2 documents (the News in JSON standard partners ingest):
//! headlines, descriptions (the standfirst), bodies as HTML and text, the byline,
//! subjects (section and tags), the lead photo as an association with renditions,
//! embargo, publication status and version.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::content::articles::model::ArticleResponse;
use crate::media::model::ImageResponse;

/// `usable`, or `canceled` for a story withdrawn (unpublished or trashed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PubStatus {
    Usable,
    Canceled,
}

/// A ninjs text with a role (headline, description, body).
#[derive(Debug, Serialize, ToSchema)]
pub struct Text {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contenttype: Option<&'static str>,
    pub value: String,
}

/// A ninjs body: its text and counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Body {
    pub role: &'static str,
    pub contenttype: &'static str,
    pub value: String,
    pub charcount: usize,
    pub wordcount: i32,
}

/// A concept the story is about (its section and tags).
#[derive(Debug, Serialize, ToSchema)]
pub struct Subject {
    pub name: String,
    /// `section` or `tag`.
    pub rel: &'static str,
    pub uri: String,
    pub literal: String,
}

/// An alternative identifier.
#[derive(Debug, Serialize, ToSchema)]
pub struct AltId {
    pub role: &'static str,
    pub value: String,
}

/// Where the content came from (the story's source credit).
#[derive(Debug, Serialize, ToSchema)]
pub struct InfoSource {
    pub name: String,
    pub role: &'static str,
}

/// One file of a picture.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NinjsRendition)]
pub struct Rendition {
    pub name: String,
    pub href: String,
    pub contenttype: String,
    pub width: u32,
    pub height: u32,
}

/// The lead photo, as an associated ninjs picture.
#[derive(Debug, Serialize, ToSchema)]
pub struct Association {
    pub name: &'static str,
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Text>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub by: String,
    pub renditions: Vec<Rendition>,
}

/// A story as an IPTC ninjs 2.2 document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ninjs {
    /// Stable and unique: the story's API URL by id.
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The story's version; it grows with every change.
    pub version: String,
    pub firstcreated: DateTime<Utc>,
    pub versioncreated: DateTime<Utc>,
    /// Not for publication before this time (an embargo, or a scheduled publication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embargoed: Option<DateTime<Utc>>,
    pub pubstatus: PubStatus,
    pub language: String,
    pub slugline: String,
    pub headlines: Vec<Text>,
    pub descriptions: Vec<Text>,
    pub bodies: Vec<Body>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub by: String,
    pub subjects: Vec<Subject>,
    pub associations: Vec<Association>,
    pub altids: Vec<AltId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub infosources: Vec<InfoSource>,
}

/// Builds the document. `article` must carry `body_html` and `body_text`; `photo` is
/// the lead photo in full (for its renditions); `live` says whether partners may use
/// it (else `canceled`).
pub fn document(
    article: ArticleResponse,
    photo: Option<ImageResponse>,
    live: bool,
    public_url: &str,
) -> Ninjs {
    let now = Utc::now();
    let embargoed = [article.embargo_until, article.published_at]
        .into_iter()
        .flatten()
        .filter(|at| *at > now)
        .max();
    let html = article.body_html.unwrap_or_default();
    let text = article.body_text.unwrap_or_default();
    let mut subjects: Vec<Subject> = Vec::new();
    if let Some(section) = article.section {
        subjects.push(Subject {
            uri: format!("{public_url}/api/v1/sections/{}", section.id),
            name: section.name,
            rel: "section",
            literal: section.slug,
        });
    }
    for tag in article.tags {
        subjects.push(Subject {
            uri: format!("{public_url}/api/v1/tags/{}", tag.id),
            name: tag.name,
            rel: "tag",
            literal: tag.slug,
        });
    }
    let associations = photo
        .map(|p| Association {
            name: "featureimage",
            uri: format!("{public_url}/api/v1/images/{}", p.id),
            kind: "picture",
            descriptions: [("caption", &p.caption), ("alt", &p.alt)]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(role, v)| Text {
                    role,
                    contenttype: Some("text/plain"),
                    value: v.clone(),
                })
                .collect(),
            by: p.credit,
            renditions: p
                .renditions
                .into_iter()
                .map(|r| Rendition {
                    name: format!("{}-{}", r.width, r.format),
                    contenttype: format!("image/{}", r.format),
                    href: r.url,
                    width: r.width,
                    height: r.height,
                })
                .collect(),
        })
        .into_iter()
        .collect();
    Ninjs {
        uri: format!("{public_url}/api/v1/articles/{}", article.id),
        kind: "text",
        version: article.version.to_string(),
        firstcreated: article.created_at,
        versioncreated: article.updated_at,
        embargoed,
        pubstatus: if live {
            PubStatus::Usable
        } else {
            PubStatus::Canceled
        },
        language: article.language.clone(),
        slugline: article.slug.clone(),
        headlines: vec![Text {
            role: "main",
            contenttype: Some("text/plain"),
            value: article.headline,
        }],
        descriptions: vec![Text {
            role: "summary",
            contenttype: Some("text/plain"),
            value: article.standfirst,
        }],
        bodies: vec![
            Body {
                role: "main",
                contenttype: "text/html",
                charcount: html.chars().count(),
                wordcount: article.word_count,
                value: html,
            },
            Body {
                role: "main",
                contenttype: "text/plain",
                charcount: text.chars().count(),
                wordcount: article.word_count,
                value: text,
            },
        ],
        by: article
            .authors
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        subjects,
        associations,
        altids: vec![
            AltId {
                role: "id",
                value: article.id.into(),
            },
            AltId {
                role: "slug",
                value: article.slug,
            },
        ],
        infosources: if article.source.is_empty() {
            Vec::new()
        } else {
            vec![InfoSource {
                name: article.source,
                role: "source",
            }]
        },
    }
}

/// What partners get for a withdrawn story: its identity and status, no content.
pub fn withdrawn(doc: Ninjs) -> Ninjs {
    Ninjs {
        embargoed: None,
        pubstatus: PubStatus::Canceled,
        headlines: Vec::new(),
        descriptions: Vec::new(),
        bodies: Vec::new(),
        by: String::new(),
        subjects: Vec::new(),
        associations: Vec::new(),
        infosources: Vec::new(),
        ..doc
    }
}
