//! The walk from a tree-sitter tree to [`FileFacts`]: module and class bodies statement by
//! statement (descending into `if`/`try`/`with` with the conditions they run under), and
//! function bodies only where a cheap byte prefilter says they hold something we need.

use tree_sitter::Node;

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
        Span {
            start: start + self.offset,
            end: end + self.offset,
            line: line_index + 1,
            column,
        }
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
        scan_getfixturevalue: memchr::memmem::find(src, b"getfixturevalue").is_some(),
        mark_vars: Default::default(),
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

/// The modules imported directly in a `try:` body.
fn block_imports(block: Node, ctx: &Ctx) -> Vec<ImportTarget> {
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

/// Decides what can be decided of an `if` condition while parsing.
fn condition(node: Node, ctx: &Ctx) -> Condition {
    let line = node.start_position().row + 1;
    let text_of = || text(node, ctx.src).to_string();
    if let Some(taken) = static_truth(node, ctx) {
        return Condition::Static {
            taken,
            text: text_of(),
            line,
        };
    }
    match node.kind() {
        "identifier" => Condition::Flag {
            name: text(node, ctx.src).to_string(),
            negated: false,
            text: text_of(),
            line,
        },
        "not_operator" => match node.child_by_field_name("argument") {
            Some(arg) if arg.kind() == "identifier" => Condition::Flag {
                name: text(arg, ctx.src).to_string(),
                negated: true,
                text: text_of(),
                line,
            },
            _ => Condition::Unknown {
                text: text_of(),
                line,
            },
        },
        "parenthesized_expression" => match node.named_child(0) {
            Some(inner) => condition(inner, ctx),
            None => Condition::Unknown {
                text: text_of(),
                line,
            },
        },
        _ => Condition::Unknown {
            text: text_of(),
            line,
        },
    }
}

/// Truth of conditions decidable from this file alone: literals, `TYPE_CHECKING`,
/// `__name__ == "__main__"`, `sys.version_info` comparisons, and `not`/`and`/`or` of those.
fn static_truth(node: Node, ctx: &Ctx) -> Option<bool> {
    if let Some(t) = literal_truth(node, ctx.src) {
        return Some(t);
    }
    match node.kind() {
        "identifier" if text(node, ctx.src) == "TYPE_CHECKING" => Some(false),
        "attribute" => {
            let path = ctx.aliases.canonical(node, ctx.src)?;
            (path == "typing.TYPE_CHECKING").then_some(false)
        }
        "not_operator" => static_truth(node.child_by_field_name("argument")?, ctx).map(|t| !t),
        "parenthesized_expression" => static_truth(node.named_child(0)?, ctx),
        "boolean_operator" => {
            let left = static_truth(node.child_by_field_name("left")?, ctx);
            let right = static_truth(node.child_by_field_name("right")?, ctx);
            let op = node.child_by_field_name("operator")?;
            match (text(op, ctx.src), left, right) {
                ("and", Some(false), _) | ("and", _, Some(false)) => Some(false),
                ("and", Some(true), Some(true)) => Some(true),
                ("or", Some(true), _) | ("or", _, Some(true)) => Some(true),
                ("or", Some(false), Some(false)) => Some(false),
                _ => None,
            }
        }
        "comparison_operator" => comparison(node, ctx),
        _ => None,
    }
}

fn comparison(node: Node, ctx: &Ctx) -> Option<bool> {
    let mut cursor = node.walk();
    let operands: Vec<Node> = node.named_children(&mut cursor).collect();
    let [left, right] = operands.as_slice() else {
        return None;
    };
    let mut cursor = node.walk();
    let op = node
        .children_by_field_name("operators", &mut cursor)
        .next()
        .map(|o| text(o, ctx.src))?;
    if text(*left, ctx.src) == "__name__" {
        // pytest imports modules, so `__name__` is never "__main__".
        let (value, _) = string_literal(*right, ctx.src)?;
        return match (op, value == "__main__") {
            ("==", true) => Some(false),
            ("!=", true) => Some(true),
            _ => None,
        };
    }
    let lhs_len = version_info(*left, ctx)?.unwrap_or(5);
    let rhs = int_tuple(*right, ctx)?;
    let known = [ctx.options.target_version.0, ctx.options.target_version.1];
    let mut ord = std::cmp::Ordering::Equal;
    for (i, theirs) in rhs.iter().enumerate().take(lhs_len) {
        // Past (major, minor) the target's micro version is not known.
        let ours = *known.get(i)?;
        ord = ours.cmp(theirs);
        if ord.is_ne() {
            break;
        }
    }
    if ord.is_eq() {
        ord = lhs_len.cmp(&rhs.len());
    }
    use std::cmp::Ordering::*;
    Some(match op {
        ">=" => ord != Less,
        ">" => ord == Greater,
        "<=" => ord != Greater,
        "<" => ord == Less,
        "==" => ord == Equal,
        "!=" => ord != Equal,
        _ => return None,
    })
}

/// `sys.version_info` → Some(None); `sys.version_info[:N]` → Some(Some(N)).
fn version_info(node: Node, ctx: &Ctx) -> Option<Option<usize>> {
    match node.kind() {
        "attribute" | "identifier" => {
            (ctx.aliases.canonical(node, ctx.src)? == "sys.version_info").then_some(None)
        }
        "subscript" => {
            let value = node.child_by_field_name("value")?;
            version_info(value, ctx)?;
            let sub = node.child_by_field_name("subscript")?;
            if sub.kind() != "slice" {
                return None;
            }
            let t = text(sub, ctx.src).replace(' ', "");
            let n = t.strip_prefix(':')?.parse().ok()?;
            Some(Some(n))
        }
        _ => None,
    }
}

fn int_tuple(node: Node, ctx: &Ctx) -> Option<Vec<u32>> {
    if node.kind() != "tuple" {
        return None;
    }
    let mut cursor = node.walk();
    let items: Option<Vec<u32>> = node
        .named_children(&mut cursor)
        .map(|c| text(c, ctx.src).parse().ok())
        .collect();
    items
}

fn function(def: Node, decorators: &[Node], ctx: &Ctx, conds: &[Condition], body: &mut Body) {
    let Some(name) = def.child_by_field_name("name") else {
        return;
    };
    let mut fixture: Option<FixtureMarker> = None;
    let mut marks = Vec::new();
    let mut patch_args = 0;
    let mut signature_edits = Vec::new();
    let mut is_staticmethod = false;
    let mut is_classmethod = false;
    for decorator in decorators {
        let Some(expr) = decorator.named_child(0) else {
            continue;
        };
        match classify_decorator(expr, ctx) {
            Decorator::Fixture(m) => fixture = Some(m),
            Decorator::Mark(m) => marks.push(m),
            Decorator::Patch(injects) => patch_args += usize::from(injects),
            Decorator::Signature(edit) => signature_edits.push(edit),
            Decorator::StaticMethod => is_staticmethod = true,
            Decorator::ClassMethod => is_classmethod = true,
            Decorator::Other => {}
        }
    }
    // Decorators apply bottom-up, so the mark nearest the `def` is stored first.
    marks.reverse();
    signature_edits.reverse();
    let first_line = decorators
        .first()
        .map_or(def.start_position().row, |d| d.start_position().row)
        + 1;
    let start = decorators
        .first()
        .map_or(def.start_byte(), |d| d.start_byte());
    let func = FunctionDef {
        name: ctx.located(name),
        span: ctx.span_at(start, def.end_byte()),
        body_start: def
            .child_by_field_name("body")
            .map_or(def.end_byte(), |b| b.start_byte())
            + ctx.offset,
        first_line,
        params: def
            .child_by_field_name("parameters")
            .map(|p| parameters(p, ctx))
            .unwrap_or_default(),
        is_staticmethod,
        is_classmethod,
        mock_patch_args: patch_args,
        signature_edits,
        marks,
        getfixturevalue: if ctx.scan_getfixturevalue {
            let mut out = Vec::new();
            if let Some(b) = def.child_by_field_name("body") {
                getfixturevalue_calls(b, ctx, &mut out);
            }
            out
        } else {
            Vec::new()
        },
        is_async: text(def, ctx.src).starts_with("async"),
        constant_return: def
            .child_by_field_name("body")
            .and_then(|b| constant_return(b, ctx)),
    };
    let kind = match fixture {
        Some(marker) => BindingKind::Fixture(Box::new(FixtureDef {
            function: func,
            marker,
        })),
        None => BindingKind::Function(Box::new(func)),
    };
    body.bind(
        text(name, ctx.src),
        kind,
        conds,
        first_line,
        Some(ctx.span(name)),
    );
}

/// `return "literal"` as the only statement of a body (a docstring aside).
fn constant_return(body: Node, ctx: &Ctx) -> Option<String> {
    let mut cursor = body.walk();
    let stmts: Vec<Node> = body
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .collect();
    let rest = match stmts.as_slice() {
        [doc, rest @ ..]
            if doc.kind() == "expression_statement"
                && doc.named_child(0).is_some_and(|d| d.kind() == "string") =>
        {
            rest
        }
        all => all,
    };
    let [ret] = rest else { return None };
    if ret.kind() != "return_statement" {
        return None;
    }
    string_literal(ret.named_child(0)?, ctx.src).map(|(s, _)| s)
}

fn getfixturevalue_calls(node: Node, ctx: &Ctx, out: &mut Vec<Located>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.kind() == "call" {
            let is_gfv = child
                .child_by_field_name("function")
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| f.child_by_field_name("attribute"))
                .is_some_and(|a| text(a, ctx.src) == "getfixturevalue");
            if is_gfv {
                if let Some(arg) = child
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .and_then(|a| ctx.string(a))
                {
                    out.push(arg);
                }
            }
        }
        getfixturevalue_calls(child, ctx, out);
    }
}

