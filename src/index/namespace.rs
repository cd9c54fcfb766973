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
mod imports;
mod lazy;

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
    pub fn add(&mut self, path: PathBuf, role: ModuleRole, facts: Option<FileFacts>) -> ModuleId {
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
            facts,
            environment,
        });
        self.by_path.insert(path, id);
        id
    }

    /// The module at `path`, parsed now if it has not been yet.
    pub fn load(&mut self, path: &Path) -> ModuleId {
        if let Some(&id) = self.by_path.get(path) {
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

    /// Parses in parallel, ahead of time, the modules that building the namespaces of `start`
    /// will look into: the targets of their `from ... import`s, star imports and
    /// `pytest_plugins`, then, wave by wave, what the names looked up there are bound to
    /// (re-exports, aliases, the bases of classes). Only a hint: [`Loader::load`] takes over
    /// the results when a lookup asks for a module, and parses anything missed. In the
    /// namespaces of `start`, only the names `collected` accepts are followed (the names
    /// collection evaluates whatever they are bound to; other imports stay lazy).
    pub fn prefetch(&mut self, start: &[ModuleId], collected: &dyn Fn(&str) -> bool) {
        let mut seen: std::collections::HashSet<(PathBuf, Demand)> = Default::default();
        let mut frontier: Vec<(PathBuf, Demand)> = start
            .iter()
            .map(|&id| (self.modules[id].path.clone(), Demand::All))
            .collect();
        while !frontier.is_empty() {
            let mut todo: Vec<&PathBuf> = frontier
                .iter()
                .map(|(p, _)| p)
                .filter(|p| !self.by_path.contains_key(*p) && !self.prefetched.contains_key(*p))
                .collect();
            todo.sort_unstable();
            todo.dedup();
            let parsed: Vec<(PathBuf, Parsed)> = {
                use rayon::prelude::*;
                let (reader, cache, root, options) = (
                    &self.reader,
                    self.cache.as_deref(),
                    &self.rootdir,
                    self.options,
                );
                todo.par_iter()
                    .map(|p| {
                        let done = super::read_facts(reader, cache, root, p, options);
                        ((*p).clone(), done)
                    })
                    .collect()
            };
            self.prefetched.extend(parsed);
            let mut next = Vec::new();
            for (path, demand) in std::mem::take(&mut frontier) {
                if seen.contains(&(path.clone(), demand.clone())) {
                    continue;
                }
                self.demands_of(&path, &demand, collected, &mut next);
                seen.insert((path, demand));
            }
            frontier = next;
        }
    }

    /// What looking up `demand` in the module at `path` will look up next.
    fn demands_of(
        &self,
        path: &Path,
        demand: &Demand,
        collected: &dyn Fn(&str) -> bool,
        out: &mut Vec<(PathBuf, Demand)>,
    ) {
        let facts = match self.by_path.get(path) {
            Some(&id) => self.modules[id].facts.as_ref(),
            None => self.prefetched.get(path).and_then(|(f, _)| f.as_ref()),
        };
        let Some(facts) = facts else {
            return;
        };
        let own = self.basedir(path);
        let environment = self.is_environment_path(path);
        let mut want = |target: &ImportTarget, d: Demand| {
            if let Some(p) = self.resolve_import_at(path, &own, environment, target) {
                out.push((p, d));
            }
        };
        let wanted = |name: &str| match demand {
            Demand::All => collected(name),
            Demand::Name(n) => n == name,
        };
        let mut local = Vec::new();
        for binding in facts.bindings.iter().filter(|b| wanted(&b.name)) {
            match &binding.kind {
                BindingKind::ImportFrom { target, name, .. } => {
                    want(target, Demand::Name(name.clone()))
                }
                BindingKind::Alias(other) => local.push(other.clone()),
                BindingKind::Class(c) => {
                    for base in &facts.classes[*c].bases {
                        local.extend(base.split('.').next().map(str::to_string));
                    }
                }
                _ => {}
            }
        }
        for star in &facts.star_imports {
            want(&star.target, demand.clone());
        }
        if *demand == Demand::All {
            for plugin in &facts.pytest_plugins {
                let target = ImportTarget {
                    level: 0,
                    module: plugin.text.clone(),
                };
                want(&target, Demand::All);
            }
        }
        out.extend(
            local
                .into_iter()
                .map(|n| (path.to_path_buf(), Demand::Name(n))),
        );
    }

    /// How many modules [`Loader::prefetch`] parsed that no lookup has taken yet.
    pub fn prefetched_count(&self) -> usize {
        self.prefetched.len()
    }

    /// True once the module at `path` is part of the analysis.
    pub fn is_loaded(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }

    fn facts(&self, id: ModuleId) -> Option<&FileFacts> {
        self.modules[id].facts.as_ref()
    }

    /// The namespace of a module (empty for a module that could not be parsed; a cycle of
    /// imports sees the partial namespace as Python would see a partially initialised module).
    pub fn namespace(&mut self, id: ModuleId) -> Arc<Namespace> {
        match self.namespaces.get(&id) {
            Some(Some(ns)) => return ns.clone(),
            Some(None) => return Arc::new(Namespace::default()),
            None => {}
        }
        self.namespaces.insert(id, None);
        let ns = Arc::new(self.build_module_namespace(id));
        self.namespaces.insert(id, Some(ns.clone()));
        ns
    }

    fn build_module_namespace(&mut self, id: ModuleId) -> Namespace {
        let mut ns = Namespace::default();
        let Some((bindings, star_imports)) = self.modules[id].facts.as_ref().map(|f| {
            (
                f.bindings.iter().map(light).collect::<Vec<_>>(),
                f.star_imports.clone(),
            )
        }) else {
            return ns;
        };
        let mut stars = star_imports.iter().peekable();
        for (i, (name, conditions, kind)) in bindings.iter().enumerate() {
            while let Some(star) = stars.next_if(|s| s.position <= i) {
                self.apply_star(id, &mut ns, star);
            }
            let Some(uncertain) = self.decide(id, conditions) else {
                continue;
            };
            let value = match kind {
                Light::ImportFrom(target, _) if self.resolve_import(id, target).is_some() => {
                    Some(Entry {
                        value: self.lazy_import(id, i),
                        uncertain: None,
                    })
                }
                _ => self.binding_value(id, None, i, kind, &ns),
            };
            bind(&mut ns, name, value, uncertain);
        }
        for star in stars {
            self.apply_star(id, &mut ns, star);
        }
        ns
    }

    /// The value `name` has at the end of module `id`, evaluating only the statements that can
    /// bind it (so `from big_module import X` does not evaluate all of `big_module`).
    pub fn lookup_name(&mut self, id: ModuleId, name: &str) -> Option<Entry> {
        if let Some(Some(ns)) = self.namespaces.get(&id) {
            let found = ns.get(name).cloned();
            return found.map(|e| self.force(&e));
        }
        let key = (id, name.to_string());
        match self.lookups.get(&key) {
            Some(Some(found)) => return found.clone(),
            Some(None) => return None,
            None => {}
        }
        self.lookups.insert(key.clone(), None);
        let found = self.lookup_uncached(id, name);
        self.lookups.insert(key, Some(found.clone()));
        found
    }

    fn lookup_uncached(&mut self, id: ModuleId, name: &str) -> Option<Entry> {
        let facts = self.facts(id)?;
        // Statements that may bind `name`, latest first: (position, binding index or star).
        let mut events: Vec<(usize, u8, usize)> = facts
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.name == name)
            .map(|(i, _)| (i, 1, i))
            .chain(
                facts
                    .star_imports
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (s.position, 0, k)),
            )
            .collect();
        events.sort_unstable_by(|a, b| b.cmp(a));
        for (_, kind, i) in events {
            let facts = self.facts(id)?;
            if kind == 1 {
                let (_, conditions, kind) = light(&facts.bindings[i]);
                let Some(uncertain) = self.decide(id, &conditions) else {
                    continue;
                };
                let value = match &kind {
                    Light::Alias(other) => self.lookup_name(id, other),
                    kind => self.binding_value(id, None, i, kind, &Namespace::default()),
                };
                return value.map(|mut e| {
                    if e.uncertain.is_none() {
                        e.uncertain = uncertain;
                    }
                    e
                });
            }
            let star = facts.star_imports[i].clone();
            let Some(uncertain) = self.decide(id, &star.conditions) else {
                continue;
            };
            let Some(path) = self.resolve_import(id, &star.target) else {
                continue;
            };
            let other = self.load(&path);
            let public = match self.facts(other).and_then(|f| f.dunder_all.as_ref()) {
                Some(all) => all.iter().any(|a| a.text == name),
                None => !name.starts_with('_'),
            };
            if !public {
                continue;
            }
            if let Some(mut e) = self.lookup_name(other, name) {
                if e.uncertain.is_none() {
                    e.uncertain = uncertain;
                }
                return Some(e);
            }
        }
        None
    }

    fn apply_star(&mut self, id: ModuleId, ns: &mut Namespace, star: &parse::StarImport) {
        let Some(uncertain) = self.decide(id, &star.conditions) else {
            return;
        };
        let Some(path) = self.resolve_import(id, &star.target) else {
            return;
        };
        let other = self.load(&path);
        let other_ns = self.namespace(other);
        let all = self.facts(other).and_then(|f| f.dunder_all.clone());
        for (name, entry) in other_ns.in_order() {
            let public = match &all {
                Some(all) => all.iter().any(|a| a.text == name),
                None => !name.starts_with('_'),
            };
            if public {
                let mut entry = entry.clone();
                if entry.uncertain.is_none() {
                    entry.uncertain = uncertain.clone();
                }
                ns.insert(name, entry);
            }
        }
    }

    fn binding_value(
        &mut self,
        module: ModuleId,
        class: Option<usize>,
        index: usize,
        kind: &Light,
        ns: &Namespace,
    ) -> Option<Entry> {
        let code = CodeRef {
            module,
            class,
            binding: index,
        };
        let value = match kind {
            Light::Fixture => Value::Fixture(code),
            Light::Function => Value::Function(code),
            Light::Class(c) => Value::Class(ClassRef { module, class: *c }),
            Light::Alias(other) => return ns.get(other).cloned(),
            Light::Mark => Value::Mark(code),
            Light::Other => Value::Other,
            Light::ImportModule(target) => match self.resolve_import(module, target) {
                Some(path) => Value::Module(path),
                None => Value::Other,
            },
            Light::ImportFrom(target, name) => {
                return self.import_name(module, target, name);
            }
        };
        Some(Entry {
            value,
            uncertain: None,
        })
    }

    fn import_name(&mut self, from: ModuleId, target: &ImportTarget, name: &str) -> Option<Entry> {
        let Some(path) = self.resolve_import(from, target) else {
            return Some(Entry {
                value: Value::Other,
                uncertain: None,
            });
        };
        let other = self.load(&path);
        if let Some(entry) = self.lookup_name(other, name) {
            return Some(entry);
        }
        // `from pkg import submodule`
        let sub = ImportTarget {
            level: 0,
            module: name.to_string(),
        };
        let dir = path.parent()?;
        let sub_path = if path.file_name().is_some_and(|n| n == "__init__.py") {
            let file = dir.join(format!("{}.py", sub.module));
            let init = dir.join(&sub.module).join("__init__.py");
            if self.is_file(&file) {
                Some(file)
            } else {
                self.is_file(&init).then_some(init)
            }
        } else {
            None
        };
        Some(Entry {
            value: match sub_path {
                Some(p) => Value::Module(p),
                None => Value::Other,
            },
            uncertain: None,
        })
    }
}

fn bind(ns: &mut Namespace, name: &str, value: Option<Entry>, uncertain: Option<Uncertainty>) {
    match value {
        Some(mut entry) => {
            if entry.uncertain.is_none() {
                entry.uncertain = uncertain;
            }
            ns.insert(name, entry);
        }
        // An alias of a name that does not exist: rebinding fails at run time; treat the name
        // as gone.
        None => ns.remove(name),
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
