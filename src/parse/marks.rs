//! Reading decorator and mark expressions: `@pytest.fixture(...)`, `usefixtures`,
//! `parametrize` (argnames and `indirect`), `mock.patch` arguments and `pytestmark` values.

use tree_sitter::Node;

use super::facts::{FixtureMarker, GivenArgs, Indirect, Located, Mark, ScopeSpec, SignatureEdit};
use super::names::{is_fixture_decorator, Aliases};
use super::{string_literal, text};
use crate::parse::extract::Ctx;

/// What a single decorator is, as far as pytest cares.
pub enum Decorator {
    Fixture(FixtureMarker),
    Mark(Mark),
    /// A `mock.patch`-style decorator; `true` when it injects an argument.
    Patch(bool),
    /// A decorator that replaces the signature pytest reads.
    Signature(SignatureEdit),
    StaticMethod,
    ClassMethod,
    Other,
}

/// Splits a call into (callee, argument_list).
fn split_call(node: Node) -> Option<(Node, Node)> {
    if node.kind() != "call" {
        return None;
    }
    Some((
        node.child_by_field_name("function")?,
        node.child_by_field_name("arguments")?,
    ))
}

pub(super) fn positional_args<'t>(args: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = args.walk();
    args.named_children(&mut cursor)
        .filter(|c| {
            !matches!(
                c.kind(),
                "keyword_argument" | "comment" | "list_splat" | "dictionary_splat"
            )
        })
        .collect()
}

pub(super) fn keyword_arg<'t>(args: Node<'t>, name: &str, src: &[u8]) -> Option<Node<'t>> {
    let mut cursor = args.walk();
    let found = args
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "keyword_argument")
        .find(|c| {
            c.child_by_field_name("name")
                .is_some_and(|n| text(n, src) == name)
        })
        .and_then(|c| c.child_by_field_name("value"));
    found
}

/// `True`/`False`/`None`/numbers/strings → their truthiness; anything else → None.
pub fn literal_truth(node: Node, src: &[u8]) -> Option<bool> {
    match node.kind() {
        "true" => Some(true),
        "false" | "none" => Some(false),
        "integer" | "float" => {
            let t = text(node, src).replace('_', "");
            Some(t.parse::<f64>().map(|v| v != 0.0).unwrap_or(true))
        }
        "string" => string_literal(node, src).map(|(s, _)| !s.is_empty()),
        "parenthesized_expression" => literal_truth(node.named_child(0)?, src),
        _ => None,
    }
}

/// Classifies one decorator expression (the child of a `decorator` node).
pub fn classify_decorator(expr: Node, ctx: &Ctx) -> Decorator {
    let (callee, args) = match split_call(expr) {
        Some((f, a)) => (f, Some(a)),
        None => (expr, None),
    };
    if let Some(bare) = ctx.source_name(callee) {
        match bare {
            "staticmethod" => return Decorator::StaticMethod,
            "classmethod" => return Decorator::ClassMethod,
            _ => {}
        }
    }
    let Some(path) = ctx.aliases.canonical(callee, ctx.src) else {
        if args.is_none() {
            if let Some(mark) = mark_name(callee, ctx) {
                return Decorator::Mark(mark);
            }
        }
        return Decorator::Other;
    };
    if is_fixture_decorator(&path) {
        return Decorator::Fixture(args.map(|a| fixture_marker(a, ctx)).unwrap_or_default());
    }
    if let Some(args) = args {
        if let Some(mark) = mark_call(&path, args, ctx) {
            return Decorator::Mark(mark);
        }
        if path == "mock.patch" || path == "mock.patch.object" {
            let new_position = if path == "mock.patch" { 1 } else { 2 };
            let injects = keyword_arg(args, "new", ctx.src).is_none()
                && positional_args(args).len() <= new_position;
            return Decorator::Patch(injects);
        }
        if path.starts_with("mock.patch") {
            return Decorator::Patch(false);
        }
        if let Some(edit) = signature_edit(&path, args, ctx) {
            return Decorator::Signature(edit);
        }
    }
    Decorator::Other
}

