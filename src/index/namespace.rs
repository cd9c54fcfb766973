//! What `dir(module)` and `dir(instance)` would hold, statically: module and class namespaces
//! built from the bindings of parsed files, following `from m import ...`, star imports (with
//! `__all__`), relative imports and aliases into other project files, which are parsed on
//! demand. Conditional bindings are decided here where Python's outcome is knowable.

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::discover::rel_path;
use crate::parse::{self, BindingKind, Condition, FileFacts, ImportTarget, ParseOptions};

use super::{Module, ModuleId, ModuleRole, Problem, Uncertainty};

mod classes;
mod conditions;
mod deferred;
mod imports;
mod lazy;
mod lookup;
mod prefetch;

pub use conditions::describe;

/// Where a definition's facts live: a binding of a module, or of a class in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeRef {
    pub module: ModuleId,
    pub class: Option<usize>,
    pub binding: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassRef {
    pub module: ModuleId,
    pub class: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Fixture(CodeRef),
    Function(CodeRef),
    Class(ClassRef),
    /// A module, loaded only if something looks inside it.
    Module(PathBuf),
    /// A name bound to a mark (`params = pytest.mark.parametrize(...)`).
    Mark(CodeRef),
    Other,
    /// A `from ... import` not evaluated yet ([`Loader::force`] computes it; see `lazy`).
    Lazy(usize),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub value: Value,
    pub uncertain: Option<Uncertainty>,
}

/// A namespace: name → entry, remembering first-insertion order (a dict's order).
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    entries: HashMap<String, Entry>,
    order: Vec<String>,
}

impl Namespace {
    pub fn insert(&mut self, name: &str, entry: Entry) {
        if self.entries.insert(name.to_string(), entry).is_none() {
            self.order.push(name.to_string());
        }
    }
    pub fn remove(&mut self, name: &str) {
        if self.entries.remove(name).is_some() {
            self.order.retain(|n| n != name);
        }
    }
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }
    /// Entries in definition order (what iterating `__dict__` gives).
    pub fn in_order(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.order
            .iter()
            .map(move |n| (n.as_str(), &self.entries[n]))
    }
    /// Entries sorted by name (what `dir()` gives).
    pub fn sorted(&self) -> Vec<(&str, &Entry)> {
        let mut names: Vec<&String> = self.order.iter().collect();
        names.sort();
        names
            .into_iter()
            .map(|n| (n.as_str(), &self.entries[n]))
            .collect()
    }
}

/// How a condition came out.
enum Outcome {
    Taken,
    NotTaken,
    Uncertain(String),
}

