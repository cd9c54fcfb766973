//! The walk from a tree-sitter tree to [`FileFacts`]: module and class bodies statement by
//! statement (descending into `if`/`try`/`with` with the conditions they run under), and
//! function bodies only where a cheap byte prefilter says they hold something we need.

mod conditions;
mod defs;
mod hooks;
mod imports;

use tree_sitter::Node;

use conditions::condition;
use defs::{class, function};
use imports::{block_imports, import, import_from};

use super::facts::*;
use super::marks::{classify_decorator, fixture_call, literal_truth, pytestmark_value, Decorator};
use super::names::Aliases;
use super::{string_literal, text, ParseOptions};

/// Shared, read-only state of one extraction.
pub struct Ctx<'s> {
    pub src: &'s [u8],
    pub aliases: Aliases,
    options: ParseOptions,
    offset: usize,
    scan_getfixturevalue: bool,
    /// Module-level names bound to a mark (`params = pytest.mark.parametrize(...)`), usable as
    /// `@params` later in the file.
    pub mark_vars: std::cell::RefCell<std::collections::HashMap<String, Mark>>,
    /// Module-level names bound to literal argnames (`NAMES = "a,b"`), for the
    /// `metafunc.parametrize(NAMES, ...)` calls of hooks (see `hooks::resolve_constants`).
    argname_consts: std::cell::RefCell<foldhash::HashMap<String, Vec<Located>>>,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// Omitted function bodies (`skeleton::Omitted::ends`): a node ending where a stand-in
    /// ends really ends where the body did.
    body_ends: &'s [(usize, usize)],
}

impl Ctx<'_> {
    pub fn span(&self, node: Node) -> Span {
        self.span_at(node.start_byte(), node.end_byte())
    }

    /// A span from byte offsets in the parsed buffer.
    pub fn span_at(&self, start: usize, end: usize) -> Span {
        let end = match self
            .body_ends
            .binary_search_by_key(&end, |&(stand_in, _)| stand_in)
        {
            Ok(i) => self.body_ends[i].1,
            Err(_) => end,
        };
        // Index of the line containing `start` (line_starts[0] == 0).
        let line_index = self.line_starts.partition_point(|&s| s <= start) - 1;
        let line_start = self.line_starts[line_index];
        let prefix = &self.src[line_start..start];
        let column = 1 + if prefix.is_ascii() {
            prefix.len()
        } else {
            String::from_utf8_lossy(prefix).chars().count()
        };
        Span::new(
            start + self.offset,
            end + self.offset,
            line_index + 1,
            column,
        )
    }

    pub fn located(&self, node: Node) -> Located {
        Located {
            text: text(node, self.src).to_string(),
            span: self.span(node),
        }
    }

    pub fn located_at(&self, value: String, start: usize) -> Located {
        let span = self.span_at(start, start + value.len());
        Located { text: value, span }
    }

    /// A string literal as a [`Located`] pointing at its contents.
    pub fn string(&self, node: Node) -> Option<Located> {
        let (value, start) = string_literal(node, self.src)?;
        Some(self.located_at(value, start))
    }

    /// The identifier text when `node` is a bare name.
    pub fn source_name(&self, node: Node) -> Option<&str> {
        (node.kind() == "identifier").then(|| text(node, self.src))
    }
}

pub fn extract<'s>(
    root: Node,
    src: &'s [u8],
    options: ParseOptions,
    offset: usize,
    body_ends: &'s [(usize, usize)],
) -> FileFacts {
    let ctx = Ctx {
        body_ends,
        src,
        aliases: Aliases::collect(root, src),
        options,
        offset,
        scan_getfixturevalue: crate::parse::mentions_dynamic_lookup(src),
        mark_vars: Default::default(),
        argname_consts: Default::default(),
        line_starts: std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', src).map(|i| i + 1))
            .collect(),
    };
    let mut facts = FileFacts::default();
    if root.has_error() {
        facts.syntax_error = first_error(root).map(|n| {
            let p = n.start_position();
            (p.row + 1, p.column + 1)
        });
    }
    if memchr::memmem::find(src, b"global").is_some() {
        collect_globals(root, &ctx, &mut facts.global_names);
    }
    let mut body = Body::default();
    walk_block(root, &ctx, &mut Vec::new(), &mut body, &mut facts.classes);
    facts.bindings = body.bindings;
    facts.star_imports = body.star_imports;
    facts.pytestmark = body.pytestmark;
    facts.pytest_plugins = body.pytest_plugins;
    facts.dunder_all = body.dunder_all;
    facts.importorskip = body.importorskip;
    hooks::resolve_constants(&mut facts, &ctx.argname_consts.borrow());
    facts
}

fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children
        .into_iter()
        .filter(|c| c.has_error())
        .find_map(first_error)
}

fn collect_globals(node: Node, ctx: &Ctx, out: &mut Vec<String>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.kind() == "global_statement" {
            let mut c2 = child.walk();
            for name in child.named_children(&mut c2) {
                out.push(text(name, ctx.src).to_string());
            }
        } else {
            collect_globals(child, ctx, out);
        }
    }
}

/// What a module or class body binds, before it is stored in `FileFacts` or `ClassDef`.
#[derive(Default)]
struct Body {
    /// `Outer.` inside a class body, empty at module level.
    qual_prefix: String,
    bindings: Vec<Binding>,
    star_imports: Vec<StarImport>,
    pytestmark: Vec<Mark>,
    pytest_plugins: Vec<Located>,
    dunder_all: Option<Vec<Located>>,
    dunder_test: Option<bool>,
    importorskip: Vec<ImportOrSkip>,
}

impl Body {
    fn bind(
        &mut self,
        name: &str,
        kind: BindingKind,
        conditions: &[Condition],
        line: usize,
        name_span: Option<Span>,
    ) {
        self.bindings.push(Binding {
            name: name.to_string(),
            kind,
            conditions: conditions.to_vec(),
            line,
            name_span,
        });
    }
}

fn walk_block(
    block: Node,
    ctx: &Ctx,
    conds: &mut Vec<Condition>,
    body: &mut Body,
    classes: &mut Vec<ClassDef>,
) {
    let mut cursor = block.walk();
    let children: Vec<Node> = block.named_children(&mut cursor).collect();
    for stmt in children {
        if stmt.has_error() {
            // Facts from the error-free statements only: a broken statement binds nothing.
            continue;
        }
        statement(stmt, ctx, conds, body, classes);
    }
}

fn statement(
    stmt: Node,
    ctx: &Ctx,
    conds: &mut Vec<Condition>,
    body: &mut Body,
    classes: &mut Vec<ClassDef>,
) {
    let line = stmt.start_position().row + 1;
    match stmt.kind() {
        "function_definition" => function(stmt, &[], ctx, conds, body),
        "decorated_definition" => {
            let Some(def) = stmt.child_by_field_name("definition") else {
                return;
            };
            let mut cursor = stmt.walk();
            let decorators: Vec<Node> = stmt
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "decorator")
                .collect();
            match def.kind() {
                "function_definition" => function(def, &decorators, ctx, conds, body),
                "class_definition" => class(def, &decorators, ctx, conds, body, classes),
                _ => {}
            }
        }
        "class_definition" => class(stmt, &[], ctx, conds, body, classes),
        "import_statement" => import(stmt, ctx, conds, body),
        "import_from_statement" => import_from(stmt, ctx, conds, body),
        "expression_statement" => {
            if let Some(assign) = stmt.named_child(0) {
                match assign.kind() {
                    "assignment" => {
                        if let Some(right) = assign.child_by_field_name("right") {
                            importorskip(right, ctx, conds, body);
                        }
                        assignment(assign, ctx, conds, body)
                    }
                    "augmented_assignment" => augmented(assign, ctx, body),
                    "call" => importorskip(assign, ctx, conds, body),
                    _ => {}
                }
            }
        }
        "if_statement" => if_statement(stmt, ctx, conds, body, classes),
        "try_statement" => try_statement(stmt, ctx, conds, body, classes),
        "with_statement" => {
            if let Some(block) = stmt.child_by_field_name("body") {
                walk_block(block, ctx, conds, body, classes);
            }
        }
        "for_statement" | "while_statement" => {
            if let Some(block) = stmt.child_by_field_name("body") {
                conds.push(Condition::Unknown {
                    text: first_line_text(stmt, ctx),
                    line,
                });
                walk_block(block, ctx, conds, body, classes);
                conds.pop();
            }
        }
        _ => {}
    }
}

