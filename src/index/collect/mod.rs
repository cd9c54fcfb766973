//! Populating the index the way pytest's collection does: builtins and plugins on the session,
//! conftests on their directory nodes, then each test module, its classes (with inherited
//! members and marks) and its test functions.

mod hooks;
mod marks;
mod xunit;

use foldhash::{HashSet, HashSetExt};
use std::path::Path;

use crate::discover::{FileKind, Project};
use crate::parse::{BindingKind, Indirect, Mark};

use super::namespace::{ClassRef, Namespace, Value};
use super::{
    argnames, fixture_scope, Fixture, FixtureScope, Index, ModuleId, Name, NodeId, NodeKind,
    Origin, Request, Scope, TestItem,
};

pub(in crate::index) use marks::mark_ref;
use marks::{class_marks, expand_marks};
pub(super) use xunit::XUNIT_NAMES;
use xunit::{collect_testcase, has_plain, is_testcase, register_synthetic, xunit_setup_class};

/// Registers everything on the index in pytest's order; `after_module` runs after each test
/// module is collected (see [`Index::build_streaming`]).
pub fn populate(
    index: &mut Index,
    project: &Project,
    files: &[(ModuleId, FileKind)],
    after_module: &mut dyn FnMut(&mut Index),
) {
    let session = index.add_node(String::new(), None, NodeKind::Session);
    index.nodes[session].autouse = project
        .config
        .usefixtures
        .iter()
        .map(|u| Name::from(u.value.as_str()))
        .collect();
    // Builtins, `-p` options, entry points and PYTEST_PLUGINS, in pytest's order.
    super::plugins::register_startup(index, session);
    let conftests: Vec<ModuleId> = files
        .iter()
        .filter(|(_, k)| matches!(k, FileKind::Conftest))
        .map(|(id, _)| *id)
        .collect();
    // Conftests are imported top-down, and each one's `pytest_plugins` are registered (globally)
    // as it is imported; conftest fixtures themselves wait for their directory's collection.
    // A conftest whose import raises `Skipped` (`pytest.importorskip` of a module that is not
    // installed) takes its whole directory out of the collection.
    let mut skipped_dirs: Vec<std::path::PathBuf> = Vec::new();
    let mut loaded = Vec::new();
    for &conftest in &conftests {
        let dir = index.loader.modules[conftest]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if skipped_dirs.iter().any(|d| dir.starts_with(d)) {
            continue;
        }
        if index.loader.skipped_by(conftest).is_some() {
            skipped_dirs.push(dir);
            continue;
        }
        loaded.push(conftest);
    }
    let conftests = loaded;
    let holder_of = |index: &mut Index, conftest: ModuleId| {
        let dir = index.loader.modules[conftest]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if dir == project.rootdir || !dir.starts_with(&project.rootdir) {
            session
        } else {
            dir_node(index, &crate::discover::rel_path(&project.rootdir, &dir))
        }
    };
    // Before pytest 9.1 a conftest's fixtures were registered when it was imported: a
    // session-wide conftest's autouse names come before those of its `pytest_plugins` (and
    // of legacypath). Where each one's names go in the session's autouse list:
    let deferred = index.pytest.conftest_fixtures_deferred();
    let mut autouse_at: Vec<(ModuleId, usize)> = Vec::new();
    for &conftest in &conftests {
        if !deferred && holder_of(index, conftest) == session {
            autouse_at.push((conftest, index.nodes[session].autouse.len()));
        }
        super::plugins::consider_module(index, conftest, session);
    }
    // pytest_configure: legacypath's `tmpdir` fixtures.
    super::plugins::register_configure(index, session);
    let mut moved = 0;
    for &conftest in &conftests {
        let node = holder_of(index, conftest);
        let ns = index.loader.namespace(conftest);
        let before = index.nodes[session].autouse.len();
        register_namespace(index, &ns, node, conftest, false);
        index.conftests.entry(node).or_default().push(conftest);
        if let Some(&(_, at)) = autouse_at.iter().find(|(c, _)| *c == conftest) {
            let autouse = &mut index.nodes[session].autouse;
            let added: Vec<Name> = autouse.drain(before..).collect();
            let count = added.len();
            autouse.splice(at + moved..at + moved, added);
            moved += count;
        }
    }
    let collected = |name: &str| is_collected_name(&project.config, name);
    let test_modules: Vec<ModuleId> = files
        .iter()
        .filter(|(_, kind)| matches!(kind, FileKind::TestModule))
        .map(|(id, _)| *id)
        .collect();
    for (at, &module) in test_modules.iter().enumerate() {
        // A streaming build reads the test modules a chunk at a time.
        if index.loader.is_deferred(module) {
            index
                .loader
                .read_deferred_from(&test_modules[at..], &collected);
        }
        index.collected_modules.push(module);
        let path = &index.loader.modules[module].path;
        if skipped_dirs.iter().any(|d| path.starts_with(d))
            || index.loader.skipped_by(module).is_some()
        {
            continue;
        }
        collect_module(index, project, module, session);
        // Another module's lookups evaluate only the statements they need: the namespace
        // would only be memory until the end of the run.
        index.loader.forget_namespace(module);
        after_module(index);
    }
}

