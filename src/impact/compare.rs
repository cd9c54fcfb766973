//! What changed for each test between BASE's analysis and the work tree's, grouped by cause.
//!
//! A test is identified by its nodeid. Per test, in the vocabulary of `fixtures --per-test`
//! (what real pytest's oracle records too): each fixture name of its closure and the definition
//! it gets (kind, path, function, scope), its setup errors, and whether it is parametrized. A
//! definition's identity is its kind, file and function (not its line: an edit above it moves
//! it); when that identity differs, the normalized code of both definitions decides between a
//! pure move (same code) and another definition. Changes are grouped by what explains them —
//! the fixture definition (old → new), the name that no longer resolves, ... — so that one moved
//! fixture affecting 300 tests is one entry with a count.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use crate::index::{FixtureId, Index};
use crate::resolve::Resolved;
use crate::Analysis;

/// The definition a name resolves to, as `fixtures --per-test` describes it.
#[derive(Debug, Clone)]
pub struct Def {
    pub kind: String,
    pub path: Option<String>,
    pub line: Option<u64>,
    pub function: Option<String>,
    pub scope: Option<String>,
    pub plugin: Option<String>,
    pub id: Option<FixtureId>,
}

impl Def {
    fn of(index: &Index, name: &str, resolved: &Resolved) -> Def {
        let entry = crate::report::fixture_entry(index, name, resolved);
        let text = |k: &str| entry[k].as_str().map(str::to_string);
        Def {
            kind: text("kind").unwrap_or_default(),
            path: text("path"),
            line: entry["line"].as_u64(),
            function: text("function"),
            scope: text("scope"),
            plugin: text("plugin"),
            id: match resolved {
                Resolved::Defs(defs) => defs.last().copied(),
                _ => None,
            },
        }
    }

    /// A definition of code: a fixture, a plugin's or a builtin.
    fn is_definition(&self) -> bool {
        matches!(self.kind.as_str(), "fixture" | "plugin" | "builtin")
    }

    fn identity(&self) -> (&str, Option<&str>, Option<&str>) {
        (&self.kind, self.path.as_deref(), self.function.as_deref())
    }

    /// `path:line`, `plugin NAME (path:line)`, `builtin`, ...
    pub fn shown(&self) -> String {
        match (self.kind.as_str(), &self.path, self.line) {
            ("plugin", Some(p), Some(l)) => match &self.plugin {
                Some(d) => format!("plugin {d} ({p}:{l})"),
                None => format!("plugin ({p}:{l})"),
            },
            (_, Some(p), Some(l)) => format!("{p}:{l}"),
            (_, Some(p), None) => p.clone(),
            (kind, _, _) => kind.to_string(),
        }
    }
}

/// What a name of a test's closure resolves to: a fixture definition, or another kind.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Fixture(FixtureId),
    Request,
    Parametrize,
    Unresolved,
}

/// One side of the comparison: the description of each definition.
struct Side {
    /// Per fixture id, made from `fixtures --per-test`'s entry.
    defs: Vec<Def>,
    request: Def,
    parametrize: Def,
    unresolved: Def,
}

impl Side {
    fn new(analysis: &Analysis) -> Side {
        let index = &analysis.index;
        let defs = (0..index.fixtures.len())
            .map(|id| Def::of(index, &index.fixtures[id].name, &Resolved::Defs(vec![id])))
            .collect();
        Side {
            defs,
            request: Def::of(index, "request", &Resolved::Request),
            parametrize: Def::of(index, "", &Resolved::Parametrize),
            unresolved: Def::of(index, "", &Resolved::Unresolved),
        }
    }

    fn def(&self, slot: Slot) -> &Def {
        match slot {
            Slot::Fixture(id) => &self.defs[id],
            Slot::Request => &self.request,
            Slot::Parametrize => &self.parametrize,
            Slot::Unresolved => &self.unresolved,
        }
    }
}

/// One test as one side sees it.
struct TestView<'a> {
    index_of: usize,
    fixtures: BTreeMap<&'a str, Slot>,
    /// `(code, fixture)` of each setup error.
    errors: BTreeSet<(&'static str, &'a str)>,
    parametrized: bool,
}