/// The [`SignatureEdit`] of a call to a modelled signature-replacing decorator.
fn signature_edit(path: &str, args: Node, ctx: &Ctx) -> Option<SignatureEdit> {
    let mut cursor = args.walk();
    let splat = args
        .named_children(&mut cursor)
        .any(|c| matches!(c.kind(), "list_splat" | "dictionary_splat"));
    match path {
        "hypothesis.given" => {
            let positional = positional_args(args);
            let mut cursor = args.walk();
            let keywords: Vec<String> = args
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "keyword_argument")
                .filter_map(|c| c.child_by_field_name("name"))
                .map(|n| text(n, ctx.src).to_string())
                .collect();
            let inferred = matches!(positional.as_slice(), [only] if only.kind() == "ellipsis");
            Some(SignatureEdit::Given(
                if splat || (inferred && keywords.is_empty()) {
                    GivenArgs::All
                } else if positional.is_empty() {
                    GivenArgs::Keywords(keywords)
                } else {
                    GivenArgs::Positional(positional.len())
                },
            ))
        }
        "distributed.utils_test.gen_cluster" => {
            if splat {
                return Some(SignatureEdit::BindLeading(None));
            }
            let workers = match keyword_arg(args, "nthreads", ctx.src)
                .or_else(|| positional_args(args).first().copied())
            {
                None => Some(2),
                Some(n) if n.kind() == "none" => Some(2),
                Some(n) if matches!(n.kind(), "list" | "tuple") => {
                    let mut cursor = n.walk();
                    let items: Vec<Node> = n.named_children(&mut cursor).collect();
                    (!items
                        .iter()
                        .any(|i| matches!(i.kind(), "list_splat" | "comment")))
                    .then_some(items.len())
                }
                Some(_) => None,
            };
            let client = match keyword_arg(args, "client", ctx.src) {
                None => Some(false),
                Some(v) => literal_truth(v, ctx.src),
            };
            Some(SignatureEdit::BindLeading(
                workers.zip(client).map(|(w, c)| 1 + w + usize::from(c)),
            ))
        }
        _ => None,
    }
}

/// Reads `@pytest.fixture(...)` arguments.
pub fn fixture_marker(args: Node, ctx: &Ctx) -> FixtureMarker {
    let src = ctx.src;
    let mut marker = FixtureMarker::default();
    if let Some(scope) = keyword_arg(args, "scope", src) {
        marker.scope = Some(match string_literal(scope, src) {
            Some((s, _)) => ScopeSpec::Literal(s),
            None if scope.kind() == "identifier" => {
                ScopeSpec::Callable(text(scope, src).to_string())
            }
            None => ScopeSpec::Dynamic,
        });
    }
    if let Some(autouse) = keyword_arg(args, "autouse", src) {
        marker.autouse = literal_truth(autouse, src).unwrap_or(false);
    }
    if let Some(name) = keyword_arg(args, "name", src) {
        if let Some((value, start)) = string_literal(name, src) {
            marker.name = Some(ctx.located_at(value, start));
        }
    }
    marker.has_params = keyword_arg(args, "params", src).is_some_and(|p| p.kind() != "none");
    marker
}

/// A `pytest.mark.usefixtures(...)` or `pytest.mark.parametrize(...)` call.
fn mark_call(path: &str, args: Node, ctx: &Ctx) -> Option<Mark> {
    match path {
        "pytest.mark.usefixtures" => Some(Mark::UseFixtures(
            positional_args(args)
                .into_iter()
                .filter_map(|a| ctx.string(a))
                .collect(),
        )),
        "pytest.mark.parametrize" => {
            let argnames = keyword_arg(args, "argnames", ctx.src)
                .or_else(|| positional_args(args).first().copied())?;
            let argnames = parametrize_argnames(argnames, ctx)?;
            let indirect = match keyword_arg(args, "indirect", ctx.src) {
                None => Indirect::None,
                Some(v) => match v.kind() {
                    "list" | "tuple" => Indirect::Some(string_items(v, ctx)),
                    _ => match literal_truth(v, ctx.src) {
                        Some(false) => Indirect::None,
                        _ => Indirect::All,
                    },
                },
            };
            let values = keyword_arg(args, "argvalues", ctx.src)
                .or_else(|| positional_args(args).get(1).copied())
                .map_or_else(
                    || vec![None; argnames.len()],
                    |v| string_values(v, argnames.len(), ctx),
                );
            Some(Mark::Parametrize {
                argnames,
                indirect,
                values,
            })
        }
        _ => None,
    }
}

/// `"a, b"`, `["a", "b"]` or `("a", "b")`, as pytest's `_parse_parametrize_args` splits them.
pub(super) fn parametrize_argnames(node: Node, ctx: &Ctx) -> Option<Vec<Located>> {
    match node.kind() {
        "parenthesized_expression" => parametrize_argnames(node.named_child(0)?, ctx),
        "string" | "concatenated_string" => {
            // The value, and for each of its bytes the byte offset in the source (parts of an
            // implicitly concatenated string are not contiguous).
            let parts: Vec<Node> = if node.kind() == "string" {
                vec![node]
            } else {
                let mut cursor = node.walk();
                let parts = node.named_children(&mut cursor).collect();
                parts
            };
            let mut value = String::new();
            let mut positions = Vec::new();
            for part in parts {
                let (v, start) = string_literal(part, ctx.src)?;
                positions.extend(start..start + v.len());
                value.push_str(&v);
            }
            let mut out = Vec::new();
            let mut offset = 0;
            for piece in value.split(',') {
                let trimmed = piece.trim();
                if !trimmed.is_empty() {
                    let lead = piece.len() - piece.trim_start().len();
                    let first = positions[offset + lead];
                    let last = positions[offset + lead + trimmed.len() - 1];
                    let mut located = ctx.located_at(trimmed.to_string(), first);
                    // A name split across string parts has no single span to edit.
                    let end = if last + 1 - first == trimmed.len() {
                        last + 1
                    } else {
                        first
                    } + (located.span.start() - first);
                    located.span = located.span.with_end(end);
                    out.push(located);
                }
                offset += piece.len() + 1;
            }
            Some(out)
        }
        "list" | "tuple" => Some(string_items(node, ctx)),
        _ => None,
    }
}

