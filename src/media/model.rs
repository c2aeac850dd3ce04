//! Image rows, requests and responses.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::files::MediaStore;
use crate::content::parse_text;
use crate::error::{AppResult, Errors};
use crate::http::utc;
use crate::store::ids::ImageId;
use crate::store::schema::images;

/// An image as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = images)]
pub struct ImageRow {
    pub id: ImageId,
    pub hash: String,
    pub mime: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub focal_x: f64,
    pub focal_y: f64,
    pub original_key: String,
    pub renditions: String,
    pub uploaded_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A rendition as stored in the row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRendition {
    pub width: u32,
    pub height: u32,
    /// `webp`, `jpeg`, `png` or `gif`.
    pub format: String,
    pub key: String,
    pub bytes: u64,
    /// Set on an art-directed crop: its ratio (`16:9`, `4:3`, `1:1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<String>,
}

/// Where the eye should stay when a front end crops (0..1 from the left and top).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FocalPoint {
    #[schema(example = 0.5)]
    pub x: f64,
    #[schema(example = 0.33)]
    pub y: f64,
}

impl FocalPoint {
    /// Both coordinates within 0..=1.
    pub fn check(self) -> Result<FocalPoint, String> {
        let ok = |v: f64| (0.0..=1.0).contains(&v);
        if ok(self.x) && ok(self.y) {
            Ok(self)
        } else {
            Err("x and y must each be from 0 to 1".into())
        }
    }

    /// Parses the multipart form `x,y` (or a JSON object).
    pub fn parse_form(raw: &str) -> Result<FocalPoint, String> {
        let raw = raw.trim();
        let parsed = if raw.starts_with('{') {
            serde_json::from_str::<FocalPoint>(raw).ok()
        } else {
            raw.split_once(',').and_then(|(x, y)| {
                Some(FocalPoint {
                    x: x.trim().parse().ok()?,
                    y: y.trim().parse().ok()?,
                })
            })
        };
        parsed
            .ok_or_else(|| "must be \"x,y\" (e.g. 0.5,0.3) or {\"x\":…,\"y\":…}".to_owned())
            .and_then(FocalPoint::check)
    }
}

/// One size of an image in one format.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rendition {
    pub width: u32,
    pub height: u32,
    /// `webp`, `jpeg`, `png` or `gif`.
    #[schema(example = "webp")]
    pub format: String,
    pub url: String,
}

/// An art-directed crop of a photo, cut around its focal point.
#[derive(Debug, Serialize, ToSchema)]
pub struct CropResponse {
    /// `16:9`, `4:3` or `1:1`.
    #[schema(example = "16:9")]
    pub ratio: String,
    pub width: u32,
    pub height: u32,
    pub url: String,
}

/// Where an image is used: what deleting it would need first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageUsage {
    /// Stories that show it, in the body or as the featured image (trashed ones
    /// aside), most recently changed first, at most 100.
    pub stories: Vec<ImageUse>,
    /// Whether it is the publication's logo (settings).
    pub logo: bool,
}

/// A story that shows an image.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageUse {
    pub id: String,
    pub slug: String,
    pub headline: String,
    /// `draft`, `scheduled`, `published` or `archived`.
    #[schema(example = "published")]
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

