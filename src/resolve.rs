//! pytest's lookup, statically: for one test item, the fixture closure in pytest's order
//! (`item.fixturenames`), the definition each name resolves to, and the setup errors pytest
//! would raise (missing fixture, recursive dependency, scope mismatch) in the order it would
//! hit them.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::builtins::REQUEST;
use crate::index::{FixtureId, FixtureScope, Index, Request, Scope, TestItem};

pub mod hooks;

pub use hooks::{HookParams, HookSite};

/// How one requested name resolves for an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Visible definitions, least specific first; the item gets the last one.
    Defs(Vec<FixtureId>),
    /// Shadowed by a direct `parametrize` of the same name.
    Parametrize,
    /// The `request` pseudo-fixture.
    Request,
    Unresolved,
}

/// A setup error pytest would raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    /// `fixture 'name' not found`, requested by `by` (None: the test itself).
    NotFound { name: String, by: Option<FixtureId> },
    /// `recursive dependency involving fixture 'name' detected`.
    Recursive { name: String, by: Option<FixtureId> },
    /// A `requester` fixture of wider scope requesting the narrower `requested`.
    ScopeMismatch {
        name: String,
        requester: FixtureId,
        requested: FixtureId,
    },
}

impl SetupError {
    pub fn code(&self) -> &'static str {
        match self {
            SetupError::NotFound { .. } => "FM001",
            SetupError::ScopeMismatch { .. } => "FM002",
            SetupError::Recursive { .. } => "FM003",
        }
    }
    pub fn name(&self) -> &str {
        match self {
            SetupError::NotFound { name, .. }
            | SetupError::Recursive { name, .. }
            | SetupError::ScopeMismatch { name, .. } => name,
        }
    }
}

/// The resolution of one test item.
#[derive(Debug, Clone)]
pub struct ItemResolution {
    /// `item.fixturenames`.
    pub names: Vec<String>,
    pub resolved: HashMap<String, Resolved>,
    /// The names the test requests directly (autouse, usefixtures, arguments), deduplicated.
    pub initial: Vec<String>,
    pub errors: Vec<SetupError>,
    /// What the test's `pytest_generate_tests` hooks parametrize (the certain direct names
    /// are [`Resolved::Parametrize`] in `resolved`).
    pub hook_params: HookParams,
    /// `fixture not found` errors that a hook may prevent, by parametrizing the name or a
    /// fixture that leads to it, in the order met. Not in `errors`.
    pub maybe_missing: Vec<MaybeMissing>,
}

/// A `fixture not found` a `pytest_generate_tests` hook may prevent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeMissing {
    pub name: String,
    /// The fixture requesting it (`None`: the test).
    pub by: Option<FixtureId>,
    /// The name the hook may parametrize: `name` itself, or a fixture that leads to it.
    pub shadowed: String,
}

impl ItemResolution {
    pub fn get(&self, name: &str) -> &Resolved {
        self.resolved.get(name).unwrap_or(&Resolved::Unresolved)
    }
}