/// Whether pytest collects an attribute of that name from a test module (a test class or
/// function by the ini patterns, or an xunit setup/teardown).
pub(super) fn is_collected_name(config: &crate::discover::PytestConfig, name: &str) -> bool {
    config.matches_class(name) || config.matches_function(name) || XUNIT_NAMES.contains(&name)
}

/// The directory node for a rootdir-relative directory, creating its parents.
fn dir_node(index: &mut Index, rel_dir: &str) -> NodeId {
    if rel_dir.is_empty() || rel_dir == "." {
        return 0;
    }
    if let Some(&id) = index.dir_nodes.get(rel_dir) {
        return id;
    }
    let parent = match rel_dir.rsplit_once('/') {
        Some((p, _)) => dir_node(index, p),
        None => 0,
    };
    let id = index.add_node(rel_dir.to_string(), Some(parent), NodeKind::Dir);
    index.dir_nodes.insert(rel_dir.to_string(), id);
    id
}

/// A fixture's scope; a `scope=` callable counts when it always returns the same literal.
fn scope_of(
    index: &mut Index,
    module: ModuleId,
    marker: &crate::parse::FixtureMarker,
) -> FixtureScope {
    let Some(crate::parse::ScopeSpec::Callable(name)) = &marker.scope else {
        return fixture_scope(marker);
    };
    let ns = index.loader.namespace(module);
    let found = ns.get(name).map(|e| index.loader.force(e));
    let constant = match found.as_ref().map(|e| &e.value) {
        Some(Value::Function(code)) => index.loader.binding(*code).and_then(|b| match &b.kind {
            BindingKind::Function(f) => f.constant_return.clone(),
            _ => None,
        }),
        _ => None,
    };
    constant
        .and_then(|s| super::Scope::parse(&s))
        .map_or(FixtureScope::Dynamic, FixtureScope::Known)
}

/// Registers every fixture in a namespace, in `dir()` order, on `node`.
pub(super) fn register_namespace(
    index: &mut Index,
    ns: &Namespace,
    node: NodeId,
    holder: ModuleId,
    bound: bool,
) {
    for (attr, entry) in ns.sorted() {
        let entry = match entry.value {
            Value::Lazy(_) if !index.loader.may_matter(entry) => continue,
            Value::Lazy(_) => &index.loader.force(entry),
            _ => entry,
        };
        let Value::Fixture(code) = entry.value else {
            continue;
        };
        let Some(BindingKind::Fixture(def)) = index.loader.binding(code).map(|b| &b.kind) else {
            continue;
        };
        let def = def.clone();
        let name = def
            .marker
            .name
            .as_ref()
            .map_or_else(|| Name::from(attr), |n| Name::from(n.text.as_str()));
        let fixture = Fixture {
            name,
            origin: Origin::Code(code),
            scope: scope_of(index, code.module, &def.marker),
            autouse: def.marker.autouse,
            has_params: def.marker.has_params,
            argnames: argnames(&def.function, bound && code.class.is_some())
                .into_iter()
                .map(|l| Name::from(l.text.as_str()))
                .collect(),
            getfixturevalue: def
                .function
                .getfixturevalue
                .iter()
                .map(|l| Name::from(l.text.as_str()))
                .collect(),
            node,
            holder: Some(holder),
            uncertain: entry.uncertain.clone(),
        };
        index.register(fixture);
    }
}

