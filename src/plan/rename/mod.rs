//! `[[rename]]`: rename a fixture family and every request that resolves to it.
//!
//! The family is every definition of the name, or only the one in `defined_in`. Each request
//! (test and fixture parameters with their uses in the body, `usefixtures`, `pytestmark`,
//! `getfixturevalue`, indirect `parametrize`, ini `usefixtures`) is renamed exactly when pytest
//! resolves it to a member of the family; a request that resolves to the family for one test
//! and elsewhere for another, a split override chain, or a new name that is already visible
//! refuses the rule.

mod dynamic;
mod edits;
mod family;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::discover::Project;
use crate::index::{CodeRef, FixtureId, Index, ModuleId, NodeId, Origin, Request, TestItem};
use crate::parse::{BindingKind, FixtureDef, Span};
use crate::resolve::{ItemResolution, Resolved};
use crate::Analysis;

use edits::{edits_for_definitions, edits_for_sites};
use family::family;

use super::source;
use super::{Field, PlanError, Planned, TextEdit};

/// A rename rule, as the planner needs it.
#[derive(Debug, Clone)]
pub struct RenameSpec {
    pub fixture: String,
    pub to: String,
    pub defined_in: Option<String>,
    pub keep_alias: bool,
    pub message: Option<String>,
    /// Redirect requests to an existing fixture `to` instead of renaming: the definitions stay
    /// as they are and `to` is expected to be visible (used by `[[remove]]`'s `replace_with`).
    pub redirect: bool,
}

/// Renames the requests that resolve to `code` (a definition of `old`) to `replacement`.
pub fn plan_redirect(
    analysis: &mut Analysis,
    project: &Project,
    old: &str,
    replacement: &str,
    code: CodeRef,
) -> Result<Planned, PlanError> {
    let rel = analysis.index.modules()[code.module].rel.clone();
    plan_rename(
        analysis,
        project,
        &RenameSpec {
            fixture: old.to_string(),
            to: replacement.to_string(),
            defined_in: Some(rel),
            keep_alias: false,
            message: None,
            redirect: true,
        },
    )
}

/// A place that names the fixture: decided per site, must be decided the same way everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SiteKind {
    /// A string naming the fixture (usefixtures, getfixturevalue, parametrize, ...).
    Text,
    /// A parameter of a function, with its uses in the body.
    Param,
}

#[derive(Debug, Clone)]
struct Decision {
    rename: bool,
    witness: String,
    node: NodeId,
    /// What holds the request, for messages: "test `test_x`", "fixture `session_info`".
    holder: String,
}

/// The sites of one file: (byte start, kind) → the site and its decision.
type FileSites = BTreeMap<(usize, SiteKind), (Span, Decision)>;

struct Planner<'a> {
    index: &'a Index,
    spec: &'a RenameSpec,
    family: BTreeSet<CodeRef>,
    /// Per file, (byte start, kind) → decision. Ini `usefixtures` entries are sites too.
    sites: BTreeMap<PathBuf, FileSites>,
    reasons: Vec<String>,
}

