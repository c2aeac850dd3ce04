//! The database: one connection type over SQLite and PostgreSQL, its migrations, the
//! pool (`pool`), and the helpers every write uses (locks, versioned updates, ids).

pub mod ids;
pub mod invalidation;
mod pool;
pub mod schema;
pub mod slow;
pub mod stamp;
pub mod text;

use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub use pool::{Db, Manager};

use crate::error::{AppError, AppResult};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to whichever backend is configured. Queries written against it run
/// on both; the few that differ match on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Counts committed writes in this process, so background work that follows commits
/// (webhook deliveries, the schedulers) starts at once instead of at its next poll:
/// `commits().subscribe()`, then `changed().await`.
pub fn commits() -> &'static tokio::sync::watch::Sender<u64> {
    static COMMITS: std::sync::OnceLock<tokio::sync::watch::Sender<u64>> =
        std::sync::OnceLock::new();
    COMMITS.get_or_init(|| tokio::sync::watch::Sender::new(0))
}

/// The current time as stored: UTC, truncated to microseconds so both backends agree.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// A new time-ordered opaque id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The migration names of each tree (SQLite, PostgreSQL); a test keeps them equal.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    (
        names::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS),
        names::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS),
    )
}

fn names<DB: diesel::backend::Backend>(source: &EmbeddedMigrations) -> Vec<String>
where
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    diesel::migration::MigrationSource::<DB>::migrations(source)
        .map(|list| list.iter().map(|m| m.name().to_string()).collect())
        .unwrap_or_default()
}

/// Runs a diesel query on the backend's own connection: `inner!(conn, |c| query.load(c))`.
/// Through the two-backend connection every query is serialised to SQL text to find
/// its prepared statement; on the inner connection a query with a fixed shape finds it
/// by type. For the statements every public read runs (a story by slug, its
/// neighbours, its relations), that is most of the work the database layer does.
#[macro_export]
macro_rules! inner {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConn::Sqlite($c) => $body,
            $crate::store::DbConn::Postgres($c) => $body,
        }
    };
}
pub use inner;

/// `column IN (keys)` as one fixed statement on either backend, for the inner
/// connections of [`inner!`]: SQLite reads the keys from one JSON array bound once
/// (`IN (SELECT value FROM json_each(?))`), PostgreSQL from one array (`= ANY($1)`).
/// Diesel's `eq_any` writes one placeholder per key on SQLite, a statement of a new
/// shape for every count that is prepared afresh each time (dearer than the query
/// itself for the handful of ids a page looks up); this one stays prepared, and a
/// page's relations still cost one query each, whatever their number.
#[derive(Debug, Clone, diesel::query_builder::QueryId)]
pub struct KeysIn<C> {
    column: C,
    keys: Vec<String>,
    json: String,
}

/// `column IN (keys)`; see [`KeysIn`].
pub fn keys_in<C, K: AsRef<str>>(column: C, keys: &[K]) -> KeysIn<C> {
    let keys: Vec<String> = keys.iter().map(|k| k.as_ref().to_owned()).collect();
    let json = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
    KeysIn { column, keys, json }
}

impl<C> diesel::expression::Expression for KeysIn<C>
where
    C: diesel::expression::Expression<SqlType = diesel::sql_types::Text>,
{
    type SqlType = diesel::sql_types::Bool;
}

impl<C, QS> diesel::expression::AppearsOnTable<QS> for KeysIn<C>
where
    C: diesel::expression::AppearsOnTable<QS>,
    Self: diesel::expression::Expression,
{
}

impl<C, QS> diesel::expression::SelectableExpression<QS> for KeysIn<C>
where
    C: diesel::expression::SelectableExpression<QS>,
    Self: diesel::expression::AppearsOnTable<QS>,
{
}

impl<C, GB> diesel::expression::ValidGrouping<GB> for KeysIn<C>
where
    C: diesel::expression::ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for KeysIn<C>
where
    C: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C> diesel::query_builder::QueryFragment<diesel::pg::Pg> for KeysIn<C>
where
    C: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&self.keys)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Serialises transactions that check-then-write the same logical thing (a slug, the
/// section tree, the set of admins). SQLite writers already take turns; PostgreSQL
/// takes a transaction-scoped advisory lock on the key.
pub fn lock(conn: &mut DbConn, key: &str) -> AppResult<()> {
    if let DbConn::Postgres(pg) = conn {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// The first half of the one versioned write: a client that read `expected` may
/// change what is stored only while it is still `current`; otherwise 412 naming the
/// stored version, before anything else is checked.
pub fn check_version(current: i64, expected: i64) -> AppResult<()> {
    if current == expected {
        Ok(())
    } else {
        Err(AppError::PreconditionFailed {
            current_version: current,
        })
    }
}

/// The second half: runs `write` (an `UPDATE … WHERE version = expected` that also
/// sets `version = expected + 1`); when it matched no row, someone committed in
/// between, and the answer is 412 with the version `stored` reads now.
pub fn versioned(
    conn: &mut DbConn,
    write: impl FnOnce(&mut DbConn) -> diesel::QueryResult<usize>,
    stored: impl FnOnce(&mut DbConn) -> diesel::QueryResult<i64>,
) -> AppResult<()> {
    if write(conn)? == 0 {
        return Err(AppError::PreconditionFailed {
            current_version: stored(conn)?,
        });
    }
    Ok(())
}
