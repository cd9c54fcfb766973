//! What the analysis of a migration read from disk: the edits are computed from those bytes,
//! so the overlay's originals (read again when a rule first edits a file) must be the same.
//! A file saved between the two reads would otherwise get edits at offsets of its old content.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{EditError, FileChange};

/// The content hash of every file read, per path; `None` once two reads disagreed.
#[derive(Debug, Clone, Default)]
pub struct ReadLog(Arc<Mutex<HashMap<PathBuf, Option<u128>>>>);

impl ReadLog {
    /// Records that `path` was read from disk as `bytes`.
    pub fn record(&self, path: &Path, bytes: &[u8]) {
        let hash = crate::cache::content_hash(bytes);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(path.to_path_buf())
            .and_modify(|seen| {
                if *seen != Some(hash) {
                    *seen = None;
                }
            })
            .or_insert(Some(hash));
    }

    /// [`EditError::Stale`] for the first file read twice with different contents, or changed
    /// from other bytes than the analysis read.
    pub fn check(&self, changes: &[FileChange]) -> Result<(), EditError> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let root = changes
            .first()
            .and_then(|c| c.path.to_str()?.strip_suffix(c.rel.as_str()))
            .map(PathBuf::from);
        let mut moved: Vec<&PathBuf> = map
            .iter()
            .filter(|(_, seen)| seen.is_none())
            .map(|(p, _)| p)
            .collect();
        moved.sort();
        if let Some(path) = moved.first() {
            return Err(EditError::Stale {
                path: match &root {
                    Some(root) => super::relative(root, path),
                    None => path.to_string_lossy().into_owned(),
                },
            });
        }
        for change in changes {
            let (Some(original), Some(Some(seen))) = (&change.original, map.get(&change.path))
            else {
                continue;
            };
            if crate::cache::content_hash(original) != *seen {
                return Err(EditError::Stale {
                    path: change.rel.clone(),
                });
            }
        }
        Ok(())
    }
}
