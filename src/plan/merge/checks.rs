//! What refuses a `[[merge]]` (a fixture or hook defined in both files) and what keeps a
//! statement in the source (an import the destination binds differently, a definition using
//! what stays or what only the destination binds), with the notes that say why.

use std::collections::{BTreeMap, BTreeSet};

use crate::index::{Index, ModuleId};
use crate::parse::{BindingKind, FileFacts, ImportTarget};

use super::super::consolidate::fixture_binding;
use super::super::imports::{dotted, ImportLine};
use super::statements::{fixture_name, is_hook, Destination, Kind, Status, Stmt};
use super::MergeSpec;

/// Marks definitions the destination already has (same code) as `Dedupe` and those it binds
/// differently as `Stay`; returns the fixtures and hooks defined in both (which refuse the merge).
#[allow(clippy::too_many_arguments)]
pub(super) fn check_definitions(
    index: &Index,
    into: Option<ModuleId>,
    spec: &MergeSpec,
    facts: &FileFacts,
    dest: &FileFacts,
    dest_names: &Destination,
    stmts: &mut [Stmt],
) -> Vec<String> {
    let mut clashes = Vec::new();
    for s in stmts.iter_mut().filter(|s| s.kind == Kind::Definition) {
        let mut same = 0;
        for &b in &s.bindings {
            let binding = &facts.bindings[b];
            let registered = fixture_name(binding)
                .map(|n| ("fixture", n))
                .or_else(|| is_hook(binding).then(|| ("hook", binding.name.clone())));
            if let Some(("fixture", name)) = &registered {
                if let Some(d) = into.and_then(|m| fixture_binding(index, m, name)) {
                    clashes.push(format!(
                        "fixture `{name}` is defined in both {}:{} and {}:{}",
                        spec.from, binding.line, spec.into, dest.bindings[d].line
                    ));
                    continue;
                }
            }
            let existing = dest.bindings.iter().rev().find(|d| d.name == binding.name);
            match existing {
                Some(_)
                    if registered.is_none()
                        && dest_names.code.get(&binding.name) == Some(&s.normalized) =>
                {
                    same += 1;
                }
                Some(d) => match &registered {
                    Some(("hook", name)) if matches!(d.kind, BindingKind::Function(_)) => {
                        clashes.push(format!(
                            "hook `{name}` is defined in both {}:{} and {}:{}",
                            spec.from, binding.line, spec.into, d.line
                        ))
                    }
                    Some((what, name)) => clashes.push(format!(
                        "{what} `{name}` ({}:{}): {} binds `{}` too (line {})",
                        spec.from, binding.line, spec.into, binding.name, d.line
                    )),
                    None => {
                        s.status = Status::Stay(format!(
                            "{} binds `{}` to something else (line {})",
                            spec.into, binding.name, d.line
                        ))
                    }
                },
                None if dest_names.free.contains(&binding.name) => {
                    s.status = Status::Stay(format!(
                        "{} uses the name `{}` without defining it; defining it there would change what that code refers to",
                        spec.into, binding.name
                    ))
                }
                None => {}
            }
        }
        if s.status == Status::Move && same > 0 && same == s.bindings.len() {
            s.status = Status::Dedupe;
        }
    }
    clashes
}

