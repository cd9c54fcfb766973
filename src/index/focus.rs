//! A focused index, for migrations of a few fixture names: which test modules can change how
//! requests of those names resolve, and so must be collected. The others are parsed (their
//! facts say whether they matter) but contribute no nodes or test items; a plan then decides
//! the requests their tests could make as a test in their directory would (see
//! `plan::rename`), and refuses nothing it would not refuse with them collected.
//!
//! A test module *mentions* the names when its bytes hold one of them. One that does not can
//! still matter only through what its namespace brings in from elsewhere, which is what
//! [`Index::may_matter_to`] follows: star imports and `pytest_plugins` (always kept), marks
//! applied by reference (`@uses_frame`, kept when the module binding the mark mentions a
//! name), imported fixtures (kept when defined in a module that mentions a name: they are
//! resolved where this module's tests are), imported test functions and classes (always kept),
//! and the classes of its MRO defined in other modules (kept when such a module mentions a
//! name, imports into a class body, or applies marks by reference). Everything else a module
//! holds is its own code, which cannot request the names.

use foldhash::{HashMap, HashMapExt};

use super::collect::mark_ref;
use super::namespace::{ClassRef, Value};
use super::{Index, ModuleId};
use crate::parse::outline::Outline;
use crate::parse::{BindingKind, ClassDef, FileFacts, Mark};

/// Whether modules' bytes hold one of the names, memoised.
pub(super) struct Mentions {
    finders: Vec<memchr::memmem::Finder<'static>>,
    memo: HashMap<ModuleId, bool>,
}

impl Mentions {
    pub(super) fn new(names: &[String]) -> Mentions {
        Mentions {
            finders: names
                .iter()
                .map(|n| memchr::memmem::Finder::new(n.as_bytes()).into_owned())
                .collect(),
            memo: HashMap::new(),
        }
    }

    /// Whether `bytes` hold one of the names.
    pub(super) fn in_bytes(&self, bytes: &[u8]) -> bool {
        self.finders.iter().any(|f| f.find(bytes).is_some())
    }

    /// Records what the caller found in a module's bytes.
    pub(super) fn note(&mut self, module: ModuleId, mentions: bool) {
        self.memo.insert(module, mentions);
    }

    /// What [`Mentions::note`] recorded for a module (false when nothing was).
    pub(super) fn noted(&self, module: ModuleId) -> bool {
        self.memo.get(&module).copied().unwrap_or(false)
    }

    /// Whether the module's bytes hold one of the names (an unreadable module holds none).
    fn module(&mut self, index: &Index, module: ModuleId) -> bool {
        if let Some(&known) = self.memo.get(&module) {
            return known;
        }
        let bytes = index
            .loader
            .read(&index.loader.modules[module].path)
            .unwrap_or_default();
        let answer = self.in_bytes(&bytes);
        self.memo.insert(module, answer);
        answer
    }
}

/// Every mark written by reference in a class: its own marks and its functions'.
fn class_refs(class: &ClassDef) -> Vec<String> {
    let mut marks: Vec<&Mark> = class
        .pytestmark
        .iter()
        .chain(&class.decorator_marks)
        .collect();
    for b in &class.bindings {
        marks.extend(function_marks(&b.kind));
    }
    refs(marks)
}

fn function_marks(kind: &BindingKind) -> &[Mark] {
    match kind {
        BindingKind::Fixture(f) => &f.function.marks,
        BindingKind::Function(f) => &f.marks,
        _ => &[],
    }
}

fn refs<'a>(marks: impl IntoIterator<Item = &'a Mark>) -> Vec<String> {
    marks
        .into_iter()
        .filter_map(|m| match m {
            Mark::Ref(dotted) => Some(dotted.clone()),
            _ => None,
        })
        .collect()
}

/// Every mark written by reference in a module, at module level and in its classes.
fn module_refs(facts: &FileFacts) -> Vec<String> {
    let mut out = refs(&facts.pytestmark);
    for b in &facts.bindings {
        out.extend(refs(function_marks(&b.kind)));
    }
    for class in &facts.classes {
        out.extend(class_refs(class));
    }
    out
}

