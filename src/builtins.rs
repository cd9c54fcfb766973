//! The fixtures pytest itself provides, with their scopes, in the order pytest registers them:
//! read from the `_pytest` package of the project's environment when there is one
//! ([`from_pytest_dir`]), else pytest 9.2.0's, tabled here ([`table`]). `request` is not a
//! fixture definition in pytest either: it is answered by the request object itself, so it is
//! listed apart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

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
        Scope::Function,
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

/// pytest 9.2.0's `essential_plugins` + `default_plugins`, in import order.
pub const DEFAULT_PLUGINS: &[&str] = &[
    "mark",
    "main",
    "runner",
    "fixtures",
    "helpconfig",
    "python",
    "terminal",
    "debugging",
    "unittest",
    "capture",
    "skipping",
    "legacypath",
    "tmpdir",
    "monkeypatch",
    "recwarn",
    "pastebin",
    "assertion",
    "junitxml",
    "doctest",
    "cacheprovider",
    "setuponly",
    "setupplan",
    "stepwise",
    "unraisableexception",
    "threadexception",
    "warnings",
    "logging",
    "reports",
    "faulthandler",
    "subtests",
];

/// pytest 9.2.0's `essential_plugins`: `-p no:NAME` of these is a usage error.
pub const ESSENTIAL_PLUGINS: &[&str] = &["mark", "main", "runner", "fixtures", "helpconfig"];

/// Builtin plugins that are not loaded by default (`-p pytester`).
const EXTRA_BUILTIN_PLUGINS: &[&str] = &["pytester", "pytester_assertions", "terminalprogress"];

/// The builtin fixtures of one pytest installation, split by when pytest registers them.
#[derive(Debug)]
pub struct BuiltinSet {
    /// The `_pytest` package they were read from (`None`: the pytest 9.2.0 table above).
    pub pytest_dir: Option<PathBuf>,
    pub version: Option<String>,
    /// The default plugins' fixtures, registered as pytest starts, before any other plugin.
    pub startup: Vec<Builtin>,
    /// `legacypath`'s `LegacyTmpdirPlugin` (`tmpdir`, `tmpdir_factory`), registered at
    /// `pytest_configure` when the `tmpdir` and `legacypath` plugins are active: after every
    /// plugin loaded at startup, before the rootdir conftest's fixtures.
    pub configure: Vec<Builtin>,
    /// Builtin plugins loaded only on request (`-p pytester`, `pytest_plugins = ["pytester"]`),
    /// with their fixtures (pytester's followed by legacypath's `testdir`).
    pub on_request: Vec<(String, Vec<Builtin>)>,
    /// `default_plugins`, in order.
    pub default_plugins: Vec<String>,
    /// Every name pytest imports as `_pytest.NAME`.
    pub builtin_plugins: Vec<String>,
}

impl BuiltinSet {
    /// Is `name` a builtin plugin (imported as `_pytest.NAME`)?
    pub fn is_builtin_plugin(&self, name: &str) -> bool {
        self.builtin_plugins.iter().any(|p| p == name)
    }
}

/// The pytest 9.2.0 table, as a [`BuiltinSet`].
pub fn table() -> &'static BuiltinSet {
    static TABLE: OnceLock<BuiltinSet> = OnceLock::new();
    TABLE.get_or_init(|| {
        let (configure, startup) = BUILTINS.iter().partition(|b| b.plugin == "legacypath");
        let default_plugins: Vec<String> = DEFAULT_PLUGINS.iter().map(|p| p.to_string()).collect();
        let mut builtin_plugins = default_plugins.clone();
        builtin_plugins.extend(EXTRA_BUILTIN_PLUGINS.iter().map(|p| p.to_string()));
        BuiltinSet {
            pytest_dir: None,
            version: Some("9.2.0".to_string()),
            startup,
            configure,
            on_request: Vec::new(),
            default_plugins,
            builtin_plugins,
        }
    })
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The quoted strings of the block that starts with the line `header` and ends at the first
/// line that closes it (`)` or `}` alone), comments left out.
fn string_block(text: &str, header: &str) -> Option<Vec<String>> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(header));
    lines.next()?;
    let mut out = Vec::new();
    for line in lines {
        let t = line.trim();
        if t == ")" || t == "}" {
            return Some(out);
        }
        let code = t.split('#').next().unwrap_or("");
        if let Some(rest) = code.trim().strip_prefix('*') {
            // `*essential_plugins,`: spliced by the caller.
            out.push(format!("*{}", rest.trim_end_matches(',').trim()));
            continue;
        }
        let mut quoted = code.split('"');
        quoted.next();
        if let Some(s) = quoted.next() {
            out.push(s.to_string());
        }
    }
    None
}

