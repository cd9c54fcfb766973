//! Project discovery: given the paths passed to `fixmig check`, finds pytest's rootdir
//! and configuration file, reads the configuration that matters for fixture
//! resolution, and lists the `conftest.py` files and test modules pytest 9.2 would load
//! and collect, in collection order. Nothing is imported or run.
//!
//! Submodules: `setup` (rootdir/inifile determination), `config` (config file loaders
//! and option typing), `ini` (iniconfig-compatible reader), `pattern` (Python
//! `fnmatch`/`shlex`/`glob`), `walk` (parallel directory walk and ordering).

mod collect;
mod config;
mod ini;
mod pattern;
mod setup;
mod walk;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_collect;
#[cfg(all(test, unix))]
mod tests_pytest;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::pytest_version::PytestVersion;
use config::{collect_options, RawConfig};
use pattern::{fnmatch, fnmatch_ex, python_glob, shlex_split_str};
use setup::{absolutize, determine_setup};

/// What discovery found: rootdir, configuration and the files pytest would load.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Absolute and lexically normalised (like `os.path.abspath`).
    pub rootdir: PathBuf,
    /// The configuration file pytest would use, if any (absolute).
    pub inifile: Option<PathBuf>,
    pub config: PytestConfig,
    /// `conftest.py` files and test modules, in pytest's collection order: depth-first,
    /// the entries of each directory sorted by name (a package's `__init__.py` first),
    /// a directory's `conftest.py` before its entries, ancestor conftests of an argument
    /// before it. A `conftest.py` that also matches `python_files` (which pytest then
    /// collects as a test module too) is listed once, as a conftest.
    pub files: Vec<ProjectFile>,
    /// Problems that did not stop discovery (unreadable directories, ignored config
    /// files, empty `testpaths`, ...).
    pub warnings: Vec<DiscoverWarning>,
    /// The pytest whose rules discovery followed (and the analysis follows).
    pub pytest: PytestVersion,
}

/// The pytest configuration values fixmig needs, with pytest's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PytestConfig {
    pub python_files: Vec<String>,
    pub python_classes: Vec<String>,
    pub python_functions: Vec<String>,
    pub norecursedirs: Vec<String>,
    pub testpaths: Vec<String>,
    /// The ini `usefixtures` option, in order, each with its location in the inifile.
    pub usefixtures: Vec<IniValue>,
    /// Absolute. `--confcutdir` from `addopts`, else the inifile's directory, else the
    /// rootdir (always set after `discover`).
    pub confcutdir: Option<PathBuf>,
    /// The ini `pythonpath` option, absolute (relative to the inifile's directory).
    pub pythonpath: Vec<PathBuf>,
    /// The ini `addopts` option, split like `shlex.split`.
    pub addopts: Vec<String>,
}

/// One value of a list option with its location in the inifile: 1-based line and
/// column (in characters) of the value's first character as written (the opening quote
/// when quoted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IniValue {
    pub value: String,
    pub line: usize,
    pub column: usize,
}

/// The kind of a discovered file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FileKind {
    Conftest,
    TestModule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectFile {
    /// Absolute.
    pub path: PathBuf,
    /// Relative to the rootdir, `/`-separated (see [`rel_path`]).
    pub rel: String,
    pub kind: FileKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscoverWarning {
    pub path: PathBuf,
    pub message: String,
    /// FM903 (discovery), or FM905 (the pytest version: a configuration section the
    /// installed pytest reads differently from other versions, no pytest installed).
    pub code: &'static str,
    /// 1-based line in `path` (1 when the warning is about the file as a whole).
    pub line: usize,
}

impl DiscoverWarning {
    /// A discovery warning (FM903) about `path` as a whole.
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DiscoverWarning {
            path: path.into(),
            message: message.into(),
            code: "FM903",
            line: 1,
        }
    }

    /// A pytest-version warning (FM905) at `line` of `path`.
    pub fn version(path: &Path, line: usize, message: impl Into<String>) -> Self {
        DiscoverWarning {
            path: path.to_path_buf(),
            message: message.into(),
            code: "FM905",
            line,
        }
    }
}

