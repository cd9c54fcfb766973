//! `[[rename]]`: rename a fixture family and every request that resolves to it.
//!
//! The family is every definition of the name, or only the one in `defined_in`. Each request
//! (test and fixture parameters with their uses in the body, `usefixtures`, `pytestmark`,
//! `getfixturevalue`, indirect `parametrize`, ini `usefixtures`) is renamed exactly when pytest
//! resolves it to a member of the family; a request that resolves to the family for one test
//! and elsewhere for another, a split override chain, or a new name that is already visible
//! refuses the rule.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::discover::Project;
use crate::index::{CodeRef, FixtureId, Index, ModuleId, NodeId, Origin, Request};
use crate::parse::{BindingKind, FixtureDef, Span};
use crate::resolve::Resolved;
use crate::Analysis;

use super::references::parameter_references;
use super::source::{self, AliasText};
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
}

struct Planner<'a> {
    index: &'a Index,
    spec: &'a RenameSpec,
    family: BTreeSet<CodeRef>,
    /// (file, byte start, kind) → decision. Ini `usefixtures` entries are sites too.
    sites: BTreeMap<(PathBuf, usize, SiteKind), (Span, Decision)>,
    reasons: Vec<String>,
}

impl Planner<'_> {
    fn member(&self, id: FixtureId) -> bool {
        let f = &self.index.fixtures[id];
        f.name == self.spec.fixture
            && matches!(f.origin, Origin::Code(c) if self.family.contains(&c))
    }

    fn decide(&mut self, module: ModuleId, span: Span, kind: SiteKind, decision: Decision) {
        let path = self.index.modules()[module].path.clone();
        self.decide_at(path, span, kind, decision);
    }

    fn decide_at(&mut self, path: PathBuf, span: Span, kind: SiteKind, decision: Decision) {
        let key = (path.clone(), span.start, kind);
        match self.sites.get(&key) {
            None => {
                self.sites.insert(key, (span, decision));
            }
            Some((_, earlier)) if earlier.rename != decision.rename => {
                let (yes, no) = if earlier.rename {
                    (&earlier.witness, &decision.witness)
                } else {
                    (&decision.witness, &earlier.witness)
                };
                let path = crate::discover::rel_path(&self.index.rootdir, &path);
                self.reasons.push(format!(
                    "{path}:{}:{}: this request of `{}` resolves to the renamed definition for {yes} but to another definition for {no}",
                    span.line, span.column, self.spec.fixture
                ));
            }
            Some(_) => {}
        }
    }

    fn request(
        &mut self,
        request: &Request,
        kind: SiteKind,
        rename: bool,
        witness: &str,
        node: NodeId,
    ) {
        if let Some(span) = request.span {
            self.decide(
                request.module,
                span,
                kind,
                Decision {
                    rename,
                    witness: witness.to_string(),
                    node,
                },
            );
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
        let decision = Decision {
            rename,
            witness: witness.to_string(),
            node,
        };
        if let Some(p) = def.function.params.iter().find(|p| &p.name.text == name) {
            self.decide(code.module, p.name.span, SiteKind::Param, decision.clone());
        }
        for g in def
            .function
            .getfixturevalue
            .iter()
            .filter(|g| &g.text == name)
        {
            self.decide(code.module, g.span, SiteKind::Text, decision.clone());
        }
    }
}

fn fixture_name_of(def: &FixtureDef, attr: &str) -> String {
    def.marker
        .name
        .as_ref()
        .map_or_else(|| attr.to_string(), |n| n.text.clone())
}

/// The deprecated alias a `keep_alias` rename leaves behind (not part of the family).
fn is_kept_alias(def: &FixtureDef, spec: &RenameSpec) -> bool {
    def.function.name.text == kept_alias_function(&spec.fixture)
        && def
            .function
            .params
            .iter()
            .map(|p| p.name.text.as_str())
            .eq([spec.to.as_str()])
}

fn kept_alias_function(old: &str) -> String {
    format!("_{old}_deprecated_alias")
}

/// Is the rename already applied: nothing defines the old name, something defines the new?
fn already_applied(index: &Index, spec: &RenameSpec) -> bool {
    index.modules().iter().any(|m| {
        m.facts.as_ref().is_some_and(|f| {
            f.bindings.iter().any(|b| matches!(&b.kind, BindingKind::Fixture(d) if fixture_name_of(d, &b.name) == spec.to))
        })
    })
}

