//! Offset arithmetic for the overlay: where a position moves under sorted edits, which edits
//! collide (within one rule, or with text an earlier rule wrote), whether an offset splits a UTF-8
//! character, and where to point at a syntax error an edit introduced.

use std::ops::Range;

use super::Edit;

/// `p` moved by `d` bytes.
pub(super) fn shift(p: usize, d: isize) -> usize {
    (p as isize + d) as usize
}

/// Where to point at a new syntax error: the first error in `after` that is not one of `before`
/// moved by the edits, and there the start of the rule's first edit inside it (an `ERROR` node
/// often begins well before the text that broke it), else the error's own start.
pub(super) fn syntax_position(
    edits: &[Edit],
    placed: &[Range<usize>],
    before: &[Range<usize>],
    after: &[Range<usize>],
) -> usize {
    let moved: Vec<usize> = before.iter().map(|r| shift_point(edits, r.start)).collect();
    let Some(error) = after
        .iter()
        .find(|r| !moved.contains(&r.start))
        .or(after.first())
    else {
        return 0;
    };
    placed
        .iter()
        .find(|p| p.start <= error.end && error.start <= p.end)
        .map_or(error.start, |p| p.start.max(error.start))
}

/// Where offset `p` of the content before `edits` (sorted, applied) ends up.
pub(super) fn shift_point(edits: &[Edit], p: usize) -> usize {
    let d: isize = edits
        .iter()
        .filter(|e| e.end <= p)
        .map(|e| e.content.len() as isize - (e.end - e.start) as isize)
        .sum();
    shift(p, d)
}

/// Two edits of one rule collide: they overlap, one inserts strictly inside the other's range,
/// or both insert at the same offset (their order would be arbitrary).
pub(super) fn conflicts_within_rule(a: Range<usize>, b: Range<usize>) -> bool {
    if a.is_empty() && b.is_empty() {
        a.start == b.start
    } else {
        conflicts_with_earlier(a, b)
    }
}

/// An edit `b` collides with text `a` an earlier rule put there: they overlap, or one of them is
/// empty (an insertion point, a deletion) strictly inside the other. Touching at the ends is fine.
pub(super) fn conflicts_with_earlier(a: Range<usize>, b: Range<usize>) -> bool {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => false,
        (true, false) => b.start < a.start && a.start < b.end,
        (false, true) => a.start < b.start && b.start < a.end,
        (false, false) => a.start < b.end && b.start < a.end,
    }
}

/// Whether offset `pos` falls inside a (valid) multi-byte UTF-8 character of `buf`.
pub(super) fn splits_char(buf: &[u8], pos: usize) -> bool {
    let is_continuation = |b: u8| (0x80..0xC0).contains(&b);
    if pos == 0 || pos >= buf.len() || !is_continuation(buf[pos]) {
        return false;
    }
    for lead in (pos.saturating_sub(3)..pos).rev() {
        let b = buf[lead];
        if is_continuation(b) {
            continue;
        }
        let width = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        return lead + width > pos
            && lead + width <= buf.len()
            && std::str::from_utf8(&buf[lead..lead + width]).is_ok();
    }
    false
}
