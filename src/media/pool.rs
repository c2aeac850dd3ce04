//! Where upload work runs. Decoding and encoding happen on a small pool of dedicated
//! threads (cores − 1, at least one): a burst of uploads queues there instead of
//! taking every core from reads, a client that disconnects cannot free a slot while
//! its job still runs, and the large buffers always come from the same few threads'
//! allocator arenas (on the shared blocking pool they ratcheted peak memory up run by
//! run: 321 MiB against a ~150 MiB working set). A gate also bounds how many uploads
//! are held in memory while being read.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::error::{AppError, AppResult};

type Job = Box<dyn FnOnce() + Send>;

fn pool() -> &'static Mutex<Sender<Job>> {
    static POOL: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        for n in 0..cores.saturating_sub(1).max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("dateline-images-{n}"))
                .spawn(move || work(&receiver));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start an image worker thread");
            }
        }
        Mutex::new(sender)
    })
}

fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs `job` on the image pool and waits for its result.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let (reply, result) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = reply.send(job());
    });
    pool()
        .lock()
        .map_err(|_| AppError::internal("image pool poisoned"))?
        .send(job)
        .map_err(|_| AppError::internal("image pool stopped"))?;
    result
        .await
        .map_err(|_| AppError::internal("an image job ended without a result"))
}

/// Uploads read into memory at once (each up to the upload limit).
fn reading() -> &'static Arc<Semaphore> {
    static GATE: OnceLock<Arc<Semaphore>> = OnceLock::new();
    GATE.get_or_init(|| Arc::new(Semaphore::new(8)))
}

/// A place among the uploads being read; hold it until the upload is done.
pub async fn upload_slot() -> AppResult<OwnedSemaphorePermit> {
    reading()
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::internal(format!("upload gate closed: {e}")))
}