/// A configuration or usage error (pytest would exit with a usage error). `line` and
/// `column` are 1-based; both are 0 when the error is about the path as a whole (a
/// missing argument, an unreadable file), and then `Display` omits them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn at(path: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    fn render(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.path.display(), self.message)
        } else {
            format!(
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Default for PytestConfig {
    /// pytest's defaults, with no configuration file.
    fn default() -> Self {
        PytestConfig {
            python_files: strings(&["test_*.py", "*_test.py"]),
            python_classes: strings(&["Test"]),
            python_functions: strings(&["test"]),
            norecursedirs: strings(&[
                "*.egg",
                ".*",
                "_darcs",
                "build",
                "CVS",
                "dist",
                "node_modules",
                "venv",
                "{arch}",
            ]),
            testpaths: Vec::new(),
            usefixtures: Vec::new(),
            confcutdir: None,
            pythonpath: Vec::new(),
            addopts: Vec::new(),
        }
    }
}

fn prefix_or_glob(options: &[String], name: &str) -> bool {
    options
        .iter()
        .any(|o| name.starts_with(o.as_str()) || (o.contains(['*', '?', '[']) && fnmatch(name, o)))
}

impl PytestConfig {
    /// Whether pytest collects a file with this name (or path) as a test module: a
    /// `.py` file matching one of `python_files` (patterns containing `/` match the
    /// whole given path, as pytest's `fnmatch_ex`).
    pub fn matches_python_file(&self, file_name: &str) -> bool {
        let name = file_name.rsplit('/').next().unwrap_or(file_name);
        name.ends_with(".py")
            && name != ".py"
            && self.python_files.iter().any(|p| fnmatch_ex(p, file_name))
    }

    /// `python_classes`: prefix or glob match, as pytest's `classnamefilter`.
    pub fn matches_class(&self, name: &str) -> bool {
        prefix_or_glob(&self.python_classes, name)
    }

    /// `python_functions`: prefix or glob match, as pytest's `funcnamefilter`.
    pub fn matches_function(&self, name: &str) -> bool {
        prefix_or_glob(&self.python_functions, name)
    }
}

/// `path` relative to `rootdir`, `/`-separated; `..` components when `path` is not
/// under `rootdir`; the empty string for the rootdir itself (pytest's node id).
pub fn rel_path(rootdir: &Path, path: &Path) -> String {
    let base: Vec<_> = rootdir.components().collect();
    let target: Vec<_> = path.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Splits a command line like Python's `shlex.split` (for `PYTEST_ADDOPTS`).
pub(crate) fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    shlex_split_str(s)
}

/// Discovers the project for `paths` (relative to the process's current directory;
/// empty means the current directory) by pytest 9.2's rules.
pub fn discover(paths: &[PathBuf]) -> Result<Project, ConfigError> {
    discover_for(paths, &PytestVersion::default())
}

/// [`discover`] by the rules of pytest `version`.
pub fn discover_for(paths: &[PathBuf], version: &PytestVersion) -> Result<Project, ConfigError> {
    discover_with(paths, PytestSource::Known(version.clone()))
}

/// Which pytest's rules discovery follows.
pub enum PytestSource<'a> {
    Known(PytestVersion),
    /// The pytest of the environment found from the rootdir (a `.venv` there): the rootdir
    /// is first determined by pytest 9.2's rules, then again by the found version's rules
    /// when they differ.
    AtRootdir(&'a dyn Fn(&Path) -> PytestVersion),
}

/// [`discover`] by the rules of the pytest `source` names.
pub fn discover_with(paths: &[PathBuf], source: PytestSource<'_>) -> Result<Project, ConfigError> {
    let cwd = std::env::current_dir().map_err(|e| {
        ConfigError::at(
            Path::new("."),
            0,
            0,
            format!("cannot read the current directory: {e}"),
        )
    })?;
    discover_in_with(&cwd, paths, source)
}

/// Like [`discover`], with `cwd` standing for the process's current directory.
pub fn discover_in(cwd: &Path, paths: &[PathBuf]) -> Result<Project, ConfigError> {
    discover_in_with(cwd, paths, PytestSource::Known(PytestVersion::default()))
}

/// [`discover_in`] by the rules of pytest `version`.
pub fn discover_in_for(
    cwd: &Path,
    paths: &[PathBuf],
    version: &PytestVersion,
) -> Result<Project, ConfigError> {
    discover_in_with(cwd, paths, PytestSource::Known(version.clone()))
}

/// [`discover_in`] by the rules of the pytest `source` names.
pub fn discover_in_with(
    cwd: &Path,
    paths: &[PathBuf],
    source: PytestSource<'_>,
) -> Result<Project, ConfigError> {
    let cwd = absolutize(Path::new("/"), cwd);
    let mut args = Vec::new();
    for p in paths {
        let mut abs = absolutize(&cwd, p);
        if !abs.exists() {
            // pytest accepts node ids (`path::Test::test`); only the path part matters here.
            let s = p.to_string_lossy();
            if let Some((before, _)) = s.split_once("::") {
                abs = absolutize(&cwd, Path::new(before));
            }
        }
        if !abs.exists() {
            let msg = format!("file or directory not found: {}", p.display());
            return Err(ConfigError::at(&abs, 0, 0, msg));
        }
        args.push(abs);
    }
    let dirs: Vec<PathBuf> = args
        .iter()
        .map(|a| {
            if a.is_dir() {
                a.clone()
            } else {
                a.parent().unwrap_or(a).to_path_buf()
            }
        })
        .collect();
    let mut warnings = Vec::new();
    let (setup, version) = match source {
        PytestSource::Known(version) => (
            determine_setup(&cwd, &dirs, &version, &mut warnings)?,
            version,
        ),
        PytestSource::AtRootdir(version_at) => {
            let default = PytestVersion::default();
            let first = determine_setup(&cwd, &dirs, &default, &mut warnings);
            let rootdir = match &first {
                Ok(setup) => setup.rootdir.clone(),
                Err(_) => setup::common_ancestor(&cwd, &dirs),
            };
            let version = version_at(&rootdir);
            match first {
                Ok(setup) if version == default => (setup, version),
                _ => {
                    warnings.clear();
                    (
                        determine_setup(&cwd, &dirs, &version, &mut warnings)?,
                        version,
                    )
                }
            }
        }
    };
    let version = &version;
    if let Some(ini) = &setup.inifile {
        for name in &setup.ignored {
            warnings.push(DiscoverWarning::new(
                ini.parent().unwrap_or(ini).join(name),
                format!(
                    "ignoring pytest config in {name}: {} takes precedence",
                    ini.file_name().unwrap_or_default().to_string_lossy()
                ),
            ));
        }
    }
    // A single path equal to the rootdir (or none, from the rootdir) is "pytest run
    // from the rootdir without arguments": testpaths apply.
    let from_rootdir = match args.as_slice() {
        [] => cwd == setup.rootdir,
        [one] => *one == setup.rootdir,
        _ => false,
    };
    let invocation_dir = if from_rootdir {
        setup.rootdir.clone()
    } else {
        cwd.clone()
    };
    let (config, opts) = build_config(&setup, &invocation_dir)?;

    let initial_args = if from_rootdir {
        testpaths_args(&setup, &config, &mut warnings)
    } else {
        args
    };
    let initial_args = if initial_args.is_empty() {
        vec![invocation_dir.clone()]
    } else {
        initial_args
    };

    let files =
        collect::collect_files(&setup.rootdir, &initial_args, &config, &opts, &mut warnings);
    Ok(Project {
        rootdir: setup.rootdir,
        inifile: setup.inifile,
        config,
        files,
        warnings,
        pytest: version.clone(),
    })
}

/// pytest's `_decide_args` from the rootdir without arguments: each `testpaths` entry
/// globbed (`glob.iglob(recursive=True)`, sorted) relative to the rootdir.
fn testpaths_args(
    setup: &setup::Setup,
    config: &PytestConfig,
    warnings: &mut Vec<DiscoverWarning>,
) -> Vec<PathBuf> {
    let ini = setup
        .inifile
        .clone()
        .unwrap_or_else(|| setup.rootdir.clone());
    let mut out = Vec::new();
    for tp in &config.testpaths {
        let matched = python_glob(&setup.rootdir, tp);
        if matched.is_empty() {
            let message = format!("testpaths entry {tp:?} matches no files or directories");
            warnings.push(DiscoverWarning::new(ini.clone(), message));
        }
        out.extend(
            matched
                .iter()
                .map(|m| absolutize(&setup.rootdir, Path::new(m))),
        );
    }
    if !config.testpaths.is_empty() && out.is_empty() {
        let message =
            "No files were found in testpaths; searching recursively from the rootdir instead";
        warnings.push(DiscoverWarning::new(ini, message));
    }
    out
}

/// Reads the typed options from the raw configuration (pytest's `getini`), after the
/// `-o`/`--override-ini` options of `addopts`, and the collection options of `addopts`.
fn build_config(
    setup: &setup::Setup,
    invocation_dir: &Path,
) -> Result<(PytestConfig, config::CollectOptions), ConfigError> {
    let ini = setup
        .inifile
        .clone()
        .unwrap_or_else(|| setup.rootdir.clone());
    let mut cfg = PytestConfig::default();
    let addopts_pos = setup
        .config
        .options
        .get("addopts")
        .map(|o| o.pos)
        .unwrap_or_default();
    if let Some(v) = setup.config.get_args(&ini, "addopts", "args")? {
        cfg.addopts = v.into_iter().map(|(s, _)| s).collect();
    }
    let opts = collect_options(&cfg.addopts, invocation_dir)
        .map_err(|message| ConfigError::at(&ini, addopts_pos.line, addopts_pos.column, message))?;
    let mut raw: RawConfig = setup.config.clone();
    for (key, value) in &opts.overrides {
        raw.override_with(key, value, addopts_pos);
    }
    let args = |name: &str, kind: &str| raw.get_args(&ini, name, kind);
    let fields: [(&str, &mut Vec<String>); 5] = [
        ("python_files", &mut cfg.python_files),
        ("python_classes", &mut cfg.python_classes),
        ("python_functions", &mut cfg.python_functions),
        ("norecursedirs", &mut cfg.norecursedirs),
        ("testpaths", &mut cfg.testpaths),
    ];
    for (name, field) in fields {
        if let Some(v) = args(name, "args")? {
            *field = v.into_iter().map(|(s, _)| s).collect();
        }
    }
    if let Some(v) = args("usefixtures", "args")? {
        cfg.usefixtures = v
            .into_iter()
            .map(|(value, p)| IniValue {
                value,
                line: p.line,
                column: p.column,
            })
            .collect();
    }
    if let Some(v) = args("pythonpath", "paths")? {
        let base = setup
            .inifile
            .as_ref()
            .and_then(|i| i.parent())
            .unwrap_or(invocation_dir);
        cfg.pythonpath = v
            .into_iter()
            .map(|(s, _)| absolutize(base, Path::new(&s)))
            .collect();
    }
    let default_cut = match &setup.inifile {
        Some(i) => i
            .parent()
            .map_or_else(|| setup.rootdir.clone(), Path::to_path_buf),
        None => setup.rootdir.clone(),
    };
    cfg.confcutdir = Some(opts.confcutdir.clone().unwrap_or(default_cut));
    Ok((cfg, opts))
}

/// `shlex.split`, as pytest splits `args`-type options (exposed for other modules that
/// need to split option strings the same way).
pub fn split_args(s: &str) -> Result<Vec<String>, String> {
    shlex_split_str(s)
}