/// Owns every parsed module and the namespaces computed from them.
pub struct Loader {
    pub rootdir: PathBuf,
    pub modules: Vec<Module>,
    pub problems: Vec<Problem>,
    by_path: HashMap<PathBuf, ModuleId>,
    roots: Vec<PathBuf>,
    /// The roots again, for membership tests.
    root_set: std::collections::HashSet<PathBuf>,
    /// Per top-level name, the indices in `roots` (ascending) of the roots that have an entry
    /// of that name (`name.py`, `name/`): absolute imports try only those, so a name that no
    /// root has (`pytest`, `numpy`, ...) costs one map lookup, not two `stat`s per root, however
    /// many basedirs a large suite puts on the path.
    root_names: HashMap<String, Vec<usize>>,
    options: ParseOptions,
    reader: super::SourceReader,
    /// `--python`, and the environment asked for lazily (only `importorskip` needs it).
    pub python: Option<PathBuf>,
    /// Collect modules `pytest.importorskip` would skip (see `Options::collect_importorskip`).
    pub collect_importorskip: bool,
    env: std::sync::OnceLock<Option<crate::env::PythonEnv>>,
    /// The Python environment: plugin modules and what they import are found on its
    /// `sys.path`; project imports fall back to it.
    pub environment: Option<Arc<crate::plugins::Environment>>,
    /// Environment modules parsed ahead (in parallel with the project), taken by `load`.
    preparsed: HashMap<PathBuf, FileFacts>,
    namespaces: HashMap<ModuleId, Option<Arc<Namespace>>>,
    /// Single names looked up in modules whose whole namespace is not needed.
    lookups: HashMap<(ModuleId, String), Option<Option<Entry>>>,
    class_namespaces: HashMap<ClassRef, Option<Arc<Namespace>>>,
    /// Per module, its basedir (what `basedir` computes), so import resolution does not
    /// walk the directories again for every import.
    basedirs: Vec<PathBuf>,
    /// `Path::is_file` answers: import resolution asks about the same candidates many times.
    is_file: std::sync::Mutex<HashMap<PathBuf, bool>>,
    /// `Path::is_dir` answers, likewise (is an import's top-level name a project package?).
    is_dir: std::sync::Mutex<HashMap<PathBuf, bool>>,
    /// Modules parsed ahead by [`Loader::prefetch`] that no lookup has asked for yet: facts and
    /// problems, taken over by [`Loader::load`] when one does (so module ids, problems and
    /// everything else come out as if each had been parsed when first asked for).
    prefetched: HashMap<PathBuf, Parsed>,
    /// The on-disk facts cache, when enabled.
    pub cache: Option<Arc<crate::cache::FactsCache>>,
    /// Computed MROs (every class in a test module is asked whether it is a `TestCase`).
    mros: HashMap<ClassRef, Vec<ClassRef>>,
    /// Module-level `from ... import` bindings not evaluated yet (`Value::Lazy` indices).
    lazies: Vec<lazy::LazyImport>,
    /// Forced lazy values: `import_name`'s answer.
    lazy_forced: HashMap<usize, Option<Entry>>,
    /// `may_matter` answers per (module file, name).
    may_matter_memo: HashMap<(PathBuf, String), bool>,
    /// Per file, the bindings `may_matter` follows (from full facts or a skeleton).
    links: HashMap<PathBuf, Option<Arc<lazy::Links>>>,
    /// Test modules whose facts are not in memory ([`deferred`]): `true` once their
    /// problems were reported.
    deferred: HashMap<ModuleId, bool>,
    /// Test modules some import reached: their facts are never dropped.
    imported_test_modules: foldhash::HashSet<ModuleId>,
}

/// What evaluating a binding needs of it: its kind without the definitions' facts (cloning
/// whole bindings, `FunctionDef`s and all, was a large share of building namespaces).
enum Light {
    Fixture,
    Function,
    Class(usize),
    Alias(String),
    Mark,
    Other,
    ImportModule(ImportTarget),
    ImportFrom(ImportTarget, String),
}

impl Light {
    fn of(kind: &BindingKind) -> Light {
        match kind {
            BindingKind::Fixture(_) => Light::Fixture,
            BindingKind::Function(_) => Light::Function,
            BindingKind::Class(c) => Light::Class(*c),
            BindingKind::Alias(other) => Light::Alias(other.clone()),
            BindingKind::Mark(_) => Light::Mark,
            BindingKind::Value { .. } => Light::Other,
            BindingKind::ImportModule { target } => Light::ImportModule(target.clone()),
            BindingKind::ImportFrom { target, name, .. } => {
                Light::ImportFrom(target.clone(), name.clone())
            }
        }
    }
}

/// A binding's name, conditions and [`Light`] kind.
fn light(binding: &parse::Binding) -> (String, Vec<Condition>, Light) {
    (
        binding.name.clone(),
        binding.conditions.clone(),
        Light::of(&binding.kind),
    )
}

/// A file's facts (`None` when it could not be read as Python) and the problems to report.
type Parsed = (Option<FileFacts>, Vec<Problem>);

/// What a lookup will ask of a module: one name, or its whole namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Demand {
    Name(String),
    All,
}

/// The first directory upwards from `file` that is not a package (pytest's "basedir", the
/// entry `prepend` import mode puts on `sys.path`).
pub fn basedir(file: &Path) -> PathBuf {
    let mut dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
    while crate::inputs::is_file(dir.join("__init__.py")) {
        match dir.parent() {
            Some(p) => dir = p.to_path_buf(),
            None => break,
        }
    }
    dir
}

