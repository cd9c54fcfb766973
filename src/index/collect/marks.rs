//! Marks on a collected node: each class's `pytestmark` and decorators along the reversed MRO,
//! and mark variables (`params = pytest.mark.parametrize(...)`) looked up where they are bound.

use super::*;

/// A class node's own markers: each class's `pytestmark` (body, then decorators) along the
/// reversed MRO, base classes first.
pub(super) fn class_marks<'a>(
    index: &mut Index,
    reversed_mro: impl Iterator<Item = (ModuleId, &'a crate::parse::ClassDef)>,
) -> Vec<(ModuleId, Mark)> {
    let mut out = Vec::new();
    for (module, def) in reversed_mro {
        let marks: Vec<Mark> = def
            .pytestmark
            .iter()
            .chain(&def.decorator_marks)
            .cloned()
            .collect();
        out.extend(expand_marks(index, module, &marks));
    }
    out
}

/// `marks` as written in `module`, each with the module it comes from: a [`Mark::Ref`] is
/// looked up as Python evaluates the name (`params`, `tests.params`, through imports and
/// re-exports) and stands for the mark that name is bound to ([`Value::Mark`], with the module
/// that binds it); a name bound to anything else is no mark fixmig models, and is left out.
pub(super) fn expand_marks(
    index: &mut Index,
    module: ModuleId,
    marks: &[Mark],
) -> Vec<(ModuleId, Mark)> {
    let mut out = Vec::new();
    for mark in marks {
        let Mark::Ref(dotted) = mark else {
            out.push((module, mark.clone()));
            continue;
        };
        out.extend(mark_ref(index, module, dotted));
    }
    out
}

/// The mark a [`Mark::Ref`] written in `module` stands for, with the module that binds it:
/// `dotted` looked up as Python evaluates it (through imports and re-exports); `None` when it is
/// bound to anything but a mark fixmig models.
pub(in crate::index) fn mark_ref(
    index: &mut Index,
    module: ModuleId,
    dotted: &str,
) -> Option<(ModuleId, Mark)> {
    let mut id = module;
    let parts: Vec<&str> = dotted.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match index.loader.lookup_name(id, part).map(|e| e.value) {
            Some(Value::Module(path)) if !last => id = index.loader.load(&path),
            Some(Value::Mark(code)) if last => {
                let bound = index.loader.binding(code).and_then(|b| match &b.kind {
                    BindingKind::Mark(m) => Some(m.clone()),
                    _ => None,
                });
                return bound.map(|m| (code.module, m));
            }
            _ => return None,
        }
    }
    None
}
