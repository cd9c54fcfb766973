use super::*;

fn facts(src: &str) -> FileFacts {
    parse_source(src.as_bytes(), ParseOptions::default()).expect("parses")
}

fn fixture<'a>(f: &'a FileFacts, name: &str) -> &'a FixtureDef {
    f.bindings
        .iter()
        .find_map(|b| match &b.kind {
            BindingKind::Fixture(d) if b.name == name => Some(&**d),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fixture binding {name}"))
}

#[test]
fn fixture_decorator_spellings() {
    let f = facts(
        "import pytest\nimport pytest as pt\nfrom pytest import fixture\nfrom pytest import fixture as fx\n\
@pytest.fixture\ndef a(): pass\n\
@pt.fixture(scope='session', autouse=True)\ndef b(x, y=1, *args, z, **kw): pass\n\
@fixture(name='renamed')\ndef c(): pass\n\
@fx(scope=pick_scope, params=[1, 2])\ndef d(): pass\n\
def plain(): pass\n\
e = pytest.fixture(plain)\n\
g = pytest.fixture(name='gee')(plain)\n",
    );
    assert_eq!(fixture(&f, "a").marker, FixtureMarker::default());
    let b = fixture(&f, "b");
    assert_eq!(b.marker.scope, Some(ScopeSpec::Literal("session".into())));
    assert!(b.marker.autouse);
    let kinds: Vec<(String, ParamKind, bool)> = b
        .function
        .params
        .iter()
        .map(|p| (p.name.text.clone(), p.kind, p.has_default))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("x".into(), ParamKind::Normal, false),
            ("y".into(), ParamKind::Normal, true),
            ("args".into(), ParamKind::VarArgs, false),
            ("z".into(), ParamKind::KeywordOnly, false),
            ("kw".into(), ParamKind::VarKwargs, false),
        ]
    );
    assert_eq!(
        fixture(&f, "c").marker.name.as_ref().unwrap().text,
        "renamed"
    );
    let d = fixture(&f, "d");
    assert_eq!(
        d.marker.scope,
        Some(ScopeSpec::Callable("pick_scope".into()))
    );
    assert!(d.marker.has_params);
    assert_eq!(fixture(&f, "e").function.name.text, "plain");
    assert_eq!(fixture(&f, "g").marker.name.as_ref().unwrap().text, "gee");
}

#[test]
fn first_line_is_the_first_decorator() {
    let f = facts("import pytest\n\n@pytest.fixture\n@other\ndef a():\n    pass\n");
    assert_eq!(fixture(&f, "a").function.first_line, 3);
}

#[test]
fn conditions_are_recorded_and_static_ones_decided() {
    let f = facts(
        "import sys\n_flag = False\nif _flag:\n    from a import *\nif sys.version_info >= (3, 8):\n    x = 1\nelse:\n    y = 1\ntry:\n    from pkg.mod import thing\nexcept ImportError:\n    thing = None\n",
    );
    assert_eq!(
        f.star_imports[0].conditions,
        vec![Condition::Flag {
            name: "_flag".into(),
            negated: false,
            text: "_flag".into(),
            line: 3
        }]
    );
    let x = f.bindings.iter().find(|b| b.name == "x").unwrap();
    assert!(matches!(
        x.conditions[0],
        Condition::Static { taken: true, .. }
    ));
    let y = f.bindings.iter().find(|b| b.name == "y").unwrap();
    assert!(matches!(
        y.conditions[0],
        Condition::Static { taken: false, .. }
    ));
    let things: Vec<&Binding> = f.bindings.iter().filter(|b| b.name == "thing").collect();
    assert!(matches!(things[0].conditions[0], Condition::TryBody { .. }));
    assert!(matches!(
        things[1].conditions[0],
        Condition::TryHandler { .. }
    ));
}

