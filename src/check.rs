//! `fixmig check`: turns resolutions into diagnostics — missing fixtures (FM001), scope
//! mismatches (FM002), recursive dependencies (FM003), conditional visibility (FM101),
//! `getfixturevalue` of unknown names (FM102) and unreadable files (FM9xx).

use foldhash::{HashSet, HashSetExt};

use serde::{Deserialize, Serialize};

use crate::index::{FixtureId, FixtureScope, Index, Origin, Request};
use crate::resolve::{ItemResolution, Resolved, SetupError};

mod explain_missing;
mod hook_params;

pub use explain_missing::similar as similar_name;

pub use explain_missing::explain as explain_missing;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub path: String,
    pub line: usize,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub fixture: Option<String>,
    pub test: Option<String>,
    pub related: Vec<Related>,
}

/// A [`Diagnostic`] read back (a stored run, [`crate::replay`]): its code must be one of
/// [`crate::formats::CODES`].
#[derive(Deserialize)]
struct StoredDiagnostic {
    code: String,
    severity: Severity,
    message: String,
    help: Option<String>,
    path: String,
    line: usize,
    column: usize,
    fixture: Option<String>,
    test: Option<String>,
    related: Vec<Related>,
}

impl<'de> Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Diagnostic, D::Error> {
        let d = StoredDiagnostic::deserialize(de)?;
        let code = crate::formats::CODES
            .iter()
            .find(|c| c.code == d.code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown code {}", d.code)))?
            .code;
        Ok(Diagnostic {
            code,
            severity: d.severity,
            message: d.message,
            help: d.help,
            path: d.path,
            line: d.line,
            column: d.column,
            fixture: d.fixture,
            test: d.test,
            related: d.related,
        })
    }
}

/// Where a fixture's parameter `name` is written, else the fixture's `def` line.
fn fixture_param_location(index: &Index, fixture: FixtureId, name: &str) -> (String, usize, usize) {
    let Origin::Code(code) = index.fixtures[fixture].origin else {
        return (String::new(), 1, 1);
    };
    let path = index.modules()[code.module].rel.clone();
    let func = index.fixture_def(fixture).map(|f| &f.function);
    let param = func.and_then(|f| f.params.iter().find(|p| p.name.text == name));
    // Not a parameter: a `request.getfixturevalue("name")` in the body.
    let dynamic = func.and_then(|f| f.getfixturevalue.iter().find(|g| g.text == name));
    match param.map(|p| &p.name).or(dynamic) {
        Some(l) => (path, l.span.line(), l.span.column()),
        None => (path, func.map_or(1, |f| f.name.span.line()), 1),
    }
}

/// `path:line` of a fixture registration, for messages.
pub fn fixture_location(index: &Index, id: FixtureId) -> Option<(String, usize)> {
    match index.fixtures[id].origin {
        Origin::Code(code) => {
            let f = index.fixture_def(id)?;
            Some((
                index.modules()[code.module].rel.clone(),
                f.function.first_line,
            ))
        }
        Origin::Builtin(_) | Origin::Synthetic(_) => None,
    }
}

fn scope_text(index: &Index, id: FixtureId) -> &'static str {
    match index.fixtures[id].scope {
        FixtureScope::Known(s) => s.as_str(),
        FixtureScope::Dynamic => "dynamic",
    }
}

fn request_location(index: &Index, request: &Request) -> (String, usize, usize) {
    let path = index.modules()[request.module].rel.clone();
    match request.span {
        Some(span) => (path, span.line(), span.column()),
        None => (path, 1, 1),
    }
}

/// Runs every check over the resolved items.
pub fn check(index: &mut Index, resolutions: &[ItemResolution]) -> Vec<Diagnostic> {
    let mut checker = Checker::default();
    for (item, res) in index.tests.iter().zip(resolutions) {
        checker.observe(index, item, res);
    }
    checker.finish(index)
}

/// A missing fixture met while observing: (name, path, line, column, test, the test's
/// collector).
type Missing = (
    String,
    String,
    usize,
    usize,
    Option<String>,
    crate::index::NodeId,
);

