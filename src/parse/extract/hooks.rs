//! `pytest_generate_tests(metafunc)` bodies: each `metafunc.parametrize(...)` call with its
//! argnames, its `indirect=` and the condition it runs under (`if "x" in metafunc.fixturenames:`,
//! `elif`/`else`, early `return`s), and each other use of `metafunc` that may parametrize
//! (`helper(metafunc)`), as a call whose names are not known. What is not read exactly is
//! [`HookCondition::Unknown`] or [`HookArgnames::Dynamic`], never left out.

use foldhash::{HashMap, HashMapExt, HashSet};

use super::*;
use crate::parse::marks::{keyword_arg, parametrize_argnames, positional_args};

/// The parameter name pluggy passes the `Metafunc` as (hooks are called by keyword).
const METAFUNC: &str = "metafunc";

/// `metafunc` attributes that only read: using them cannot parametrize anything.
const READ_ONLY: &[&str] = &[
    "fixturenames",
    "function",
    "cls",
    "module",
    "config",
    "definition",
];

/// Methods that change a list or set in place.
const MUTATORS: &[&str] = &[
    "add",
    "append",
    "clear",
    "discard",
    "extend",
    "insert",
    "pop",
    "remove",
    "update",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "sort",
    "reverse",
];

/// What the body of `def` does with `metafunc`, when it has a parameter of that name.
pub(super) fn generate_tests(def: Node, params: &[Param], ctx: &Ctx) -> Option<GenerateTests> {
    if !params.iter().any(|p| p.name.text == METAFUNC) {
        return None;
    }
    let body = def.child_by_field_name("body")?;
    let mut walker = Walker {
        ctx,
        locals: Locals::default(),
        calls: Vec::new(),
    };
    for p in params {
        walker.locals.bind(&p.name.text, None);
    }
    walker.locals.collect(body, ctx);
    if walker.locals.count(METAFUNC) > 1 {
        // `metafunc` rebound: nothing below is about the hook's argument any more.
        walker.calls.push(HookParametrize {
            argnames: HookArgnames::Dynamic("metafunc (rebound in the hook)".to_string()),
            indirect: None,
            condition: HookCondition::Const(true),
            span: ctx.span(def),
        });
        return Some(GenerateTests {
            calls: walker.calls,
        });
    }
    walker.block(body, HookCondition::Const(true));
    Some(GenerateTests {
        calls: walker.calls,
    })
}

/// The names a function body binds: how often, and the value of a single plain assignment.
#[derive(Default)]
struct Locals<'t> {
    bound: HashMap<String, (usize, Option<Node<'t>>)>,
    /// Locals (and `metafunc.fixturenames`) changed in place (`names.remove(...)`).
    mutated: HashSet<String>,
}

impl<'t> Locals<'t> {
    fn bind(&mut self, name: &str, value: Option<Node<'t>>) {
        let entry = self.bound.entry(name.to_string()).or_insert((0, None));
        entry.0 += 1;
        entry.1 = value;
    }

    fn count(&self, name: &str) -> usize {
        self.bound.get(name).map_or(0, |b| b.0)
    }

    /// The value of `name` when it is bound exactly once, by `name = value`.
    fn value(&self, name: &str) -> Option<Node<'t>> {
        match self.bound.get(name) {
            Some((1, value)) => *value,
            _ => None,
        }
    }

    fn collect(&mut self, node: Node<'t>, ctx: &Ctx) {
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

struct Walker<'c, 's, 't> {
    ctx: &'c Ctx<'s>,
    locals: Locals<'t>,
    calls: Vec<HookParametrize>,
}

fn and(a: HookCondition, b: HookCondition) -> HookCondition {
    match (a, b) {
        (HookCondition::Const(true), x) | (x, HookCondition::Const(true)) => x,
        (HookCondition::Const(false), _) | (_, HookCondition::Const(false)) => {
            HookCondition::Const(false)
        }
        (HookCondition::All(mut xs), HookCondition::All(ys)) => {
            xs.extend(ys);
            HookCondition::All(xs)
        }
        (HookCondition::All(mut xs), y) => {
            xs.push(y);
            HookCondition::All(xs)
        }
        (x, y) => HookCondition::All(vec![x, y]),
    }
}

