//! What pytest loads and collects for the decided collection arguments: argument
//! normalisation (`normalize_collection_arguments`), the conftest chains of
//! `_loadconftestmodules` bounded by `confcutdir`, the initial conftests of
//! `_set_initial_conftests` (including the `test*` subdirectory rule), and the walk of
//! each directory argument, merged into one list in collection order.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config::CollectOptions;
use super::pattern::fnmatch;
use super::walk::{sort_for_collection, walk_dir, Found, WalkRules};
use super::{rel_path, DiscoverWarning, FileKind, ProjectFile, PytestConfig};

/// Lists the conftests and test modules for `args` (absolute, existing), in order.
pub(crate) fn collect_files(
    rootdir: &Path,
    args: &[PathBuf],
    config: &PytestConfig,
    opts: &CollectOptions,
    warnings: &mut Vec<DiscoverWarning>,
) -> Vec<ProjectFile> {
    let confcutdir = config
        .confcutdir
        .clone()
        .unwrap_or_else(|| rootdir.to_path_buf());
    let rules = Arc::new(WalkRules {
        python_files: config.python_files.clone(),
        norecursedirs: config.norecursedirs.clone(),
        ignore: opts.ignore.clone(),
        ignore_glob: opts.ignore_glob.clone(),
        collect_in_virtualenv: opts.collect_in_virtualenv,
        noconftest: opts.noconftest,
    });
    let initial = initial_conftests(args, &rules, &confcutdir);

    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |path: PathBuf, kind: FileKind| {
        if seen.insert(path.clone()) {
            let rel = rel_path(rootdir, &path);
            files.push(ProjectFile { path, rel, kind });
        }
    };
    for arg in &normalize_args(args) {
        if !rules.noconftest {
            let chain = arg.parent().map(|p| conftest_chain(p, &confcutdir));
            for c in chain.unwrap_or_default() {
                push(c, FileKind::Conftest);
            }
        }
        if arg.is_dir() {
            let (mut found, walk_warnings) = walk_dir(arg, &rules);
            warnings.extend(walk_warnings);
            let extra = initial.iter().filter(|c| c.starts_with(arg));
            found.extend(extra.map(|c| Found {
                path: c.clone(),
                kind: FileKind::Conftest,
            }));
            found.retain(|f| {
                f.kind != FileKind::Conftest
                    || f.path
                        .parent()
                        .is_some_and(|d| conftest_dir_allowed(d, &confcutdir))
            });
            sort_for_collection(arg, &mut found);
            for f in found {
                push(f.path, f.kind);
            }
        } else if arg.file_name() == Some(OsStr::new("conftest.py")) {
            if !rules.noconftest {
                push(arg.clone(), FileKind::Conftest);
            }
        } else if arg.extension() == Some(OsStr::new("py")) {
            push(arg.clone(), FileKind::TestModule);
        } else {
            warnings.push(DiscoverWarning::new(
                arg.clone(),
                "not a Python file: pytest finds no collectors for it",
            ));
        }
    }
    for c in initial {
        push(c, FileKind::Conftest);
    }
    files
}

/// pytest's `normalize_collection_arguments` for plain paths: drops duplicates and
/// paths inside an earlier-sorting directory argument, keeping the original order.
pub(crate) fn normalize_args(args: &[PathBuf]) -> Vec<PathBuf> {
    let mut sorted: Vec<(usize, &PathBuf)> = args.iter().enumerate().collect();
    sorted.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0)));
    let mut kept: Vec<(usize, &PathBuf)> = Vec::new();
    for (i, p) in sorted {
        if kept.last().is_none_or(|(_, last)| !p.starts_with(last)) {
            kept.push((i, p));
        }
    }
    kept.sort_by_key(|(i, _)| *i);
    kept.into_iter().map(|(_, p)| p.clone()).collect()
}

/// pytest's `_is_in_confcutdir`: conftests are not loaded from directories above
/// `confcutdir` (but are from unrelated trees).
fn conftest_dir_allowed(dir: &Path, confcutdir: &Path) -> bool {
    !(confcutdir.starts_with(dir) && dir != confcutdir)
}

/// The conftest files pytest loads for directory `dir` (`_loadconftestmodules`):
/// `conftest.py` of `dir` and each ancestor, outermost first, skipping directories
/// above `confcutdir`.
fn conftest_chain(dir: &Path, confcutdir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<&Path> = dir.ancestors().collect();
    dirs.reverse();
    dirs.into_iter()
        .filter(|d| conftest_dir_allowed(d, confcutdir))
        .map(|d| d.join("conftest.py"))
        .filter(|c| c.is_file())
        .collect()
}

/// The conftests pytest loads up front (`_set_initial_conftests`): those of each
/// argument and of the `test*` subdirectories of directory arguments, which matters
/// when collection never enters such a directory (`norecursedirs`, virtualenv).
fn initial_conftests(args: &[PathBuf], rules: &WalkRules, confcutdir: &Path) -> Vec<PathBuf> {
    if rules.noconftest {
        return Vec::new();
    }
    let mut anchors = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            anchors.extend(arg.parent().map(Path::to_path_buf));
            continue;
        }
        anchors.push(arg.clone());
        let Ok(entries) = std::fs::read_dir(arg) else {
            continue;
        };
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| fnmatch(&e.file_name().to_string_lossy(), "test*"))
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        anchors.extend(subdirs);
    }
    let mut out = Vec::new();
    for anchor in anchors {
        for c in conftest_chain(&anchor, confcutdir) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}
