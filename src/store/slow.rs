//! The slow-query log: any statement taking `DATELINE_SLOW_QUERY_MS` or longer is
//! logged as a warning with its SQL, on every connection. Never the bound values: they
//! hold stories' text and password hashes, and a bulk insert's run to megabytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// The threshold in microseconds (0: off).
static THRESHOLD_US: AtomicU64 = AtomicU64::new(0);

/// Turns the log on for connections opened from now on (`ms` 0 turns it off).
pub fn install(ms: u64) {
    THRESHOLD_US.store(ms.saturating_mul(1000), Ordering::Relaxed);
    diesel::connection::set_default_instrumentation(make)
        .unwrap_or_else(|e| tracing::warn!(error = %e, "slow-query log unavailable"));
}

fn make() -> Option<Box<dyn Instrumentation>> {
    (THRESHOLD_US.load(Ordering::Relaxed) > 0).then(|| Box::new(SlowQueries::default()) as _)
}

#[derive(Default)]
struct SlowQueries {
    started: Option<Instant>,
}

impl Instrumentation for SlowQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let took = started.elapsed();
                if took.as_micros() as u64 >= THRESHOLD_US.load(Ordering::Relaxed) {
                    let text = query.to_string();
                    let sql = text.split(" -- binds:").next().unwrap_or_default();
                    let sql: String = sql.chars().take(500).collect();
                    tracing::warn!(ms = took.as_secs_f64() * 1000.0, %sql, "slow query");
                }
            }
            _ => {}
        }
    }
}
