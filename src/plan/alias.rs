//! `[[alias]]`: provide a fixture under another name in a given conftest, returning the target
//! fixture (requested, so no second instance is created), optionally with a DeprecationWarning.

use std::path::Path;

use crate::discover::Project;
use crate::index::{FixtureScope, Index, NodeId, NodeKind};
use crate::resolve::Resolved;
use crate::Analysis;

use super::source::{self, AliasText};
use super::{Field, PlanError, Planned, TextEdit};

#[derive(Debug, Clone)]
pub struct AliasSpec {
    pub name: String,
    pub target: String,
    /// Relative to the rootdir, `/`-separated, ending in `conftest.py`.
    pub conftest: String,
    pub deprecated: Option<String>,
}

/// The nodes whose fixtures a conftest in `rel_dir` sees: the session and every directory node
/// from the rootdir down to `rel_dir`.
fn directory_chain(index: &Index, rel_dir: &str) -> Vec<NodeId> {
    let mut nodes: Vec<(usize, NodeId)> = index
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.kind == NodeKind::Dir
                && (rel_dir == n.nodeid || rel_dir.starts_with(&format!("{}/", n.nodeid)))
        })
        .map(|(i, n)| (n.nodeid.matches('/').count(), i))
        .collect();
    nodes.sort();
    std::iter::once(0)
        .chain(nodes.into_iter().map(|(_, i)| i))
        .collect()
}

pub fn plan_alias(
    analysis: &mut Analysis,
    project: &Project,
    spec: &AliasSpec,
) -> Result<Planned, PlanError> {
    let index = &analysis.index;
    let path = project.rootdir.join(&spec.conftest);
    let rel_dir = spec
        .conftest
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string());
    let chain = directory_chain(index, &rel_dir);
    let visible = |name: &str| -> Vec<usize> {
        chain
            .iter()
            .flat_map(|n| index.nodes[*n].fixtures.iter().copied())
            .filter(|f| index.fixtures[*f].name == name)
            .collect()
    };
    let Some(&target) = visible(&spec.target).last() else {
        let mut close: Vec<String> = chain
            .iter()
            .flat_map(|n| index.nodes[*n].fixtures.iter())
            .map(|f| index.fixtures[*f].name.to_string())
            .filter(|n| crate::check::similar_name(&spec.target, n))
            .collect();
        close.sort();
        close.dedup();
        let help = if close.is_empty() {
            format!(
                "define `{}` in {} or a conftest above it",
                spec.target, spec.conftest
            )
        } else {
            format!(
                "fixtures with a similar name visible there: {}",
                close
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(PlanError::invalid(
            Field::Target,
            format!("`{}` is not visible from {}", spec.target, spec.conftest),
            Some(help),
        ));
    };
    // Defined in that very conftest already?
    let conftest_module = index.loader.module_id(&path);
    if let Some(m) = conftest_module {
        let existing: Vec<&crate::index::Fixture> = index
            .fixtures
            .iter()
            .filter(|f| f.holder == Some(m) && f.name == spec.name)
            .collect();
        // Already applied: the alias is there, standing for the target.
        if existing.len() == 1 && existing[0].argnames == [spec.target.clone()] {
            return Ok(Planned::default());
        }
        if !existing.is_empty() {
            return Err(PlanError::invalid(
                Field::Name,
                format!(
                    "{} already defines a fixture named `{}`",
                    spec.conftest, spec.name
                ),
                Some("remove the rule, or pick another name".to_string()),
            ));
        }
    }
    // Tests under that directory that resolve the name today would be redirected.
    let prefix = if rel_dir.is_empty() {
        String::new()
    } else {
        format!("{rel_dir}/")
    };
    let redirected: Vec<String> = index
        .tests
        .iter()
        .zip(&analysis.resolutions)
        .filter(|(t, _)| t.nodeid.starts_with(&prefix))
        .filter(|(_, r)| matches!(r.get(&spec.name), Resolved::Defs(_)))
        .map(|(t, _)| t.nodeid.clone())
        .collect();
    if !redirected.is_empty() {
        let mut reasons: Vec<String> = redirected
            .iter()
            .take(10)
            .map(|t| {
                format!(
                    "{t} resolves `{}` to an existing definition today",
                    spec.name
                )
            })
            .collect();
        if redirected.len() > 10 {
            reasons.push(format!("... and {} more tests", redirected.len() - 10));
        }
        return Err(PlanError::Refused {
            message: format!(
                "an alias `{}` in {} would override the `{}` these tests use now",
                spec.name, spec.conftest, spec.name
            ),
            reasons,
        });
    }
    let scope = match index.fixtures[target].scope {
        FixtureScope::Known(crate::index::Scope::Function) | FixtureScope::Dynamic => None,
        FixtureScope::Known(s) => Some(source::python_string(s.as_str())),
    };
    let function = format!("_{}_alias", spec.name);
    let mut planned = Planned::default();
    match conftest_module.filter(|_| path.is_file()) {
        Some(m) => {
            let facts = index.modules()[m].facts.clone().unwrap_or_default();
            let src = index.loader.read(&path).unwrap_or_default();
            let eol = source::line_ending(&src);
            let pytest = source::module_alias(&facts, "pytest");
            let text = AliasText {
                name: &spec.name,
                target: &spec.target,
                function: &function,
                scope: scope.as_deref(),
                warning: spec.deprecated.as_deref(),
                pytest: pytest.as_deref().unwrap_or("pytest"),
                indent: "",
                eol,
            }
            .render();
            let mut tail = String::new();
            if !src.is_empty() && !src.ends_with(b"\n") {
                tail.push_str(eol);
            }
            if !src.is_empty() {
                tail.push_str(eol);
                tail.push_str(eol);
            }
            tail.push_str(&text);
            planned.edits.push(TextEdit {
                path: path.clone(),
                start: src.len(),
                end: src.len(),
                content: tail,
            });
            let mut imports = String::new();
            if spec.deprecated.is_some() && source::module_alias(&facts, "warnings").is_none() {
                imports.push_str(&format!("import warnings{eol}"));
            }
            if pytest.is_none() {
                imports.push_str(&format!("import pytest{eol}"));
            }
            if !imports.is_empty() {
                let at = source::import_insertion_point(&src, &facts);
                planned.edits.push(TextEdit {
                    path,
                    start: at,
                    end: at,
                    content: imports,
                });
            }
        }
        None => {
            if path.exists() {
                return Err(PlanError::invalid(
                    Field::Conftest,
                    format!(
                        "{} exists but is not a conftest pytest would load here",
                        spec.conftest
                    ),
                    Some(
                        "check `norecursedirs`/`testpaths`: pytest never collects that directory"
                            .to_string(),
                    ),
                ));
            }
            let text = AliasText {
                name: &spec.name,
                target: &spec.target,
                function: &function,
                scope: scope.as_deref(),
                warning: spec.deprecated.as_deref(),
                pytest: "pytest",
                indent: "",
                eol: "\n",
            }
            .render();
            let warnings = if spec.deprecated.is_some() {
                "import warnings\n\n"
            } else {
                ""
            };
            let dir = if rel_dir.is_empty() {
                "the project".to_string()
            } else {
                format!("{rel_dir}/")
            };
            let content = format!(
                "\"\"\"Fixtures for the tests under {dir} (aliases added by fixmig).\"\"\"\n\n{warnings}import pytest\n\n\n{text}"
            );
            planned.creates.push((path, content.into_bytes()));
        }
    }
    let _ = Path::new("");
    Ok(planned)
}
