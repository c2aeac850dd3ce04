//! A bounded lane for CPU-heavy image work, so a burst of uploads cannot take every
//! core (and the blocking pool) away from reads.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

fn lane() -> &'static Semaphore {
    static LANE: OnceLock<Semaphore> = OnceLock::new();
    // Leave a core for serving reads; at least one job runs.
    LANE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.saturating_sub(1).max(1))
    })
}

/// Runs `job` on a blocking thread once a processing slot is free.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _slot = lane()
        .acquire()
        .await
        .map_err(|e| AppError::internal(format!("image lane closed: {e}")))?;
    actix_web::rt::task::spawn_blocking(job)
        .await
        .map_err(|e| AppError::internal(format!("image job failed: {e}")))
}