/// Every test of an analysis by nodeid (the first item of a nodeid when it repeats).
fn views(analysis: &Analysis) -> BTreeMap<&str, TestView<'_>> {
    let index = &analysis.index;
    let mut out = BTreeMap::new();
    for (i, (item, res)) in index.tests.iter().zip(&analysis.resolutions).enumerate() {
        if out.contains_key(item.nodeid.as_str()) {
            continue;
        }
        let mut fixtures = BTreeMap::new();
        let mut parametrized = false;
        for name in &res.names {
            let slot = match res.get(name) {
                Resolved::Parametrize => {
                    parametrized = true;
                    Slot::Parametrize
                }
                Resolved::Defs(defs) => {
                    let last = *defs.last().expect("Defs is never empty");
                    parametrized |= index.fixtures[last].has_params;
                    Slot::Fixture(last)
                }
                Resolved::Request => Slot::Request,
                Resolved::Unresolved => Slot::Unresolved,
            };
            fixtures.insert(name.as_str(), slot);
        }
        let errors = res.errors.iter().map(|e| (e.code(), e.name())).collect();
        out.insert(
            item.nodeid.as_str(),
            TestView {
                index_of: i,
                fixtures,
                errors,
                parametrized,
            },
        );
    }
    out
}

/// What explains a change; the key that groups tests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// A name no longer resolves (FM001), was `old` at BASE.
    Unresolved { name: String, old: String },
    /// A new scope mismatch (FM002) or recursion (FM003) on `name`.
    SetupError { code: String, name: String },
    /// `name` resolves to another definition with other code.
    Replaced {
        name: String,
        old: String,
        new: String,
    },
    /// The same code at another place (a pure move: not an error).
    Moved {
        name: String,
        old: String,
        new: String,
    },
    /// The definition's scope changed.
    Scope {
        name: String,
        at: String,
        old: String,
        new: String,
    },
    /// The test became parametrized (`true`) or stopped being.
    Parametrized { now: bool },
    /// The fixture closure gained and lost names.
    Closure {
        gained: Vec<String>,
        lost: Vec<String>,
    },
}

impl Cause {
    /// Whether it fails the check (exit 1): a new setup error, or another definition's code.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Cause::Unresolved { .. } | Cause::SetupError { .. } | Cause::Replaced { .. }
        )
    }
}

/// One group: a cause and the tests it changes.
pub struct Entry {
    pub cause: Cause,
    /// Sorted nodeids.
    pub tests: Vec<String>,
    /// Where to point in the work tree: `(path, line, column)`.
    pub at: (String, usize, usize),
    /// Where it was at BASE, when that is a definition: `(path, line)`.
    pub was: Option<(String, usize)>,
}

/// The comparison of the two sides.
pub struct Impact {
    pub entries: Vec<Entry>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Tests in both.
    pub common: usize,
}

