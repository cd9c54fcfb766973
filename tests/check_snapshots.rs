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
            assert!(code == 0 || code == 1, "{name}: exit {code}: {err}");
            let has_errors = out.contains(": FM0");
            assert_eq!(
                code == 1,
                has_errors,
                "{name}: exit code {code} disagrees with the output:\n{out}"
            );
            insta::assert_snapshot!(format!("check__{name}"), format!("exit: {code}\n{out}"));
        }
    });
}
