//! Helpers shared by the write-reliability tests (`write_faults`, `write_signals`,
//! `concurrency`): an exact snapshot of a tree, a generated project with its migration, and
//! the fixmig binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tmpdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("fixmig-rel-")
        .tempdir()
        .unwrap()
}

pub fn write(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    p
}

/// One entry of a tree, as exactly as a test can see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir {
        mode: u32,
    },
    File {
        bytes: Vec<u8>,
        mode: u32,
        uid: u32,
        gid: u32,
        mtime: (i64, i64),
    },
    Link {
        to: PathBuf,
    },
}

impl Entry {
    /// The content alone (no mode or times), to compare with another version of a file.
    pub fn content(&self) -> Option<&[u8]> {
        match self {
            Entry::File { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

/// Every entry under `root` (relative paths, `/`), `.fixmig_cache` and `__pycache__` left out.
pub fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".fixmig_cache" || name == "__pycache__" {
                continue;
            }
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    Entry::Link {
                        to: fs::read_link(&p).unwrap(),
                    },
                );
            } else if meta.is_dir() {
                out.insert(rel, Entry::Dir { mode });
                walk(root, &p, out);
            } else {
                out.insert(
                    rel,
                    Entry::File {
                        bytes: fs::read(&p).unwrap(),
                        mode,
                        uid: meta.uid(),
                        gid: meta.gid(),
                        mtime: (meta.mtime(), meta.mtime_nsec()),
                    },
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The paths of a snapshot that are fixmig's temporary or backup files.
pub fn leftovers(snap: &BTreeMap<String, Entry>) -> Vec<String> {
    snap.keys()
        .filter(|k| {
            let name = k.rsplit('/').next().unwrap();
            name.starts_with(".fixmig-") || name.starts_with(".tmp")
        })
        .cloned()
        .collect()
}

pub fn fixmig() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fixmig"))
}

/// The arguments of `fixmig migrate --write` up to the rule file: `WRITE_ARGS`, then the rule
/// file and the root.
pub const WRITE_ARGS: [&str; 6] = [
    "migrate",
    "--no-cache",
    "--color",
    "never",
    "--write",
    "--rules",
];

/// `fixmig migrate --no-cache --write --rules <rules> <root>`, to spawn.
pub fn write_command(rules: &Path, root: &Path) -> Command {
    let mut cmd = fixmig();
    cmd.args(WRITE_ARGS).arg(rules).arg(root);
    cmd
}

/// `fixmig migrate --no-cache --rules <rules> [extra...] <root>`.
pub fn migrate(root: &Path, rules: &Path, extra: &[&str]) -> Output {
    let mut cmd = fixmig();
    cmd.args(["migrate", "--no-cache", "--color", "never", "--rules"])
        .arg(rules)
        .args(extra)
        .arg(root);
    cmd.output().unwrap()
}

/// A project of `n` test modules requesting `old_fx` (in `tests/conftest.py`), and
/// `tests/sub/conftest.py` with `sub_fx`; every test module is edited by the rename, and the
/// merge deletes `tests/sub/conftest.py`.
pub fn generate_project(root: &Path, n: usize) {
    write(root, "pytest.ini", b"[pytest]\n");
    write(
        root,
        "tests/conftest.py",
        b"import pytest\n\n\n@pytest.fixture\ndef old_fx():\n    return 1\n",
    );
    write(
        root,
        "tests/sub/conftest.py",
        b"import pytest\n\n\n@pytest.fixture\ndef sub_fx():\n    return 2\n",
    );
    write(
        root,
        "tests/sub/test_sub.py",
        b"def test_sub(sub_fx, old_fx):\n    assert sub_fx == 2 * old_fx\n",
    );
    for i in 0..n {
        write(
            root,
            &format!("tests/test_m{i:03}.py"),
            format!("def test_{i}(old_fx):\n    assert old_fx == 1\n").as_bytes(),
        );
    }
}

/// The rename `old_fx` → `to` and, with `merge`, the merge of `tests/sub/conftest.py` into
/// `tests/conftest.py`, as a rule file in `dir`.
pub fn rules_file(dir: &Path, name: &str, to: &str, merge: bool) -> PathBuf {
    let mut text = format!("version = 1\n\n[[rename]]\nfixture = \"old_fx\"\nto = \"{to}\"\n");
    if merge {
        text.push_str(
            "\n[[merge]]\nfrom = \"tests/sub/conftest.py\"\ninto = \"tests/conftest.py\"\n",
        );
    }
    write(dir, name, text.as_bytes())
}

/// Copies the tree `from` into `to` (files, directories, symlinks; modes kept).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let src = e.path();
        let dst = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Only the contents of a snapshot's files (for comparing versions regardless of mtimes).
pub fn contents(snap: &BTreeMap<String, Entry>) -> BTreeMap<String, Vec<u8>> {
    snap.iter()
        .filter_map(|(k, v)| v.content().map(|c| (k.clone(), c.to_vec())))
        .collect()
}

/// A small deterministic generator (xorshift), seeded per test so that failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