fn collect_module(index: &mut Index, project: &Project, module: ModuleId, session: NodeId) {
    let rel = index.loader.modules[module].rel.clone();
    let dir = rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let parent = dir_node(index, &dir);
    let node = index.add_node(rel.clone(), Some(parent), NodeKind::Module(module));
    let ns = index.loader.namespace(module);
    let dotted = module_name(&index.loader.modules[module].path);
    if has_plain(
        index,
        &ns,
        &[
            "setUpModule",
            "setup_module",
            "tearDownModule",
            "teardown_module",
        ],
    ) {
        let name = format!("_xunit_setup_module_fixture_{dotted}");
        register_synthetic(
            index,
            node,
            name,
            Scope::Module,
            "xunit setup_module/teardown_module",
        );
    }
    if has_plain(index, &ns, &["setup_function", "teardown_function"]) {
        let name = format!("_xunit_setup_function_fixture_{dotted}");
        register_synthetic(
            index,
            node,
            name,
            Scope::Function,
            "xunit setup_function/teardown_function",
        );
    }
    register_namespace(index, &ns, node, module, false);
    super::plugins::consider_module(index, module, session);
    let module_marks = index.loader.modules[module]
        .facts
        .as_ref()
        .map(|f| f.pytestmark.clone())
        .unwrap_or_default();
    let context = MarkContext {
        levels: vec![expand_marks(index, module, &module_marks)],
    };
    for (name, entry) in ns.in_order() {
        // An import is evaluated only when its name is one pytest collects, or when it may be
        // a fixture or a `TestCase` (see `namespace::lazy`).
        let forced;
        let entry = match entry.value {
            Value::Lazy(_)
                if !project.config.matches_class(name)
                    && !project.config.matches_function(name)
                    && !index.loader.may_matter(entry) =>
            {
                continue
            }
            Value::Lazy(_) => {
                forced = index.loader.force(entry);
                &forced
            }
            _ => entry,
        };
        match &entry.value {
            Value::Class(class)
                if is_testcase(index, *class, project.config.matches_class(name)) =>
            {
                collect_testcase(index, *class, node, &format!("{rel}::{name}"), &context);
            }
            Value::Class(class) if project.config.matches_class(name) => {
                collect_class(
                    index,
                    project,
                    *class,
                    node,
                    &format!("{rel}::{name}"),
                    &context,
                );
            }
            Value::Function(code) if project.config.matches_function(name) => {
                let item = make_item(
                    index,
                    *code,
                    false,
                    node,
                    format!("{rel}::{name}"),
                    &context,
                    &[],
                );
                index.tests.push(item);
            }
            _ => {}
        }
    }
}

/// Marks of the enclosing collectors, outermost first, each mark with the module it is
/// written in.
#[derive(Clone)]
struct MarkContext {
    levels: Vec<Vec<(ModuleId, Mark)>>,
}

fn collect_class(
    index: &mut Index,
    project: &Project,
    class: ClassRef,
    parent: NodeId,
    nodeid: &str,
    context: &MarkContext,
) {
    let defs = mro_defs(index, class);
    // `__test__ = False` (looked up along the MRO) and classes with `__init__`/`__new__` are not
    // collected.
    if defs.iter().find_map(|(_, d)| d.dunder_test) == Some(false) {
        return;
    }
    if defs.iter().any(|(_, d)| d.has_init || d.has_new) {
        return;
    }
    let node = index.add_node(nodeid.to_string(), Some(parent), NodeKind::Class(class));
    let merged = index.loader.class_namespace(class);
    let qualname = defs
        .first()
        .map(|(_, d)| d.qualname.clone())
        .unwrap_or_default();
    xunit_setup_class(index, node, &merged, &qualname);
    if has_plain(index, &merged, &["setup_method", "teardown_method"]) {
        let name = format!("_xunit_setup_method_fixture_{qualname}");
        register_synthetic(
            index,
            node,
            name,
            Scope::Function,
            "xunit setup_method/teardown_method",
        );
    }
    register_namespace(index, &merged, node, class.module, true);
    let marks = class_marks(index, defs.iter().rev().map(|(c, d)| (c.module, d)));
    let mut context = context.clone();
    context.levels.push(marks);
    let mut seen = HashSet::new();
    let mut per_dict = Vec::new();
    for (owner, own) in index.loader.class_dicts(class) {
        let mut values = Vec::new();
        for (name, entry) in own.in_order() {
            if !seen.insert(name.to_string()) {
                continue;
            }
            values.push((owner, name.to_string(), entry.value.clone()));
        }
        per_dict.push(values);
    }
    // Members inherited from base classes come before the subclass's own.
    for values in per_dict.into_iter().rev() {
        for (_owner, name, value) in values {
            match value {
                Value::Class(inner)
                    if is_testcase(index, inner, project.config.matches_class(&name)) =>
                {
                    collect_testcase(index, inner, node, &format!("{nodeid}::{name}"), &context);
                }
                Value::Class(inner) if project.config.matches_class(&name) => {
                    collect_class(
                        index,
                        project,
                        inner,
                        node,
                        &format!("{nodeid}::{name}"),
                        &context,
                    );
                }
                Value::Function(code) if project.config.matches_function(&name) => {
                    let item = make_item(
                        index,
                        code,
                        true,
                        node,
                        format!("{nodeid}::{name}"),
                        &context,
                        &[],
                    );
                    index.tests.push(item);
                }
                _ => {}
            }
        }
    }
}

