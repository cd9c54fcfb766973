//! The in-memory overlay migration rules are applied to, one rule after another.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::offsets::{
    conflicts_with_earlier, conflicts_within_rule, shift, splits_char, syntax_position,
};
use super::syntax::{is_python, syntax_errors, syntax_errors_seen, BaseTree, Incremental};
use super::{line_column, relative, Edit, EditError};

/// One edit as it was applied, for reports and `--format json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedEdit {
    /// The rule that made it.
    pub rule: usize,
    /// Byte range replaced (see `in_original` for which file the coordinates refer to).
    pub start: usize,
    pub end: usize,
    /// 1-based line and column (characters, BOM not counted) of `start` and `end`.
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The bytes replaced and the bytes put in their place.
    pub old: Vec<u8>,
    pub new: Vec<u8>,
    /// `true`: the coordinates are in the original file (as read from disk). All edits of a file
    /// that existed are of this kind, never overlap, and are listed in file order, so applying
    /// them to the original back to front reproduces the new content.
    /// `false`: only in files created by a rule: the coordinates are in the file as it was when
    /// this edit's rule ran, i.e. after every edit listed before it.
    pub in_original: bool,
}

/// A file whose content would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Absolute path.
    pub path: PathBuf,
    /// Relative to the rootdir, with `/` separators.
    pub rel: String,
    /// The bytes read from disk; `None` for a file a rule creates.
    pub original: Option<Vec<u8>>,
    /// The content to write.
    pub new: Vec<u8>,
    /// Every edit, in file order (see [`AppliedEdit::in_original`]). A deleted file has one:
    /// all of its original bytes replaced by nothing.
    pub edits: Vec<AppliedEdit>,
    /// The file is to be removed (`new` is empty).
    pub deleted: bool,
}

impl FileChange {
    /// Whether the file is new.
    pub fn created(&self) -> bool {
        self.original.is_none()
    }
}

/// An applied edit and where its new text is now.
#[derive(Debug, Clone)]
struct Record {
    edit: AppliedEdit,
    /// The range of the new text in the current content; kept up to date as later rules apply.
    cur: Range<usize>,
    /// The creation of the file itself: later rules may edit inside it.
    creation: bool,
}

#[derive(Debug, Clone)]
struct FileState {
    original: Option<Vec<u8>>,
    current: Vec<u8>,
    /// In application order.
    records: Vec<Record>,
    /// Syntax error offsets of `current` (Python files), once computed.
    errors: Option<Vec<Range<usize>>>,
    /// The rule that deleted the file, if one did: it then reads as absent.
    deleted_by: Option<usize>,
}

/// Files as the rules applied so far leave them, in memory.
#[derive(Debug, Clone)]
pub struct Overlay {
    rootdir: PathBuf,
    files: BTreeMap<PathBuf, FileState>,
    reparsed: Option<Reparsed>,
    base_trees: Option<BaseTrees>,
}

/// Shown each edited Python file's new content and the tree its re-parse check made (of the
/// content after any BOM), in parallel, before the tree is dropped: `migrate` takes the
/// facts of the file from it instead of parsing it again.
pub type ReparsedHook = std::sync::Arc<dyn Fn(&[u8], &tree_sitter::Tree) + Send + Sync>;

#[derive(Clone)]
struct Reparsed(ReparsedHook);

/// Given a Python file's content (BOM included), a tree made of it before, if one is at hand:
/// the re-parse check of edits to that content starts from it.
pub type BaseTreeSource = std::sync::Arc<dyn Fn(&[u8]) -> Option<BaseTree> + Send + Sync>;

#[derive(Clone)]
struct BaseTrees(BaseTreeSource);

impl std::fmt::Debug for BaseTrees {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BaseTrees")
    }
}

impl std::fmt::Debug for Reparsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reparsed")
    }
}

impl Overlay {
    /// An empty overlay; relative paths are taken relative to `rootdir`, and messages print
    /// paths relative to it.
    pub fn new(rootdir: PathBuf) -> Overlay {
        Overlay {
            rootdir,
            files: BTreeMap::new(),
            reparsed: None,
            base_trees: None,
        }
    }

    /// Asks `source` for a tree of each Python file's content before an edit; the re-parse
    /// check starts from it when there is one (see [`BaseTree`]).
    pub fn with_base_trees(&mut self, source: BaseTreeSource) {
        self.base_trees = Some(BaseTrees(source));
    }

    /// Shows `hook` every tree the re-parse check of an edit makes (see [`ReparsedHook`]).
    pub fn on_reparsed(&mut self, hook: ReparsedHook) {
        self.reparsed = Some(Reparsed(hook));
    }

