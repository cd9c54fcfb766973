//! Every project under `tests/cases` is resolved by real pytest (the oracle, see
//! `tests/oracle/fixmig_oracle.py`) and by `fixmig fixtures --per-test --format json`;
//! the two must agree.
mod support;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

/// How many pytest processes run at once.
const ORACLE_THREADS: usize = 4;

/// The keys of one fixture entry in the JSON contract.
const ENTRY_KEYS: [&str; 7] = ["name", "kind", "path", "line", "function", "scope", "chain"];

fn case_name(dir: &Path) -> String {
    dir.file_name()
        .expect("case dir name")
        .to_string_lossy()
        .into_owned()
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic".to_string()
    }
}

type CaseOutcomes = Vec<(PathBuf, Result<support::OracleOutcome, String>)>;

/// The oracle's outcome for every case (sorted by name) under pytest `version`, or why
/// pytest failed on it. Computed once per test process and version, several pytest runs
/// at a time.
fn oracle_outputs(version: &'static str) -> &'static CaseOutcomes {
    static OUTPUTS: OnceLock<Mutex<HashMap<&'static str, &'static CaseOutcomes>>> = OnceLock::new();
    let outputs = OUTPUTS.get_or_init(Default::default);
    let mut outputs = outputs.lock().unwrap_or_else(|e| e.into_inner());
    outputs.entry(version).or_insert_with(|| {
        let cases = support::case_dirs();
        assert!(!cases.is_empty(), "no cases under tests/cases");
        // Make the venv once, before the workers race for it.
        let python = support::python_with_pytest_version(version);
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<support::OracleOutcome, String>>>> =
            cases.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..ORACLE_THREADS.min(cases.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(dir) = cases.get(i) else { break };
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        support::run_oracle_outcome(&python, dir)
                    }))
                    .map_err(panic_message);
                    *results[i].lock().unwrap() = Some(result);
                });
            }
        });
        let outcomes: CaseOutcomes = cases
            .into_iter()
            .zip(results)
            .map(|(dir, result)| {
                let result = result
                    .into_inner()
                    .unwrap()
                    .expect("every case was run by a worker");
                (dir, result)
            })
            .collect();
        Box::leak(Box::new(outcomes))
    })
}

/// fixmig's run on one case with the environment of `python`, invoked as pytest is: from the
/// case directory, without a path (the rootdir can depend on the working directory): exit
/// code, stdout, stderr.
fn fixmig_run(python: &Path, dir: &Path) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fixmig"))
        .args([
            "fixtures",
            "--per-test",
            "--format",
            "json",
            "--no-cache",
            "--python",
        ])
        .arg(python)
        .current_dir(dir)
        // The oracle's environment.
        .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTEST_PLUGINS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run fixmig: {e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// fixmig's JSON for one case, or the reason it is unusable.
fn fixmig_output(python: &Path, dir: &Path) -> Result<Value, String> {
    let (code, stdout, stderr) = fixmig_run(python, dir);
    let value: Value = serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "fixmig's output is not valid JSON ({e}); exit code {code}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        )
    })?;
    if code != 0 && code != 1 {
        return Err(format!(
            "fixmig exited with {code} (usage or configuration error)\n--- stderr ---\n{stderr}"
        ));
    }
    Ok(value)
}

/// Where fixmig disagrees with pytest `version`'s outcome on one case.
fn compare_case(
    python: &Path,
    dir: &Path,
    oracle: &Result<support::OracleOutcome, String>,
) -> Vec<String> {
    match oracle {
        Err(e) => vec![format!("pytest (the oracle) failed: {e}")],
        Ok(support::OracleOutcome::Resolved(oracle)) => match fixmig_output(python, dir) {
            Err(e) => vec![e],
            Ok(fixmig) => support::compare_resolution(oracle, &fixmig),
        },
        // pytest refuses the configuration: so must fixmig, with pytest's reason.
        Ok(support::OracleOutcome::UsageError(message)) => {
            let (code, _, stderr) = fixmig_run(python, dir);
            let mut problems = Vec::new();
            if code != 2 {
                problems.push(format!(
                    "pytest exits with a usage error ({message}), fixmig exits with {code}"
                ));
            }
            if !stderr.contains(message.as_str()) {
                problems.push(format!(
                    "pytest's usage error `{message}` is not in fixmig's stderr:\n{stderr}"
                ));
            }
            problems
        }
    }
}

/// Every case compared with pytest `version`, with fixmig given that version's venv.
fn every_case_agrees_with(version: &'static str) {
    let python = support::python_with_pytest_version(version);
    let outputs = oracle_outputs(version);
    let total = outputs.len();
    let mut report = Vec::new();
    let mut agreeing = 0;
    for (dir, oracle) in outputs {
        let problems = compare_case(&python, dir, oracle);
        if problems.is_empty() {
            agreeing += 1;
        } else {
            report.push(format!("== {} ==", case_name(dir)));
            report.extend(problems.into_iter().map(|p| format!("  {p}")));
        }
    }
    let summary = format!("{agreeing}/{total} cases agree with pytest {version}");
    println!("{summary}");
    if agreeing != total {
        panic!("{}\n{summary}", report.join("\n"));
    }
}