impl Loader {
    /// The binding `code` points at (module level or in a class), if its module was parsed.
    pub fn binding(&self, code: super::CodeRef) -> Option<&crate::parse::Binding> {
        let facts = self.modules[code.module].facts.as_ref()?;
        match code.class {
            Some(c) => facts.classes.get(c)?.bindings.get(code.binding),
            None => facts.bindings.get(code.binding),
        }
    }

    pub fn new(
        rootdir: PathBuf,
        pythonpath: Vec<PathBuf>,
        options: ParseOptions,
        reader: super::SourceReader,
    ) -> Loader {
        let mut roots = pythonpath;
        roots.push(rootdir.clone());
        let mut loader = Loader {
            rootdir,
            modules: Vec::new(),
            problems: Vec::new(),
            by_path: HashMap::new(),
            roots: Vec::new(),
            root_set: Default::default(),
            root_names: HashMap::new(),
            options,
            reader,
            python: None,
            collect_importorskip: false,
            env: std::sync::OnceLock::new(),
            environment: None,
            preparsed: HashMap::new(),
            namespaces: HashMap::new(),
            lookups: HashMap::new(),
            class_namespaces: HashMap::new(),
            basedirs: Vec::new(),
            is_file: std::sync::Mutex::new(HashMap::new()),
            is_dir: std::sync::Mutex::new(HashMap::new()),
            prefetched: HashMap::new(),
            cache: None,
            mros: HashMap::new(),
            lazies: Vec::new(),
            lazy_forced: HashMap::new(),
            may_matter_memo: HashMap::new(),
            links: HashMap::new(),
            deferred: HashMap::new(),
            imported_test_modules: Default::default(),
        };
        for root in roots {
            loader.add_root(root);
        }
        loader
    }

    /// Puts `root` on the import path (once), indexing the names it holds.
    fn add_root(&mut self, root: PathBuf) {
        if self.root_set.contains(&root) {
            return;
        }
        let index = self.roots.len();
        if let Ok(entries) = crate::inputs::read_dir(&root) {
            for name in entries {
                let Some(name) = name.to_str() else {
                    continue;
                };
                let name = name.strip_suffix(".py").unwrap_or(name);
                let holders = self.root_names.entry(name.to_string()).or_default();
                if holders.last() != Some(&index) {
                    holders.push(index);
                }
            }
        }
        self.root_set.insert(root.clone());
        self.roots.push(root);
    }

    /// `Path::is_file` (observed), asked once per path for the loader's lifetime.
    fn is_file(&self, path: &Path) -> bool {
        memoized(&self.is_file, path, |p| crate::inputs::is_file(p))
    }

    /// `Path::is_dir` (observed), asked once per path for the loader's lifetime.
    fn is_dir(&self, path: &Path) -> bool {
        memoized(&self.is_dir, path, |p| crate::inputs::is_dir(p))
    }

    /// `basedir`, with the `__init__.py` checks answered through the cache.
    fn basedir(&self, file: &Path) -> PathBuf {
        let mut dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        while self.is_file(&dir.join("__init__.py")) {
            match dir.parent() {
                Some(p) => dir = p.to_path_buf(),
                None => break,
            }
        }
        dir
    }

    /// Sets the Python environment (before any module is added), with modules parsed ahead.
    pub fn set_environment(
        &mut self,
        environment: Option<Arc<crate::plugins::Environment>>,
        preparsed: Vec<(PathBuf, FileFacts)>,
    ) {
        if let Some(env) = &environment {
            let _ = self.env.set(Some(env.python.clone()));
        }
        self.environment = environment;
        self.preparsed = preparsed.into_iter().collect();
    }

    /// Is `path` a file of the Python environment rather than of the project?
    pub fn is_environment_path(&self, path: &Path) -> bool {
        self.environment
            .as_ref()
            .is_some_and(|e| e.owns(path, &self.rootdir))
    }

