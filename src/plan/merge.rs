//! `[[merge]]`: fold one conftest into another. Every module-level statement of the source is
//! classified (docstring, import, definition, other code); definitions — fixtures, hooks,
//! helpers, constants — move to the end of the destination with the imports they use (merged
//! with the destination's, never duplicated; relative imports rewritten when the packages allow
//! it). A fixture or `pytest_*` hook defined in both files refuses the whole merge, and so does
//! `pytest_plugins` in the source. What cannot move (a helper the destination binds
//! differently, code with effects, what depends on those) stays, with a note saying why; when
//! nothing stays, the source file is deleted. The driver then re-resolves the result like for
//! every consolidation rule.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use crate::discover::Project;
use crate::index::{Index, ModuleId};
use crate::parse::{BindingKind, FileFacts, ImportTarget};
use crate::Analysis;

use super::imports::{dotted, import_lines, relocate, ImportLine, ImportLines};

use super::blocks::{self, Block};
use super::consolidate::{
    dir_of, fixture_binding, insert_blocks, loaded_conftest, module_at, not_a_loaded_conftest,
};
use super::source;
use super::{Field, PlanError, Planned, TextEdit};

#[derive(Debug, Clone)]
pub struct MergeSpec {
    pub from: String,
    pub into: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Docstring,
    Import,
    Definition,
    /// Module-level code with effects (calls, `if`/`try` blocks, ...): never moved.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Move,
    /// The destination already has the same code under the same name: only removed here.
    Dedupe,
    Stay(String),
}

/// One top-level statement of the source conftest.
struct Stmt {
    kind: Kind,
    line: usize,
    /// Indices into the source's `FileFacts::bindings`.
    bindings: Vec<usize>,
    block: Block,
    normalized: String,
    free: BTreeSet<String>,
    first_line: String,
    status: Status,
    /// Imports: what the statement binds, as written.
    imports: ImportLines,
    /// Imports: each bound name's import line as the destination must spell it (only those it
    /// does not have yet).
    lines: Vec<(String, String)>,
    /// Imports: `from x import *` lines.
    stars: Vec<String>,
}

fn is_plain_assignment(node: Node) -> bool {
    node.named_child_count() == 1
        && node.named_child(0).is_some_and(|a| {
            a.kind() == "assignment"
                && a.child_by_field_name("left").is_some_and(|l| {
                    matches!(
                        l.kind(),
                        "identifier" | "pattern_list" | "tuple_pattern" | "list_pattern"
                    )
                })
        })
}

/// The bindings a top-level statement makes: those whose name is written inside it (range in
/// the coordinates of the text after the BOM), and those without a recorded name position
/// (`import pytest`) on its lines.
fn bindings_in(facts: &FileFacts, offset: usize, node: Node) -> Vec<usize> {
    let range = node.byte_range();
    let lines = node.start_position().row + 1..node.end_position().row + 2;
    facts
        .bindings
        .iter()
        .enumerate()
        .filter(|(_, b)| match b.name_span {
            Some(s) => range.contains(&s.start.saturating_sub(offset)),
            None => lines.contains(&b.line),
        })
        .map(|(i, _)| i)
        .collect()
}

/// The fixture name a binding registers, if it is a fixture.
fn fixture_name(binding: &crate::parse::Binding) -> Option<String> {
    match &binding.kind {
        BindingKind::Fixture(d) => Some(
            d.marker
                .name
                .as_ref()
                .map_or(binding.name.clone(), |n| n.text.clone()),
        ),
        _ => None,
    }
}

fn is_hook(binding: &crate::parse::Binding) -> bool {
    binding.name.starts_with("pytest_") && matches!(binding.kind, BindingKind::Function(_))
}

/// Where `from __future__` imports go in an existing file: before its first statement (after
/// leading comments, a shebang and the docstring).
fn future_insertion_point(src: &[u8]) -> usize {
    if let Some(end) = source::docstring_end(src) {
        return end;
    }
    let mut at = source::bom_len(src);
    while at < src.len() {
        let end = memchr::memchr(b'\n', &src[at..]).map_or(src.len(), |i| at + i + 1);
        let line = src[at..end].trim_ascii_start();
        if !(line.is_empty() || line.starts_with(b"#")) {
            break;
        }
        at = end;
    }
    at
}

/// What the destination already has.
#[derive(Default)]
struct Destination {
    /// Bound name → the normalized code of the statement binding it (last one wins).
    code: BTreeMap<String, String>,
    /// Names its code uses without binding them (builtins, star-imported names).
    free: BTreeSet<String>,
    /// Bound name → import lines binding it (top-level imports).
    imports: BTreeMap<String, Vec<ImportLine>>,
    /// `from x import *` targets.
    stars: Vec<ImportTarget>,
}

