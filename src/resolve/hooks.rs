//! What the `pytest_generate_tests` hooks of a test parametrize, decided against
//! `metafunc.fixturenames` (the closure before they run): names certainly parametrized
//! directly (they shadow fixtures of the same name, like a `parametrize` mark), and names a
//! hook may parametrize when its condition, names or `indirect=` are decided at run time.

use foldhash::HashSet;

use crate::index::{HookRef, Index, ModuleId, TestItem};
use crate::parse::{HookArgnames, HookCondition, Indirect};

/// A hook call that may parametrize a name, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookSite {
    /// The module the hook is written in (or looked up in, when it is not a function).
    pub module: ModuleId,
    /// The hook's `def` line (1 when it is not a function fixmig can read).
    pub line: usize,
    /// The `metafunc.parametrize(...)` call (or use of `metafunc`), when there is one.
    pub call_line: Option<usize>,
    /// Why it is not decided.
    pub why: String,
}

/// The outcome of a test's hooks.
#[derive(Debug, Clone, Default)]
pub struct HookParams {
    /// Names certainly parametrized directly, in the order met.
    pub direct: Vec<String>,
    /// Names that may be parametrized directly, each with the first call that may do it.
    pub maybe: Vec<(String, HookSite)>,
    /// A call that may parametrize any name (names computed at run time).
    pub maybe_any: Option<HookSite>,
}

impl HookParams {
    /// The hook call that may parametrize `name`, when it is not decided.
    pub fn maybe_site(&self, name: &str) -> Option<&HookSite> {
        if self.direct.iter().any(|d| d == name) {
            return None;
        }
        self.maybe
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
            .or(self.maybe_any.as_ref())
    }
}

/// Three-valued: `None` when decided at run time.
fn eval(c: &HookCondition, closure: &HashSet<&str>, function: &str) -> Option<bool> {
    match c {
        HookCondition::Const(b) => Some(*b),
        HookCondition::Requests(name) => Some(closure.contains(name.as_str())),
        HookCondition::FunctionName(name) => Some(name == function),
        HookCondition::Not(inner) => eval(inner, closure, function).map(|b| !b),
        HookCondition::All(cs) => {
            let mut out = Some(true);
            for c in cs {
                match eval(c, closure, function) {
                    Some(false) => return Some(false),
                    None => out = None,
                    Some(true) => {}
                }
            }
            out
        }
        HookCondition::Any(cs) => {
            let mut out = Some(false);
            for c in cs {
                match eval(c, closure, function) {
                    Some(true) => return Some(true),
                    None => out = None,
                    Some(false) => {}
                }
            }
            out
        }
        HookCondition::Unknown { .. } => None,
    }
}

/// The first unknown part of a condition that leaves it undecided, for messages.
fn unknown_part(c: &HookCondition, closure: &HashSet<&str>, function: &str) -> Option<String> {
    match c {
        HookCondition::Unknown { text, line } => Some(format!("`{text}` (line {line})")),
        HookCondition::Not(inner) => unknown_part(inner, closure, function),
        HookCondition::All(cs) | HookCondition::Any(cs) => cs
            .iter()
            .filter(|c| eval(c, closure, function).is_none())
            .find_map(|c| unknown_part(c, closure, function)),
        _ => None,
    }
}

/// Evaluates every hook of `item` against its closure `names` (`metafunc.fixturenames`).
pub fn evaluate(index: &Index, item: &TestItem, names: &[String]) -> HookParams {
    let mut out = HookParams::default();
    if item.generate_tests.is_empty() {
        return out;
    }
    let closure: HashSet<&str> = names.iter().map(String::as_str).collect();
    // `metafunc.function.__name__`: the name of the test's `def`.
    let function = index
        .function(item.code)
        .map(|f| f.name.text.as_str())
        .unwrap_or_default();
    for hook in &item.generate_tests {
        evaluate_hook(index, hook, &closure, function, &mut out);
    }
    let direct = out.direct.clone();
    out.maybe.retain(|(n, _)| !direct.contains(n));
    out
}

fn evaluate_hook(
    index: &Index,
    hook: &HookRef,
    closure: &HashSet<&str>,
    function: &str,
    out: &mut HookParams,
) {
    let uncertain = hook.uncertain.as_ref().map(|u| {
        format!(
            "the hook exists only if {} ({}:{}), decided at run time",
            u.condition, u.path, u.line
        )
    });
    let Some(code) = hook.code else {
        out.maybe_any.get_or_insert(HookSite {
            module: hook.holder,
            line: 1,
            call_line: None,
            why: "`pytest_generate_tests` is bound to a value fixmig cannot read".to_string(),
        });
        return;
    };
    let Some(def) = index.function(code) else {
        return;
    };
    let Some(calls) = def.generate_tests.as_deref() else {
        return;
    };
    for call in &calls.calls {
        let decided = eval(&call.condition, closure, function);
        if decided == Some(false) {
            continue;
        }
        let site = |why: String| HookSite {
            module: code.module,
            line: def.first_line,
            call_line: Some(call.span.line()),
            why,
        };
        let condition_why = || {
            uncertain.clone().or_else(|| {
                unknown_part(&call.condition, closure, function)
                    .map(|u| format!("it runs only if {u}, decided at run time"))
            })
        };
        let certain = decided == Some(true) && uncertain.is_none();
        let names = match &call.argnames {
            HookArgnames::Literal(names) => names,
            HookArgnames::Const(text) | HookArgnames::Dynamic(text) => {
                // Indirect names are fixture requests, whatever they are.
                if call.indirect == Some(Indirect::All) {
                    continue;
                }
                let why = format!("its argnames `{text}` are computed at run time");
                out.maybe_any.get_or_insert(site(why));
                continue;
            }
        };
        for name in names {
            // pytest fails the collection when a hook parametrizes a name the test does not
            // use: only names of the closure matter.
            if !closure.contains(name.text.as_str()) {
                continue;
            }
            let direct = match &call.indirect {
                Some(Indirect::None) => Some(true),
                Some(Indirect::All) => Some(false),
                Some(Indirect::Some(list)) => Some(!list.iter().any(|i| i.text == name.text)),
                None => None,
            };
            match direct {
                Some(false) => {}
                Some(true) if certain => {
                    if !out.direct.contains(&name.text) {
                        out.direct.push(name.text.clone());
                    }
                }
                _ => {
                    if out.maybe.iter().any(|(n, _)| n == &name.text) {
                        continue;
                    }
                    let why = match direct {
                        None => "its `indirect=` is computed at run time".to_string(),
                        _ => condition_why().unwrap_or_else(|| "decided at run time".into()),
                    };
                    out.maybe.push((name.text.clone(), site(why)));
                }
            }
        }
    }
}
