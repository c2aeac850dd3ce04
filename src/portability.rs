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

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde_json::{Map, Value, json};

use crate::error::{AppError, AppResult};
use crate::media::store::MediaStore;
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
    "articles",
    "article_authors",
    "article_tags",
    "article_links",
    "article_slugs",
    "article_revisions",
    "collections",
    "collection_items",
    "collection_changes",
    "collection_schedules",
    "article_changes",
    "audit_log",
];
/// Credentials: exported only when asked.
const SECRET_TABLES: &[&str] = &[
    "api_keys",
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

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Nullable<Text>)]
    row: Option<String>,
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

/// One value as the archive spells it, whatever the backend gave.
fn canonical(value: Value, kind: Kind) -> Value {
    match (kind, value) {
        (_, Value::Null) => Value::Null,
        (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
        // One spelling for a float whichever backend wrote it (`1` and `1.0` alike).
        (Kind::Float, Value::Number(n)) => n.as_f64().map_or(Value::Number(n), Value::from),
        (Kind::Float, Value::String(s)) => match s.parse::<f64>() {
            Ok(f) => Value::from(f),
            Err(_) => Value::String(s),
        },
        (Kind::Timestamp, Value::String(s)) => match parse_time(&s) {
            Some(t) => Value::String(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
            None => Value::String(s),
        },
        (_, v) => v,
    }
}

/// Every row of `table`, canonical, in primary-key order.
fn rows(
    conn: &mut DbConn,
    table: &str,
    cols: &[(String, Kind)],
) -> AppResult<Vec<Map<String, Value>>> {
    let t = quote_ident(table);
    let raw: Vec<JsonRow> = match conn {
        DbConn::Sqlite(c) => {
            // REALs as text with 17 digits (`!` lifts SQLite's 16-digit cap): json_object
            // would round them to 15.
            let pairs: Vec<String> = cols
                .iter()
                .map(|(name, kind)| {
                    let col = quote_ident(name);
                    let value = if *kind == Kind::Float {
                        format!(
                            "CASE WHEN {col} IS NULL THEN NULL ELSE printf('%!.17g', {col}) END"
                        )
                    } else {
                        col
                    };
                    format!("{}, {value}", quote_text(name))
                })
                .collect();
            diesel::sql_query(format!(
                "SELECT json_object({}) AS row FROM {t} ORDER BY 1",
                pairs.join(", ")
            ))
            .load(c)?
        }
        DbConn::Postgres(c) => {
            let names: Vec<String> = cols.iter().map(|(n, _)| quote_ident(n)).collect();
            diesel::sql_query(format!(
                "SELECT row_to_json(x)::text AS row FROM (SELECT {} FROM {t}) x ORDER BY 1",
                names.join(", ")
            ))
            .load(c)?
        }
    };
    let kinds: HashMap<&str, Kind> = cols.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let Some(text) = r.row else { continue };
        let Value::Object(map) = serde_json::from_str(&text).map_err(AppError::internal)? else {
            return Err(AppError::internal("a row that is not an object"));
        };
        let canonical: Map<String, Value> = map
            .into_iter()
            .map(|(k, v)| {
                let kind = kinds.get(k.as_str()).copied().unwrap_or(Kind::Text);
                (k, canonical(v, kind))
            })
            .collect();
        out.push(canonical);
    }
    // Rows sort by their JSON text above; keep a stable order by every key instead.
    out.sort_by_key(|m| serde_json::to_string(m).unwrap_or_default());
    Ok(out)
}

/// Sections refer to their parents: parents first.
fn parents_first(rows: Vec<Map<String, Value>>) -> Vec<Map<String, Value>> {
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut pending = rows;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|r| {
            r.get("parent_id")
                .and_then(Value::as_str)
                .is_none_or(|p| placed.contains(p))
        });
        for r in &ready {
            if let Some(id) = r.get("id").and_then(Value::as_str) {
                placed.insert(id.to_owned());
            }
        }
        out.extend(ready);
        pending = rest;
        if pending.len() == before {
            // A cycle cannot be stored; keep the rest rather than lose it.
            out.append(&mut pending);
        }
    }
    out
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

