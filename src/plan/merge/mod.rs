//! `[[merge]]`: fold one conftest into another. Every module-level statement of the source is
//! classified (docstring, import, definition, other code); definitions — fixtures, hooks,
//! helpers, constants — move to the end of the destination with the imports they use (merged
//! with the destination's, never duplicated; relative imports rewritten when the packages allow
//! it). A fixture or `pytest_*` hook defined in both files refuses the whole merge, and so does
//! `pytest_plugins` in the source. What cannot move (a helper the destination binds
//! differently, code with effects, what depends on those) stays, with a note saying why; when
//! nothing stays, the source file is deleted. The driver then re-resolves the result like for
//! every consolidation rule.

mod checks;
mod statements;

use std::collections::BTreeSet;

use crate::discover::Project;
use crate::parse::ImportTarget;
use crate::Analysis;

use super::imports::{dotted, relocate};

use super::blocks;
use super::consolidate::{
    dir_of, insert_blocks, kept_for_sys_path, loaded_conftest, module_at, not_a_loaded_conftest,
    orphaned_import_edits, sys_path_dependents,
};
use super::source;
use super::{Field, PlanError, Planned, TextEdit};

use checks::{check_definitions, check_imports, notes_for_stays, propagate};
use statements::{classify, destination, future_insertion_point, is_hook, Kind, Status};

#[derive(Debug, Clone)]
pub struct MergeSpec {
    pub from: String,
    pub into: String,
}

