//! Per-key rate limits: a token bucket per API key, refilled continuously at the
//! configured requests per minute, with a minute's worth of burst. Counted per server
//! process (each instance enforces the limit on its own share of the traffic).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Buckets by key id.
#[derive(Clone, Default)]
pub struct KeyLimits {
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl KeyLimits {
    /// Takes one request from `key`'s bucket; `Err(seconds)` to wait when it is empty.
    pub fn take(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        let rate = f64::from(per_minute) / 60.0;
        let capacity = f64::from(per_minute);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget idle keys rather than grow without bound.
            buckets.retain(|_, b| now.duration_since(b.at).as_secs() < 120);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyLimits;

    #[test]
    fn a_bucket_allows_its_burst_then_asks_to_wait() {
        let limits = KeyLimits::default();
        for _ in 0..3 {
            assert!(limits.take("k", 3).is_ok());
        }
        let wait = limits.take("k", 3).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(limits.take("other", 3).is_ok(), "keys are counted apart");
    }
}
