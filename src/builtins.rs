//! The fixtures pytest 9.2 itself provides, with their scopes, in the order pytest registers
//! them. `request` is not a fixture definition in pytest either: it is answered by the request
//! object itself, so it is listed apart.

use crate::index::Scope;

/// One builtin fixture: name, scope and the `_pytest` module defining it.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub scope: Scope,
    pub module: &'static str,
    /// The plugin that must be active for it to exist (`-p no:NAME` removes it).
    pub plugin: &'static str,
    pub argnames: &'static [&'static str],
}

const fn b(
    name: &'static str,
    scope: Scope,
    module: &'static str,
    plugin: &'static str,
    argnames: &'static [&'static str],
) -> Builtin {
    Builtin {
        name,
        scope,
        module,
        plugin,
        argnames,
    }
}

/// pytest 9.2.0's builtin fixtures in registration order, with the names each requests (read off
/// `FixtureManager` on an empty project).
pub const BUILTINS: &[Builtin] = &[
    b(
        "pytestconfig",
        Scope::Session,
        "_pytest.fixtures",
        "fixtures",
        &["request"],
    ),
    b(
        "capfd",
        Scope::Function,
        "_pytest.capture",
        "capture",
        &["request"],
    ),
    b(
        "capfdbinary",
        Scope::Function,
        "_pytest.capture",
        "capture",
        &["request"],
    ),
    b(
        "capsys",
        Scope::Function,
        "_pytest.capture",
        "capture",
        &["request"],
    ),
    b(
        "capsysbinary",
        Scope::Function,
        "_pytest.capture",
        "capture",
        &["request"],
    ),
    b(
        "capteesys",
        Scope::Function,
        "_pytest.capture",
        "capture",
        &["request"],
    ),
    b(
        "tmp_path",
        Scope::Function,
        "_pytest.tmpdir",
        "tmpdir",
        &["request", "tmp_path_factory"],
    ),
    b(
        "tmp_path_factory",
        Scope::Session,
        "_pytest.tmpdir",
        "tmpdir",
        &["request"],
    ),
    b(
        "monkeypatch",
        Scope::Function,
        "_pytest.monkeypatch",
        "monkeypatch",
        &[],
    ),
    b(
        "recwarn",
        Scope::Function,
        "_pytest.recwarn",
        "recwarn",
        &[],
    ),
    b(
        "record_property",
        Scope::Function,
        "_pytest.junitxml",
        "junitxml",
        &["request"],
    ),
    b(
        "record_testsuite_property",
        Scope::Session,
        "_pytest.junitxml",
        "junitxml",
        &["request"],
    ),
    b(
        "record_xml_attribute",
        Scope::Function,
        "_pytest.junitxml",
        "junitxml",
        &["request"],
    ),
    b(
        "doctest_namespace",
        Scope::Session,
        "_pytest.doctest",
        "doctest",
        &[],
    ),
    b(
        "cache",
        Scope::Session,
        "_pytest.cacheprovider",
        "cacheprovider",
        &["request"],
    ),
    b(
        "caplog",
        Scope::Function,
        "_pytest.logging",
        "logging",
        &["request"],
    ),
    b(
        "subtests",
        Scope::Function,
        "_pytest.subtests",
        "subtests",
        &["request"],
    ),
    b(
        "tmpdir",
        Scope::Function,
        "_pytest.legacypath",
        "legacypath",
        &["tmp_path"],
    ),
    b(
        "tmpdir_factory",
        Scope::Session,
        "_pytest.legacypath",
        "legacypath",
        &["request"],
    ),
];

/// The pseudo-fixture every request can ask for.
pub const REQUEST: &str = "request";

/// Builtins left after `-p no:NAME` options.
pub fn active(disabled_plugins: &[String]) -> impl Iterator<Item = &'static Builtin> + '_ {
    BUILTINS
        .iter()
        .filter(move |b| !disabled_plugins.iter().any(|d| d == b.plugin))
}