/// Writes the whole newsroom to `dir` (which must not exist or be empty).
pub async fn export(
    db: &Db,
    media: &MediaStore,
    dir: &Path,
    with_secrets: bool,
) -> Result<Value, String> {
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} is not empty; export into a new folder",
            dir.display()
        ));
    }
    fs::create_dir_all(dir.join("tables")).map_err(|e| e.to_string())?;
    let tables: Vec<&str> = TABLES
        .iter()
        .chain(if with_secrets { SECRET_TABLES } else { &[] })
        .copied()
        .collect();
    let tables_for_read = tables.clone();
    // One transaction: every table as of one moment.
    let dump = db
        .read(move |conn| {
            conn.transaction(|conn| {
                if let DbConn::Postgres(c) = conn {
                    // Without this each SELECT would see its own moment, and a write
                    // during the export could leave a child without its parent.
                    c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
                }
                let mut all = Vec::new();
                for table in tables_for_read {
                    let cols = columns(conn, table)?;
                    let mut rows = rows(conn, table, &cols)?;
                    if table == "sections" {
                        rows = parents_first(rows);
                    }
                    all.push((table, rows));
                }
                Ok(all)
            })
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut counts = BTreeMap::new();
    let mut keys = Vec::new();
    for (table, rows) in dump {
        let file = fs::File::create(dir.join("tables").join(format!("{table}.jsonl")))
            .map_err(|e| e.to_string())?;
        let mut out = BufWriter::new(file);
        for mut row in rows {
            if table == "users" && !with_secrets {
                row.insert("password_hash".into(), Value::String(String::new()));
            }
            if table == "images" {
                keys.extend(media_keys(&row));
            }
            serde_json::to_writer(&mut out, &row).map_err(|e| e.to_string())?;
            out.write_all(b"\n").map_err(|e| e.to_string())?;
            *counts.entry(table.to_owned()).or_insert(0u64) += 1;
        }
        counts.entry(table.to_owned()).or_insert(0);
        out.flush().map_err(|e| e.to_string())?;
    }
    let mut files = 0u64;
    for key in &keys {
        safe_key(key)?;
        let fetched = media.get(key, None).await.map_err(|e| e.to_string())?;
        let Some(fetched) = fetched else {
            return Err(format!("media file {key} is missing from the media store"));
        };
        let path = dir.join("media").join(key);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        fs::write(&path, &fetched.bytes).map_err(|e| e.to_string())?;
        files += 1;
    }
    let (sqlite, postgres) = crate::store::migration_names();
    let migrations = match db.backend() {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    };
    let manifest = json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": chrono::Utc::now().to_rfc3339(),
        "source_backend": format!("{:?}", db.backend()).to_lowercase(),
        "schema": migrations,
        "with_secrets": with_secrets,
        "tables": counts,
        "media_files": files,
    });
    fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok(manifest)
}

fn literal(value: &Value, kind: Kind, backend: Backend) -> Result<String, String> {
    Ok(match (value, kind) {
        (Value::Null, _) => "NULL".into(),
        (Value::Bool(b), _) => match backend {
            Backend::Sqlite => if *b { "1" } else { "0" }.into(),
            Backend::Postgres => if *b { "TRUE" } else { "FALSE" }.into(),
        },
        (Value::Number(n), Kind::Bool) => {
            let b = n.as_i64() != Some(0);
            literal(&Value::Bool(b), kind, backend)?
        }
        (Value::Number(n), _) => n.to_string(),
        (Value::String(s), Kind::Timestamp) => {
            let t = parse_time(s).ok_or_else(|| format!("'{s}' is not a time"))?;
            // The spelling diesel itself writes, so stored times compare as before.
            quote_text(&t.format("%F %T%.f").to_string())
        }
        (Value::String(s), _) => quote_text(s),
        (other, _) => quote_text(&other.to_string()),
    })
}

