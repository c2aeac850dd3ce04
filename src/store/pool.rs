//! The pool: connections opened for either backend, and the ways database work runs on
//! them (reads on a blocking thread or in place, writes in one transaction that logs
//! its invalidations), so that no request's work blocks an async worker for long.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;

use super::{Backend, DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, commits, invalidation};
use crate::config::DatabaseUrl;
use crate::error::{AppError, AppResult};

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
            DatabaseUrl::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(diesel::r2d2::Error::ConnectionError)?;
                // Prepared statements keep one generic plan rather than being planned
                // again on each execution. Left to choose, PostgreSQL kept re-planning
                // the page's look-ups of a key list: at 1M stories half the database's
                // CPU on an uncached story page (0.99 → 0.49 ms) went to planning. The
                // generic plans are the ones `tests/api/plans.rs` holds to index ranges.
                conn.batch_execute("SET plan_cache_mode = force_generic_plan")
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // busy_timeout first: switching to WAL itself needs the lock.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA mmap_size = {};",
                    sqlite_map_size(path)
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection whose work lost it (see `LOST`) is discarded, not lent again.
    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        LOST.replace(false)
    }
}

/// How much of a SQLite file to read through a memory map. A page read from the map
/// costs no system call and no copy: the uncached story page at 10k stories went from
/// 0.4 to 0.24 ms of CPU. But a fault in a map reads ahead around the page (128 KB
/// here), so random reads over a file larger than memory pull in thirty times what
/// they use and evict what they need: at 1M stories (a 34 GB file, 24 GB of memory)
/// the uncached page cost 7 ms. So the whole file is mapped (up to 1 TiB, see
/// .cargo/config.toml) while it is at most a quarter of the machine's memory, and
/// read page by page past that.
fn sqlite_map_size(path: &std::path::Path) -> u64 {
    if fits_in_memory(path) { 1 << 40 } else { 0 }
}

/// Whether a SQLite file is at most a quarter of the machine's memory: then it is read
/// through a map, and its pages are as good as in memory.
fn fits_in_memory(path: &std::path::Path) -> bool {
    let file = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0);
    file <= memory / 4
}

/// When SQLite's page reads run in place ([`Db::read_page`]): unless one lately read
/// from the disk (the thread's major page faults and block reads, which its page
/// cache hits and the kernel's cached pages do not count). Then reads go to blocking
/// threads for [`InPlace::PAUSE`] and try again. That happens on the first reads after
/// a start, and on an archive larger than memory (34 GB at 1M stories) whenever its
/// pages are not in the kernel's cache. Elapsed time would not tell: a read of 0.2 ms
/// preempted under load takes milliseconds, and treating that as a wait cost a fifth
/// of an uncached list's throughput. Measured on the long tail at 1M stories, in
/// place throughout against blocking threads throughout: from a cold cache 1,824–3,989
/// req/s against 3,149–5,714; warm 11,294–12,555 (0.13–0.15 ms of CPU) against
/// 6,742–9,078 (0.17–0.23 ms). This rule: 5,602 cold, 9,786–12,341 warm (0.13–0.17).
#[derive(Debug)]
struct InPlace {
    opened: Instant,
    /// Milliseconds after `opened` before which reads do not run in place.
    paused_until: AtomicU64,
}

impl InPlace {
    const PAUSE: Duration = Duration::from_secs(1);

    fn new() -> Self {
        InPlace {
            opened: Instant::now(),
            paused_until: AtomicU64::new(0),
        }
    }

    fn since_opened(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.opened).as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether a read starting `now` may run in place.
    fn allows(&self, now: Instant) -> bool {
        self.since_opened(now) >= self.paused_until.load(Ordering::Relaxed)
    }

    /// A read in place that ended `now` read from the disk.
    fn waited(&self, now: Instant) {
        let until = self.since_opened(now + Self::PAUSE);
        if self.paused_until.fetch_max(until, Ordering::Relaxed) < self.since_opened(now) {
            tracing::debug!(
                "a page read in place read from the disk; reads use blocking threads for a second"
            );
        }
    }
}