/// `pytest.importorskip("module", ...)` at module level.
fn importorskip(call: Node, ctx: &Ctx, conds: &[Condition], body: &mut Body) {
    if !body.qual_prefix.is_empty() || call.kind() != "call" {
        return;
    }
    let is_importorskip = call
        .child_by_field_name("function")
        .and_then(|f| ctx.aliases.canonical(f, ctx.src))
        .is_some_and(|p| p == "pytest.importorskip");
    if !is_importorskip {
        return;
    }
    let module = call
        .child_by_field_name("arguments")
        .and_then(|a| a.named_child(0))
        .and_then(|a| string_literal(a, ctx.src));
    if let Some((module, _)) = module {
        body.importorskip.push(ImportOrSkip {
            module,
            conditions: conds.to_vec(),
            line: call.start_position().row + 1,
        });
    }
}

fn first_line_text(node: Node, ctx: &Ctx) -> String {
    let t = text(node, ctx.src);
    t.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches(':')
        .to_string()
}

fn if_statement(
    stmt: Node,
    ctx: &Ctx,
    conds: &mut Vec<Condition>,
    body: &mut Body,
    classes: &mut Vec<ClassDef>,
) {
    let mut previous: Vec<Condition> = Vec::new();
    let branch = |cond: Option<Node>,
                  block: Option<Node>,
                  conds: &mut Vec<Condition>,
                  body: &mut Body,
                  classes: &mut Vec<ClassDef>,
                  previous: &mut Vec<Condition>| {
        let depth = conds.len();
        conds.extend(previous.iter().map(Condition::negate));
        let this = cond.map(|c| condition(c, ctx));
        if let Some(this) = &this {
            conds.push(this.clone());
        }
        if let Some(block) = block {
            walk_block(block, ctx, conds, body, classes);
        }
        conds.truncate(depth);
        if let Some(this) = this {
            previous.push(this);
        }
    };
    branch(
        stmt.child_by_field_name("condition"),
        stmt.child_by_field_name("consequence"),
        conds,
        body,
        classes,
        &mut previous,
    );
    let mut cursor = stmt.walk();
    let alternatives: Vec<Node> = stmt
        .children_by_field_name("alternative", &mut cursor)
        .collect();
    for alt in alternatives {
        match alt.kind() {
            "elif_clause" => branch(
                alt.child_by_field_name("condition"),
                alt.child_by_field_name("consequence"),
                conds,
                body,
                classes,
                &mut previous,
            ),
            "else_clause" => branch(
                None,
                alt.child_by_field_name("body"),
                conds,
                body,
                classes,
                &mut previous,
            ),
            _ => {}
        }
    }
}

fn try_statement(
    stmt: Node,
    ctx: &Ctx,
    conds: &mut Vec<Condition>,
    body: &mut Body,
    classes: &mut Vec<ClassDef>,
) {
    let line = stmt.start_position().row + 1;
    let Some(try_body) = stmt.child_by_field_name("body") else {
        return;
    };
    let imports = block_imports(try_body, ctx);
    let guarded = !imports.is_empty();
    if guarded {
        conds.push(Condition::TryBody {
            imports: imports.clone(),
            line,
        });
    }
    walk_block(try_body, ctx, conds, body, classes);
    let mut cursor = stmt.walk();
    let clauses: Vec<Node> = stmt.named_children(&mut cursor).collect();
    for clause in &clauses {
        if clause.kind() == "else_clause" {
            if let Some(block) = clause.child_by_field_name("body") {
                walk_block(block, ctx, conds, body, classes);
            }
        }
    }
    if guarded {
        conds.pop();
    }
    for clause in clauses {
        match clause.kind() {
            "except_clause" | "except_group_clause" => {
                let cond = if guarded {
                    Condition::TryHandler {
                        imports: imports.clone(),
                        line: clause.start_position().row + 1,
                    }
                } else {
                    Condition::Unknown {
                        text: first_line_text(clause, ctx),
                        line: clause.start_position().row + 1,
                    }
                };
                conds.push(cond);
                walk_clause_blocks(clause, ctx, conds, body, classes);
                conds.pop();
            }
            "finally_clause" => {
                walk_clause_blocks(clause, ctx, conds, body, classes);
            }
            _ => {}
        }
    }
}

/// Walks the blocks of an `except`/`finally` clause.
fn walk_clause_blocks(
    clause: Node,
    ctx: &Ctx,
    conds: &mut Vec<Condition>,
    body: &mut Body,
    classes: &mut Vec<ClassDef>,
) {
    let mut cursor = clause.walk();
    let blocks: Vec<Node> = clause
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "block")
        .collect();
    for block in blocks {
        walk_block(block, ctx, conds, body, classes);
    }
}

