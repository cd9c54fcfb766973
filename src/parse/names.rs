//! What the names in one file stand for: which local names are `pytest`, `pytest.fixture`,
//! `pytest.mark`, `mock.patch`, `sys`, ... after the file's own imports.
//!
//! Decorators and conditions are recognised through these canonical names, so
//! `import pytest as pt` / `@pt.fixture` and `from pytest import fixture` / `@fixture` read
//! the same as `@pytest.fixture`.

use std::collections::HashMap;

use tree_sitter::Node;

use super::text;

/// Local name → canonical dotted path of what it is bound to.
#[derive(Debug, Default)]
pub struct Aliases {
    map: HashMap<String, String>,
}

/// Modules whose names we track; anything else is ignored.
const TRACKED: &[&str] = &[
    "pytest",
    "pytest_asyncio",
    "mock",
    "unittest",
    "unittest.mock",
    "sys",
    "typing",
    "_pytest",
    // Signature-replacing decorators (`SignatureEdit`).
    "hypothesis",
    "distributed",
];

fn normalize(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("unittest.mock") {
        return format!("mock{rest}");
    }
    if let Some(rest) = path.strip_prefix("_pytest.fixtures.fixture") {
        return format!("pytest.fixture{rest}");
    }
    path.to_string()
}

fn tracked(module: &str) -> bool {
    TRACKED
        .iter()
        .any(|t| module == *t || module.starts_with(&format!("{t}.")))
}

impl Aliases {
    /// Collects aliases from every import statement in `root` that is not inside a function.
    pub fn collect(root: Node, src: &[u8]) -> Aliases {
        let mut aliases = Aliases::default();
        aliases.visit(root, src);
        aliases
    }

    fn visit(&mut self, node: Node, src: &[u8]) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "import_statement" => self.import(child, src),
                "import_from_statement" => self.import_from(child, src),
                "function_definition" | "class_definition" | "decorated_definition" => {}
                "if_statement" | "try_statement" | "block" | "elif_clause" | "else_clause"
                | "except_clause" | "finally_clause" | "with_statement" => self.visit(child, src),
                _ => {}
            }
        }
    }

    fn import(&mut self, node: Node, src: &[u8]) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            match name.kind() {
                "dotted_name" => {
                    let full = text(name, src);
                    if tracked(full) {
                        let first = full.split('.').next().unwrap_or(full);
                        self.map.insert(first.to_string(), first.to_string());
                    }
                }
                "aliased_import" => {
                    let (Some(module), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) else {
                        continue;
                    };
                    let module = text(module, src);
                    if tracked(module) {
                        self.map
                            .insert(text(alias, src).to_string(), normalize(module));
                    }
                }
                _ => {}
            }
        }
    }

    fn import_from(&mut self, node: Node, src: &[u8]) {
        let Some(module) = node.child_by_field_name("module_name") else {
            return;
        };
        if module.kind() != "dotted_name" {
            return;
        }
        let module = text(module, src);
        if !tracked(module) {
            return;
        }
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, local) = match name.kind() {
                "dotted_name" => (text(name, src), text(name, src)),
                "aliased_import" => {
                    let (Some(n), Some(a)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) else {
                        continue;
                    };
                    (text(n, src), text(a, src))
                }
                _ => continue,
            };
            self.map.insert(
                local.to_string(),
                normalize(&format!("{module}.{imported}")),
            );
        }
    }

    /// The canonical dotted path of an expression made of names and attributes, if its root
    /// name is one we track (`pt.mark.usefixtures` → `pytest.mark.usefixtures`).
    pub fn canonical(&self, node: Node, src: &[u8]) -> Option<String> {
        match node.kind() {
            "identifier" => self.map.get(text(node, src)).cloned(),
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attr = node.child_by_field_name("attribute")?;
                let base = self.canonical(object, src)?;
                Some(normalize(&format!("{base}.{}", text(attr, src))))
            }
            _ => None,
        }
    }
}

/// True for canonical paths naming a fixture decorator.
pub fn is_fixture_decorator(path: &str) -> bool {
    matches!(path, "pytest.fixture" | "pytest_asyncio.fixture")
}
