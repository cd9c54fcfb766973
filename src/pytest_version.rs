//! The pytest version fixmig models: the one installed in the analysed environment, read from
//! its distribution metadata (`pytest-X.Y.Z.dist-info/METADATA`, else `_pytest/_version.py`),
//! else pytest 9.2 (said in an FM905 warning). Every rule that differs between the supported
//! versions (8.0 through 9.2) asks one of the predicates here, so each difference is named
//! once, with the release that introduced it.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// A pytest release: `major.minor.patch` (pre-release and local parts dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Release(pub u32, pub u32, pub u32);

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Release {
    /// The release modelled when the environment has no pytest.
    pub const DEFAULT: Release = Release(9, 2, 0);
    /// The oldest release whose rules fixmig models.
    pub const OLDEST: Release = Release(8, 0, 0);

    /// `9.2.0`, `8.4`, `9.0.0rc1`, `8.5.0.dev3+g1234` → the numeric release.
    pub fn parse(text: &str) -> Option<Release> {
        let mut parts = text.trim().split('.').map(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        });
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Release(major, minor, patch))
    }
}

/// Where the modelled version comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Source {
    /// Read from the environment's metadata file.
    Installed(PathBuf),
    /// No pytest in the environment (or no environment): pytest 9.2 is assumed.
    Assumed,
}

/// The pytest whose rules fixmig follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PytestVersion {
    /// The release found (or assumed).
    pub release: Release,
    pub source: Source,
}

impl Default for PytestVersion {
    fn default() -> Self {
        PytestVersion {
            release: Release::DEFAULT,
            source: Source::Assumed,
        }
    }
}

impl PytestVersion {
    /// An installed release, as if read from `metadata`.
    pub fn installed(release: Release, metadata: PathBuf) -> Self {
        PytestVersion {
            release,
            source: Source::Installed(metadata),
        }
    }

    /// Whether the version is a guess (no pytest found).
    pub fn assumed(&self) -> bool {
        self.source == Source::Assumed
    }

    /// The release whose rules apply: the installed one clamped to the modelled range.
    fn rules(&self) -> Release {
        self.release.clamp(Release::OLDEST, Release::DEFAULT)
    }

    fn at_least(&self, major: u32, minor: u32) -> bool {
        self.rules() >= Release(major, minor, 0)
    }

    /// 9.0: `pytest.toml`/`.pytest.toml` (`[pytest]`) and `[tool.pytest]` native TOML
    /// configuration in `pyproject.toml`; before, only `[tool.pytest.ini_options]` is read.
    pub fn native_toml_config(&self) -> bool {
        self.at_least(9, 0)
    }

    /// 9.0: a `.pytest.ini` without a `[pytest]` section is still the configuration file
    /// (before, only `pytest.ini` was).
    pub fn empty_dot_pytest_ini_counts(&self) -> bool {
        self.at_least(9, 0)
    }

    /// 8.1: with no configuration file found, the first `pyproject.toml` seen makes its
    /// directory the rootdir.
    pub fn pyproject_fallback_rootdir(&self) -> bool {
        self.at_least(8, 1)
    }

    /// 8.4: `getfuncargnames` keeps every name of a method whose `self` is positional-only
    /// (`def test(self, /, kw)` requests `kw`); before, the first name was dropped anyway.
    pub fn keeps_names_after_positional_only_self(&self) -> bool {
        self.at_least(8, 4)
    }

    /// 9.1: a fixture's closure follows override chains (`traverse_fixture_closure`, depth
    /// first, each name once); before, only the argnames of the visible (last) definition of
    /// each name were added, breadth first.
    pub fn closure_follows_override_chains(&self) -> bool {
        self.at_least(9, 1)
    }

    /// 9.1: a conftest's fixtures are registered when its directory is collected (the
    /// session-wide ones when the session starts), after every plugin; before, when it was
    /// imported, which puts a session-wide conftest's autouse fixtures before those of the
    /// plugins it names in `pytest_plugins`.
    pub fn conftest_fixtures_deferred(&self) -> bool {
        self.at_least(9, 1)
    }

    /// 9.2: `PYTEST_PLUGINS` and `pytest_plugins` entries may name an entry point (as `-p`
    /// always could); before, they name modules only.
    pub fn plugin_specs_load_entry_points(&self) -> bool {
        self.at_least(9, 2)
    }

    /// The pytest named in messages: `pytest 8.4.2`.
    pub fn describe(&self) -> String {
        format!("pytest {}", self.release)
    }
}

