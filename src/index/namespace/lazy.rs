//! Lazy import values: a module namespace binds `from X import Y` to [`Value::Lazy`] instead
//! of following `Y` through `X` (and its re-exports, down to the module defining it) while the
//! namespace is built. Collection forces a lazy value only when it can matter: its name is one
//! pytest collects (`python_classes`, `python_functions`, xunit names), or following it may
//! reach a fixture or a `unittest.TestCase` subclass ([`Loader::may_matter`]). Everything else a
//! test module imports (`DataFrame`, helper functions, constants, ...) is never evaluated, so
//! the library code defining it is not parsed.
//!
//! `may_matter` follows the name through the same bindings a lookup would (every binding of the
//! name, whatever its condition, every star import, class bases for the MRO) on the *skeletons*
//! of the modules not loaded yet (`parse::parse_skeleton`: the file without function bodies,
//! which has the same module- and class-level bindings; `tests/skeleton_corpus.rs` checks it on
//! the corpora). It over-approximates: "no" is a proof that the value is neither a fixture nor
//! a class whose MRO holds a `TestCase`, "yes" only means the value is computed.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::parse::{BindingKind, FileFacts, ImportTarget};

use super::{Entry, Loader, Parsed, Value};
use crate::index::ModuleId;

/// A `from X import Y` binding not evaluated yet: its module and the binding's index there
/// (small: a test suite has one per imported name per module).
#[derive(Debug, Clone, Copy)]
pub(super) struct LazyImport {
    from: ModuleId,
    binding: usize,
}

/// What a binding can make of a name, for [`Loader::may_matter`].
#[derive(Debug)]
enum Link {
    /// A fixture.
    Hot,
    Alias(String),
    Class(usize),
    From(ImportTarget, String),
    Module(ImportTarget),
}

/// The bindings of one module as `may_matter` reads them.
#[derive(Debug, Default)]
pub(super) struct Links {
    names: HashMap<String, Vec<Link>>,
    stars: Vec<ImportTarget>,
    /// Per class: a base is `unittest.TestCase` itself; the bases as written.
    classes: Vec<(bool, Vec<String>)>,
}

impl Links {
    fn of(facts: &FileFacts) -> Links {
        let mut names: HashMap<String, Vec<Link>> = HashMap::new();
        for b in &facts.bindings {
            let link = match &b.kind {
                // Fixtures, and marks other modules apply by name (`@params`), are what lookups
                // through imports are for.
                BindingKind::Fixture(_) | BindingKind::Mark(_) => Link::Hot,
                // Functions and plain values never matter, whichever way they are reached:
                // not kept (most bindings of a test module are its test functions).
                BindingKind::Function(_) | BindingKind::Value { .. } => continue,
                BindingKind::Class(c) => Link::Class(*c),
                BindingKind::Alias(other) => Link::Alias(other.clone()),
                BindingKind::ImportFrom { target, name, .. } => {
                    Link::From(target.clone(), name.clone())
                }
                BindingKind::ImportModule { target } => Link::Module(target.clone()),
            };
            names.entry(b.name.clone()).or_default().push(link);
        }
        Links {
            names,
            stars: facts
                .star_imports
                .iter()
                .map(|s| s.target.clone())
                .collect(),
            classes: facts
                .classes
                .iter()
                .map(|c| (c.unittest_base, c.bases.clone()))
                .collect(),
        }
    }
}

impl From<crate::parse::outline_links::ModuleLinks> for Links {
    fn from(outline: crate::parse::outline_links::ModuleLinks) -> Links {
        use crate::parse::outline_links::NameLink;
        let mut names: HashMap<String, Vec<Link>> = HashMap::new();
        for (name, link) in outline.names {
            let link = match link {
                NameLink::Hot => Link::Hot,
                NameLink::Alias(other) => Link::Alias(other),
                NameLink::Class(c) => Link::Class(c),
                NameLink::From(target, imported) => Link::From(target, imported),
                NameLink::Module(target) => Link::Module(target),
            };
            names.entry(name).or_default().push(link);
        }
        Links {
            names,
            stars: outline.stars,
            classes: outline.classes,
        }
    }
}

