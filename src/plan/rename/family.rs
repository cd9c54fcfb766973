//! The family a `[[rename]]` renames: every project definition of the name (or only the one
//! in `defined_in`); installed code is never part of it. An empty family with the new name
//! defined means the rule was already applied.

use super::*;

/// The function name of the alias fixture `keep_alias` defines for `old`.
pub(super) fn kept_alias_function(old: &str) -> String {
    format!("_{old}_deprecated_alias")
}

/// The name pytest registers a fixture under: `name=` if given, else the attribute's.
pub(super) fn fixture_name_of(def: &FixtureDef, attr: &str) -> String {
    def.marker
        .name
        .as_ref()
        .map_or_else(|| attr.to_string(), |n| n.text.clone())
}

/// The deprecated alias a `keep_alias` rename leaves behind (not part of the family).
pub(super) fn is_kept_alias(def: &FixtureDef, spec: &RenameSpec) -> bool {
    def.function.name.text == kept_alias_function(&spec.fixture)
        && def
            .function
            .params
            .iter()
            .map(|p| p.name.text.as_str())
            .eq([spec.to.as_str()])
}

/// Is the rename already applied: nothing defines the old name, something defines the new?
pub(super) fn already_applied(index: &Index, spec: &RenameSpec) -> bool {
    index.modules().iter().any(|m| {
        m.facts.as_ref().is_some_and(|f| {
            f.bindings.iter().any(|b| matches!(&b.kind, BindingKind::Fixture(d) if fixture_name_of(d, &b.name) == spec.to))
        })
    })
}

/// The definitions the rule renames.
pub(super) fn family(
    index: &mut Index,
    project: &Project,
    spec: &RenameSpec,
) -> Result<BTreeSet<CodeRef>, PlanError> {
    let mut family = BTreeSet::new();
    let wanted = |module: ModuleId, index: &Index, family: &mut BTreeSet<CodeRef>| {
        // Installed plugins' code (site-packages, editable installs) is never edited.
        if index.modules()[module].environment {
            return;
        }
        let Some(facts) = index.modules()[module].facts.as_ref() else {
            return;
        };
        for (i, b) in facts.bindings.iter().enumerate() {
            if let BindingKind::Fixture(def) = &b.kind {
                if fixture_name_of(def, &b.name) == spec.fixture && !is_kept_alias(def, spec) {
                    family.insert(CodeRef {
                        module,
                        class: None,
                        binding: i,
                    });
                }
            }
        }
        for (c, class) in facts.classes.iter().enumerate() {
            for (i, b) in class.bindings.iter().enumerate() {
                if let BindingKind::Fixture(def) = &b.kind {
                    if fixture_name_of(def, &b.name) == spec.fixture && !is_kept_alias(def, spec) {
                        family.insert(CodeRef {
                            module,
                            class: Some(c),
                            binding: i,
                        });
                    }
                }
            }
        }
    };
    match &spec.defined_in {
        Some(rel) => {
            let path = project.rootdir.join(rel);
            if !path.is_file() {
                return Err(PlanError::invalid(
                    Field::DefinedIn,
                    format!(
                        "`{rel}` does not exist in the project (rootdir {})",
                        project.rootdir.display()
                    ),
                    None,
                ));
            }
            let module = index.loader.load(&path);
            wanted(module, index, &mut family);
            if family.is_empty() && already_applied(index, spec) {
                return Ok(family);
            }
            if family.is_empty() {
                let defined: Vec<String> = index.modules()[module]
                    .facts
                    .iter()
                    .flat_map(|f| f.bindings.iter())
                    .filter_map(|b| match &b.kind {
                        BindingKind::Fixture(d) => {
                            Some(format!("`{}`", fixture_name_of(d, &b.name)))
                        }
                        _ => None,
                    })
                    .collect();
                return Err(PlanError::invalid(
                    Field::DefinedIn,
                    format!("`{rel}` defines no fixture named `{}`", spec.fixture),
                    Some(if defined.is_empty() {
                        "it defines no fixtures at all".to_string()
                    } else {
                        format!("it defines {}", defined.join(", "))
                    }),
                ));
            }
        }
        None => {
            for module in 0..index.modules().len() {
                wanted(module, index, &mut family);
            }
            if family.is_empty() && already_applied(index, spec) {
                return Ok(family);
            }
            if family.is_empty() {
                let mut names: Vec<&crate::index::Name> = index
                    .by_name
                    .keys()
                    .filter(|n| crate::check::similar_name(&spec.fixture, n))
                    .collect();
                names.sort();
                let mut help = (!names.is_empty()).then(|| {
                    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                    format!("similar fixtures: {}", list.join(", "))
                });
                let from_plugin = index.registrations(&spec.fixture).iter().find_map(|&id| {
                    match index.fixtures[id].origin {
                        crate::index::Origin::Code(c) if index.modules()[c.module].environment => {
                            Some(index.modules()[c.module].rel.clone())
                        }
                        _ => None,
                    }
                });
                if let Some(path) = from_plugin {
                    help = Some(format!(
                        "`{}` is defined by an installed plugin ({path}), which fixmig does not edit; define `{}` in a conftest (an [[alias]]) and rename the requests to it",
                        spec.fixture, spec.to
                    ));
                }
                return Err(PlanError::invalid(
                    Field::Fixture,
                    format!(
                        "no fixture named `{}` is defined in the project",
                        spec.fixture
                    ),
                    help,
                ));
            }
        }
    }
    Ok(family)
}
