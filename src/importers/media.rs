//! Finding a story's photos in the media folder copied from the old site, and storing
//! each once (a resized copy leads to its original upload).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::write::{Memory, describe, remember, remembered};
use super::{Picture, Report};
use crate::state::AppState;
use crate::store::ids::ImageId;

/// Finds and stores the photos stories use.
pub(super) struct Images {
    /// Source URL → image id, for this run.
    pub(super) ids: HashMap<String, Option<String>>,
    pub(super) pictures: HashMap<String, Picture>,
    pub(super) media_dir: Option<PathBuf>,
    /// Images already counted in the report (several URLs can lead to one).
    pub(super) counted: HashSet<ImageId>,
    /// Source URLs whose file was found but could not be stored (already reported).
    pub(super) failed: HashSet<String>,
}

/// `photo-1024x683.jpg` → `photo.jpg`: WordPress's resized copies of one upload.
pub(super) fn without_size_suffix(url: &str) -> Option<String> {
    let dot = url.rfind('.')?;
    let (stem, ext) = url.split_at(dot);
    let dash = stem.rfind('-')?;
    let (w, h) = stem[dash + 1..].split_once('x')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(w) && digits(h)).then(|| format!("{}{ext}", &stem[..dash]))
}

/// Where a media URL's file would be under the media folder.
pub(super) fn candidate_paths(url: &str, known: Option<&str>, dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let path = url
        .strip_prefix("__GHOST_URL__")
        .or_else(|| url.split_once("://").map(|(_, rest)| rest))
        .map(|rest| rest.find('/').map_or("", |at| &rest[at..]))
        .unwrap_or(url);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if let Some(dir) = dir {
        if let Some(file) = known {
            out.push(dir.join(file));
        }
        for marker in ["/wp-content/uploads/", "/content/images/"] {
            if let Some(at) = path.find(marker) {
                out.push(dir.join(&path[at + marker.len()..]));
            }
        }
        out.push(dir.join(path.trim_start_matches('/')));
        if let Some(name) = path.rsplit('/').next() {
            out.push(dir.join(name));
        }
    }
    // Only files inside the media folder: an export must not reach elsewhere.
    out.retain(|p| {
        dir.is_some_and(|d| p.starts_with(d))
            && !p.components().any(|c| c == std::path::Component::ParentDir)
    });
    out
}

impl Images {
    /// The image id for a source URL: remembered from an earlier run, or read from the
    /// media folder and stored now. `None` when the file is not there (the caller
    /// reports it) or could not be stored (reported here, and remembered in `failed`).
    pub(super) async fn resolve(
        &mut self,
        state: &AppState,
        source: &str,
        url: &str,
        report: &mut Report,
    ) -> Option<String> {
        if let Some(found) = self.ids.get(url) {
            return found.clone();
        }
        // The original upload first: a resized copy is a lesser version of the same photo,
        // and the source's alt text and caption are recorded against the original.
        let keys: Vec<String> = without_size_suffix(url)
            .into_iter()
            .chain(std::iter::once(url.to_owned()))
            .collect();
        let found = self.find_or_store(state, source, &keys, report).await;
        self.ids.insert(url.to_owned(), found.clone());
        found
    }

