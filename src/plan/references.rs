//! Scope-aware references to a parameter inside its function: every identifier in the body
//! that names the parameter, including reads from closures, but not a nested function, lambda
//! or comprehension that rebinds the name, not attribute names (`obj.old`) and not keyword
//! names of calls (`f(old=1)`).

use std::ops::Range;

use tree_sitter::{Node, Tree};

fn text<'a>(node: Node, src: &'a [u8]) -> &'a [u8] {
    &src[node.byte_range()]
}

/// The byte ranges (in `src`, offset by `offset`) of references to parameter `name` in the
/// body of the function whose name identifier starts at `def_name_start`.
pub fn parameter_references(
    tree: &Tree,
    src: &[u8],
    offset: usize,
    def_name_start: usize,
    name: &str,
) -> Vec<Range<usize>> {
    let Some(local) = def_name_start.checked_sub(offset) else {
        return Vec::new();
    };
    let Some(ident) = tree.root_node().descendant_for_byte_range(local, local + 1) else {
        return Vec::new();
    };
    let Some(def) = ident.parent().filter(|p| p.kind() == "function_definition") else {
        return Vec::new();
    };
    let Some(body) = def.child_by_field_name("body") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(body, src, name.as_bytes(), &mut out);
    out.into_iter()
        .map(|r| r.start + offset..r.end + offset)
        .collect()
}

/// References to the module-level name `name` (a renamed `def`) anywhere in the module: at
/// module level and in function bodies that do not bind the name themselves.
pub fn global_references(tree: &Tree, src: &[u8], offset: usize, name: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    walk(tree.root_node(), src, name.as_bytes(), &mut out);
    out.into_iter()
        .map(|r| r.start + offset..r.end + offset)
        .collect()
}

fn walk(node: Node, src: &[u8], name: &[u8], out: &mut Vec<Range<usize>>) {
    match node.kind() {
        "identifier" => {
            if text(node, src) == name && !is_non_reference(node) {
                out.push(node.byte_range());
            }
            return;
        }
        "function_definition" => {
            // Decorators, defaults and annotations are evaluated in the enclosing scope.
            if let Some(params) = node.child_by_field_name("parameters") {
                walk_parameter_defaults(params, src, name, out);
            }
            let rebinds = node
                .child_by_field_name("parameters")
                .is_some_and(|p| parameters_bind(p, src, name))
                || node
                    .child_by_field_name("body")
                    .is_some_and(|b| scope_binds(b, src, name));
            if !rebinds {
                if let Some(body) = node.child_by_field_name("body") {
                    walk(body, src, name, out);
                }
            }
            return;
        }
        "lambda" => {
            if let Some(params) = node.child_by_field_name("parameters") {
                walk_parameter_defaults(params, src, name, out);
                if parameters_bind(params, src, name) {
                    return;
                }
            }
            if let Some(body) = node.child_by_field_name("body") {
                walk(body, src, name, out);
            }
            return;
        }
        "list_comprehension"
        | "set_comprehension"
        | "dictionary_comprehension"
        | "generator_expression" => {
            let mut cursor = node.walk();
            let clauses: Vec<Node> = node.named_children(&mut cursor).collect();
            let binds = clauses.iter().any(|c| {
                c.kind() == "for_in_clause"
                    && c.child_by_field_name("left")
                        .is_some_and(|l| target_binds(l, src, name))
            });
            if binds {
                // Only the first iterable is evaluated in the enclosing scope.
                if let Some(first) = clauses.iter().find(|c| c.kind() == "for_in_clause") {
                    if let Some(right) = first.child_by_field_name("right") {
                        walk(right, src, name, out);
                    }
                }
                return;
            }
        }
        "keyword_argument" => {
            if let Some(value) = node.child_by_field_name("value") {
                walk(value, src, name, out);
            }
            return;
        }
        "attribute" => {
            if let Some(object) = node.child_by_field_name("object") {
                walk(object, src, name, out);
            }
            return;
        }
        "string" | "comment" => return,
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        walk(child, src, name, out);
    }
}

/// Identifiers that are names but not references to a variable.
fn is_non_reference(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    match parent.kind() {
        "keyword_argument" => parent.child_by_field_name("name") == Some(node),
        "attribute" => parent.child_by_field_name("attribute") == Some(node),
        "class_definition" => parent.child_by_field_name("name") == Some(node),
        "aliased_import" | "dotted_name" | "import_from_statement" | "import_statement" => true,
        "global_statement" | "nonlocal_statement" => false,
        _ => false,
    }
}

fn walk_parameter_defaults(params: Node, src: &[u8], name: &[u8], out: &mut Vec<Range<usize>>) {
    let mut cursor = params.walk();
    for p in params.named_children(&mut cursor) {
        if matches!(p.kind(), "default_parameter" | "typed_default_parameter") {
            if let Some(v) = p.child_by_field_name("value") {
                walk(v, src, name, out);
            }
        }
    }
}

fn parameters_bind(params: Node, src: &[u8], name: &[u8]) -> bool {
    let mut cursor = params.walk();
    let found = params.named_children(&mut cursor).any(|p| {
        let ident = match p.kind() {
            "identifier" => Some(p),
            "default_parameter" | "typed_default_parameter" => p.child_by_field_name("name"),
            "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                let mut c = p.walk();
                let first = p.named_children(&mut c).next();
                first.and_then(|f| {
                    if f.kind() == "identifier" {
                        Some(f)
                    } else {
                        f.named_child(0)
                    }
                })
            }
            _ => None,
        };
        ident.is_some_and(|i| text(i, src) == name)
    });
    found
}

