//! Module-level code blocks for moving definitions between files: the text of a definition with
//! its decorators and the comments directly above it, the byte range that removes it cleanly,
//! the names its code uses, and the import lines that make those names available elsewhere.

use std::collections::BTreeSet;
use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

use crate::parse::{Binding, BindingKind, FileFacts, ImportTarget};

pub fn parse_tree(src: &[u8]) -> Option<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    parser.parse(src, None)
}

/// The top-level statement (decorated definition included) that contains byte `at`.
pub fn top_level_statement(tree: &Tree, at: usize) -> Option<Node<'_>> {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let found = root
        .named_children(&mut cursor)
        .find(|c| c.start_byte() <= at && at < c.end_byte());
    found
}

fn line_start(src: &[u8], at: usize) -> usize {
    src[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1)
}

fn line_end(src: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &src[at..]).map_or(src.len(), |p| at + p + 1)
}

/// A definition's block: its text (comments directly above, decorators, body, final newline)
/// and the range that deletes it together with the blank lines that separated it.
pub struct Block {
    pub text: String,
    pub remove: Range<usize>,
}

pub fn block(src: &[u8], stmt: Node) -> Block {
    let mut start = line_start(src, stmt.start_byte());
    // Comment lines directly above (no blank line in between) belong to the definition.
    loop {
        if start == 0 {
            break;
        }
        let prev_start = line_start(src, start - 1);
        let line = &src[prev_start..start];
        let trimmed: Vec<u8> = line
            .iter()
            .copied()
            .skip_while(|b| *b == b' ' || *b == b'\t')
            .collect();
        if trimmed.starts_with(b"#") {
            start = prev_start;
        } else {
            break;
        }
    }
    let end = line_end(
        src,
        stmt.end_byte().saturating_sub(1).max(stmt.start_byte()),
    );
    let text = String::from_utf8_lossy(&src[start..end]).into_owned();
    // Take the blank lines before it too (PEP 8's two), so the file keeps its spacing.
    let mut remove_start = start;
    while remove_start > 0 {
        let prev_start = line_start(src, remove_start - 1);
        if src[prev_start..remove_start]
            .iter()
            .all(|b| b.is_ascii_whitespace())
        {
            remove_start = prev_start;
        } else {
            break;
        }
    }
    let mut remove_end = end;
    if remove_start == 0 {
        // At the top of the file: take the blank lines after it instead.
        while remove_end < src.len() {
            let next_end = line_end(src, remove_end);
            if src[remove_end..next_end]
                .iter()
                .all(|b| b.is_ascii_whitespace())
            {
                remove_end = next_end;
            } else {
                break;
            }
        }
    }
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Block {
        text,
        remove: remove_start..remove_end,
    }
}

/// Names a statement's code reads from the enclosing module: identifiers that are not
/// attribute names or keyword names, minus the names its functions bind locally (parameters
/// and assignments), approximately.
pub fn free_names(src: &[u8], stmt: Node) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut bound = BTreeSet::new();
    collect(stmt, src, &mut used, &mut bound, true);
    used.difference(&bound).cloned().collect()
}

fn text(node: Node, src: &[u8]) -> String {
    String::from_utf8_lossy(&src[node.byte_range()]).into_owned()
}

fn collect(
    node: Node,
    src: &[u8],
    used: &mut BTreeSet<String>,
    bound: &mut BTreeSet<String>,
    top: bool,
) {
    match node.kind() {
        "identifier" => {
            let parent = node.parent();
            let is_name_of = |kind: &str, field: &str| {
                parent
                    .is_some_and(|p| p.kind() == kind && p.child_by_field_name(field) == Some(node))
            };
            if is_name_of("attribute", "attribute") || is_name_of("keyword_argument", "name") {
                return;
            }
            if is_name_of("function_definition", "name") || is_name_of("class_definition", "name") {
                if !top {
                    bound.insert(text(node, src));
                }
                return;
            }
            used.insert(text(node, src));
            return;
        }
        "parameters" | "lambda_parameters" => {
            let mut cursor = node.walk();
            for p in node.named_children(&mut cursor) {
                let name = match p.kind() {
                    "identifier" => Some(p),
                    "default_parameter" | "typed_default_parameter" => {
                        p.child_by_field_name("name")
                    }
                    _ => p.named_child(0),
                };
                if let Some(n) = name.filter(|n| n.kind() == "identifier") {
                    bound.insert(text(n, src));
                }
                // Defaults and annotations are evaluated in the enclosing scope.
                for field in ["value", "type"] {
                    if let Some(v) = p.child_by_field_name(field) {
                        collect(v, src, used, bound, false);
                    }
                }
            }
            return;
        }
        "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
            if let Some(left) = node.child_by_field_name("left") {
                targets(left, src, bound);
            }
        }
        "comment" | "string" => return,
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect(
            child,
            src,
            used,
            bound,
            top && node.kind() == "decorated_definition",
        );
    }
}

fn targets(node: Node, src: &[u8], bound: &mut BTreeSet<String>) {
    if node.kind() == "identifier" {
        bound.insert(text(node, src));
        return;
    }
    let mut cursor = node.walk();
    for c in node.named_children(&mut cursor) {
        targets(c, src, bound);
    }
}

/// The import line that binds `binding` the way its module does, or None when the binding is
/// not an import.
pub fn import_line(binding: &Binding) -> Option<String> {
    let dotted = |t: &ImportTarget| format!("{}{}", ".".repeat(t.level), t.module);
    match &binding.kind {
        BindingKind::ImportFrom { target, name, .. } => Some(if *name == binding.name {
            format!("from {} import {name}", dotted(target))
        } else {
            format!("from {} import {name} as {}", dotted(target), binding.name)
        }),
        BindingKind::ImportModule { target } => {
            let first = target.module.split('.').next().unwrap_or("");
            Some(if binding.name == first {
                format!("import {}", target.module)
            } else {
                format!("import {} as {}", target.module, binding.name)
            })
        }
        _ => None,
    }
}

/// The last unconditional module-level binding of `name`.
pub fn module_binding<'a>(facts: &'a FileFacts, name: &str) -> Option<&'a Binding> {
    facts
        .bindings
        .iter()
        .rev()
        .find(|b| b.name == name && b.conditions.is_empty())
}

/// The statement's code with comments dropped and whitespace collapsed: two definitions are
/// "the same code" when these are equal.
pub fn normalized(src: &[u8], node: Node) -> String {
    let mut out = String::new();
    leaves(node, src, &mut out);
    out
}

fn leaves(node: Node, src: &[u8], out: &mut String) {
    if node.kind() == "comment" {
        return;
    }
    if node.child_count() == 0 || node.kind() == "string" {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&String::from_utf8_lossy(&src[node.byte_range()]));
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        leaves(child, src, out);
    }
}
