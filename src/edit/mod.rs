//! The edit stage: migration rules produce byte-range [`Edit`]s; an [`Overlay`] applies them rule
//! after rule in memory (each rule sees the result of the ones before), refuses edits that collide
//! with each other or leave a syntax error, and finally [`write_all`] puts the result on disk
//! without losing a byte: stale files are detected before anything is written, every file is
//! replaced atomically, and a failure half-way restores what was already written.
//!
//! Content is bytes throughout — files may have CRLF, a BOM, mixed line endings or non-UTF-8
//! parts, and every byte an edit does not cover comes out exactly as it went in.
//!
//! Rules are identified by their index (`rule: usize`) as given by the caller; messages and JSON
//! print it unchanged.

mod diff;
mod guard;
mod offsets;
mod overlay;
mod reads;
mod syntax;
mod write;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use diff::{edits_json, summary, unified_diff, unified_diff_bytes};
#[doc(hidden)]
pub use guard::fault;
pub use guard::{read_only_files, ReadOnlyFile, TreeLock};
pub use overlay::{AppliedEdit, BaseTreeSource, FileChange, Overlay, ReparsedHook};
pub use reads::ReadLog;
pub use syntax::BaseTree;
pub use write::{write_all, write_with, WriteOptions};

/// One byte-range replacement in one file, like ruff's `Edit`: bytes `start..end` of the file's
/// current content (as the rule sees it: after every earlier rule) become `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file; absolute, or relative to the overlay's rootdir.
    pub path: PathBuf,
    pub start: usize,
    pub end: usize,
    pub content: String,
    /// Index of the rule that produced the edit, for messages.
    pub rule: usize,
}

impl Edit {
    /// Replaces bytes `start..end` with `content`.
    pub fn replace(
        path: impl Into<PathBuf>,
        start: usize,
        end: usize,
        content: impl Into<String>,
        rule: usize,
    ) -> Edit {
        Edit {
            path: path.into(),
            start,
            end,
            content: content.into(),
            rule,
        }
    }

    /// Inserts `content` before byte `at`.
    pub fn insert(
        path: impl Into<PathBuf>,
        at: usize,
        content: impl Into<String>,
        rule: usize,
    ) -> Edit {
        Edit::replace(path, at, at, content, rule)
    }

    /// Deletes bytes `start..end`.
    pub fn delete(path: impl Into<PathBuf>, start: usize, end: usize, rule: usize) -> Edit {
        Edit::replace(path, start, end, String::new(), rule)
    }

    /// Whether the edit changes nothing by itself (an empty insertion).
    pub fn is_empty(&self) -> bool {
        self.start == self.end && self.content.is_empty()
    }
}

/// A file that could not be put back after a failed write, and where its original content went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrestored {
    /// Path relative to the rootdir.
    pub path: String,
    /// Why restoring failed.
    pub error: String,
    /// Where the original bytes were saved instead, if that worked.
    pub saved_to: Option<PathBuf>,
    /// A file fixmig created (and could not remove again).
    pub created: bool,
}

/// Why edits could not be applied or written. Paths are relative to the rootdir, with `/`.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Two edits of one rule overlap, or an edit overlaps text an earlier rule changed.
    #[error("{}", overlap_message(.path, *.rule, *.line, *.column, *.other_rule, *.other_line, *.other_column))]
    Overlap {
        path: String,
        /// The rule being applied.
        rule: usize,
        line: usize,
        column: usize,
        /// The rule whose edit it collides with (equal to `rule` for a rule overlapping itself).
        other_rule: usize,
        other_line: usize,
        other_column: usize,
    },
    /// An edit range that does not fit the file (out of bounds, reversed, or splitting a UTF-8
    /// character).
    #[error(
        "rule {rule} produced an edit of bytes {start}..{end} in {path}, which {reason}; \
         nothing from rule {rule} was applied. This is a bug in the rule: please report it"
    )]
    Range {
        path: String,
        rule: usize,
        start: usize,
        end: usize,
        reason: String,
    },
    /// The rule would leave a syntax error the file did not have before.
    #[error(
        "rule {rule} would introduce a syntax error in {path} at line {line}, column {column} \
         (of the rewritten file); nothing from rule {rule} was applied and the file is unchanged. \
         Check the rule's replacement text, or fix the code around {path}:{line} by hand"
    )]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        rule: usize,
    },
    /// The file changed on disk after fixmig read it (or a file to create appeared).
    #[error(
        "{path} changed on disk since fixmig read it; nothing was written. \
         Re-run fixmig to plan the edits against the current content"
    )]
    Stale { path: String },
    /// Writing failed; everything written before was restored (see `unrestored` otherwise).
    #[error("{}", write_message(.path, .source, .restored, .unrestored))]
    Write {
        path: String,
        source: std::io::Error,
        /// Files already written and then put back as they were.
        restored: Vec<String>,
        /// Files that could not be put back (empty unless something else went wrong too).
        unrestored: Vec<Unrestored>,
    },
    /// Files to edit or delete are read-only (and `--force-read-only` was not given); nothing
    /// was written.
    #[error("{}", read_only_message(.files))]
    ReadOnly { files: Vec<ReadOnlyFile> },
    /// SIGINT, SIGTERM or SIGHUP arrived during the write; everything written was put back
    /// (see `unrestored` otherwise).
    #[error("{}", interrupted_message(.signal, .restored, .unrestored))]
    Interrupted {
        /// The signal's name (`SIGINT`).
        signal: String,
        /// Its number.
        number: i32,
        restored: Vec<String>,
        unrestored: Vec<Unrestored>,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A rule wants to create a file that already exists.
    #[error(
        "rule {rule} would create {path}, which already exists; nothing from rule {rule} was \
         applied. Move or merge the existing file first, or change the rule's target"
    )]
    Exists { path: String, rule: usize },
    /// A rule edits, creates or deletes a file an earlier rule deleted.
    #[error(
        "rule {rule} changes {path}, which rule {by} deletes; nothing from rule {rule} was \
         applied. Run rule {rule} before rule {by}, or drop one of them"
    )]
    Deleted {
        path: String,
        rule: usize,
        by: usize,
    },
    /// Two changed paths are the same file on disk (a symlink); writing both would lose edits.
    #[error(
        "{path} and {other} are the same file on disk (a symlink); fixmig edited them separately \
         and cannot write both, so nothing was written. Run fixmig on only one of the two paths"
    )]
    Alias { path: String, other: String },
}

