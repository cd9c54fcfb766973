//! Import statements as code moves between conftests: what each one binds, read from the syntax
//! tree (dotted module paths and aliases kept, unlike the facts, which record what the names
//! resolve to), relative imports rewritten for a conftest in an ancestor package, and the
//! imports that only the code moved away used.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use tree_sitter::{Node, Tree};

use crate::parse::ImportTarget;

/// What an import statement binds, read from its syntax: (bound name, import line), and the
/// modules of its `*` imports. Lines keep dotted module paths (`import a.b`) and aliases.
pub(super) struct ImportLines {
    pub(super) names: Vec<(String, ImportLine)>,
    pub(super) stars: Vec<ImportTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ImportLine {
    /// `import a.b.c` (binds `a`) or `import a.b as c`.
    Module {
        module: String,
        alias: Option<String>,
    },
    /// `from target import name [as alias]`.
    From {
        target: ImportTarget,
        name: String,
        alias: Option<String>,
    },
}

impl ImportLine {
    pub(super) fn render(&self) -> String {
        match self {
            ImportLine::Module { module, alias } => match alias {
                Some(a) => format!("import {module} as {a}"),
                None => format!("import {module}"),
            },
            ImportLine::From {
                target,
                name,
                alias,
            } => match alias {
                Some(a) => format!("from {} import {name} as {a}", dotted(target)),
                None => format!("from {} import {name}", dotted(target)),
            },
        }
    }