/// The string-literal values of each of `count` argnames in a literal `argvalues` list: an
/// entry is the value itself for one argname, else a tuple or list with one per argname, and
/// `pytest.param(...)` stands for its positional arguments. `None` for an argname with any
/// value that is not a string literal (or any entry fixmig cannot read).
fn string_values(argvalues: Node, count: usize, ctx: &Ctx) -> Vec<Option<Vec<Located>>> {
    let mut out: Vec<Option<Vec<Located>>> = vec![Some(Vec::new()); count];
    if !matches!(argvalues.kind(), "list" | "tuple") {
        return vec![None; count];
    }
    let mut cursor = argvalues.walk();
    for entry in argvalues
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
    {
        let params = entry
            .child_by_field_name("function")
            .filter(|f| text(*f, ctx.src).ends_with("param") && entry.kind() == "call")
            .and_then(|_| entry.child_by_field_name("arguments"))
            .map(positional_args);
        let parts: Vec<Node> = match (params, count) {
            (Some(args), _) => args,
            (None, 1) => vec![entry],
            (None, _) if matches!(entry.kind(), "tuple" | "list") => {
                let mut c = entry.walk();
                let parts = entry
                    .named_children(&mut c)
                    .filter(|n| n.kind() != "comment")
                    .collect();
                parts
            }
            (None, _) => return vec![None; count],
        };
        if parts.len() != count {
            return vec![None; count];
        }
        for (slot, part) in out.iter_mut().zip(parts) {
            match (slot.as_mut(), ctx.string(part)) {
                (Some(values), Some(value)) => values.push(value),
                _ => *slot = None,
            }
        }
    }
    out
}

fn string_items(node: Node, ctx: &Ctx) -> Vec<Located> {
    let mut cursor = node.walk();
    let items = node
        .named_children(&mut cursor)
        .filter_map(|c| ctx.string(c))
        .collect();
    items
}

/// A mark written as a name: `params` (a mark variable bound earlier in this file), or a
/// name or dotted attribute fixmig cannot see into here (`Mark::Ref`, for `index` to look up).
/// Names of the tracked modules (`pytest.mark.slow`, ...) are no mark variables.
fn mark_name(node: Node, ctx: &Ctx) -> Option<Mark> {
    if let Some(mark) = ctx
        .source_name(node)
        .and_then(|n| ctx.mark_vars.borrow().get(n).cloned())
    {
        return Some(mark);
    }
    if ctx.aliases.canonical(node, ctx.src).is_some() || !is_dotted_name(node) {
        return None;
    }
    Some(Mark::Ref(text(node, ctx.src).to_string()))
}

/// `name` or `a.b.c` (identifiers only).
fn is_dotted_name(node: Node) -> bool {
    match node.kind() {
        "identifier" => true,
        "attribute" => {
            node.child_by_field_name("object")
                .is_some_and(is_dotted_name)
                && node
                    .child_by_field_name("attribute")
                    .is_some_and(|a| a.kind() == "identifier")
        }
        _ => false,
    }
}

/// The marks in a `pytestmark = ...` value: one mark or a list/tuple of marks.
pub fn pytestmark_value(value: Node, ctx: &Ctx) -> Vec<Mark> {
    let one = |n: Node| -> Option<Mark> {
        let Some((callee, args)) = split_call(n) else {
            return mark_name(n, ctx);
        };
        let path = ctx.aliases.canonical(callee, ctx.src)?;
        mark_call(&path, args, ctx)
    };
    match value.kind() {
        "list" | "tuple" => {
            let mut cursor = value.walk();
            let marks = value.named_children(&mut cursor).filter_map(one).collect();
            marks
        }
        _ => one(value).into_iter().collect(),
    }
}

/// `pytest.fixture(f)` or `pytest.fixture(name=...)(f)`: the marker and the wrapped name.
pub fn fixture_call(value: Node, aliases: &Aliases, ctx: &Ctx) -> Option<(FixtureMarker, String)> {
    let (callee, args) = split_call(value)?;
    let positional = positional_args(args);
    let [func] = positional.as_slice() else {
        return None;
    };
    if func.kind() != "identifier" {
        return None;
    }
    let func = text(*func, ctx.src).to_string();
    if let Some(path) = aliases.canonical(callee, ctx.src) {
        if is_fixture_decorator(&path) {
            return Some((fixture_marker(args, ctx), func));
        }
        return None;
    }
    let (inner, inner_args) = split_call(callee)?;
    let path = aliases.canonical(inner, ctx.src)?;
    is_fixture_decorator(&path).then(|| (fixture_marker(inner_args, ctx), func))
}
