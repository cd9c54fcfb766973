//! Installed pytest plugins, found the way pytest finds them but by reading files only: the
//! `[pytest11]` entry points of every distribution on the environment's `sys.path`, in the
//! order `importlib.metadata.distributions()` yields them (pluggy's load order), and where
//! their modules are — site-packages, paths added by `.pth` files (already in `sys.path`),
//! setuptools' `__editable__` finders, `editables` redirectors and, last, the project
//! directory an editable install's `direct_url.json` names. Nothing of a plugin is imported:
//! the interpreter is asked for `sys.path` once ([`crate::env`]).
//!
//! Also here: a small table of well-known plugins' fixtures, for "`mocker` is provided by
//! pytest-mock, which is not installed" hints.

mod known;
mod metadata;

pub use known::{known_providers, KnownPlugin, KNOWN_PLUGINS, REMOVED_FIXTURES};
use metadata::{editable_mapping, parse_entry_points, percent_decode};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::env::PythonEnv;

/// One `[pytest11]` entry point: `name = module[:attr]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    pub module: String,
    pub attr: Option<String>,
    /// Line in `entry_points.txt`.
    pub line: usize,
}

/// A distribution with `[pytest11]` entry points.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// `Name:` from its metadata (else the name in the directory's name).
    pub name: String,
    /// PEP 503 name with underscores (`pytest_mock`).
    pub normalized: String,
    pub version: Option<String>,
    /// The `*.dist-info` / `*.egg-info` directory.
    pub metadata_dir: PathBuf,
    pub entry_points: Vec<EntryPoint>,
    /// An editable install's project directory (`direct_url.json`).
    pub editable_project: Option<PathBuf>,
    /// Top-level modules it installs (`top_level.txt` plus its entry points' packages).
    pub top_level: Vec<String>,
}

/// A problem with the environment's files, reported as FM904.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvProblem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// What fixmig knows about the project's Python environment.
#[derive(Debug)]
pub struct Environment {
    pub interpreter: PathBuf,
    /// How to name the environment in messages: the virtualenv directory (relative to the
    /// rootdir when inside it), else the interpreter.
    pub label: String,
    pub python: PythonEnv,
    /// `sys.path` directories modules are searched in (canonical; the standard library is
    /// left out: nothing there defines fixtures).
    pub search_paths: Vec<PathBuf>,
    /// The standard library directory (`os.py`), for deciding `try: import ...` conditions.
    pub stdlib: Option<PathBuf>,
    /// Top-level module → file or package directory, from editable-install finders.
    pub editable: Vec<(String, PathBuf)>,
    /// Distributions with `[pytest11]` entry points, in `importlib.metadata` order.
    pub distributions: Vec<Distribution>,
    /// Every installed distribution: normalized name → version.
    pub installed: HashMap<String, String>,
    /// The `_pytest` package pytest would import, if any.
    pub pytest_dir: Option<PathBuf>,
    pub problems: Vec<EnvProblem>,
    /// `find_source` answers.
    sources: std::sync::Mutex<HashMap<String, Option<PathBuf>>>,
}

/// PEP 503 normalization with underscores, as `importlib.metadata.Prepared.normalize`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('_');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    if sep {
        out.push('_');
    }
    out
}

fn canonical(p: &Path) -> PathBuf {
    crate::inputs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The file of module `parts` under `root`: `a/b.py` or `a/b/__init__.py`.
pub(crate) fn module_file(root: &Path, parts: &[&str]) -> Option<PathBuf> {
    if parts.is_empty() {
        return None;
    }
    let mut p = root.to_path_buf();
    for part in parts {
        p.push(part);
    }
    let file = p.with_extension("py");
    if crate::inputs::is_file(&file) {
        return Some(file);
    }
    let init = p.join("__init__.py");
    crate::inputs::is_file(&init).then_some(init)
}

/// Does `name` exist under `root` as a module or package (whatever its kind)?
fn top_level_exists(root: &Path, name: &str) -> bool {
    crate::inputs::is_dir(root.join(name))
        || crate::inputs::is_file(root.join(format!("{name}.py")))
}

/// A compiled extension module `parts` under `root` (`NAME.cpython-311-x86_64-linux-gnu.so`).
fn compiled_module(root: &Path, parts: &[&str]) -> Option<PathBuf> {
    let (last, dirs) = parts.split_last()?;
    let mut dir = root.to_path_buf();
    for d in dirs {
        dir.push(d);
    }
    crate::inputs::read_dir(&dir).ok()?.iter().find_map(|name| {
        let name = name.to_string_lossy();
        let rest = name.strip_prefix(last)?;
        (rest.starts_with('.') && (rest.ends_with(".so") || rest.ends_with(".pyd")))
            .then(|| dir.join(&*name))
    })
}

/// Where a module named in an entry point, `-p` or `pytest_plugins` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Source(PathBuf),
    /// An extension module: it exists, but its fixtures cannot be read.
    Compiled(PathBuf),
    Missing,
}