impl Index {
    /// Whether collecting the test module `module`, whose bytes do not hold the names, can
    /// change a plan for them (see the module documentation). `collected` says which names
    /// pytest collects as tests.
    pub(super) fn may_matter_to(
        &mut self,
        module: ModuleId,
        mentions: &mut Mentions,
        collected: &dyn Fn(&str) -> bool,
    ) -> bool {
        let Some(facts) = self.loader.modules[module].facts.clone() else {
            return false;
        };
        if !facts.star_imports.is_empty() || !facts.pytest_plugins.is_empty() {
            return true;
        }
        if self.refs_mention(module, &module_refs(&facts), mentions) {
            return true;
        }
        let ns = self.loader.namespace(module);
        for (name, entry) in ns.in_order() {
            let value = match entry.value {
                Value::Lazy(_) => {
                    if !collected(name) && !self.loader.may_matter(entry) {
                        continue;
                    }
                    self.loader.force(entry).value
                }
                _ => entry.value.clone(),
            };
            let elsewhere = match &value {
                Value::Fixture(code) => code.module != module && mentions.module(self, code.module),
                Value::Function(code) => code.module != module && collected(name),
                Value::Class(class) => class.module != module,
                Value::Module(_) | Value::Mark(_) | Value::Other | Value::Lazy(_) => false,
            };
            if elsewhere {
                return true;
            }
        }
        for (i, class) in facts.classes.iter().enumerate() {
            let imports_into_body = class
                .bindings
                .iter()
                .any(|b| matches!(b.kind, BindingKind::ImportFrom { .. }));
            if imports_into_body {
                return true;
            }
            // Only a class pytest may collect (by its name, or as a `TestCase`) registers what
            // its MRO defines; the proof that a class cannot be a `TestCase` loads no module.
            let path = self.loader.modules[module].path.clone();
            if !collected(&class.name.text) && !self.loader.class_may_be_testcase(&path, i) {
                continue;
            }
            let mro = self.loader.mro(ClassRef { module, class: i });
            for base in mro.into_iter().filter(|c| c.module != module) {
                if self.base_may_matter(base, mentions) {
                    return true;
                }
            }
        }
        false
    }

    /// [`Index::may_matter_to`] for a test module that was only outlined (its bytes do not hold
    /// the names): `false` only when its outline proves the module's namespace cannot bring
    /// them in; `true` when the module has to be parsed and asked again. Every from-import is
    /// chased like a lazy import; every other reference that could lead elsewhere (a bare
    /// decorator, a `pytestmark` name, an alias, a class base) counts when its first name is
    /// imported — `pytest` of `import pytest` aside, which holds no project code.
    pub(super) fn outline_may_matter(
        &mut self,
        path: &std::path::Path,
        outline: &Outline,
        collected: &dyn Fn(&str) -> bool,
    ) -> bool {
        if outline.class_imports {
            return true;
        }
        let plain_pytest = outline.module_imports.iter().any(|m| m == "pytest")
            && !outline.from_imports.iter().any(|f| f.bound == "pytest");
        let imported_root = outline
            .roots
            .iter()
            .any(|root| outline.imported(root) && !(root == "pytest" && plain_pytest));
        if imported_root {
            return true;
        }
        outline.from_imports.iter().any(|f| {
            let future = f.target.level == 0 && f.target.module == "__future__";
            !future
                && (collected(&f.bound) || self.loader.import_may_matter(path, &f.target, &f.name))
        })
    }

    /// Parses ahead, in parallel, the modules [`Index::may_matter_to`] will load to follow the
    /// test modules of `order` it is asked about: where the from-imports it forces lead (only
    /// a hint: a module it does not ask for is parsed for nothing, one missed is parsed when
    /// asked for).
    fn prefetch_for_may_matter(
        &mut self,
        order: &[(ModuleId, crate::discover::FileKind)],
        mentions: &Mentions,
        collected: &dyn Fn(&str) -> bool,
    ) {
        let mut imports = Vec::new();
        for &(id, kind) in order {
            if kind == crate::discover::FileKind::Conftest || mentions.noted(id) {
                continue;
            }
            let module = &self.loader.modules[id];
            let Some(facts) = module.facts.as_ref() else {
                continue;
            };
            if !facts.star_imports.is_empty() || !facts.pytest_plugins.is_empty() {
                continue;
            }
            let path = module.path.clone();
            let from_imports: Vec<_> = facts
                .bindings
                .iter()
                .filter_map(|b| match &b.kind {
                    BindingKind::ImportFrom { target, name, .. } => {
                        Some((b.name.clone(), target.clone(), name.clone()))
                    }
                    _ => None,
                })
                .collect();
            // Class bases written through an imported module (`base.BaseTests`): the MRO
            // looks the rest up in that module.
            let dotted_bases: Vec<(String, String)> = facts
                .classes
                .iter()
                .flat_map(|c| &c.bases)
                .filter_map(|b| {
                    let mut parts = b.split('.');
                    Some((parts.next()?.to_string(), parts.next()?.to_string()))
                })
                .collect();
            for (bound, target, name) in from_imports {
                let Some(resolved) = self.loader.resolve_import(id, &target) else {
                    continue;
                };
                for (_, attribute) in dotted_bases.iter().filter(|(root, _)| *root == bound) {
                    let submodule = crate::parse::ImportTarget {
                        level: target.level,
                        module: match target.module.is_empty() {
                            true => name.clone(),
                            false => format!("{}.{name}", target.module),
                        },
                    };
                    if let Some(p) = self.loader.resolve_import(id, &submodule) {
                        imports.push((p, attribute.clone()));
                    }
                }
                if collected(&bound) || self.loader.import_may_matter(&path, &target, &name) {
                    imports.push((resolved, name));
                }
            }
        }
        self.loader.prefetch_names(imports, collected);
    }

