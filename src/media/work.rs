//! Bounded lanes for upload work: how many uploads may be read into memory at once,
//! and how many images may be decoded and encoded at once (cores − 1), so a burst of
//! uploads can neither exhaust memory nor take every core away from reads.

use std::sync::{Arc, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

fn processing() -> &'static Arc<Semaphore> {
    static LANE: OnceLock<Arc<Semaphore>> = OnceLock::new();
    LANE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)))
    })
}

/// Uploads read into memory at once (each up to the upload limit).
fn reading() -> &'static Arc<Semaphore> {
    static GATE: OnceLock<Arc<Semaphore>> = OnceLock::new();
    GATE.get_or_init(|| Arc::new(Semaphore::new(8)))
}

async fn acquire(lane: &Arc<Semaphore>) -> AppResult<OwnedSemaphorePermit> {
    lane.clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::internal(format!("upload lane closed: {e}")))
}

/// A place among the uploads being read; hold it until the upload is done.
pub async fn upload_slot() -> AppResult<OwnedSemaphorePermit> {
    acquire(reading()).await
}

/// Runs `job` on a blocking thread once a processing slot is free. The slot travels
/// with the job, so a client that disconnects does not free it while the work goes on.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let slot = acquire(processing()).await?;
    actix_web::rt::task::spawn_blocking(move || {
        let result = job();
        drop(slot);
        result
    })
    .await
    .map_err(|e| AppError::internal(format!("image job failed: {e}")))
}