pub fn plan_merge(
    analysis: &mut Analysis,
    project: &Project,
    spec: &MergeSpec,
) -> Result<Planned, PlanError> {
    let index = &analysis.index;
    let from_path = project.rootdir.join(&spec.from);
    let into_path = project.rootdir.join(&spec.into);
    if into_path.file_name().is_none_or(|n| n != "conftest.py") {
        return Err(PlanError::invalid(
            Field::Into,
            format!("`{}` is not a conftest.py", spec.into),
            Some("`into` names the conftest.py that receives the fixtures and hooks".into()),
        ));
    }
    let into = module_at(index, &into_path);
    let Some(from) = loaded_conftest(index, &from_path) else {
        if index.loader.read(&from_path).is_err() && into.is_some() {
            return Ok(Planned::default()); // already merged
        }
        return Err(not_a_loaded_conftest(Field::From, &spec.from));
    };
    if into.is_none() && index.loader.read(&into_path).is_ok() {
        return Err(PlanError::invalid(
            Field::Into,
            format!(
                "{} exists but pytest does not load it in this project",
                spec.into
            ),
            Some("merge into a conftest.py pytest loads (see `fixmig fixtures`)".into()),
        ));
    }
    let facts = index.modules()[from].facts.clone().unwrap_or_default();
    if let Some((line, column)) = facts.syntax_error {
        return Err(PlanError::Refused {
            message: format!("{} does not parse", spec.from),
            reasons: vec![format!(
                "{}:{line}:{column}: syntax error; fix it first",
                spec.from
            )],
        });
    }
    if let Some(p) = facts.pytest_plugins.first() {
        return Err(PlanError::Refused {
            message: format!("{} sets `pytest_plugins`", spec.from),
            reasons: vec![format!(
                "{}:{}: pytest honours `pytest_plugins` only in the rootdir's conftest.py (and conftests loaded at startup); merge does not move it: move the plugin list to the rootdir's conftest.py by hand, then merge",
                spec.from, p.span.line()
            )],
        });
    }
    let src = index.loader.read(&from_path).unwrap_or_default();
    let offset = source::bom_len(&src);
    let body = &src[offset..];
    let Some(tree) = blocks::parse_tree(body) else {
        return Err(PlanError::invalid(
            Field::From,
            format!("{} cannot be parsed", spec.from),
            None,
        ));
    };
    let mut stmts = classify(body, &tree, &facts, offset);
    let dest_facts = into
        .and_then(|m| index.modules()[m].facts.clone())
        .unwrap_or_default();
    let dest_src = into
        .map(|_| index.loader.read(&into_path).unwrap_or_default())
        .unwrap_or_default();
    let dest_offset = source::bom_len(&dest_src);
    let dest = destination(&dest_src[dest_offset..], &dest_facts, dest_offset);

    let clashes = check_definitions(index, into, spec, &facts, &dest_facts, &dest, &mut stmts);
    if !clashes.is_empty() {
        let mut reasons = clashes;
        reasons.push("rename or remove one of each pair first (`[[rename]]` with `defined_in`, `[[remove]]`), or `[[hoist]]` fixtures that are the same code".into());
        return Err(PlanError::Refused {
            message: format!(
                "{} cannot be merged into {}: both define the same names",
                spec.from, spec.into
            ),
            reasons,
        });
    }
    let (from_dir, into_dir) = (dir_of(&spec.from), dir_of(&spec.into));
    let rootdir = project.rootdir.clone();
    let relocate_target = move |t: &ImportTarget| {
        relocate(t, from_dir, into_dir, &rootdir).map_err(|e| {
            format!(
                "the relative import `{}` cannot be written for {}: {e}",
                dotted(t),
                spec.into
            )
        })
    };
    check_imports(&dest, spec, &relocate_target, &mut stmts);
    propagate(&facts, &dest_facts, spec, &mut stmts);

    let emptied = stmts.iter().all(|s| match s.kind {
        Kind::Docstring => true,
        Kind::Other => false,
        _ => !matches!(s.status, Status::Stay(_)),
    });
    let on_sys_path = if emptied {
        sys_path_dependents(&from_path)
    } else {
        None
    };
    let delete = emptied && on_sys_path.is_none();
    let movable = stmts
        .iter()
        .any(|s| s.kind == Kind::Definition && !matches!(s.status, Status::Stay(_)));
    if !movable {
        // Nothing (more) can move: a merge applied before leaves exactly this, so it is not an
        // error; the notes say what stays and why.
        let mut planned = Planned {
            notes: notes_for_stays(&stmts, spec),
            ..Planned::default()
        };
        if planned.notes.is_empty() {
            planned
                .notes
                .push(format!("{} defines nothing to move", spec.from));
        }
        return Ok(planned);
    }

    // The imports the destination gains.
    let mut imports = BTreeSet::new();
    let mut futures = BTreeSet::new();
    let mut add = |line: &String, imports: &mut BTreeSet<String>| {
        if line.starts_with("from __future__ ") {
            futures.insert(line.clone());
        } else {
            imports.insert(line.clone());
        }
    };
    for s in &stmts {
        if s.kind != Kind::Import || matches!(s.status, Status::Stay(_)) {
            continue;
        }
        for star in &s.stars {
            add(star, &mut imports);
        }
        for (name, line) in &s.lines {
            let used = stmts.iter().any(|d| {
                d.kind == Kind::Definition && d.status == Status::Move && d.free.contains(name)
            });
            // Deleting the file: every import goes (it may register fixtures or hooks, or have
            // effects); keeping it: only what the moved code uses.
            if delete || used || line.starts_with("from __future__ ") {
                add(line, &mut imports);
            }
        }
    }

    let mut planned = Planned::default();
    let mut texts = Vec::new();
    for s in &stmts {
        if s.kind != Kind::Definition {
            continue;
        }
        match s.status {
            Status::Move => texts.push(s.block.text.clone()),
            Status::Dedupe => {}
            Status::Stay(_) => continue,
        }
        if !delete {
            planned.edits.push(TextEdit {
                path: from_path.clone(),
                start: s.block.remove.start,
                end: s.block.remove.end,
                content: String::new(),
            });
        }
        for &b in &s.bindings {
            let binding = &facts.bindings[b];
            if is_hook(binding) && from_dir != into_dir {
                planned.notes.push(format!(
                    "hook `{}` moves from {} to {}: pytest calls a conftest's path-dependent hooks for everything under its directory, so it may now also run for {}/ outside {}/; review it",
                    binding.name, spec.from, spec.into, if into_dir.is_empty() { "." } else { into_dir }, from_dir
                ));
            }
        }
    }
    let dest_futures: BTreeSet<String> = dest_facts
        .bindings
        .iter()
        .filter_map(|b| blocks::import_line(b).filter(|l| l.starts_with("from __future__ ")))
        .collect();
    let futures: Vec<String> = futures.difference(&dest_futures).cloned().collect();
    let future_edit = (!futures.is_empty() && into.is_some()).then(|| {
        let eol = source::line_ending(&dest_src);
        TextEdit {
            path: into_path.clone(),
            start: future_insertion_point(&dest_src),
            end: future_insertion_point(&dest_src),
            content: futures.iter().map(|l| format!("{l}{eol}")).collect(),
        }
    });
    for f in &futures {
        planned.notes.push(format!(
            "`{f}` is added to {}: it changes how the annotations of its existing code are evaluated",
            spec.into
        ));
    }
    let before = planned.edits.len();
    insert_blocks(index, &into_path, &texts, &imports, &mut planned);
    if let Some(e) = future_edit {
        // One insertion per offset: the future import goes first.
        match planned.edits[before..]
            .iter_mut()
            .find(|x| x.path == e.path && x.start == e.start && x.end == e.start)
        {
            Some(x) => x.content.insert_str(0, &e.content),
            None => planned.edits.push(e),
        }
    } else if !futures.is_empty() {
        if let Some((_, content)) = planned.creates.iter_mut().find(|(p, _)| *p == into_path) {
            let lines: String = futures.iter().map(|l| format!("{l}\n")).collect();
            content.splice(0..0, lines.into_bytes());
        }
    }
    if delete {
        planned.deletes.push(from_path.clone());
    } else {
        let removed: Vec<_> = stmts
            .iter()
            .filter(|s| {
                matches!(s.status, Status::Move | Status::Dedupe) && s.kind == Kind::Definition
            })
            .map(|s| s.block.remove.clone())
            .collect();
        // The source's tree from above: the imports only the moved code used go too.
        planned
            .edits
            .extend(orphaned_import_edits(&from_path, &src, &tree, &removed));
        planned.notes.extend(notes_for_stays(&stmts, spec));
        planned.notes.push(match on_sys_path {
            Some(modules) => kept_for_sys_path(&spec.from, &modules),
            None => format!("{} is kept with what could not move", spec.from),
        });
    }
    Ok(planned)
}
