//! Rootdir and configuration-file determination, ported from pytest 9.2's
//! `config/findpaths.py` (`determine_setup`, `locate_config`, `get_common_ancestor`,
//! `get_dirs_from_args`), plus the lexical path helpers pytest relies on
//! (`os.path.abspath`-style normalisation, no symlink resolution).

use std::path::{Component, Path, PathBuf};

use super::config::{config_names, load_by_name, Notes, RawConfig};
use super::{ConfigError, DiscoverWarning};
use crate::pytest_version::PytestVersion;

/// `os.path.abspath(base / p)`: joins and removes `.`/`..` lexically.
pub(crate) fn absolutize(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// `os.path.commonpath` for two absolute, normalised paths.
fn common_path(a: &Path, b: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for (x, y) in a.components().zip(b.components()) {
        if x != y {
            break;
        }
        out.push(x);
    }
    out
}

/// pytest's `get_common_ancestor`: common ancestor of the existing `paths` (a file
/// counts as its directory), or `invocation_dir` when none exists.
pub(crate) fn common_ancestor(invocation_dir: &Path, paths: &[PathBuf]) -> PathBuf {
    let mut acc: Option<PathBuf> = None;
    for p in paths.iter().filter(|p| p.exists()) {
        acc = Some(match acc {
            None => p.clone(),
            Some(a) => common_path(&a, p),
        });
    }
    match acc {
        None => invocation_dir.to_path_buf(),
        Some(a) if a.is_file() => a.parent().map_or(a.clone(), Path::to_path_buf),
        Some(a) => a,
    }
}

fn is_fs_root(p: &Path) -> bool {
    p.parent().is_none()
}

/// What `determine_setup` found.
#[derive(Debug, Default)]
pub(crate) struct Setup {
    pub rootdir: PathBuf,
    pub inifile: Option<PathBuf>,
    pub config: RawConfig,
    /// Names of config files next to the chosen one that also hold pytest configuration
    /// but are ignored.
    pub ignored: Vec<String>,
}

/// pytest's `locate_config`: the first config file with pytest configuration in the
/// args or their ancestors, else (from pytest 8.1) the first `pyproject.toml` seen (as an
/// empty config).
fn locate_config(
    args: &[PathBuf],
    version: &PytestVersion,
    notes: &mut Notes,
) -> Result<Option<Setup>, ConfigError> {
    let names = config_names(version);
    let mut found_pyproject: Option<PathBuf> = None;
    for arg in args {
        for base in arg.ancestors() {
            if !version.native_toml_config() {
                note_unread_pytest_toml(base, version, notes);
            }
            for (index, name) in names.iter().enumerate() {
                let p = base.join(name);
                if !p.is_file() {
                    continue;
                }
                if *name == "pyproject.toml" && found_pyproject.is_none() {
                    found_pyproject = Some(p.clone());
                }
                let Some(config) = load_by_name(&p, version, notes)? else {
                    continue;
                };
                // pytest 9 warns about the other config files of the directory it ignores.
                let mut ignored = Vec::new();
                if version.native_toml_config() {
                    for rest in &names[index + 1..] {
                        let p2 = base.join(rest);
                        if p2.is_file() && load_by_name(&p2, version, &mut Vec::new())?.is_some() {
                            ignored.push(rest.to_string());
                        }
                    }
                }
                return Ok(Some(Setup {
                    rootdir: base.to_path_buf(),
                    inifile: Some(p),
                    config,
                    ignored,
                }));
            }
        }
    }
    if !version.pyproject_fallback_rootdir() {
        return Ok(None);
    }
    Ok(found_pyproject.map(|p| Setup {
        rootdir: p.parent().map(Path::to_path_buf).unwrap_or_default(),
        inifile: Some(p),
        ..Setup::default()
    }))
}

/// pytest 8 does not read `pytest.toml`/`.pytest.toml`: say so when `dir` has one.
fn note_unread_pytest_toml(dir: &Path, version: &PytestVersion, notes: &mut Notes) {
    for name in ["pytest.toml", ".pytest.toml"] {
        let p = dir.join(name);
        if p.is_file() && !notes.iter().any(|n| n.path == p) {
            let message = format!(
                "{name} ignored: {} (installed) does not read it (pytest 9.0 and later do)",
                version.describe()
            );
            notes.push(DiscoverWarning::version(&p, 1, message));
        }
    }
}

/// pytest's `determine_setup` without `-c`/`--rootdir`/`-o`, by `version`'s rules. `dirs`
/// are the existing argument paths mapped to directories (`get_dirs_from_args`).
pub(crate) fn determine_setup(
    invocation_dir: &Path,
    dirs: &[PathBuf],
    version: &PytestVersion,
    notes: &mut Notes,
) -> Result<Setup, ConfigError> {
    let ancestor = common_ancestor(invocation_dir, dirs);
    if let Some(setup) = locate_config(std::slice::from_ref(&ancestor), version, notes)? {
        return Ok(setup);
    }
    for dir in ancestor.ancestors() {
        if dir.join("setup.py").is_file() {
            return Ok(Setup {
                rootdir: dir.to_path_buf(),
                ..Setup::default()
            });
        }
    }
    if dirs != std::slice::from_ref(&ancestor) {
        let args = if dirs.is_empty() {
            vec![invocation_dir.to_path_buf()]
        } else {
            dirs.to_vec()
        };
        if let Some(setup) = locate_config(&args, version, notes)? {
            return Ok(setup);
        }
    }
    let mut rootdir = common_ancestor(
        invocation_dir,
        &[invocation_dir.to_path_buf(), ancestor.clone()],
    );
    if is_fs_root(&rootdir) {
        rootdir = ancestor;
    }
    Ok(Setup {
        rootdir,
        ..Setup::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolutize_is_lexical() {
        let base = Path::new("/a/b");
        assert_eq!(
            absolutize(base, Path::new("../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(
            absolutize(base, Path::new("/x/../../y")),
            PathBuf::from("/y")
        );
        assert_eq!(absolutize(base, Path::new(".")), PathBuf::from("/a/b"));
    }

    #[test]
    fn common_path_components() {
        assert_eq!(
            common_path(Path::new("/a/bc"), Path::new("/a/b")),
            PathBuf::from("/a")
        );
        assert_eq!(
            common_path(Path::new("/x"), Path::new("/y")),
            PathBuf::from("/")
        );
    }
}
