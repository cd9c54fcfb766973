//! The consolidation rules: `[[move]]` a fixture to another conftest with what it needs,
//! `[[hoist]]` identical copies into one higher up, `[[remove]]` a definition nothing uses (or
//! redirect its requests first). Every plan is checked afterwards by re-resolving the result
//! (see [`resolution_fingerprint`]): the same tests must get the same definition code.

mod carry;
mod fingerprint;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::discover::Project;
use crate::index::{CodeRef, FixtureId, Index, ModuleId, ModuleRole, Origin};
use crate::parse::BindingKind;
use crate::resolve::Resolved;
use crate::Analysis;

use super::blocks::{self, Block};
use super::source;
use super::{Field, PlanError, Planned, TextEdit};

use carry::carry;
pub(super) use carry::{insert_blocks, orphaned_import_edits};
pub use fingerprint::{
    fixture_code, identical_conftest_fixtures, resolution_fingerprint, FingerprintLine,
};

#[derive(Debug, Clone)]
pub struct MoveSpec {
    pub fixture: String,
    pub from: String,
    pub to: String,
    pub carry: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HoistSpec {
    pub fixture: String,
    pub into: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RemoveSpec {
    pub fixture: String,
    pub defined_in: String,
    pub replace_with: Option<String>,
}

pub(super) fn module_at(index: &Index, path: &Path) -> Option<ModuleId> {
    index.loader.module_id(path)
}

/// The module-level fixture binding named `fixture` (by fixture name) in `module`.
pub(super) fn fixture_binding(index: &Index, module: ModuleId, fixture: &str) -> Option<usize> {
    let facts = index.modules()[module].facts.as_ref()?;
    facts.bindings.iter().rposition(|b| defines(b, fixture))
}

/// Whether a module-level binding is a fixture registered as `fixture` (its `name=` or its
/// function name).
fn defines(b: &crate::parse::Binding, fixture: &str) -> bool {
    match &b.kind {
        BindingKind::Fixture(d) => {
            d.marker
                .name
                .as_ref()
                .map_or(b.name.as_str(), |n| n.text.as_str())
                == fixture
        }
        _ => false,
    }
}

/// Refuses a rule on `fixture` of `rel` when the module defines it more than once (two
/// functions with `name="..."` of the same name, or a redefinition): pytest registers each, and
/// moving or removing one would leave the other, so a second run would change the tree again.
fn defined_once(
    index: &Index,
    module: ModuleId,
    fixture: &str,
    rel: &str,
) -> Result<(), PlanError> {
    let Some(facts) = index.modules()[module].facts.as_ref() else {
        return Ok(());
    };
    let lines: Vec<String> = facts
        .bindings
        .iter()
        .filter(|b| defines(b, fixture))
        .map(|b| format!("{rel}:{}: `{fixture}` is defined here", b.line))
        .collect();
    if lines.len() < 2 {
        return Ok(());
    }
    let mut reasons = lines;
    reasons.push(
        "pytest registers every definition and the last one wins; rename or delete the others by hand first".to_string(),
    );
    Err(PlanError::Refused {
        message: format!(
            "`{fixture}` is defined {} times in {rel}",
            reasons.len() - 1
        ),
        reasons,
    })
}

fn defined_fixtures(index: &Index, module: ModuleId) -> Vec<String> {
    index.modules()[module]
        .facts
        .iter()
        .flat_map(|f| f.bindings.iter())
        .filter_map(|b| match &b.kind {
            BindingKind::Fixture(d) => Some(format!(
                "`{}`",
                d.marker
                    .name
                    .as_ref()
                    .map_or(b.name.as_str(), |n| n.text.as_str())
            )),
            _ => None,
        })
        .collect()
}

/// The conftest module at `path`, if pytest loads it in this project.
pub(super) fn loaded_conftest(index: &Index, path: &Path) -> Option<ModuleId> {
    module_at(index, path).filter(|m| index.modules()[*m].role == ModuleRole::Conftest)
}

pub(super) fn not_a_loaded_conftest(field: Field, rel: &str) -> PlanError {
    PlanError::invalid(
        field,
        format!("{rel} is not a conftest.py that pytest loads in this project"),
        None,
    )
}

pub(super) fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

pub fn plan_move(
    analysis: &mut Analysis,
    project: &Project,
    spec: &MoveSpec,
) -> Result<Planned, PlanError> {
    let index = &analysis.index;
    let from_path = project.rootdir.join(&spec.from);
    let to_path = project.rootdir.join(&spec.to);
    let to = module_at(index, &to_path);
    let Some(from) = loaded_conftest(index, &from_path) else {
        // Already moved, and the emptied conftest deleted?
        if index.loader.read(&from_path).is_err()
            && to.is_some_and(|t| fixture_binding(index, t, &spec.fixture).is_some())
        {
            return Ok(Planned::default());
        }
        return Err(not_a_loaded_conftest(Field::From, &spec.from));
    };
    let Some(binding) = fixture_binding(index, from, &spec.fixture) else {
        // Already moved?
        if to.is_some_and(|t| fixture_binding(index, t, &spec.fixture).is_some()) {
            return Ok(Planned::default());
        }
        let defined = defined_fixtures(index, from);
        return Err(PlanError::invalid(
            Field::Fixture,
            format!("{} defines no fixture named `{}`", spec.from, spec.fixture),
            Some(if defined.is_empty() {
                "it defines no fixtures".into()
            } else {
                format!("it defines {}", defined.join(", "))
            }),
        ));
    };
    defined_once(index, from, &spec.fixture, &spec.from)?;
    if to.is_some_and(|t| fixture_binding(index, t, &spec.fixture).is_some()) {
        return Err(PlanError::Refused {
            message: format!("{} already defines `{}`", spec.to, spec.fixture),
            reasons: vec!["remove one of the definitions first ([[remove]]), or use [[hoist]] if they are the same code".into()],
        });
    }
    let carried = carry(
        index,
        from,
        to,
        dir_of(&spec.from) == dir_of(&spec.to),
        vec![binding],
        &spec.carry,
    );
    let mut reasons = carried.conflicts.clone();
    if !carried.missing.is_empty() {
        reasons.push(format!(
            "`{}` uses module-level names of {} that would not exist in {}: {}; add `carry = [{}]` to move them too",
            spec.fixture,
            spec.from,
            spec.to,
            carried.missing.join(", "),
            carried
                .missing
                .iter()
                .map(|m| format!("\"{}\"", m.split('`').nth(1).unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !reasons.is_empty() {
        return Err(PlanError::Refused {
            message: format!(
                "`{}` cannot move from {} to {}",
                spec.fixture, spec.from, spec.to
            ),
            reasons,
        });
    }
    let mut planned = Planned::default();
    // Helpers first (carried in dependency order: they were queued after the fixture).
    let mut blocks = carried.blocks;
    blocks.reverse();
    for b in &blocks {
        planned.edits.push(TextEdit {
            path: from_path.clone(),
            start: b.remove.start,
            end: b.remove.end,
            content: String::new(),
        });
    }
    planned.edits.extend(carried.orphaned);
    let texts: Vec<String> = blocks.iter().map(|b| b.text.clone()).collect();
    insert_blocks(index, &to_path, &texts, &carried.imports, &mut planned);
    delete_if_emptied(index, &from_path, &spec.from, &mut planned);
    Ok(planned)
}

pub fn plan_hoist(
    analysis: &mut Analysis,
    project: &Project,
    spec: &HoistSpec,
) -> Result<Planned, PlanError> {
    let index = &analysis.index;
    // Definitions written in conftests themselves (not imported into them).
    let mut copies: Vec<(ModuleId, usize)> = Vec::new();
    for f in index.fixtures.iter().filter(|f| f.name == spec.fixture) {
        if let (Origin::Code(c), Some(holder)) = (f.origin, f.holder) {
            if c.class.is_none()
                && c.module == holder
                && index.modules()[holder].role == ModuleRole::Conftest
                && !copies.contains(&(c.module, c.binding))
            {
                copies.push((c.module, c.binding));
            }
        }
    }
    let target_rel = match &spec.into {
        Some(into) => into.clone(),
        None => {
            let dirs: Vec<Vec<&str>> = copies
                .iter()
                .map(|(m, _)| {
                    dir_of(&index.modules()[*m].rel)
                        .split('/')
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .collect();
            let mut common: Vec<&str> = dirs.first().cloned().unwrap_or_default();
            for d in &dirs[1.min(dirs.len())..] {
                let n = common.iter().zip(d).take_while(|(a, b)| a == b).count();
                common.truncate(n);
            }
            let dir = common.join("/");
            if dir.is_empty() {
                "conftest.py".to_string()
            } else {
                format!("{dir}/conftest.py")
            }
        }
    };
    let target_path = project.rootdir.join(&target_rel);
    let target = module_at(index, &target_path);
    if copies.len() < 2 {
        if copies.len() == 1 && target.is_some_and(|t| copies[0].0 == t) {
            return Ok(Planned::default()); // already hoisted
        }
        return Err(PlanError::invalid(
            Field::Fixture,
            format!(
                "`{}` is defined in {} conftest(s); hoisting needs at least two identical copies",
                spec.fixture,
                copies.len()
            ),
            None,
        ));
    }
    // The copies must be the same code.
    let mut texts = Vec::new();
    for (m, b) in &copies {
        let path = &index.modules()[*m].path;
        let src = index.loader.read(path).unwrap_or_default();
        let offset = source::bom_len(&src);
        let body = &src[offset..];
        let facts = index.modules()[*m].facts.as_ref();
        let at = facts
            .and_then(|f| f.bindings[*b].name_span)
            .map_or(0, |s| s.start() - offset);
        let tree = blocks::parse_tree(body).ok_or_else(|| {
            PlanError::invalid(
                Field::Rule,
                format!("{} does not parse", index.modules()[*m].rel),
                None,
            )
        })?;
        let stmt = blocks::top_level_statement(&tree, at)
            .ok_or_else(|| PlanError::invalid(Field::Rule, "definition not found", None))?;
        texts.push((
            blocks::normalized(body, stmt),
            blocks::block(body, stmt).text,
            index.modules()[*m].rel.clone(),
        ));
    }
    let (first_norm, first_text, first_rel) = texts[0].clone();
    for (norm, text, rel) in &texts[1..] {
        if *norm != first_norm {
            let diff = similar::TextDiff::from_lines(&first_text, text)
                .unified_diff()
                .header(&first_rel, rel)
                .to_string();
            return Err(PlanError::Refused {
                message: format!(
                    "the definitions of `{}` are not the same code",
                    spec.fixture
                ),
                reasons: vec![format!(
                    "{first_rel} and {rel} differ (formatting and comments aside):\n{diff}"
                )],
            });
        }
    }
    let mut planned = Planned::default();
    let keep = copies.iter().position(|(m, _)| Some(*m) == target);
    let mut imports = BTreeSet::new();
    // The conftests the copies are removed from, which may be left empty.
    let mut emptied: Vec<(PathBuf, String)> = Vec::new();
    for (i, (m, b)) in copies.iter().enumerate() {
        let carried = carry(index, *m, target, false, vec![*b], &[]);
        if !carried.missing.is_empty() || !carried.conflicts.is_empty() {
            let mut reasons = carried.conflicts.clone();
            if !carried.missing.is_empty() {
                reasons.push(format!(
                    "it uses module-level names of {}: {}",
                    index.modules()[*m].rel,
                    carried.missing.join(", ")
                ));
            }
            return Err(PlanError::Refused {
                message: format!("`{}` cannot be hoisted into {target_rel}", spec.fixture),
                reasons,
            });
        }
        if Some(i) == keep {
            continue;
        }
        if i == 0 {
            imports.extend(carried.imports.clone());
        }
        let path = index.modules()[*m].path.clone();
        for block in &carried.blocks {
            planned.edits.push(TextEdit {
                path: path.clone(),
                start: block.remove.start,
                end: block.remove.end,
                content: String::new(),
            });
        }
        planned.edits.extend(carried.orphaned);
        emptied.push((path, index.modules()[*m].rel.clone()));
    }
    if keep.is_none() {
        insert_blocks(index, &target_path, &[first_text], &imports, &mut planned);
    }
    for (path, rel) in &emptied {
        delete_if_emptied(index, path, rel, &mut planned);
    }
    Ok(planned)
}

pub fn plan_remove(
    analysis: &mut Analysis,
    project: &Project,
    spec: &RemoveSpec,
) -> Result<Planned, PlanError> {
    let path = project.rootdir.join(&spec.defined_in);
    if !path.is_file() && analysis.index.loader.read(&path).is_err() {
        return Err(PlanError::invalid(
            Field::DefinedIn,
            format!("`{}` does not exist in the project", spec.defined_in),
            None,
        ));
    }
    let module = analysis.index.loader.load(&path);
    let index = &analysis.index;
    let Some(binding) = fixture_binding(index, module, &spec.fixture) else {
        return Ok(Planned::default()); // already removed
    };
    defined_once(index, module, &spec.fixture, &spec.defined_in)?;
    let code = CodeRef {
        module,
        class: None,
        binding,
    };
    let ids: BTreeSet<FixtureId> = index
        .fixtures
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.origin, Origin::Code(c) if c == code) && f.name == spec.fixture)
        .map(|(i, _)| i)
        .collect();
    let users: Vec<String> = index
        .tests
        .iter()
        .zip(&analysis.resolutions)
        .filter(|(_, r)| matches!(r.get(&spec.fixture), Resolved::Defs(defs) if defs.iter().any(|d| ids.contains(d))))
        .map(|(t, _)| t.nodeid.clone())
        .collect();
    let mut planned = Planned::default();
    if !users.is_empty() {
        let Some(replacement) = &spec.replace_with else {
            let mut reasons: Vec<String> = users
                .iter()
                .take(20)
                .map(|t| format!("{t} uses it"))
                .collect();
            if users.len() > 20 {
                reasons.push(format!("... and {} more tests", users.len() - 20));
            }
            return Err(PlanError::Refused {
                message: format!("`{}` in {} is still in use", spec.fixture, spec.defined_in),
                reasons,
            });
        };
        planned =
            super::rename::plan_redirect(analysis, project, &spec.fixture, replacement, code)?;
    }
    let index = &analysis.index;
    let src = index.loader.read(&path).unwrap_or_default();
    let offset = source::bom_len(&src);
    let body = &src[offset..];
    let facts = index.modules()[module].facts.as_ref();
    let at = facts
        .and_then(|f| f.bindings[binding].name_span)
        .map_or(0, |s| s.start() - offset);
    let tree = blocks::parse_tree(body);
    if let Some((tree, stmt)) = tree
        .as_ref()
        .and_then(|t| blocks::top_level_statement(t, at).map(|s| (t, blocks::block(body, s))))
    {
        let removed = stmt.remove.start + offset..stmt.remove.end + offset;
        planned.edits.extend(orphaned_import_edits(
            &path,
            &src,
            tree,
            std::slice::from_ref(&removed),
        ));
        planned.edits.push(TextEdit {
            path,
            start: removed.start,
            end: removed.end,
            content: String::new(),
        });
    }
    Ok(planned)
}

/// A conftest that `planned`'s edits leave with nothing but whitespace is deleted instead (its
/// edits dropped), as `[[merge]]` does with the file it empties; unless deleting it could break
/// imports (see [`sys_path_dependents`]): then it is left empty, with a note.
fn delete_if_emptied(index: &Index, path: &Path, rel: &str, planned: &mut Planned) {
    let Ok(bytes) = index.loader.read(path) else {
        return;
    };
    let mut edits: Vec<&TextEdit> = planned.edits.iter().filter(|e| e.path == path).collect();
    if edits.is_empty() {
        return;
    }
    edits.sort_by_key(|e| (e.start, e.end));
    let mut left = Vec::with_capacity(bytes.len());
    let mut at = source::bom_len(&bytes);
    for e in edits {
        if e.start < at {
            return; // overlapping edits: the overlay will refuse them anyway
        }
        left.extend_from_slice(&bytes[at..e.start]);
        left.extend_from_slice(e.content.as_bytes());
        at = e.end;
    }
    left.extend_from_slice(&bytes[at..]);
    if !left.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    match sys_path_dependents(path) {
        None => {
            planned.edits.retain(|e| e.path != path);
            planned.deletes.push(path.to_path_buf());
        }
        Some(modules) => planned.notes.push(kept_for_sys_path(rel, &modules)),
    }
}

/// The note for a conftest that is kept although nothing is left in it worth keeping.
pub(super) fn kept_for_sys_path(rel: &str, modules: &str) -> String {
    format!(
        "{rel} is kept: its directory is not a package, so this conftest puts it on sys.path (pytest's default import mode), and {modules} may be imported through it; delete it by hand if nothing does"
    )
}

/// Why deleting the conftest at `path` could break imports: in pytest's default `prepend`
/// import mode a conftest outside a package puts its directory on `sys.path`, so modules and
/// packages next to it may be imported through it — unless test modules there put the directory
/// on `sys.path` anyway. Returns the names of those modules.
pub(super) fn sys_path_dependents(path: &Path) -> Option<String> {
    let dir = path.parent()?;
    if dir.join("__init__.py").is_file() {
        return None;
    }
    let mut importable = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let p = entry.path();
        if p.is_dir() {
            if p.join("__init__.py").is_file() {
                importable.push(format!("{name}/"));
            }
            continue;
        }
        let Some(stem) = name.strip_suffix(".py") else {
            continue;
        };
        if stem.starts_with("test_") || stem.ends_with("_test") {
            return None;
        }
        if stem != "conftest" {
            importable.push(name);
        }
    }
    importable.sort();
    (!importable.is_empty()).then(|| importable.join(", "))
}
