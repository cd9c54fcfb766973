//! `pytest_generate_tests` hooks fixmig cannot decide (`tests/hook_cases/undecidable`): real
//! pytest runs the project in two process environments; a name that is missing in one and
//! supplied in the other must be FM104 (a warning naming the hook), never FM001, and a name
//! missing in both must stay FM001.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn case_dir() -> std::path::PathBuf {
    support::manifest_dir().join("tests/hook_cases/undecidable")
}

/// (nodeid, missing fixture) of every test whose setup pytest fails with FM001.
fn pytest_missing(env: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    let python = support::python_with_pytest();
    let oracle = support::run_oracle_with(&python, &case_dir(), env);
    let tests = oracle["tests"].as_array().expect("tests");
    assert!(tests.len() >= 5, "pytest collected {} tests", tests.len());
    tests
        .iter()
        .flat_map(|t| {
            let nodeid = t["nodeid"].as_str().unwrap_or_default().to_string();
            t["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["code"] == "FM001")
                .map(move |e| (nodeid.clone(), e["fixture"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// `fixmig check --format json`: the fixture names of its diagnostics with `code`.
fn fixmig_names(diagnostics: &[Value], code: &str) -> BTreeSet<String> {
    diagnostics
        .iter()
        .filter(|d| d["code"] == code)
        .map(|d| d["fixture"].as_str().expect("fixture").to_string())
        .collect()
}

#[test]
fn undecided_hooks_give_fm104_exactly_where_pytest_depends_on_the_run() {
    let dir = case_dir();
    let (code, out, err) = support::run_fixmig(&[
        "check",
        "--format",
        "json",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, 1, "FM001 for `nowhere` is an error: {out}{err}");
    let parsed: Value = serde_json::from_str(&out).expect("check --format json");
    let diagnostics: Vec<Value> = match &parsed {
        Value::Array(a) => a.clone(),
        other => other["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no diagnostics in {other}")),
    };

    // Two runs that differ only in the environment the hooks read.
    let first = pytest_missing(&[("FIXMIG_HOOK_INDIRECT", "1")]);
    let second = pytest_missing(&[
        ("FIXMIG_HOOK_CLOUD", "1"),
        ("FIXMIG_HOOK_NAMES", "dyn_value,dyn_dep"),
    ]);
    let names = |set: &BTreeSet<(String, String)>| -> BTreeSet<String> {
        set.iter().map(|(_, n)| n.clone()).collect()
    };
    let always: BTreeSet<String> = names(&first.intersection(&second).cloned().collect());
    let sometimes: BTreeSet<String> =
        names(&first.symmetric_difference(&second).cloned().collect());
    assert!(
        !always.is_empty() && !sometimes.is_empty(),
        "{first:?} {second:?}"
    );

    assert_eq!(fixmig_names(&diagnostics, "FM001"), always);
    assert_eq!(fixmig_names(&diagnostics, "FM104"), sometimes);

    // Each FM104 names the hook (path:line of its `def`) and points at the call.
    for d in diagnostics.iter().filter(|d| d["code"] == "FM104") {
        let related = d["related"].as_array().expect("related");
        let hook_path = related[0]["path"].as_str().expect("path");
        let source = std::fs::read_to_string(dir.join(hook_path)).expect("hook file");
        let def_line = 1 + source
            .lines()
            .position(|l| l.starts_with("def pytest_generate_tests"))
            .expect("a hook in the related file");
        let message = d["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("{hook_path}:{def_line}")),
            "{message}"
        );
        let call_line = related[0]["line"].as_u64().expect("line") as usize;
        let call = source.lines().nth(call_line - 1).unwrap_or_default();
        assert!(call.contains("metafunc.parametrize"), "{call_line}: {call}");
        assert_eq!(d["severity"], "warning");
    }
}

#[test]
fn check_output_of_the_undecidable_case() {
    let dir = case_dir();
    let (code, out, _) = support::run_fixmig(&["check", "--color", "never", dir.to_str().unwrap()]);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!("hooks__undecidable", format!("exit: {code}\n{out}"));
    });
    assert!(Path::new(&dir).join("CASE.md").is_file());
}