/// A file's links made from its skeleton, or (without a skeleton) its full parse, which
/// `load` takes over.
type Made = Result<Option<Links>, Box<Parsed>>;

/// A lookup in progress: (module file, name or dotted attribute path).
type Visit = (PathBuf, String);

impl Loader {
    /// A lazy value for the `from ... import` binding `binding` of module `from`.
    pub(super) fn lazy_import(&mut self, from: ModuleId, binding: usize) -> Value {
        self.lazies.push(LazyImport { from, binding });
        Value::Lazy(self.lazies.len() - 1)
    }

    /// The module, import target and imported name of lazy value `k`.
    fn lazy_parts(&self, k: usize) -> Option<(ModuleId, ImportTarget, String)> {
        let LazyImport { from, binding } = self.lazies[k];
        match &self.facts(from)?.bindings.get(binding)?.kind {
            BindingKind::ImportFrom { target, name, .. } => {
                Some((from, target.clone(), name.clone()))
            }
            _ => None,
        }
    }

    /// The entry with its value computed: what building the namespace eagerly would have bound
    /// (the import's own uncertainty first, else the binding's).
    pub fn force(&mut self, entry: &Entry) -> Entry {
        let Value::Lazy(k) = entry.value else {
            return entry.clone();
        };
        let found = match self.lazy_forced.get(&k) {
            Some(found) => found.clone(),
            None => {
                let found = self
                    .lazy_parts(k)
                    .and_then(|(from, target, name)| self.import_name(from, &target, &name));
                self.lazy_forced.insert(k, found.clone());
                found
            }
        };
        let mut out = found.unwrap_or(Entry {
            value: Value::Other,
            uncertain: None,
        });
        if out.uncertain.is_none() {
            out.uncertain = entry.uncertain.clone();
        }
        out
    }

    /// False only when the entry's value is certainly neither a fixture nor a class whose MRO
    /// holds a `unittest.TestCase` subclass (so collection can leave it unevaluated).
    pub fn may_matter(&mut self, entry: &Entry) -> bool {
        let Value::Lazy(k) = entry.value else {
            return true;
        };
        if self.lazy_forced.contains_key(&k) {
            return true;
        }
        let Some((from, target, name)) = self.lazy_parts(k) else {
            return true;
        };
        let Some(path) = self.resolve_import(from, &target) else {
            return true;
        };
        self.chase_memoised(path, name)
    }

    /// [`Loader::chase`] of `name` in the module at `path`, memoised.
    fn chase_memoised(&mut self, path: PathBuf, name: String) -> bool {
        let key = (path, name);
        if let Some(&known) = self.may_matter_memo.get(&key) {
            return known;
        }
        let mut visited = HashSet::new();
        let answer = self.chase(&key.0, &key.1, &mut visited);
        self.may_matter_memo.insert(key, answer);
        answer
    }

    /// [`Loader::may_matter`] for the binding `from target import name` of the file at `path`,
    /// which is not loaded (a test module a focused build only outlined), except that an
    /// import that does not resolve is `false`: forcing it binds the name to nothing fixmig
    /// follows (`Value::Other`), which can bring nothing in.
    pub fn import_may_matter(&mut self, path: &Path, target: &ImportTarget, name: &str) -> bool {
        let Some(resolved) = self.resolve_from_path(path, target) else {
            return false;
        };
        self.chase_memoised(resolved, name.to_string())
    }

    /// Can the class `class` of the module at `path` have a `TestCase` in its MRO?
    pub fn class_may_be_testcase(&mut self, path: &Path, class: usize) -> bool {
        let mut visited = HashSet::new();
        self.chase_class(path, class, &mut visited)
    }

