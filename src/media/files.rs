//! Where image files live: one interface (object_store) over a local folder and
//! S3-compatible buckets, with keys that cannot escape their prefix.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{DynObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{MediaLocation, Settings};
use crate::error::{AppError, AppResult};

/// Keys under this prefix (the uploads as received, metadata and all) are never served.
pub const PRIVATE_PREFIX: &str = "originals/";

/// The media store and how its files are addressed publicly.
#[derive(Clone)]
pub struct MediaStore {
    store: Arc<DynObjectStore>,
    prefix: String,
    public_base: String,
}

/// A stored file, or a byte range of it.
pub struct Fetched {
    pub bytes: Bytes,
    /// The whole file's size (for `Content-Range`).
    pub size: u64,
    /// The range returned.
    pub range: Range<u64>,
}

impl MediaStore {
    /// Opens the configured store (creating a local folder if needed).
    pub fn open(settings: &Settings) -> Result<Self, String> {
        let (store, prefix): (Arc<DynObjectStore>, String) = match &settings.media {
            MediaLocation::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("DATELINE_MEDIA: cannot create {}: {e}", dir.display()))?;
                let local = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("DATELINE_MEDIA: {e}"))?;
                (Arc::new(local), String::new())
            }
            MediaLocation::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let (Some(id), Some(secret)) = (access_key_id, secret_access_key) {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(&secret.0);
                }
                let s3 = builder
                    .build()
                    .map_err(|e| format!("DATELINE_MEDIA: {e}"))?;
                (Arc::new(s3), prefix.clone())
            }
        };
        Ok(MediaStore {
            store,
            prefix,
            public_base: settings.media_public_url.clone(),
        })
    }

    fn path(&self, key: &str) -> AppResult<Path> {
        let full = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        };
        Path::parse(full).map_err(|e| AppError::internal(format!("media key {key}: {e}")))
    }

    /// The public URL of a key.
    pub fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base)
    }

    /// Stores a file.
    pub async fn put(&self, key: &str, bytes: Bytes) -> AppResult<()> {
        let path = self.path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| AppError::Unavailable(format!("media store put {key}: {e}")))?;
        Ok(())
    }

    /// Reads a file, or the byte range `range` of it (clamped to its size); `None` if
    /// there is no such file, `Err(Validation)` for a range that starts past its end.
    pub async fn get(&self, key: &str, range: Option<ByteRange>) -> AppResult<Option<Fetched>> {
        let path = self.path(key)?;
        let size = match self.store.head(&path).await {
            Ok(meta) => meta.size,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => {
                return Err(AppError::Unavailable(format!(
                    "media store head {key}: {e}"
                )));
            }
        };
        let range = match range {
            None => 0..size,
            Some(r) => r
                .resolve(size)
                .ok_or(AppError::RangeNotSatisfiable { size })?,
        };
        let bytes = if range.is_empty() {
            Bytes::new()
        } else {
            self.store
                .get_range(&path, range.clone())
                .await
                .map_err(|e| AppError::Unavailable(format!("media store get {key}: {e}")))?
        };
        Ok(Some(Fetched { bytes, size, range }))
    }

    /// Deletes a file; a missing one is fine.
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(AppError::Unavailable(format!(
                "media store delete {key}: {e}"
            ))),
        }
    }

    /// Best-effort removal of files no row points at (a lost de-duplication race, a
    /// deleted image); failures are logged, leaving orphans to sweep, never dangling
    /// rows.
    pub async fn remove_files(&self, keys: impl Iterator<Item = &str>) {
        for key in keys {
            if let Err(e) = self.delete(key).await {
                tracing::warn!(key, error = %e, "could not delete a media file");
            }
        }
    }
}

/// A single `Range: bytes=…` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=a-b` (inclusive) or `bytes=a-`.
    From { start: u64, end: Option<u64> },
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parses one range; multiple ranges or other units are ignored (a full 200 is a
    /// valid answer to those).
    pub fn parse(header: &str) -> Option<ByteRange> {
        let spec = header.trim().strip_prefix("bytes=")?;
        if spec.contains(',') {
            return None;
        }
        let (a, b) = spec.split_once('-')?;
        match (a.trim(), b.trim()) {
            ("", n) => n.parse().ok().map(ByteRange::Suffix),
            (a, "") => a
                .parse()
                .ok()
                .map(|start| ByteRange::From { start, end: None }),
            (a, b) => {
                let (start, end) = (a.parse().ok()?, b.parse().ok()?);
                (start <= end).then_some(ByteRange::From {
                    start,
                    end: Some(end),
                })
            }
        }
    }

    /// The half-open range within a file of `size` bytes, or `None` if unsatisfiable.
    pub fn resolve(self, size: u64) -> Option<Range<u64>> {
        match self {
            ByteRange::Suffix(0) => None,
            ByteRange::Suffix(n) => Some(size.saturating_sub(n)..size),
            ByteRange::From { start, .. } if start >= size => None,
            ByteRange::From { start, end } => {
                Some(start..end.map_or(size, |e| e.saturating_add(1).min(size)))
            }
        }
    }
}

/// A key is safe to serve when it is one we would have written: lower-case hex,
/// digits, dots, dashes and slashes, no `..`, and not a private original.
pub fn is_public_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && !key.starts_with(PRIVATE_PREFIX)
        && !key.starts_with('/')
        && !key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && key.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_clamp() {
        assert_eq!(
            ByteRange::parse("bytes=0-99").and_then(|r| r.resolve(1000)),
            Some(0..100)
        );
        assert_eq!(
            ByteRange::parse("bytes=900-").and_then(|r| r.resolve(1000)),
            Some(900..1000)
        );
        assert_eq!(
            ByteRange::parse("bytes=-10").and_then(|r| r.resolve(1000)),
            Some(990..1000)
        );
        assert_eq!(
            ByteRange::parse("bytes=990-5000").and_then(|r| r.resolve(1000)),
            Some(990..1000)
        );
        assert_eq!(
            ByteRange::parse("bytes=1000-").and_then(|r| r.resolve(1000)),
            None
        );
        assert_eq!(ByteRange::parse("bytes=5-1"), None);
        assert_eq!(
            ByteRange::parse("bytes=0-18446744073709551615").and_then(|r| r.resolve(10)),
            Some(0..10)
        );
        assert_eq!(ByteRange::parse("bytes=0-1,5-6"), None);
        assert_eq!(ByteRange::parse("items=0-1"), None);
    }

    #[test]
    fn only_keys_we_write_are_served() {
        assert!(is_public_key("ab/abcdef/640.webp"));
        for bad in [
            "../etc/passwd",
            "ab/../x",
            "/abs",
            "originals/ab/abc",
            "ab//c",
            "AB/c.jpg",
            "a/./b",
            "a%2e",
        ] {
            assert!(!is_public_key(bad), "{bad}");
        }
    }
}