    pub fn rootdir(&self) -> &Path {
        &self.rootdir
    }

    fn key(&self, path: &Path) -> PathBuf {
        self.rootdir.join(path)
    }

    fn rel(&self, path: &Path) -> String {
        relative(&self.rootdir, path)
    }

    fn load(&mut self, key: &Path) -> std::io::Result<()> {
        if !self.files.contains_key(key) {
            let bytes = std::fs::read(key)?;
            self.files.insert(
                key.to_path_buf(),
                FileState {
                    original: Some(bytes.clone()),
                    current: bytes,
                    records: Vec::new(),
                    errors: None,
                    deleted_by: None,
                },
            );
        }
        Ok(())
    }

    /// The current content of `path`: what the rules applied so far left. Reads the file from
    /// disk the first time and remembers that as its original content.
    pub fn read(&mut self, path: &Path) -> std::io::Result<&[u8]> {
        let key = self.key(path);
        self.load(&key)?;
        let state = &self.files[&key];
        if state.deleted_by.is_some() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "deleted by an earlier rule",
            ));
        }
        Ok(&state.current)
    }

    /// The current content of `path` if it was read or created before (and not deleted).
    pub fn current(&self, path: &Path) -> Option<&[u8]> {
        self.files
            .get(&self.key(path))
            .filter(|s| s.deleted_by.is_none())
            .map(|s| s.current.as_slice())
    }

    /// Whether `path` exists on disk or was created in the overlay (and was not deleted).
    pub fn exists(&self, path: &Path) -> bool {
        let key = self.key(path);
        match self.files.get(&key) {
            Some(state) => state.deleted_by.is_none(),
            None => key.exists(),
        }
    }

    /// Deletes `path`: it reads as absent afterwards, and [`Overlay::changes`] lists it as
    /// deleted (a file created by an earlier rule is simply dropped). Fails if the file does not
    /// exist or was deleted already.
    pub fn delete(&mut self, rule: usize, path: &Path) -> Result<(), EditError> {
        let key = self.key(path);
        self.load(&key).map_err(|source| EditError::Io {
            path: self.rel(&key),
            source,
        })?;
        let state = self.files.get_mut(&key).expect("loaded");
        if let Some(by) = state.deleted_by {
            return Err(EditError::Deleted {
                path: relative(&self.rootdir, &key),
                rule,
                by,
            });
        }
        if state.original.is_none() {
            self.files.remove(&key);
            return Ok(());
        }
        state.deleted_by = Some(rule);
        state.current.clear();
        state.records.clear();
        state.errors = None;
        Ok(())
    }

    /// Applies every edit of one rule, or none of them. Edits are in the coordinates of the
    /// current content (after all earlier rules). Exact duplicates are applied once; edits that
    /// change nothing are dropped. Fails, leaving the overlay as it was, when edits of this rule
    /// overlap each other (two insertions at one offset count as overlapping: their order would
    /// be arbitrary), when an edit overlaps text an earlier rule changed (edits that only touch
    /// it at its ends are fine), when a range does not fit the file, or when a Python file would
    /// get a syntax error it did not have (more tree-sitter error nodes than before).
    pub fn apply(&mut self, rule: usize, edits: Vec<Edit>) -> Result<(), EditError> {
        let mut by_path: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
        for e in edits {
            by_path.entry(self.key(&e.path)).or_default().push(e);
        }
        for key in by_path.keys() {
            self.load(key).map_err(|source| EditError::Io {
                path: self.rel(key),
                source,
            })?;
            if let Some(by) = self.files[key].deleted_by {
                return Err(EditError::Deleted {
                    path: self.rel(key),
                    rule,
                    by,
                });
            }
        }
        // Each file is planned (and re-parsed) on its own, in parallel; the first error in path
        // order wins, as it would one file after the other.
        let planned: Vec<(PathBuf, Result<Option<FileState>, EditError>)> = {
            use rayon::prelude::*;
            let this = &*self;
            by_path
                .into_par_iter()
                .map(|(key, edits)| {
                    let result = this.plan(rule, &key, &this.files[&key], edits);
                    (key, result)
                })
                .collect()
        };
        let mut staged = Vec::with_capacity(planned.len());
        for (key, result) in planned {
            if let Some(next) = result? {
                staged.push((key, next));
            }
        }
        for (key, next) in staged {
            self.files.insert(key, next);
        }
        Ok(())
    }

    /// The state `state` would be in after `edits`, or `None` if they change nothing.
    fn plan(
        &self,
        rule: usize,
        key: &Path,
        state: &FileState,
        edits: Vec<Edit>,
    ) -> Result<Option<FileState>, EditError> {
        let cur = &state.current;
        let mut edits: Vec<Edit> = edits.into_iter().filter(|e| !e.is_empty()).collect();
        for e in &edits {
            let reason = if e.start > e.end {
                Some("ends before it starts".to_string())
            } else if e.end > cur.len() {
                Some(format!(
                    "ends past the end of the file ({} bytes)",
                    cur.len()
                ))
            } else if splits_char(cur, e.start) || splits_char(cur, e.end) {
                Some("splits a UTF-8 character".to_string())
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(EditError::Range {
                    path: self.rel(key),
                    rule,
                    start: e.start,
                    end: e.end,
                    reason,
                });
            }
        }
        edits.sort_by(|a, b| {
            (a.start, a.end)
                .cmp(&(b.start, b.end))
                .then_with(|| a.content.cmp(&b.content))
        });
        edits.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.content == b.content);
        edits.retain(|e| cur[e.start..e.end] != *e.content.as_bytes());
        if edits.is_empty() {
            return Ok(None);
        }

        // Overlaps within the rule: with edits sorted, an edit overlapping any earlier one
        // overlaps the previous one or the one reaching furthest.
        let mut reach = 0;
        for i in 1..edits.len() {
            for j in [reach, i - 1] {
                if conflicts_within_rule(edits[j].start..edits[j].end, edits[i].start..edits[i].end)
                {
                    let (line, column) = line_column(cur, edits[i].start);
                    let (other_line, other_column) = line_column(cur, edits[j].start);
                    return Err(EditError::Overlap {
                        path: self.rel(key),
                        rule,
                        line,
                        column,
                        other_rule: rule,
                        other_line,
                        other_column,
                    });
                }
            }
            if edits[i].end > edits[reach].end {
                reach = i;
            }
        }

        // Overlaps with what earlier rules changed.
        for e in &edits {
            for r in state.records.iter().filter(|r| !r.creation) {
                if conflicts_with_earlier(r.cur.clone(), e.start..e.end) {
                    let (line, column) = line_column(cur, e.start);
                    let (other_line, other_column) = line_column(cur, r.cur.start);
                    return Err(EditError::Overlap {
                        path: self.rel(key),
                        rule,
                        line,
                        column,
                        other_rule: r.edit.rule,
                        other_line,
                        other_column,
                    });
                }
            }
        }

        // The new content, and where each edit's new text lands.
        let added: usize = edits.iter().map(|e| e.content.len()).sum();
        let mut next = Vec::with_capacity(cur.len() + added);
        let mut placed = Vec::with_capacity(edits.len());
        let mut last = 0;
        for e in &edits {
            next.extend_from_slice(&cur[last..e.start]);
            let start = next.len();
            next.extend_from_slice(e.content.as_bytes());
            placed.push(start..next.len());
            last = e.end;
        }
        next.extend_from_slice(&cur[last..]);

        // The re-parse check.
        let mut errors = None;
        if is_python(key) {
            let incremental = self
                .base_trees
                .as_ref()
                .and_then(|BaseTrees(source)| source(cur))
                .map(|base| Incremental {
                    base,
                    old: cur,
                    edits: edits
                        .iter()
                        .map(|e| (e.start..e.end, e.content.len()))
                        .collect(),
                });
            let after = syntax_errors_seen(&next, incremental, |tree| {
                if let Some(Reparsed(hook)) = &self.reparsed {
                    hook(&next, tree);
                }
            });
            // A result without errors cannot have more than before: the content before is
            // parsed only when the result has some.
            let before = match &state.errors {
                Some(b) => std::borrow::Cow::Borrowed(b),
                None if after.is_empty() => std::borrow::Cow::Owned(Vec::new()),
                None => std::borrow::Cow::Owned(syntax_errors(cur)),
            };
            if after.len() > before.len() {
                let at = syntax_position(&edits, &placed, &before, &after);
                let (line, column) = line_column(&next, at);
                return Err(EditError::Syntax {
                    path: self.rel(key),
                    line,
                    column,
                    rule,
                });
            }
            errors = Some(after);
        }

        // Records: earlier ones move with the text around them; the new ones are mapped back to
        // original coordinates through the earlier records that lie before them.
        let mut deltas = Vec::with_capacity(edits.len() + 1);
        deltas.push(0isize);
        for e in &edits {
            let d = e.content.len() as isize - (e.end - e.start) as isize;
            deltas.push(deltas.last().copied().unwrap_or(0) + d);
        }
        let mut records = state.records.clone();
        let mut new_records = Vec::with_capacity(edits.len());
        for (e, cur_range) in edits.iter().zip(placed) {
            let edit = match &state.original {
                Some(original) => {
                    let before: isize = state
                        .records
                        .iter()
                        .filter(|r| !r.creation && r.cur.end <= e.start)
                        .map(|r| r.cur.len() as isize - r.edit.old.len() as isize)
                        .sum();
                    let start = (e.start as isize - before) as usize;
                    let end = start + (e.end - e.start);
                    applied(rule, original, start, end, e, true)
                }
                None => applied(rule, cur, e.start, e.end, e, false),
            };
            new_records.push(Record {
                edit,
                cur: cur_range,
                creation: false,
            });
        }
        for r in &mut records {
            let mut k = edits.partition_point(|e| e.end <= r.cur.start);
            if k > 0 && r.cur.is_empty() {
                let e = &edits[k - 1];
                if e.start == e.end && e.start == r.cur.start {
                    k -= 1;
                }
            }
            let d = deltas[k];
            r.cur = shift(r.cur.start, d)..shift(r.cur.end, d);
        }
        records.extend(new_records);
        Ok(Some(FileState {
            original: state.original.clone(),
            current: next,
            records,
            errors,
            deleted_by: None,
        }))
    }

    /// Creates a new file with `content`. Fails if it exists on disk or in the overlay, or if a
    /// Python file's content has a syntax error.
    pub fn create(&mut self, rule: usize, path: &Path, content: Vec<u8>) -> Result<(), EditError> {
        let key = self.key(path);
        if let Some(by) = self.files.get(&key).and_then(|s| s.deleted_by) {
            return Err(EditError::Deleted {
                path: self.rel(&key),
                rule,
                by,
            });
        }
        if self.files.contains_key(&key) || key.symlink_metadata().is_ok() {
            return Err(EditError::Exists {
                path: self.rel(&key),
                rule,
            });
        }
        let mut errors = None;
        if is_python(&key) {
            let found = syntax_errors(&content);
            if let Some(at) = found.first() {
                let (line, column) = line_column(&content, at.start);
                return Err(EditError::Syntax {
                    path: self.rel(&key),
                    line,
                    column,
                    rule,
                });
            }
            errors = Some(found);
        }
        let record = Record {
            edit: AppliedEdit {
                rule,
                start: 0,
                end: 0,
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
                old: Vec::new(),
                new: content.clone(),
                in_original: true,
            },
            cur: 0..content.len(),
            creation: true,
        };
        self.files.insert(
            key,
            FileState {
                original: None,
                current: content,
                records: vec![record],
                errors,
                deleted_by: None,
            },
        );
        Ok(())
    }

    /// Every file whose content would change (created and deleted files always), sorted by
    /// path.
    pub fn changes(&self) -> Vec<FileChange> {
        self.files
            .iter()
            .filter(|(_, s)| {
                s.deleted_by.is_some() || s.original.as_deref() != Some(s.current.as_slice())
            })
            .map(|(path, s)| {
                if let (Some(rule), Some(original)) = (s.deleted_by, &s.original) {
                    let whole = Edit::delete(path.clone(), 0, original.len(), rule);
                    return FileChange {
                        path: path.clone(),
                        rel: self.rel(path),
                        original: Some(original.clone()),
                        new: Vec::new(),
                        edits: vec![applied(rule, original, 0, original.len(), &whole, true)],
                        deleted: true,
                    };
                }
                let mut records: Vec<&Record> = s.records.iter().collect();
                if s.original.is_some() {
                    records.sort_by_key(|r| (r.edit.start, r.edit.end, r.cur.start));
                }
                FileChange {
                    path: path.clone(),
                    rel: self.rel(path),
                    original: s.original.clone(),
                    new: s.current.clone(),
                    edits: records.into_iter().map(|r| r.edit.clone()).collect(),
                    deleted: false,
                }
            })
            .collect()
    }
}

fn applied(
    rule: usize,
    base: &[u8],
    start: usize,
    end: usize,
    e: &Edit,
    in_original: bool,
) -> AppliedEdit {
    let (start_line, start_column) = line_column(base, start);
    let (end_line, end_column) = line_column(base, end);
    AppliedEdit {
        rule,
        start,
        end,
        start_line,
        start_column,
        end_line,
        end_column,
        old: base[start..end].to_vec(),
        new: e.content.as_bytes().to_vec(),
        in_original,
    }
}