/// Compares BASE (`old`) with the work tree (`new`).
pub fn compare(old: &Analysis, new: &Analysis) -> Impact {
    let (old_views, new_views) = rayon::join(|| views(old), || views(new));
    let (old_side, new_side) = rayon::join(|| Side::new(old), || Side::new(new));
    let mut codes = Codes::default();
    let mut groups: BTreeMap<Cause, Entry> = BTreeMap::new();
    let mut common = 0;
    for (nodeid, now) in &new_views {
        let Some(was) = old_views.get(nodeid) else {
            continue;
        };
        common += 1;
        let mut add = |cause: Cause, at: Option<(String, usize, usize)>, was_at| {
            let entry = groups.entry(cause.clone()).or_insert_with(|| {
                let name = match &cause {
                    Cause::Unresolved { name, .. } | Cause::SetupError { name, .. } => Some(name),
                    _ => None,
                };
                Entry {
                    at: at.unwrap_or_else(|| test_location(new, now.index_of, name)),
                    cause,
                    tests: Vec::new(),
                    was: was_at,
                }
            });
            entry.tests.push(nodeid.to_string());
        };
        for (code, name) in now.errors.difference(&was.errors) {
            let old_def = was.fixtures.get(name).map(|s| old_side.def(*s));
            let cause = if *code == "FM001" {
                Cause::Unresolved {
                    name: name.to_string(),
                    old: old_def.map_or_else(|| "not requested".into(), Def::shown),
                }
            } else {
                Cause::SetupError {
                    code: code.to_string(),
                    name: name.to_string(),
                }
            };
            add(cause, None, old_def.and_then(def_at));
        }
        for (name, s_new) in &now.fixtures {
            let Some(s_old) = was.fixtures.get(name) else {
                continue;
            };
            let (d_old, d_new) = (old_side.def(*s_old), new_side.def(*s_new));
            let name = name.to_string();
            if !d_old.is_definition() || !d_new.is_definition() {
                continue;
            }
            if d_old.identity() != d_new.identity() {
                let same = codes.get(old, d_old) == codes.get(new, d_new);
                let (old_s, new_s) = (d_old.shown(), d_new.shown());
                let cause = if same {
                    Cause::Moved {
                        name: name.clone(),
                        old: old_s,
                        new: new_s,
                    }
                } else {
                    Cause::Replaced {
                        name: name.clone(),
                        old: old_s,
                        new: new_s,
                    }
                };
                add(cause, def_at_col(d_new), def_at(d_old));
            }
            if let (Some(s_old), Some(s_new)) = (&d_old.scope, &d_new.scope) {
                if s_old != s_new {
                    let cause = Cause::Scope {
                        name: name.clone(),
                        at: d_new.shown(),
                        old: s_old.clone(),
                        new: s_new.clone(),
                    };
                    add(cause, def_at_col(d_new), def_at(d_old));
                }
            }
        }
        if now.parametrized != was.parametrized {
            add(
                Cause::Parametrized {
                    now: now.parametrized,
                },
                None,
                None,
            );
        }
        let gained: Vec<String> = now
            .fixtures
            .keys()
            .filter(|n| !was.fixtures.contains_key(*n))
            .map(|n| n.to_string())
            .collect();
        let lost: Vec<String> = was
            .fixtures
            .keys()
            .filter(|n| !now.fixtures.contains_key(*n))
            .map(|n| n.to_string())
            .collect();
        if !gained.is_empty() || !lost.is_empty() {
            add(Cause::Closure { gained, lost }, None, None);
        }
    }
    let added = new_views
        .keys()
        .filter(|n| !old_views.contains_key(*n))
        .map(|n| n.to_string())
        .collect();
    let removed = old_views
        .keys()
        .filter(|n| !new_views.contains_key(*n))
        .map(|n| n.to_string())
        .collect();
    let mut entries: Vec<Entry> = groups.into_values().collect();
    for e in &mut entries {
        e.tests.sort();
    }
    // Errors first, then by how many tests, then by cause.
    entries.sort_by(|a, b| {
        (
            !a.cause.is_error(),
            std::cmp::Reverse(a.tests.len()),
            &a.cause,
        )
            .cmp(&(
                !b.cause.is_error(),
                std::cmp::Reverse(b.tests.len()),
                &b.cause,
            ))
    });
    Impact {
        entries,
        added,
        removed,
        common,
    }
}

fn def_at(d: &Def) -> Option<(String, usize)> {
    Some((d.path.clone()?, d.line? as usize))
}

fn def_at_col(d: &Def) -> Option<(String, usize, usize)> {
    def_at(d)
        .filter(|_| d.kind == "fixture")
        .map(|(p, l)| (p, l, 1))
}

/// Where test `i` requests `name` when it does so itself, else where its `def` is:
/// `(path, line, column)`.
fn test_location(analysis: &Analysis, i: usize, name: Option<&String>) -> (String, usize, usize) {
    let index = &analysis.index;
    let item = &index.tests[i];
    let request = item
        .argnames
        .iter()
        .chain(&item.usefixtures)
        .find(|r| Some(&r.name) == name);
    if let Some((r, span)) = request.and_then(|r| Some((r, r.span.as_ref()?))) {
        return (index.json_path(r.module), span.line(), span.column());
    }
    let path = index.json_path(item.code.module);
    match index.function(item.code) {
        Some(f) => (path, f.name.span.line(), f.name.span.column()),
        None => (path, 1, 1),
    }
}

/// Parsed files of one side, for [`crate::plan::fixture_code`].
type FileTrees = HashMap<PathBuf, Option<(tree_sitter::Tree, Vec<u8>)>>;

/// The normalized code of definitions, computed once each (per side and fixture id).
#[derive(Default)]
struct Codes {
    memo: HashMap<(usize, FixtureId), String>,
    trees: HashMap<usize, FileTrees>,
}

impl Codes {
    fn get(&mut self, side: &Analysis, def: &Def) -> String {
        let Some(id) = def.id else {
            return def.kind.clone();
        };
        let key = (side as *const Analysis as usize, id);
        if let Some(code) = self.memo.get(&key) {
            return code.clone();
        }
        let trees = self.trees.entry(key.0).or_default();
        let code = crate::plan::fixture_code(&side.index, id, trees);
        self.memo.insert(key, code.clone());
        code
    }
}