fn make_item(
    index: &mut Index,
    code: super::CodeRef,
    in_class: bool,
    parent: NodeId,
    nodeid: String,
    context: &MarkContext,
    _extra: &[Mark],
) -> TestItem {
    let func = index.loader.binding(code).and_then(|b| match &b.kind {
        BindingKind::Function(f) => Some((**f).clone()),
        _ => None,
    });
    let Some(func) = func else {
        return TestItem {
            nodeid,
            parent,
            code,
            argnames: Vec::new(),
            usefixtures: Vec::new(),
            direct_params: Vec::new(),
            parametrize: Vec::new(),
            getfixturevalue: Vec::new(),
            generate_tests: Vec::new(),
        };
    };
    let request = |l: crate::parse::Located, module: ModuleId| Request {
        name: l.text,
        module,
        span: Some(l.span),
    };
    let argnames = super::test_argnames(&func, in_class, &index.pytest)
        .into_iter()
        .map(|l| request(l, code.module))
        .collect();
    // Marks nearest the item first: the function's, then each class outward, then the module.
    let mut levels: Vec<Vec<(ModuleId, Mark)>> =
        vec![expand_marks(index, code.module, &func.marks)];
    levels.extend(context.levels.iter().rev().cloned());
    let mut usefixtures = Vec::new();
    let mut direct_params = Vec::new();
    let mut parametrize = Vec::new();
    for level in levels {
        for (module, mark) in level {
            match &mark {
                Mark::UseFixtures(names) => {
                    usefixtures.extend(names.iter().cloned().map(|l| request(l, module)))
                }
                Mark::Parametrize {
                    argnames, indirect, ..
                } => {
                    for a in argnames {
                        let entry = match indirect {
                            Indirect::Some(list) => list.iter().find(|i| i.text == a.text),
                            _ => None,
                        };
                        let is_indirect = match indirect {
                            Indirect::None => false,
                            Indirect::All => true,
                            Indirect::Some(_) => entry.is_some(),
                        };
                        if !is_indirect {
                            direct_params.push(a.text.clone());
                        }
                        parametrize.push(super::ParamName {
                            argname: request(a.clone(), module),
                            indirect_entry: entry.cloned().map(|e| request(e, module)),
                            direct: !is_indirect,
                        });
                    }
                }
                // Resolved (or left out) by `expand_marks`.
                Mark::Ref(_) => {}
            }
        }
    }
    TestItem {
        generate_tests: hooks::generate_tests_hooks(index, parent),
        nodeid,
        parent,
        code,
        argnames,
        usefixtures,
        direct_params,
        parametrize,
        getfixturevalue: func
            .getfixturevalue
            .iter()
            .cloned()
            .chain(crate::parse::parametrized_lookups(&func).cloned())
            .map(|l| request(l, code.module))
            .collect(),
    }
}

/// A module's `__name__` under pytest's default `prepend` import mode: its path from its
/// basedir, dotted.
fn module_name(path: &Path) -> String {
    let base = super::namespace::basedir(path);
    let rel = path.strip_prefix(&base).unwrap_or(path).with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [init @ .., last] if last == "__init__" && !init.is_empty() => init.join("."),
        _ => parts.join("."),
    }
}

/// The class and its project bases in MRO order, with their facts.
fn mro_defs(index: &mut Index, class: ClassRef) -> Vec<(ClassRef, crate::parse::ClassDef)> {
    let mro = index.loader.mro(class);
    mro.iter()
        .filter_map(|c| {
            index.loader.modules[c.module]
                .facts
                .as_ref()
                .map(|f| (*c, f.classes[c.class].clone()))
        })
        .collect()
}
