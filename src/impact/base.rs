//! The project as it is at BASE, without a checkout: the work tree seen through an overlay
//! ([`crate::inputs::Overlay`]) that gives the files differing at BASE their content from git,
//! brings back the files the work tree deleted and hides the ones it added; and the discovered
//! project's file list adjusted the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::discover::{FileKind, Project, ProjectFile};

use super::git::Base;

/// The overlay of BASE's files over the work tree.
pub struct BaseView {
    root: PathBuf,
    differs: BTreeMap<PathBuf, Option<Vec<u8>>>,
    dirs: BTreeSet<PathBuf>,
}

impl BaseView {
    pub fn new(root: &Path, base: &Base) -> BaseView {
        BaseView {
            root: root.to_path_buf(),
            differs: base.differs.clone(),
            dirs: base.dirs.clone(),
        }
    }

    /// The files BASE has and the work tree does not.
    fn only_at_base(&self) -> impl Iterator<Item = &PathBuf> {
        self.differs
            .iter()
            .filter(|(p, bytes)| bytes.is_some() && !p.is_file())
            .map(|(p, _)| p)
    }
}

impl crate::inputs::Overlay for BaseView {
    fn root(&self) -> &Path {
        &self.root
    }

    fn file(&self, path: &Path) -> Option<Option<Vec<u8>>> {
        self.differs.get(path).cloned()
    }

    fn dir(&self, path: &Path) -> Option<bool> {
        self.dirs.contains(path).then_some(true)
    }

    fn list(&self, dir: &Path, names: &mut Vec<OsString>) {
        names.retain(|n| !matches!(self.differs.get(&dir.join(n)), Some(None)));
        let mut add = |name: &std::ffi::OsStr| {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_os_string());
            }
        };
        for path in self.only_at_base() {
            if let Ok(rest) = path.strip_prefix(dir) {
                if let Some(first) = rest.iter().next() {
                    add(first);
                }
            }
        }
    }
}

/// `project` (the work tree's discovery, made again with BASE's configuration) with the files
/// BASE does not have left out and those only BASE has put in, where pytest would collect
/// them: a `conftest.py`, or a module matching `python_files`, under one of `roots` (the
/// directories collected; conftests also above them, up to the rootdir).
pub fn project_at_base(project: &Project, view: &BaseView, roots: &[PathBuf]) -> Project {
    let mut project = project.clone();
    project
        .files
        .retain(|f| !matches!(view.differs.get(&f.path), Some(None)));
    let under_root = |p: &Path| roots.iter().any(|r| p.starts_with(r));
    let above_root = |p: &Path| {
        roots
            .iter()
            .any(|r| p.parent().is_some_and(|d| r.starts_with(d)))
    };
    let norecurse = |p: &Path| {
        let rel = p.strip_prefix(&project.rootdir).unwrap_or(p);
        let mut dirs: Vec<_> = rel.iter().collect();
        dirs.pop();
        dirs.iter().any(|d| {
            let d = d.to_string_lossy();
            d.starts_with('.')
                || project
                    .config
                    .norecursedirs
                    .iter()
                    .any(|pat| pattern_matches(pat, &d))
        })
    };
    let mut added: Vec<ProjectFile> = Vec::new();
    for path in view.only_at_base() {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let kind = if name == "conftest.py" && (under_root(path) || above_root(path)) {
            FileKind::Conftest
        } else if project.config.matches_python_file(name) && under_root(path) {
            FileKind::TestModule
        } else {
            continue;
        };
        if norecurse(path) || project.files.iter().any(|f| &f.path == path) {
            continue;
        }
        added.push(ProjectFile {
            rel: crate::discover::rel_path(&project.rootdir, path),
            path: path.clone(),
            kind,
        });
    }
    // Each one goes after the last file that pytest collects before it.
    for file in added {
        let at = project
            .files
            .iter()
            .rposition(|f| collects_before(&project.rootdir, f, &file))
            .map_or(0, |i| i + 1);
        project.files.insert(at, file);
    }
    project
}

/// pytest's collection order: depth-first, a directory's conftest first, then `__init__.py`,
/// then the entries by name.
fn collects_before(root: &Path, a: &ProjectFile, b: &ProjectFile) -> bool {
    let key = |f: &ProjectFile| -> Vec<(u8, Vec<u8>)> {
        let rel = f.path.strip_prefix(root).unwrap_or(&f.path);
        let parts: Vec<_> = rel.iter().collect();
        parts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let last = i + 1 == parts.len();
                let rank = if last && f.kind == FileKind::Conftest {
                    0
                } else if *c == "__init__.py" {
                    1
                } else {
                    2
                };
                (rank, c.as_encoded_bytes().to_vec())
            })
            .collect()
    };
    key(a) < key(b)
}

/// A `norecursedirs` glob (`fnmatch`: `*`, `?`, `[...]`) against one directory name.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs;

    #[test]
    fn the_overlay_answers_for_files_directories_and_listings_under_its_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir_all(root.join("tests")).unwrap();
        std::fs::write(root.join("tests/new.py"), "x = 1\n").unwrap();
        std::fs::write(root.join("tests/same.py"), "y = 1\n").unwrap();
        let mut differs = BTreeMap::new();
        differs.insert(root.join("tests/new.py"), None);
        differs.insert(root.join("gone/mod.py"), Some(b"z = 1\n".to_vec()));
        let base = Base {
            commit: "0".repeat(40),
            label: "HEAD".into(),
            differs,
            dirs: [root.join("gone"), root.join("tests")]
                .into_iter()
                .collect(),
        };
        let outside = dir.path().join("q.py");
        std::fs::write(&outside, "").unwrap();
        let guard = inputs::install_overlay(std::sync::Arc::new(BaseView::new(&root, &base)));
        assert!(!inputs::is_file(root.join("tests/new.py")));
        assert!(inputs::is_file(root.join("tests/same.py")));
        assert!(inputs::is_file(root.join("gone/mod.py")));
        assert!(inputs::is_dir(root.join("gone")));
        assert!(inputs::exists(root.join("gone/mod.py")));
        assert_eq!(inputs::read(root.join("gone/mod.py")).unwrap(), b"z = 1\n");
        assert!(inputs::read(root.join("tests/new.py")).is_err());
        let mut names = inputs::read_dir(&root).unwrap();
        names.sort();
        assert_eq!(names, ["gone", "tests"]);
        assert_eq!(inputs::read_dir(root.join("tests")).unwrap(), ["same.py"]);
        assert_eq!(inputs::read_dir(root.join("gone")).unwrap(), ["mod.py"]);
        assert!(inputs::is_file(&outside));
        drop(guard);
        assert!(inputs::is_file(root.join("tests/new.py")));
        assert!(!inputs::is_dir(root.join("gone")));
    }

    #[test]
    fn files_only_base_has_are_collected_in_pytests_order() {
        let f = |p: &str, kind| ProjectFile {
            path: PathBuf::from(p),
            rel: p.trim_start_matches("/r/").into(),
            kind,
        };
        let root = Path::new("/r");
        let conftest = f("/r/tests/b/conftest.py", FileKind::Conftest);
        assert!(collects_before(
            root,
            &conftest,
            &f("/r/tests/b/test_a.py", FileKind::TestModule)
        ));
        assert!(collects_before(
            root,
            &f("/r/tests/a/test_z.py", FileKind::TestModule),
            &conftest
        ));
        assert!(!collects_before(
            root,
            &f("/r/tests/c.py", FileKind::TestModule),
            &conftest
        ));
        assert!(pattern_matches("*.egg", "x.egg") && !pattern_matches("build", "builds"));
    }
}
