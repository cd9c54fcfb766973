//! FM104: a name defined nowhere visible that a `pytest_generate_tests` hook may parametrize
//! (its condition, its argnames or its `indirect=` are decided at run time), reported instead
//! of FM001, with the hook and the call that may supply it.

use super::{Diagnostic, Related, Severity};
use crate::index::Index;
use crate::resolve::HookSite;

/// Where a request is, and the test it is reported for (`None` for a fixture's request).
pub(super) struct Site {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub test: Option<String>,
}

/// The FM104 warning for `name` at `at`: a hook at `hook` may parametrize `shadowed` (`name`
/// itself, or a fixture that requests it).
pub(super) fn maybe_parametrized(
    index: &Index,
    name: &str,
    shadowed: &str,
    at: Site,
    hook: &HookSite,
) -> Diagnostic {
    let hook_path = index.modules()[hook.module].rel.clone();
    let message = if shadowed == name {
        format!(
            "fixture '{name}' is not defined here, but `pytest_generate_tests` in {hook_path}:{} may parametrize it",
            hook.line
        )
    } else {
        format!(
            "fixture '{name}' is not defined here; `pytest_generate_tests` in {hook_path}:{} may parametrize `{shadowed}`, which requests it",
            hook.line
        )
    };
    let related = vec![Related {
        path: hook_path,
        line: hook.call_line.unwrap_or(hook.line),
        note: format!(
            "fixmig cannot tell whether this hook parametrizes `{shadowed}`: {}",
            hook.why
        ),
    }];
    Diagnostic {
        code: "FM104",
        severity: Severity::Warning,
        message,
        help: Some(format!(
            "where the hook does not parametrize `{shadowed}`, pytest fails with `fixture '{name}' not found`"
        )),
        path: at.path,
        line: at.line,
        column: at.column,
        fixture: Some(name.to_string()),
        test: at.test,
        related,
    }
}