/// Works out each import statement's lines for the destination; an import that cannot be
/// written there, or whose name the destination binds differently, stays.
pub(super) fn check_imports(
    dest: &Destination,
    spec: &MergeSpec,
    relocate_target: &dyn Fn(&ImportTarget) -> Result<ImportTarget, String>,
    stmts: &mut [Stmt],
) {
    for s in stmts.iter_mut().filter(|s| s.kind == Kind::Import) {
        let mut why = None;
        for star in &s.imports.stars {
            match relocate_target(star) {
                Ok(t) if dest.stars.contains(&t) => {}
                Ok(t) => s.stars.push(format!("from {} import *", dotted(&t))),
                Err(e) => why = Some(e),
            }
        }
        for (name, line) in &s.imports.names {
            let line = match line {
                ImportLine::From {
                    target,
                    name: imported,
                    alias,
                } => match relocate_target(target) {
                    Ok(t) => ImportLine::From {
                        target: t,
                        name: imported.clone(),
                        alias: alias.clone(),
                    },
                    Err(e) => {
                        why = Some(e);
                        continue;
                    }
                },
                other => other.clone(),
            };
            let existing = dest.imports.get(name).map(Vec::as_slice).unwrap_or(&[]);
            if existing.contains(&line) {
                continue;
            }
            if let Some(other) = existing.iter().find(|e| !e.compatible(&line)) {
                why = Some(format!(
                    "{} binds `{name}` with `{}`, not `{}`",
                    spec.into,
                    other.render(),
                    line.render()
                ));
                continue;
            }
            if existing.is_empty() && dest.code.contains_key(name) {
                why = Some(format!(
                    "{} binds `{name}` to something else than `{}`",
                    spec.into,
                    line.render()
                ));
                continue;
            }
            s.lines.push((name.clone(), line.render()));
        }
        if let Some(why) = why {
            s.status = Status::Stay(why);
        }
    }
}

/// Name → the statement that binds it last.
pub(super) fn name_table(facts: &FileFacts, stmts: &[Stmt]) -> BTreeMap<String, usize> {
    let mut names = BTreeMap::new();
    for (i, s) in stmts.iter().enumerate() {
        for &b in &s.bindings {
            names.insert(facts.bindings[b].name.clone(), i);
        }
    }
    names
}

/// A definition stays when it uses a name bound by something that stays (to a fixed point),
/// or a name the source does not bind but the destination does.
pub(super) fn propagate(facts: &FileFacts, dest: &FileFacts, spec: &MergeSpec, stmts: &mut [Stmt]) {
    let names = name_table(facts, stmts);
    loop {
        let mut changed = false;
        for i in 0..stmts.len() {
            if stmts[i].kind != Kind::Definition || stmts[i].status != Status::Move {
                continue;
            }
            let own: BTreeSet<&str> = stmts[i]
                .bindings
                .iter()
                .map(|&b| facts.bindings[b].name.as_str())
                .collect();
            let mut why = None;
            for name in &stmts[i].free {
                if own.contains(name.as_str()) {
                    continue;
                }
                match names.get(name) {
                    Some(&j) if stmts[j].kind == Kind::Other => {
                        why = Some(format!(
                            "it uses `{name}`, bound by module-level code at {}:{} that merge does not move",
                            spec.from, stmts[j].line
                        ));
                    }
                    Some(&j) if matches!(stmts[j].status, Status::Stay(_)) => {
                        why = Some(format!(
                            "it uses `{name}` ({}:{}), which stays",
                            spec.from, stmts[j].line
                        ));
                    }
                    Some(_) => {}
                    None => {
                        if let Some(d) = dest.bindings.iter().find(|d| d.name == *name) {
                            why = Some(format!(
                                "it uses `{name}`, which {} does not bind but {} does (line {})",
                                spec.from, spec.into, d.line
                            ));
                        }
                    }
                }
                if why.is_some() {
                    break;
                }
            }
            if let Some(why) = why {
                stmts[i].status = Status::Stay(why);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

pub(super) fn notes_for_stays(stmts: &[Stmt], spec: &MergeSpec) -> Vec<String> {
    let mut out = Vec::new();
    for s in stmts {
        match (&s.kind, &s.status) {
            (Kind::Other, _) => out.push(format!(
                "{}:{}: module-level code stays (`{}`); move it by hand if it belongs in {}",
                spec.from, s.line, s.first_line, spec.into
            )),
            (_, Status::Stay(why)) => out.push(format!(
                "{}:{}: `{}` stays: {why}",
                spec.from, s.line, s.first_line
            )),
            _ => {}
        }
    }
    out
}
