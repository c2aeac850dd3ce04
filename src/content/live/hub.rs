//! This instance's fan-out of live stories' entry events to their Server-Sent Events
//! readers.
//!
//! A change to an entry names the story's `entries:<id>` key in the invalidation log
//! (`store::invalidation`), which reaches every instance: at once for this process's
//! own writes, by `NOTIFY` (PostgreSQL) or the log's poll for others'. On hearing it,
//! one task here reads the changes after the last event it passed on, once for all
//! readers of the story, formats each as an SSE frame once, and broadcasts the frames
//! to the story's streams. A stream reads its own backlog from the store after
//! subscribing and drops frames it already sent (by event number), so a reader misses
//! nothing and sees nothing twice however the two race. A reader that falls behind the
//! broadcast's buffer reads what it missed from the store.
//!
//! The same task sends every stream a heartbeat comment (one frame per story, not a
//! timer per reader), and forgets stories nobody follows.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use tokio::sync::{broadcast, mpsc};

use super::db::{Change, changes_after};
use crate::error::AppResult;
use crate::store::Db;
use crate::store::invalidation::Invalidation;

/// Frames a story's broadcast holds for readers that are behind.
const BUFFER: usize = 256;

/// Changes read from the store at once.
const BATCH: i64 = 200;

/// One SSE frame: an event (numbered) or a heartbeat (`seq` 0).
#[derive(Clone, Debug)]
pub struct Frame {
    pub seq: i64,
    pub bytes: Bytes,
}

impl Frame {
    /// The frame of a change: `id`, `event` and the entry as JSON `data` (for a
    /// deletion, `{"id": …}`). JSON has no raw line breaks, so one `data:` line holds it.
    pub fn of(change: &Change) -> Frame {
        let data = match &change.entry {
            Some(entry) => serde_json::to_string(entry).unwrap_or_else(|_| "{}".into()),
            None => serde_json::json!({ "id": change.entry_id }).to_string(),
        };
        Frame {
            seq: change.seq,
            bytes: Bytes::from(format!(
                "id: {}\nevent: {}\ndata: {data}\n\n",
                change.seq,
                change.kind.as_str()
            )),
        }
    }

    fn heartbeat() -> Frame {
        Frame {
            seq: 0,
            bytes: Bytes::from_static(b": heartbeat\n\n"),
        }
    }
}

struct Channel {
    sender: broadcast::Sender<Frame>,
    /// The last event number broadcast.
    last: i64,
}

enum Wake {
    Story(String),
    All,
}

/// The stories followed on this instance and their broadcasts.
pub struct LiveHub {
    channels: Mutex<HashMap<String, Channel>>,
    wake: mpsc::UnboundedSender<Wake>,
    woken: Mutex<Option<mpsc::UnboundedReceiver<Wake>>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        let (wake, woken) = mpsc::unbounded_channel();
        LiveHub {
            channels: Mutex::new(HashMap::new()),
            wake,
            woken: Mutex::new(Some(woken)),
        }
    }
}

impl LiveHub {
    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<String, Channel>> {
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A committed write (here or elsewhere): wake the stories whose entries changed.
    pub fn heard(&self, invalidation: &Invalidation) {
        if invalidation.due.is_some() {
            return;
        }
        if invalidation.is_all() {
            let _ = self.wake.send(Wake::All);
            return;
        }
        for key in invalidation.keys.iter() {
            if let Some(id) = key.strip_prefix("entries:") {
                let _ = self.wake.send(Wake::Story(id.to_owned()));
            }
        }
    }

    /// Follows a story's events; `from` is an event number the reader has read up to
    /// (where a new broadcast starts).
    pub fn subscribe(&self, article: &str, from: i64) -> broadcast::Receiver<Frame> {
        let mut channels = self.channels();
        let channel = channels
            .entry(article.to_owned())
            .or_insert_with(|| Channel {
                sender: broadcast::channel(BUFFER).0,
                last: from,
            });
        channel.sender.subscribe()
    }

    /// How many streams this instance holds open.
    pub fn readers(&self) -> usize {
        self.channels()
            .values()
            .map(|c| c.sender.receiver_count())
            .sum()
    }

    fn last(&self, article: &str) -> Option<i64> {
        self.channels().get(article).map(|c| c.last)
    }

    fn publish(&self, article: &str, frames: Vec<Frame>) {
        let mut channels = self.channels();
        let Some(channel) = channels.get_mut(article) else {
            return;
        };
        for frame in frames {
            if frame.seq > channel.last {
                channel.last = frame.seq;
                // No receivers is not an error worth telling: nobody listens.
                let _ = channel.sender.send(frame);
            }
        }
    }

    /// Heartbeats to every followed story; stories nobody follows are forgotten.
    fn beat(&self) {
        let mut channels = self.channels();
        channels.retain(|_, c| c.sender.receiver_count() > 0);
        for channel in channels.values() {
            let _ = channel.sender.send(Frame::heartbeat());
        }
    }
}

/// The frames of every change to a story's entries after event `after`, oldest first,
/// read from the store in batches.
pub async fn frames_after(db: &Db, article: &str, after: i64) -> AppResult<Vec<Frame>> {
    let mut frames: Vec<Frame> = Vec::new();
    loop {
        let (id, from) = (article.to_owned(), frames.last().map_or(after, |f| f.seq));
        let changes = db
            .read(move |conn| changes_after(conn, &id, from, BATCH))
            .await?;
        let full = changes.len() as i64 == BATCH;
        frames.extend(changes.iter().map(Frame::of));
        if !full {
            return Ok(frames);
        }
    }
}

/// Reads and broadcasts a story's changes after what it last broadcast.
async fn fetch(db: &Db, hub: &LiveHub, article: String) {
    let Some(last) = hub.last(&article) else {
        return;
    };
    match frames_after(db, &article, last).await {
        Ok(frames) => hub.publish(&article, frames),
        // The streams catch up from the store at the next change or reconnect.
        Err(e) => tracing::warn!(error = %e, article, "live: reading entry changes failed"),
    }
}

/// The hub's task: broadcasts changes as the log tells of them, and heartbeats.
pub async fn run(db: Db, hub: Arc<LiveHub>, heartbeat: Duration) {
    let Some(mut woken) = hub.woken.lock().unwrap_or_else(|p| p.into_inner()).take() else {
        return;
    };
    let mut tick = tokio::time::interval(heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            wake = woken.recv() => {
                let Some(wake) = wake else { return };
                // Everything waiting, each story once.
                let mut stories: BTreeSet<String> = BTreeSet::new();
                let mut all = false;
                for wake in std::iter::once(wake).chain(std::iter::from_fn(|| woken.try_recv().ok())) {
                    match wake {
                        Wake::Story(id) => {
                            stories.insert(id);
                        }
                        Wake::All => all = true,
                    }
                }
                if all {
                    stories.extend(hub.channels().keys().cloned());
                }
                for article in stories {
                    fetch(&db, &hub, article).await;
                }
            }
            _ = tick.tick() => hub.beat(),
        }
    }
}
