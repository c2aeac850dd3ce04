//! RFC 9457 problem+json: the one shape every error takes on the wire.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error, as RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// For validation problems: every rejected field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For 412 responses: the version the resource has now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For some 412 responses (collection orders): the resource as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
    /// For 423 responses: the edit lock someone else holds (`user`, `acquired_at`,
    /// `expires_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub lock: Option<serde_json::Value>,
}

impl Problem {
    /// A problem of the kind `code` with the given status and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            current_version: None,
            current: None,
            lock: None,
        }
    }

    /// Renders the problem as a response.
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(self).unwrap_or_default();
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body)
    }
}

impl AppError {
    fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation",
            AppError::BadRequest(_) => "bad-request",
            AppError::NotFound(_) => "not-found",
            AppError::Conflict { .. } => "conflict",
            AppError::PreconditionFailed { .. } | AppError::StaleWith { .. } => "stale-version",
            AppError::PreconditionRequired => "version-required",
            AppError::Locked { .. } => "locked",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::RequestTimeout(_) => "request-timeout",
            AppError::RangeNotSatisfiable { .. } => "range-not-satisfiable",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            AppError::Validation(errors) if errors.len() == 1 => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            AppError::Validation(errors) => format!("{} fields are invalid", errors.len()),
            AppError::PreconditionFailed { current_version }
            | AppError::StaleWith {
                current_version, ..
            } => format!(
                "the resource changed since you read it; it is now at version {current_version}"
            ),
            AppError::PreconditionRequired => {
                "send the version you edited, as `version` in the body or an If-Match header".into()
            }
            // Never leak internals; the cause is in the log under the request id.
            AppError::Internal(_) => "something went wrong on our side".into(),
            AppError::Unavailable(_) => {
                "the service is busy or its database is unreachable; retry shortly".into()
            }
            other => other.to_string(),
        };
        let mut problem = Problem::new(status, self.code(), detail);
        match self {
            AppError::Validation(errors) => problem.errors = errors.clone(),
            AppError::Conflict {
                field: Some(field),
                detail,
            } => {
                problem.errors = vec![FieldError {
                    field: field.clone(),
                    message: detail.clone(),
                }]
            }
            AppError::PreconditionRequired => {
                problem.errors = vec![FieldError {
                    field: "version".into(),
                    message: "required".into(),
                }]
            }
            AppError::PreconditionFailed { current_version } => {
                problem.current_version = Some(*current_version)
            }
            AppError::StaleWith {
                current_version,
                current,
            } => {
                problem.current_version = Some(*current_version);
                problem.current = Some((**current).clone());
            }
            AppError::Locked { lock, .. } => problem.lock = Some((**lock).clone()),
            _ => {}
        }
        problem
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PreconditionFailed { .. } | AppError::StaleWith { .. } => {
                StatusCode::PRECONDITION_FAILED
            }
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::Locked { .. } => StatusCode::LOCKED,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(cause) | AppError::Unavailable(cause) => {
                tracing::error!(error.cause = %cause, "request failed");
            }
            _ => {}
        }
        let mut response = self.problem().response();
        let headers = response.headers_mut();
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            AppError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            AppError::RangeNotSatisfiable { size } => {
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    headers.insert(header::CONTENT_RANGE, value);
                }
            }
            _ => {}
        }
        response
    }
}
