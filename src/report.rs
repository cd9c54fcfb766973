//! Output: diagnostics as ruff-style text or JSON, the per-test resolution JSON contract
//! (`fixtures --per-test --format json`), the fixture listing, and `explain`.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::check::{fixture_location, Diagnostic, Severity};
use crate::index::{FixtureId, FixtureScope, Index, NodeKind, Origin, PluginSource};
use crate::resolve::{ItemResolution, Resolved};

/// Colours for terminal output; all empty when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub bold: &'static str,
    pub red: &'static str,
    pub yellow: &'static str,
    pub cyan: &'static str,
    pub reset: &'static str,
}

impl Style {
    pub fn new(color: bool) -> Style {
        if color {
            Style {
                bold: "\x1b[1m",
                red: "\x1b[31m",
                yellow: "\x1b[33m",
                cyan: "\x1b[36m",
                reset: "\x1b[0m",
            }
        } else {
            Style {
                bold: "",
                red: "",
                yellow: "",
                cyan: "",
                reset: "",
            }
        }
    }
}

pub fn diagnostics_text(diags: &[Diagnostic], style: Style) -> String {
    let mut out = String::new();
    for d in diags {
        let colour = match d.severity {
            Severity::Error => style.red,
            Severity::Warning => style.yellow,
            Severity::Info => style.cyan,
        };
        let _ = writeln!(
            out,
            "{}{}:{}:{}:{} {colour}{}{} {}",
            style.bold, d.path, d.line, d.column, style.reset, d.code, style.reset, d.message
        );
        if let Some(test) = &d.test {
            let _ = writeln!(out, "  = test: {test}");
        }
        for r in &d.related {
            let _ = writeln!(out, "  = note: {}:{}: {}", r.path, r.line, r.note);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {help}");
        }
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if diags.is_empty() {
        out.push_str("All checks passed!\n");
    } else {
        let _ = writeln!(
            out,
            "Found {errors} error{} and {warnings} warning{}.",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
    }
    out
}

pub fn diagnostics_json(diags: &[Diagnostic], tests: usize) -> Value {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    json!({
        "diagnostics": diags,
        "summary": {
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "infos": count(Severity::Info),
            "tests": tests,
        }
    })
}

fn scope_str(scope: FixtureScope) -> &'static str {
    match scope {
        FixtureScope::Known(s) => s.as_str(),
        FixtureScope::Dynamic => "dynamic",
    }
}

fn chain_entry(index: &Index, id: FixtureId) -> Value {
    match (index.fixtures[id].origin, fixture_location(index, id)) {
        (Origin::Code(code), Some((_, line))) => {
            json!({"path": index.json_path(code.module), "line": line})
        }
        (_, Some((path, line))) => json!({"path": path, "line": line}),
        (_, None) => json!({"path": null, "line": null}),
    }
}

/// How a fixture's location reads in text output: `path:line`, plugins with their
/// distribution, builtins as such.
fn location_text(index: &Index, id: FixtureId) -> String {
    let Some((path, line)) = fixture_location(index, id) else {
        return "builtin".to_string();
    };
    match (index.fixtures[id].origin, index.distribution_of(id)) {
        (Origin::Code(code), Some(dist)) if index.is_plugin_module(code.module) => {
            format!("plugin {} ({path}:{line})", dist.name)
        }
        (Origin::Code(code), None) if index.is_plugin_module(code.module) => {
            format!("plugin ({path}:{line})")
        }
        _ => format!("{path}:{line}"),
    }
}

/// One `fixtures` entry of the per-test contract.
pub fn fixture_entry(index: &Index, name: &str, resolved: &Resolved) -> Value {
    match resolved {
        Resolved::Defs(defs) => {
            let last = *defs.last().expect("Defs is never empty");
            let fixture = &index.fixtures[last];
            let chain: Vec<Value> = defs.iter().map(|d| chain_entry(index, *d)).collect();
            match fixture.origin {
                Origin::Builtin(_) | Origin::Synthetic(_) => json!({
                    "name": name, "kind": "builtin", "path": null, "line": null,
                    "function": null, "scope": scope_str(fixture.scope), "chain": chain,
                }),
                Origin::Code(code) => {
                    let def = index.fixture_def(last);
                    let plugin = index.is_plugin_module(code.module);
                    let mut entry = json!({
                        "name": name,
                        "kind": if plugin { "plugin" } else { "fixture" },
                        "path": index.json_path(code.module),
                        "line": def.map(|d| d.function.first_line),
                        "function": def.map(|d| d.function.name.text.clone()),
                        "scope": scope_str(fixture.scope),
                        "chain": chain,
                    });
                    if let Some(dist) = index.distribution_of(last).filter(|_| plugin) {
                        entry["plugin"] = json!(dist.name);
                    }
                    entry
                }
            }
        }
        Resolved::Request => json!({
            "name": name, "kind": "builtin", "path": null, "line": null,
            "function": null, "scope": "function", "chain": [],
        }),
        Resolved::Parametrize => json!({
            "name": name, "kind": "parametrize", "path": null, "line": null,
            "function": null, "scope": null, "chain": [],
        }),
        Resolved::Unresolved => json!({
            "name": name, "kind": "unresolved", "path": null, "line": null,
            "function": null, "scope": null, "chain": [],
        }),
    }
}

/// The `fixtures --per-test --format json` document.
pub fn per_test_json(index: &Index, resolutions: &[ItemResolution]) -> Value {
    let tests: Vec<Value> = index
        .tests
        .iter()
        .zip(resolutions)
        .map(|(item, res)| {
            let fixtures: Vec<Value> = res
                .names
                .iter()
                .map(|n| fixture_entry(index, n, res.get(n)))
                .collect();
            let errors: Vec<Value> = res
                .errors
                .iter()
                .map(|e| json!({"code": e.code(), "fixture": e.name()}))
                .collect();
            json!({"nodeid": item.nodeid, "fixtures": fixtures, "errors": errors})
        })
        .collect();
    json!({"rootdir": index.rootdir.to_string_lossy(), "tests": tests})
}

/// Per-test text listing (`fixtures --per-test` without JSON).
pub fn per_test_text(index: &Index, resolutions: &[ItemResolution], style: Style) -> String {
    let mut out = String::new();
    for (item, res) in index.tests.iter().zip(resolutions) {
        let _ = writeln!(out, "{}{}{}", style.bold, item.nodeid, style.reset);
        for name in &res.names {
            let _ = writeln!(out, "  {}", describe_resolution(index, name, res.get(name)));
        }
    }
    out
}

fn describe_resolution(index: &Index, name: &str, resolved: &Resolved) -> String {
    match resolved {
        Resolved::Defs(defs) => {
            let last = *defs.last().expect("Defs is never empty");
            let f = &index.fixtures[last];
            format!(
                "{name} [{} scope] -- {}",
                scope_str(f.scope),
                location_text(index, last)
            )
        }
        Resolved::Request => format!("{name} -- builtin request object"),
        Resolved::Parametrize => format!("{name} -- direct parametrization"),
        Resolved::Unresolved => format!("{name} -- NOT FOUND"),
    }
}

/// Fixtures per holder, like `pytest --fixtures`: the session's grouped into builtins, each
/// plugin (in registration order) and the rootdir conftest.
pub fn fixtures_listing(index: &Index, style: Style) -> String {
    let mut out = String::new();
    for node in &index.nodes {
        if node.fixtures.is_empty() {
            continue;
        }
        let sections = match node.kind {
            NodeKind::Session => session_sections(index, &node.fixtures),
            NodeKind::Dir => vec![(
                format!("fixtures defined in {}/conftest.py", node.nodeid),
                node.fixtures.clone(),
            )],
            NodeKind::Module(_) | NodeKind::Class(_) => vec![(
                format!("fixtures defined in {}", node.nodeid),
                node.fixtures.clone(),
            )],
        };
        for (title, ids) in sections {
            let _ = writeln!(out, "{}-- {title} --{}", style.bold, style.reset);
            for id in ids {
                let f = &index.fixtures[id];
                let loc = match fixture_location(index, id) {
                    Some((p, l)) => format!("{p}:{l}"),
                    None => "builtin".to_string(),
                };
                let autouse = if f.autouse { ", autouse" } else { "" };
                let _ = writeln!(
                    out,
                    "{}{}{} [{} scope{autouse}] -- {loc}",
                    style.cyan,
                    f.name,
                    style.reset,
                    scope_str(f.scope)
                );
            }
            out.push('\n');
        }
    }
    out
}

/// The session's fixtures in groups (first appearance order): builtins, one group per plugin,
/// then the rootdir conftest and other session-wide modules.
fn session_sections(index: &Index, ids: &[FixtureId]) -> Vec<(String, Vec<FixtureId>)> {
    let mut sections: Vec<(String, Vec<FixtureId>)> = Vec::new();
    for &id in ids {
        let fixture = &index.fixtures[id];
        let title = match (fixture.origin, index.plugin_of(id)) {
            (Origin::Builtin(_) | Origin::Synthetic(_), _) => {
                match index.builtin_set.version.as_deref() {
                    Some(v) => format!("builtin fixtures (pytest {v})"),
                    None => "builtin fixtures".to_string(),
                }
            }
            (_, Some(plugin)) => plugin_title(index, plugin),
            (_, None) => match fixture.holder {
                Some(m) => format!("fixtures defined in {}", index.modules()[m].rel),
                None => "session fixtures".to_string(),
            },
        };
        match sections.iter_mut().find(|(t, _)| *t == title) {
            Some((_, v)) => v.push(id),
            None => sections.push((title, vec![id])),
        }
    }
    sections
}

/// "fixtures from plugin pytest-mock 3.17.0 (entry point `pytest_mock`)".
fn plugin_title(index: &Index, plugin: &crate::index::LoadedPlugin) -> String {
    let dist = plugin
        .distribution
        .and_then(|d| index.environment.as_ref()?.distributions.get(d));
    let what = match dist {
        Some(d) => match &d.version {
            Some(v) => format!("{} {v}", d.name),
            None => d.name.clone(),
        },
        None => format!("`{}`", plugin.name),
    };
    let how = match &plugin.source {
        PluginSource::EntryPoint => format!("entry point `{}`", plugin.name),
        PluginSource::Option(origin) => format!("`-p {}` in {origin}", plugin.name),
        PluginSource::EnvVar => "PYTEST_PLUGINS".to_string(),
        PluginSource::PytestPlugins(m) => {
            format!("pytest_plugins in {}", index.modules()[*m].rel)
        }
    };
    format!("fixtures from plugin {what} ({how})")
}

/// `fixmig explain NODEID`: each fixture the test gets, from where, and which rule chose it.
pub fn explain(index: &mut Index, item: usize, res: &ItemResolution) -> String {
    let test = index.tests[item].clone();
    let mut out = String::new();
    let _ = writeln!(out, "{}", test.nodeid);
    let requested: Vec<&str> = test.argnames.iter().map(|r| r.name.as_str()).collect();
    let used: Vec<&str> = test.usefixtures.iter().map(|r| r.name.as_str()).collect();
    for name in &res.names {
        let why = if requested.contains(&name.as_str()) {
            "requested as an argument of the test"
        } else if used.contains(&name.as_str()) {
            "requested by a usefixtures mark"
        } else if res.initial.contains(name) {
            "autouse fixture (or ini usefixtures) visible to the test"
        } else {
            "requested by another fixture in the closure"
        };
        let _ = writeln!(out, "  {}", describe_resolution(index, name, res.get(name)));
        let _ = writeln!(out, "      why: {why}");
        if let Resolved::Unresolved = res.get(name) {
            if let (Some(help), _) = crate::check::explain_missing(index, name, test.parent) {
                let _ = writeln!(out, "      help: {help}");
            }
        }
        if let Resolved::Defs(defs) = res.get(name) {
            let last = *defs.last().expect("Defs is never empty");
            let holder = &index.nodes[index.fixtures[last].node];
            let rule = match holder.kind {
                NodeKind::Session => match (index.fixtures[last].origin, index.plugin_of(last)) {
                    (Origin::Builtin(_), _) => "builtin fixture of pytest".to_string(),
                    (_, Some(plugin)) => {
                        plugin_title(index, plugin).replacen("fixtures from plugin", "plugin", 1)
                    }
                    (_, None) => match index.fixtures[last].holder {
                        Some(m) => format!("session-wide definition in {}", index.modules()[m].rel),
                        None => "session-wide definition".to_string(),
                    },
                },
                NodeKind::Dir => format!("closest conftest: {}/conftest.py", holder.nodeid),
                NodeKind::Module(_) => format!("defined in the test module {}", holder.nodeid),
                NodeKind::Class(_) => format!("defined on the class {}", holder.nodeid),
            };
            let _ = writeln!(out, "      from: {rule}");
            if defs.len() > 1 {
                let overridden: Vec<String> = defs[..defs.len() - 1]
                    .iter()
                    .map(|d| {
                        fixture_location(index, *d)
                            .map(|(p, l)| format!("{p}:{l}"))
                            .unwrap_or_else(|| "builtin".to_string())
                    })
                    .collect();
                let _ = writeln!(out, "      overrides: {}", overridden.join(", "));
            }
        }
    }
    for e in &res.errors {
        let _ = writeln!(out, "  setup error {}: {}", e.code(), e.name());
    }
    out
}