impl Planner<'_> {
    fn member(&self, id: FixtureId) -> bool {
        let f = &self.index.fixtures[id];
        f.name == self.spec.fixture
            && matches!(f.origin, Origin::Code(c) if self.family.contains(&c))
    }

    fn decide(
        &mut self,
        module: ModuleId,
        span: Span,
        kind: SiteKind,
        decision: impl FnOnce() -> Decision,
    ) {
        let index = self.index;
        self.decide_at(&index.modules()[module].path, span, kind, decision);
    }

    /// Records the decision `decision()` makes for the site at `span` of `path`; refuses the
    /// rename when an earlier decision for the site differs. `decision` is only called when
    /// the site is new, or for the refusal's wording (it is the same decision for every test
    /// that reaches the site, most of the time).
    fn decide_at(
        &mut self,
        path: &Path,
        span: Span,
        kind: SiteKind,
        decision: impl FnOnce() -> Decision,
    ) {
        let file = match self.sites.get_mut(path) {
            Some(file) => file,
            None => self.sites.entry(path.to_path_buf()).or_default(),
        };
        let (_, earlier) = match file.entry((span.start(), kind)) {
            std::collections::btree_map::Entry::Vacant(site) => {
                site.insert((span, decision()));
                return;
            }
            std::collections::btree_map::Entry::Occupied(site) => site.into_mut(),
        };
        let decision = decision();
        if earlier.rename == decision.rename {
            return;
        }
        let (yes, no) = if earlier.rename {
            (&earlier.witness, &decision.witness)
        } else {
            (&decision.witness, &earlier.witness)
        };
        let rel = crate::discover::rel_path(&self.index.rootdir, path);
        let reason = format!(
            "this request of `{}` in {} ({rel}:{}:{}) resolves to the renamed definition for {yes} but to another definition for {no}",
            self.spec.fixture, earlier.holder, span.line(), span.column()
        );
        self.reasons.push(reason);
    }

    fn request(
        &mut self,
        request: &Request,
        kind: SiteKind,
        rename: bool,
        witness: &str,
        node: NodeId,
        holder: &str,
    ) {
        if let Some(span) = request.span {
            self.decide(request.module, span, kind, || Decision {
                rename,
                witness: witness.to_string(),
                node,
                holder: holder.to_string(),
            });
        }
    }

    /// A fixture's own request of the name (parameter or `getfixturevalue`), resolving to `to`.
    fn fixture_request(
        &mut self,
        requester: FixtureId,
        resolves_to: Option<FixtureId>,
        witness: &str,
        node: NodeId,
    ) {
        let Some(def) = self.index.fixture_def(requester) else {
            return;
        };
        let Origin::Code(code) = self.index.fixtures[requester].origin else {
            return;
        };
        let rename = resolves_to.is_some_and(|t| self.member(t));
        let name = &self.spec.fixture;
        if rename && self.index.modules()[code.module].environment {
            // An installed plugin's fixture requests the renamed definition: its code is never
            // edited. With the old name kept (an alias, or a redirect) the request still
            // resolves; otherwise the rename would leave it requesting a name that is gone.
            if self.spec.keep_alias || self.spec.redirect {
                return;
            }
            let requester_name = &self.index.fixtures[requester].name;
            self.reasons.push(format!(
                "{}:{}: `{requester_name}` of an installed plugin requests `{name}` (for {witness}), and fixmig does not edit installed code; keep the old name as an alias (`keep_alias = true`)",
                self.index.modules()[code.module].rel,
                def.function.first_line
            ));
            return;
        }
        let index = self.index;
        let decision = || Decision {
            rename,
            witness: witness.to_string(),
            node,
            holder: format!("fixture `{}`", index.fixtures[requester].name),
        };
        if let Some(p) = def.function.params.iter().find(|p| &p.name.text == name) {
            self.decide(code.module, p.name.span, SiteKind::Param, decision);
        }
        for g in def
            .function
            .getfixturevalue
            .iter()
            .filter(|g| &g.text == name)
        {
            self.decide(code.module, g.span, SiteKind::Text, decision);
        }
    }
}

/// The definitions of `name` a test gets, least specific first: the closure's resolution, or,
/// for a name only a `getfixturevalue` call asks for (pytest leaves those out of the closure),
/// what that call looks up from the item at run time (`getfixturedefs(name, item)`). `None`
/// for a direct parametrization and for `request`.
fn defs_for<'a>(
    index: &Index,
    item: &TestItem,
    res: &'a ItemResolution,
    name: &str,
) -> Option<Cow<'a, [FixtureId]>> {
    match res.resolved.get(name) {
        Some(Resolved::Defs(defs)) => Some(Cow::Borrowed(defs)),
        Some(Resolved::Unresolved) => Some(Cow::Borrowed(&[])),
        Some(Resolved::Parametrize | Resolved::Request) => None,
        None if name == crate::builtins::REQUEST
            || item.direct_params.iter().any(|p| p == name) =>
        {
            None
        }
        None => Some(Cow::Owned(index.visible(name, item.parent))),
    }
}

