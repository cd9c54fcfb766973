//! Output: diagnostics as ruff-style text or JSON, the per-test resolution JSON contract
//! (`fixtures --per-test --format json`), the fixture listing, and `explain`.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::check::{fixture_location, Diagnostic, Severity};
use crate::index::{FixtureId, FixtureScope, Index, NodeKind, Origin};
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
    match fixture_location(index, id) {
        Some((path, line)) => json!({"path": path, "line": line}),
        None => json!({"path": null, "line": null}),
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
                    json!({
                        "name": name,
                        "kind": "fixture",
                        "path": index.modules()[code.module].rel,
                        "line": def.map(|d| d.function.first_line),
                        "function": def.map(|d| d.function.name.text.clone()),
                        "scope": scope_str(fixture.scope),
                        "chain": chain,
                    })
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
            match fixture_location(index, last) {
                Some((p, l)) => format!("{name} [{} scope] -- {p}:{l}", scope_str(f.scope)),
                None => format!("{name} [{} scope] -- builtin", scope_str(f.scope)),
            }
        }
        Resolved::Request => format!("{name} -- builtin request object"),
        Resolved::Parametrize => format!("{name} -- direct parametrization"),
        Resolved::Unresolved => format!("{name} -- NOT FOUND"),
    }
}

/// Fixtures per holder, like `pytest --fixtures`.
pub fn fixtures_listing(index: &Index, style: Style) -> String {
    let mut out = String::new();
    for node in &index.nodes {
        if node.fixtures.is_empty() {
            continue;
        }
        let title = match node.kind {
            NodeKind::Session => "session (builtins, plugins, rootdir conftest)".to_string(),
            NodeKind::Dir => format!("{}/conftest.py", node.nodeid),
            NodeKind::Module(_) | NodeKind::Class(_) => node.nodeid.clone(),
        };
        let _ = writeln!(
            out,
            "{}-- fixtures defined in {title} --{}",
            style.bold, style.reset
        );
        for &id in &node.fixtures {
            let f = &index.fixtures[id];
            let loc = fixture_location(index, id)
                .map(|(p, l)| format!("{p}:{l}"))
                .unwrap_or_else(|| "builtin".to_string());
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
    out
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
                NodeKind::Session => {
                    "session-wide definition (builtin, plugin or rootdir conftest)".to_string()
                }
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