fn any(conds: Vec<HookCondition>) -> HookCondition {
    let mut out = Vec::new();
    for c in conds {
        match c {
            HookCondition::Const(true) => return HookCondition::Const(true),
            HookCondition::Const(false) => {}
            c if out.contains(&c) => {}
            c => out.push(c),
        }
    }
    match out.len() {
        0 => HookCondition::Const(false),
        1 => out.pop().unwrap_or(HookCondition::Const(false)),
        _ => HookCondition::Any(out),
    }
}

fn not(c: HookCondition) -> HookCondition {
    match c {
        HookCondition::Const(b) => HookCondition::Const(!b),
        HookCondition::Not(inner) => *inner,
        c => HookCondition::Not(Box::new(c)),
    }
}

/// Whether a statement can leave the function (`return` or `raise` outside nested scopes).
fn may_exit(node: Node) -> bool {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    children.into_iter().any(|c| match c.kind() {
        "return_statement" | "raise_statement" => true,
        "function_definition" | "class_definition" | "lambda" => false,
        _ => may_exit(c),
    })
}

impl<'t> Walker<'_, '_, 't> {
    fn unknown(&self, node: Node, what: &str) -> HookCondition {
        let first = text(node, self.ctx.src).lines().next().unwrap_or("").trim();
        let first = first.trim_end_matches(':');
        let shown: String = first.chars().take(80).collect();
        HookCondition::Unknown {
            text: if what.is_empty() {
                shown
            } else {
                format!("{what} `{shown}`")
            },
            line: node.start_position().row + 1,
        }
    }

    /// Walks a block reached under `reach`; returns the condition under which control leaves
    /// its end.
    fn block(&mut self, block: Node<'t>, mut reach: HookCondition) -> HookCondition {
        let mut cursor = block.walk();
        let stmts: Vec<Node<'t>> = block.named_children(&mut cursor).collect();
        for stmt in stmts {
            if reach == HookCondition::Const(false) {
                break;
            }
            reach = self.statement(stmt, reach);
        }
        reach
    }

