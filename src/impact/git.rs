//! `fixmig impact`'s view of git, through gix: which commit BASE is (a revision given, else the
//! merge base of `HEAD` with the default branch `origin/HEAD`, else `HEAD`), and which of the
//! project's files differ between BASE's tree and the work tree — read straight from the object
//! store, without a checkout. Only the files the analysis can read matter: Python files and
//! pytest's configuration files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use rayon::prelude::*;

/// The files pytest's configuration is read from, besides Python code.
const CONFIG_FILES: &[&str] = &[
    "pytest.ini",
    ".pytest.ini",
    "pytest.toml",
    ".pytest.toml",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
];

/// Whether the analysis can read a file of this name.
pub fn relevant(name: &str) -> bool {
    name.ends_with(".py") || CONFIG_FILES.contains(&name)
}

/// BASE: the commit, and how the project's files there differ from the work tree.
pub struct Base {
    /// The full commit id.
    pub commit: String,
    /// How BASE was chosen, for the report (`main`, `merge base of HEAD and origin/HEAD`, ...).
    pub label: String,
    /// Absolute paths (under the rootdir, spelled like it) whose content at BASE is not the
    /// work tree's: the bytes at BASE, or `None` for a file BASE does not have.
    pub differs: BTreeMap<PathBuf, Option<Vec<u8>>>,
    /// Every directory under the rootdir that holds a relevant file at BASE (absolute).
    pub dirs: std::collections::BTreeSet<PathBuf>,
}

/// Opens the repository holding `rootdir`, resolves `rev` (see the module doc for the default)
/// and compares BASE's tree with the work tree under `rootdir`. `work_files` are files the
/// work tree's analysis found (conftests, test modules): those BASE does not have are hidden
/// even when git does not track them yet.
pub fn base(rootdir: &Path, rev: Option<&str>, work_files: &[PathBuf]) -> anyhow::Result<Base> {
    let repo = gix::discover(rootdir)
        .with_context(|| format!("{} is not in a git repository", rootdir.display()))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the git repository of {} is bare", rootdir.display()))?;
    let canonical_root = std::fs::canonicalize(rootdir)?;
    let canonical_workdir = std::fs::canonicalize(workdir)?;
    let prefix = canonical_root
        .strip_prefix(&canonical_workdir)
        .map_err(|_| anyhow!("{} is outside the git work tree", rootdir.display()))?
        .to_path_buf();

    let (commit, label) = resolve(&repo, rev)?;
    let commit_obj = repo
        .find_object(commit)?
        .try_into_commit()
        .map_err(|e| anyhow!("{e}"))?;
    let mut tree = commit_obj.tree()?;
    if !prefix.as_os_str().is_empty() {
        tree = match tree.lookup_entry_by_path(&prefix)? {
            Some(entry) if entry.mode().is_tree() => entry.object()?.into_tree(),
            // The project's directory does not exist at BASE: every file is new.
            _ => {
                return Ok(Base {
                    commit: commit.to_string(),
                    label,
                    differs: hidden(rootdir, &prefix, &repo, work_files, &BTreeMap::new())?,
                    dirs: Default::default(),
                })
            }
        };
    }
    let entries = tree
        .traverse()
        .breadthfirst
        .files()
        .map_err(|e| anyhow!("reading the tree of {commit}: {e}"))?;
    // rel (to the rootdir) -> blob id, relevant blobs only.
    let mut at_base: BTreeMap<String, gix::ObjectId> = BTreeMap::new();
    for e in entries {
        if !e.mode.is_blob() {
            continue;
        }
        let rel = e.filepath.to_string();
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        if relevant(name) {
            at_base.insert(rel, e.oid);
        }
    }
    let kind = repo.object_hash();
    // Hash the work tree's copies (in parallel), as git hashes a blob.
    let unchanged: Vec<bool> = at_base
        .par_iter()
        .map(|(rel, oid)| {
            std::fs::read(rootdir.join(rel)).is_ok_and(|bytes| {
                gix::objs::compute_hash(kind, gix::objs::Kind::Blob, &bytes).ok() == Some(*oid)
            })
        })
        .collect();
    let mut differs = BTreeMap::new();
    let mut dirs = std::collections::BTreeSet::new();
    for ((rel, oid), same) in at_base.iter().zip(unchanged) {
        let path = rootdir.join(rel);
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(rootdir) && *d != rootdir) {
            if !dirs.insert(d.to_path_buf()) {
                break;
            }
            dir = d.parent();
        }
        if !same {
            let blob = repo.find_object(*oid)?.detach();
            differs.insert(path, Some(blob.data));
        }
    }
    differs.extend(hidden(rootdir, &prefix, &repo, work_files, &at_base)?);
    Ok(Base {
        commit: commit.to_string(),
        label,
        differs,
        dirs,
    })
}

/// The files of the work tree BASE does not have: tracked ones (the index) and `work_files`.
fn hidden(
    rootdir: &Path,
    prefix: &Path,
    repo: &gix::Repository,
    work_files: &[PathBuf],
    at_base: &BTreeMap<String, gix::ObjectId>,
) -> anyhow::Result<BTreeMap<PathBuf, Option<Vec<u8>>>> {
    let mut out = BTreeMap::new();
    let prefix = prefix
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let index = repo.index_or_empty()?;
    for entry in index.entries() {
        let path = entry.path(&index).to_string();
        let rel = if prefix.is_empty() {
            path.as_str()
        } else {
            match path
                .strip_prefix(prefix.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                Some(r) => r,
                None => continue,
            }
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if relevant(name) && !at_base.contains_key(rel) {
            out.insert(rootdir.join(rel), None);
        }
    }
    for file in work_files {
        let rel = crate::discover::rel_path(rootdir, file);
        if !at_base.contains_key(&rel) {
            out.insert(file.clone(), None);
        }
    }
    Ok(out)
}

/// Whether `spec` names a commit in the repository holding `dir`.
pub fn is_revision(dir: &Path, spec: &str) -> bool {
    gix::discover(dir).is_ok_and(|repo| {
        repo.rev_parse_single(spec)
            .ok()
            .and_then(|id| id.object().ok()?.peel_to_commit().ok())
            .is_some()
    })
}

/// The commit `rev` names, or the default BASE; with a label saying which.
fn resolve(repo: &gix::Repository, rev: Option<&str>) -> anyhow::Result<(gix::ObjectId, String)> {
    let commit_of = |spec: &str| -> anyhow::Result<gix::ObjectId> {
        let id = repo
            .rev_parse_single(spec)
            .map_err(|e| anyhow!("cannot resolve `{spec}`: {e}"))?;
        let commit = id
            .object()?
            .peel_to_commit()
            .map_err(|e| anyhow!("`{spec}` is not a commit: {e}"))?;
        Ok(commit.id)
    };
    if let Some(rev) = rev {
        return Ok((commit_of(rev)?, rev.to_string()));
    }
    let head = commit_of("HEAD")?;
    if let Ok(default) = commit_of("origin/HEAD") {
        if let Ok(base) = repo.merge_base(head, default) {
            return Ok((
                base.detach(),
                "the merge base of HEAD and origin/HEAD".into(),
            ));
        }
    }
    Ok((head, "HEAD".into()))
}