fn parameters(node: Node, ctx: &Ctx) -> Vec<Param> {
    let mut out = Vec::new();
    let mut keyword_only = false;
    let mut cursor = node.walk();
    for p in node.named_children(&mut cursor) {
        let (name, kind, has_default) = match p.kind() {
            "identifier" => (Some(p), ParamKind::Normal, false),
            "typed_parameter" => {
                let inner = p.named_child(0);
                match inner.map(|i| i.kind()) {
                    Some("list_splat_pattern") => (
                        inner.and_then(|i| i.named_child(0)),
                        ParamKind::VarArgs,
                        false,
                    ),
                    Some("dictionary_splat_pattern") => (
                        inner.and_then(|i| i.named_child(0)),
                        ParamKind::VarKwargs,
                        false,
                    ),
                    _ => (inner, ParamKind::Normal, false),
                }
            }
            "default_parameter" | "typed_default_parameter" => {
                (p.child_by_field_name("name"), ParamKind::Normal, true)
            }
            "list_splat_pattern" => (p.named_child(0), ParamKind::VarArgs, false),
            "dictionary_splat_pattern" => (p.named_child(0), ParamKind::VarKwargs, false),
            "keyword_separator" => {
                keyword_only = true;
                continue;
            }
            "positional_separator" => {
                for earlier in out.iter_mut() {
                    let earlier: &mut Param = earlier;
                    if earlier.kind == ParamKind::Normal {
                        earlier.kind = ParamKind::PositionalOnly;
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some(name) = name.filter(|n| n.kind() == "identifier") else {
            continue;
        };
        let kind = match kind {
            ParamKind::VarArgs => {
                keyword_only = true;
                ParamKind::VarArgs
            }
            ParamKind::Normal if keyword_only => ParamKind::KeywordOnly,
            k => k,
        };
        out.push(Param {
            name: ctx.located(name),
            kind,
            has_default,
        });
    }
    out
}

fn class(
    def: Node,
    decorators: &[Node],
    ctx: &Ctx,
    conds: &[Condition],
    body: &mut Body,
    classes: &mut Vec<ClassDef>,
) {
    let Some(name) = def.child_by_field_name("name") else {
        return;
    };
    let mut decorator_marks = Vec::new();
    for decorator in decorators {
        if let Some(Decorator::Mark(m)) =
            decorator.named_child(0).map(|e| classify_decorator(e, ctx))
        {
            decorator_marks.push(m);
        }
    }
    decorator_marks.reverse();
    let bases = def
        .child_by_field_name("superclasses")
        .map(|s| {
            let mut cursor = s.walk();
            let bases: Vec<String> = s
                .named_children(&mut cursor)
                .filter(|b| matches!(b.kind(), "identifier" | "attribute"))
                .map(|b| text(b, ctx.src).to_string())
                .collect();
            bases
        })
        .unwrap_or_default();
    let qualname = format!("{}{}", body.qual_prefix, text(name, ctx.src));
    let unittest_base = def
        .child_by_field_name("superclasses")
        .map(|s| {
            let mut cursor = s.walk();
            let found = s.named_children(&mut cursor).any(|b| {
                ctx.aliases.canonical(b, ctx.src).is_some_and(|p| {
                    matches!(
                        p.as_str(),
                        "unittest.TestCase" | "unittest.IsolatedAsyncioTestCase"
                    )
                })
            });
            found
        })
        .unwrap_or(false);
    let mut inner = Body {
        qual_prefix: format!("{qualname}."),
        ..Body::default()
    };
    let mut nested = Vec::new();
    if let Some(block) = def.child_by_field_name("body") {
        walk_block(block, ctx, &mut Vec::new(), &mut inner, &mut nested);
    }
    // Nested classes live in the same flat list; remap their indices.
    let base_index = classes.len() + 1;
    for binding in inner.bindings.iter_mut() {
        if let BindingKind::Class(i) = &mut binding.kind {
            *i += base_index;
        }
    }
    let has = |n: &str| inner.bindings.iter().any(|b| b.name == n);
    let first_line = decorators
        .first()
        .map_or(def.start_position().row, |d| d.start_position().row)
        + 1;
    let class = ClassDef {
        name: ctx.located(name),
        qualname,
        unittest_base,
        first_line,
        bases,
        has_init: has("__init__"),
        has_new: has("__new__"),
        dunder_test: inner.dunder_test,
        decorator_marks,
        pytestmark: inner.pytestmark,
        bindings: inner.bindings,
    };
    let index = classes.len();
    classes.push(class);
    for mut n in nested {
        for binding in n.bindings.iter_mut() {
            if let BindingKind::Class(i) = &mut binding.kind {
                *i += base_index;
            }
        }
        classes.push(n);
    }
    body.bind(
        text(name, ctx.src),
        BindingKind::Class(index),
        conds,
        first_line,
        Some(ctx.span(name)),
    );
}

fn import_target(module: Node, ctx: &Ctx) -> ImportTarget {
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

fn import(stmt: Node, ctx: &Ctx, conds: &[Condition], body: &mut Body) {
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

fn import_from(stmt: Node, ctx: &Ctx, conds: &[Condition], body: &mut Body) {
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
