//! Function and class definitions: a `def` becomes a fixture, a test or a plain function with
//! its parameters, marks and the body facts that matter; a `class` its bases, marks and bindings.

use super::*;

pub(super) fn function(
    def: Node,
    decorators: &[Node],
    ctx: &Ctx,
    conds: &[Condition],
    body: &mut Body,
) {
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
    let mut getfixturevalue = Vec::new();
    let mut dynamic_lookups = Vec::new();
    if ctx.scan_getfixturevalue {
        if let Some(b) = def.child_by_field_name("body") {
            getfixturevalue_calls(b, ctx, &mut getfixturevalue, &mut dynamic_lookups);
        }
    }
    let params = def
        .child_by_field_name("parameters")
        .map(|p| parameters(p, ctx))
        .unwrap_or_default();
    let generate_tests = super::hooks::generate_tests(def, &params, ctx).map(Box::new);
    let func = FunctionDef {
        name: ctx.located(name),
        span: ctx.span_at(start, def.end_byte()),
        body_start: def
            .child_by_field_name("body")
            .map_or(def.end_byte(), |b| b.start_byte())
            + ctx.offset,
        first_line,
        params,
        is_staticmethod,
        is_classmethod,
        mock_patch_args: patch_args,
        signature_edits,
        marks,
        getfixturevalue,
        dynamic_lookups,
        is_async: text(def, ctx.src).starts_with("async"),
        constant_return: def
            .child_by_field_name("body")
            .and_then(|b| constant_return(b, ctx)),
        generate_tests,
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
pub(super) fn constant_return(body: Node, ctx: &Ctx) -> Option<String> {
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

/// The `request.getfixturevalue(...)` (and pytest 3's `getfuncargvalue(...)`) calls under
/// `node`, whatever the receiver is called: a string literal argument goes to `literal`, the
/// span of any other first argument (with its name, when it is a bare name) to `dynamic`.
pub(super) fn getfixturevalue_calls(
    node: Node,
    ctx: &Ctx,
    literal: &mut Vec<Located>,
    dynamic: &mut Vec<Located>,
) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.kind() == "call" {
            let is_lookup = child
                .child_by_field_name("function")
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| f.child_by_field_name("attribute"))
                .is_some_and(|a| {
                    crate::parse::DYNAMIC_LOOKUPS
                        .iter()
                        .any(|m| text(a, ctx.src).as_bytes() == *m)
                });
            if is_lookup {
                if let Some(arg) = child
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                {
                    match ctx.string(arg) {
                        Some(located) => literal.push(located),
                        None => dynamic.push(Located {
                            text: ctx.source_name(arg).unwrap_or_default().to_string(),
                            span: ctx.span(arg),
                        }),
                    }
                }
            }
        }
        getfixturevalue_calls(child, ctx, literal, dynamic);
    }
}

pub(super) fn parameters(node: Node, ctx: &Ctx) -> Vec<Param> {
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

pub(super) fn class(
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