    /// Reads a file the way the analysis does (through the overlay of planned edits, if any).
    pub fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        (self.reader)(path)
    }

    /// Adds an already parsed module (project files are parsed in parallel up front).
    /// Forgets the namespaces computed so far (a lookup computes them again): collection
    /// needs each test module's namespace once, and a large suite's add up to more memory
    /// than its facts.
    pub fn forget_namespaces(&mut self) {
        self.namespaces = HashMap::new();
        self.class_namespaces = HashMap::new();
    }

    /// Forgets the namespace of one module (see [`Loader::forget_namespaces`]): collection
    /// drops each test module's once the module is collected.
    pub fn forget_namespace(&mut self, module: ModuleId) {
        if let Some(Some(_)) = self.namespaces.get(&module) {
            self.namespaces.remove(&module);
        }
        // Its classes' namespaces and MROs likewise.
        let classes = self.facts(module).map_or(0, |f| f.classes.len());
        for class in (0..classes).map(|class| super::ClassRef { module, class }) {
            if let Some(Some(_)) = self.class_namespaces.get(&class) {
                self.class_namespaces.remove(&class);
            }
            self.mros.remove(&class);
        }
    }

    /// The id of the module at `path`, when it is part of the analysis.
    pub fn module_id(&self, path: &Path) -> Option<ModuleId> {
        self.by_path.get(path).copied()
    }

    /// Puts the basedir of a project file that is not loaded (yet) on the import roots, as
    /// [`Loader::add`] would: a test module a focused build only outlined still takes its
    /// place on `sys.path` (pytest's `prepend` import mode inserts it at collection).
    pub fn add_unloaded(&mut self, path: &Path) {
        if self.by_path.contains_key(path) || self.is_environment_path(path) {
            return;
        }
        let dir = self.basedir(path);
        self.add_root(dir);
    }

    pub fn add(
        &mut self,
        path: PathBuf,
        role: ModuleRole,
        facts: Option<impl Into<Box<FileFacts>>>,
    ) -> ModuleId {
        if let Some(&id) = self.by_path.get(&path) {
            if role != ModuleRole::Imported {
                self.modules[id].role = role;
            }
            return id;
        }
        let environment = self.is_environment_path(&path);
        let dir = self.basedir(&path);
        // An environment module's directory is on sys.path already; it is no import root
        // for the project.
        if !environment {
            self.add_root(dir.clone());
        }
        self.basedirs.push(dir);
        let rel = if environment && !path.starts_with(&self.rootdir) {
            path.to_string_lossy().into_owned()
        } else {
            rel_path(&self.rootdir, &path)
        };
        let id = self.modules.len();
        self.modules.push(Module {
            rel,
            path: path.clone(),
            role,
            facts: facts.map(Into::into),
            environment,
        });
        self.by_path.insert(path, id);
        id
    }

    /// The module at `path`, parsed now if it has not been yet.
    pub fn load(&mut self, path: &Path) -> ModuleId {
        if let Some(&id) = self.by_path.get(path) {
            self.imported(id);
            return id;
        }
        let (facts, problems) = match self.preparsed.remove(path) {
            Some(facts) => (Some(facts), Vec::new()),
            None => match self.prefetched.remove(path) {
                Some(done) => done,
                None => super::read_facts(
                    &self.reader,
                    self.cache.as_deref(),
                    &self.rootdir,
                    path,
                    self.options,
                ),
            },
        };
        self.problems.extend(problems);
        if let Some((line, col)) = facts.as_ref().and_then(|f| f.syntax_error) {
            if self.is_environment_path(path) {
                self.problems.push(Problem {
                    code: "FM904",
                    path: path.to_string_lossy().into_owned(),
                    line,
                    column: col,
                    message: "a module of an installed plugin does not parse (pytest cannot import it); its fixtures are taken only from the statements that parse".to_string(),
                });
            } else {
                self.problems
                    .push(Problem::syntax(&self.rootdir, path, line, col));
            }
        }
        self.add(path.to_path_buf(), ModuleRole::Imported, facts)
    }

    /// True once the module at `path` is part of the analysis.
    pub fn is_loaded(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }

    fn facts(&self, id: ModuleId) -> Option<&FileFacts> {
        self.modules[id].facts.as_deref()
    }
}

/// `ask(path)`, answered from `memo` when it was asked before.
fn memoized(
    memo: &std::sync::Mutex<HashMap<PathBuf, bool>>,
    path: &Path,
    ask: fn(&Path) -> bool,
) -> bool {
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = memo.get(path) {
        return known;
    }
    let answer = ask(path);
    memo.insert(path.to_path_buf(), answer);
    answer
}