    async fn find_or_store(
        &mut self,
        state: &AppState,
        source: &str,
        keys: &[String],
        report: &mut Report,
    ) -> Option<String> {
        for key in keys {
            let (s, k) = (source.to_owned(), key.clone());
            let known = state
                .db
                .read(move |conn| {
                    let Some((id, _, _)) = remembered(conn, &s, "image", &k)? else {
                        return Ok(None);
                    };
                    Ok(crate::media::db::get(conn, &id).ok().map(|row| row.id))
                })
                .await
                .ok()
                .flatten();
            if let Some(id) = known {
                if self.counted.insert(id.clone()) {
                    report.images.unchanged += 1;
                }
                return Some(id.into());
            }
        }
        for key in keys {
            let picture = self.pictures.get(key).cloned().unwrap_or_default();
            let paths = candidate_paths(key, picture.file.as_deref(), self.media_dir.as_deref());
            let Some(bytes) = paths.iter().find_map(|p| std::fs::read(p).ok()) else {
                continue;
            };
            // Long alt text or captions are shortened (and said), not a lost photo.
            let mut notes = Vec::new();
            let alt = super::write::clipped(picture.alt.clone(), 1000, "its alt text", &mut notes);
            let caption =
                super::write::clipped(picture.caption.clone(), 2000, "its caption", &mut notes);
            let credit =
                super::write::clipped(picture.credit.clone(), 300, "its credit", &mut notes);
            report
                .not_mapped
                .extend(notes.into_iter().map(|n| format!("photo {key}: {n}")));
            let meta = match crate::media::model::ImageMeta::parse(alt, caption, credit, None) {
                Ok(meta) => meta,
                Err(e) => {
                    report.images.failed += 1;
                    report
                        .not_mapped
                        .push(format!("photo {key}: {}", describe(&e)));
                    self.failed.extend(keys.iter().cloned());
                    return None;
                }
            };
            return match crate::media::ingest::ingest(state, bytes.into(), meta, None).await {
                Ok((status, row)) => {
                    self.counted.insert(row.id.clone());
                    if status == actix_web::http::StatusCode::CREATED {
                        report.images.created += 1;
                    } else {
                        report.images.adopted += 1;
                    }
                    let (s, k, id) = (source.to_owned(), key.clone(), row.id.clone());
                    let origin = paths.first().map(|p| p.display().to_string());
                    let _ = state
                        .db
                        .write(move |conn| {
                            remember(
                                conn,
                                Memory {
                                    source: &s,
                                    kind: "image",
                                    external_id: &k,
                                    local_id: &id,
                                    fingerprint: "",
                                    version: None,
                                    origin: origin.as_deref(),
                                },
                            )
                        })
                        .await;
                    Some(row.id.into())
                }
                Err(e) => {
                    report.images.failed += 1;
                    report
                        .not_mapped
                        .push(format!("photo {key}: {}", describe(&e)));
                    self.failed.extend(keys.iter().cloned());
                    None
                }
            };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_resized_copies_lead_to_the_upload() {
        assert_eq!(
            without_size_suffix("https://x.test/u/2024/03/photo-1024x683.jpg").as_deref(),
            Some("https://x.test/u/2024/03/photo.jpg")
        );
        assert_eq!(without_size_suffix("https://x.test/u/my-photo.jpg"), None);
        assert_eq!(without_size_suffix("https://x.test/u/a-10x.jpg"), None);
    }

    #[test]
    fn media_paths_stay_inside_the_folder() {
        let dir = Path::new("/m");
        let paths = candidate_paths(
            "https://x.test/wp-content/uploads/2024/03/p.jpg",
            None,
            Some(dir),
        );
        assert_eq!(paths[0], Path::new("/m/2024/03/p.jpg"));
        for (url, known) in [
            ("https://x.test/../../etc/passwd", None),
            ("https://x.test/a.jpg", Some("../../etc/passwd")),
            ("https://x.test/a.jpg", Some("/etc/passwd")),
        ] {
            let paths = candidate_paths(url, known, Some(dir));
            assert!(!paths.is_empty(), "{url} {known:?}");
            assert!(
                paths
                    .iter()
                    .all(|p| p.starts_with("/m") && !p.to_string_lossy().contains("..")),
                "{paths:?}"
            );
        }
        assert!(candidate_paths("https://x.test/a.jpg", None, None).is_empty());
        assert_eq!(
            candidate_paths(
                "__GHOST_URL__/content/images/2024/01/a.png",
                None,
                Some(dir)
            )[0],
            Path::new("/m/2024/01/a.png")
        );
    }
}
