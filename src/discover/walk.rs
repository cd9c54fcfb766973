//! Walking collection directories the way pytest's `Dir`/`Package` collectors do,
//! using the `ignore` crate's parallel walker with all of its own filters off and
//! pytest's `pytest_ignore_collect` rules applied instead (`__pycache__`, `--ignore`,
//! `--ignore-glob`, virtualenvs, `norecursedirs`), then sorting the result into
//! pytest's deterministic collection order.

use std::cmp::Ordering;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{WalkBuilder, WalkState};

use super::pattern::{fnmatch, fnmatch_ex};
use super::{DiscoverWarning, FileKind};

/// The rules deciding which directories are entered and which files are kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct WalkRules {
    pub python_files: Vec<String>,
    pub norecursedirs: Vec<String>,
    pub ignore: Vec<PathBuf>,
    pub ignore_glob: Vec<String>,
    pub collect_in_virtualenv: bool,
    pub noconftest: bool,
}

/// pytest's `_in_venv`.
pub(crate) fn in_venv(path: &Path) -> bool {
    path.join("pyvenv.cfg").is_file() || path.join("conda-meta").join("history").is_file()
}

/// Python's `PurePath.suffix` of a file name.
fn py_suffix(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 && i < name.len() - 1 => &name[i..],
        _ => "",
    }
}

impl WalkRules {
    /// The parts of `pytest_ignore_collect` that apply to files and directories alike.
    fn ignored_path(&self, path: &Path) -> bool {
        if path.file_name() == Some(OsStr::new("__pycache__")) {
            return true;
        }
        if self.ignore.iter().any(|p| p == path) {
            return true;
        }
        let s = path.to_string_lossy();
        self.ignore_glob.iter().any(|g| fnmatch(&s, g))
    }

    /// `pytest_ignore_collect` for a directory that is not an initial path.
    pub fn ignore_dir(&self, path: &Path) -> bool {
        if self.ignored_path(path) {
            return true;
        }
        if !self.collect_in_virtualenv && in_venv(path) {
            return true;
        }
        let s = path.to_string_lossy();
        self.norecursedirs.iter().any(|pat| fnmatch_ex(pat, &s))
    }

    /// Whether a file found while walking is a test module (`python_files` against
    /// the whole path, as `path_matches_patterns` does) or a conftest.
    pub fn file_kind(&self, path: &Path) -> Option<FileKind> {
        if self.ignored_path(path) {
            return None;
        }
        let name = path.file_name()?.to_str()?;
        if name == "conftest.py" {
            return (!self.noconftest).then_some(FileKind::Conftest);
        }
        if py_suffix(name) != ".py" {
            return None;
        }
        let s = path.to_string_lossy();
        self.python_files
            .iter()
            .any(|p| fnmatch_ex(p, &s))
            .then_some(FileKind::TestModule)
    }
}

/// A file kept by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub path: PathBuf,
    pub kind: FileKind,
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

fn innermost(err: &ignore::Error) -> &ignore::Error {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => innermost(err),
        other => other,
    }
}

fn warning_for(root: &Path, err: &ignore::Error) -> DiscoverWarning {
    let path = error_path(err).unwrap_or_else(|| root.to_path_buf());
    let message = match innermost(err) {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop back to {}: not entered", ancestor.display())
        }
        ignore::Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "broken symlink: skipped".to_string()
        }
        inner => format!("cannot read: {inner}"),
    };
    DiscoverWarning::new(path, message)
}

