//! Backups and moving a newsroom: `dateline backup PATH` (a consistent online copy of
//! a SQLite database), and `dateline export PATH` / `dateline import PATH`, a folder
//! any Dateline on either backend can read:
//!
//! ```text
//! PATH/manifest.json       format, version, source backend, schema migrations, counts
//! PATH/tables/<table>.jsonl one JSON object per row, columns by name; times as
//!                          ISO 8601 without zone (UTC), booleans as true/false
//! PATH/media/<key>         every stored file (originals and renditions), byte for byte
//! ```
//!
//! Users are exported without their password hashes (they set a new password after an
//! import) and API keys and webhooks (credentials) are left out, unless the export is
//! made `--with-secrets`. Sessions and sign-in throttles are never exported.

mod export;
mod import;

pub use export::export;
pub use import::import;

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Map, Value};

use crate::error::{AppError, AppResult};
use crate::store::{Backend, Db, DbConn};

/// The archive format this code writes and reads.
pub const FORMAT: &str = "dateline-export";
pub const FORMAT_VERSION: i64 = 1;

/// Tables in an order that satisfies their references.
const TABLES: &[&str] = &[
    "users",
    "authors",
    "sections",
    "tags",
    "images",
    "publication_settings",
    "articles",
    "article_authors",
    "article_tags",
    "article_links",
    "article_slugs",
    "article_revisions",
    "article_assignees",
    "article_notes",
    "article_working_copies",
    "article_live",
    "live_entries",
    "collections",
    "collection_items",
    "collection_changes",
    "collection_schedules",
    "article_changes",
    "audit_log",
    "import_sources",
];

/// The one-row settings table: a new database already has its row.
const SETTINGS: &str = "publication_settings";

/// Credentials: exported only when asked.
const SECRET_TABLES: &[&str] = &[
    "api_keys",
    "article_previews",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
}

#[derive(QueryableByName)]
struct ColumnInfo {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_lowercase();
    if t.contains("timestamp") {
        Kind::Timestamp
    } else if t.contains("bool") {
        Kind::Bool
    } else if t.contains("int") {
        Kind::Int
    } else if t.contains("double")
        || t.contains("real")
        || t.contains("float")
        || t.contains("numeric")
    {
        Kind::Float
    } else {
        Kind::Text
    }
}

/// The stored (non-generated) columns of `table`, in table order.
fn columns(conn: &mut DbConn, table: &str) -> AppResult<Vec<(String, Kind)>> {
    let rows: Vec<ColumnInfo> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT name, type AS kind FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid",
        )
        .bind::<Text, _>(table)
        .load(c)?,
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS kind FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
             ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(c)?,
    };
    if rows.is_empty() {
        return Err(AppError::internal(format!("no table {table}")));
    }
    Ok(rows
        .into_iter()
        .map(|c| (c.name, kind_of(&c.kind)))
        .collect())
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn parse_time(raw: &str) -> Option<chrono::NaiveDateTime> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(raw, f).ok())
}

/// A media key from an archive may only name a file inside the media folder.
fn safe_key(key: &str) -> Result<&str, String> {
    let ok = !key.is_empty()
        && !key.starts_with('/')
        && !key.contains('\\')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if ok {
        Ok(key)
    } else {
        Err(format!("media key '{key}' is not a plain relative path"))
    }
}

fn media_keys(image: &Map<String, Value>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(k) = image.get("original_key").and_then(Value::as_str) {
        keys.push(k.to_owned());
    }
    if let Some(r) = image.get("renditions").and_then(Value::as_str)
        && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(r)
    {
        for item in items {
            if let Some(k) = item.get("key").and_then(Value::as_str) {
                keys.push(k.to_owned());
            }
        }
    }
    keys
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, table: &str) -> AppResult<i64> {
    let sql = format!("SELECT COUNT(*) AS n FROM {}", quote_ident(table));
    let rows: Vec<Count> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).load(c)?,
        DbConn::Postgres(c) => diesel::sql_query(sql).load(c)?,
    };
    Ok(rows.first().map_or(0, |c| c.n))
}

/// A consistent copy of a live SQLite database (`VACUUM INTO`), safe while the server
/// runs. PostgreSQL has its own tool for this: `pg_dump`.
pub async fn backup(db: &Db, path: &Path) -> Result<(), String> {
    if db.backend() == Backend::Postgres {
        return Err("on PostgreSQL, back up with `pg_dump --format=custom --file=PATH DATABASE_URL` (see README)".into());
    }
    if path.exists() {
        return Err(format!("{} exists; back up to a new file", path.display()));
    }
    let target = path.display().to_string();
    db.outside_transaction(move |conn| {
        conn.batch_execute(&format!("VACUUM INTO {}", quote_text(&target)))?;
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())
}
