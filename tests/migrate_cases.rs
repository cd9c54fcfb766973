//! `fixmig migrate` on every case under `tests/migrations/<case>/` (a `project/`, its
//! `rules.toml`, and `expect.txt` = applied | refused | invalid; applied when absent).
//!
//! For each case: the dry-run output is an insta snapshot, and equal to the output with
//! `--full-analysis` (every test module collected); refused and invalid rules write
//! nothing; applied ones are written, re-run to prove idempotence, and real pytest runs before
//! and after: the same tests, the same setup outcomes (or fewer errors for aliases), and the
//! same resolution per test with the fixture's name changed.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn snapshot_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                if p.file_name()
                    .is_some_and(|n| n == "__pycache__" || n == ".pytest_cache")
                {
                    continue;
                }
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// (name, kind, path, scope, function) per fixture of each test; names of renamed entries
/// mapped; paths left out when `with_paths` is false (consolidation moves code between files).
fn resolution(
    doc: &Value,
    rename: Option<(&str, &str, Option<&str>)>,
    with_paths: bool,
) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let mut out = BTreeMap::new();
    for test in doc["tests"].as_array().unwrap() {
        let fixtures = test["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let mut name = f["name"].as_str().unwrap().to_string();
                if let Some((old, to, defined_in)) = rename {
                    let in_family = defined_in.is_none_or(|d| f["path"].as_str() == Some(d));
                    if name == old && f["kind"] == "fixture" && in_family {
                        name = to.to_string();
                    }
                }
                // Renames change the path-independent parts (the function name); consolidation
                // changes the path but keeps the function.
                let place = if with_paths {
                    f["path"].to_string()
                } else {
                    f["function"].to_string()
                };
                format!("{name} {} {place} {}", f["kind"], f["scope"])
            })
            .collect();
        let errors = test["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["code"], e["fixture"]))
            .collect();
        out.insert(
            test["nodeid"].as_str().unwrap().to_string(),
            (fixtures, errors),
        );
    }
    out
}

/// How every item ended under pytest (`outcomes` of the oracle: passed, failed, error or
/// skipped, with the name of a fixture lookup that failed). With `rename`, the old name in a
/// parametrized id (`test_info[float_frame]`: a renamed parametrize value) is mapped.
fn outcomes(doc: &Value, rename: Option<(&str, &str)>) -> BTreeMap<String, String> {
    doc["outcomes"]
        .as_object()
        .expect("the oracle records outcomes")
        .iter()
        .map(|(nodeid, outcome)| {
            let nodeid = match (rename, nodeid.split_once('[')) {
                (Some((old, to)), Some((test, id))) => format!("{test}[{}", id.replace(old, to)),
                _ => nodeid.clone(),
            };
            (nodeid, outcome.as_str().unwrap().to_string())
        })
        .collect()
}

fn normalize(text: &str, tmp: &Path) -> String {
    let manifest = env!("CARGO_MANIFEST_DIR");
    text.replace(&tmp.to_string_lossy().to_string(), "<tmp>")
        .replace(manifest, "<repo>")
}

