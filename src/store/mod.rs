//! The database: one connection type over SQLite and PostgreSQL, a pool, migrations,
//! and the helpers that keep blocking work off the async workers.

pub mod schema;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;
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

/// Opens connections for the pool, choosing the backend by URL scheme so that a
/// refused PostgreSQL connection reports its real cause.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // busy_timeout first: switching to WAL itself needs the lock.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// The pooled database handle shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    /// SQLite allows one writer. Taking turns in-process before `BEGIN` means a write
    /// transaction never has to upgrade a read lock, which is where SQLite would answer
    /// "database is locked" regardless of the busy timeout.
    sqlite_writer: Arc<Mutex<()>>,
    /// This database's write generation (the content version on SQLite), shared by
    /// every handle on the same database in this process.
    generation: Arc<std::sync::atomic::AtomicI64>,
    /// PostgreSQL: requests for the content version, answered in batches.
    versions: Option<std::sync::mpsc::Sender<VersionReply>>,
    /// One permit per pooled connection (see [`Db::turn`]).
    permits: Arc<tokio::sync::Semaphore>,
}

type VersionReply = tokio::sync::oneshot::Sender<AppResult<i64>>;

/// Reads the content version for every request waiting, one query per batch. A
/// request that arrives while a query runs waits for the next one, which starts after
/// it arrived, so no answer predates the request it serves. One thread, its own
/// connection, reconnecting on failure.
fn version_reader(pool: Pool<Manager>) -> std::sync::mpsc::Sender<VersionReply> {
    let (tx, rx) = std::sync::mpsc::channel::<VersionReply>();
    let spawned = std::thread::Builder::new()
        .name("content-version".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut waiting = vec![first];
                waiting.extend(rx.try_iter());
                let answer = pool.get().map_err(AppError::from).and_then(|mut conn| {
                    use diesel::RunQueryDsl;
                    let row: VersionRow =
                        diesel::sql_query("SELECT last_value AS version FROM content_version")
                            .get_result(&mut *conn)?;
                    Ok(row.version)
                });
                for reply in waiting {
                    let _ = reply.send(match &answer {
                        Ok(v) => Ok(*v),
                        Err(e) => Err(AppError::Unavailable(e.to_string())),
                    });
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the content version reader");
    }
    tx
}

impl Db {
    /// Opens a pool of `size` connections, creating a SQLite file's folder if needed.
    pub fn connect(url: &DatabaseUrl, size: u32) -> Result<Self, String> {
        let backend = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                Backend::Sqlite
            }
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(size.min(2)))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { url: url.clone() })
            .map_err(|e| format!("cannot open the database: {e}"))?;
        let versions = (backend == Backend::Postgres).then(|| version_reader(pool.clone()));
        Ok(Db {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            generation: generation_of(url),
            versions,
            // On PostgreSQL one connection stays free for the content version reader.
            permits: Arc::new(tokio::sync::Semaphore::new(match backend {
                Backend::Postgres => (size as usize).saturating_sub(1).max(1),
                Backend::Sqlite => size as usize,
            })),
        })
    }

    /// The backend behind this pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        let ran = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConn::Postgres(c) => {
                // Instances starting together behind a load balancer take turns: the
                // first migrates, the others wait and then find nothing pending.
                diesel::sql_query("SELECT pg_advisory_lock(7431001)")
                    .execute(c)
                    .map_err(|e| format!("migration lock: {e}"))?;
                let ran = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.len());
                let _ = diesel::sql_query("SELECT pg_advisory_unlock(7431001)").execute(c);
                ran
            }
        };
        ran.map_err(|e| format!("migration failed: {e}"))
    }

    /// Runs read-only work on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let _turn = self.turn().await?;
        let pool = self.pool.clone();
        blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
    }

    /// Database work waits here, on the async side, for one of the pool's connections:
    /// only as many blocking threads as connections ever do database work, so a burst
    /// of requests queues cheaply instead of spawning threads (and their allocator
    /// arenas) that would only wait for the pool.
    async fn turn(&self) -> AppResult<tokio::sync::SemaphorePermit<'_>> {
        self.permits
            .acquire()
            .await
            .map_err(|_| AppError::Unavailable("the database is shutting down".into()))
    }

    /// Runs `work` in one transaction on a blocking thread; an error rolls it back.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        let done = {
            let _turn = self.turn().await?;
            blocking(move || db.write_blocking(work)).await
        };
        if done.is_ok() {
            self.bump_content_version().await;
            commits().notify_one();
        }
        done
    }

    /// Runs `work` in one transaction, like [`Db::write`], for bookkeeping no reader
    /// sees (the audit log): cached responses stay valid and no listener wakes.
    pub async fn write_quiet<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        let _turn = self.turn().await?;
        blocking(move || db.write_blocking(work)).await
    }

    /// The content version: bumped after every committed write, read before serving a
    /// cached response. On PostgreSQL it is a sequence every instance shares; SQLite
    /// serves from one process, so a counter in memory is exact.
    pub async fn content_version(&self) -> AppResult<i64> {
        match self.backend {
            Backend::Sqlite => Ok(self.generation.load(std::sync::atomic::Ordering::SeqCst)),
            Backend::Postgres => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                self.versions
                    .as_ref()
                    .ok_or_else(|| AppError::internal("no version reader"))?
                    .send(reply)
                    .map_err(|_| AppError::Unavailable("version reader stopped".into()))?;
                answer
                    .await
                    .map_err(|_| AppError::Unavailable("version reader stopped".into()))?
            }
        }
    }

    /// After a commit, before the write's response: readers from now on miss whatever
    /// was cached before it. A failure is logged (the write itself stands) and this
    /// instance's own cache is invalidated regardless.
    async fn bump_content_version(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.backend == Backend::Postgres {
            let bumped = self
                .read(|conn| {
                    use diesel::RunQueryDsl;
                    diesel::sql_query("SELECT nextval('content_version')").execute(conn)?;
                    Ok(())
                })
                .await;
            if let Err(e) = bumped {
                tracing::error!(error = %e, "could not bump the content version");
            }
        }
    }

    /// The synchronous form of [`Db::write`], for the CLI and start-up.
    pub fn write_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConn) -> AppResult<T>,
    ) -> AppResult<T> {
        let _turn = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        let mut conn = self.pool.get()?;
        let conn: &mut DbConn = &mut conn;
        conn.transaction(work)
    }

    /// Borrows a pooled connection directly (start-up, CLI, health checks).
    pub fn conn(&self) -> AppResult<PooledConnection<Manager>> {
        Ok(self.pool.get()?)
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    actix_web::rt::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

/// One generation counter per database URL in this process.
fn generation_of(url: &DatabaseUrl) -> Arc<std::sync::atomic::AtomicI64> {
    static ALL: std::sync::OnceLock<
        Mutex<std::collections::HashMap<String, Arc<std::sync::atomic::AtomicI64>>>,
    > = std::sync::OnceLock::new();
    let key = format!("{url:?}");
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    all.entry(key)
        .or_insert_with(|| Arc::new(std::sync::atomic::AtomicI64::new(1)))
        .clone()
}

#[derive(diesel::QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
}

/// Signalled after every committed write, so background work that follows commits
/// (webhook deliveries) starts at once instead of at its next poll.
pub fn commits() -> &'static tokio::sync::Notify {
    static COMMITS: std::sync::OnceLock<tokio::sync::Notify> = std::sync::OnceLock::new();
    COMMITS.get_or_init(tokio::sync::Notify::new)
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