/// The names an item requests before the closure: autouse along its node chain, then
/// `usefixtures` marks, then its arguments (pytest's `initialnames`).
pub fn initial_names(index: &Index, item: &TestItem) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let autouse = index
        .chain(item.parent)
        .into_iter()
        .flat_map(|n| index.nodes[n].autouse.iter().map(|a| a.to_string()));
    let requested = item
        .usefixtures
        .iter()
        .chain(item.argnames.iter())
        .map(|r: &Request| r.name.clone());
    for name in autouse.chain(requested) {
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

pub fn resolve_item(index: &Index, item: &TestItem) -> ItemResolution {
    let initial = initial_names(index, item);
    let mut direct: HashSet<String> = item.direct_params.iter().cloned().collect();
    let mut resolved: HashMap<String, Resolved> = HashMap::new();
    let order = closure(index, item, &initial, &direct, &mut resolved);
    let scope_of = |name: &str, resolved: &HashMap<String, Resolved>| -> Scope {
        match resolved.get(name) {
            Some(Resolved::Defs(defs)) => match index.fixtures[*defs.last().unwrap()].scope {
                FixtureScope::Known(s) => s,
                FixtureScope::Dynamic => Scope::Function,
            },
            _ => Scope::Function,
        }
    };
    let mut names = order;
    // A stable sort, widest scope first.
    names.sort_by_key(|n| std::cmp::Reverse(scope_of(n, &resolved)));
    // `pytest_generate_tests` sees this closure as `metafunc.fixturenames`; what it
    // parametrizes directly shadows fixtures, and `prune_dependency_tree` drops what only they
    // requested (keeping the order).
    let hook_params = hooks::evaluate(index, item, &names);
    if !hook_params.direct.is_empty() {
        for name in &hook_params.direct {
            direct.insert(name.clone());
            resolved.insert(name.clone(), Resolved::Parametrize);
        }
        let kept: HashSet<String> = closure(index, item, &initial, &direct, &mut resolved)
            .into_iter()
            .collect();
        names.retain(|n| kept.contains(n));
        resolved.retain(|n, _| kept.contains(n));
    }
    let (errors, maybe_missing) =
        simulate_setup(index, item.parent, &names, &resolved, &hook_params);
    ItemResolution {
        names,
        resolved,
        initial,
        errors,
        hook_params,
        maybe_missing,
    }
}

/// pytest's fixture closure of the initial names, by the installed version's algorithm;
/// `direct` names are parametrized (no fixture).
fn closure(
    index: &Index,
    item: &TestItem,
    initial: &[String],
    direct: &HashSet<String>,
    resolved: &mut HashMap<String, Resolved>,
) -> Vec<String> {
    let mut lookup = |name: &str| -> Resolved {
        if let Some(r) = resolved.get(name) {
            return r.clone();
        }
        let r = if direct.contains(name) {
            Resolved::Parametrize
        } else if name == REQUEST {
            Resolved::Request
        } else {
            let defs = index.visible(name, item.parent);
            if defs.is_empty() {
                Resolved::Unresolved
            } else {
                Resolved::Defs(defs)
            }
        };
        resolved.insert(name.to_string(), r.clone());
        r
    };
    if index.pytest.closure_follows_override_chains() {
        // traverse_fixture_closure (pytest 9.1+): DFS from the initial names, following the
        // definition each level of an override chain would get.
        let mut order = Vec::new();
        let mut indices: HashMap<String, isize> = HashMap::new();
        for name in initial {
            traverse(name, &mut lookup, index, &mut order, &mut indices);
        }
        order
    } else {
        closure_of_visible_defs(initial, &mut lookup, index)
    }
}

fn traverse(
    name: &str,
    lookup: &mut impl FnMut(&str) -> Resolved,
    index: &Index,
    order: &mut Vec<String>,
    indices: &mut HashMap<String, isize>,
) {
    let current = indices.get(name).copied();
    if current == Some(-1) {
        return;
    }
    if current.is_none() {
        order.push(name.to_string());
        indices.insert(name.to_string(), -1);
    }
    let Resolved::Defs(defs) = lookup(name) else {
        return;
    };
    let at = indices.get(name).copied().unwrap_or(-1);
    if (-at) as usize > defs.len() {
        return;
    }
    let def = defs[(defs.len() as isize + at) as usize];
    indices.insert(name.to_string(), at - 1);
    for dep in index.fixtures[def].argnames.clone() {
        traverse(&dep, lookup, index, order, indices);
    }
    indices.insert(name.to_string(), at);
}

/// pytest 8.0–9.0's `getfixtureclosure`: the initial names, then (breadth first, each name
/// once) the arguments of the definition each name gets; the levels an override chain
/// requests below it are not followed (their fixtures are set up all the same, but are not
/// in `item.fixturenames`).
fn closure_of_visible_defs(
    initial: &[String],
    lookup: &mut impl FnMut(&str) -> Resolved,
    index: &Index,
) -> Vec<String> {
    let mut order: Vec<String> = initial.to_vec();
    let mut seen: HashSet<String> = order.iter().cloned().collect();
    let mut next = 0;
    while let Some(name) = order.get(next).cloned() {
        next += 1;
        let Resolved::Defs(defs) = lookup(&name) else {
            continue;
        };
        let def = *defs.last().expect("Defs is never empty");
        for dep in &index.fixtures[def].argnames {
            if !seen.contains(dep.as_str()) {
                seen.insert(dep.to_string());
                order.push(dep.to_string());
            }
        }
    }
    order
}

/// Replays pytest's setup (`_fillfixtures` → `getfixturevalue` → `_get_active_fixturedef`) and
/// records every error in the order pytest would meet them; pytest stops at the first.
/// A `NotFound` a hook may prevent goes to the second list instead (see
/// [`ItemResolution::maybe_missing`]).
fn simulate_setup(
    index: &Index,
    node: crate::index::NodeId,
    names: &[String],
    resolved: &HashMap<String, Resolved>,
    hooks: &HookParams,
) -> (Vec<SetupError>, Vec<MaybeMissing>) {
    let mut sim = Setup {
        index,
        node,
        resolved,
        done: HashMap::new(),
        stack: Vec::new(),
        errors: Vec::new(),
        failed: HashMap::new(),
        hooks,
        shadowable: Vec::new(),
        maybe_missing: Vec::new(),
    };
    for name in names {
        sim.request(name, None);
    }
    (sim.errors, sim.maybe_missing)
}

struct Setup<'a> {
    index: &'a Index,
    node: crate::index::NodeId,
    resolved: &'a HashMap<String, Resolved>,
    /// Fixtures already set up for this item: name → definition.
    done: HashMap<String, FixtureId>,
    /// The fixtures being set up, outermost first: (name, definition).
    stack: Vec<(String, FixtureId)>,
    errors: Vec<SetupError>,
    /// Names that failed, and whether certainly (else only where a hook may prevent it).
    failed: HashMap<String, bool>,
    hooks: &'a HookParams,
    /// The fixtures being set up that a hook may shadow (their requests may never happen).
    shadowable: Vec<String>,
    maybe_missing: Vec<MaybeMissing>,
}