fn destination(body: &[u8], facts: &FileFacts, offset: usize) -> Destination {
    let mut dest = Destination::default();
    let Some(tree) = blocks::parse_tree(body) else {
        return dest;
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    for node in root.named_children(&mut cursor) {
        let normalized = blocks::normalized(body, node);
        for b in bindings_in(facts, offset, node) {
            dest.code
                .insert(facts.bindings[b].name.clone(), normalized.clone());
        }
        let lines = import_lines(node, body);
        for (name, line) in lines.names {
            dest.imports.entry(name).or_default().push(line);
        }
        dest.stars.extend(lines.stars);
        dest.free.extend(blocks::free_names(body, node));
    }
    let bound: BTreeSet<&str> = facts.bindings.iter().map(|b| b.name.as_str()).collect();
    dest.free.retain(|n| !bound.contains(n.as_str()));
    dest
}

fn classify(body: &[u8], tree: &tree_sitter::Tree, facts: &FileFacts, offset: usize) -> Vec<Stmt> {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let mut stmts = Vec::new();
    let mut first = true;
    for node in root.named_children(&mut cursor) {
        if node.kind() == "comment" {
            continue;
        }
        let kind = match node.kind() {
            "expression_statement"
                if first
                    && node.named_child_count() == 1
                    && node.named_child(0).is_some_and(|c| c.kind() == "string") =>
            {
                Kind::Docstring
            }
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                Kind::Import
            }
            "function_definition" | "class_definition" | "decorated_definition" => Kind::Definition,
            "expression_statement" if is_plain_assignment(node) => Kind::Definition,
            _ => Kind::Other,
        };
        first = false;
        let bindings = bindings_in(facts, offset, node);
        let imports = import_lines(node, body);
        let mut block = blocks::block(body, node);
        block.remove = block.remove.start + offset..block.remove.end + offset;
        let text = &body[node.byte_range()];
        let first_line = if kind == Kind::Definition && !bindings.is_empty() {
            bindings
                .iter()
                .map(|&b| facts.bindings[b].name.as_str())
                .collect::<Vec<_>>()
                .join("`, `")
        } else {
            String::from_utf8_lossy(
                text.split(|b| *b == b'\n')
                    .next()
                    .unwrap_or_default()
                    .trim_ascii(),
            )
            .into_owned()
        };
        stmts.push(Stmt {
            kind,
            line: node.start_position().row + 1,
            bindings,
            normalized: blocks::normalized(body, node),
            free: if kind == Kind::Definition {
                blocks::free_names(body, node)
            } else {
                BTreeSet::new()
            },
            first_line,
            block,
            status: Status::Move,
            imports,
            lines: Vec::new(),
            stars: Vec::new(),
        });
    }
    stmts
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
                spec.from, p.span.line
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
            .map(|s| s.block.remove.start - offset..s.block.remove.end - offset)
            .collect();
        // The source's tree from above: the imports only the moved code used go too.
        planned.edits.extend(
            super::imports::orphaned_imports(body, &tree, &removed)
                .into_iter()
                .map(|r| TextEdit {
                    path: from_path.clone(),
                    start: r.start + offset,
                    end: r.end + offset,
                    content: String::new(),
                }),
        );
        planned.notes.extend(notes_for_stays(&stmts, spec));
        planned.notes.push(match on_sys_path {
            Some(modules) => format!(
                "{} is kept: its directory is not a package, so this conftest puts it on sys.path (pytest's default import mode), and {modules} may be imported through it; delete it by hand if nothing does",
                spec.from
            ),
            None => format!("{} is kept with what could not move", spec.from),
        });
    }
    Ok(planned)
}

/// Marks definitions the destination already has (same code) as `Dedupe` and those it binds
/// differently as `Stay`; returns the fixtures and hooks defined in both (which refuse the merge).
#[allow(clippy::too_many_arguments)]
fn check_definitions(
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
fn check_imports(
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
fn name_table(facts: &FileFacts, stmts: &[Stmt]) -> BTreeMap<String, usize> {
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
fn propagate(facts: &FileFacts, dest: &FileFacts, spec: &MergeSpec, stmts: &mut [Stmt]) {
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

/// Why deleting the conftest at `path` could break imports: in pytest's default `prepend`
/// import mode a conftest outside a package puts its directory on `sys.path`, so modules and
/// packages next to it may be imported through it — unless test modules there put the directory
/// on `sys.path` anyway. Returns the names of those modules.
fn sys_path_dependents(path: &std::path::Path) -> Option<String> {
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

fn notes_for_stays(stmts: &[Stmt], spec: &MergeSpec) -> Vec<String> {
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