fn assignment(assign: Node, ctx: &Ctx, conds: &[Condition], body: &mut Body) {
    let line = assign.start_position().row + 1;
    let (Some(left), Some(right)) = (
        assign.child_by_field_name("left"),
        assign.child_by_field_name("right"),
    ) else {
        return;
    };
    if left.kind() != "identifier" {
        // `a, b = ...` and the like: every plain name on the left is rebound to a value.
        let mut names = Vec::new();
        collect_target_names(left, ctx, &mut names);
        for n in names {
            body.bind(&n, BindingKind::Value { literal: None }, conds, line, None);
        }
        return;
    }
    let name = text(left, ctx.src);
    match name {
        "pytestmark" => body.pytestmark = pytestmark_value(right, ctx),
        "pytest_plugins" => {
            body.pytest_plugins = match right.kind() {
                "list" | "tuple" => {
                    let mut cursor = right.walk();
                    let items = right
                        .named_children(&mut cursor)
                        .filter_map(|c| ctx.string(c))
                        .collect();
                    items
                }
                _ => ctx.string(right).into_iter().collect(),
            }
        }
        "__all__" => {
            if matches!(right.kind(), "list" | "tuple") {
                let mut cursor = right.walk();
                body.dunder_all = Some(
                    right
                        .named_children(&mut cursor)
                        .filter_map(|c| ctx.string(c))
                        .collect(),
                );
            }
        }
        "__test__" => body.dunder_test = literal_truth(right, ctx.src),
        _ => {}
    }
    if body.qual_prefix.is_empty() && conds.is_empty() {
        if let Some(names) = hooks::literal_argnames(right, ctx) {
            ctx.argname_consts
                .borrow_mut()
                .insert(name.to_string(), names);
        }
    }
    // `params = pytest.mark.parametrize(...)`: usable as `@params` here, and importable.
    let bound_mark = match name {
        "pytestmark" | "pytest_plugins" | "__all__" | "__test__" => None,
        _ if right.kind() != "call" => None,
        _ => match pytestmark_value(right, ctx).as_slice() {
            [mark] if !matches!(mark, Mark::Ref(_)) => Some(mark.clone()),
            _ => None,
        },
    };
    if let Some(mark) = &bound_mark {
        ctx.mark_vars
            .borrow_mut()
            .insert(name.to_string(), mark.clone());
    }
    let kind = if let Some(mark) = bound_mark {
        BindingKind::Mark(mark)
    } else if let Some((marker, func)) = fixture_call(right, &ctx.aliases, ctx) {
        let wrapped = body.bindings.iter().rev().find_map(|b| match &b.kind {
            BindingKind::Function(f) if b.name == func => Some((**f).clone()),
            BindingKind::Fixture(f) if b.name == func => Some(f.function.clone()),
            _ => None,
        });
        match wrapped {
            Some(function) => BindingKind::Fixture(Box::new(FixtureDef { function, marker })),
            None => BindingKind::Value { literal: None },
        }
    } else if right.kind() == "identifier" {
        BindingKind::Alias(text(right, ctx.src).to_string())
    } else {
        BindingKind::Value {
            literal: literal_truth(right, ctx.src),
        }
    };
    body.bind(name, kind, conds, line, Some(ctx.span(left)));
}

fn augmented(assign: Node, ctx: &Ctx, body: &mut Body) {
    let (Some(left), Some(right)) = (
        assign.child_by_field_name("left"),
        assign.child_by_field_name("right"),
    ) else {
        return;
    };
    if text(left, ctx.src) == "__all__" && matches!(right.kind(), "list" | "tuple") {
        let mut cursor = right.walk();
        let extra: Vec<Located> = right
            .named_children(&mut cursor)
            .filter_map(|c| ctx.string(c))
            .collect();
        body.dunder_all.get_or_insert_with(Vec::new).extend(extra);
    }
}

fn collect_target_names(node: Node, ctx: &Ctx, out: &mut Vec<String>) {
    if node.kind() == "identifier" {
        out.push(text(node, ctx.src).to_string());
        return;
    }
    if matches!(
        node.kind(),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "parenthesized_expression"
    ) {
        let mut cursor = node.walk();
        for c in node.named_children(&mut cursor) {
            collect_target_names(c, ctx, out);
        }
    }
}