impl Setup<'_> {
    fn scope(&self, id: FixtureId) -> Option<Scope> {
        match self.index.fixtures[id].scope {
            FixtureScope::Known(s) => Some(s),
            FixtureScope::Dynamic => None,
        }
    }

    fn check_scope(&mut self, name: &str, requested: FixtureId) {
        let Some(&(_, requester)) = self.stack.last() else {
            return;
        };
        if let (Some(outer), Some(inner)) = (self.scope(requester), self.scope(requested)) {
            if outer > inner {
                self.errors.push(SetupError::ScopeMismatch {
                    name: name.to_string(),
                    requester,
                    requested,
                });
            }
        }
    }

    fn request(&mut self, name: &str, by: Option<FixtureId>) {
        if name == REQUEST {
            return;
        }
        let shadowed = match self.hooks.maybe_site(name) {
            Some(_) => Some(name.to_string()),
            None => self.shadowable.last().cloned(),
        };
        let maybe = shadowed.is_some();
        match self.failed.get(name) {
            Some(true) => return,
            Some(false) if maybe => return,
            // Missing for certain now, where before only a shadowed fixture requested it.
            Some(false) => {
                self.failed.insert(name.to_string(), true);
                self.errors.push(SetupError::NotFound {
                    name: name.to_string(),
                    by,
                });
                return;
            }
            None => {}
        }
        if let Some(&done) = self.done.get(name) {
            self.check_scope(name, done);
            return;
        }
        let defs = match self.resolved.get(name) {
            Some(Resolved::Defs(defs)) => defs.clone(),
            Some(Resolved::Parametrize) | Some(Resolved::Request) => return,
            Some(Resolved::Unresolved) => Vec::new(),
            // Reached only through a level of an override chain the closure did not visit.
            None => self.index.visible(name, self.node),
        };
        if defs.is_empty() {
            self.failed.insert(name.to_string(), !maybe);
            if let Some(shadowed) = shadowed {
                self.maybe_missing.push(MaybeMissing {
                    name: name.to_string(),
                    by,
                    shadowed,
                });
            } else {
                self.errors.push(SetupError::NotFound {
                    name: name.to_string(),
                    by,
                });
            }
            return;
        }
        let depth = self.stack.iter().filter(|(n, _)| n == name).count();
        if depth >= defs.len() {
            self.failed.insert(name.to_string(), true);
            self.errors.push(SetupError::Recursive {
                name: name.to_string(),
                by,
            });
            return;
        }
        let def = defs[defs.len() - 1 - depth];
        self.check_scope(name, def);
        self.stack.push((name.to_string(), def));
        let shadowable = self.hooks.maybe_site(name).is_some();
        if shadowable {
            self.shadowable.push(name.to_string());
        }
        let fixture = &self.index.fixtures[def];
        // Arguments first, then what its body asks for with `getfixturevalue` while it runs.
        for dep in fixture.argnames.iter().chain(&fixture.getfixturevalue) {
            self.request(dep, Some(def));
        }
        if shadowable {
            self.shadowable.pop();
        }
        self.stack.pop();
        self.done.insert(name.to_string(), def);
    }
}
