//! A rename's analysis keeps the syntax trees of the test modules that hold the name, up to a
//! budget (`cache::REFERENCE_TREE_BUDGET`); beyond it the plan parses those modules again, a
//! batch of files at a time, and their re-parse check starts from scratch. The diff must not
//! depend on which modules kept a tree. (Its own binary: the budget is the process's.)

use std::path::Path;

mod support;
use support::run_fixmig as run;

/// 1,200 test modules in 12 directories (more than one batch of the plan), each requesting
/// `config` as a parameter used in its body, through a fixture, and by `getfixturevalue`.
fn write_suite(root: &Path) {
    let file = |rel: &str, text: &str| support::write_file(root, rel, text);
    file("pytest.ini", "[pytest]\n");
    file(
        "conftest.py",
        "import pytest\n\n@pytest.fixture\ndef config():\n    return {'n': 1}\n",
    );
    for d in 0..12 {
        for m in 0..100 {
            file(
                &format!("pkg{d:02}/test_m{m:03}.py"),
                &format!(
                    "import pytest\n\n\
                     @pytest.fixture\ndef derived(config):\n    value = config['n']\n    \
                     other = value + {m}\n    return other\n\n\
                     def test_direct(config):\n    assert config['n'] == 1\n    \
                     assert config\n    x = [config,\n         config]\n    assert x\n\n\
                     def test_derived(derived, request):\n    \
                     assert request.getfixturevalue('config')\n    assert derived\n    \
                     assert derived > 0\n\n\
                     def test_other():\n    a = 1\n    b = 2\n    assert a + b == 3\n"
                ),
            );
        }
    }
}

#[test]
fn the_rename_is_the_same_whether_the_analysis_kept_every_tree_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write_suite(&root);
    let rules = root.join("rules.toml");
    std::fs::write(
        &rules,
        "version = 1\n\n[[rename]]\nfixture = \"config\"\nto = \"config_v2\"\n",
    )
    .unwrap();
    let args = [
        "migrate",
        "--no-cache",
        "--color",
        "never",
        "--rules",
        rules.to_str().unwrap(),
        root.to_str().unwrap(),
    ];
    let every_tree = run(&args);
    fixmig::cache::set_reference_tree_budget(0);
    let no_tree = run(&args);
    // Part of them: half the modules' text.
    fixmig::cache::set_reference_tree_budget(100 * 1024);
    let some_trees = run(&args);
    assert_eq!(every_tree.0, 0, "{}", every_tree.2);
    assert!(
        every_tree.2.contains("1201 files would change"),
        "{}",
        every_tree.2
    );
    // Per module: the parameter in both functions, its 5 uses, the getfixturevalue string.
    assert_eq!(
        every_tree.1.matches("+def test_direct(config_v2):").count(),
        1200
    );
    assert_eq!(
        every_tree.1.matches("getfixturevalue('config_v2')").count(),
        1200
    );
    // No added line keeps the old name.
    for line in every_tree.1.lines() {
        if line.starts_with('+') && !line.starts_with("+++") {
            assert_eq!(
                line.matches("config").count(),
                line.matches("config_v2").count(),
                "{line}"
            );
        }
    }
    assert_eq!(no_tree, every_tree);
    assert_eq!(some_trees, every_tree);
}
