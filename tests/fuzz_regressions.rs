//! Inputs the fuzz targets (`fuzz/`, see RELIABILITY.md) found failing, once fixed: each as the
//! plain case it stands for, and the raw input kept in `tests/fuzz_regressions/` for
//! `cargo +nightly fuzz run <target> <file>`.

use std::fs;
use std::path::Path;

use fixmig::edit::{Edit, EditError, Overlay};

/// `overlay-crash-c0b6202b`: a rule deleting `st\n\n\n` out of `import pytest\n\n\n@pytest...`
/// leaves `import pyte@pytest.fixture`, whose only error is a MISSING newline — a token the
/// grammar hides, which the re-parse check did not see: the rule was applied.
#[test]
fn overlay_refuses_an_edit_whose_only_error_is_a_hidden_missing_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.py");
    let original = b"import pytest\n\n\n@pytest.fixture\ndef level(level):\n    return level + 1\n";
    fs::write(&path, original).unwrap();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let err = ov
        .apply(3, vec![Edit::delete(&path, 11, 16, 3)])
        .unwrap_err();
    assert!(
        matches!(
            err,
            EditError::Syntax {
                line: 1,
                rule: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(ov.read(Path::new("t.py")).unwrap(), original);
    assert!(ov.changes().is_empty());
}

fn migrate_write(root: &Path, rules: &Path) -> (i32, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = fixmig::run_cli(
        [
            "fixmig".as_ref(),
            "migrate".as_ref(),
            "--no-cache".as_ref(),
            "--no-config".as_ref(),
            "--write".as_ref(),
            "--rules".as_ref(),
            rules.as_os_str(),
            root.as_os_str(),
        ],
        &mut out,
        &mut err,
    );
    (code, String::from_utf8_lossy(&err).into_owned())
}

/// `migrate-crash-f2fc9dfb`: a conftest defines the fixture `svc` twice
/// (`@pytest.fixture(name="svc")` on two functions); `[[remove]] fixture = "svc"` removed one
/// definition per run, so a second run changed the tree again. Such a rule is now refused
/// (exit 1, the definitions listed), every time, and nothing is written.
#[test]
fn remove_of_a_name_defined_twice_in_one_conftest_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("p");
    fs::create_dir_all(root.join("tests")).unwrap();
    fs::write(root.join("pytest.ini"), "[pytest]\n").unwrap();
    fs::write(
        root.join("tests/conftest.py"),
        "import pytest\n\n\n@pytest.fixture(name=\"svc\")\ndef db():\n    return 1\n\n\n\
         @pytest.fixture(name=\"svc\")\ndef client():\n    return 2\n",
    )
    .unwrap();
    fs::write(root.join("tests/test_a.py"), "def test_a(db):\n    pass\n").unwrap();
    let rules = dir.path().join("rules.toml");
    fs::write(
        &rules,
        "version = 1\n\n[[remove]]\nfixture = \"svc\"\ndefined_in = \"tests/conftest.py\"\n",
    )
    .unwrap();
    let before = fs::read(root.join("tests/conftest.py")).unwrap();
    let (code, err) = migrate_write(&root, &rules);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`svc` is defined 2 times in tests/conftest.py"),
        "{err}"
    );
    let once = fs::read(root.join("tests/conftest.py")).unwrap();
    assert_eq!(once, before, "a refused rule writes nothing");
    let (code, err) = migrate_write(&root, &rules);
    let twice = fs::read(root.join("tests/conftest.py")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&once),
        String::from_utf8_lossy(&twice),
        "the second run (exit {code}) changed the conftest: {err}"
    );
}
