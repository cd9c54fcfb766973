//! The conditions a statement runs under, and what fixmig can decide of them from the file
//! alone: literals, `TYPE_CHECKING`, `__name__ == "__main__"`, `sys.version_info` comparisons
//! against the run's target version, and `not`/`and`/`or` of those.

use super::*;

/// Decides what can be decided of an `if` condition while parsing.
pub(super) fn condition(node: Node, ctx: &Ctx) -> Condition {
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
pub(super) fn static_truth(node: Node, ctx: &Ctx) -> Option<bool> {
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

pub(super) fn comparison(node: Node, ctx: &Ctx) -> Option<bool> {
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
pub(super) fn version_info(node: Node, ctx: &Ctx) -> Option<Option<usize>> {
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

pub(super) fn int_tuple(node: Node, ctx: &Ctx) -> Option<Vec<u32>> {
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
