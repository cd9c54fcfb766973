//! The re-parse check: where tree-sitter-python finds syntax errors in a buffer.

use std::ops::Range;
use std::path::Path;

use tree_sitter::Parser;

use super::{Edit, BOM};

/// Whether `path` is Python source the syntax check applies to.
pub(crate) fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py") | Some("pyi")
    )
}

/// Byte ranges (into `bytes`, BOM included) of the outermost `ERROR` nodes and of every
/// `MISSING` node, in document order.
pub(crate) fn syntax_errors(bytes: &[u8]) -> Vec<Range<usize>> {
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
    // Depth-first walk that only descends into subtrees containing an error.
    'walk: loop {
        let node = cursor.node();
        let descend = if node.is_error() || node.is_missing() {
            errors.push(node.start_byte() + offset..node.end_byte() + offset);
            false
        } else {
            node.has_error()
        };
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    errors
}

/// True when every edit swaps one plain identifier for another (ASCII, no keyword of Python
/// or of the grammar, soft ones included) with no identifier character on either side: each
/// token keeps its kind (a name stays a name; inside a string or comment only the text
/// changes), so the edited text has the syntax errors of the original, as many and of the same
/// shape, and the re-parse check can be skipped. A rename's edits are all of this kind.
pub(crate) fn keeps_tokens(cur: &[u8], edits: &[Edit]) -> bool {
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let plain = |word: &[u8]| {
        let Some((&first, rest)) = word.split_first() else {
            return false;
        };
        let Ok(text) = std::str::from_utf8(word) else {
            return false;
        };
        (first.is_ascii_alphabetic() || first == b'_')
            && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
            && !crate::rules::PYTHON_KEYWORDS.contains(&text)
            && !matches!(text, "match" | "case" | "type" | "_")
            && language.id_for_node_kind(text, false) == 0
    };
    let word_byte =
        |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80);
    edits.iter().all(|e| {
        e.start < e.end
            && e.end <= cur.len()
            && plain(&cur[e.start..e.end])
            && plain(e.content.as_bytes())
            && !word_byte(e.start.checked_sub(1).and_then(|i| cur.get(i)))
            && !word_byte(cur.get(e.end))
    })
}