/// Whether a fixture asks for `name`: a parameter, or `request.getfixturevalue("name")`.
fn requests(fixture: &crate::index::Fixture, name: &str) -> bool {
    fixture
        .argnames
        .iter()
        .chain(&fixture.getfixturevalue)
        .any(|a| a == name)
}

pub fn plan_rename(
    analysis: &mut Analysis,
    project: &Project,
    spec: &RenameSpec,
) -> Result<Planned, PlanError> {
    let family = family(&mut analysis.index, project, spec)?;
    if family.is_empty() {
        // Already applied: running a migration twice changes nothing.
        return Ok(Planned::default());
    }
    let index = &analysis.index;
    let mut planner = Planner {
        index,
        spec,
        family,
        sites: BTreeMap::new(),
        reasons: Vec::new(),
    };
    let old = spec.fixture.as_str();
    let ini_sites = ini_sites(index, project, old);
    let mut used_fixtures: BTreeSet<FixtureId> = BTreeSet::new();
    for (item, res) in index.tests.iter().zip(&analysis.resolutions) {
        let witness = format!("`{}`", item.nodeid);
        let holder = format!(
            "test `{}`",
            item.nodeid.rsplit("::").next().unwrap_or(&item.nodeid)
        );
        // The test's own requests: what its closure resolves `old` to, or (for a name only its
        // body asks for) what `getfixturevalue` would look up from it at run time.
        let direct_target = defs_for(index, item, res, old).and_then(|d| d.last().copied());
        let direct_rename = direct_target.is_some_and(|d| planner.member(d));
        let is_direct_param = item.direct_params.iter().any(|p| p == old);
        let rename = direct_rename && !is_direct_param;
        for r in item.argnames.iter().filter(|r| r.name == old) {
            planner.request(r, SiteKind::Param, rename, &witness, item.parent, &holder);
        }
        for r in item
            .usefixtures
            .iter()
            .chain(&item.getfixturevalue)
            .filter(|r| r.name == old)
        {
            planner.request(r, SiteKind::Text, rename, &witness, item.parent, &holder);
        }
        for (path, span) in &ini_sites {
            planner.decide_at(path, *span, SiteKind::Text, || Decision {
                rename,
                witness: witness.clone(),
                node: item.parent,
                holder: "the ini file's `usefixtures`".to_string(),
            });
        }
        for p in item.parametrize.iter().filter(|p| p.argname.name == old) {
            let rename = direct_rename && !p.direct;
            planner.request(
                &p.argname,
                SiteKind::Text,
                rename,
                &witness,
                item.parent,
                &holder,
            );
            if let Some(entry) = &p.indirect_entry {
                planner.request(
                    entry,
                    SiteKind::Text,
                    rename,
                    &witness,
                    item.parent,
                    &holder,
                );
            }
        }
        // Fixtures in the closure, following override chains level by level.
        let mut stack: Vec<(&str, usize)> = res.names.iter().map(|n| (n.as_str(), 0)).collect();
        let mut seen = foldhash::HashSet::default();
        while let Some((name, level)) = stack.pop() {
            if !seen.insert((name, level)) {
                continue;
            }
            let Some(defs) = defs_for(index, item, res, name) else {
                continue;
            };
            let Some(&def) = defs.len().checked_sub(1 + level).map(|i| &defs[i]) else {
                continue;
            };
            used_fixtures.insert(def);
            let fixture = &index.fixtures[def];
            let wants_old = requests(fixture, old);
            if name == old {
                // Splitting an override chain: this level requests the next one.
                if wants_old {
                    if let Some(&next) = defs.len().checked_sub(2 + level).map(|i| &defs[i]) {
                        if planner.member(def) != planner.member(next) {
                            let loc = |id| {
                                crate::check::fixture_location(index, id)
                                    .map(|(p, l)| format!("{p}:{l}"))
                                    .unwrap_or_default()
                            };
                            planner.reasons.push(format!(
                                "renaming would split the override chain of `{old}`: fixture `{old}` at {} requests the definition at {}, and only one of them is renamed (seen from {witness})",
                                loc(def),
                                loc(next)
                            ));
                        }
                    }
                }
            }
            if wants_old {
                let target = if name == old {
                    defs.len().checked_sub(2 + level).map(|i| defs[i])
                } else {
                    direct_target
                };
                planner.fixture_request(def, target, &witness, item.parent);
            }
            for arg in fixture.argnames.iter().chain(&fixture.getfixturevalue) {
                let next_level = if arg.as_str() == name { level + 1 } else { 0 };
                stack.push((arg.as_str(), next_level));
            }
        }
    }
    // Fixtures no test uses: resolve their requests as a test next to them would.
    for (id, fixture) in index.fixtures.iter().enumerate() {
        if used_fixtures.contains(&id) || !requests(fixture, old) {
            continue;
        }
        let defs = index.visible(old, fixture.node);
        let target = if fixture.name == old {
            defs.iter()
                .position(|d| *d == id)
                .and_then(|p| p.checked_sub(1))
                .map(|p| defs[p])
        } else {
            defs.last().copied()
        };
        let holder = &index.nodes[fixture.node].nodeid;
        planner.fixture_request(id, target, &format!("tests under `{holder}`"), fixture.node);
    }
    // Test modules a focused analysis left out (`Index::left_out`): their tests request the
    // name only through the fixtures their directory sees, resolved as in their directory (nothing
    // they import can bind it). Every such fixture counts, as if some test there reached it.
    let holders: BTreeSet<NodeId> = index
        .left_out
        .iter()
        .map(|rel| index.directory_node(rel))
        .collect();
    for node in holders {
        let dir = &index.nodes[node].nodeid;
        let witness = if dir.is_empty() {
            "tests in the rootdir".to_string()
        } else {
            format!("tests under `{dir}`")
        };
        let defs = index.visible(old, node);
        let direct_target = defs.last().copied();
        let rename = direct_target.is_some_and(|d| planner.member(d));
        for (path, span) in &ini_sites {
            planner.decide_at(path, *span, SiteKind::Text, || Decision {
                rename,
                witness: witness.clone(),
                node,
                holder: "the ini file's `usefixtures`".to_string(),
            });
        }
        for holder in index.chain(node) {
            for &id in &index.nodes[holder].fixtures {
                let fixture = &index.fixtures[id];
                if !requests(fixture, old) {
                    continue;
                }
                let target = if fixture.name == old {
                    let Some(at) = defs.iter().position(|d| *d == id) else {
                        continue;
                    };
                    let next = at.checked_sub(1).map(|p| defs[p]);
                    if next.is_some_and(|n| planner.member(id) != planner.member(n)) {
                        let at = crate::check::fixture_location(index, id)
                            .map(|(p, l)| format!(" at {p}:{l}"))
                            .unwrap_or_default();
                        planner.reasons.push(format!(
                            "renaming would split the override chain of `{old}`: fixture `{old}`{at} requests the next definition, and only one of them is renamed (seen from {witness})"
                        ));
                    }
                    next
                } else {
                    direct_target
                };
                planner.fixture_request(id, target, &witness, node);
            }
        }
    }
    planner.helper_lookups();
    planner.hooks_naming_old();
    // New-name conflicts: wherever a request is renamed, `to` must not already be visible.
    let to = spec.to.as_str();
    let mut conflicts = BTreeSet::new();
    for (path, (span, decision)) in planner
        .sites
        .iter()
        .flat_map(|(path, file)| file.values().map(move |site| (path, site)))
    {
        if !decision.rename {
            continue;
        }
        let rel = crate::discover::rel_path(&index.rootdir, path);
        if let Some(&existing) = index.visible(to, decision.node).last() {
            let place = crate::check::fixture_location(index, existing)
                .map_or("a builtin or plugin".to_string(), |(p, l)| {
                    format!("{p}:{l}")
                });
            conflicts.insert(format!(
                "this request of `{old}` in {} ({rel}:{}:{}): `{to}` is already visible there (defined at {place}), so renaming it would change what it resolves to",
                decision.holder, span.line(), span.column()
            ));
        }
    }
    for id in 0..index.fixtures.len() {
        if planner.member(id) {
            if let Some(&existing) = index.visible(to, index.fixtures[id].node).last() {
                let place = crate::check::fixture_location(index, existing)
                    .map_or("a builtin or plugin".to_string(), |(p, l)| {
                        format!("{p}:{l}")
                    });
                let here = crate::check::fixture_location(index, id)
                    .map(|(p, l)| format!("{p}:{l}"))
                    .unwrap_or_default();
                conflicts.insert(format!(
                    "{here}: the renamed definition would be visible where `{to}` already resolves to {place}"
                ));
            }
        }
    }
    if spec.redirect {
        // The replacement must be visible wherever a request is redirected.
        for (path, (span, decision)) in planner
            .sites
            .iter()
            .flat_map(|(path, file)| file.values().map(move |site| (path, site)))
        {
            if decision.rename && index.visible(to, decision.node).is_empty() {
                planner.reasons.push(format!(
                    "this request of `{old}` in {} ({}:{}:{}): `{to}` is not visible there, so the redirected request would not be found",
                    decision.holder,
                    crate::discover::rel_path(&index.rootdir, path),
                    span.line(),
                    span.column()
                ));
            }
        }
    } else {
        planner.reasons.extend(conflicts);
    }
    if !planner.reasons.is_empty() {
        planner.reasons.sort();
        planner.reasons.dedup();
        return Err(PlanError::Refused {
            message: format!(
                "renaming `{old}` to `{to}` would change how pytest resolves fixtures"
            ),
            reasons: std::mem::take(&mut planner.reasons),
        });
    }
    let sites: Vec<(PathBuf, Span, SiteKind)> = planner
        .sites
        .iter()
        .flat_map(|(p, file)| {
            file.iter()
                .filter(|(_, (_, d))| d.rename)
                .map(move |((_, k), (span, _))| (p.clone(), *span, *k))
        })
        .collect();
    let family = planner.family.clone();
    let mut planned = Planned {
        notes: planner.computed_lookup_notes(),
        ..Planned::default()
    };
    crate::phase_timing("rename: sites decided");
    edits_for_sites(index, &sites, old, to, &mut planned)?;
    crate::phase_timing("rename: site edits");
    if !spec.redirect {
        edits_for_definitions(index, &family, spec, &mut planned);
    }
    planned
        .edits
        .sort_by(|a, b| (&a.path, a.start).cmp(&(&b.path, b.start)));
    planned.edits.dedup();
    Ok(planned)
}

