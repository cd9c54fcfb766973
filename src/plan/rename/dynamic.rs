//! `getfixturevalue` outside the requests pytest resolves ahead: calls in plain functions (helpers
//! that a test or fixture calls with its `request`) and calls whose argument is not a literal.
//!
//! pytest looks such a name up from the test that is running, which a helper's definition does
//! not tell: its literal is decided as for a test where the helper is defined (its class, its
//! module, or the directory of a module tests import it from). A computed argument cannot be
//! decided at all: each one in a file that mentions the old name gets a note with its line.
//! A `pytest_generate_tests` hook that asks whether tests request the old name, or parametrizes
//! it indirectly, refuses the rule: fixmig does not rewrite hook bodies.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use crate::index::{ClassRef, CodeRef, Index, ModuleId, NodeId, NodeKind};
use crate::parse::{BindingKind, FunctionDef, HookArgnames, HookCondition, Indirect, Span};

use super::{Decision, Planner, SiteKind};

/// Every function of a project module (not of the environment), with its code reference.
fn project_functions(index: &Index) -> impl Iterator<Item = (CodeRef, &FunctionDef)> {
    index
        .modules()
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.environment)
        .filter_map(|(id, m)| Some((id, m.facts.as_ref()?)))
        .flat_map(|(module, facts)| {
            let top = facts
                .bindings
                .iter()
                .enumerate()
                .map(move |(b, binding)| (None, b, binding));
            let nested = facts.classes.iter().enumerate().flat_map(|(c, class)| {
                class
                    .bindings
                    .iter()
                    .enumerate()
                    .map(move |(b, binding)| (Some(c), b, binding))
            });
            top.chain(nested).filter_map(move |(class, binding, b)| {
                let function = match &b.kind {
                    BindingKind::Function(f) => f.as_ref(),
                    BindingKind::Fixture(f) => &f.function,
                    _ => return None,
                };
                Some((
                    CodeRef {
                        module,
                        class,
                        binding,
                    },
                    function,
                ))
            })
        })
}

/// The node a call in `code` is decided from: its collected class, its collected module, else
/// the directory it is in.
fn home_node(
    index: &Index,
    code: CodeRef,
    modules: &HashMap<ModuleId, NodeId>,
    classes: &HashMap<ClassRef, NodeId>,
) -> NodeId {
    code.class
        .and_then(|class| {
            classes
                .get(&ClassRef {
                    module: code.module,
                    class,
                })
                .copied()
        })
        .or_else(|| modules.get(&code.module).copied())
        .unwrap_or_else(|| index.directory_node(&index.modules()[code.module].rel))
}

impl Planner<'_> {
    /// Decides the `getfixturevalue("old")` literals of plain functions (not tests, not
    /// fixtures: those are decided with the tests that reach them).
    pub(super) fn helper_lookups(&mut self) {
        let index = self.index;
        let old = self.spec.fixture.as_str();
        let tests: BTreeSet<CodeRef> = index.tests.iter().map(|t| t.code).collect();
        let mut modules = HashMap::new();
        let mut classes = HashMap::new();
        for (id, node) in index.nodes.iter().enumerate() {
            match node.kind {
                NodeKind::Module(m) => {
                    modules.insert(m, id);
                }
                NodeKind::Class(c) => {
                    classes.insert(c, id);
                }
                NodeKind::Session | NodeKind::Dir => {}
            }
        }
        for (code, function) in project_functions(index) {
            let is_fixture = matches!(index.binding_kind(code), Some(BindingKind::Fixture(_)));
            if is_fixture || tests.contains(&code) {
                continue;
            }
            let node = home_node(index, code, &modules, &classes);
            for lookup in function.getfixturevalue.iter().filter(|g| g.text == old) {
                let rename = index
                    .visible(old, node)
                    .last()
                    .is_some_and(|&d| self.member(d));
                let place = &index.nodes[node].nodeid;
                let witness = if place.is_empty() {
                    "tests in the rootdir".to_string()
                } else {
                    format!("tests under `{place}`")
                };
                self.decide(code.module, lookup.span, SiteKind::Text, || Decision {
                    rename,
                    witness,
                    node,
                    holder: format!("function `{}`", function.name.text),
                });
            }
        }
    }

    /// A note for each `getfixturevalue(<computed name>)` in a project file that holds the old
    /// name as a string literal: fixmig cannot tell whether it asks for the renamed fixture.
    pub(super) fn computed_lookup_notes(&self) -> Vec<String> {
        let index = self.index;
        let old = self.spec.fixture.as_str();
        let tests: BTreeSet<CodeRef> = index.tests.iter().map(|t| t.code).collect();
        let mut mentions: HashMap<ModuleId, bool> = HashMap::new();
        let mut notes = Vec::new();
        for (code, function) in project_functions(index) {
            if function.dynamic_lookups.is_empty() {
                continue;
            }
            let module = &index.modules()[code.module];
            // A computed name comes from a string somewhere: only files that hold the old name
            // as a string literal can be computing it.
            let mentioned = *mentions.entry(code.module).or_insert_with(|| {
                index.loader.read(&module.path).is_ok_and(|bytes| {
                    [format!("\"{old}\""), format!("'{old}'")]
                        .iter()
                        .any(|q| memchr::memmem::find(&bytes, q.as_bytes()).is_some())
                })
            });
            if !mentioned {
                continue;
            }
            let kind = match index.binding_kind(code) {
                Some(BindingKind::Fixture(_)) => "fixture",
                _ if tests.contains(&code) => "test",
                _ => "function",
            };
            for lookup in &function.dynamic_lookups {
                // A parametrized argument with string values: each value is decided as a
                // request of the test (`TestItem::getfixturevalue`).
                if kind == "test" && crate::parse::lookup_values(function, lookup).is_some() {
                    continue;
                }
                notes.push(computed_note(
                    &module.rel,
                    &lookup.span,
                    kind,
                    &function.name.text,
                    old,
                ));
            }
        }
        notes.sort();
        notes.dedup();
        notes
    }
}

