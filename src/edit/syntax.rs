//! The re-parse check: where tree-sitter-python finds syntax errors in a buffer.

use std::ops::Range;
use std::path::Path;

use tree_sitter::Parser;

use super::BOM;

/// Whether `path` is Python source the syntax check applies to.
pub(crate) fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py") | Some("pyi")
    )
}

/// Byte ranges (into `bytes`, BOM included) of the outermost `ERROR` nodes and of every
/// `MISSING` node, in document order. A `MISSING` token the grammar hides (a newline, an
/// indent: tree-sitter's cursor does not visit it) counts as an error spanning the smallest
/// visible node that reports an error below it and shows none.
pub(crate) fn syntax_errors(bytes: &[u8]) -> Vec<Range<usize>> {
    syntax_errors_seen(bytes, |_| {})
}

/// [`syntax_errors`], showing the tree parsed (of `bytes` after any BOM) to `seen` before it
/// is dropped.
pub(crate) fn syntax_errors_seen(
    bytes: &[u8],
    seen: impl FnOnce(&tree_sitter::Tree),
) -> Vec<Range<usize>> {
    let offset = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let src = &bytes[offset..];
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter runtime");
    let tree = parser
        .parse(src, None)
        .expect("parsing without a timeout or cancellation flag always yields a tree");
    let mut errors = Vec::new();
    let mut cursor = tree.walk();
    // The nodes descended into, with the number of errors found before each.
    let mut open: Vec<(Range<usize>, usize)> = Vec::new();
    // Depth-first walk that only descends into subtrees containing an error.
    'walk: loop {
        let node = cursor.node();
        let range = node.start_byte() + offset..node.end_byte() + offset;
        let descend = if node.is_error() || node.is_missing() {
            errors.push(range.clone());
            false
        } else {
            node.has_error()
        };
        if descend {
            if cursor.goto_first_child() {
                open.push((range, errors.len()));
                continue;
            }
            errors.push(range); // an error with no visible node at all
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
            if let Some((range, found)) = open.pop() {
                if errors.len() == found {
                    errors.push(range);
                }
            }
        }
    }
    drop(cursor);
    seen(&tree);
    errors
}
