//! fixmig follows the pytest installed in the analysed environment: found through `--python`,
//! `$VIRTUAL_ENV` or a `.venv` at the rootdir, read from its metadata; without one, pytest 9.2
//! and a note. (Every case under `tests/cases` is compared with both pinned pytest versions in
//! `oracle_cases.rs`; this is about finding the version.)

mod support;

use std::path::Path;
use std::process::Command;

/// The issue's `pyproject.toml`: `[tool.pytest.ini_options]` plus unrelated sub-tables, which
/// pytest 8.4 accepts and pytest 9.2 refuses.
const PYPROJECT: &str = "[tool.pytest.ini_options]\npython_files = [\"check_*.py\"]\n\n\
                         [tool.pytest.profiling]\nenabled = false\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("pyproject.toml"), PYPROJECT).unwrap();
    std::fs::write(p.join("check_a.py"), "def test_a(missing):\n    pass\n").unwrap();
    dir
}

/// `fixmig check ROOT` as a subprocess from `root`, with `$VIRTUAL_ENV` set to `venv` or
/// removed: exit code, stdout, stderr.
fn check(root: &Path, args: &[&str], venv: Option<&Path>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixmig"));
    command
        .args(["check", "--no-cache", "--color", "never"])
        .args(args)
        .arg(root)
        .current_dir(root)
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTEST_PLUGINS");
    match venv {
        Some(v) => command.env("VIRTUAL_ENV", v),
        None => command.env_remove("VIRTUAL_ENV"),
    };
    let output = command.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn venv_of(python: &Path) -> &Path {
    python.parent().and_then(Path::parent).unwrap()
}

#[test]
fn the_installed_pytest_decides_whether_the_config_is_refused() {
    let dir = project();
    let p = dir.path();
    let python8 = support::python_with_pytest_version(support::PYTEST_8_VERSION);
    let python9 = support::python_with_pytest();

    // pytest 8.4.2 through --python: the sub-table is ignored (FM905), the test module found.
    let py8 = python8.to_str().unwrap();
    let (code, out, err) = check(p, &["--python", py8], None);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("pyproject.toml:4:1: FM905 `tool.pytest.profiling` ignored: pytest 8.4.2"),
        "{out}"
    );
    assert!(
        out.contains("check_a.py:1:12: FM001 fixture 'missing' not found"),
        "{out}"
    );
    assert!(!err.contains("note:"), "{err}");

    // pytest 9.2.0 through $VIRTUAL_ENV: pytest's usage error, and which pytest decided it.
    let (code, out, err) = check(p, &[], Some(venv_of(&python9)));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("Cannot use both [tool.pytest] (native TOML types)"),
        "{err}"
    );
    assert!(err.contains("pytest 9.2.0 is installed"), "{err}");

    // pytest 8.4.2 in a `.venv` at the rootdir (found after the rootdir is).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(venv_of(&python8), p.join(".venv")).unwrap();
        let (code, out, err) = check(p, &[], None);
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            out.contains("FM905 `tool.pytest.profiling` ignored: pytest 8.4.2"),
            "{out}"
        );
        std::fs::remove_file(p.join(".venv")).unwrap();
    }
}

#[test]
fn without_pytest_in_the_environment_pytest_9_2_is_modelled_with_a_note() {
    let dir = project();
    let p = dir.path();
    // An interpreter whose `sys.path` holds no pytest (answers like `env::query`'s script).
    let bin = tempfile::tempdir().unwrap();
    let python = bin.path().join("python");
    let empty = bin.path().join("site-packages");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\nprintf '1\\000{}\\000sys\\000'\n",
            empty.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let python = python.to_str().unwrap();
    let (code, out, err) = check(p, &["--python", python], None);
    // The ambiguous configuration is a warning, not pytest 9.2's usage error.
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("FM905") && out.contains("pytest 9 refuses this file"),
        "{out}"
    );
    assert!(
        err.contains("note: no pytest is installed in the analysed environment"),
        "{err}"
    );
    assert!(err.contains("pytest 9.2.0's rules"), "{err}");
    let (_, _, err) = check(p, &["--python", python, "--quiet"], None);
    assert_eq!(err, "");
}