#[test]
fn marks_usefixtures_parametrize_and_patch() {
    let f = facts(
        "import pytest\nfrom unittest import mock\npytestmark = [pytest.mark.usefixtures('m1'), pytest.mark.usefixtures('m2')]\n\
@pytest.mark.usefixtures('top')\n@pytest.mark.usefixtures('bottom')\n@pytest.mark.parametrize('a, b', [(1, 2)], indirect=['b'])\n\
@mock.patch('os.getcwd')\n@mock.patch('os.sep', new='/')\ndef test_x(m, a, b): request.getfixturevalue('dyn')\n",
    );
    assert_eq!(f.pytestmark.len(), 2);
    let BindingKind::Function(t) = &f.bindings.iter().find(|b| b.name == "test_x").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(t.mock_patch_args, 1);
    let names: Vec<String> = t
        .marks
        .iter()
        .filter_map(|m| match m {
            Mark::UseFixtures(n) => Some(n[0].text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["bottom", "top"]);
    let Some(Mark::Parametrize {
        argnames, indirect, ..
    }) = t
        .marks
        .iter()
        .find(|m| matches!(m, Mark::Parametrize { .. }))
    else {
        panic!()
    };
    assert_eq!(
        argnames.iter().map(|a| a.text.as_str()).collect::<Vec<_>>(),
        vec!["a", "b"]
    );
    // The span of `b` inside "a, b" points at the `b`.
    let src = "@pytest.mark.parametrize('a, b'";
    let _ = src;
    assert!(matches!(indirect, Indirect::Some(v) if v[0].text == "b"));
    assert_eq!(t.getfixturevalue[0].text, "dyn");
}

#[test]
fn classes_bases_and_dunder_test() {
    let f = facts(
        "class TestA(Base, mod.Other):\n    __test__ = False\n    def test_m(self): pass\n    class TestInner:\n        def test_i(self): pass\n",
    );
    assert_eq!(f.classes.len(), 2);
    assert_eq!(f.classes[0].bases, vec!["Base", "mod.Other"]);
    assert_eq!(f.classes[0].dunder_test, Some(false));
    let inner = f.classes[0]
        .bindings
        .iter()
        .find(|b| b.name == "TestInner")
        .unwrap();
    assert_eq!(inner.kind, BindingKind::Class(1));
    assert_eq!(f.classes[1].name.text, "TestInner");
}

#[test]
fn syntax_errors_keep_the_good_statements() {
    let f = facts("import pytest\n@pytest.fixture\ndef good(): pass\ndef broken(:\n    pass\n");
    assert!(f.syntax_error.is_some());
    fixture(&f, "good");
}

#[test]
fn bom_and_non_utf8() {
    let mut bytes = b"\xEF\xBB\xBFimport pytest\n@pytest.fixture\ndef a(): pass\n".to_vec();
    let f = parse_source(&bytes, ParseOptions::default()).unwrap();
    assert!(f.has_bom);
    assert!(f.syntax_error.is_none());
    let a = fixture(&f, "a");
    assert_eq!(
        &bytes[a.function.name.span.start()..a.function.name.span.end()],
        b"a"
    );
    bytes.push(0xff);
    assert!(parse_source(&bytes, ParseOptions::default()).is_err());
}

#[test]
fn test_module_parse_omits_bodies_but_not_their_facts() {
    let valid = "import pytest\n\ndef test_a(request, x):\n    a = 1\n    b = a\n    return request.getfixturevalue('y')\n\nclass TestB:\n    def test_c(self, z):\n        a = 1\n        b = a\n        c = 3\n\n    @pytest.fixture\n    def w(self):\n        return 1\n";
    let options = ParseOptions::default();
    let full = parse_source(valid.as_bytes(), options).unwrap();
    assert_eq!(parse_test_module(valid.as_bytes(), options).unwrap(), full);
    // Only the body of `test_c` is omitted: `test_a` calls getfixturevalue, `w` is short.
    assert_eq!(omitted_bodies(valid.as_bytes()), 1);
    // An error in a kept body is seen as in the full parse.
    let kept_error = valid.replace("b = a\n    return", "b = +\n    return");
    assert_eq!(
        parse_test_module(kept_error.as_bytes(), options)
            .unwrap()
            .syntax_error,
        parse_source(kept_error.as_bytes(), options)
            .unwrap()
            .syntax_error
    );
    // An error in an omitted body is not seen (the one difference with the full parse), and
    // the facts are those of the file without it (the same length: spans stay).
    let omitted_error = valid.replace("b = a\n        c", "b = +\n        c");
    assert!(parse_source(omitted_error.as_bytes(), options)
        .unwrap()
        .syntax_error
        .is_some());
    assert_eq!(
        parse_test_module(omitted_error.as_bytes(), options).unwrap(),
        full
    );
}

/// A file of 4 GiB or more, refused before its bytes are read: mapped from a sparse file, so
/// the test reads a page at most. One byte less passes the size check (and is then refused as
/// binary, by its first byte).
#[test]
fn a_file_of_4_gib_is_refused_for_its_size() {
    let file = tempfile::tempfile().expect("a temporary file");
    let limit = Span::MAX_FILE_BYTES as u64;
    file.set_len(limit + 1).expect("a sparse file of 4 GiB");
    // SAFETY: the file is private to this test, and nobody changes it while it is mapped.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("mapped");
    let options = ParseOptions::default();
    assert!(matches!(
        parse_source(&map, options),
        Err(ParseFailure::TooLarge)
    ));
    assert!(matches!(
        parse_test_module(&map, options),
        Err(ParseFailure::TooLarge)
    ));
    assert!(matches!(
        parse_test_module_keeping(&map, options, |_| true),
        Err(ParseFailure::TooLarge)
    ));
    assert!(matches!(
        parse_source(&map[..limit as usize], options),
        Err(ParseFailure::NotUtf8 { line: 1 })
    ));
}