    /// Can `name`, looked up in the module at `path`, be a fixture or a class with a
    /// `TestCase` in its MRO?
    fn chase(&mut self, path: &Path, name: &str, visited: &mut HashSet<Visit>) -> bool {
        if !visited.insert((path.to_path_buf(), name.to_string())) {
            return false;
        }
        let Some(links) = self.links(path) else {
            return false;
        };
        for link in links.names.get(name).into_iter().flatten() {
            let hot = match link {
                Link::Hot => true,
                Link::Module(_) => false,
                Link::Alias(other) => self.chase(path, other, visited),
                Link::Class(c) => self.chase_class(path, *c, visited),
                Link::From(target, imported) => match self.resolve_from_path(path, target) {
                    Some(p) => self.chase(&p, imported, visited),
                    // Unresolved: `Value::Other`; or a submodule: `Value::Module`.
                    None => false,
                },
            };
            if hot {
                return true;
            }
        }
        for target in &links.stars {
            if let Some(p) = self.resolve_from_path(path, target) {
                if self.chase(&p, name, visited) {
                    return true;
                }
            }
        }
        false
    }

    fn chase_class(&mut self, path: &Path, class: usize, visited: &mut HashSet<Visit>) -> bool {
        let Some(links) = self.links(path) else {
            return false;
        };
        let Some((unittest, bases)) = links.classes.get(class) else {
            return false;
        };
        if *unittest {
            return true;
        }
        for base in bases {
            let parts: Vec<&str> = base.split('.').collect();
            let hot = match parts.as_slice() {
                [one] => self.chase(path, one, visited),
                _ => self.chase_attribute(path, &parts, visited),
            };
            if hot {
                return true;
            }
        }
        false
    }

    /// `a.b.C` looked up in the module at `path` as `bases` does: each part but the last must
    /// be a module (`Value::Module`: an `import`, or `from pkg import submodule`), the next part
    /// is looked up in it.
    fn chase_attribute(
        &mut self,
        path: &Path,
        parts: &[&str],
        visited: &mut HashSet<Visit>,
    ) -> bool {
        if parts.len() == 1 {
            return self.chase(path, parts[0], visited);
        }
        if !visited.insert((path.to_path_buf(), parts.join("."))) {
            return false;
        }
        let Some(links) = self.links(path) else {
            return false;
        };
        let rest = &parts[1..];
        for link in links.names.get(parts[0]).into_iter().flatten() {
            let hot = match link {
                // Attribute lookup goes on only through modules.
                Link::Hot | Link::Class(_) => false,
                Link::Alias(other) => {
                    let mut aliased = vec![other.as_str()];
                    aliased.extend_from_slice(rest);
                    self.chase_attribute(path, &aliased, visited)
                }
                Link::Module(target) => match self.resolve_from_path(path, target) {
                    Some(p) => self.chase_attribute(&p, rest, visited),
                    None => false,
                },
                Link::From(target, imported) => match self.resolve_from_path(path, target) {
                    Some(p) => {
                        // The name as bound in `p`, or else the submodule of that name.
                        let mut inner = vec![imported.as_str()];
                        inner.extend_from_slice(rest);
                        self.chase_attribute(&p, &inner, visited)
                            || self
                                .submodule(&p, imported)
                                .is_some_and(|sub| self.chase_attribute(&sub, rest, visited))
                    }
                    None => false,
                },
            };
            if hot {
                return true;
            }
        }
        for target in &links.stars {
            if let Some(p) = self.resolve_from_path(path, target) {
                if self.chase_attribute(&p, parts, visited) {
                    return true;
                }
            }
        }
        false
    }

    /// The file of submodule `name` of the package whose `__init__.py` is `init`.
    fn submodule(&self, init: &Path, name: &str) -> Option<PathBuf> {
        if init.file_name().is_none_or(|n| n != "__init__.py") {
            return None;
        }
        let dir = init.parent()?;
        let file = dir.join(format!("{name}.py"));
        if self.is_file(&file) {
            return Some(file);
        }
        let package = dir.join(name).join("__init__.py");
        self.is_file(&package).then_some(package)
    }

    /// `resolve_import` for a file that may not be loaded.
    fn resolve_from_path(&self, path: &Path, target: &ImportTarget) -> Option<PathBuf> {
        if let Some(&id) = self.by_path.get(path) {
            return self.resolve_import(id, target);
        }
        let own = self.basedir(path);
        let environment = self.is_environment_path(path);
        self.resolve_import_at(path, &own, environment, target)
    }

