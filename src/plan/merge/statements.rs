//! The source conftest's top-level statements as `[[merge]]` sees them: each classified
//! (docstring, import, definition, other code) with the bindings, free names and import lines
//! the checks need, and what the destination already has.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use crate::parse::{BindingKind, FileFacts, ImportTarget};

use super::super::blocks::{self, Block};
use super::super::imports::{import_lines, ImportLine, ImportLines};
use super::super::source;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Docstring,
    Import,
    Definition,
    /// Module-level code with effects (calls, `if`/`try` blocks, ...): never moved.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Status {
    Move,
    /// The destination already has the same code under the same name: only removed here.
    Dedupe,
    Stay(String),
}

/// One top-level statement of the source conftest.
pub(super) struct Stmt {
    pub(super) kind: Kind,
    pub(super) line: usize,
    /// Indices into the source's `FileFacts::bindings`.
    pub(super) bindings: Vec<usize>,
    pub(super) block: Block,
    pub(super) normalized: String,
    pub(super) free: BTreeSet<String>,
    pub(super) first_line: String,
    pub(super) status: Status,
    /// Imports: what the statement binds, as written.
    pub(super) imports: ImportLines,
    /// Imports: each bound name's import line as the destination must spell it (only those it
    /// does not have yet).
    pub(super) lines: Vec<(String, String)>,
    /// Imports: `from x import *` lines.
    pub(super) stars: Vec<String>,
}

pub(super) fn is_plain_assignment(node: Node) -> bool {
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
pub(super) fn bindings_in(facts: &FileFacts, offset: usize, node: Node) -> Vec<usize> {
    let range = node.byte_range();
    let lines = node.start_position().row + 1..node.end_position().row + 2;
    facts
        .bindings
        .iter()
        .enumerate()
        .filter(|(_, b)| match b.name_span {
            Some(s) => range.contains(&s.start().saturating_sub(offset)),
            None => lines.contains(&b.line),
        })
        .map(|(i, _)| i)
        .collect()
}

/// The fixture name a binding registers, if it is a fixture.
pub(super) fn fixture_name(binding: &crate::parse::Binding) -> Option<String> {
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

pub(super) fn is_hook(binding: &crate::parse::Binding) -> bool {
    binding.name.starts_with("pytest_") && matches!(binding.kind, BindingKind::Function(_))
}

/// Where `from __future__` imports go in an existing file: before its first statement (after
/// leading comments, a shebang and the docstring).
pub(super) fn future_insertion_point(src: &[u8]) -> usize {
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
pub(super) struct Destination {
    /// Bound name → the normalized code of the statement binding it (last one wins).
    pub(super) code: BTreeMap<String, String>,
    /// Names its code uses without binding them (builtins, star-imported names).
    pub(super) free: BTreeSet<String>,
    /// Bound name → import lines binding it (top-level imports).
    pub(super) imports: BTreeMap<String, Vec<ImportLine>>,
    /// `from x import *` targets.
    pub(super) stars: Vec<ImportTarget>,
}

pub(super) fn destination(body: &[u8], facts: &FileFacts, offset: usize) -> Destination {
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

pub(super) fn classify(
    body: &[u8],
    tree: &tree_sitter::Tree,
    facts: &FileFacts,
    offset: usize,
) -> Vec<Stmt> {
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
