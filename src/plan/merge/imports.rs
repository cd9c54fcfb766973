//! Import statements for `[[merge]]`: what each one binds, read from the syntax tree (dotted
//! module paths and aliases kept, unlike the facts, which record what the names resolve to), and
//! relative imports rewritten for a conftest in an ancestor package.

use std::path::Path;

use tree_sitter::Node;

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