/// Walks the directory `root` (an initial path: never itself ignored) and returns the
/// conftests and test modules in it, unsorted, plus problems met on the way.
pub(crate) fn walk_dir(root: &Path, rules: &Arc<WalkRules>) -> (Vec<Found>, Vec<DiscoverWarning>) {
    let found = Arc::new(Mutex::new(Vec::new()));
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let filter_rules = Arc::clone(rules);
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(true)
        .filter_entry(move |entry| {
            // Files are judged once, by the visitor.
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !is_dir || !filter_rules.ignore_dir(entry.path())
        });
    builder.build_parallel().run(|| {
        let found = Arc::clone(&found);
        let warnings = Arc::clone(&warnings);
        let rules = Arc::clone(rules);
        let root = root.to_path_buf();
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        if let Some(kind) = rules.file_kind(entry.path()) {
                            let path = entry.into_path();
                            found
                                .lock()
                                .expect("walk results lock")
                                .push(Found { path, kind });
                        }
                    }
                }
                Err(err) => warnings
                    .lock()
                    .expect("walk warnings lock")
                    .push(warning_for(&root, &err)),
            }
            WalkState::Continue
        })
    });
    let found = std::mem::take(&mut *found.lock().expect("walk results lock"));
    let mut warnings = std::mem::take(&mut *warnings.lock().expect("walk warnings lock"));
    warnings.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    (found, warnings)
}

/// The rank of component `i` of `comps` among its siblings: a directory's conftest is
/// loaded before its entries are collected, and a package collects `__init__.py` first.
fn rank(comps: &[&OsStr], i: usize, kind: FileKind) -> u8 {
    let last = i + 1 == comps.len();
    if last && kind == FileKind::Conftest {
        0
    } else if comps[i] == OsStr::new("__init__.py") {
        1
    } else {
        2
    }
}

/// pytest's collection order for two files, given as their components under the root and
/// their kind: depth-first, entries of each directory sorted by name (files and directories
/// interleaved, as `scandir` sorts).
fn collection_cmp(a: (&[&OsStr], FileKind), b: (&[&OsStr], FileKind)) -> Ordering {
    let ((ca, kind_a), (cb, kind_b)) = (a, b);
    for i in 0..ca.len().min(cb.len()) {
        if ca[i] != cb[i] {
            let ka = (rank(ca, i, kind_a), ca[i].as_encoded_bytes());
            let kb = (rank(cb, i, kind_b), cb[i].as_encoded_bytes());
            return ka.cmp(&kb);
        }
    }
    ca.len().cmp(&cb.len())
}

/// Sorts `found` (files under `root`) in pytest's collection order ([`collection_cmp`]).
/// Each path is split into its components once, not at every comparison: a suite of 100k
/// files is sorted with some two million comparisons.
pub(crate) fn sort_for_collection(root: &Path, found: &mut Vec<Found>) {
    let split: Vec<Vec<&OsStr>> = found
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(root)
                .unwrap_or(&f.path)
                .iter()
                .collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by(|&a, &b| collection_cmp((&split[a], found[a].kind), (&split[b], found[b].kind)));
    drop(split);
    let mut slots: Vec<Option<Found>> = std::mem::take(found).into_iter().map(Some).collect();
    found.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(p: &str, kind: FileKind) -> Found {
        Found {
            path: PathBuf::from(p),
            kind,
        }
    }

    #[test]
    fn order_is_depth_first_by_name_with_conftest_first() {
        use FileKind::*;
        let v = [
            f("/r/z/test_b.py", TestModule),
            f("/r/a_test.py", TestModule),
            f("/r/z/conftest.py", Conftest),
            f("/r/conftest.py", Conftest),
            f("/r/a/test_x.py", TestModule),
            f("/r/pkg/test_a.py", TestModule),
            f("/r/pkg/__init__.py", TestModule),
            f("/r/B/test_q.py", TestModule),
        ];
        let mut v = v.to_vec();
        sort_for_collection(Path::new("/r"), &mut v);
        let got: Vec<_> = v.iter().map(|x| x.path.to_str().unwrap()).collect();
        assert_eq!(
            got,
            [
                "/r/conftest.py",
                "/r/B/test_q.py",
                "/r/a/test_x.py",
                "/r/a_test.py",
                "/r/pkg/__init__.py",
                "/r/pkg/test_a.py",
                "/r/z/conftest.py",
                "/r/z/test_b.py",
            ]
        );
    }

    #[test]
    fn suffix_like_python() {
        assert_eq!(py_suffix("a.py"), ".py");
        assert_eq!(py_suffix(".py"), "");
        assert_eq!(py_suffix("a."), "");
    }
}
