//! fixmig's check of its own result: after a rule is planned and applied in memory, the
//! migrated project is analysed again, and every request that finds no fixture there but did
//! before (a parameter, `usefixtures`, a `getfixturevalue("...")` literal of a test, a fixture
//! or a plain function) refuses the rule. With `keep_alias`, the requests still written with
//! the deprecated name are listed instead.

use std::collections::{BTreeMap, BTreeSet};

use crate::builtins::REQUEST;
use crate::index::{FixtureId, Index, NodeId, NodeKind, Origin};
use crate::parse::{BindingKind, Span};
use crate::resolve::{Resolved, SetupError};
use crate::Analysis;

use super::consolidate::{resolution_fingerprint, FingerprintLine};

/// What the project was before a rule, kept to compare with the result.
pub struct Before {
    dangling: BTreeMap<Dangling, String>,
    /// Consolidation rules: every test's definition code, which must not change.
    fingerprint: Option<BTreeMap<String, Vec<FingerprintLine>>>,
    /// A redirect (`remove` with `replace_with`): the setup errors, which must not grow.
    errors: Option<usize>,
}

impl Before {
    pub fn new(analysis: &Analysis, same_code: bool, same_errors: bool) -> Before {
        Before {
            dangling: dangling_requests(analysis),
            fingerprint: same_code.then(|| resolution_fingerprint(analysis)),
            errors: same_errors.then(|| count_errors(analysis)),
        }
    }

    /// Why the migrated project `after` is not acceptable: a request that finds no fixture
    /// any more, a test whose definition code changes (consolidation), more setup errors
    /// (redirect). Empty when it is.
    pub fn reasons(&self, after: &Analysis, renamed: Option<(&str, &str)>) -> Vec<String> {
        let mut reasons = Vec::new();
        if let Some(before) = &self.fingerprint {
            let after = resolution_fingerprint(after);
            for (test, lines) in before {
                match after.get(test) {
                    None => reasons.push(format!("{test} would no longer be collected")),
                    Some(now) if now != lines => {
                        let gone: Vec<&FingerprintLine> =
                            lines.iter().filter(|l| !now.contains(l)).collect();
                        let new: Vec<&FingerprintLine> =
                            now.iter().filter(|l| !lines.contains(l)).collect();
                        reasons.push(match (new.is_empty(), gone.is_empty()) {
                            (false, true) => format!("{test} would also get {}", short(&new)),
                            (true, false) => {
                                format!("{test} would no longer get {}", short(&gone))
                            }
                            _ => format!(
                                "{test} would get {} instead of {}",
                                short(&new),
                                short(&gone)
                            ),
                        });
                    }
                    Some(_) => {}
                }
            }
            for test in after.keys().filter(|t| !before.contains_key(*t)) {
                reasons.push(format!("{test} would be collected only after the change"));
            }
        }
        if let Some(errors_before) = self.errors {
            let errors_after = count_errors(after);
            if errors_after > errors_before {
                reasons.push(format!(
                    "setup errors would grow from {errors_before} to {errors_after} (run `fixmig check` on the result)"
                ));
            }
        }
        // A test the comparison above already names is not named again.
        let named = |reason: &String| {
            reasons.iter().any(|r| {
                reason.contains(&format!("in test `{}`", r.split(' ').next().unwrap_or("")))
            })
        };
        let dangling: Vec<String> =
            new_dangling(&self.dangling, &dangling_requests(after), renamed)
                .into_iter()
                .filter(|r| !named(r))
                .collect();
        reasons.extend(dangling);
        reasons
    }
}

fn count_errors(analysis: &Analysis) -> usize {
    analysis.resolutions.iter().map(|r| r.errors.len()).sum()
}

fn short(lines: &[&FingerprintLine]) -> String {
    let mut text: Vec<&str> = lines.iter().take(3).map(|l| l.shown.as_str()).collect();
    let more = lines.len().saturating_sub(3);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    match text.len() {
        0 => "nothing".into(),
        1 => format!("{}{more}", text[0]),
        _ => {
            let last = text.pop().unwrap_or_default();
            format!("{} and {last}{more}", text.join(", "))
        }
    }
}