impl Environment {
    /// Asks `interpreter` for `sys.path` and reads the distributions on it.
    pub fn load(interpreter: &Path, rootdir: &Path) -> Result<Environment, String> {
        let python = crate::env::query_cached(interpreter)?;
        Ok(Environment::from_python(interpreter, python, rootdir))
    }

    /// Reads the environment described by an already known `sys.path`.
    pub fn from_python(interpreter: &Path, python: PythonEnv, rootdir: &Path) -> Environment {
        let mut all_paths: Vec<PathBuf> = Vec::new();
        for p in &python.sys_path {
            let c = canonical(p);
            if crate::inputs::is_dir(&c) && !all_paths.contains(&c) {
                all_paths.push(c);
            }
        }
        let stdlib = all_paths
            .iter()
            .find(|p| crate::inputs::is_file(p.join("os.py")))
            .cloned();
        let search_paths: Vec<PathBuf> = all_paths
            .iter()
            .filter(|p| Some(*p) != stdlib.as_ref())
            .filter(|p| !p.ends_with("lib-dynload"))
            .cloned()
            .collect();
        let mut env = Environment {
            interpreter: interpreter.to_path_buf(),
            label: crate::env::describe(interpreter, rootdir),
            python,
            search_paths,
            stdlib,
            editable: Vec::new(),
            distributions: Vec::new(),
            installed: HashMap::new(),
            pytest_dir: None,
            problems: Vec::new(),
            sources: Default::default(),
        };
        for dir in all_paths {
            env.scan_dir(&dir);
        }
        env.pytest_dir = env
            .search_paths
            .iter()
            .map(|p| p.join("_pytest"))
            .find(|p| crate::inputs::is_file(p.join("__init__.py")));
        env
    }