/// An image in the library.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageResponse {
    #[schema(value_type = String)]
    pub id: ImageId,
    /// The largest rendition in the original's format (upright, metadata stripped).
    pub url: String,
    /// The uploaded file's type.
    #[schema(example = "image/jpeg")]
    pub mime: String,
    /// Upright width and height of the upload, in pixels.
    pub width: u32,
    pub height: u32,
    /// Size of the uploaded file.
    pub bytes: u64,
    pub alt: String,
    /// From the upload form, else the photo's IPTC/XMP/EXIF caption.
    pub caption: String,
    /// From the upload form, else the photo's embedded credit/by-line/copyright.
    pub credit: String,
    pub focal_point: FocalPoint,
    /// Every size and format, smallest first.
    pub renditions: Vec<Rendition>,
    /// 16:9, 4:3 and 1:1 cut around the focal point (at least 1,200 pixels wide where
    /// the original allows), made again when the focal point moves.
    pub crops: Vec<CropResponse>,
    /// A ready `srcset` of the WebP renditions.
    #[schema(example = "https://…/320.webp 320w, https://…/640.webp 640w")]
    pub srcset: String,
    /// The same in the original's format, for `<img>` fallbacks.
    pub fallback_srcset: String,
    /// SHA-256 of the uploaded bytes.
    pub hash: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImageResponse {
    /// The response for a row, with URLs from the media store.
    pub fn new(row: ImageRow, media: &MediaStore) -> Self {
        let (crops, stored): (Vec<StoredRendition>, Vec<StoredRendition>) =
            serde_json::from_str::<Vec<StoredRendition>>(&row.renditions)
                .unwrap_or_default()
                .into_iter()
                .partition(|r| r.crop.is_some());
        let family = row.mime.trim_start_matches("image/").to_owned();
        let srcset = |format: &str| {
            stored
                .iter()
                .filter(|r| r.format == format)
                .map(|r| format!("{} {}w", media.url(&r.key), r.width))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let url = stored
            .iter()
            .rev()
            .find(|r| r.format == family)
            .map(|r| media.url(&r.key))
            .unwrap_or_default();
        ImageResponse {
            srcset: srcset("webp"),
            fallback_srcset: srcset(&family),
            url,
            renditions: stored
                .iter()
                .map(|r| Rendition {
                    width: r.width,
                    height: r.height,
                    format: r.format.clone(),
                    url: media.url(&r.key),
                })
                .collect(),
            crops: crops
                .iter()
                .map(|r| CropResponse {
                    ratio: r.crop.clone().unwrap_or_default(),
                    width: r.width,
                    height: r.height,
                    url: media.url(&r.key),
                })
                .collect(),
            id: row.id,
            mime: row.mime,
            width: row.width.max(0) as u32,
            height: row.height.max(0) as u32,
            bytes: row.bytes.max(0) as u64,
            alt: row.alt,
            caption: row.caption,
            credit: row.credit,
            focal_point: FocalPoint {
                x: row.focal_x,
                y: row.focal_y,
            },
            hash: row.hash,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// The multipart upload form (documentation of `POST /images`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    /// The image file: JPEG, PNG, GIF or WebP (recognised from its bytes).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Alternative text for screen readers.
    #[schema(max_length = 1000)]
    pub alt: Option<String>,
    /// Leave empty to use the photo's embedded caption.
    #[schema(max_length = 2000)]
    pub caption: Option<String>,
    /// Leave empty to use the photo's embedded credit.
    #[schema(max_length = 300)]
    pub credit: Option<String>,
    /// `x,y` in 0..1, e.g. `0.5,0.3` (default the centre).
    pub focal_point: Option<String>,
}

/// Changes to an image's metadata; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateImage {
    /// The version you edited (or send `If-Match`).
    pub version: Option<i64>,
    #[schema(max_length = 1000)]
    pub alt: Option<String>,
    #[schema(max_length = 2000)]
    pub caption: Option<String>,
    #[schema(max_length = 300)]
    pub credit: Option<String>,
    pub focal_point: Option<FocalPoint>,
}

/// Checked image metadata; `None` means "not sent".
#[derive(Debug, Default)]
pub struct ImageMeta {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_point: Option<FocalPoint>,
}

impl ImageMeta {
    /// Checks each field that was sent.
    pub fn parse(
        alt: Option<String>,
        caption: Option<String>,
        credit: Option<String>,
        focal_point: Option<Result<FocalPoint, String>>,
    ) -> AppResult<ImageMeta> {
        let mut errors = Errors::default();
        let meta = ImageMeta {
            alt: alt.and_then(|a| errors.check("alt", parse_text(&a, 1000))),
            caption: caption.and_then(|c| errors.check("caption", parse_text(&c, 2000))),
            credit: credit.and_then(|c| errors.check("credit", parse_text(&c, 300))),
            focal_point: focal_point.and_then(|f| errors.check("focal_point", f)),
        };
        errors.finish()?;
        Ok(meta)
    }
}

impl UpdateImage {
    /// Checks the fields that were sent.
    pub fn parse(self) -> AppResult<ImageMeta> {
        ImageMeta::parse(
            self.alt,
            self.caption,
            self.credit,
            self.focal_point.map(FocalPoint::check),
        )
    }
}

/// Search and paging for the library.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageQuery {
    /// Words to find in caption, credit or alt text (case-insensitive).
    pub q: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