/// The definitions the rule renames.
fn family(
    index: &mut Index,
    project: &Project,
    spec: &RenameSpec,
) -> Result<BTreeSet<CodeRef>, PlanError> {
    let mut family = BTreeSet::new();
    let wanted = |module: ModuleId, index: &Index, family: &mut BTreeSet<CodeRef>| {
        // Installed plugins' code (site-packages, editable installs) is never edited.
        if index.modules()[module].environment {
            return;
        }
        let Some(facts) = index.modules()[module].facts.as_ref() else {
            return;
        };
        for (i, b) in facts.bindings.iter().enumerate() {
            if let BindingKind::Fixture(def) = &b.kind {
                if fixture_name_of(def, &b.name) == spec.fixture && !is_kept_alias(def, spec) {
                    family.insert(CodeRef {
                        module,
                        class: None,
                        binding: i,
                    });
                }
            }
        }
        for (c, class) in facts.classes.iter().enumerate() {
            for (i, b) in class.bindings.iter().enumerate() {
                if let BindingKind::Fixture(def) = &b.kind {
                    if fixture_name_of(def, &b.name) == spec.fixture && !is_kept_alias(def, spec) {
                        family.insert(CodeRef {
                            module,
                            class: Some(c),
                            binding: i,
                        });
                    }
                }
            }
        }
    };
    match &spec.defined_in {
        Some(rel) => {
            let path = project.rootdir.join(rel);
            if !path.is_file() {
                return Err(PlanError::invalid(
                    Field::DefinedIn,
                    format!(
                        "`{rel}` does not exist in the project (rootdir {})",
                        project.rootdir.display()
                    ),
                    None,
                ));
            }
            let module = index.loader.load(&path);
            wanted(module, index, &mut family);
            if family.is_empty() && already_applied(index, spec) {
                return Ok(family);
            }
            if family.is_empty() {
                let defined: Vec<String> = index.modules()[module]
                    .facts
                    .iter()
                    .flat_map(|f| f.bindings.iter())
                    .filter_map(|b| match &b.kind {
                        BindingKind::Fixture(d) => {
                            Some(format!("`{}`", fixture_name_of(d, &b.name)))
                        }
                        _ => None,
                    })
                    .collect();
                return Err(PlanError::invalid(
                    Field::DefinedIn,
                    format!("`{rel}` defines no fixture named `{}`", spec.fixture),
                    Some(if defined.is_empty() {
                        "it defines no fixtures at all".to_string()
                    } else {
                        format!("it defines {}", defined.join(", "))
                    }),
                ));
            }
        }
        None => {
            for module in 0..index.modules().len() {
                wanted(module, index, &mut family);
            }
            if family.is_empty() && already_applied(index, spec) {
                return Ok(family);
            }
            if family.is_empty() {
                let mut names: Vec<&String> = index
                    .by_name
                    .keys()
                    .filter(|n| crate::check::similar_name(&spec.fixture, n))
                    .collect();
                names.sort();
                let mut help = (!names.is_empty()).then(|| {
                    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                    format!("similar fixtures: {}", list.join(", "))
                });
                let from_plugin = index
                    .by_name
                    .get(&spec.fixture)
                    .into_iter()
                    .flatten()
                    .find_map(|&id| match index.fixtures[id].origin {
                        crate::index::Origin::Code(c) if index.modules()[c.module].environment => {
                            Some(index.modules()[c.module].rel.clone())
                        }
                        _ => None,
                    });
                if let Some(path) = from_plugin {
                    help = Some(format!(
                        "`{}` is defined by an installed plugin ({path}), which fixmig does not edit; define `{}` in a conftest (an [[alias]]) and rename the requests to it",
                        spec.fixture, spec.to
                    ));
                }
                return Err(PlanError::invalid(
                    Field::Fixture,
                    format!(
                        "no fixture named `{}` is defined in the project",
                        spec.fixture
                    ),
                    help,
                ));
            }
        }
    }
    Ok(family)
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
        // The test's own requests.
        let direct_target = match res.get(old) {
            Resolved::Defs(defs) => defs.last().copied(),
            _ => None,
        };
        let direct_rename = direct_target.is_some_and(|d| planner.member(d));
        let is_direct_param = item.direct_params.iter().any(|p| p == old);
        let rename = direct_rename && !is_direct_param;
        for r in item.argnames.iter().filter(|r| r.name == old) {
            planner.request(r, SiteKind::Param, rename, &witness, item.parent);
        }
        for r in item
            .usefixtures
            .iter()
            .chain(&item.getfixturevalue)
            .filter(|r| r.name == old)
        {
            planner.request(r, SiteKind::Text, rename, &witness, item.parent);
        }
        for (path, span) in &ini_sites {
            let decision = Decision {
                rename,
                witness: witness.clone(),
                node: item.parent,
            };
            planner.decide_at(path.clone(), *span, SiteKind::Text, decision);
        }
        for p in item.parametrize.iter().filter(|p| p.argname.name == old) {
            let rename = direct_rename && !p.direct;
            planner.request(&p.argname, SiteKind::Text, rename, &witness, item.parent);
            if let Some(entry) = &p.indirect_entry {
                planner.request(entry, SiteKind::Text, rename, &witness, item.parent);
            }
        }
        // Fixtures in the closure, following override chains level by level.
        let mut stack: Vec<(String, usize)> = res.names.iter().map(|n| (n.clone(), 0)).collect();
        let mut seen = BTreeSet::new();
        while let Some((name, level)) = stack.pop() {
            if !seen.insert((name.clone(), level)) {
                continue;
            }
            let Resolved::Defs(defs) = res.get(&name) else {
                continue;
            };
            let Some(&def) = defs.len().checked_sub(1 + level).map(|i| &defs[i]) else {
                continue;
            };
            used_fixtures.insert(def);
            let fixture = &index.fixtures[def];
            let wants_old = fixture
                .argnames
                .iter()
                .chain(&fixture.getfixturevalue)
                .any(|a| a == old);
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
                                "renaming would split the override chain of `{old}`: {} requests the definition at {}, and only one of them is renamed (seen from {witness})",
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
                let next_level = if arg == &name { level + 1 } else { 0 };
                stack.push((arg.clone(), next_level));
            }
        }
    }
    // Fixtures no test uses: resolve their requests as a test next to them would.
    for (id, fixture) in index.fixtures.iter().enumerate() {
        if used_fixtures.contains(&id)
            || !fixture
                .argnames
                .iter()
                .chain(&fixture.getfixturevalue)
                .any(|a| a == old)
        {
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
    // New-name conflicts: wherever a request is renamed, `to` must not already be visible.
    let to = spec.to.as_str();
    let mut conflicts = BTreeSet::new();
    for ((path, _, _), (span, decision)) in &planner.sites {
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
                "{rel}:{}:{}: `{to}` is already visible here (defined at {place}), so renaming this request would change what it resolves to",
                span.line, span.column
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
        for ((path, _, _), (span, decision)) in &planner.sites {
            if decision.rename && index.visible(to, decision.node).is_empty() {
                planner.reasons.push(format!(
                    "{}:{}:{}: `{to}` is not visible here, so this request would not be found",
                    crate::discover::rel_path(&index.rootdir, path),
                    span.line,
                    span.column
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
        .filter(|(_, (_, d))| d.rename)
        .map(|((p, _, k), (span, _))| (p.clone(), *span, *k))
        .collect();
    let family = planner.family.clone();
    let mut planned = Planned::default();
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

fn edits_for_sites(
    index: &Index,
    sites: &[(PathBuf, Span, SiteKind)],
    old: &str,
    to: &str,
    planned: &mut Planned,
) -> Result<(), PlanError> {
    // The files whose parameters are renamed are parsed (for the uses in the body) in
    // parallel, up front.
    let mut param_files: Vec<&PathBuf> = sites
        .iter()
        .filter(|(_, _, kind)| *kind == SiteKind::Param)
        .map(|(path, _, _)| path)
        .collect();
    param_files.sort_unstable();
    param_files.dedup();
    let mut trees: HashMap<PathBuf, (tree_sitter::Tree, Vec<u8>, usize)> = {
        use rayon::prelude::*;
        param_files
            .par_iter()
            .map(|path| ((*path).clone(), parse_for_references(index, path, old)))
            .collect()
    };
    for (path, span, kind) in sites {
        let (path, span, kind) = (path.clone(), *span, *kind);
        planned.edits.push(TextEdit {
            path: path.clone(),
            start: span.start,
            end: span.end,
            content: to.to_string(),
        });
        if kind != SiteKind::Param {
            continue;
        }
        let (tree, src, offset) = trees
            .entry(path.clone())
            .or_insert_with(|| parse_for_references(index, &path, old));
        // The parameter's function: find the def whose parameter list holds this span.
        let Some(def_name_start) = function_of_param(tree, src, span.start - *offset) else {
            continue;
        };
        for r in parameter_references(tree, src, *offset, def_name_start + *offset, old) {
            planned.edits.push(TextEdit {
                path: path.clone(),
                start: r.start,
                end: r.end,
                content: to.to_string(),
            });
        }
    }
    Ok(())
}

/// A file's syntax tree (of the text after any BOM) without the function bodies that do not
/// contain `name` (they cannot refer to it), the text it was parsed from, and the BOM's length.
fn parse_for_references(
    index: &Index,
    path: &Path,
    name: &str,
) -> (tree_sitter::Tree, Vec<u8>, usize) {
    let bytes = index.loader.read(path).unwrap_or_default();
    let offset = source::bom_len(&bytes);
    let finder = memchr::memmem::Finder::new(name.as_bytes());
    let (tree, text) =
        crate::parse::tree_with_bodies(&bytes[offset..], |body| finder.find(body).is_some());
    (tree, text, offset)
}

/// The byte offset of the name of the function whose parameter starts at `param_start`.
fn function_of_param(tree: &tree_sitter::Tree, _src: &[u8], param_start: usize) -> Option<usize> {
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(param_start, param_start + 1)?;
    while node.kind() != "function_definition" {
        node = node.parent()?;
    }
    Some(node.child_by_field_name("name")?.start_byte())
}

fn edits_for_definitions(
    index: &Index,
    family: &BTreeSet<CodeRef>,
    spec: &RenameSpec,
    planned: &mut Planned,
) {
    let to = spec.to.as_str();
    let old = spec.fixture.as_str();
    let mut renamed_functions: BTreeSet<(ModuleId, String)> = BTreeSet::new();
    for code in family {
        let Some(BindingKind::Fixture(def)) = index.binding_kind(*code) else {
            continue;
        };
        let path = index.modules()[code.module].path.clone();
        let (span, text) = match &def.marker.name {
            Some(name) => (name.span, to.to_string()),
            None => {
                if code.class.is_none() {
                    renamed_functions.insert((code.module, def.function.name.text.clone()));
                }
                (def.function.name.span, to.to_string())
            }
        };
        planned.edits.push(TextEdit {
            path: path.clone(),
            start: span.start,
            end: span.end,
            content: text,
        });
        if spec.keep_alias {
            keep_alias(index, *code, def, spec, planned);
        }
    }
    // Module-level references to renamed functions (`alias = old`, `pytest.fixture(old)`, ...).
    for (module, function) in &renamed_functions {
        let path = index.modules()[*module].path.clone();
        let bytes = index.loader.read(&path).unwrap_or_default();
        let offset = source::bom_len(&bytes);
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("grammar matches runtime");
        let Some(tree) = parser.parse(&bytes[offset..], None) else {
            continue;
        };
        for r in super::references::global_references(&tree, &bytes[offset..], offset, function) {
            planned.edits.push(TextEdit {
                path: path.clone(),
                start: r.start,
                end: r.end,
                content: to.to_string(),
            });
        }
    }
    // Imports of renamed functions (`from m import old [as x]`) and `__all__` entries.
    for (id, module) in index.modules().iter().enumerate() {
        let Some(facts) = module.facts.as_ref() else {
            continue;
        };
        for b in &facts.bindings {
            let BindingKind::ImportFrom {
                target,
                name,
                name_span,
            } = &b.kind
            else {
                continue;
            };
            if name != old {
                continue;
            }
            let Some(source) = index.loader.resolve_import(id, target) else {
                continue;
            };
            let from = index.modules().iter().position(|m| m.path == source);
            if from.is_some_and(|f| {
                renamed_functions.contains(&(f, old.to_string()))
                    || reexports(index, f, old, &renamed_functions)
            }) {
                planned.edits.push(TextEdit {
                    path: module.path.clone(),
                    start: name_span.start,
                    end: name_span.end,
                    content: to.to_string(),
                });
            }
        }
        let exports_renamed = renamed_functions.contains(&(id, old.to_string()))
            || reexports(index, id, old, &renamed_functions);
        if let (true, Some(all)) = (exports_renamed, facts.dunder_all.as_ref()) {
            for entry in all.iter().filter(|a| a.text == old) {
                planned.edits.push(TextEdit {
                    path: module.path.clone(),
                    start: entry.span.start,
                    end: entry.span.end,
                    content: to.to_string(),
                });
            }
        }
    }
}

/// Does module `m` bind `old` by importing a renamed function?
fn reexports(
    index: &Index,
    m: ModuleId,
    old: &str,
    renamed: &BTreeSet<(ModuleId, String)>,
) -> bool {
    let Some(facts) = index.modules()[m].facts.as_ref() else {
        return false;
    };
    facts.bindings.iter().any(|b| match &b.kind {
        BindingKind::ImportFrom { target, name, .. } if b.name == old && name == old => index
            .loader
            .resolve_import(m, target)
            .and_then(|p| index.modules().iter().position(|x| x.path == p))
            .is_some_and(|src| renamed.contains(&(src, old.to_string()))),
        _ => false,
    }) || facts.star_imports.iter().any(|s| {
        index
            .loader
            .resolve_import(m, &s.target)
            .and_then(|p| index.modules().iter().position(|x| x.path == p))
            .is_some_and(|src| renamed.contains(&(src, old.to_string())))
    })
}

/// Leaves `old` as a deprecated alias fixture right after the renamed definition.
fn keep_alias(
    index: &Index,
    code: CodeRef,
    def: &FixtureDef,
    spec: &RenameSpec,
    planned: &mut Planned,
) {
    let module = &index.modules()[code.module];
    let Some(facts) = module.facts.as_ref() else {
        return;
    };
    let src = index.loader.read(&module.path).unwrap_or_default();
    let eol = source::line_ending(&src);
    let indent_width = def.function.span.column.saturating_sub(1);
    let indent = " ".repeat(indent_width);
    let scope = match &def.marker.scope {
        Some(crate::parse::ScopeSpec::Literal(s)) => Some(source::python_string(s)),
        Some(crate::parse::ScopeSpec::Callable(c)) => Some(c.clone()),
        _ => None,
    };
    let pytest = source::module_alias(facts, "pytest");
    let message = spec.message.clone().unwrap_or_else(|| {
        format!(
            "`{}` is deprecated; request `{}` instead",
            spec.fixture, spec.to
        )
    });
    let text = AliasText {
        name: &spec.fixture,
        target: &spec.to,
        function: &kept_alias_function(&spec.fixture),
        scope: scope.as_deref(),
        warning: Some(&message),
        pytest: pytest.as_deref().unwrap_or("pytest"),
        indent: &indent,
        eol,
    }
    .render();
    let end = def.function.span.end;
    // After the definition's last line.
    let line_end =
        memchr::memchr(b'\n', &src[end.min(src.len())..]).map_or(src.len(), |i| end + i + 1);
    let needs_eol = line_end == src.len() && !src.ends_with(b"\n");
    let mut insert = String::new();
    if needs_eol {
        insert.push_str(eol);
    }
    insert.push_str(eol);
    if code.class.is_none() {
        insert.push_str(eol);
    }
    insert.push_str(&text);
    planned.edits.push(TextEdit {
        path: module.path.clone(),
        start: line_end,
        end: line_end,
        content: insert,
    });
    let mut imports = String::new();
    if source::module_alias(facts, "warnings").is_none() {
        imports.push_str(&format!("import warnings{eol}"));
    }
    if pytest.is_none() {
        imports.push_str(&format!("import pytest{eol}"));
    }
    if !imports.is_empty() {
        let at = source::import_insertion_point(&src, facts);
        planned.edits.push(TextEdit {
            path: module.path.clone(),
            start: at,
            end: at,
            content: imports,
        });
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
            Span {
                start,
                end: start + old.len(),
                line: value.line,
                column: value.column,
            },
        ));
    }
    out
}
