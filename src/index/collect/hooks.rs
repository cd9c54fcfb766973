//! Which `pytest_generate_tests` implementations pytest calls for a test function
//! (`PyCollector._genfunctions`): `module.pytest_generate_tests` and
//! `cls().pytest_generate_tests` when they exist, then the hook implementations of the
//! conftests along the module's path and of every plugin registered so far.

use super::*;
use crate::index::namespace::Entry;
use crate::index::HookRef;

const HOOK: &str = "pytest_generate_tests";

/// The hooks for the tests collected under `parent` (a module or class node), with the
/// plugins registered so far.
pub(super) fn generate_tests_hooks(index: &mut Index, parent: NodeId) -> Vec<HookRef> {
    let plugins = index.plugins.len();
    if let Some((node, count, hooks)) = &index.hooks_memo {
        if *node == parent && *count == plugins {
            return hooks.clone();
        }
    }
    let mut hooks = Vec::new();
    if let Some(module) = index.node_module(parent) {
        let found = index.loader.lookup_name(module, HOOK);
        hooks.extend(found.and_then(|e| hook_ref(index, module, &e)));
    }
    if let NodeKind::Class(class) = index.nodes[parent].kind {
        let ns = index.loader.class_namespace(class);
        let found = ns.get(HOOK).map(|e| index.loader.force(e));
        hooks.extend(found.and_then(|e| hook_ref(index, class.module, &e)));
    }
    for node in index.chain(parent) {
        let conftests = index.conftests.get(&node).cloned().unwrap_or_default();
        for conftest in conftests {
            let found = index.loader.lookup_name(conftest, HOOK);
            hooks.extend(found.and_then(|e| hook_ref(index, conftest, &e)));
        }
    }
    let modules: Vec<ModuleId> = index
        .plugins
        .iter()
        .filter(|p| p.class.is_none())
        .filter_map(|p| p.module)
        .collect();
    for module in modules {
        let found = index.loader.lookup_name(module, HOOK);
        hooks.extend(found.and_then(|e| hook_ref(index, module, &e)));
    }
    // A module registered twice (a conftest also named in `pytest_plugins`) is one plugin.
    let mut seen = HashSet::new();
    hooks.retain(|h| seen.insert((h.code, h.holder)));
    index.hooks_memo = Some((parent, plugins, hooks.clone()));
    hooks
}

/// What a `pytest_generate_tests` binding stands for: a function with a `metafunc` parameter
/// (one without does nothing), or a value fixmig cannot read (it may do anything).
fn hook_ref(index: &Index, holder: ModuleId, entry: &Entry) -> Option<HookRef> {
    let code = match entry.value {
        Value::Function(code) => {
            let function = index.function(code)?;
            function.generate_tests.as_ref()?;
            Some(code)
        }
        Value::Other | Value::Lazy(_) => None,
        Value::Fixture(_) | Value::Class(_) | Value::Module(_) | Value::Mark(_) => return None,
    };
    Some(HookRef {
        code,
        holder,
        uncertain: entry.uncertain.clone(),
    })
}