/// `default_plugins` and `builtin_plugins` as `_pytest/config/__init__.py` lists them.
fn plugin_lists(config_source: &str) -> Option<(Vec<String>, Vec<String>)> {
    let essential = string_block(config_source, "essential_plugins = (")?;
    let mut default = Vec::new();
    for name in string_block(config_source, "default_plugins = (")? {
        if name == "*essential_plugins" {
            default.extend(essential.iter().cloned());
        } else {
            default.push(name);
        }
    }
    let mut builtin = default.clone();
    for name in string_block(config_source, "builtin_plugins = {")? {
        if !name.starts_with('*') && !builtin.contains(&name) {
            builtin.push(name);
        }
    }
    (!default.is_empty()).then_some((default, builtin))
}

/// The fixtures of one parsed builtin module (module level) or of one of its classes (an
/// instance registered as a plugin), in `dir()` order.
fn fixtures_of(
    facts: &crate::parse::FileFacts,
    class: Option<&str>,
    plugin: &str,
    module: &'static str,
) -> Vec<Builtin> {
    let bindings = match class {
        Some(name) => match facts.classes.iter().find(|c| c.name.text == name) {
            Some(c) => &c.bindings,
            None => return Vec::new(),
        },
        None => &facts.bindings,
    };
    let mut by_attr: std::collections::BTreeMap<&str, Option<&crate::parse::FixtureDef>> =
        std::collections::BTreeMap::new();
    for binding in bindings {
        let runs = binding
            .conditions
            .iter()
            .all(|c| !matches!(c, crate::parse::Condition::Static { taken: false, .. }));
        if !runs {
            continue;
        }
        let def = match &binding.kind {
            crate::parse::BindingKind::Fixture(def) => Some(&**def),
            _ => None,
        };
        by_attr.insert(binding.name.as_str(), def);
    }
    let plugin: &'static str = leak(plugin.to_string());
    by_attr
        .into_iter()
        .filter_map(|(attr, def)| {
            let def = def?;
            let name = def.marker.name.as_ref().map_or(attr, |n| n.text.as_str());
            let scope = match crate::index::fixture_scope(&def.marker) {
                crate::index::FixtureScope::Known(s) => s,
                crate::index::FixtureScope::Dynamic => Scope::Function,
            };
            let argnames: Vec<&'static str> =
                crate::index::argnames(&def.function, class.is_some())
                    .into_iter()
                    .map(|l| leak(l.text))
                    .collect();
            Some(Builtin {
                name: leak(name.to_string()),
                scope,
                module,
                plugin,
                argnames: Box::leak(argnames.into_boxed_slice()),
            })
        })
        .collect()
}

/// Reads the builtin fixtures of the pytest installed at `pytest_dir` (a `_pytest`
/// package): the plugin lists from `_pytest/config/__init__.py`, then each builtin plugin
/// module's `@fixture` functions. Read once per installation and process.
pub fn from_pytest_dir(pytest_dir: &Path) -> Option<&'static BuiltinSet> {
    from_pytest_dir_cached(pytest_dir, None)
}