/// The calling thread's reads from the disk so far: major page faults (a mapped file)
/// and block reads (`read`), 0 where the system does not say.
fn disk_reads() -> std::ffi::c_long {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_THREAD).map_or(0, |u| u.major_page_faults() + u.block_reads())
}

/// The pooled database handle shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    manager: Arc<Manager>,
    /// SQLite allows one writer. Taking turns in-process before `BEGIN` means a write
    /// transaction never has to upgrade a read lock, which is where SQLite would answer
    /// "database is locked" regardless of the busy timeout.
    sqlite_writer: Arc<Mutex<()>>,
    /// Where this process hears of invalidations: its own writes' and, once
    /// [`Db::tail_invalidations`] runs, everyone else's.
    invalidations: Arc<invalidation::Hub>,
    /// One permit per pooled connection (see [`Db::turn`]).
    permits: Arc<tokio::sync::Semaphore>,
    /// On SQLite, when [`Db::read_page`] may read on the request's thread.
    in_place: Option<Arc<InPlace>>,
}

thread_local! {
    /// Set when work on this thread lost its connection, so that the pool discards
    /// it when it is handed back instead of lending it out again.
    static LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Db {
    /// Opens a pool of `size` connections, creating a SQLite file's folder if needed.
    pub fn connect(url: &DatabaseUrl, size: u32) -> Result<Self, String> {
        let (backend, in_place) = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                (Backend::Sqlite, Some(Arc::new(InPlace::new())))
            }
            DatabaseUrl::Postgres(_) => (Backend::Postgres, None),
        };
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(size.min(2)))
            .connection_timeout(POOL_WAIT)
            // A pooled connection is not pinged before each use (a round trip per
            // request); one that failed is discarded when handed back instead, and
            // reads retry once on a fresh one.
            .test_on_check_out(false)
            .build(Manager { url: url.clone() })
            .map_err(|e| format!("cannot open the database: {e}"))?;
        Ok(Db {
            pool,
            backend,
            manager: Arc::new(Manager { url: url.clone() }),
            sqlite_writer: Arc::new(Mutex::new(())),
            invalidations: Arc::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(size as usize)),
            in_place,
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

    /// Where this process's invalidations are handed out (subscribe to it).
    pub fn invalidations(&self) -> &invalidation::Hub {
        &self.invalidations
    }

    /// Starts following the invalidation log (other processes' and instances' writes)
    /// on a thread of its own, for as long as this handle's hub lives.
    /// It starts from the log's end as of this call: a new process has cached nothing.
    pub fn tail_invalidations(&self) {
        match self
            .conn()
            .and_then(|mut conn| invalidation::bounds(&mut conn))
        {
            Ok((newest, _)) => self.invalidations.start_at(newest),
            Err(e) => tracing::warn!(error = %e, "invalidation log unreadable at start"),
        }
        invalidation::spawn_tail(self.manager.clone(), Arc::downgrade(&self.invalidations));
    }

    /// Runs read-only work on a blocking thread. Work that loses its connection is
    /// tried once more on a fresh one.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Clone + Send + 'static,
        T: Send + 'static,
    {
        let _turn = self.turn().await?;
        let pool = self.pool.clone();
        blocking(move || match with_conn(&pool, work.clone()) {
            Err(e) if e.is_connection_lost() => {
                tracing::warn!(error = %e, "a read lost its connection; retrying once");
                with_conn(&pool, work)
            }
            other => other,
        })
        .await
    }

    /// Runs read-only work whose cost a page bounds (a story page or a list missing the
    /// response cache: a few index look-ups, a fraction of a millisecond). On SQLite it
    /// runs on the request's own thread when a connection is free: handing it to a
    /// blocking thread and back cost about a fifth of an uncached page's CPU, in waking
    /// and switching threads, for work shorter than the switch. But a read whose pages
    /// are not in memory waits on the disk, and in place that stalls every connection
    /// of the thread: after a read in place that read from the disk ([`InPlace`]),
    /// reads go to blocking threads for a while, where the waits of several overlap.
    /// PostgreSQL's statements always wait on the network, and run as [`Db::read`]
    /// runs them, as does work of unbounded cost (search, exports, the desk's filters).
    pub async fn read_page<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Clone + Send + 'static,
        T: Send + 'static,
    {
        if let Some(in_place) = self.in_place.as_ref().filter(|p| p.allows(Instant::now())) {
            let turn = self.turn().await?;
            match self.pool.try_get() {
                Some(conn) => {
                    let before = disk_reads();
                    // A panic ends this request as it would on a blocking thread, not
                    // the thread's other connections.
                    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        on_conn(conn, work)
                    }))
                    .unwrap_or_else(|_| Err(AppError::internal("a read panicked")));
                    if disk_reads() > before {
                        in_place.waited(Instant::now());
                    }
                    return done;
                }
                None => drop(turn),
            }
        }
        self.read(work).await
    }

    /// Runs `work` on a pooled connection outside any transaction, for the one statement
    /// SQLite refuses inside one (`VACUUM INTO`, a backup). Everything else reads
    /// through [`Db::read`].
    pub async fn outside_transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let _turn = self.turn().await?;
        let pool = self.pool.clone();
        blocking(move || work(&mut *pool.get()?)).await
    }

    /// Whether the database answers, within about a second (readiness).
    pub async fn ping(&self) -> AppResult<()> {
        let pool = self.pool.clone();
        blocking(move || {
            let mut conn = pool.get_timeout(Duration::from_millis(900))?;
            let done = conn.batch_execute("SELECT 1").map_err(AppError::from);
            if done.as_ref().is_err_and(AppError::is_connection_lost) {
                LOST.set(true);
            }
            done
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
    /// The keys the work names with [`invalidation::invalidate`] are appended to the
    /// invalidation log in the same transaction and, once it has committed, handed to
    /// this process's subscribers (its response cache) before this returns.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        let done = {
            let _turn = self.turn().await?;
            blocking(move || db.write_logged(work)).await
        };
        let (value, logged) = done?;
        for invalidation in &logged {
            self.invalidations.committed(invalidation);
        }
        commits().send_modify(|n| *n = n.wrapping_add(1));
        Ok(value)
    }

    /// The synchronous form of [`Db::write`], for the CLI and start-up.
    pub fn write_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConn) -> AppResult<T>,
    ) -> AppResult<T> {
        let (value, logged) = self.write_logged(work)?;
        for invalidation in &logged {
            self.invalidations.committed(invalidation);
        }
        Ok(value)
    }

    fn write_logged<T>(
        &self,
        work: impl FnOnce(&mut DbConn) -> AppResult<T>,
    ) -> AppResult<(T, Vec<invalidation::Invalidation>)> {
        let _turn = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        let mut conn = self.pool.get()?;
        let conn: &mut DbConn = &mut conn;
        let mut scope = invalidation::Scope::begin();
        let done = write_transaction(conn, |conn| {
            let value = work(conn)?;
            let logged = invalidation::append(conn, scope.take())?;
            Ok((value, logged))
        });
        if done.as_ref().is_err_and(AppError::is_connection_lost) {
            LOST.set(true);
        }
        done
    }

    /// Borrows a pooled connection directly (start-up, CLI, health checks).
    pub fn conn(&self) -> AppResult<PooledConnection<Manager>> {
        Ok(self.pool.get()?)
    }
}