    /// Whether a class of another module in a test class's MRO can bring the names in.
    fn base_may_matter(&mut self, base: ClassRef, mentions: &mut Mentions) -> bool {
        if mentions.module(self, base.module) {
            return true;
        }
        let Some(def) = self.loader.modules[base.module]
            .facts
            .as_ref()
            .and_then(|f| f.classes.get(base.class))
            .cloned()
        else {
            return false;
        };
        let imports_into_body = def.bindings.iter().any(|b| {
            matches!(
                b.kind,
                BindingKind::ImportFrom { .. } | BindingKind::Alias(_)
            )
        });
        imports_into_body || self.refs_mention(base.module, &class_refs(&def), mentions)
    }

    /// Whether one of the marks written by reference in `module` is bound in a module that
    /// mentions the names.
    fn refs_mention(&mut self, module: ModuleId, refs: &[String], mentions: &mut Mentions) -> bool {
        refs.iter().any(|dotted| {
            mark_ref(self, module, dotted)
                .is_some_and(|(bound_in, _)| bound_in != module && mentions.module(self, bound_in))
        })
    }
}

impl Index {
    /// The focus step of a focused build: which of the project's test modules (`files`, in
    /// order; `None` for a module only outlined, the next of `outlines`) are collected. The
    /// others go to [`Index::left_out`]. An outlined module whose outline cannot prove it
    /// irrelevant is parsed (all of them in parallel) and asked like the others.
    pub(super) fn focus(
        &mut self,
        project: &crate::discover::Project,
        files: Vec<(Option<ModuleId>, crate::discover::FileKind)>,
        outlines: Vec<(std::path::PathBuf, std::sync::Arc<Outline>)>,
        mentions: &mut Mentions,
        collected: &dyn Fn(&str) -> bool,
        options: crate::parse::ParseOptions,
    ) -> Vec<(ModuleId, crate::discover::FileKind)> {
        use rayon::prelude::*;
        let to_parse: Vec<bool> = outlines
            .iter()
            .map(|(path, outline)| self.outline_may_matter(path, outline, collected))
            .collect();
        if crate::timing() {
            let parsed = to_parse.iter().filter(|p| **p).count();
            crate::phase_timing(&format!(
                "outlines decided ({parsed} of {} to be parsed)",
                outlines.len()
            ));
        }
        let cache = self.loader.cache.clone();
        let loader = &self.loader;
        let parsed: Vec<Option<(Option<FileFacts>, Vec<super::Problem>)>> = outlines
            .par_iter()
            .zip(&to_parse)
            .map(|((path, _), parse)| {
                parse.then(|| {
                    super::build::read_facts_of_test_module(
                        loader,
                        cache.as_deref(),
                        &project.rootdir,
                        path,
                        options,
                    )
                })
            })
            .collect();
        let mut outlined = outlines.into_iter().zip(parsed);
        let mut order = Vec::with_capacity(files.len());
        let mut parsed_ids = Vec::new();
        for (id, kind) in files {
            let id = match id {
                Some(id) => Some(id),
                None => {
                    let ((path, _), parsed) = outlined.next().expect("one outline per module");
                    match parsed {
                        None => {
                            self.left_out
                                .push(crate::discover::rel_path(&project.rootdir, &path));
                            None
                        }
                        Some((facts, problems)) => {
                            self.loader.problems.extend(problems);
                            if let Some((line, col)) = facts.as_ref().and_then(|f| f.syntax_error) {
                                self.loader.problems.push(super::Problem::syntax(
                                    &project.rootdir,
                                    &path,
                                    line,
                                    col,
                                ));
                            }
                            let id = self.loader.add(path, super::ModuleRole::TestModule, facts);
                            mentions.note(id, false);
                            parsed_ids.push(id);
                            Some(id)
                        }
                    }
                }
            };
            order.extend(id.map(|id| (id, kind)));
        }
        self.loader.prefetch_links(&parsed_ids, collected);
        self.prefetch_for_may_matter(&order, mentions, collected);
        // Conftests are always collected; a test module when it mentions a name or its
        // namespace can bring one in.
        let mut kept = Vec::with_capacity(order.len());
        for (id, kind) in order {
            let keep = kind == crate::discover::FileKind::Conftest
                || mentions.noted(id)
                || self.may_matter_to(id, mentions, collected);
            if keep {
                kept.push((id, kind));
            } else {
                let rel = self.loader.modules[id].rel.clone();
                self.left_out.push(rel);
            }
        }
        kept
    }
}
