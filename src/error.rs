//! The one error type every layer returns. `http::problem` renders it as RFC 9457
//! problem+json; nothing here knows about HTTP.

use std::fmt;

/// One invalid input, named by its field path (`links.website`, `body[3].image_id`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, query parameter or header that was rejected.
    pub field: String,
    /// What is wrong with it, in words an API client can show.
    pub message: String,
}

/// Everything that can go wrong while serving a request.
#[derive(Debug, Clone)]
pub enum AppError {
    /// Well-formed input that breaks a rule (422).
    Validation(Vec<FieldError>),
    /// Input we could not read at all, such as malformed JSON (400).
    BadRequest(String),
    /// The named kind of thing does not exist (404).
    NotFound(&'static str),
    /// The change clashes with existing state, e.g. a taken slug (409).
    Conflict {
        detail: String,
        field: Option<String>,
    },
    /// The caller's `version` is stale (412); carries the current one.
    PreconditionFailed { current_version: i64 },
    /// Like `PreconditionFailed`, carrying the resource as it is now so the client can
    /// rebase its change without another read.
    StaleWith {
        current_version: i64,
        current: Box<serde_json::Value>,
    },
    /// A versioned write came without `version` or `If-Match` (428).
    PreconditionRequired,
    /// Someone else holds the edit lock (423); carries the lock (who, since, until).
    Locked {
        detail: String,
        lock: Box<serde_json::Value>,
    },
    /// Missing, invalid or revoked credentials (401).
    Unauthorized(String),
    /// Authenticated, but not allowed to do this (403).
    Forbidden(String),
    /// Throttled (429); the client may retry after this many seconds.
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// The request body is not JSON (415).
    UnsupportedMediaType(String),
    /// The request body is too large (413).
    PayloadTooLarge(String),
    /// The request body arrived too slowly (408).
    RequestTimeout(String),
    /// A `Range` that starts past the end of a file of `size` bytes (416).
    RangeNotSatisfiable { size: u64 },
    /// A dependency (the database pool) is saturated or down (503).
    Unavailable(String),
    /// A bug or an infrastructure failure; the cause is logged, never sent (500).
    Internal(String),
}

/// Result alias used across the crate.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A 422 about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// A 409 about one field.
    pub fn conflict(field: &str, detail: impl Into<String>) -> Self {
        AppError::Conflict {
            detail: detail.into(),
            field: Some(field.to_owned()),
        }
    }

    /// A 500 that keeps the cause for the log.
    pub fn internal(cause: impl fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                write!(f, "invalid input: {}", fields.join(", "))
            }
            AppError::NotFound(what) => write!(f, "{what} not found"),
            AppError::PreconditionFailed { current_version }
            | AppError::StaleWith {
                current_version, ..
            } => {
                write!(f, "stale version; current version is {current_version}")
            }
            AppError::PreconditionRequired => write!(f, "version or If-Match required"),
            AppError::RangeNotSatisfiable { size } => {
                write!(f, "the range is outside the file's {size} bytes")
            }
            AppError::Conflict { detail, .. }
            | AppError::Locked { detail, .. }
            | AppError::BadRequest(detail)
            | AppError::Unauthorized(detail)
            | AppError::Forbidden(detail)
            | AppError::TooManyRequests { detail, .. }
            | AppError::UnsupportedMediaType(detail)
            | AppError::PayloadTooLarge(detail)
            | AppError::RequestTimeout(detail)
            | AppError::Unavailable(detail)
            | AppError::Internal(detail) => f.write_str(detail),
        }
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => AppError::NotFound("resource"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let field = unique_field(info.constraint_name().unwrap_or(info.message()));
                AppError::Conflict {
                    detail: format!("{field} is already taken"),
                    field: Some(field.to_owned()),
                }
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => AppError::Conflict {
                detail: "the change refers to, or is referred to by, another record".into(),
                field: None,
            },
            // The connection died under the query (a restart, a failover, a network
            // cut): the work did not happen, and the client may retry.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => AppError::Unavailable(format!("{CONNECTION_LOST}: {}", info.message())),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                AppError::Unavailable(format!("concurrent update, retry: {}", info.message()))
            }
            // Bodies and query strings refuse NUL up front, so only a key in the path
            // gets this far; PostgreSQL refuses to compare it, and no record has it.
            Error::DatabaseError(_, info) if info.message().contains("invalid byte sequence") => {
                AppError::NotFound("resource")
            }
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

/// How a lost database connection is described; [`AppError::is_connection_lost`].
pub const CONNECTION_LOST: &str = "database connection lost";

impl AppError {
    /// The database connection died during the work (it did not happen; a read may
    /// be retried on a fresh connection).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, AppError::Unavailable(d) if d.starts_with(CONNECTION_LOST))
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("database pool: {err}"))
    }
}

/// Which field a unique index guards, from a PG constraint name (`authors_slug_key`)
/// or an SQLite message (`UNIQUE constraint failed: authors.slug`).
fn unique_field(source: &str) -> &'static str {
    ["slug", "email", "secret_hash"]
        .into_iter()
        .find(|f| source.contains(f))
        .unwrap_or("id")
}

/// Collects field errors so one response reports every problem at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps the value of a parse, or records its message against `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|message| self.add(field, message)).ok()
    }

    /// Ok when nothing was recorded, else a 422 with everything found.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}