/// A request that resolves nowhere: who holds it and the name, as the identity compared across
/// the migration; where it is written, for the message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dangling {
    /// "test `nodeid`", "fixture `name`" or "function `name`" (a fixture is named without its
    /// file: consolidation rules move it).
    pub holder: String,
    pub name: String,
}

/// Every request of `analysis` that resolves to no definition, with where it is written
/// (`path:line:col`) and a test it fails for, when one does.
pub fn dangling_requests(analysis: &Analysis) -> BTreeMap<Dangling, String> {
    let index = &analysis.index;
    let mut out = BTreeMap::new();
    let mut add = |holder: String, name: &str, at: String| {
        out.entry(Dangling {
            holder,
            name: name.to_string(),
        })
        .or_insert(at);
    };
    for (item, res) in index.tests.iter().zip(&analysis.resolutions) {
        let holder = format!("test `{}`", item.nodeid);
        for error in &res.errors {
            let SetupError::NotFound { name, by } = error else {
                continue;
            };
            match by {
                None => {
                    let at = item
                        .argnames
                        .iter()
                        .chain(&item.usefixtures)
                        .find(|r| &r.name == name)
                        .and_then(|r| r.span.map(|s| place(index, r.module, &s)))
                        .unwrap_or_else(|| index.modules()[item.code.module].rel.clone());
                    add(holder.clone(), name, at);
                }
                Some(fixture) => {
                    let at = fixture_request_place(index, *fixture, name);
                    add(fixture_holder(index, *fixture), name, at);
                }
            }
        }
        for request in &item.getfixturevalue {
            let name = &request.name;
            let local = name == REQUEST || item.direct_params.contains(name);
            let known = !matches!(res.get(name), Resolved::Unresolved)
                || !index.visible(name, item.parent).is_empty();
            if !local && !known {
                let at = request
                    .span
                    .map(|s| place(index, request.module, &s))
                    .unwrap_or_default();
                add(holder.clone(), name, at);
            }
        }
    }
    // Every fixture of the project, as a test next to it would request it: covers fixtures no
    // collected test reaches (a focused analysis collects only some test modules).
    for (id, fixture) in index.fixtures.iter().enumerate() {
        let Origin::Code(code) = fixture.origin else {
            continue;
        };
        if index.modules()[code.module].environment {
            continue;
        }
        for name in fixture.argnames.iter().chain(&fixture.getfixturevalue) {
            if name == REQUEST || name == &fixture.name {
                continue;
            }
            if index.visible(name, fixture.node).is_empty() {
                add(
                    fixture_holder(index, id),
                    name,
                    fixture_request_place(index, id, name),
                );
            }
        }
    }
    // `getfixturevalue` literals of plain functions, decided where the function is defined.
    let tests: BTreeSet<_> = index.tests.iter().map(|t| t.code).collect();
    let module_nodes: BTreeMap<usize, NodeId> = index
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(id, n)| match n.kind {
            NodeKind::Module(m) => Some((m, id)),
            _ => None,
        })
        .collect();
    for (module_id, module) in index.modules().iter().enumerate() {
        let Some(facts) = module.facts.as_ref().filter(|_| !module.environment) else {
            continue;
        };
        let node = module_nodes
            .get(&module_id)
            .copied()
            .unwrap_or_else(|| index.directory_node(&module.rel));
        for (binding_id, binding) in facts.bindings.iter().enumerate() {
            let BindingKind::Function(function) = &binding.kind else {
                continue;
            };
            let code = crate::index::CodeRef {
                module: module_id,
                class: None,
                binding: binding_id,
            };
            if tests.contains(&code) {
                continue;
            }
            for lookup in &function.getfixturevalue {
                if lookup.text != REQUEST && index.visible(&lookup.text, node).is_empty() {
                    add(
                        format!("function `{}`", function.name.text),
                        &lookup.text,
                        place(index, module_id, &lookup.span),
                    );
                }
            }
        }
    }
    out
}

