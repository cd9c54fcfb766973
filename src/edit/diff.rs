//! Reporting planned changes: a unified diff that `git apply` and `patch -p1` accept, a one-line
//! summary, and the JSON list of edits.

use serde_json::{json, Value};
use similar::{capture_diff_slices, group_diff_ops, Algorithm, DiffOp};

use super::{plural, FileChange};

/// Lines of context around each change.
const CONTEXT: usize = 3;

struct Colors {
    header: &'static str,
    hunk: &'static str,
    delete: &'static str,
    insert: &'static str,
    reset: &'static str,
}

impl Colors {
    fn new(color: bool) -> Colors {
        if color {
            Colors {
                header: "\x1b[1m",
                hunk: "\x1b[36m",
                delete: "\x1b[31m",
                insert: "\x1b[32m",
                reset: "\x1b[0m",
            }
        } else {
            Colors {
                header: "",
                hunk: "",
                delete: "",
                insert: "",
                reset: "",
            }
        }
    }
}

/// The unified diff of `changes`, as text. Exact (byte for byte what
/// [`unified_diff_bytes`] produces) whenever the files are UTF-8; non-UTF-8 bytes are replaced
/// with U+FFFD, so write [`unified_diff_bytes`] when the diff is meant to be applied.
pub fn unified_diff(changes: &[FileChange], color: bool) -> String {
    match String::from_utf8(unified_diff_bytes(changes, color)) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The unified diff of `changes` (`--- a/rel` / `+++ b/rel`, `--- /dev/null` for new files, 3
/// lines of context) that `git apply` and `patch -p1` apply to the original files to give
/// exactly the new bytes: lines are split at `\n` only and keep their terminators, so CRLF, lone
/// CR, a BOM, tabs and trailing whitespace pass through untouched, and a last line without a
/// newline is marked `\ No newline at end of file`. Colour escapes only when `color` (such a diff
/// is for reading, not applying).
pub fn unified_diff_bytes(changes: &[FileChange], color: bool) -> Vec<u8> {
    let c = Colors::new(color);
    let mut out = Vec::new();
    for change in changes {
        let old = change.original.as_deref().unwrap_or_default();
        if change.original.is_some() && old == change.new.as_slice() {
            continue;
        }
        let name = quote_path(&change.rel);
        if change.deleted {
            let git = format!(
                "diff --git {} {}",
                name.with_prefix("a/", false),
                name.with_prefix("b/", false)
            );
            push_header(&mut out, &c, &git);
            push_header(
                &mut out,
                &c,
                &format!("deleted file mode {}", git_mode(&change.path)),
            );
            if old.is_empty() {
                continue;
            }
            push_header(
                &mut out,
                &c,
                &format!("--- {}", name.with_prefix("a/", true)),
            );
            push_header(&mut out, &c, "+++ /dev/null");
            hunks(&mut out, &c, old, &change.new);
            continue;
        }
        if change.created() {
            // A git header makes an empty new file expressible; both tools understand it.
            let git = format!(
                "diff --git {} {}",
                name.with_prefix("a/", false),
                name.with_prefix("b/", false)
            );
            push_header(&mut out, &c, &git);
            push_header(&mut out, &c, "new file mode 100644");
            if change.new.is_empty() {
                continue;
            }
            push_header(&mut out, &c, "--- /dev/null");
        } else {
            push_header(
                &mut out,
                &c,
                &format!("--- {}", name.with_prefix("a/", true)),
            );
        }
        push_header(
            &mut out,
            &c,
            &format!("+++ {}", name.with_prefix("b/", true)),
        );
        hunks(&mut out, &c, old, &change.new);
    }
    out
}

/// The mode git records for the file at `path`: executable or not.
fn git_mode(path: &std::path::Path) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0) {
            return "100755";
        }
    }
    let _ = path;
    "100644"
}

fn push_header(out: &mut Vec<u8>, c: &Colors, line: &str) {
    out.extend_from_slice(c.header.as_bytes());
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(c.reset.as_bytes());
    out.push(b'\n');
}

/// A path as diff headers spell it: C-quoted (as git does) when it has characters a header
/// cannot hold, followed by a tab when it has a space (as git does, so both tools read the
/// whole name).
struct HeaderPath {
    plain: String,
    quoted: bool,
    space: bool,
}

impl HeaderPath {
    fn with_prefix(&self, prefix: &str, tab: bool) -> String {
        let tab = if tab && self.space { "\t" } else { "" };
        if self.quoted {
            format!("\"{prefix}{}\"{tab}", self.plain)
        } else {
            format!("{prefix}{}{tab}", self.plain)
        }
    }
}