#[test]
fn every_migration_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/migrations");
    let mut names: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "only {} migration cases", names.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
    for name in names {
        let case = root.join(&name);
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("project");
        support::copy_tree(&case.join("project"), &project);
        let rules = case.join("rules.toml");
        let expect =
            fs::read_to_string(case.join("expect.txt")).unwrap_or_else(|_| "applied".into());
        let expect = expect.trim();
        let rule_doc: toml::Value = toml::from_str(&fs::read_to_string(&rules).unwrap()).unwrap();
        let rename = rule_doc
            .get("rename")
            .and_then(|r| r.as_array())
            .and_then(|r| r.first())
            .map(|r| {
                (
                    r["fixture"].as_str().unwrap().to_string(),
                    r["to"].as_str().unwrap().to_string(),
                    r.get("defined_in")
                        .and_then(|d| d.as_str())
                        .map(str::to_string),
                )
            });
        let keep_alias = rule_doc
            .get("rename")
            .and_then(|r| r.as_array())
            .is_some_and(|r| r.iter().any(|x| x.get("keep_alias") == Some(&true.into())));
        // A rename that keeps no alias must leave nothing that warns about a deprecated name.
        let pytest_args: &[&str] = if rename.is_some() && !keep_alias {
            &["-W", "error::DeprecationWarning"]
        } else {
            &[]
        };
        let before_tree = snapshot_tree(&project);
        let before = (expect == "applied").then(|| support::run_oracle_args(&project, pytest_args));
        let args = [
            "migrate",
            "--color",
            "never",
            "--rules",
            rules.to_str().unwrap(),
            project.to_str().unwrap(),
        ];
        let (code, out, err) = support::run_fixmig(&args);
        // A rename analyses only the test modules that can change its plan; the plan (or the
        // refusal) must be the one of the full analysis.
        let full = support::run_fixmig(&[&args[..5], &["--full-analysis", args[5]]].concat());
        assert_eq!(
            (code, &out, &err),
            (full.0, &full.1, &full.2),
            "{name}: the focused analysis and --full-analysis disagree"
        );
        insta::assert_snapshot!(
            format!("migrate__{name}"),
            format!(
                "exit: {code}\n--- stdout\n{}--- stderr\n{}",
                normalize(&out, tmp.path()),
                normalize(&err, tmp.path())
            )
        );
        match expect {
            "refused" | "invalid" => {
                assert_eq!(
                    code,
                    if expect == "refused" { 1 } else { 2 },
                    "{name}: {err}"
                );
                assert!(out.is_empty(), "{name}: a refused rule prints no diff");
                let (code, _, _) = support::run_fixmig(
                    &[&args[..5], &["--write", project.to_str().unwrap()]].concat(),
                );
                assert_ne!(code, 0, "{name}: --write must fail too");
                assert!(
                    snapshot_tree(&project) == before_tree,
                    "{name}: files changed"
                );
            }
            "applied" => {
                assert_eq!(code, 0, "{name}: {err}");
                assert!(
                    out.contains("\n+++ b/") || out.starts_with("+++ b/"),
                    "{name}: expected a diff, got {out}"
                );
                assert!(
                    snapshot_tree(&project) == before_tree,
                    "{name}: the dry run wrote files"
                );
                let (code, _, err) = support::run_fixmig(
                    &[&args[..5], &["--check", project.to_str().unwrap()]].concat(),
                );
                assert_eq!(
                    code, 1,
                    "{name}: --check must fail while the migration is pending: {err}"
                );
                let (code, _, err) = support::run_fixmig(
                    &[&args[..5], &["--write", project.to_str().unwrap()]].concat(),
                );
                assert_eq!(code, 0, "{name}: --write failed: {err}");
                let (code, out, err) = support::run_fixmig(
                    &[&args[..5], &["--check", project.to_str().unwrap()]].concat(),
                );
                assert_eq!(
                    (code, out.as_str()),
                    (0, ""),
                    "{name}: running the migration again must change nothing: {err}"
                );
                let after = support::run_oracle_args(&project, pytest_args);
                let before = before.unwrap();
                let mapped = rename
                    .as_ref()
                    .map(|(o, t, d)| (o.as_str(), t.as_str(), d.as_deref()));
                // Consolidation keeps the code and moves it; a redirect (`replace_with`) changes
                // names on purpose, so only its setup errors are compared.
                let consolidation = ["move", "hoist", "merge", "remove"]
                    .iter()
                    .any(|k| rule_doc.get(k).is_some());
                let redirect = rule_doc
                    .get("remove")
                    .and_then(|r| r.as_array())
                    .is_some_and(|r| r.iter().any(|x| x.get("replace_with").is_some()));
                // How each test ends (a `getfixturevalue` in a test body fails the call, which
                // the resolution above does not show): the same after a rename or a
                // consolidation; no test that passed may fail after any other rule.
                let outcomes_before = outcomes(&before, mapped.map(|(o, t, _)| (o, t)));
                let outcomes_after = outcomes(&after, None);
                if (rename.is_some() || consolidation) && !redirect {
                    assert_eq!(
                        outcomes_before, outcomes_after,
                        "{name}: tests end differently under pytest after the migration"
                    );
                } else {
                    for (test, outcome) in &outcomes_before {
                        if outcome == "passed" {
                            assert_eq!(
                                outcomes_after.get(test).map(String::as_str),
                                Some("passed"),
                                "{name}: {test} passed before the migration"
                            );
                        }
                    }
                }
                let before_res = resolution(&before, mapped, !consolidation);
                let after_res = resolution(&after, None, !consolidation);
                assert_eq!(
                    before_res.keys().collect::<Vec<_>>(),
                    after_res.keys().collect::<Vec<_>>(),
                    "{name}: pytest collects different tests after the migration"
                );
                for (test, (fixtures, errors)) in &before_res {
                    let (after_fixtures, after_errors) = &after_res[test];
                    if redirect {
                        assert!(
                            after_errors.is_empty(),
                            "{name}: {test} fails setup after the redirect: {after_errors:?}"
                        );
                    } else if rename.is_some() || consolidation {
                        assert_eq!(
                            fixtures, after_fixtures,
                            "{name}: {test} resolves differently after the migration"
                        );
                        assert_eq!(
                            errors, after_errors,
                            "{name}: {test} has different setup errors after the rename"
                        );
                    } else {
                        assert!(
                            after_errors.is_empty(),
                            "{name}: {test} still fails setup: {after_errors:?}"
                        );
                    }
                }
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
}

#[test]
fn staging_example_is_fixed_by_its_rule_file() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("staging");
    support::copy_tree(&repo.join("examples/staging"), &project);
    let rules = repo.join("rules/staging-real-services.toml");
    let p = project.to_str().unwrap();
    let (code, _, _) = support::run_fixmig(&["check", p]);
    assert_eq!(code, 1, "the example starts broken");
    let (code, _, err) =
        support::run_fixmig(&["migrate", "--rules", rules.to_str().unwrap(), "--write", p]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = support::run_fixmig(&["check", p]);
    assert_eq!((code, out.as_str()), (0, "All checks passed!\n"));
    let (code, out, _) =
        support::run_fixmig(&["migrate", "--rules", rules.to_str().unwrap(), "--check", p]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "the migration is applied once"
    );
    let output = std::process::Command::new(support::python_with_pytest())
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .current_dir(&project)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pytest fails after the migration:\n{stdout}"
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
fn crlf_file_keeps_every_other_byte() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let case = repo.join("tests/migrations/crlf_bom_tabs_survive");
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&case.join("project"), tmp.path());
    let before = fs::read(tmp.path().join("conftest.py")).unwrap();
    let rules = case.join("rules.toml");
    let (code, _, err) = support::run_fixmig(&[
        "migrate",
        "--rules",
        rules.to_str().unwrap(),
        "--write",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let after = fs::read(tmp.path().join("conftest.py")).unwrap();
    let expected = String::from_utf8(before)
        .unwrap()
        .replace("def cfg(", "def config(")
        .into_bytes();
    assert_eq!(after, expected);
}