fn place(index: &Index, module: usize, span: &Span) -> String {
    format!(
        "{}:{}:{}",
        index.modules()[module].rel,
        span.line(),
        span.column()
    )
}

fn fixture_holder(index: &Index, id: FixtureId) -> String {
    format!("fixture `{}`", index.fixtures[id].name)
}

/// Where fixture `id` requests `name` (a parameter or a `getfixturevalue` literal).
fn fixture_request_place(index: &Index, id: FixtureId, name: &str) -> String {
    let Origin::Code(code) = index.fixtures[id].origin else {
        return String::new();
    };
    let function = index.fixture_def(id).map(|f| &f.function);
    let span = function.and_then(|f| {
        f.params
            .iter()
            .map(|p| &p.name)
            .chain(&f.getfixturevalue)
            .find(|l| l.text == name)
            .map(|l| l.span)
    });
    match span {
        Some(span) => place(index, code.module, &span),
        None => index.modules()[code.module].rel.clone(),
    }
}

/// The requests `after` leaves without a definition that `before` did not, each as a refusal
/// reason. `renamed` maps a fixture's old name to its new one, so that a fixture that was
/// renamed is still the same holder.
pub fn new_dangling(
    before: &BTreeMap<Dangling, String>,
    after: &BTreeMap<Dangling, String>,
    renamed: Option<(&str, &str)>,
) -> Vec<String> {
    let map = |d: &Dangling| match renamed {
        Some((old, to)) if d.holder == format!("fixture `{old}`") => Dangling {
            holder: format!("fixture `{to}`"),
            name: d.name.clone(),
        },
        _ => d.clone(),
    };
    let before: BTreeSet<Dangling> = before.keys().map(map).collect();
    after
        .iter()
        .filter(|(d, _)| !before.contains(d))
        .map(|(d, at)| {
            format!(
                "this request of `{}` in {} ({at}) would find no fixture after the migration",
                d.name, d.holder
            )
        })
        .collect()
}

/// With `keep_alias`: the requests of the migrated project still written with the deprecated
/// name `old` that resolve to the alias fixmig keeps (a definition of `old` requesting `to`).
pub fn deprecated_requests(analysis: &Analysis, old: &str, to: &str) -> Vec<String> {
    let index = &analysis.index;
    let is_alias = |id: FixtureId| {
        let f = &index.fixtures[id];
        f.name == old && f.argnames.iter().any(|a| a == to)
    };
    let mut out = BTreeSet::new();
    for (item, res) in index.tests.iter().zip(&analysis.resolutions) {
        let gets_alias = match res.get(old) {
            Resolved::Defs(defs) => defs.last().is_some_and(|&d| is_alias(d)),
            Resolved::Unresolved => index
                .visible(old, item.parent)
                .last()
                .is_some_and(|&d| is_alias(d)),
            _ => false,
        };
        if !gets_alias {
            continue;
        }
        for request in item
            .argnames
            .iter()
            .chain(&item.usefixtures)
            .chain(&item.getfixturevalue)
            .filter(|r| r.name == old)
        {
            let at = request
                .span
                .map(|s| place(index, request.module, &s))
                .unwrap_or_default();
            out.insert(format!(
                "{at}: test `{}` still requests the deprecated `{old}`",
                item.nodeid
            ));
        }
        for name in &res.names {
            let Resolved::Defs(defs) = res.get(name) else {
                continue;
            };
            let Some(&def) = defs.last() else { continue };
            let fixture = &index.fixtures[def];
            if is_alias(def) {
                continue;
            }
            let asks = fixture
                .argnames
                .iter()
                .chain(&fixture.getfixturevalue)
                .any(|a| a == old);
            if asks {
                let at = fixture_request_place(index, def, old);
                out.insert(format!(
                    "{at}: fixture `{}` still requests the deprecated `{old}`",
                    fixture.name
                ));
            }
        }
    }
    out.into_iter().collect()
}