/// The project as it reads once a rename's ini edits are written: its ini `usefixtures` values
/// `old` become `to`, and the values after them on the same line move by the difference in
/// length (the rules after it, and fixmig's check of the result, read the ini key from here).
pub fn rename_ini_usefixtures(project: &mut Project, old: &str, to: &str) {
    let delta = to.chars().count() as isize - old.chars().count() as isize;
    let mut shift: (usize, isize) = (0, 0);
    for value in &mut project.config.usefixtures {
        if shift.0 != value.line {
            shift = (value.line, 0);
        }
        value.column = (value.column as isize + shift.1).max(1) as usize;
        if value.value == old {
            value.value = to.to_string();
            shift.1 += delta;
        }
    }
}

/// The ini `usefixtures` entries naming the fixture, as (ini file, span of the name).
fn ini_sites(index: &Index, project: &Project, old: &str) -> Vec<(PathBuf, Span)> {
    let Some(inifile) = &project.inifile else {
        return Vec::new();
    };
    let src = index.loader.read(inifile).unwrap_or_default();
    let mut out = Vec::new();
    for value in project.config.usefixtures.iter().filter(|v| v.value == old) {
        let line_start = source::line_start(&src, value.line);
        let line = String::from_utf8_lossy(&src[line_start..]);
        let col_byte: usize = line
            .chars()
            .take(value.column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        let start = line_start + col_byte;
        let rest = &src[start.min(src.len())..];
        let start = if rest.starts_with(old.as_bytes()) {
            start
        } else if rest.len() > 1
            && (rest[0] == b'"' || rest[0] == b'\'')
            && rest[1..].starts_with(old.as_bytes())
        {
            start + 1
        } else {
            continue;
        };
        out.push((
            inifile.clone(),
            Span::new(start, start + old.len(), value.line, value.column),
        ));
    }
    out
}