/// Runs `work` in one write transaction. On SQLite it begins `IMMEDIATE`: the write
/// lock is taken (waiting out the busy timeout) before the first read, because a
/// deferred transaction that read first and then finds another process (a CLI import,
/// another server on the same file) committed meanwhile cannot upgrade and fails with
/// "database is locked" at once, whatever the timeout.
fn write_transaction<T>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Transactions = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(_) => Transactions::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Transactions::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Transactions::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    actix_web::rt::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

/// How long a request waits for a pooled connection before a 503.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// Runs `work` on a pooled connection, marking the connection lost if it was.
///
/// On SQLite the work is one read transaction: every statement of a page sees the same
/// snapshot (a write committing between its look-ups cannot show a story beside links
/// from before it), and the WAL's read lock is taken once for the page rather than once
/// per statement (a seventh of an uncached story page's CPU went to taking and
/// releasing it). Reads never write: test builds hold them to it (`query_only`).
/// PostgreSQL runs each statement on its own: a transaction there is two more round
/// trips, and its statements each see a committed state anyway.
fn with_conn<T>(
    pool: &Pool<Manager>,
    work: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    on_conn(pool.get()?, work)
}

/// [`with_conn`] on a connection already taken from the pool.
fn on_conn<T>(
    mut conn: PooledConnection<Manager>,
    work: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    let conn: &mut DbConn = &mut conn;
    let done = match conn {
        DbConn::Sqlite(_) => read_transaction(conn, work),
        DbConn::Postgres(_) => work(conn),
    };
    if done.as_ref().is_err_and(AppError::is_connection_lost) {
        LOST.set(true);
    }
    done
}

