//! `fixmig impact`'s output: each group of changed tests as a diagnostic in `check`'s formats
//! (ruff-style text, JSON, GitHub workflow commands, SARIF), with the codes of the changes
//! (FM001–FM003 for new setup errors, FM201–FM205 for the rest).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use crate::check::{Diagnostic, Related, Severity};
use crate::report::Style;

use super::compare::{Cause, Entry, Impact};
use super::git::Base;

fn tests(n: usize) -> String {
    format!("{n} test{}", if n == 1 { "" } else { "s" })
}

/// `singular` or `plural` as `n` asks.
fn verb(n: usize, singular: &'static str, plural: &'static str) -> &'static str {
    if n == 1 {
        singular
    } else {
        plural
    }
}

fn names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// The code, severity, fixture name and message of an entry.
fn describe(entry: &Entry) -> (&'static str, Severity, Option<String>, String) {
    let n = tests(entry.tests.len());
    match &entry.cause {
        Cause::Unresolved { name, old } => (
            "FM001",
            Severity::Error,
            Some(name.clone()),
            format!("fixture '{name}' not found for {n} (at BASE: {old})"),
        ),
        Cause::SetupError { code, name } => {
            let (code, what) = if code == "FM002" {
                ("FM002", "a ScopeMismatch on fixture")
            } else {
                ("FM003", "a recursive dependency involving fixture")
            };
            (
                code,
                Severity::Error,
                Some(name.clone()),
                format!(
                    "{n} now {} {what} '{name}'",
                    verb(entry.tests.len(), "hits", "hit")
                ),
            )
        }
        Cause::Replaced { name, old, new } => (
            "FM201",
            Severity::Error,
            Some(name.clone()),
            format!(
                "{n} {} another definition of '{name}': {new} instead of {old}",
                verb(entry.tests.len(), "gets", "get")
            ),
        ),
        Cause::Moved { name, old, new } => (
            "FM202",
            Severity::Info,
            Some(name.clone()),
            format!("'{name}' moved from {old} to {new} with the same code ({n})"),
        ),
        Cause::Scope { name, at, old, new } => (
            "FM203",
            Severity::Warning,
            Some(name.clone()),
            format!("'{name}' ({at}) is {new}-scoped instead of {old}-scoped for {n}"),
        ),
        Cause::Parametrized { now } => (
            "FM204",
            Severity::Warning,
            None,
            if *now {
                format!("{n} became parametrized")
            } else {
                format!(
                    "{n} {} no longer parametrized",
                    verb(entry.tests.len(), "is", "are")
                )
            },
        ),
        Cause::Closure { gained, lost } => {
            let mut parts = Vec::new();
            if !gained.is_empty() {
                parts.push(format!("now also set up {}", names(gained)));
            }
            if !lost.is_empty() {
                parts.push(format!("no longer set up {}", names(lost)));
            }
            (
                "FM205",
                Severity::Info,
                None,
                format!("{n} {}", parts.join(" and "))
                    .replace(
                        "now also set up",
                        verb(entry.tests.len(), "now also sets up", "now also set up"),
                    )
                    .replace(
                        "no longer set up",
                        verb(entry.tests.len(), "no longer sets up", "no longer set up"),
                    ),
            )
        }
    }
}

/// The entries as diagnostics (the first test named; all with `verbose`).
pub fn diagnostics(impact: &Impact, verbose: bool) -> Vec<Diagnostic> {
    impact
        .entries
        .iter()
        .map(|e| {
            let (code, severity, fixture, message) = describe(e);
            let related = e
                .was
                .iter()
                .map(|(path, line)| Related {
                    path: path.clone(),
                    line: *line,
                    note: "the definition at BASE".into(),
                })
                .collect();
            let shown = if verbose { e.tests.len() } else { 1 };
            let mut test = e.tests.iter().take(shown).cloned().collect::<Vec<_>>();
            if e.tests.len() > shown {
                let more = e.tests.len() - shown;
                test.push(format!("... and {more} more (--verbose lists them)"));
            }
            Diagnostic {
                code,
                severity,
                message,
                help: None,
                path: e.at.0.clone(),
                line: e.at.1,
                column: e.at.2,
                fixture,
                test: Some(test.join("\n  = test: ")),
                related,
            }
        })
        .collect()
}

