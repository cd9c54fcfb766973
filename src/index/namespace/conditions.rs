//! Conditional bindings: whether Python's outcome of an `if`/`try` around a binding is knowable
//! here (a literal flag, `sys.version_info`, an import that certainly fails or succeeds), and
//! how a condition is described in explanations.

use super::*;

impl Loader {
    /// A module-level flag's literal truth, when Python's outcome is decidable: bound exactly
    /// once, to a literal, never through `global`.
    pub(super) fn flag(&self, module: ModuleId, name: &str) -> Option<bool> {
        let facts = self.facts(module)?;
        if facts.global_names.iter().any(|g| g == name) {
            return None;
        }
        let mut bindings = facts.bindings.iter().filter(|b| b.name == name);
        let first = bindings.next()?;
        if bindings.next().is_some() {
            return None;
        }
        match first.kind {
            BindingKind::Value { literal } => literal,
            _ => None,
        }
    }

    pub(super) fn outcome(&self, module: ModuleId, cond: &Condition) -> Outcome {
        match cond {
            Condition::Static { taken: true, .. } => Outcome::Taken,
            Condition::Static { taken: false, .. } => Outcome::NotTaken,
            Condition::Flag {
                name,
                negated,
                text,
                ..
            } => match self.flag(module, name) {
                Some(v) if v != *negated => Outcome::Taken,
                Some(_) => Outcome::NotTaken,
                None => Outcome::Uncertain(format!("`{text}` is true")),
            },
            Condition::TryBody { imports, .. } => {
                if self.all_resolve(module, imports) {
                    Outcome::Taken
                } else if self.any_missing(module, imports) {
                    Outcome::NotTaken
                } else {
                    Outcome::Uncertain(format!(
                        "the import of `{}` succeeds",
                        imports_text(imports)
                    ))
                }
            }
            Condition::TryHandler { imports, .. } => {
                if self.all_resolve(module, imports) {
                    Outcome::NotTaken
                } else if self.any_missing(module, imports) {
                    Outcome::Taken
                } else {
                    Outcome::Uncertain(format!("the import of `{}` failing", imports_text(imports)))
                }
            }
            Condition::Unknown { text, .. } => Outcome::Uncertain(format!("`{text}` holds")),
        }
    }

    pub(super) fn all_resolve(&self, module: ModuleId, imports: &[ImportTarget]) -> bool {
        imports.iter().all(|t| {
            self.resolve_import(module, t).is_some()
                || (t.level == 0 && self.importable_from_environment(module, &t.module))
        })
    }

    /// Does one of these imports certainly raise ImportError: an absolute import whose
    /// top-level name neither the project nor the known Python environment has (not
    /// installed, not standard library, not builtin)? Without an environment nothing is certain.
    pub(super) fn any_missing(&self, module: ModuleId, imports: &[ImportTarget]) -> bool {
        let Some(env) = &self.environment else {
            return false;
        };
        let own = basedir(&self.modules[module].path);
        imports.iter().any(|t| {
            t.level == 0
                && !self.project_has_top_level(&own, &t.module)
                && !env.has_top_level(&t.module)
        })
    }

    /// An import no source file answers that the environment still satisfies: the standard
    /// library, builtin and compiled modules (unless the project has that top-level name).
    pub(super) fn importable_from_environment(&self, module: ModuleId, dotted: &str) -> bool {
        let Some(env) = &self.environment else {
            return false;
        };
        let own = basedir(&self.modules[module].path);
        (self.modules[module].environment || !self.project_has_top_level(&own, dotted))
            && env.has_top_level(dotted)
    }

    /// Applies a binding's conditions: `None` when it never runs, else its uncertainty.
    pub(super) fn decide(
        &self,
        module: ModuleId,
        conds: &[Condition],
    ) -> Option<Option<Uncertainty>> {
        let mut uncertain = None;
        for cond in conds {
            match self.outcome(module, cond) {
                Outcome::Taken => {}
                Outcome::NotTaken => return None,
                Outcome::Uncertain(why) => {
                    uncertain.get_or_insert(Uncertainty {
                        path: self.modules[module].rel.clone(),
                        line: cond.line(),
                        condition: why,
                    });
                }
            }
        }
        Some(uncertain)
    }

    /// Why a conditional binding does not run (for FM001's explanation), if it does not.
    pub fn never_runs(&self, module: ModuleId, conds: &[Condition]) -> Option<(usize, String)> {
        conds.iter().find_map(|c| match self.outcome(module, c) {
            Outcome::NotTaken => Some((c.line(), describe(c))),
            _ => None,
        })
    }
}

pub(super) fn imports_text(imports: &[ImportTarget]) -> String {
    imports
        .iter()
        .map(|t| format!("{}{}", ".".repeat(t.level), t.module))
        .collect::<Vec<_>>()
        .join("`, `")
}

/// A condition in words, for explanations.
pub fn describe(cond: &Condition) -> String {
    match cond {
        Condition::Static { text, .. } => format!("`{text}` is never true"),
        Condition::Flag { name, negated, .. } => {
            if *negated {
                format!("runs only when `{name}` is false")
            } else {
                format!("runs only when `{name}` is true")
            }
        }
        Condition::TryBody { imports, .. } => {
            format!("runs only when `{}` imports", imports_text(imports))
        }
        Condition::TryHandler { imports, .. } => {
            format!("runs only when `{}` fails to import", imports_text(imports))
        }
        Condition::Unknown { text, .. } => format!("runs only when `{text}`"),
    }
}