/// [`from_pytest_dir`], taking the plugin modules' facts from `cache` (opened with the default
/// parse options) when it has them.
pub fn from_pytest_dir_cached(
    pytest_dir: &Path,
    facts_cache: Option<&crate::cache::FactsCache>,
) -> Option<&'static BuiltinSet> {
    type Cache = Mutex<HashMap<(PathBuf, Option<String>), &'static BuiltinSet>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let version = crate::inputs::read_to_string(pytest_dir.join("_version.py"))
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| {
                (l.starts_with("__version__") || l.starts_with("version"))
                    && l.contains(['\'', '"'])
            })?;
            let mut quoted = line.split(['\'', '"']);
            quoted.next();
            quoted.next().map(str::to_string)
        });
    let key = (pytest_dir.to_path_buf(), version.clone());
    let cache = CACHE.get_or_init(Default::default);
    // While a run is recorded, the files are read (and so observed) again.
    let reuse = !crate::inputs::recording();
    if let Some(set) = cache.lock().ok().and_then(|c| c.get(&key).copied()) {
        if reuse {
            return Some(set);
        }
    }
    let config =
        crate::inputs::read_to_string(pytest_dir.join("config").join("__init__.py")).ok()?;
    let (default_plugins, builtin_plugins) = plugin_lists(&config).unwrap_or_else(|| {
        let default: Vec<String> = DEFAULT_PLUGINS.iter().map(|p| p.to_string()).collect();
        let mut builtin = default.clone();
        builtin.extend(EXTRA_BUILTIN_PLUGINS.iter().map(|p| p.to_string()));
        (default, builtin)
    });
    let parse_plugin = |name: &String| -> Option<crate::parse::FileFacts> {
        let file = pytest_dir.join(format!("{name}.py"));
        let file = if crate::inputs::is_file(&file) {
            file
        } else {
            pytest_dir.join(name).join("__init__.py")
        };
        let mut bytes = crate::inputs::read(&file).ok()?;
        // Most builtin plugins define no fixture: skip parsing those.
        let defines = [
            "@fixture",
            "@pytest.fixture",
            "= fixture(",
            "= pytest.fixture(",
        ]
        .iter()
        .any(|needle| memchr::memmem::find(&bytes, needle.as_bytes()).is_some());
        if !defines {
            return None;
        }
        if name == "fixtures" {
            // `_pytest.fixtures` defines `fixture` itself and decorates `pytestconfig` with it.
            let mut prefixed = b"from _pytest.fixtures import fixture\n".to_vec();
            prefixed.append(&mut bytes);
            bytes = prefixed;
        }
        // Parsed as a test module is, without the function bodies that hold no fact: pytest's
        // own modules parse without an error, and then hold the facts of the full parse
        // (`tests/skeleton_corpus.rs` checks that on the installed pytest too).
        let options = crate::parse::ParseOptions::default();
        match facts_cache {
            Some(cache) => cache.test_module(&bytes, options).ok(),
            None => crate::parse::parse_test_module(&bytes, options).ok(),
        }
    };
    let parsed: Vec<(String, Option<crate::parse::FileFacts>)> = builtin_plugins
        .par_iter()
        .map(|name| (name.clone(), parse_plugin(name)))
        .collect();
    let facts_of = |name: &str| {
        parsed
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, f)| f.as_ref())
    };
    let module = |name: &str| leak(format!("_pytest.{name}"));
    let mut startup = Vec::new();
    for name in &default_plugins {
        if let Some(facts) = facts_of(name) {
            startup.extend(fixtures_of(facts, None, name, module(name)));
        }
    }
    let legacy = facts_of("legacypath");
    let configure = legacy
        .map(|f| {
            fixtures_of(
                f,
                Some("LegacyTmpdirPlugin"),
                "legacypath",
                module("legacypath"),
            )
        })
        .unwrap_or_default();
    let mut on_request = Vec::new();
    for name in &builtin_plugins {
        if default_plugins.contains(name) {
            continue;
        }
        let mut fixtures = facts_of(name)
            .map(|f| fixtures_of(f, None, name, module(name)))
            .unwrap_or_default();
        if name == "pytester" {
            if let Some(f) = legacy {
                fixtures.extend(fixtures_of(
                    f,
                    Some("LegacyTestdirPlugin"),
                    "legacypath",
                    module("legacypath"),
                ));
            }
        }
        on_request.push((name.clone(), fixtures));
    }
    let set: &'static BuiltinSet = Box::leak(Box::new(BuiltinSet {
        pytest_dir: Some(pytest_dir.to_path_buf()),
        version,
        startup,
        configure,
        on_request,
        default_plugins,
        builtin_plugins,
    }));
    if let Ok(mut c) = cache.lock() {
        c.insert(key, set);
    }
    Some(set)
}