/// The checks, fed one resolved item at a time ([`Checker::observe`]) so that a caller can
/// resolve the suite in chunks and drop each chunk's resolutions, then [`Checker::finish`]ed:
/// what [`check`] returns for the same items in the same order.
#[derive(Default)]
pub struct Checker {
    out: Vec<Diagnostic>,
    seen_fixture_sites: HashSet<(FixtureId, String, &'static str)>,
    missing: Vec<Missing>,
    /// FM104 for requests of fixtures: (requester, name, name a hook may parametrize, hook).
    maybe_in_fixtures: Vec<(FixtureId, String, String, crate::resolve::hooks::HookSite)>,
    /// Every definition some item resolves a name to (for FM101).
    used: HashSet<FixtureId>,
    /// FM102, and the places already reported.
    getfixturevalue: Vec<Diagnostic>,
    getfixturevalue_seen: HashSet<(String, usize, usize)>,
}

impl Checker {
    /// Checks one resolved item.
    pub fn observe(&mut self, index: &Index, item: &crate::index::TestItem, res: &ItemResolution) {
        let out = &mut self.out;
        let seen_fixture_sites = &mut self.seen_fixture_sites;
        let missing = &mut self.missing;
        let maybe_in_fixtures = &mut self.maybe_in_fixtures;
        self.used
            .extend(res.resolved.values().flat_map(|r| match r {
                Resolved::Defs(defs) => defs.as_slice(),
                _ => &[],
            }));
        getfixturevalue(
            index,
            item,
            res,
            &mut self.getfixturevalue_seen,
            &mut self.getfixturevalue,
        );
        // Requests written on the test itself.
        for request in item.argnames.iter().chain(item.usefixtures.iter()) {
            if matches!(res.get(&request.name), Resolved::Unresolved) {
                let (path, line, column) = request_location(index, request);
                if let Some(hook) = res.hook_params.maybe_site(&request.name) {
                    let at = hook_params::Site {
                        path,
                        line,
                        column,
                        test: Some(item.nodeid.clone()),
                    };
                    let name = &request.name;
                    out.push(hook_params::maybe_parametrized(index, name, name, at, hook));
                    continue;
                }
                missing.push((
                    request.name.clone(),
                    path,
                    line,
                    column,
                    Some(item.nodeid.clone()),
                    item.parent,
                ));
            }
        }
        for m in &res.maybe_missing {
            let hook = res.hook_params.maybe_site(&m.shadowed);
            if let (Some(fid), Some(hook)) = (m.by, hook) {
                maybe_in_fixtures.push((fid, m.name.clone(), m.shadowed.clone(), hook.clone()));
            }
        }
        for error in &res.errors {
            match error {
                SetupError::NotFound {
                    name,
                    by: Some(fid),
                } => {
                    if seen_fixture_sites.insert((*fid, name.clone(), "FM001")) {
                        let (path, line, column) = fixture_param_location(index, *fid, name);
                        missing.push((name.clone(), path, line, column, None, item.parent));
                    }
                }
                SetupError::NotFound { by: None, .. } => {}
                SetupError::Recursive { name, by } => {
                    let key = (by.unwrap_or(usize::MAX), name.clone(), "FM003");
                    if !seen_fixture_sites.insert(key) {
                        continue;
                    }
                    let (path, line, column) = match by {
                        Some(fid) => fixture_param_location(index, *fid, name),
                        None => item
                            .argnames
                            .iter()
                            .find(|r| &r.name == name)
                            .map(|r| request_location(index, r))
                            .unwrap_or_else(|| {
                                (index.modules()[item.code.module].rel.clone(), 1, 1)
                            }),
                    };
                    let chain: Vec<Related> = match res.get(name) {
                        Resolved::Defs(defs) => defs
                            .iter()
                            .filter_map(|d| fixture_location(index, *d))
                            .map(|(path, line)| Related {
                                path,
                                line,
                                note: format!("definition of `{name}`"),
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    out.push(Diagnostic {
                        code: "FM003",
                        severity: Severity::Error,
                        message: format!("recursive dependency involving fixture '{name}' detected"),
                        help: Some(format!(
                            "`{name}` requests itself (directly or through other fixtures) and no outer definition is left to provide it; break the cycle or define `{name}` further out"
                        )),
                        path,
                        line,
                        column,
                        fixture: Some(name.clone()),
                        test: by.is_none().then(|| item.nodeid.clone()),
                        related: chain,
                    });
                }
                SetupError::ScopeMismatch {
                    name,
                    requester,
                    requested,
                } => {
                    if !seen_fixture_sites.insert((*requester, name.clone(), "FM002")) {
                        continue;
                    }
                    let (path, line, column) = fixture_param_location(index, *requester, name);
                    let requester_name = index.fixtures[*requester].name;
                    let mut related = Vec::new();
                    if let Some((p, l)) = fixture_location(index, *requester) {
                        related.push(Related {
                            path: p,
                            line: l,
                            note: format!(
                                "`{requester_name}` ({} scope) requests it",
                                scope_text(index, *requester)
                            ),
                        });
                    }
                    if let Some((p, l)) = fixture_location(index, *requested) {
                        related.push(Related {
                            path: p,
                            line: l,
                            note: format!(
                                "`{name}` is defined with {} scope",
                                scope_text(index, *requested)
                            ),
                        });
                    }
                    out.push(Diagnostic {
                        code: "FM002",
                        severity: Severity::Error,
                        message: format!(
                            "ScopeMismatch: You tried to access the {} scoped fixture {name} with a {} scoped request object",
                            scope_text(index, *requested),
                            scope_text(index, *requester)
                        ),
                        help: Some(format!(
                            "a {}-scoped fixture cannot use a {}-scoped one: widen the scope of `{name}` or narrow the scope of `{requester_name}`",
                            scope_text(index, *requester),
                            scope_text(index, *requested)
                        )),
                        path,
                        line,
                        column,
                        fixture: Some(name.clone()),
                        test: None,
                        related,
                    });
                }
            }
        }
    }

    /// Whether [`Checker::finish`] will look up definitions in any module (where a fixture is
    /// defined, what imports what): a streaming check reads back the test modules' facts it
    /// dropped first.
    pub fn explains_definitions(&self, index: &Index) -> bool {
        !self.missing.is_empty()
            || !self.maybe_in_fixtures.is_empty()
            || self
                .used
                .iter()
                .any(|&id| index.fixtures[id].uncertain.is_some())
    }

    /// The diagnostics of every item observed, and of the index itself (FM101, FM103, the
    /// problems met reading the project), sorted.
    pub fn finish(self, index: &mut Index) -> Vec<Diagnostic> {
        let Checker {
            mut out,
            mut seen_fixture_sites,
            missing,
            maybe_in_fixtures,
            used,
            getfixturevalue,
            ..
        } = self;
        for (fid, name, shadowed, hook) in maybe_in_fixtures {
            // Missing for certain for another test: FM001 says it.
            if seen_fixture_sites.contains(&(fid, name.clone(), "FM001"))
                || !seen_fixture_sites.insert((fid, name.clone(), "FM104"))
            {
                continue;
            }
            let (path, line, column) = fixture_param_location(index, fid, &name);
            let at = hook_params::Site {
                path,
                line,
                column,
                test: None,
            };
            out.push(hook_params::maybe_parametrized(
                index, &name, &shadowed, at, &hook,
            ));
        }
        for (name, path, line, column, test, node) in missing {
            let (help, related) = explain_missing::explain(index, &name, node);
            out.push(Diagnostic {
                code: "FM001",
                severity: Severity::Error,
                message: format!("fixture '{name}' not found"),
                help,
                path,
                line,
                column,
                fixture: Some(name),
                test,
                related,
            });
        }
        conditional_fixtures(index, used, &mut out);
        identical_copies(index, &mut out);
        out.extend(getfixturevalue);
        for p in &index.problems {
            out.push(Diagnostic {
                code: p.code,
                severity: Severity::Warning,
                message: p.message.clone(),
                help: None,
                path: p.path.clone(),
                line: p.line,
                column: p.column,
                fixture: None,
                test: None,
                related: Vec::new(),
            });
        }
        out.sort_by(|a, b| {
            (&a.path, a.line, a.column, a.code, &a.test)
                .cmp(&(&b.path, b.line, b.column, b.code, &b.test))
        });
        out.dedup();
        out
    }
}

/// FM101: fixtures that tests resolve to whose existence depends on a runtime condition.
fn conditional_fixtures(index: &Index, used: HashSet<FixtureId>, out: &mut Vec<Diagnostic>) {
    let mut used: Vec<FixtureId> = used.into_iter().collect();
    used.sort_unstable();
    let mut seen = HashSet::new();
    for id in used {
        let fixture = &index.fixtures[id];
        let Some(u) = &fixture.uncertain else {
            continue;
        };
        if !seen.insert((fixture.name, u.path.clone(), u.line)) {
            continue;
        }
        let holder = fixture
            .holder
            .map(|h| index.modules()[h].rel.clone())
            .unwrap_or_default();
        let mut related = Vec::new();
        if let Some((path, line)) = fixture_location(index, id) {
            related.push(Related {
                path,
                line,
                note: format!("`{}` is defined here", fixture.name),
            });
        }
        out.push(Diagnostic {
            code: "FM101",
            severity: Severity::Warning,
            message: format!(
                "fixture `{}` is visible in {holder} only if {}, which is decided at run time",
                fixture.name, u.condition
            ),
            help: Some("fixmig resolves as if the condition holds; make the definition unconditional, or move it to a conftest.py that is always loaded".to_string()),
            path: u.path.clone(),
            line: u.line,
            column: 1,
            fixture: Some(fixture.name.to_string()),
            test: None,
            related,
        });
    }
}

/// FM103: the same fixture code defined in several conftests (a `[[hoist]]` candidate).
fn identical_copies(index: &Index, out: &mut Vec<Diagnostic>) {
    for (name, ids) in crate::plan::identical_conftest_fixtures(index) {
        let places: Vec<(String, usize)> = ids
            .iter()
            .filter_map(|id| fixture_location(index, *id))
            .collect();
        let Some((path, line)) = places.first().cloned() else {
            continue;
        };
        out.push(Diagnostic {
            code: "FM103",
            severity: Severity::Info,
            message: format!(
                "fixture `{name}` is defined with the same code in {} conftests",
                places.len()
            ),
            help: Some(
                "`fixmig suggest` writes the `[[hoist]]` rule that keeps one definition higher up"
                    .to_string(),
            ),
            path,
            line,
            column: 1,
            fixture: Some(name.clone()),
            test: None,
            related: places[1..]
                .iter()
                .map(|(p, l)| Related {
                    path: p.clone(),
                    line: *l,
                    note: format!("same `{name}` here"),
                })
                .collect(),
        });
    }
}

/// FM102: `request.getfixturevalue("name")` of a name visible nowhere from the test.
fn getfixturevalue(
    index: &Index,
    item: &crate::index::TestItem,
    res: &ItemResolution,
    seen: &mut HashSet<(String, usize, usize)>,
    out: &mut Vec<Diagnostic>,
) {
    {
        for request in &item.getfixturevalue {
            // Parametrized directly (a mark, or a `pytest_generate_tests` hook): pytest's
            // `getfixturevalue` finds the parameter.
            if request.name == crate::builtins::REQUEST
                || item.direct_params.contains(&request.name)
                || res.hook_params.direct.contains(&request.name)
            {
                continue;
            }
            if !index.visible(&request.name, item.parent).is_empty() {
                continue;
            }
            let (path, line, column) = request_location(index, request);
            if !seen.insert((path.clone(), line, column)) {
                continue;
            }
            out.push(Diagnostic {
                code: "FM102",
                severity: Severity::Warning,
                message: format!(
                    "`getfixturevalue(\"{}\")` names a fixture that is not visible here",
                    request.name
                ),
                help: Some("pytest will raise `fixture not found` when this line runs".to_string()),
                path,
                line,
                column,
                fixture: Some(request.name.clone()),
                test: Some(item.nodeid.clone()),
                related: Vec::new(),
            });
        }
    }
}
