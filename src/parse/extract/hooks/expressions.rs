//! The expressions of a hook body: test conditions (`"x" in metafunc.fixturenames`), the uses
//! of `metafunc`, and the arguments of `metafunc.parametrize(...)`.

use super::*;
use crate::parse::marks::{keyword_arg, positional_args};

impl<'t> Walker<'_, '_, 't> {
    /// A test expression as a [`HookCondition`].
    pub(super) fn condition(&self, node: Node) -> HookCondition {
        let src = self.ctx.src;
        match node.kind() {
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.condition(inner),
                None => self.unknown(node, ""),
            },
            "true" => HookCondition::Const(true),
            "false" | "none" => HookCondition::Const(false),
            "not_operator" => match node.child_by_field_name("argument") {
                Some(arg) => not(self.condition(arg)),
                None => self.unknown(node, ""),
            },
            "boolean_operator" => {
                let (Some(l), Some(r), Some(op)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                    node.child_by_field_name("operator"),
                ) else {
                    return self.unknown(node, "");
                };
                let (l, r) = (self.condition(l), self.condition(r));
                match text(op, src) {
                    "and" => and(l, r),
                    _ => any(vec![l, r]),
                }
            }
            "comparison_operator" => self
                .comparison(node)
                .unwrap_or_else(|| self.unknown(node, "")),
            _ => self.unknown(node, ""),
        }
    }

    /// `"x" in FIXTURENAMES`, `"x" not in ...`, `metafunc.function.__name__ == "x"` (`!=`).
    fn comparison(&self, node: Node) -> Option<HookCondition> {
        let src = self.ctx.src;
        let mut cursor = node.walk();
        let operands: Vec<Node> = node.named_children(&mut cursor).collect();
        let [left, right] = operands.as_slice() else {
            return None;
        };
        let mut cursor = node.walk();
        let ops: Vec<String> = node
            .children_by_field_name("operators", &mut cursor)
            .map(|o| {
                text(o, src)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let op = ops.join(" ");
        match op.as_str() {
            "in" | "not in" => {
                let (name, _) = string_literal(*left, src)?;
                if !self.is_fixturenames(*right, 0) {
                    return None;
                }
                let c = HookCondition::Requests(name);
                Some(if op == "in" { c } else { not(c) })
            }
            "==" | "!=" => {
                let (name, other) = match string_literal(*right, src) {
                    Some((s, _)) => (s, *left),
                    None => (string_literal(*left, src)?.0, *right),
                };
                if text(other, src) != "metafunc.function.__name__" {
                    return None;
                }
                let c = HookCondition::FunctionName(name);
                Some(if op == "==" { c } else { not(c) })
            }
            _ => None,
        }
    }

    /// `metafunc.fixturenames`, `set(...)` (and the like) of it, or a local bound once to one
    /// of those; never when it is changed in place.
    fn is_fixturenames(&self, node: Node, depth: usize) -> bool {
        let src = self.ctx.src;
        if depth > 4 {
            return false;
        }
        match node.kind() {
            "parenthesized_expression" => node
                .named_child(0)
                .is_some_and(|n| self.is_fixturenames(n, depth + 1)),
            "attribute" => {
                // Changed in place, directly or through a local bound to the same list.
                let changed = self.locals.mutated.iter().any(|m| {
                    m == "metafunc.fixturenames"
                        || self
                            .locals
                            .value(m)
                            .is_some_and(|v| text(v, src) == "metafunc.fixturenames")
                });
                text(node, src) == "metafunc.fixturenames" && !changed
            }
            "identifier" => {
                let name = text(node, src);
                !self.locals.mutated.contains(name)
                    && self
                        .locals
                        .value(name)
                        .is_some_and(|v| self.is_fixturenames(v, depth + 1))
            }
            "call" => {
                let callee = node.child_by_field_name("function").map(|f| text(f, src));
                let args: Vec<Node> = node
                    .child_by_field_name("arguments")
                    .map(positional_args)
                    .unwrap_or_default();
                matches!(
                    callee,
                    Some("set" | "frozenset" | "list" | "tuple" | "sorted")
                ) && self.locals.count(callee.unwrap_or_default()) == 0
                    && matches!(args.as_slice(), [only] if self.is_fixturenames(*only, depth + 1))
            }
            _ => false,
        }
    }

    /// Records the uses of `metafunc` in `node` (outside nested function bodies' own
    /// parameters, which count too: conservatively).
    pub(super) fn scan(&mut self, node: Node<'t>, reach: &HookCondition) {
        if node.kind() == "identifier" && text(node, self.ctx.src) == METAFUNC {
            self.use_of_metafunc(node, reach);
            return;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        for child in children {
            self.scan(child, reach);
        }
    }

    fn use_of_metafunc(&mut self, ident: Node<'t>, reach: &HookCondition) {
        let src = self.ctx.src;
        let parent = ident.parent();
        let attribute = parent
            .filter(|p| p.kind() == "attribute" && p.child_by_field_name("object") == Some(ident));
        let attr = attribute
            .and_then(|a| a.child_by_field_name("attribute"))
            .map(|a| text(a, src));
        if attr.is_some_and(|a| READ_ONLY.contains(&a)) {
            return;
        }
        let call = attribute.and_then(|a| {
            a.parent()
                .filter(|c| c.kind() == "call" && c.child_by_field_name("function") == Some(a))
        });
        let condition = and(reach.clone(), self.nesting(ident));
        match (attr, call) {
            (Some("parametrize"), Some(call)) => self.parametrize(call, condition),
            // Other `metafunc` attributes (`_calls`, ...) neither parametrize nor pass it on.
            (Some(a), _) if a != "parametrize" => {}
            _ => {
                let shown = match parent {
                    Some(p) if p.kind() == "argument_list" => p.parent().unwrap_or(p),
                    Some(p) => p,
                    None => ident,
                };
                let text: String = text(shown, src)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(80)
                    .collect();
                self.calls.push(HookParametrize {
                    argnames: HookArgnames::Dynamic(text),
                    indirect: None,
                    condition,
                    span: self.ctx.span(shown),
                });
            }
        }
    }

    /// The condition an expression adds to its statement's: unknown inside a conditional
    /// expression, a short-circuit operator, a lambda or a comprehension.
    fn nesting(&self, node: Node) -> HookCondition {
        let mut current = node.parent();
        while let Some(n) = current {
            if n.kind().ends_with("statement") || n.kind() == "block" {
                break;
            }
            if matches!(
                n.kind(),
                "conditional_expression"
                    | "boolean_operator"
                    | "lambda"
                    | "list_comprehension"
                    | "set_comprehension"
                    | "dictionary_comprehension"
                    | "generator_expression"
            ) {
                return self.unknown(n, "");
            }
            current = n.parent();
        }
        HookCondition::Const(true)
    }

    fn parametrize(&mut self, call: Node<'t>, condition: HookCondition) {
        let src = self.ctx.src;
        let span = self.ctx.span(call);
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut cursor = args.walk();
        let splat = args
            .named_children(&mut cursor)
            .any(|c| matches!(c.kind(), "list_splat" | "dictionary_splat"));
        let argnames_node =
            keyword_arg(args, "argnames", src).or_else(|| positional_args(args).first().copied());
        let argnames = match argnames_node {
            _ if splat => HookArgnames::Dynamic(first_line(call, src)),
            None => return,
            Some(node) => self.argnames(node),
        };
        let indirect = match keyword_arg(args, "indirect", src) {
            None if splat => None,
            None => Some(Indirect::None),
            Some(v) => self.indirect(v),
        };
        self.calls.push(HookParametrize {
            argnames,
            indirect,
            condition,
            span,
        });
    }

    fn argnames(&self, node: Node) -> HookArgnames {
        let src = self.ctx.src;
        if node.kind() == "identifier" {
            let name = text(node, src);
            if self.locals.count(name) == 0 {
                return HookArgnames::Const(name.to_string());
            }
            if let Some(value) = self.locals.value(name) {
                if let Some(names) = literal_argnames(value, self.ctx) {
                    return HookArgnames::Literal(names);
                }
            }
            return HookArgnames::Dynamic(name.to_string());
        }
        match literal_argnames(node, self.ctx) {
            Some(names) => HookArgnames::Literal(names),
            None => HookArgnames::Dynamic(first_line(node, src)),
        }
    }

    fn indirect(&self, node: Node) -> Option<Indirect> {
        let value = match node.kind() {
            "identifier" => self.locals.value(text(node, self.ctx.src))?,
            _ => node,
        };
        match value.kind() {
            "list" | "tuple" => {
                let mut cursor = value.walk();
                let items: Vec<Node> = value
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                let names: Option<Vec<Located>> =
                    items.into_iter().map(|i| self.ctx.string(i)).collect();
                names.map(Indirect::Some)
            }
            "true" => Some(Indirect::All),
            "false" | "none" => Some(Indirect::None),
            _ => None,
        }
    }
}
