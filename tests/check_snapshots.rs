//! `fixmig check` on every case project, as insta snapshots in `snapshots/`: the exact
//! diagnostics (codes, locations, messages, help) a user sees.

mod support;

use std::path::Path;

#[test]
fn check_output_of_every_case() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 40,
        "the case matrix has {} cases",
        names.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for name in &names {
            let dir = cases.join(name);
            let (code, out, err) =
                support::run_fixmig(&["check", "--color", "never", dir.to_str().unwrap()]);
            insta::assert_snapshot!(
                format!("check__{name}"),
                shown(name, &dir, code, &out, &err)
            );
        }
        // The cases pytest 8 reads differently: `check` with pytest 8.4 installed too.
        let python8 = support::python_with_pytest_version(support::PYTEST_8_VERSION);
        for name in VERSION_CASES {
            let dir = cases.join(name);
            let (code, out, err) = support::run_fixmig_with(
                &python8,
                &["check", "--color", "never", dir.to_str().unwrap()],
            );
            let snapshot = format!("check__{name}@pytest-{}", support::PYTEST_8_VERSION);
            insta::assert_snapshot!(snapshot, shown(name, &dir, code, &out, &err));
        }
    });
}

/// Cases whose configuration pytest 8 and 9 read differently.
const VERSION_CASES: [&str; 2] = [
    "ini_pyproject_ini_options_plus_subtables",
    "ini_pytest_toml_and_tox",
];

/// The snapshot of one run: the exit code and stdout; a configuration error (exit 2, as when
/// the installed pytest refuses the case's configuration) shows stderr, paths relative to the
/// case.
fn shown(name: &str, dir: &Path, code: i32, out: &str, err: &str) -> String {
    if code == 2 {
        assert!(out.is_empty(), "{name}: exit 2 with output:\n{out}");
        let prefix = format!("{}/", dir.display());
        return format!("exit: 2\n{}", err.replace(&prefix, ""));
    }
    assert!(code == 0 || code == 1, "{name}: exit {code}: {err}");
    let has_errors = out.contains(": FM0");
    assert_eq!(
        code == 1,
        has_errors,
        "{name}: exit code {code} disagrees with the output:\n{out}"
    );
    format!("exit: {code}\n{out}")
}