#[test]
fn every_case_agrees_with_pytest() {
    every_case_agrees_with(support::PYTEST_VERSION);
}

#[test]
fn every_case_agrees_with_pytest_8() {
    every_case_agrees_with(support::PYTEST_8_VERSION);
}

/// Every case has a CASE.md, and pytest collects tests in it under at least one of the
/// versions (a case may be a usage error under another); the oracle speaks the contract.
#[test]
fn oracle_sees_every_case() {
    let mut problems = Vec::new();
    let cases = support::case_dirs();
    for (i, dir) in cases.iter().enumerate() {
        if !dir.join("CASE.md").is_file() {
            problems.push(format!("{}: CASE.md is missing", case_name(dir)));
        }
        let mut collected = false;
        for version in support::PYTEST_VERSIONS {
            let (odir, oracle) = &oracle_outputs(version)[i];
            assert_eq!(odir, dir);
            match oracle {
                Err(e) => problems.push(format!(
                    "{} (pytest {version}): pytest failed: {e}",
                    case_name(dir)
                )),
                Ok(support::OracleOutcome::UsageError(_)) => {}
                Ok(support::OracleOutcome::Resolved(value)) => {
                    let name = format!("{} (pytest {version})", case_name(dir));
                    check_contract(&name, value, &mut collected, &mut problems);
                }
            }
        }
        if !collected {
            problems.push(format!(
                "{}: pytest collected no test under any version",
                case_name(dir)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn check_contract(name: &str, value: &Value, collected: &mut bool, problems: &mut Vec<String>) {
    let tests = value.get("tests").and_then(Value::as_array);
    if tests.is_some_and(|t| !t.is_empty()) {
        *collected = true;
    }
    // The oracle must speak the contract it is compared in.
    for test in tests.into_iter().flatten() {
        let fixtures = test.get("fixtures").and_then(Value::as_array);
        for fixture in fixtures.into_iter().flatten() {
            for key in ENTRY_KEYS {
                if fixture.get(key).is_none() {
                    problems.push(format!("{name}: entry without `{key}`: {fixture}"));
                }
            }
        }
        if test.get("errors").and_then(Value::as_array).is_none() {
            problems.push(format!("{name}: test without errors: {test}"));
        }
    }
    let self_check = support::compare_resolution(value, value);
    problems.extend(self_check.into_iter().map(|p| format!("{name}: {p}")));
}

fn fixture(name: &str, line: i64) -> Value {
    json!({
        "name": name,
        "kind": "fixture",
        "path": "conftest.py",
        "line": line,
        "function": name,
        "scope": "function",
        "chain": [{"path": "conftest.py", "line": line}],
    })
}

fn one_test(fixtures: Vec<Value>, errors: Value) -> Value {
    json!({
        "rootdir": "/somewhere",
        "tests": [{"nodeid": "test_a.py::test_a", "fixtures": fixtures, "errors": errors}],
    })
}

#[test]
fn compare_resolution_reports_disagreements() {
    let oracle = one_test(vec![fixture("db", 4)], json!([]));

    // Identical outputs agree, whatever the rootdir says.
    let mut same = oracle.clone();
    same["rootdir"] = json!("/elsewhere");
    assert_eq!(
        support::compare_resolution(&oracle, &same),
        Vec::<String>::new()
    );

    // A different line is reported (for the line and for the chain).
    let moved = one_test(vec![fixture("db", 5)], json!([]));
    let problems = support::compare_resolution(&oracle, &moved);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`db`") && p.contains("line")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("chain")), "{problems:?}");

    // "dynamic" matches any scope.
    let mut dynamic = oracle.clone();
    dynamic["tests"][0]["fixtures"][0]["scope"] = json!("dynamic");
    assert_eq!(
        support::compare_resolution(&oracle, &dynamic),
        Vec::<String>::new()
    );

    // Order of fixture names matters.
    let two = one_test(vec![fixture("a", 4), fixture("b", 9)], json!([]));
    let swapped = one_test(vec![fixture("b", 9), fixture("a", 4)], json!([]));
    assert_eq!(support::compare_resolution(&two, &swapped).len(), 1);

    // Errors: fixmig's first error must be pytest's single one.
    let failing = one_test(
        vec![fixture("db", 4)],
        json!([{"code": "FM001", "fixture": "x"}]),
    );
    let more = one_test(
        vec![fixture("db", 4)],
        json!([{"code": "FM001", "fixture": "x"}, {"code": "FM002", "fixture": "y"}]),
    );
    assert_eq!(
        support::compare_resolution(&failing, &more),
        Vec::<String>::new()
    );
    assert_eq!(support::compare_resolution(&failing, &oracle).len(), 1);
    assert_eq!(support::compare_resolution(&oracle, &failing).len(), 1);

    // Tests present on one side only.
    let empty = json!({"rootdir": "/", "tests": []});
    assert_eq!(support::compare_resolution(&oracle, &empty).len(), 1);
    assert_eq!(support::compare_resolution(&empty, &oracle).len(), 1);
}