/// The version of the pytest that `sys_path` imports: the `pytest-*.dist-info` (or
/// `.egg-info`) metadata next to the first `_pytest` package on it, else that package's
/// `_version.py`, else the first pytest distribution anywhere on it (an editable install).
pub fn detect(sys_path: &[PathBuf]) -> Option<PytestVersion> {
    let dirs: Vec<&PathBuf> = sys_path
        .iter()
        .filter(|p| crate::inputs::is_dir(p))
        .collect();
    let package_dir = dirs
        .iter()
        .find(|d| crate::inputs::is_file(d.join("_pytest").join("__init__.py")));
    if let Some(dir) = package_dir {
        if let Some(found) = metadata_in(dir) {
            return Some(found);
        }
        let version_file = dir.join("_pytest").join("_version.py");
        if let Some(release) = crate::inputs::read_to_string(&version_file)
            .ok()
            .and_then(|text| version_assignment(&text))
        {
            return Some(PytestVersion::installed(release, version_file));
        }
    }
    dirs.iter().find_map(|d| metadata_in(d))
}

/// The `pytest` distribution's metadata in one `sys.path` directory.
fn metadata_in(dir: &Path) -> Option<PytestVersion> {
    let names = crate::inputs::read_dir(dir).ok()?;
    let mut found: Vec<String> = names
        .iter()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| {
            let low = n.to_lowercase();
            let stem = low
                .strip_suffix(".dist-info")
                .or_else(|| low.strip_suffix(".egg-info"));
            stem.is_some_and(|s| s.split('-').next() == Some("pytest"))
        })
        .collect();
    found.sort();
    for name in found {
        let meta_dir = dir.join(&name);
        for file in ["METADATA", "PKG-INFO"] {
            let path = meta_dir.join(file);
            let Ok(text) = crate::inputs::read_to_string(&path) else {
                continue;
            };
            let version = text
                .lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix("Version:"))
                .and_then(Release::parse);
            if let Some(release) = version {
                return Some(PytestVersion::installed(release, path));
            }
        }
        // The directory name carries the version too: `pytest-8.4.2.dist-info`.
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        if let Some(release) = stem.split_once('-').and_then(|(_, v)| Release::parse(v)) {
            return Some(PytestVersion::installed(release, meta_dir));
        }
    }
    None
}

/// `__version__ = version = '8.4.2'` (setuptools-scm's `_version.py`).
fn version_assignment(text: &str) -> Option<Release> {
    text.lines()
        .filter(|l| l.starts_with("__version__") || l.starts_with("version"))
        .find_map(|l| {
            let quoted = l.rsplit('=').next()?.trim();
            let inner = quoted.trim_matches(|c| c == '\'' || c == '"');
            (inner.len() + 2 == quoted.len()).then(|| Release::parse(inner))?
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_releases() {
        assert_eq!(Release::parse("9.2.0"), Some(Release(9, 2, 0)));
        assert_eq!(Release::parse("8.4"), Some(Release(8, 4, 0)));
        assert_eq!(Release::parse("9.0.0rc1"), Some(Release(9, 0, 0)));
        assert_eq!(Release::parse("8.5.0.dev3+g1234"), Some(Release(8, 5, 0)));
        assert_eq!(Release::parse("x"), None);
        assert_eq!(
            version_assignment("# generated\n__version__ = version = '8.4.2'\n"),
            Some(Release(8, 4, 2))
        );
    }

    #[test]
    fn rules_by_release() {
        let v = |r| PytestVersion::installed(r, PathBuf::new());
        assert!(!v(Release(8, 4, 2)).native_toml_config());
        assert!(v(Release(9, 0, 0)).native_toml_config());
        assert!(!v(Release(8, 0, 2)).pyproject_fallback_rootdir());
        assert!(v(Release(8, 1, 0)).pyproject_fallback_rootdir());
        assert!(!v(Release(8, 3, 5)).keeps_names_after_positional_only_self());
        assert!(v(Release(8, 4, 0)).keeps_names_after_positional_only_self());
        assert!(!v(Release(9, 0, 3)).closure_follows_override_chains());
        assert!(!v(Release(9, 1, 0)).plugin_specs_load_entry_points());
        assert!(v(Release(9, 2, 0)).plugin_specs_load_entry_points());
        assert!(v(Release(9, 1, 0)).closure_follows_override_chains());
        // Outside the modelled range: the nearest modelled release's rules.
        assert!(v(Release(10, 0, 0)).closure_follows_override_chains());
        assert!(!v(Release(7, 4, 0)).pyproject_fallback_rootdir());
        assert!(PytestVersion::default().native_toml_config());
    }

    #[test]
    fn detects_dist_info_next_to_the_package() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site-packages");
        std::fs::create_dir_all(site.join("_pytest")).unwrap();
        std::fs::write(site.join("_pytest/__init__.py"), "").unwrap();
        std::fs::create_dir_all(site.join("pytest_mock-3.17.0.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("pytest-8.4.2.dist-info")).unwrap();
        std::fs::write(
            site.join("pytest-8.4.2.dist-info/METADATA"),
            "Metadata-Version: 2.4\nName: pytest\nVersion: 8.4.2\n\nbody\n",
        )
        .unwrap();
        let found = detect(&[tmp.path().join("missing"), site.clone()]).unwrap();
        assert_eq!(found.release, Release(8, 4, 2));
        assert!(!found.assumed());
        assert_eq!(detect(&[tmp.path().to_path_buf()]), None);
    }
}