/// Whether a hook condition asks whether tests request `name`.
fn asks_for(condition: &HookCondition, name: &str) -> bool {
    match condition {
        HookCondition::Requests(n) => n == name,
        HookCondition::Not(c) => asks_for(c, name),
        HookCondition::All(cs) | HookCondition::Any(cs) => cs.iter().any(|c| asks_for(c, name)),
        HookCondition::Const(_)
        | HookCondition::FunctionName(_)
        | HookCondition::Unknown { .. } => false,
    }
}

impl Planner<'_> {
    /// Refuses the rename when a project `pytest_generate_tests` hook names the old fixture
    /// where renaming matters: `"old" in metafunc.fixturenames` (the renamed tests no longer
    /// request `old`, so the hook would stop parametrizing them) or an indirect
    /// `metafunc.parametrize("old", ..., indirect=...)` (a request of the fixture).
    pub(super) fn hooks_naming_old(&mut self) {
        let index = self.index;
        let old = self.spec.fixture.as_str();
        for (code, function) in project_functions(index) {
            let Some(hook) = &function.generate_tests else {
                continue;
            };
            let rel = &index.modules()[code.module].rel;
            for call in &hook.calls {
                let names: &[crate::parse::Located] = match &call.argnames {
                    HookArgnames::Literal(names) => names,
                    _ => &[],
                };
                let indirect =
                    names
                        .iter()
                        .filter(|n| n.text == old)
                        .any(|n| match &call.indirect {
                            Some(Indirect::All) => true,
                            Some(Indirect::Some(list)) => list.iter().any(|l| l.text == n.text),
                            Some(Indirect::None) => false,
                            // `indirect=` computed at run time: may be a request of the fixture.
                            None => true,
                        });
                let what = if indirect {
                    format!("parametrizes `{old}` indirectly (a request of the fixture)")
                } else if asks_for(&call.condition, old) {
                    format!("asks whether tests request `{old}` (`metafunc.fixturenames`)")
                } else {
                    continue;
                };
                self.reasons.push(format!(
                    "{rel}:{}:{}: `pytest_generate_tests` in {rel} {what}; fixmig does not rewrite hook bodies, and the renamed tests would no longer be parametrized there: write `{to}` in the hook by hand first, then run the migration",
                    call.span.line(),
                    call.span.column(),
                    to = self.spec.to
                ));
            }
        }
    }
}

fn computed_note(rel: &str, span: &Span, kind: &str, name: &str, old: &str) -> String {
    format!(
        "{rel}:{}:{}: `getfixturevalue` in {kind} `{name}` takes a computed name; fixmig cannot tell whether it asks for `{old}`: check it by hand",
        span.line(), span.column()
    )
}