    fn statement(&mut self, stmt: Node<'t>, reach: HookCondition) -> HookCondition {
        match stmt.kind() {
            "comment" | "pass_statement" => reach,
            "return_statement" | "raise_statement" | "break_statement" | "continue_statement" => {
                self.scan(stmt, &reach);
                HookCondition::Const(false)
            }
            "if_statement" => self.if_statement(stmt, reach),
            "with_statement" => {
                let mut cursor = stmt.walk();
                let clauses: Vec<Node<'t>> = stmt
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "with_clause")
                    .collect();
                for clause in clauses {
                    self.scan(clause, &reach);
                }
                match stmt.child_by_field_name("body") {
                    Some(body) => self.block(body, reach),
                    None => reach,
                }
            }
            "try_statement" => {
                let mut cursor = stmt.walk();
                let parts: Vec<Node<'t>> = stmt.named_children(&mut cursor).collect();
                for part in parts {
                    match part.kind() {
                        "block" => {
                            self.block(part, reach.clone());
                        }
                        "except_clause" | "except_group_clause" => {
                            let cond = and(reach.clone(), self.unknown(part, "the handler"));
                            self.scan_and_blocks(part, cond);
                        }
                        _ => self.scan_and_blocks(part, reach.clone()),
                    }
                }
                self.after(stmt, reach)
            }
            "for_statement" | "while_statement" => {
                let header = stmt
                    .child_by_field_name("right")
                    .or_else(|| stmt.child_by_field_name("condition"));
                if let Some(header) = header {
                    self.scan(header, &reach);
                }
                let inside = and(reach.clone(), self.unknown(stmt, "the loop"));
                if let Some(body) = stmt.child_by_field_name("body") {
                    self.block(body, inside.clone());
                }
                if let Some(alt) = stmt.child_by_field_name("alternative") {
                    self.scan_and_blocks(alt, inside);
                }
                self.after(stmt, reach)
            }
            "expression_statement"
            | "assert_statement"
            | "delete_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "import_statement"
            | "import_from_statement"
            | "print_statement"
            | "exec_statement" => {
                self.scan(stmt, &reach);
                reach
            }
            // Nested definitions, `match`, anything else: what they do with `metafunc`
            // happens under a condition fixmig does not follow.
            _ => {
                let cond = and(reach.clone(), self.unknown(stmt, ""));
                self.scan(stmt, &cond);
                if stmt.kind() == "match_statement" {
                    self.after(stmt, reach)
                } else {
                    reach
                }
            }
        }
    }

    /// What follows a compound statement fixmig does not follow branch by branch: reached
    /// under an unknown condition when it may `return`.
    fn after(&self, stmt: Node, reach: HookCondition) -> HookCondition {
        if may_exit(stmt) {
            and(reach, self.unknown(stmt, "no return in"))
        } else {
            reach
        }
    }

    /// The blocks of a clause (handler, `finally`, `else`), scanning its header.
    fn scan_and_blocks(&mut self, clause: Node<'t>, reach: HookCondition) {
        let mut cursor = clause.walk();
        let parts: Vec<Node<'t>> = clause.named_children(&mut cursor).collect();
        for part in parts {
            if part.kind() == "block" {
                self.block(part, reach.clone());
            } else {
                self.scan(part, &reach);
            }
        }
    }

    fn if_statement(&mut self, stmt: Node<'t>, reach: HookCondition) -> HookCondition {
        let mut branches: Vec<(Option<Node<'t>>, Option<Node<'t>>)> = vec![(
            stmt.child_by_field_name("condition"),
            stmt.child_by_field_name("consequence"),
        )];
        let mut cursor = stmt.walk();
        let alternatives: Vec<Node<'t>> = stmt
            .children_by_field_name("alternative", &mut cursor)
            .collect();
        let mut has_else = false;
        for alt in alternatives {
            match alt.kind() {
                "elif_clause" => branches.push((
                    alt.child_by_field_name("condition"),
                    alt.child_by_field_name("consequence"),
                )),
                "else_clause" => {
                    has_else = true;
                    branches.push((None, alt.child_by_field_name("body")));
                }
                _ => {}
            }
        }
        // Entering each branch: none of the earlier conditions held.
        let mut earlier = reach.clone();
        let mut leaving = Vec::new();
        let mut left_early = false;
        for (cond, body) in branches {
            let this = match cond {
                Some(c) => {
                    self.scan(c, &earlier);
                    self.condition(c)
                }
                None => HookCondition::Const(true),
            };
            let entry = and(earlier.clone(), this.clone());
            if let Some(body) = body {
                let end = self.block(body, entry.clone());
                left_early |= end != entry;
                leaving.push(end);
            }
            earlier = and(earlier, not(this));
        }
        if !left_early {
            // Every branch runs to its end: what follows runs whenever the `if` does.
            return reach;
        }
        if !has_else {
            leaving.push(earlier);
        }
        any(leaving)
    }

    /// A test expression as a [`HookCondition`].
    fn condition(&self, node: Node) -> HookCondition {
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
                text(node, src) == "metafunc.fixturenames"
                    && !self.locals.mutated.contains("metafunc.fixturenames")
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
    fn scan(&mut self, node: Node<'t>, reach: &HookCondition) {
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

fn first_line(node: Node, src: &[u8]) -> String {
    text(node, src)
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(80)
        .collect()
}

/// Argnames written as literals: a string (split on commas) or a list/tuple of plain
/// strings; `None` for anything else (a list with a computed item included).
pub(super) fn literal_argnames(node: Node, ctx: &Ctx) -> Option<Vec<Located>> {
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
pub(super) fn resolve_constants(facts: &mut FileFacts, consts: &HashMap<String, Vec<Located>>) {
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