/// Does an assignment target bind `name`?
fn target_binds(target: Node, src: &[u8], name: &[u8]) -> bool {
    match target.kind() {
        "identifier" => text(target, src) == name,
        "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "tuple"
        | "list"
        | "list_splat_pattern"
        | "parenthesized_expression" => {
            let mut cursor = target.walk();
            let found = target
                .named_children(&mut cursor)
                .any(|c| target_binds(c, src, name));
            found
        }
        _ => false,
    }
}

/// Does a function body (not counting nested scopes) bind `name` locally?
fn scope_binds(node: Node, src: &[u8], name: &[u8]) -> bool {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        let binds = match child.kind() {
            "function_definition" | "class_definition" => child
                .child_by_field_name("name")
                .is_some_and(|n| text(n, src) == name),
            "lambda"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => false,
            "nonlocal_statement" => {
                let mut c = child.walk();
                let declared = child.named_children(&mut c).any(|n| text(n, src) == name);
                if declared {
                    return false;
                }
                false
            }
            "global_statement" => {
                let mut c = child.walk();
                let declared = child.named_children(&mut c).any(|n| text(n, src) == name);
                declared
            }
            "assignment" | "augmented_assignment" => {
                child
                    .child_by_field_name("left")
                    .is_some_and(|l| target_binds(l, src, name))
                    || scope_binds(child, src, name)
            }
            "for_statement" => {
                child
                    .child_by_field_name("left")
                    .is_some_and(|l| target_binds(l, src, name))
                    || scope_binds(child, src, name)
            }
            "named_expression" => {
                child
                    .child_by_field_name("name")
                    .is_some_and(|n| text(n, src) == name)
                    || scope_binds(child, src, name)
            }
            "as_pattern" => {
                child
                    .child_by_field_name("alias")
                    .is_some_and(|a| target_binds(a.named_child(0).unwrap_or(a), src, name))
                    || scope_binds(child, src, name)
            }
            "except_clause" => {
                child
                    .child_by_field_name("alias")
                    .is_some_and(|a| target_binds(a, src, name))
                    || scope_binds(child, src, name)
            }
            "aliased_import" => child
                .child_by_field_name("alias")
                .is_some_and(|a| text(a, src) == name),
            "dotted_name"
                if child
                    .parent()
                    .is_some_and(|p| p.kind() == "import_statement") =>
            {
                text(child, src).split(|b| *b == b'.').next() == Some(name)
            }
            "dotted_name"
                if child
                    .parent()
                    .is_some_and(|p| p.kind() == "import_from_statement")
                    && child
                        .parent()
                        .and_then(|p| p.child_by_field_name("module_name"))
                        != Some(child) =>
            {
                text(child, src) == name
            }
            _ => scope_binds(child, src, name),
        };
        if binds {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str, func: &str, name: &str) -> Vec<String> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(src, None).unwrap();
        let start = src.find(&format!("def {func}(")).unwrap() + 4;
        let found = parameter_references(&tree, src.as_bytes(), 0, start, name);
        // What the planner parses: only the bodies that contain the name.
        let (partial, text) = crate::parse::tree_with_bodies(src.as_bytes(), |body| {
            memchr::memmem::find(body, name.as_bytes()).is_some()
        });
        assert_eq!(
            parameter_references(&partial, &text, 0, start, name),
            found,
            "with the bodies that do not contain `{name}` left out"
        );
        found
            .into_iter()
            .map(|r| {
                let line = src[..r.start].matches('\n').count() + 1;
                format!("{line}:{}", &src[r])
            })
            .collect()
    }

    #[test]
    fn bodies_without_the_name_may_be_left_out() {
        let src = "def helper():\n    a = 1\n    b = 2\n    return a + b\n\ndef test_y(old):\n    def inner():\n        x = 1\n        y = 2\n        return x + y\n    v = inner()\n    return old + v\n";
        assert_eq!(refs(src, "test_y", "old"), vec!["12:old"]);
        let (_, text) = crate::parse::tree_with_bodies(src.as_bytes(), |body| {
            memchr::memmem::find(body, b"old").is_some()
        });
        assert_eq!(text.iter().filter(|b| **b == b'0').count(), 2);
    }

    #[test]
    fn renames_reads_and_closures_but_not_rebinding_scopes() {
        let src = r#"
def test_x(old, other):
    a = old.attr
    b = obj.old
    f(old=1, x=old)
    s = "old"
    def closure():
        return old
    def shadow(old):
        return old
    def assigns():
        old = 3
        return old
    g = lambda old: old
    h = lambda: old
    c = [old for old in range(3)]
    d = [x for x in old]
    old = old + 1
    def uses_default(y=old):
        pass
"#;
        let got = refs(src, "test_x", "old");
        assert_eq!(
            got,
            vec!["3:old", "5:old", "8:old", "15:old", "17:old", "18:old", "18:old", "19:old"]
        );
    }

    #[test]
    fn nonlocal_keeps_the_outer_variable() {
        let src = "def f(old):\n    def inner():\n        nonlocal old\n        old = 2\n    return old\n";
        assert_eq!(refs(src, "f", "old"), vec!["3:old", "4:old", "5:old"]);
    }
}