    /// Both bind the top-level package of an un-aliased `import a...`: they can live together.
    pub(super) fn compatible(&self, other: &ImportLine) -> bool {
        self == other
            || matches!(
                (self, other),
                (
                    ImportLine::Module { alias: None, .. },
                    ImportLine::Module { alias: None, .. }
                )
            )
    }
}

pub(super) fn node_text(node: Node, src: &[u8]) -> String {
    String::from_utf8_lossy(&src[node.byte_range()]).into_owned()
}

pub(super) fn parse_target(text: &str) -> ImportTarget {
    let level = text.chars().take_while(|c| *c == '.').count();
    ImportTarget {
        level,
        module: text[level..].to_string(),
    }
}

pub(super) fn import_lines(node: Node, src: &[u8]) -> ImportLines {
    let mut out = ImportLines {
        names: Vec::new(),
        stars: Vec::new(),
    };
    let mut cursor = node.walk();
    let aliased = |n: Node| {
        (
            n.child_by_field_name("name").map(|m| node_text(m, src)),
            n.child_by_field_name("alias").map(|a| node_text(a, src)),
        )
    };
    match node.kind() {
        "import_statement" => {
            for name in node.children_by_field_name("name", &mut cursor) {
                let (module, alias) = match name.kind() {
                    "dotted_name" => (Some(node_text(name, src)), None),
                    "aliased_import" => aliased(name),
                    _ => continue,
                };
                let Some(module) = module else { continue };
                let bound = alias
                    .clone()
                    .unwrap_or_else(|| module.split('.').next().unwrap_or("").to_string());
                out.names
                    .push((bound, ImportLine::Module { module, alias }));
            }
        }
        "import_from_statement" | "future_import_statement" => {
            let target = match node.child_by_field_name("module_name") {
                Some(m) => parse_target(&node_text(m, src)),
                None => ImportTarget {
                    level: 0,
                    module: "__future__".into(),
                },
            };
            let mut c = node.walk();
            if node
                .named_children(&mut c)
                .any(|c| c.kind() == "wildcard_import")
            {
                out.stars.push(target);
                return out;
            }
            for name in node.children_by_field_name("name", &mut cursor) {
                let (imported, alias) = match name.kind() {
                    "dotted_name" => (Some(node_text(name, src)), None),
                    "aliased_import" => aliased(name),
                    _ => continue,
                };
                let Some(imported) = imported else { continue };
                out.names.push((
                    alias.clone().unwrap_or_else(|| imported.clone()),
                    ImportLine::From {
                        target: target.clone(),
                        name: imported,
                        alias,
                    },
                ));
            }
        }
        _ => {}
    }
    out
}

pub(super) fn dotted(t: &ImportTarget) -> String {
    format!("{}{}", ".".repeat(t.level), t.module)
}

/// `target` (a relative import of a module in `from_dir`) as a module in `into_dir` must write
/// it: possible when `into_dir` is an ancestor of `from_dir` and every directory from
/// `into_dir` down to `from_dir` is a package (the conftests are then `pkg.conftest` and
/// `pkg.sub.conftest`, and relative imports mean the same modules from both).
pub(super) fn relocate(
    target: &ImportTarget,
    from_dir: &str,
    into_dir: &str,
    rootdir: &Path,
) -> Result<ImportTarget, String> {
    if target.level == 0 || from_dir == into_dir {
        return Ok(target.clone());
    }
    let parts = |d: &str| -> Vec<String> {
        d.split('/')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect()
    };
    let (from_parts, into_parts) = (parts(from_dir), parts(into_dir));
    if !from_parts.starts_with(&into_parts) {
        return Err(format!(
            "the destination's directory is not an ancestor of {from_dir}/"
        ));
    }
    let mut dir = rootdir.join(into_dir);
    let mut packages = vec![dir.clone()];
    for p in &from_parts[into_parts.len()..] {
        dir = dir.join(p);
        packages.push(dir.clone());
    }
    if let Some(missing) = packages.iter().find(|d| !d.join("__init__.py").is_file()) {
        return Err(format!(
            "{} has no __init__.py, so no relative import reaches the same module from both files",
            crate::discover::rel_path(rootdir, missing)
        ));
    }
    let depth = from_parts.len() - into_parts.len();
    let up = target.level - 1;
    if up >= depth {
        return Ok(ImportTarget {
            level: target.level - depth,
            module: target.module.clone(),
        });
    }
    let mut module = from_parts[into_parts.len()..from_parts.len() - up].join(".");
    if !target.module.is_empty() {
        module.push('.');
        module.push_str(&target.module);
    }
    Ok(ImportTarget { level: 1, module })
}

/// The import statements of a module (`body`, its `tree`) that only code being removed used:
/// every name such a statement binds is read by some top-level statement inside `removed` and
/// by nothing left outside it. Returns the byte ranges (whole lines) that delete them. Star
/// imports, `from __future__` imports, imports whose names nothing read before (they may be
/// there for their effect or to register fixtures) and modules with `__all__` are left alone.
pub(super) fn orphaned_imports(
    body: &[u8],
    tree: &Tree,
    removed: &[Range<usize>],
) -> Vec<Range<usize>> {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let mut used_by_removed = BTreeSet::new();
    let mut used_by_rest = BTreeSet::new();
    let mut candidates = Vec::new();
    for node in root.named_children(&mut cursor) {
        let inside = removed
            .iter()
            .any(|r| r.start <= node.start_byte() && node.end_byte() <= r.end);
        if inside {
            used_by_removed.extend(super::blocks::free_names(body, node));
            continue;
        }
        match node.kind() {
            "import_statement" | "import_from_statement" => candidates.push(node),
            "future_import_statement" | "comment" => {}
            _ => {
                let text = &body[node.byte_range()];
                if text.starts_with(b"__all__") {
                    return Vec::new();
                }
                used_by_rest.extend(super::blocks::free_names(body, node));
            }
        }
    }
    let mut out = Vec::new();
    for node in candidates {
        let lines = import_lines(node, body);
        if !lines.stars.is_empty() || lines.names.is_empty() {
            continue;
        }
        let orphaned = lines
            .names
            .iter()
            .all(|(name, _)| used_by_removed.contains(name) && !used_by_rest.contains(name));
        if !orphaned {
            continue;
        }
        let start = body[..node.start_byte()]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        if body[start..node.start_byte()]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
        {
            continue; // `x = 1; import y`: not alone on its line
        }
        let end = memchr::memchr(b'\n', &body[node.end_byte()..])
            .map_or(body.len(), |p| node.end_byte() + p + 1);
        if body[node.end_byte()..end]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
        {
            continue; // a trailing comment or statement on the same line
        }
        out.push(start..end);
    }
    without_blank_line_runs(body, out, removed)
}

/// `lines` (whole lines to delete, in order) merged where they touch, each widened so that the
/// deletion leaves no longer run of blank lines than was there: an import paragraph that goes
/// entirely takes the blank lines above it (or, at the top of the file, those below it) along,
/// never into `removed` (the other deletions of the plan).
fn without_blank_line_runs(
    body: &[u8],
    lines: Vec<Range<usize>>,
    removed: &[Range<usize>],
) -> Vec<Range<usize>> {
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in lines {
        match merged.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => merged.push(r),
        }
    }
    let is_blank = |line: &[u8]| line.iter().all(u8::is_ascii_whitespace);
    for i in 0..merged.len() {
        // Never into a neighbour or another deletion: edits must not overlap.
        let r = merged[i].clone();
        let floor = removed
            .iter()
            .map(|x| x.end)
            .filter(|&e| e <= r.start)
            .chain(i.checked_sub(1).map(|p| merged[p].end))
            .max()
            .unwrap_or(0);
        let ceiling = removed
            .iter()
            .map(|x| x.start)
            .filter(|&s| s >= r.end)
            .chain(merged.get(i + 1).map(|n| n.start))
            .min()
            .unwrap_or(body.len());
        let next_end = memchr::memchr(b'\n', &body[r.end..]).map(|p| r.end + p + 1);
        let blank_after = match next_end {
            Some(e) => is_blank(&body[r.end..e]),
            None => is_blank(&body[r.end..]),
        };
        if !blank_after {
            continue; // the paragraph goes on below: its spacing stays as it is
        }
        let mut start = r.start;
        while start > floor {
            let prev = body[..start - 1]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            if prev < floor || !is_blank(&body[prev..start]) {
                break;
            }
            start = prev;
        }
        if start < r.start {
            merged[i].start = start;
        } else if r.start == 0 {
            // At the top of the file: the blank lines below go instead.
            let mut end = r.end;
            while let Some(e) = memchr::memchr(b'\n', &body[end..]).map(|p| end + p + 1) {
                if e > ceiling || !is_blank(&body[end..e]) {
                    break;
                }
                end = e;
            }
            merged[i].end = end;
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orphaned(src: &str, removed_from: &str) -> Vec<String> {
        let tree = crate::plan::blocks::parse_tree(src.as_bytes()).unwrap();
        let start = src.find(removed_from).unwrap();
        let removed = vec![Range {
            start,
            end: src.len(),
        }];
        orphaned_imports(src.as_bytes(), &tree, &removed)
            .into_iter()
            .map(|r| src[r].to_string())
            .collect()
    }

    #[test]
    fn imports_only_the_removed_code_used_are_orphaned() {
        let src = "import json\nimport os, sys\nfrom a import b as c  # keep: noqa\nimport pytest\nimport side_effect\n\n@pytest.fixture\ndef kept():\n    return os.sep\n\n\n@pytest.fixture\ndef gone():\n    return json.dumps(c) + sys.path[0]\n";
        // json: only `gone` used it. os, sys: `os` is still used. c: a trailing comment keeps
        // it. pytest: still used. side_effect: nothing used it, so it is there for its effect.
        assert_eq!(
            orphaned(src, "@pytest.fixture\ndef gone"),
            ["import json\n"]
        );
    }

    #[test]
    fn a_removed_paragraph_takes_its_blank_lines_along() {
        // The paragraph of `from .helpers` goes with the blank line above it: two blank lines
        // stay before the fixture, as before.
        let src = "import pytest\n\nfrom .helpers import a\nfrom .helpers import b\n\n\n@pytest.fixture\ndef kept():\n    return 1\n\n\n@pytest.fixture\ndef gone():\n    return a + b\n";
        assert_eq!(
            orphaned(src, "@pytest.fixture\ndef gone"),
            ["\nfrom .helpers import a\nfrom .helpers import b\n"]
        );
        // At the top of the file, the blank lines below go instead.
        let src = "import json\n\nimport pytest\n\n\n@pytest.fixture\ndef kept():\n    return 1\n\n\n@pytest.fixture\ndef gone():\n    return json\n";
        assert_eq!(
            orphaned(src, "@pytest.fixture\ndef gone"),
            ["import json\n\n"]
        );
        // Two paragraphs that both go never take the same blank line.
        let src =
            "import json\n\nimport pytest\n\n\n@pytest.fixture\ndef gone():\n    return json\n";
        assert_eq!(
            orphaned(src, "@pytest.fixture\ndef gone"),
            ["import json\n\n", "import pytest\n"]
        );
        // Never into the removed code's own range (here it starts with the blank line).
        let src = "import json\n\n@pytest.fixture\ndef gone():\n    return json\n";
        let tree = crate::plan::blocks::parse_tree(src.as_bytes()).unwrap();
        let removed = std::slice::from_ref(&(12..src.len())).to_vec();
        let left = orphaned_imports(src.as_bytes(), &tree, &removed);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0], 0..12);
        // Inside a paragraph, only the line goes.
        let src = "import json\nimport pytest\n\n\n@pytest.fixture\ndef kept():\n    return 1\n\n\n@pytest.fixture\ndef gone():\n    return json\n";
        assert_eq!(
            orphaned(src, "@pytest.fixture\ndef gone"),
            ["import json\n"]
        );
    }

    #[test]
    fn star_future_and_all_are_left_alone() {
        let src = "from __future__ import annotations\nfrom x import *\nimport json\n__all__ = ['json']\n\ndef gone():\n    return json\n";
        assert!(orphaned(src, "def gone").is_empty());
        let src = "from x import *\nimport json\n\ndef gone():\n    return json\n";
        assert_eq!(orphaned(src, "def gone"), ["import json\n"]);
    }
}