    /// The bindings of the module at `path`: from its facts when it is loaded or parsed ahead,
    /// else from its skeleton (a file without one is parsed in full, and kept for `load`).
    /// `None` for a file that cannot be read as Python (a lookup there finds nothing).
    fn links(&mut self, path: &Path) -> Option<Arc<Links>> {
        if let Some(known) = self.links.get(path) {
            return known.clone();
        }
        let links = match self.known_facts(path) {
            Some(facts) => facts.map(Links::of),
            None => {
                let made = self.made_links(path);
                self.take_made(path, made)
            }
        };
        let links = links.map(Arc::new);
        self.links.insert(path.to_path_buf(), links.clone());
        links
    }

    /// The facts of a file already parsed (loaded, parsed ahead, or a plugin module): `None`
    /// when it is none of these, `Some(None)` when it could not be read as Python.
    fn known_facts(&self, path: &Path) -> Option<Option<&FileFacts>> {
        if let Some(&id) = self.by_path.get(path) {
            return Some(self.modules[id].facts.as_deref());
        }
        if let Some((facts, _)) = self.prefetched.get(path) {
            return Some(facts.as_ref());
        }
        self.preparsed.get(path).map(Some)
    }

    /// The links of a file not parsed yet, from its skeleton, else from a full parse (returned
    /// for `load` to take over). Needs only shared access: runs in parallel.
    fn made_links(&self, path: &Path) -> Made {
        let bytes = self.read(path).ok();
        // A skeleton the cache holds; else the links read without a parse; else the skeleton.
        let known = bytes
            .as_deref()
            .zip(self.cache.as_deref())
            .and_then(|(bytes, cache)| cache.known_skeleton(bytes));
        if known.is_none() {
            if let Some(links) = bytes
                .as_deref()
                .and_then(|bytes| match self.cache.as_deref() {
                    Some(cache) => cache.module_links(bytes),
                    None => crate::parse::outline_links::links(bytes),
                })
            {
                return Ok(Some(Links::from(links)));
            }
        }
        let skeleton = known.or_else(|| {
            bytes.and_then(|bytes| match &self.cache {
                Some(cache) => cache.skeleton(&bytes, self.options),
                None => crate::parse::parse_skeleton(&bytes, self.options),
            })
        });
        match skeleton {
            Some(facts) => Ok(Some(Links::of(&facts))),
            None => Err(Box::new(crate::index::read_facts(
                &self.reader,
                self.cache.as_deref(),
                &self.rootdir,
                path,
                self.options,
            ))),
        }
    }

    fn take_made(&mut self, path: &Path, made: Made) -> Option<Links> {
        match made {
            Ok(links) => links,
            Err(parsed) => {
                let links = parsed.0.as_ref().map(Links::of);
                self.prefetched.insert(path.to_path_buf(), *parsed);
                links
            }
        }
    }

