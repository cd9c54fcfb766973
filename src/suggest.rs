//! `fixmig suggest`: reads the suite and writes the rule file a user would review and pass to
//! `migrate` — an `[[alias]]` for each missing fixture with a close match visible where it is
//! requested, a `[[hoist]]` for each fixture defined identically in several conftests, and
//! (with `--moves`) a `[[move]]` for a conftest fixture only one subdirectory uses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::index::{FixtureId, Index, NodeKind};
use crate::resolve::Resolved;
use crate::Analysis;

/// How alike two fixture names are: the share of `wanted`'s words (split on `_`) that `other`
/// has, then Jaro-Winkler as a tie-breaker.
fn closeness(wanted: &str, other: &str) -> (f64, f64) {
    let words = |s: &str| -> BTreeSet<String> {
        s.split('_')
            .filter(|w| w.len() >= 2)
            .map(str::to_lowercase)
            .collect()
    };
    let a = words(wanted);
    let b = words(other);
    let shared = a.intersection(&b).filter(|w| w.len() >= 3).count();
    let share = if a.is_empty() {
        0.0
    } else {
        shared as f64 / a.len() as f64
    };
    (share, strsim::jaro_winkler(wanted, other))
}

fn dir_of(nodeid: &str) -> &str {
    let file = nodeid.split("::").next().unwrap_or(nodeid);
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

fn common_dir<'a>(dirs: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for d in dirs {
        let parts: Vec<&str> = d.split('/').filter(|p| !p.is_empty()).collect();
        common = Some(match common {
            None => parts,
            Some(c) => c
                .iter()
                .zip(&parts)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common.unwrap_or_default().join("/")
}

fn conftest_in(dir: &str) -> String {
    if dir.is_empty() {
        "conftest.py".to_string()
    } else {
        format!("{dir}/conftest.py")
    }
}

/// Fixtures visible to a conftest in `dir`: session and directory nodes down to `dir`.
fn visible_from_dir(index: &Index, dir: &str) -> Vec<FixtureId> {
    index
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| {
            *i == 0
                || n.kind == NodeKind::Dir
                    && (dir == n.nodeid || dir.starts_with(&format!("{}/", n.nodeid)))
        })
        .flat_map(|(_, n)| n.fixtures.iter().copied())
        .collect()
}

/// The rule file, as TOML text with a comment per rule.
pub fn suggest(analysis: &mut Analysis, moves: bool) -> String {
    let mut out = String::from(
        "# Rules suggested by `fixmig suggest`: review each one, then\n#   fixmig migrate --rules THIS_FILE [--write]\nversion = 1\n",
    );
    let index = &analysis.index;

    // Missing fixtures, with the tests that request them.
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (item, res) in index.tests.iter().zip(&analysis.resolutions) {
        for name in &res.names {
            if matches!(res.get(name), Resolved::Unresolved) {
                missing
                    .entry(name.clone())
                    .or_default()
                    .push(item.nodeid.clone());
            }
        }
    }
    for (name, tests) in &missing {
        let dir = common_dir(tests.iter().map(|t| dir_of(t)));
        let mut best: Option<((f64, f64), String)> = None;
        for id in visible_from_dir(index, &dir) {
            let candidate = &index.fixtures[id].name;
            let score = closeness(name, candidate);
            if score.0 >= 0.5 && best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, candidate.to_string()));
            }
        }
        let Some((_, target)) = best else { continue };
        let conftest = conftest_in(&dir);
        let where_ = if dir.is_empty() {
            "the project".to_string()
        } else {
            format!("{dir}/")
        };
        let _ = write!(
            out,
            "\n# `{name}` is requested by {} test{} under {where_} and defined nowhere they can see it;\n# `{target}` is the closest fixture visible there. Check that it is the same thing.\n[[alias]]\nname = \"{name}\"\ntarget = \"{target}\"\nconftest = \"{conftest}\"\ndeprecated = \"request {target}\"\n",
            tests.len(),
            if tests.len() == 1 { "" } else { "s" }
        );
    }

    // Identical copies in several conftests.
    for (name, ids) in crate::plan::identical_conftest_fixtures(index) {
        let places: Vec<String> = ids
            .iter()
            .filter_map(|id| {
                index.fixtures[*id]
                    .holder
                    .map(|h| index.modules()[h].rel.clone())
            })
            .collect();
        let dirs: Vec<&str> = places
            .iter()
            .map(|p| p.rsplit_once('/').map_or("", |(d, _)| d))
            .collect();
        let into = conftest_in(&common_dir(dirs.into_iter()));
        let _ = write!(
            out,
            "\n# `{name}` is defined with the same code in {}.\n[[hoist]]\nfixture = \"{name}\"\ninto = \"{into}\"\n",
            places.join(", ")
        );
    }

    if moves {
        for (id, fixture) in index.fixtures.iter().enumerate() {
            let Some(holder) = fixture.holder else {
                continue;
            };
            let module = &index.modules()[holder];
            if module.role != crate::index::ModuleRole::Conftest
                || index.nodes[fixture.node].kind != NodeKind::Dir
            {
                continue;
            }
            let dir = module
                .rel
                .rsplit_once('/')
                .map_or("", |(d, _)| d)
                .to_string();
            let users: BTreeSet<String> = index
                .tests
                .iter()
                .zip(&analysis.resolutions)
                .filter(
                    |(_, r)| matches!(r.get(&fixture.name), Resolved::Defs(d) if d.contains(&id)),
                )
                .map(|(t, _)| dir_of(&t.nodeid).to_string())
                .collect();
            if users.is_empty() {
                continue;
            }
            let common = common_dir(users.iter().map(String::as_str));
            if common.len() > dir.len() && common.starts_with(&dir) {
                let _ = write!(
                    out,
                    "\n# `{}` in {} is used only by tests under {common}/.\n[[move]]\nfixture = \"{}\"\nfrom = \"{}\"\nto = \"{}\"\n",
                    fixture.name,
                    module.rel,
                    fixture.name,
                    module.rel,
                    conftest_in(&common)
                );
            }
        }
    }
    out
}
