//! The re-parse check: where tree-sitter-python finds syntax errors in a buffer.

use std::ops::Range;
use std::path::Path;

use tree_sitter::{InputEdit, Parser, Point, Tree};

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
    syntax_errors_seen(bytes, None, |_| {})
}

/// A tree of a Python file's text (after any BOM) made before it was edited, which the
/// re-parse check of the edited text can start from (tree-sitter's incremental parse: the
/// result is the tree a parse from scratch makes, at the cost of the changed stretches).
pub struct BaseTree {
    pub tree: Tree,
    /// Byte ranges of the text (after any BOM) where `tree` does not describe it: stretches
    /// the parse left out (with `included_ranges`) or read with other bytes in place.
    pub unparsed: Vec<Range<usize>>,
}

/// Edits a [`BaseTree`] of `old` (a file's bytes, BOM included) describes, for
/// [`syntax_errors_seen`]: `edits` are sorted, do not overlap, and are in `old`'s coordinates,
/// each with the length of its new text.
pub(crate) struct Incremental<'a> {
    pub base: BaseTree,
    pub old: &'a [u8],
    pub edits: Vec<(Range<usize>, usize)>,
}

/// [`syntax_errors`], showing the tree parsed (of `bytes` after any BOM) to `seen` before it
/// is dropped. With `incremental`, `bytes` are its `old` bytes after its edits, and the parse
/// starts from its base tree.
pub(crate) fn syntax_errors_seen(
    bytes: &[u8],
    incremental: Option<Incremental<'_>>,
    seen: impl FnOnce(&tree_sitter::Tree),
) -> Vec<Range<usize>> {
    let offset = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let src = &bytes[offset..];
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter runtime");
    let base = incremental.and_then(|i| edited_base(i, bytes, offset));
    let tree = parser
        .parse(src, base.as_ref())
        .expect("parsing without a timeout or cancellation flag always yields a tree");
    #[cfg(debug_assertions)]
    if base.is_some() {
        // Debug builds (the tests) hold every incremental re-parse to a parse from scratch.
        let fresh = parser
            .parse(src, None)
            .expect("parsing without a timeout or cancellation flag always yields a tree");
        assert_eq!(
            tree_shape(&tree),
            tree_shape(&fresh),
            "the incremental re-parse differs from a parse from scratch"
        );
    }
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

/// The base tree of `incremental`, edited to describe `new` (its old bytes after its edits;
/// both BOM included, `offset` the BOM's length): each changed stretch, merged with the
/// stretches the base tree does not describe, becomes one tree edit, applied last first so
/// that each is in the coordinates of the text before it. `None` (parse from scratch) when an
/// edit touches the BOM or the base tree does not fit the text.
fn edited_base(incremental: Incremental<'_>, new: &[u8], offset: usize) -> Option<Tree> {
    let Incremental { base, old, edits } = incremental;
    let old = &old[offset..];
    if base.tree.root_node().end_byte() > old.len() {
        return None;
    }
    // (start, end, change in length), in the text after the BOM.
    let mut changes: Vec<(usize, usize, isize)> =
        Vec::with_capacity(edits.len() + base.unparsed.len());
    for (range, new_len) in edits {
        if range.start < offset {
            return None;
        }
        let delta = new_len as isize - range.len() as isize;
        changes.push((range.start - offset, range.end - offset, delta));
    }
    for r in &base.unparsed {
        if r.end > old.len() {
            return None;
        }
        changes.push((r.start, r.end, 0));
    }
    changes.sort_unstable();
    let mut merged: Vec<(usize, usize, isize)> = Vec::with_capacity(changes.len());
    for c in changes {
        match merged.last_mut() {
            Some(m) if c.0 <= m.1 => {
                m.1 = m.1.max(c.1);
                m.2 += c.2;
            }
            _ => merged.push(c),
        }
    }
    let new = &new[offset..];
    let lines = LineStarts::of(old);
    let mut tree = base.tree;
    // Where each change starts in the new text.
    let mut shift = 0isize;
    let starts_in_new: Vec<usize> = merged
        .iter()
        .map(|&(start, _, delta)| {
            let at = (start as isize + shift) as usize;
            shift += delta;
            at
        })
        .collect();
    for (&(start, end, delta), &new_start) in merged.iter().zip(&starts_in_new).rev() {
        let new_len = (end - start) as isize + delta;
        let new_text = new.get(new_start..new_start + usize::try_from(new_len).ok()?)?;
        let start_position = lines.point(start);
        tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: start + new_text.len(),
            start_position,
            old_end_position: lines.point(end),
            new_end_position: advance(start_position, new_text),
        });
    }
    Some(tree)
}

/// Where each line of a text starts, for tree-sitter points (rows, byte columns).
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn of(text: &[u8]) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineStarts(starts)
    }

    fn point(&self, byte: usize) -> Point {
        let row = self.0.partition_point(|&s| s <= byte) - 1;
        Point::new(row, byte - self.0[row])
    }
}

/// The point after `text`, written at `at`.
fn advance(at: Point, text: &[u8]) -> Point {
    match memchr::memrchr(b'\n', text) {
        Some(last) => Point::new(
            at.row + memchr::memchr_iter(b'\n', text).count(),
            text.len() - last - 1,
        ),
        None => Point::new(at.row, at.column + text.len()),
    }
}

/// Every node of `tree` with its kind, byte range and error flags, in document order.
#[cfg(debug_assertions)]
fn tree_shape(tree: &Tree) -> Vec<(u16, Range<usize>, bool, bool)> {
    let mut shape = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        shape.push((
            node.kind_id(),
            node.byte_range(),
            node.is_error(),
            node.is_missing(),
        ));
        if cursor.goto_first_child() {
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
    shape
}