    /// Makes, in parallel and ahead of collection, the links `may_matter` will follow from the
    /// imports of `start` that collection leaves lazy (names `collected` rejects), wave by wave
    /// along the same bindings the chase follows. Only a hint: `links` makes whatever is missed.
    pub fn prefetch_links(&mut self, start: &[ModuleId], collected: &dyn Fn(&str) -> bool) {
        // Seeded from the facts of `start` directly (the links of every project module would
        // be memory for nothing): the targets of lazy imports, and of the imports naming the
        // bases of classes collection does not collect by name.
        let mut frontier: Vec<(PathBuf, Vec<String>)> = Vec::new();
        for &id in start {
            let Some(facts) = self.modules[id].facts.as_ref() else {
                continue;
            };
            let mut bases: Vec<&str> = Vec::new();
            for b in facts.bindings.iter().filter(|b| !collected(&b.name)) {
                if let BindingKind::Class(c) = b.kind {
                    bases.extend(facts.classes[c].bases.iter().map(|b| b.as_str()));
                }
            }
            for b in &facts.bindings {
                let lazy = !collected(&b.name);
                let base = bases
                    .iter()
                    .find(|base| base.split('.').next() == Some(b.name.as_str()));
                match &b.kind {
                    BindingKind::ImportFrom { target, name, .. } if lazy || base.is_some() => {
                        if let Some(p) = self.resolve_import(id, target) {
                            let mut parts = vec![name.clone()];
                            parts.extend(
                                base.into_iter()
                                    .flat_map(|b| b.split('.').skip(1))
                                    .map(str::to_string),
                            );
                            frontier.push((p, parts));
                        }
                    }
                    BindingKind::ImportModule { target } => {
                        if let (Some(base), Some(p)) = (base, self.resolve_import(id, target)) {
                            let rest: Vec<String> =
                                base.split('.').skip(1).map(str::to_string).collect();
                            if !rest.is_empty() {
                                frontier.push((p, rest));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        self.prefetch_chases(frontier);
    }

    /// [`Loader::prefetch_links`] for the `from target import name` bindings of files that are
    /// not loaded (`imports`: the file, the target and the name).
    pub fn prefetch_import_links<'i>(
        &mut self,
        imports: impl IntoIterator<Item = (&'i Path, &'i ImportTarget, &'i str)>,
    ) {
        let frontier = imports
            .into_iter()
            .filter_map(|(path, target, name)| {
                let p = self.resolve_from_path(path, target)?;
                Some((p, vec![name.to_string()]))
            })
            .collect();
        self.prefetch_chases(frontier);
    }

    /// Makes the links of the chases starting at `frontier` (a module and a name or dotted
    /// attribute path in it), wave by wave, each wave in parallel.
    fn prefetch_chases(&mut self, mut frontier: Vec<(PathBuf, Vec<String>)>) {
        let mut seen: HashSet<(PathBuf, Vec<String>)> = HashSet::new();
        while !frontier.is_empty() {
            let mut todo: Vec<PathBuf> = frontier
                .iter()
                .map(|(p, _)| p.clone())
                .filter(|p| !self.links.contains_key(p) && self.known_facts(p).is_none())
                .collect();
            todo.sort_unstable();
            todo.dedup();
            let made: Vec<(PathBuf, Made)> = {
                use rayon::prelude::*;
                let this = &*self;
                todo.into_par_iter()
                    .map(|p| {
                        let made = this.made_links(&p);
                        (p, made)
                    })
                    .collect()
            };
            for (path, made) in made {
                let links = self.take_made(&path, made).map(Arc::new);
                self.links.insert(path, links);
            }
            let mut next = Vec::new();
            for (path, parts) in std::mem::take(&mut frontier) {
                if seen.contains(&(path.clone(), parts.clone())) {
                    continue;
                }
                self.expand(&path, &parts, &mut next);
                seen.insert((path, parts));
            }
            frontier = next;
        }
    }

    /// What following `parts` (a name, or a dotted attribute path) in the module at `path`
    /// looks up next, as `chase` and `chase_attribute` do.
    fn expand(&mut self, path: &Path, parts: &[String], out: &mut Vec<(PathBuf, Vec<String>)>) {
        let Some(links) = self.links(path) else {
            return;
        };
        let (first, rest) = (&parts[0], &parts[1..]);
        let with = |head: &str| {
            let mut v = vec![head.to_string()];
            v.extend_from_slice(rest);
            v
        };
        for link in links.names.get(first).into_iter().flatten() {
            match link {
                Link::Hot => {}
                Link::Alias(other) => out.push((path.to_path_buf(), with(other))),
                Link::Class(c) if rest.is_empty() => {
                    for base in links.classes.get(*c).map(|c| &c.1).into_iter().flatten() {
                        out.push((
                            path.to_path_buf(),
                            base.split('.').map(str::to_string).collect(),
                        ));
                    }
                }
                Link::Class(_) => {}
                Link::Module(target) if !rest.is_empty() => {
                    if let Some(p) = self.resolve_from_path(path, target) {
                        out.push((p, rest.to_vec()));
                    }
                }
                Link::Module(_) => {}
                Link::From(target, imported) => {
                    if let Some(p) = self.resolve_from_path(path, target) {
                        if !rest.is_empty() {
                            if let Some(sub) = self.submodule(&p, imported) {
                                out.push((sub, rest.to_vec()));
                            }
                        }
                        out.push((p, with(imported)));
                    }
                }
            }
        }
        for target in &links.stars {
            if let Some(p) = self.resolve_from_path(path, target) {
                out.push((p, parts.to_vec()));
            }
        }
    }
}