/// The text report: a header naming BASE, each entry, the summary.
pub fn text(impact: &Impact, base: &Base, verbose: bool, style: Style) -> String {
    let mut out = String::new();
    let short = &base.commit[..base.commit.len().min(12)];
    let _ = writeln!(
        out,
        "Comparing the work tree with {} ({short}): {} in both, {} added, {} removed.",
        base.label,
        tests(impact.common),
        impact.added.len(),
        impact.removed.len()
    );
    let diags = diagnostics(impact, verbose);
    let body = crate::report::diagnostics_text(&diags, style);
    // `check`'s summary line is replaced by impact's own.
    let body = match body.trim_end_matches('\n').rsplit_once('\n') {
        Some((body, _)) => format!("{body}\n"),
        None => String::new(),
    };
    out.push_str(&body);
    if verbose {
        for (what, list) in [("added", &impact.added), ("removed", &impact.removed)] {
            for t in list {
                let _ = writeln!(out, "{what}: {t}");
            }
        }
    }
    let (changed, failing) = changed_tests(impact);
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    if impact.entries.is_empty() {
        out.push_str("No test gets a different fixture.\n");
    } else {
        let _ = writeln!(
            out,
            "Found {}, {} and {}: {} changed, {failing} of them by an error.",
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Info), "info"),
            tests(changed),
        );
    }
    out
}

/// How many tests change at all, and how many by an error.
fn changed_tests(impact: &Impact) -> (usize, usize) {
    let mut all = std::collections::BTreeSet::new();
    let mut failing = std::collections::BTreeSet::new();
    for e in &impact.entries {
        all.extend(e.tests.iter());
        if e.cause.is_error() {
            failing.extend(e.tests.iter());
        }
    }
    (all.len(), failing.len())
}

/// The JSON document: BASE, a summary, every entry with all of its tests.
pub fn json(impact: &Impact, base: &Base) -> Value {
    let entries: Vec<Value> = impact
        .entries
        .iter()
        .map(|e| {
            let (code, severity, fixture, message) = describe(e);
            let mut v = json!({
                "code": code,
                "severity": severity,
                "kind": kind(&e.cause),
                "fixture": fixture,
                "message": message,
                "path": e.at.0, "line": e.at.1, "column": e.at.2,
                "was": e.was.as_ref().map(|(p, l)| json!({"path": p, "line": l})),
                "count": e.tests.len(),
                "tests": e.tests,
            });
            match &e.cause {
                Cause::Unresolved { old, .. } => v["old"] = json!(old),
                Cause::Replaced { old, new, .. } | Cause::Moved { old, new, .. } => {
                    v["old"] = json!(old);
                    v["new"] = json!(new);
                }
                Cause::Scope { old, new, .. } => {
                    v["old"] = json!(old);
                    v["new"] = json!(new);
                }
                Cause::Parametrized { now } => v["parametrized"] = json!(now),
                Cause::Closure { gained, lost } => {
                    v["gained"] = json!(gained);
                    v["lost"] = json!(lost);
                }
                Cause::SetupError { .. } => {}
            }
            v
        })
        .collect();
    let (changed, failing) = changed_tests(impact);
    json!({
        "base": {"commit": base.commit, "label": base.label},
        "summary": {
            "tests": impact.common,
            "added": impact.added.len(),
            "removed": impact.removed.len(),
            "changed": changed,
            "failing": failing,
            "errors": impact.entries.iter().filter(|e| e.cause.is_error()).count(),
        },
        "entries": entries,
        "added": impact.added,
        "removed": impact.removed,
    })
}

fn kind(cause: &Cause) -> &'static str {
    match cause {
        Cause::Unresolved { .. } => "unresolved",
        Cause::SetupError { .. } => "setup-error",
        Cause::Replaced { .. } => "definition",
        Cause::Moved { .. } => "moved",
        Cause::Scope { .. } => "scope",
        Cause::Parametrized { .. } => "parametrized",
        Cause::Closure { .. } => "closure",
    }
}

/// GitHub workflow commands, one per entry.
pub fn github(impact: &Impact, verbose: bool, rootdir: &Path) -> String {
    crate::formats::diagnostics_github(&diagnostics(impact, verbose), rootdir)
}

/// SARIF 2.1.0, one result per entry.
pub fn sarif(impact: &Impact, verbose: bool, rootdir: &Path) -> Value {
    crate::formats::diagnostics_sarif(&diagnostics(impact, verbose), rootdir)
}
