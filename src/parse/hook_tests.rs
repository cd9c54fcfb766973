//! `pytest_generate_tests` bodies as facts (`extract::hooks`).

use super::*;

fn hook(src: &str) -> GenerateTests {
    for facts in [
        parse_source(src.as_bytes(), ParseOptions::default()).expect("parses"),
        // Test modules are parsed without bodies that hold no fact: a hook's must stay.
        parse_test_module(src.as_bytes(), ParseOptions::default()).expect("parses"),
    ] {
        let found = facts
            .bindings
            .iter()
            .chain(facts.classes.iter().flat_map(|c| c.bindings.iter()))
            .find_map(|b| match &b.kind {
                BindingKind::Function(f) if b.name == "pytest_generate_tests" => {
                    f.generate_tests.clone()
                }
                _ => None,
            });
        let found = *found.expect("a pytest_generate_tests hook with facts");
        if found != hook_full(src) {
            panic!("the test-module parse differs: {found:?}");
        }
    }
    hook_full(src)
}

fn hook_full(src: &str) -> GenerateTests {
    let facts = parse_source(src.as_bytes(), ParseOptions::default()).expect("parses");
    facts
        .bindings
        .iter()
        .chain(facts.classes.iter().flat_map(|c| c.bindings.iter()))
        .find_map(|b| match &b.kind {
            BindingKind::Function(f) if b.name == "pytest_generate_tests" => {
                f.generate_tests.as_deref().cloned()
            }
            _ => None,
        })
        .expect("hook")
}

fn names(call: &HookParametrize) -> Vec<String> {
    match &call.argnames {
        HookArgnames::Literal(l) => l.iter().map(|n| n.text.clone()).collect(),
        other => panic!("not literal: {other:?}"),
    }
}

fn requests(name: &str) -> HookCondition {
    HookCondition::Requests(name.to_string())
}

#[test]
fn fixturenames_checks_with_elif_and_a_local_set() {
    let g = hook(
        "def pytest_generate_tests(metafunc):\n    fixtures = set(metafunc.fixturenames)\n    if \"Subscriber\" in fixtures:\n        metafunc.parametrize(\"Subscriber,socket_path,token\", subscribers)\n    elif \"CloudSubscriber\" in fixtures:\n        metafunc.parametrize(\"CloudSubscriber,socket_path,token\", cloud)\n",
    );
    assert_eq!(g.calls.len(), 2);
    assert_eq!(names(&g.calls[0]), ["Subscriber", "socket_path", "token"]);
    assert_eq!(g.calls[0].condition, requests("Subscriber"));
    assert_eq!(g.calls[0].indirect, Some(Indirect::None));
    assert_eq!(g.calls[0].span.line(), 4);
    assert_eq!(
        g.calls[1].condition,
        HookCondition::All(vec![
            HookCondition::Not(Box::new(requests("Subscriber"))),
            requests("CloudSubscriber")
        ])
    );
}

#[test]
fn early_return_guards_what_follows() {
    let g = hook(
        "def pytest_generate_tests(metafunc):\n    if 'db' not in metafunc.fixturenames:\n        return\n    metafunc.parametrize(['db', 'url'], [(1, 2)], indirect=['db'], ids=['x'])\n",
    );
    assert_eq!(g.calls[0].condition, requests("db"));
    assert_eq!(names(&g.calls[0]), ["db", "url"]);
    match &g.calls[0].indirect {
        Some(Indirect::Some(l)) => assert_eq!(l[0].text, "db"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn module_constants_and_locals() {
    let g = hook(
        "NAMES = 'a, b'\nTWICE = 'x'\nTWICE = 'y'\ndef pytest_generate_tests(metafunc):\n    metafunc.parametrize(NAMES, [])\n    metafunc.parametrize(TWICE, [])\n    local = ('c', 'd')\n    metafunc.parametrize(argnames=local, argvalues=[], indirect=True)\n    metafunc.parametrize(IMPORTED, [])\n",
    );
    assert_eq!(names(&g.calls[0]), ["a", "b"]);
    assert_eq!(g.calls[1].argnames, HookArgnames::Dynamic("TWICE".into()));
    assert_eq!(names(&g.calls[2]), ["c", "d"]);
    assert_eq!(g.calls[2].indirect, Some(Indirect::All));
    assert_eq!(
        g.calls[3].argnames,
        HookArgnames::Dynamic("IMPORTED".into())
    );
}

#[test]
fn what_cannot_be_read_stays_unknown() {
    let g = hook(
        "import os\nclass TestX:\n    def pytest_generate_tests(self, metafunc):\n        for name in metafunc.fixturenames:\n            if name.startswith('p_'):\n                metafunc.parametrize(name, [1])\n        if os.environ.get('X'):\n            metafunc.parametrize('x', [1], indirect=flag)\n        helper(metafunc)\n",
    );
    assert_eq!(g.calls.len(), 3);
    assert_eq!(g.calls[0].argnames, HookArgnames::Dynamic("name".into()));
    assert!(matches!(&g.calls[0].condition, HookCondition::All(c) if c.len() == 2));
    assert!(matches!(
        &g.calls[1].condition,
        HookCondition::Unknown { line: 7, .. }
    ));
    assert_eq!(g.calls[1].indirect, None);
    assert!(matches!(&g.calls[2].argnames, HookArgnames::Dynamic(t) if t.contains("helper")));
    assert_eq!(g.calls[2].condition, HookCondition::Const(true));
}

#[test]
fn a_mutated_fixturenames_is_not_read() {
    let g = hook(
        "def pytest_generate_tests(metafunc):\n    names = list(metafunc.fixturenames)\n    names.append('x')\n    if 'x' in names:\n        metafunc.parametrize('x', [1])\n    if metafunc.function.__name__ == 'test_a' and 'y' in metafunc.fixturenames:\n        metafunc.parametrize('y', [1])\n",
    );
    assert!(matches!(
        &g.calls[0].condition,
        HookCondition::Unknown { .. }
    ));
    assert_eq!(
        g.calls[1].condition,
        HookCondition::All(vec![
            HookCondition::FunctionName("test_a".into()),
            requests("y")
        ])
    );
}

#[test]
fn fixturenames_changed_through_an_alias_is_not_read() {
    let g = hook(
        "def pytest_generate_tests(metafunc):\n    names = metafunc.fixturenames\n    names.remove('x')\n    if 'y' in metafunc.fixturenames:\n        metafunc.parametrize('y', [1])\n",
    );
    assert!(matches!(
        &g.calls[0].condition,
        HookCondition::Unknown { .. }
    ));
}

#[test]
fn functions_without_metafunc_have_no_hook_facts() {
    let facts = parse_source(
        b"def pytest_generate_tests():\n    pass\ndef helper(x):\n    x.parametrize('a', [])\n",
        ParseOptions::default(),
    )
    .unwrap();
    for b in &facts.bindings {
        if let BindingKind::Function(f) = &b.kind {
            assert!(f.generate_tests.is_none(), "{}", b.name);
        }
    }
}
