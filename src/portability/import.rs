//! `dateline import`: an export into an empty database and media store, whole or not
//! at all.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::BufRead;
use std::path::Path;

use diesel::connection::SimpleConnection;
use serde_json::{Map, Value, json};

use super::{
    FORMAT, FORMAT_VERSION, Kind, SECRET_TABLES, TABLES, columns, count, media_keys, parse_time,
    quote_ident, quote_text, safe_key,
};
use crate::error::AppError;
use crate::media::files::MediaStore;
use crate::store::{Backend, Db, DbConn};

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
            // The settings row every database starts with is replaced by the archive's.
            for table in all.into_iter().filter(|t| *t != super::SETTINGS) {
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
                if table == super::SETTINGS && !rows.is_empty() {
                    conn.batch_execute("DELETE FROM publication_settings")?;
                }
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
            // What the public sees follows from the rows loaded; every cache empties.
            crate::content::articles::announce::rebuild(conn)?;
            Ok(counts)
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"tables": counts, "media_files": keys.len()}))
}