/// `work` in one deferred (read) transaction on SQLite. A connection left unable to
/// say whether it ended the transaction is discarded rather than lent again.
fn read_transaction<T>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    let done = conn.transaction(|conn| {
        if cfg!(debug_assertions) {
            conn.batch_execute("PRAGMA query_only = 1")?;
        }
        work(conn)
    });
    if cfg!(debug_assertions) && conn.batch_execute("PRAGMA query_only = 0").is_err() {
        LOST.set(true);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct MmapSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mmap_size: i64,
    }

    #[test]
    fn a_read_in_place_from_the_disk_sends_the_next_to_blocking_threads_for_a_while() {
        let in_place = InPlace::new();
        let start = in_place.opened;
        assert!(in_place.allows(start));
        let ended = start + Duration::from_millis(10);
        in_place.waited(ended);
        assert!(!in_place.allows(ended));
        assert!(!in_place.allows(ended + InPlace::PAUSE - Duration::from_millis(2)));
        assert!(in_place.allows(ended + InPlace::PAUSE + Duration::from_millis(1)));
        // A later wait extends the pause; an earlier one heard late does not shorten it.
        in_place.waited(ended + Duration::from_millis(500));
        in_place.waited(ended);
        assert!(!in_place.allows(ended + InPlace::PAUSE + Duration::from_millis(100)));
    }

    #[test]
    fn reading_pages_the_kernel_has_not_cached_counts_as_a_disk_read_and_cached_ones_do_not() {
        use nix::fcntl::{PosixFadviseAdvice, posix_fadvise};
        use std::io::Write;
        // Under the build's target folder, on a disk (a temporary folder may be memory).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("dateline-disk-reads-{}", crate::store::new_id()));
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(&vec![7u8; 1 << 20]).unwrap();
        file.sync_all().unwrap();
        drop(file);
        let before = disk_reads();
        assert_eq!(std::fs::read(&path).unwrap().len(), 1 << 20);
        assert_eq!(disk_reads(), before, "the pages were cached");
        // The kernel drops the file's (clean) pages: the next read fetches them.
        let file = std::fs::File::open(&path).unwrap();
        posix_fadvise(&file, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED).unwrap();
        let before = disk_reads();
        assert_eq!(std::fs::read(&path).unwrap().len(), 1 << 20);
        assert!(disk_reads() > before, "the pages came from the disk");
        let _ = std::fs::remove_file(path);
    }

    /// The bundled SQLite caps the map at its compile-time maximum without a word: the
    /// build flags (.cargo/config.toml) must lift it past any real archive that fits.
    #[test]
    fn sqlite_maps_a_file_that_fits_in_memory_whole() {
        let dir = std::env::temp_dir().join(format!("dateline-mmap-{}", crate::store::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manager = Manager {
            url: DatabaseUrl::Sqlite(dir.join("probe.db")),
        };
        let Ok(DbConn::Sqlite(mut conn)) = manager.connect() else {
            panic!("a SQLite connection")
        };
        let size = diesel::sql_query("PRAGMA mmap_size")
            .get_result::<MmapSize>(&mut conn)
            .unwrap()
            .mmap_size;
        assert_eq!(size, 1 << 40);
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }
}
