//! What pytest generates rather than finds: the autouse fixtures wrapping xunit
//! `setup_module`/`setup_class`/`setup_method` and unittest `setUpClass`, and the items of a
//! `unittest.TestCase` subclass.

use super::*;

/// The module- and class-level names pytest's xunit support looks up.
pub(in crate::index) const XUNIT_NAMES: &[&str] = &[
    "setUpModule",
    "setup_module",
    "tearDownModule",
    "teardown_module",
    "setup_function",
    "teardown_function",
    "setup_class",
    "teardown_class",
    "setup_method",
    "teardown_method",
];

/// True when the namespace has one of `names` bound to something that is not a fixture (what
/// `_get_first_non_fixture_func` looks for).
pub(super) fn has_plain(index: &mut Index, ns: &Namespace, names: &[&str]) -> bool {
    names.iter().any(|n| {
        ns.get(n)
            .is_some_and(|e| !matches!(index.loader.force(e).value, Value::Fixture(_)))
    })
}

pub(super) fn register_synthetic(
    index: &mut Index,
    node: NodeId,
    name: String,
    scope: Scope,
    label: &'static str,
) {
    index.register(Fixture {
        name: Name::from(name.as_str()),
        origin: Origin::Synthetic(label),
        scope: FixtureScope::Known(scope),
        autouse: true,
        has_params: false,
        argnames: vec![Name::from(crate::builtins::REQUEST)],
        getfixturevalue: Vec::new(),
        node,
        holder: None,
        uncertain: None,
    });
}

/// A subclass of `unittest.TestCase` (through project classes). `collected`: the class is
/// collected by its name anyway (its MRO is needed either way).
pub(super) fn is_testcase(index: &mut Index, class: ClassRef, collected: bool) -> bool {
    // Proving that no base can lead to a `TestCase` needs no base module loaded.
    let path = index.loader.modules[class.module].path.clone();
    if !collected && !index.loader.class_may_be_testcase(&path, class.class) {
        return false;
    }
    index.loader.mro(class).iter().any(|c| {
        index.loader.modules[c.module]
            .facts
            .as_ref()
            .is_some_and(|f| f.classes[c.class].unittest_base)
    })
}

/// pytest's `UnitTestCase`: setUpClass/setup_method wrappers, the class's fixtures, and one
/// item per `test*` method (sorted, inherited included) that takes no fixture arguments.
pub(super) fn collect_testcase(
    index: &mut Index,
    class: ClassRef,
    parent: NodeId,
    nodeid: &str,
    context: &MarkContext,
) {
    let mro = mro_defs(index, class);
    let defs: Vec<_> = mro.iter().map(|(_, d)| d.clone()).collect();
    if defs.iter().find_map(|d| d.dunder_test) == Some(false) {
        return;
    }
    let node = index.add_node(nodeid.to_string(), Some(parent), NodeKind::Class(class));
    let merged = index.loader.class_namespace(class);
    let qualname = defs.first().map(|d| d.qualname.clone()).unwrap_or_default();
    if has_plain(index, &merged, &["setup_method", "teardown_method"]) {
        let name = format!("_unittest_setup_method_fixture_{qualname}");
        register_synthetic(
            index,
            node,
            name,
            Scope::Function,
            "unittest setup_method/teardown_method",
        );
    }
    let name = format!("_unittest_setUpClass_fixture_{qualname}");
    register_synthetic(
        index,
        node,
        name,
        Scope::Class,
        "unittest setUpClass/tearDownClass",
    );
    xunit_setup_class(index, node, &merged, &qualname);
    register_namespace(index, &merged, node, class.module, true);
    let marks = class_marks(index, mro.iter().rev().map(|(c, d)| (c.module, d)));
    let mut context = context.clone();
    context.levels.push(marks);
    let mut names: Vec<(String, crate::index::CodeRef)> = merged
        .sorted()
        .into_iter()
        .filter(|(n, _)| n.starts_with("test"))
        .filter_map(|(n, e)| match e.value {
            Value::Function(code) => Some((n.to_string(), code)),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        if let Some(Value::Function(code)) = merged.get("runTest").map(|e| e.value.clone()) {
            names.push(("runTest".to_string(), code));
        }
    }
    for (name, code) in names {
        let mut item = make_item(
            index,
            code,
            true,
            node,
            format!("{nodeid}::{name}"),
            &context,
            &[],
        );
        // TestCaseFunction has `nofuncargs`: arguments are not fixtures, parametrize does not apply.
        // Nor `pytest_generate_tests`: unittest collects it without `_genfunctions`.
        item.argnames.clear();
        item.direct_params.clear();
        item.generate_tests.clear();
        index.tests.push(item);
    }
}

/// The autouse fixture pytest registers for xunit `setup_class`/`teardown_class`.
pub(super) fn xunit_setup_class(
    index: &mut Index,
    node: NodeId,
    merged: &Namespace,
    qualname: &str,
) {
    if has_plain(index, merged, &["setup_class", "teardown_class"]) {
        let name = format!("_xunit_setup_class_fixture_{qualname}");
        register_synthetic(
            index,
            node,
            name,
            Scope::Class,
            "xunit setup_class/teardown_class",
        );
    }
}
