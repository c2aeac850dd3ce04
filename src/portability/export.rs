//! `dateline export`: every table as of one moment, canonical values, and the media.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde_json::{Map, Value, json};

use super::{
    FORMAT, FORMAT_VERSION, Kind, SECRET_TABLES, TABLES, columns, media_keys, parse_time,
    quote_ident, quote_text, safe_key,
};
use crate::error::{AppError, AppResult};
use crate::media::files::MediaStore;
use crate::store::{Backend, Db, DbConn};

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Nullable<Text>)]
    row: Option<String>,
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