fn overlap_message(
    path: &str,
    rule: usize,
    line: usize,
    column: usize,
    other_rule: usize,
    other_line: usize,
    other_column: usize,
) -> String {
    if rule == other_rule {
        format!(
            "rule {rule} produced two overlapping edits in {path} (at {line}:{column} and \
             {other_line}:{other_column}); nothing from rule {rule} was applied. \
             This is a bug in the rule: please report it"
        )
    } else {
        format!(
            "rule {rule} edits {path}:{line}:{column}, which rule {other_rule} already changed \
             (at {other_line}:{other_column}); nothing from rule {rule} was applied. \
             Run rule {rule} in a separate pass after writing rule {other_rule}'s changes, \
             or narrow one of the two rules"
        )
    }
}

impl EditError {
    /// The exit code of `fixmig migrate --write` failing with this error: 2 for read-only files
    /// (like an invalid rule: nothing was tried), 128 + the signal's number when interrupted
    /// (as a shell reports a process the signal ended), else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            EditError::ReadOnly { .. } => 2,
            EditError::Interrupted { number, .. } => 128 + number,
            _ => 1,
        }
    }
}

fn read_only_message(files: &[ReadOnlyFile]) -> String {
    let mut msg = format!(
        "refusing to write: {} read-only ({}); nothing was written. A read-only file is often \
         generated, vendored or not checked out for editing (Perforce). Make {} writable, or \
         pass --force-read-only to replace {} anyway (keeping {} mode)",
        plural(files.len(), "file to change is", "files to change are"),
        files
            .iter()
            .map(|f| format!("{}: {}", f.path, f.why))
            .collect::<Vec<_>>()
            .join(", "),
        if files.len() == 1 { "it" } else { "them" },
        if files.len() == 1 { "it" } else { "them" },
        if files.len() == 1 { "its" } else { "their" },
    );
    msg.push('.');
    msg
}

fn interrupted_message(signal: &str, restored: &[String], unrestored: &[Unrestored]) -> String {
    outcome_message(
        format!("interrupted by {signal} while writing. "),
        restored,
        unrestored,
    )
}

fn write_message(
    path: &str,
    source: &std::io::Error,
    restored: &[String],
    unrestored: &[Unrestored],
) -> String {
    outcome_message(
        format!("could not write {path}: {source}. "),
        restored,
        unrestored,
    )
}

/// `head`, then what became of the files already written.
fn outcome_message(head: String, restored: &[String], unrestored: &[Unrestored]) -> String {
    let mut msg = head;
    if unrestored.is_empty() {
        if restored.is_empty() {
            msg.push_str("Nothing was changed on disk");
        } else {
            msg.push_str(&format!(
                "Nothing was changed on disk: the {} already written ({}) {} restored",
                plural(restored.len(), "file", "files"),
                restored.join(", "),
                if restored.len() == 1 { "was" } else { "were" }
            ));
        }
        msg.push_str("; fix the cause and re-run fixmig");
    } else {
        if !restored.is_empty() {
            msg.push_str(&format!("Restored {}. ", restored.join(", ")));
        }
        for u in unrestored {
            if u.created {
                msg.push_str(&format!(
                    "COULD NOT REMOVE the new file {} ({}); delete it by hand. ",
                    u.path, u.error
                ));
                continue;
            }
            match &u.saved_to {
                Some(saved) => msg.push_str(&format!(
                    "COULD NOT RESTORE {} ({}): its original content is saved in {}; copy it back by hand. ",
                    u.path,
                    u.error,
                    saved.display()
                )),
                None => msg.push_str(&format!(
                    "COULD NOT RESTORE {} ({}), nor save its original content; recover it from \
                     version control. ",
                    u.path, u.error
                )),
            }
        }
    }
    msg
}

/// `1 file`, `2 files`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `path` relative to `root`, with `/` separators; the full path when it is outside `root`.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        _ => path.to_string_lossy().into_owned(),
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// 1-based line and column of byte `offset` in `bytes`, counted like the rest of fixmig: lines
/// end at `\n`, the column counts characters (lossy for non-UTF-8 bytes) and ignores a BOM.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let mut from = line_start;
    if line_start == 0 && before.starts_with(BOM) {
        from = BOM.len();
    }
    let column = 1 + String::from_utf8_lossy(&bytes[from..offset])
        .chars()
        .count();
    (line, column)
}
