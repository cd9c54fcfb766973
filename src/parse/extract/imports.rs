//! Import statements: `import a.b`, `from .x import y as z`, star imports, and the imports a
//! `try` block makes (for `except ImportError` fallbacks).

use super::*;

/// The modules imported directly in a `try:` body.
pub(super) fn block_imports(block: Node, ctx: &Ctx) -> Vec<ImportTarget> {
    let mut out = Vec::new();
    let mut cursor = block.walk();
    for stmt in block.named_children(&mut cursor) {
        match stmt.kind() {
            "import_from_statement" => {
                if let Some(target) = stmt
                    .child_by_field_name("module_name")
                    .map(|m| import_target(m, ctx))
                {
                    out.push(target);
                }
            }
            "import_statement" => {
                let mut c2 = stmt.walk();
                for name in stmt.children_by_field_name("name", &mut c2) {
                    let dotted = match name.kind() {
                        "aliased_import" => name.child_by_field_name("name"),
                        _ => Some(name),
                    };
                    if let Some(d) = dotted {
                        out.push(ImportTarget {
                            level: 0,
                            module: text(d, ctx.src).to_string(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn import_target(module: Node, ctx: &Ctx) -> ImportTarget {
    if module.kind() == "relative_import" {
        let mut level = 0;
        let mut name = String::new();
        let mut cursor = module.walk();
        for c in module.named_children(&mut cursor) {
            match c.kind() {
                "import_prefix" => level = text(c, ctx.src).chars().filter(|c| *c == '.').count(),
                "dotted_name" => name = text(c, ctx.src).to_string(),
                _ => {}
            }
        }
        ImportTarget {
            level,
            module: name,
        }
    } else {
        ImportTarget {
            level: 0,
            module: text(module, ctx.src).to_string(),
        }
    }
}

pub(super) fn import(stmt: Node, ctx: &Ctx, conds: &[Condition], body: &mut Body) {
    let line = stmt.start_position().row + 1;
    let mut cursor = stmt.walk();
    for name in stmt.children_by_field_name("name", &mut cursor) {
        match name.kind() {
            "dotted_name" => {
                let full = text(name, ctx.src);
                let first = full.split('.').next().unwrap_or(full);
                let target = ImportTarget {
                    level: 0,
                    module: first.to_string(),
                };
                body.bind(
                    first,
                    BindingKind::ImportModule { target },
                    conds,
                    line,
                    None,
                );
            }
            "aliased_import" => {
                if let (Some(m), Some(a)) = (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                ) {
                    let target = ImportTarget {
                        level: 0,
                        module: text(m, ctx.src).to_string(),
                    };
                    body.bind(
                        text(a, ctx.src),
                        BindingKind::ImportModule { target },
                        conds,
                        line,
                        Some(ctx.span(a)),
                    );
                }
            }
            _ => {}
        }
    }
}

pub(super) fn import_from(stmt: Node, ctx: &Ctx, conds: &[Condition], body: &mut Body) {
    let line = stmt.start_position().row + 1;
    let Some(module) = stmt.child_by_field_name("module_name") else {
        return;
    };
    let target = import_target(module, ctx);
    let mut cursor = stmt.walk();
    if stmt
        .named_children(&mut cursor)
        .any(|c| c.kind() == "wildcard_import")
    {
        body.star_imports.push(StarImport {
            target,
            conditions: conds.to_vec(),
            position: body.bindings.len(),
            line,
        });
        return;
    }
    let mut cursor = stmt.walk();
    for name in stmt.children_by_field_name("name", &mut cursor) {
        let (imported, local) = match name.kind() {
            "dotted_name" => (name, name),
            "aliased_import" => match (
                name.child_by_field_name("name"),
                name.child_by_field_name("alias"),
            ) {
                (Some(n), Some(a)) => (n, a),
                _ => continue,
            },
            _ => continue,
        };
        body.bind(
            text(local, ctx.src),
            BindingKind::ImportFrom {
                target: target.clone(),
                name: text(imported, ctx.src).to_string(),
                name_span: ctx.span(imported),
            },
            conds,
            line,
            Some(ctx.span(local)),
        );
    }
}
