//! The command line end to end (in-process): exit codes, JSON shapes, bad input.

mod support;

use std::fs;
use std::path::Path;

use support::run_fixmig;

fn write(root: &Path, rel: &str, text: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/staging")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn check_on_the_example_reports_both_missing_fixtures_and_exits_1() {
    let (code, out, _) = run_fixmig(&["check", &example()]);
    assert_eq!(code, 1);
    assert!(out.contains(
        "tests/e2e/staging/test_multi_user_concurrent_sessions.py:5:54: FM001 fixture 'real_services' not found"
    ), "{out}");
    assert!(out.contains("FM001 fixture 'real_llm' not found"), "{out}");
    assert!(
        out.contains("runs only when `_should_load_real_services` is true"),
        "{out}"
    );
}

#[test]
fn check_json_has_the_documented_shape() {
    let (code, out, _) = run_fixmig(&["check", "--format", "json", &example()]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2);
    let d = &diags[0];
    assert_eq!(d["code"], "FM001");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["fixture"], "real_services");
    assert_eq!(
        d["path"],
        "tests/e2e/staging/test_multi_user_concurrent_sessions.py"
    );
    assert_eq!(d["line"], 5);
    assert_eq!(
        d["test"],
        "tests/e2e/staging/test_multi_user_concurrent_sessions.py::TestMultiUserConcurrentSessions::test_concurrent_users_different_agents"
    );
    assert_eq!(
        d["related"][0]["path"],
        "test_framework/conftest_real_services.py"
    );
    assert_eq!(doc["summary"]["errors"], 2);
}

#[test]
fn clean_project_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pytest.ini", b"[pytest]\n");
    write(
        dir.path(),
        "conftest.py",
        b"import pytest\n\n@pytest.fixture\ndef db():\n    return 1\n",
    );
    write(
        dir.path(),
        "test_a.py",
        b"def test_a(db, tmp_path):\n    pass\n",
    );
    let (code, out, err) = run_fixmig(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "All checks passed!\n", "")
    );
}

#[test]
fn unparsable_and_binary_files_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pytest.ini", b"[pytest]\n");
    write(
        dir.path(),
        "conftest.py",
        b"import pytest\n\n@pytest.fixture\ndef good():\n    return 1\n\ndef broken(:\n    pass\n",
    );
    write(dir.path(), "test_bin.py", b"\x00\x01\x02binary\xff");
    write(dir.path(), "test_a.py", b"def test_a(good):\n    pass\n");
    let (code, out, _) = run_fixmig(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("conftest.py:7:") && out.contains("FM900"),
        "{out}"
    );
    assert!(out.contains("test_bin.py:1:1: FM901"), "{out}");
}

#[test]
fn malformed_ini_is_a_configuration_error_with_location() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        b"[tool.pytest.ini_options]\ntestpaths = [\"tests\"\nx = 1\n",
    );
    write(dir.path(), "test_a.py", b"def test_a():\n    pass\n");
    let (code, out, err) = run_fixmig(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty());
    assert!(err.contains("pyproject.toml:"), "{err}");
}

#[test]
fn explain_names_the_rule_and_rejects_unknown_nodeids() {
    let (code, out, _) = run_fixmig(&[
        "explain",
        "tests/e2e/staging/test_multi_user_concurrent_sessions.py::TestMultiUserConcurrentSessions::test_concurrent_users_different_agents[param]",
        "--path",
        &example(),
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("real_services -- NOT FOUND"), "{out}");
    let (code, _, err) = run_fixmig(&["explain", "tests/nope.py::test_x", "--path", &example()]);
    assert_eq!(code, 2);
    assert!(err.contains("no collected test has node id"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = run_fixmig(&["check", "--format", "yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("yaml"), "{err}");
    let (code, _, _) = run_fixmig(&["fixtures", "--format", "json", &example()]);
    assert_eq!(code, 2);
}

#[test]
fn per_test_json_on_the_example() {
    let (code, out, _) = run_fixmig(&["fixtures", "--per-test", "--format", "json", &example()]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let test = &doc["tests"][0];
    assert_eq!(test["fixtures"][0]["name"], "real_services");
    assert_eq!(test["fixtures"][0]["kind"], "unresolved");
    assert_eq!(test["errors"][0]["code"], "FM001");
}

#[test]
fn example_agrees_with_real_pytest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/staging");
    let oracle = support::run_oracle(&dir);
    let (_, out, _) = run_fixmig(&["fixtures", "--per-test", "--format", "json", &example()]);
    let ours: serde_json::Value = serde_json::from_str(&out).unwrap();
    let disagreements = support::compare_resolution(&oracle, &ours);
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    // Real pytest fails the test at setup with `fixture 'real_services' not found`.
    assert_eq!(oracle["tests"][0]["errors"][0]["code"], "FM001");
    assert_eq!(oracle["tests"][0]["errors"][0]["fixture"], "real_services");
}