/// Reads an export into an empty, migrated database (either backend) and its media
/// store. Everything goes in one transaction: an import is whole or not at all.
pub async fn import(db: &Db, media: &MediaStore, dir: &Path) -> Result<Value, String> {
    let manifest: Value = serde_json::from_slice(
        &fs::read(dir.join("manifest.json"))
            .map_err(|e| format!("{}: {e}", dir.join("manifest.json").display()))?,
    )
    .map_err(|e| format!("manifest.json: {e}"))?;
    if manifest["format"] != FORMAT || manifest["format_version"] != FORMAT_VERSION {
        return Err(format!(
            "{} is not a {FORMAT} (version {FORMAT_VERSION}) folder",
            dir.display()
        ));
    }
    let (sqlite, postgres) = crate::store::migration_names();
    if manifest["schema"] != json!(sqlite) && manifest["schema"] != json!(postgres) {
        return Err("the export comes from another version of Dateline's schema; import it with that version".into());
    }
    let tables: Vec<String> = TABLES
        .iter()
        .chain(SECRET_TABLES)
        .filter(|t| dir.join("tables").join(format!("{t}.jsonl")).exists())
        .map(|t| (*t).to_owned())
        .collect();
    let mut data: Vec<(String, Vec<Map<String, Value>>)> = Vec::new();
    let mut keys = Vec::new();
    for table in &tables {
        let file = fs::File::open(dir.join("tables").join(format!("{table}.jsonl")))
            .map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| e.to_string())?;
            if line.trim().is_empty() {
                continue;
            }
            let Value::Object(row) = serde_json::from_str(&line)
                .map_err(|e| format!("{table}.jsonl line {}: {e}", n + 1))?
            else {
                return Err(format!("{table}.jsonl line {}: not an object", n + 1));
            };
            if table == "images" {
                keys.extend(media_keys(&row));
            }
            rows.push(row);
        }
        data.push((table.clone(), rows));
    }
    // Only into an empty newsroom, checked before anything is written anywhere.
    let all: Vec<&'static str> = TABLES.iter().chain(SECRET_TABLES).copied().collect();
    let occupied = db
        .read(move |conn| {
            for table in all {
                let n = count(conn, table)?;
                if n > 0 {
                    return Ok(Some((table, n)));
                }
            }
            Ok(None)
        })
        .await
        .map_err(|e| e.to_string())?;
    if let Some((table, n)) = occupied {
        return Err(format!(
            "the database already has {n} rows in {table}; import into an empty database \
             (start no server on it first, or it creates DATELINE_ADMIN_EMAIL's account)"
        ));
    }
    for key in &keys {
        safe_key(key)?;
    }
    // Files first: rows that point at missing files would be worse than stray files.
    for key in &keys {
        let bytes =
            fs::read(dir.join("media").join(key)).map_err(|e| format!("media/{key}: {e}"))?;
        media
            .put(key, bytes.into())
            .await
            .map_err(|e| e.to_string())?;
    }
    let backend = db.backend();
    let counts = db
        .write(move |conn| {
            let fail = |m: String| AppError::BadRequest(m);
            let mut counts = BTreeMap::new();
            for (table, rows) in &data {
                let cols = columns(conn, table)?;
                if !rows.is_empty() {
                    let existing = count(conn, table)?;
                    if existing > 0 {
                        return Err(fail(format!(
                            "the database already has {existing} rows in {table}; import into an empty database"
                        )));
                    }
                }
                let kinds: HashMap<&str, Kind> = cols.iter().map(|(n, k)| (n.as_str(), *k)).collect();
                for row in rows {
                    if let Some(unknown) = row.keys().find(|k| !kinds.contains_key(k.as_str())) {
                        return Err(fail(format!("{table}: unknown column {unknown}")));
                    }
                }
                let names: Vec<&str> = cols
                    .iter()
                    .map(|(n, _)| n.as_str())
                    // Every column any row names; a row without one gets NULL there.
                    .filter(|n| rows.iter().any(|r| r.contains_key(*n)))
                    .collect();
                for chunk in rows.chunks(200) {
                    let mut values = Vec::with_capacity(chunk.len());
                    for row in chunk {
                        let mut cells = Vec::with_capacity(names.len());
                        for name in &names {
                            let value = row.get(*name).unwrap_or(&Value::Null);
                            cells.push(literal(value, kinds[name], backend).map_err(fail)?);
                        }
                        values.push(format!("({})", cells.join(", ")));
                    }
                    let columns: Vec<String> = names.iter().map(|n| quote_ident(n)).collect();
                    conn.batch_execute(&format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        quote_ident(table),
                        columns.join(", "),
                        values.join(", ")
                    ))?;
                }
                counts.insert(table.clone(), rows.len() as u64);
            }
            if let DbConn::Postgres(c) = conn {
                c.batch_execute(
                    "SELECT setval(pg_get_serial_sequence('article_changes', 'seq'), \
                     COALESCE((SELECT max(seq) FROM article_changes), 0) + 1, false)",
                )?;
            }
            Ok(counts)
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"tables": counts, "media_files": keys.len()}))
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
    db.read(move |conn| {
        conn.batch_execute(&format!("VACUUM INTO {}", quote_text(&target)))?;
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())
}