fn quote_path(rel: &str) -> HeaderPath {
    let needs = rel
        .chars()
        .any(|ch| ch == '"' || ch == '\\' || ch.is_control());
    let plain = if needs {
        let mut s = String::new();
        for ch in rel.chars() {
            match ch {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                '\t' => s.push_str("\\t"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                ch if ch.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in ch.encode_utf8(&mut buf).bytes() {
                        s.push_str(&format!("\\{b:03o}"));
                    }
                }
                ch => s.push(ch),
            }
        }
        s
    } else {
        rel.to_string()
    };
    HeaderPath {
        plain,
        quoted: needs,
        space: rel.contains(' '),
    }
}

/// Lines of `bytes`, each with its `\n` (the last one may have none).
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        lines.push(&bytes[start..=nl]);
        start = nl + 1;
    }
    if start < bytes.len() {
        lines.push(&bytes[start..]);
    }
    lines
}

/// `start,len` of a hunk side as unified diffs write it (1-based; the line before for empty).
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

fn hunks(out: &mut Vec<u8>, c: &Colors, old: &[u8], new: &[u8]) {
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let ops = capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines);
    for group in group_diff_ops(ops, CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_start = first.old_range().start;
        let new_start = first.new_range().start;
        let old_len = last.old_range().end - old_start;
        let new_len = last.new_range().end - new_start;
        let header = format!(
            "{}@@ -{} +{} @@{}\n",
            c.hunk,
            range(old_start, old_len),
            range(new_start, new_len),
            c.reset
        );
        out.extend_from_slice(header.as_bytes());
        for op in &group {
            match *op {
                DiffOp::Equal { old_index, len, .. } => {
                    for line in &old_lines[old_index..old_index + len] {
                        push_line(out, b' ', "", "", line);
                    }
                }
                _ => {
                    for line in &old_lines[op.old_range()] {
                        push_line(out, b'-', c.delete, c.reset, line);
                    }
                    for line in &new_lines[op.new_range()] {
                        push_line(out, b'+', c.insert, c.reset, line);
                    }
                }
            }
        }
    }
}

/// One diff line: prefix, the line's bytes, its own terminator (`\n`, `\r\n`) kept as is; a line
/// without one gets `\n\ No newline at end of file\n`.
fn push_line(out: &mut Vec<u8>, prefix: u8, color: &str, reset: &str, line: &[u8]) {
    let (body, terminator): (&[u8], &[u8]) = if line.ends_with(b"\r\n") {
        (&line[..line.len() - 2], b"\r\n")
    } else if line.ends_with(b"\n") {
        (&line[..line.len() - 1], b"\n")
    } else {
        (line, b"")
    };
    out.extend_from_slice(color.as_bytes());
    out.push(prefix);
    out.extend_from_slice(body);
    out.extend_from_slice(reset.as_bytes());
    if terminator.is_empty() {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    } else {
        out.extend_from_slice(terminator);
    }
}

/// `3 files would change (17 edits)`, `… (17 edits, 1 file deleted)`; `No files would change`
/// when there is nothing to do.
pub fn summary(changes: &[FileChange]) -> String {
    if changes.is_empty() {
        return "No files would change".to_string();
    }
    let edits: usize = changes.iter().map(|c| c.edits.len()).sum();
    let deleted = changes.iter().filter(|c| c.deleted).count();
    let deleted = if deleted > 0 {
        format!(", {} deleted", plural(deleted, "file", "files"))
    } else {
        String::new()
    };
    format!(
        "{} would change ({}{deleted})",
        plural(changes.len(), "file", "files"),
        plural(edits, "edit", "edits")
    )
}

/// `{"files": [{"path", "created", "deleted", "edits": [{"rule", "start", "end", "start_line",
/// "start_column", "end_line", "end_column", "old", "new", "in_original"}]}]}`; see
/// [`AppliedEdit`](super::AppliedEdit) for the coordinates. `old`/`new` are text (non-UTF-8
/// bytes, which edits never introduce, would show as U+FFFD).
pub fn edits_json(changes: &[FileChange]) -> Value {
    let files: Vec<Value> = changes
        .iter()
        .map(|c| {
            let edits: Vec<Value> = c
                .edits
                .iter()
                .map(|e| {
                    json!({
                        "rule": e.rule,
                        "start": e.start,
                        "end": e.end,
                        "start_line": e.start_line,
                        "start_column": e.start_column,
                        "end_line": e.end_line,
                        "end_column": e.end_column,
                        "old": String::from_utf8_lossy(&e.old),
                        "new": String::from_utf8_lossy(&e.new),
                        "in_original": e.in_original,
                    })
                })
                .collect();
            json!({"path": c.rel, "created": c.created(), "deleted": c.deleted, "edits": edits})
        })
        .collect();
    json!({ "files": files })
}
