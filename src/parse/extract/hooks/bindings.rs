//! Names in a hook: the locals its body binds (and changes in place), argnames written as
//! literals, and the module-level constants hooks pass as argnames.

use foldhash::{HashMap, HashMapExt, HashSet};

use super::super::*;
use super::MUTATORS;
use crate::parse::marks::parametrize_argnames;

/// The names a function body binds: how often, and the value of a single plain assignment.
#[derive(Default)]
pub(super) struct Locals<'t> {
    bound: HashMap<String, (usize, Option<Node<'t>>)>,
    /// Locals (and `metafunc.fixturenames`) changed in place (`names.remove(...)`).
    pub(super) mutated: HashSet<String>,
}

impl<'t> Locals<'t> {
    pub(super) fn bind(&mut self, name: &str, value: Option<Node<'t>>) {
        let entry = self.bound.entry(name.to_string()).or_insert((0, None));
        entry.0 += 1;
        entry.1 = value;
    }

    pub(super) fn count(&self, name: &str) -> usize {
        self.bound.get(name).map_or(0, |b| b.0)
    }

    /// The value of `name` when it is bound exactly once, by `name = value`.
    pub(super) fn value(&self, name: &str) -> Option<Node<'t>> {
        match self.bound.get(name) {
            Some((1, value)) => *value,
            _ => None,
        }
    }

    pub(super) fn collect(&mut self, node: Node<'t>, ctx: &Ctx) {
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children {
            match child.kind() {
                // A nested scope binds only its own name here.
                "function_definition" | "class_definition" => {
                    if let Some(name) = child.child_by_field_name("name") {
                        self.bind(text(name, ctx.src), None);
                    }
                    continue;
                }
                "lambda"
                | "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression" => continue,
                "assignment" => {
                    let left = child.child_by_field_name("left");
                    let right = child.child_by_field_name("right");
                    match (left, right) {
                        (Some(l), Some(r))
                            if l.kind() == "identifier" && r.kind() != "assignment" =>
                        {
                            self.bind(text(l, ctx.src), Some(r))
                        }
                        (Some(l), _) => self.targets(l, ctx),
                        _ => {}
                    }
                }
                "augmented_assignment" | "for_statement" | "for_in_clause" => {
                    if let Some(l) = child.child_by_field_name("left") {
                        self.targets(l, ctx);
                    }
                }
                "named_expression" => {
                    if let Some(n) = child.child_by_field_name("name") {
                        self.targets(n, ctx);
                    }
                }
                "as_pattern" => {
                    if let Some(alias) = child.child_by_field_name("alias") {
                        self.targets(alias, ctx);
                    }
                }
                "global_statement"
                | "nonlocal_statement"
                | "delete_statement"
                | "import_statement"
                | "import_from_statement"
                | "aliased_import" => self.targets(child, ctx),
                "call" => {
                    // `names.remove("x")`, `metafunc.fixturenames.append(...)`.
                    let method = child
                        .child_by_field_name("function")
                        .filter(|f| f.kind() == "attribute");
                    if let Some(method) = method {
                        let attr = method.child_by_field_name("attribute");
                        let object = method.child_by_field_name("object");
                        if let (Some(attr), Some(object)) = (attr, object) {
                            if MUTATORS.contains(&text(attr, ctx.src)) {
                                self.mutated.insert(text(object, ctx.src).to_string());
                            }
                        }
                    }
                }
                "subscript" => {
                    if let Some(value) = child.child_by_field_name("value") {
                        // Conservative: any subscript of a local counts as a possible store.
                        let parent_is_store = child.parent().is_some_and(|p| {
                            matches!(
                                p.kind(),
                                "assignment" | "augmented_assignment" | "delete_statement"
                            )
                        });
                        if parent_is_store {
                            self.mutated.insert(text(value, ctx.src).to_string());
                        }
                    }
                }
                _ => {}
            }
            self.collect(child, ctx);
        }
    }

    /// Every identifier in a binding target counts as bound, with no known value.
    fn targets(&mut self, node: Node<'t>, ctx: &Ctx) {
        if node.kind() == "identifier" {
            self.bind(text(node, ctx.src), None);
            return;
        }
        if matches!(node.kind(), "attribute" | "subscript") {
            return;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children {
            self.targets(child, ctx);
        }
    }
}

/// Argnames written as literals: a string (split on commas) or a list/tuple of plain
/// strings; `None` for anything else (a list with a computed item included).
pub(in crate::parse::extract) fn literal_argnames(node: Node, ctx: &Ctx) -> Option<Vec<Located>> {
    match node.kind() {
        "parenthesized_expression" => literal_argnames(node.named_child(0)?, ctx),
        "string" | "concatenated_string" => parametrize_argnames(node, ctx),
        "list" | "tuple" => {
            let mut cursor = node.walk();
            let items: Vec<Node> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .collect();
            items.into_iter().map(|i| ctx.string(i)).collect()
        }
        _ => None,
    }
}

/// Resolves [`HookArgnames::Const`] names of the hooks in `facts` against the module's
/// constants (`consts`: module-level `NAME = <literal argnames>` statements): a name the
/// module binds once, unconditionally, never through `global` and before no star import,
/// becomes its literal; any other becomes [`HookArgnames::Dynamic`].
pub(in crate::parse::extract) fn resolve_constants(
    facts: &mut FileFacts,
    consts: &HashMap<String, Vec<Located>>,
) {
    let hooks = |facts: &FileFacts| -> Vec<String> {
        let mut names = Vec::new();
        for binding in facts
            .bindings
            .iter()
            .chain(facts.classes.iter().flat_map(|c| c.bindings.iter()))
        {
            if let BindingKind::Function(f) = &binding.kind {
                for call in f.generate_tests.iter().flat_map(|g| &g.calls) {
                    if let HookArgnames::Const(name) = &call.argnames {
                        names.push(name.clone());
                    }
                }
            }
        }
        names
    };
    let wanted = hooks(facts);
    if wanted.is_empty() {
        return;
    }
    let mut decided: HashMap<String, Option<Vec<Located>>> = HashMap::new();
    for name in wanted {
        let bindings: Vec<(usize, &Binding)> = facts
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.name == name)
            .collect();
        let value = match bindings.as_slice() {
            [(position, binding)]
                if binding.conditions.is_empty()
                    && !facts.star_imports.iter().any(|s| s.position > *position)
                    && !facts.global_names.contains(&name) =>
            {
                consts.get(&name).cloned()
            }
            _ => None,
        };
        decided.insert(name, value);
    }
    for binding in facts
        .bindings
        .iter_mut()
        .chain(facts.classes.iter_mut().flat_map(|c| c.bindings.iter_mut()))
    {
        let BindingKind::Function(f) = &mut binding.kind else {
            continue;
        };
        for call in f.generate_tests.iter_mut().flat_map(|g| g.calls.iter_mut()) {
            let HookArgnames::Const(name) = &call.argnames else {
                continue;
            };
            call.argnames = match decided.get(name).cloned().flatten() {
                Some(names) => HookArgnames::Literal(names),
                None => HookArgnames::Dynamic(name.clone()),
            };
        }
    }
}