    /// One `sys.path` entry: its `.pth` editable finders and its distributions, in
    /// `importlib.metadata`'s order (directory order, entries of one normalized name
    /// together, `.dist-info`/`.egg-info` first, then an `.egg`'s `EGG-INFO`).
    fn scan_dir(&mut self, dir: &Path) {
        let Ok(entries) = crate::inputs::read_dir(dir) else {
            return;
        };
        let children: Vec<String> = entries
            .iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
        let mut pth = Vec::new();
        for child in &children {
            let low = child.to_lowercase();
            if low.ends_with(".dist-info") || low.ends_with(".egg-info") {
                let stem = low.rsplit_once('.').map_or(low.as_str(), |(s, _)| s);
                let name = normalize(stem.split('-').next().unwrap_or(stem));
                let version = stem.split_once('-').map(|(_, v)| v.to_string());
                if let Some(v) = version {
                    self.installed.entry(name.clone()).or_insert(v);
                } else {
                    self.installed.entry(name.clone()).or_default();
                }
                match groups.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, paths)) => paths.push(dir.join(child)),
                    None => groups.push((name, vec![dir.join(child)])),
                }
            } else if low.ends_with(".pth") {
                pth.push(dir.join(child));
            }
        }
        let base = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if base.ends_with(".egg") {
            for child in &children {
                if child.eq_ignore_ascii_case("egg-info") {
                    let stem = base.rsplit_once('.').map_or(base.as_str(), |(s, _)| s);
                    let name = stem.split('-').next().unwrap_or(stem).replace('-', "_");
                    groups.push((name, vec![dir.join(child)]));
                }
            }
        }
        // `site` runs a site directory's .pth files in sorted order.
        pth.sort();
        for file in pth {
            self.read_pth(&file);
        }
        for (_, paths) in groups {
            for path in paths {
                if let Some(dist) = self.read_distribution(&path) {
                    self.distributions.push(dist);
                }
            }
        }
    }

    /// The `import ...` lines of a `.pth` file that install editable finders.
    fn read_pth(&mut self, file: &Path) {
        let Ok(text) = crate::inputs::read_to_string(file) else {
            return;
        };
        let dir = file.parent().unwrap_or(Path::new("/"));
        for line in text.lines() {
            let line = line.trim();
            if !(line.starts_with("import ") || line.starts_with("import\t")) {
                continue;
            }
            // `import __editable___x_finder; __editable___x_finder.install()` (setuptools),
            // `import _editable_impl_x` (editables).
            let mut seen = Vec::new();
            for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                let interesting = (word.starts_with("__editable___") && word.ends_with("_finder"))
                    || word.starts_with("_editable_impl_");
                if interesting && !seen.contains(&word) {
                    seen.push(word);
                    let module = dir.join(format!("{word}.py"));
                    if let Ok(source) = crate::inputs::read_to_string(&module) {
                        self.editable.extend(editable_mapping(&source));
                    }
                }
            }
        }
    }

    fn read_distribution(&mut self, metadata_dir: &Path) -> Option<Distribution> {
        let ep_file = metadata_dir.join("entry_points.txt");
        let text = crate::inputs::read_to_string(&ep_file).ok()?;
        let (entry_points, problems) = parse_entry_points(&text);
        for (line, message) in problems {
            self.problems.push(EnvProblem {
                path: ep_file.clone(),
                line,
                message,
            });
        }
        if entry_points.is_empty() {
            return None;
        }
        let dir_name = metadata_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = dir_name
            .rsplit_once('.')
            .map_or(dir_name.as_str(), |(s, _)| s);
        let mut name = stem.split('-').next().unwrap_or(stem).to_string();
        let mut version = stem.split_once('-').map(|(_, v)| v.to_string());
        let metadata = ["METADATA", "PKG-INFO"]
            .iter()
            .find_map(|f| crate::inputs::read_to_string(metadata_dir.join(f)).ok())
            .unwrap_or_default();
        for line in metadata.lines() {
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Name:") {
                name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("Version:") {
                version = Some(v.trim().to_string());
            }
        }
        let mut top_level: Vec<String> =
            crate::inputs::read_to_string(metadata_dir.join("top_level.txt"))
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
        for ep in &entry_points {
            let top = ep
                .module
                .split('.')
                .next()
                .unwrap_or(&ep.module)
                .to_string();
            if !top_level.contains(&top) {
                top_level.push(top);
            }
        }
        let editable_project = crate::inputs::read_to_string(metadata_dir.join("direct_url.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .filter(|v| v["dir_info"]["editable"].as_bool() == Some(true))
            .and_then(|v| v["url"].as_str().map(str::to_string))
            .and_then(|url| url.strip_prefix("file://").map(percent_decode))
            .map(PathBuf::from);
        Some(Distribution {
            normalized: normalize(&name),
            name,
            version,
            metadata_dir: metadata_dir.to_path_buf(),
            entry_points,
            editable_project,
            top_level,
        })
    }

    /// The source file of module `dotted` in this environment, if it has one (cached: the
    /// project's imports of installed packages all come through here).
    pub fn find_source(&self, dotted: &str) -> Option<PathBuf> {
        if let Some(found) = self
            .sources
            .lock()
            .ok()
            .and_then(|c| c.get(dotted).cloned())
        {
            return found;
        }
        let found = match self.find(dotted, false) {
            Found::Source(p) => Some(p),
            _ => None,
        };
        if let Ok(mut c) = self.sources.lock() {
            c.insert(dotted.to_string(), found.clone());
        }
        found
    }

    /// Finds module `dotted` as `import` would in this environment: `sys.path` first, then
    /// the editable finders (which sit after the path finder on `sys.meta_path`).
    pub fn find_module(&self, dotted: &str) -> Found {
        self.find(dotted, true)
    }

    fn find(&self, dotted: &str, compiled: bool) -> Found {
        let parts: Vec<&str> = dotted.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Found::Missing;
        }
        for root in &self.search_paths {
            if let Some(p) = module_file(root, &parts) {
                return Found::Source(p);
            }
            if compiled {
                if let Some(p) = compiled_module(root, &parts) {
                    return Found::Compiled(p);
                }
            }
        }
        for (name, target) in &self.editable {
            if name != parts[0] {
                continue;
            }
            if crate::inputs::is_file(target) {
                if parts.len() == 1 {
                    return Found::Source(target.clone());
                }
                continue;
            }
            let found = if parts.len() == 1 {
                let init = target.join("__init__.py");
                crate::inputs::is_file(&init).then_some(init)
            } else {
                module_file(target, &parts[1..])
            };
            if let Some(p) = found {
                return Found::Source(p);
            }
        }
        Found::Missing
    }

    /// `find_module`, then the project directory of an editable `dist` (`direct_url.json`):
    /// its `src/` and itself.
    pub fn find_entry_module(&self, dist: &Distribution, dotted: &str) -> Found {
        match self.find_module(dotted) {
            Found::Missing => {}
            found => return found,
        }
        let Some(project) = &dist.editable_project else {
            return Found::Missing;
        };
        let parts: Vec<&str> = dotted.split('.').collect();
        [project.join("src"), project.clone()]
            .iter()
            .find_map(|root| module_file(root, &parts))
            .map_or(Found::Missing, Found::Source)
    }

    /// Is the top-level package of `dotted` importable from this environment (any kind of
    /// module: source, compiled, standard library, builtin)?
    pub fn has_top_level(&self, dotted: &str) -> bool {
        let top = dotted.split('.').next().unwrap_or(dotted);
        self.python.builtin_modules.iter().any(|b| b == top)
            || self.stdlib.iter().any(|d| top_level_exists(d, top))
            || self.search_paths.iter().any(|d| top_level_exists(d, top))
            || self.editable.iter().any(|(n, _)| n == top)
    }

    /// Does the top-level name of `dotted` exist in the environment's package directories
    /// (not the standard library)?
    pub fn provides_top_level(&self, dotted: &str) -> bool {
        let top = dotted.split('.').next().unwrap_or(dotted);
        self.search_paths.iter().any(|d| top_level_exists(d, top))
            || self.editable.iter().any(|(n, _)| n == top)
    }

    /// Is `path` a file of this environment (site-packages, an editable install's package)
    /// rather than of the project at `rootdir`? Files under the rootdir count only inside a
    /// `site-packages`/`dist-packages` directory (a `.venv` in the project).
    pub fn owns(&self, path: &Path, rootdir: &Path) -> bool {
        let in_env = self.search_paths.iter().any(|r| path.starts_with(r))
            || self.editable.iter().any(|(_, t)| path.starts_with(t))
            || self
                .distributions
                .iter()
                .filter_map(|d| d.editable_project.as_ref())
                .any(|p| path.starts_with(p));
        if !in_env {
            return false;
        }
        !path.starts_with(rootdir)
            || path
                .components()
                .any(|c| c.as_os_str() == "site-packages" || c.as_os_str() == "dist-packages")
    }

    /// The plugin distribution a file of this environment belongs to.
    pub fn distribution_of(&self, path: &Path) -> Option<&Distribution> {
        let top = self
            .search_paths
            .iter()
            .filter_map(|r| path.strip_prefix(r).ok())
            .chain(
                self.editable
                    .iter()
                    .filter_map(|(_, t)| path.strip_prefix(t.parent()?).ok()),
            )
            .min_by_key(|rel| rel.components().count())
            .and_then(|rel| rel.components().next())
            .map(|c| {
                let s = c.as_os_str().to_string_lossy();
                s.strip_suffix(".py").unwrap_or(&s).to_string()
            });
        if let Some(top) = top {
            if let Some(d) = self
                .distributions
                .iter()
                .find(|d| d.top_level.contains(&top))
            {
                return Some(d);
            }
        }
        self.distributions.iter().find(|d| {
            d.editable_project
                .as_ref()
                .is_some_and(|p| path.starts_with(p))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_importlib_metadata() {
        assert_eq!(normalize("pytest-mock"), "pytest_mock");
        assert_eq!(normalize("Pytest.Mock"), "pytest_mock");
        assert_eq!(normalize("a__b--c"), "a_b_c");
    }

    #[test]
    fn entry_points_are_read_like_importlib_metadata() {
        let (eps, problems) = parse_entry_points(
            "[console_scripts]\nx = a:b\n\n[pytest11]\n# c\n  mock = pytest_mock \nasyncio = pytest_asyncio.plugin\nobj = pkg.mod:Plugin [extra]\nbad = not valid!\nbroken\n",
        );
        let names: Vec<_> = eps
            .iter()
            .map(|e| (e.name.as_str(), e.module.as_str(), e.attr.as_deref()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("mock", "pytest_mock", None),
                ("asyncio", "pytest_asyncio.plugin", None),
                ("obj", "pkg.mod", Some("Plugin")),
            ]
        );
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].0, 9);
        assert_eq!(problems[1].0, 10);
    }

    #[test]
    fn editable_finder_mappings() {
        let m = editable_mapping(
            "import sys\nMAPPING: dict[str, str] = {'demo': '/src/demo', \"x\": '/a/x.py'}\nNAMESPACES = {}\n",
        );
        assert_eq!(
            m,
            vec![
                ("demo".to_string(), PathBuf::from("/src/demo")),
                ("x".to_string(), PathBuf::from("/a/x.py")),
            ]
        );
        let m = editable_mapping("F.map_module('pkg', '/p/pkg/__init__.py')\n");
        assert_eq!(m, vec![("pkg".to_string(), PathBuf::from("/p/pkg"))]);
    }
}
