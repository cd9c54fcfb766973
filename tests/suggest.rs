//! `fixmig suggest`: the rules it writes are valid, fix the bundled example when applied, and
//! find identical copies to hoist.

mod support;

use std::fs;
use std::path::Path;

#[test]
fn suggested_rules_fix_the_staging_example() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("staging");
    support::copy_tree(&repo.join("examples/staging"), &project);
    let p = project.to_str().unwrap();
    let (code, rules, err) = support::run_fixmig(&["suggest", p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        rules.contains("name = \"real_services\"")
            && rules.contains("target = \"staging_services_fixture\""),
        "{rules}"
    );
    assert!(
        rules.contains("name = \"real_llm\"") && rules.contains("target = \"staging_llm_fixture\""),
        "{rules}"
    );
    let rules_path = tmp.path().join("rules.toml");
    fs::write(&rules_path, &rules).unwrap();
    let (code, out, err) = support::run_fixmig(&["rules", "check", rules_path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = support::run_fixmig(&[
        "migrate",
        "--rules",
        rules_path.to_str().unwrap(),
        "--write",
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = support::run_fixmig(&["check", p]);
    assert_eq!((code, out.as_str()), (0, "All checks passed!\n"));
    let output = std::process::Command::new(support::python_with_pytest())
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .current_dir(&project)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}"
    );
}

#[test]
fn identical_copies_are_suggested_for_hoisting_and_reported_as_fm103() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = repo.join("tests/migrations/hoist_identical_copies/project");
    let p = project.to_str().unwrap();
    let (code, rules, err) = support::run_fixmig(&["suggest", p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        rules.contains("[[hoist]]\nfixture = \"db_session\"\ninto = \"tests/conftest.py\""),
        "{rules}"
    );
    let (code, out, _) = support::run_fixmig(&["check", p]);
    assert_eq!(code, 0, "FM103 is information only");
    assert!(
        out.contains("FM103 fixture `db_session` is defined with the same code in 2 conftests"),
        "{out}"
    );
    // The different copies of the refusal case are not suggested.
    let different = repo.join("tests/migrations/hoist_refuses_different_code/project");
    let (_, rules, _) = support::run_fixmig(&["suggest", different.to_str().unwrap()]);
    assert!(!rules.contains("[[hoist]]"), "{rules}");
}
