//! `pytest_generate_tests(metafunc)` bodies: each `metafunc.parametrize(...)` call with its
//! argnames, its `indirect=` and the condition it runs under (`if "x" in metafunc.fixturenames:`,
//! `elif`/`else`, early `return`s), and each other use of `metafunc` that may parametrize
//! (`helper(metafunc)`), as a call whose names are not known. What is not read exactly is
//! [`HookCondition::Unknown`] or [`HookArgnames::Dynamic`], never left out.

mod bindings;
mod expressions;

use super::*;
use bindings::Locals;

pub(super) use bindings::{literal_argnames, resolve_constants};

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
