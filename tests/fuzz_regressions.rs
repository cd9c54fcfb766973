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
