//! Source text helpers for planned edits: line endings, where imports go, how a module spells
//! `pytest`, and the text of a generated alias fixture.

use crate::parse::{BindingKind, FileFacts, ImportTarget};

/// The line ending a file uses (CRLF when its first line ends with one).
/// The length of a UTF-8 BOM at the start of `src` (0 or 3): facts' byte offsets count it,
/// syntax trees parsed from the text after it do not.
pub fn bom_len(src: &[u8]) -> usize {
    if src.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

pub fn line_ending(src: &[u8]) -> &'static str {
    match memchr::memchr(b'\n', src) {
        Some(i) if i > 0 && src[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The local name under which a module imported `module` unconditionally at top level
/// (`import pytest` → "pytest", `import pytest as pt` → "pt").
pub fn module_alias(facts: &FileFacts, module: &str) -> Option<String> {
    facts.bindings.iter().find_map(|b| match &b.kind {
        BindingKind::ImportModule {
            target:
                ImportTarget {
                    level: 0,
                    module: m,
                },
        } if m == module && b.conditions.is_empty() => Some(b.name.clone()),
        _ => None,
    })
}

/// Byte offset of the start of 1-based `line`.
pub fn line_start(src: &[u8], line: usize) -> usize {
    if line <= 1 {
        return if src.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
    }
    let mut seen = 1;
    for (i, b) in src.iter().enumerate() {
        if *b == b'\n' {
            seen += 1;
            if seen == line {
                return i + 1;
            }
        }
    }
    src.len()
}

/// Where new `import` lines go: before the first top-level import statement, else after the
/// module docstring, else at the top (after a BOM).
pub fn import_insertion_point(src: &[u8], facts: &FileFacts) -> usize {
    let first_import = facts
        .bindings
        .iter()
        .filter(|b| {
            b.conditions.is_empty()
                && matches!(
                    b.kind,
                    BindingKind::ImportModule { .. } | BindingKind::ImportFrom { .. }
                )
        })
        .map(|b| b.line)
        .chain(facts.star_imports.iter().map(|s| s.line))
        .min();
    if let Some(line) = first_import {
        // `from __future__` imports must stay first: go after them.
        let after_future = facts
            .bindings
            .iter()
            .filter(|b| {
                matches!(&b.kind, BindingKind::ImportFrom { target, .. } if target.module == "__future__")
            })
            .map(|b| b.line)
            .max();
        return match after_future {
            Some(l) => line_start(src, l + 1),
            None => line_start(src, line),
        };
    }
    docstring_end(src).unwrap_or_else(|| line_start(src, 1))
}

/// The offset just after a leading module docstring's line, if there is one.
pub(super) fn docstring_end(src: &[u8]) -> Option<usize> {
    let start = line_start(src, 1);
    let rest = &src[start..];
    let trimmed = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = &rest[trimmed..];
    let quote: &[u8] = if body.starts_with(b"\"\"\"") {
        b"\"\"\""
    } else if body.starts_with(b"'''") {
        b"'''"
    } else {
        return None;
    };
    let close = memchr::memmem::find(&body[3..], quote)? + 3 + 3;
    let after = start + trimmed + close;
    let eol = memchr::memchr(b'\n', &src[after..]).map_or(src.len(), |i| after + i + 1);
    Some(eol)
}

/// The text of a fixture named `name` that returns the fixture `target` (requesting it, so
/// pytest creates no second instance or parametrization), optionally warning.
pub struct AliasText<'a> {
    pub name: &'a str,
    pub target: &'a str,
    pub function: &'a str,
    pub scope: Option<&'a str>,
    pub warning: Option<&'a str>,
    pub pytest: &'a str,
    pub indent: &'a str,
    pub eol: &'a str,
}

impl AliasText<'_> {
    pub fn render(&self) -> String {
        let AliasText {
            name,
            target,
            function,
            scope,
            warning,
            pytest,
            indent,
            eol,
        } = self;
        let scope = scope.map(|s| format!(", scope={s}")).unwrap_or_default();
        let mut out = format!(
            "{indent}@{pytest}.fixture(name=\"{name}\"{scope}){eol}{indent}def {function}({target}):{eol}"
        );
        match warning {
            Some(text) => {
                out.push_str(&format!(
                    "{indent}    \"\"\"Deprecated alias of `{target}`.\"\"\"{eol}{indent}    warnings.warn({}, DeprecationWarning, stacklevel=2){eol}",
                    python_string(text)
                ));
            }
            None => out.push_str(&format!(
                "{indent}    \"\"\"Alias of `{target}`.\"\"\"{eol}"
            )),
        }
        out.push_str(&format!("{indent}    return {target}{eol}"));
        out
    }
}

/// A Python string literal for `text`.
pub fn python_string(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\r', "\\r");
    format!("\"{escaped}\"")
}
