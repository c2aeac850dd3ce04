//! Reading the multipart upload: streamed, capped, and answered with 413 the moment
//! the file grows past the limit (the rest is never buffered).

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::Payload;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult};

/// Room for the form's other fields and multipart framing beyond the file itself.
const FORM_OVERHEAD: u64 = 64 * 1024;
/// Text fields are short; anything longer is refused while streaming.
const MAX_TEXT_FIELD: usize = 16 * 1024;

/// The upload form's fields.
#[derive(Default)]
pub struct UploadForm {
    pub file: Option<Vec<u8>>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_point: Option<String>,
}

/// Streams the form, keeping at most `max_file` bytes of file.
pub async fn read_form(
    req: &HttpRequest,
    payload: Payload,
    max_file: u64,
) -> AppResult<UploadForm> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(AppError::UnsupportedMediaType(
            "upload images as multipart/form-data with a `file` field".into(),
        ));
    }
    let too_large =
        || AppError::PayloadTooLarge(format!("the file is over the {max_file}-byte limit"));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_file + FORM_OVERHEAD) {
        return Err(too_large());
    }

    let mut form = UploadForm::default();
    let mut seen: Vec<String> = Vec::new();
    let mut multipart = Multipart::new(req.headers(), payload);
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        // A field sent twice (as clients encode an array) is ambiguous: say so rather
        // than keep whichever came last.
        if seen.contains(&name) {
            return Err(AppError::invalid(name, "is given more than once"));
        }
        seen.push(name.clone());
        let is_file = name == "file";
        let limit = if is_file {
            max_file as usize
        } else {
            MAX_TEXT_FIELD
        };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| AppError::BadRequest(format!("malformed multipart body: {e}")))?;
            if data.len() + chunk.len() > limit {
                return Err(if is_file {
                    too_large()
                } else {
                    AppError::invalid(name, format!("must be at most {MAX_TEXT_FIELD} bytes"))
                });
            }
            data.extend_from_slice(&chunk);
        }
        let text = || {
            String::from_utf8(data.clone())
                .map_err(|_| AppError::invalid(name.clone(), "must be UTF-8 text"))
        };
        match name.as_str() {
            "file" => form.file = Some(data),
            "alt" => form.alt = Some(text()?),
            "caption" => form.caption = Some(text()?),
            "credit" => form.credit = Some(text()?),
            "focal_point" => form.focal_point = Some(text()?),
            other => {
                return Err(AppError::invalid(
                    other,
                    "is not a field of this form (file, alt, caption, credit, focal_point)",
                ));
            }
        }
    }
    Ok(form)
}
