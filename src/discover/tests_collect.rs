//! Unit tests for what gets collected: testpaths, python_files, norecursedirs,
//! virtualenvs, conftest chains and confcutdir, collection order, walk warnings.

use std::fs;

use super::tests::{err, listing, run, tree};
use super::*;

#[test]
fn testpaths_with_globs_apply_from_the_rootdir() {
    let d = tree(&[
        (
            "pytest.ini",
            "[pytest]\ntestpaths = tests* src/*/unit missing\n",
        ),
        ("tests/test_a.py", ""),
        ("tests_extra/test_b.py", ""),
        ("src/pkg/unit/test_c.py", ""),
        ("src/pkg/other/test_d.py", ""),
        ("test_top.py", ""),
    ]);
    let expected = [
        "T tests/test_a.py",
        "T tests_extra/test_b.py",
        "T src/pkg/unit/test_c.py",
    ];
    assert_eq!(listing(&run(d.path(), "", &[])), expected);
    assert_eq!(listing(&run(d.path(), "tests", &[".."])), expected);
    let p = run(d.path(), "", &["."]);
    assert_eq!(listing(&p), expected);
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(p.warnings[0].message.contains("missing"));
    // Not from the rootdir (or with other args): testpaths do not apply.
    assert_eq!(
        listing(&run(d.path(), "src", &[])),
        ["T pkg/other/test_d.py", "T pkg/unit/test_c.py"].map(|s| s.replace("T ", "T src/"))
    );
    // Nothing matches: the whole rootdir is collected, with a warning.
    let d = tree(&[
        ("pytest.ini", "[pytest]\ntestpaths = nothing*\n"),
        ("test_a.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(listing(&p), ["T test_a.py"]);
    assert_eq!(p.warnings.len(), 2);
}

#[test]
fn custom_python_files() {
    let d = tree(&[
        (
            "pytest.ini",
            "[pytest]\npython_files = check_*.py *_spec.py tests/special/*.py\n",
        ),
        ("check_a.py", ""),
        ("b_spec.py", ""),
        ("test_c.py", ""),
        ("check_d.txt", ""),
        ("tests/special/anything.py", ""),
        ("tests/other/anything.py", ""),
        ("pkg/__init__.py", ""),
        ("pkg/check_e.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(
        listing(&p),
        [
            "T b_spec.py",
            "T check_a.py",
            "T pkg/check_e.py",
            "T tests/special/anything.py"
        ]
    );
    assert!(p.config.matches_python_file("check_x.py"));
    assert!(!p.config.matches_python_file("check_x.txt"));
    assert!(p.config.matches_python_file("/r/tests/special/x.py"));
    // An explicitly given .py file is collected whatever its name.
    assert_eq!(listing(&run(d.path(), "", &["test_c.py"])), ["T test_c.py"]);
    let p = run(d.path(), "", &["check_d.txt"]);
    assert!(p.files.is_empty());
    assert_eq!(p.warnings.len(), 1);
}

#[test]
fn init_py_is_first_in_a_package_when_it_matches() {
    let d = tree(&[
        ("pytest.ini", "[pytest]\npython_files = *.py\n"),
        ("pkg/__init__.py", ""),
        ("pkg/_a.py", ""),
        ("pkg/conftest.py", ""),
        ("plain/_a.py", ""),
        ("plain/z.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(
        listing(&p),
        [
            "C pkg/conftest.py",
            "T pkg/__init__.py",
            "T pkg/_a.py",
            "T plain/_a.py",
            "T plain/z.py"
        ]
    );
}

#[test]
fn norecursedirs_default_and_custom() {
    let files = [
        ("test_root.py", ""),
        (".hidden/test_h.py", ""),
        ("build/test_b.py", ""),
        ("dist/test_d.py", ""),
        ("node_modules/test_n.py", ""),
        ("venv/test_v.py", ""),
        ("x.egg/test_e.py", ""),
        ("{arch}/test_arch.py", ""),
        ("CVS/test_cvs.py", ""),
        ("_darcs/test_darcs.py", ""),
        ("__pycache__/test_pc.py", ""),
        ("ok/test_ok.py", ""),
        ("ok/build/test_deep.py", ""),
    ];
    let mut with_ini = files.to_vec();
    with_ini.push(("pytest.ini", "[pytest]\n"));
    let d = tree(&with_ini);
    let p = run(d.path(), "", &[]);
    assert_eq!(listing(&p), ["T ok/test_ok.py", "T test_root.py"]);
    assert_eq!(
        p.config.norecursedirs,
        PytestConfig::default().norecursedirs
    );
    // A custom value replaces the defaults; `__pycache__` stays ignored.
    with_ini.push(("pytest.ini", "[pytest]\nnorecursedirs = ok/build dist\n"));
    with_ini.remove(with_ini.len() - 2);
    let d = tree(&with_ini);
    let p = run(d.path(), "", &[]);
    assert_eq!(
        listing(&p),
        [
            "T .hidden/test_h.py",
            "T CVS/test_cvs.py",
            "T _darcs/test_darcs.py",
            "T build/test_b.py",
            "T node_modules/test_n.py",
            "T ok/test_ok.py",
            "T test_root.py",
            "T venv/test_v.py",
            "T x.egg/test_e.py",
            "T {arch}/test_arch.py",
        ]
    );
    // An ignored directory given explicitly is collected.
    assert_eq!(listing(&run(d.path(), "", &["dist"])), ["T dist/test_d.py"]);
}

#[test]
fn virtualenvs_are_skipped() {
    let d = tree(&[
        ("pytest.ini", "[pytest]\nnorecursedirs = nothing\n"),
        ("env1/pyvenv.cfg", ""),
        ("env1/lib/test_x.py", ""),
        ("env2/conda-meta/history", ""),
        ("env2/test_y.py", ""),
        ("tests/test_a.py", ""),
    ]);
    assert_eq!(listing(&run(d.path(), "", &[])), ["T tests/test_a.py"]);
    assert_eq!(
        listing(&run(d.path(), "", &["env1"])),
        ["T env1/lib/test_x.py"]
    );
    let d2 = tree(&[
        (
            "pytest.ini",
            "[pytest]\naddopts = --collect-in-virtualenv\n",
        ),
        ("env1/pyvenv.cfg", ""),
        ("env1/test_x.py", ""),
    ]);
    assert_eq!(listing(&run(d2.path(), "", &[])), ["T env1/test_x.py"]);
}

#[test]
fn nested_conftests_in_collection_order() {
    let d = tree(&[
        ("pytest.ini", "[pytest]\n"),
        ("conftest.py", ""),
        ("a/conftest.py", ""),
        ("a/test_a.py", ""),
        ("a/b/conftest.py", ""),
        ("a/b/test_b.py", ""),
        ("a/c/conftest.py", ""),
        ("a_test.py", ""),
        ("z/test_z.py", ""),
        ("build/conftest.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(
        listing(&p),
        [
            "C conftest.py",
            "C a/conftest.py",
            "C a/b/conftest.py",
            "T a/b/test_b.py",
            "C a/c/conftest.py",
            "T a/test_a.py",
            "T a_test.py",
            "T z/test_z.py",
        ]
    );
    let p = run(d.path(), "", &["a/b/test_b.py", "z"]);
    assert_eq!(
        listing(&p),
        [
            "C conftest.py",
            "C a/conftest.py",
            "C a/b/conftest.py",
            "T a/b/test_b.py",
            "T z/test_z.py"
        ]
    );
    // --noconftest
    fs::write(
        d.path().join("pytest.ini"),
        "[pytest]\naddopts = --noconftest\n",
    )
    .unwrap();
    assert_eq!(listing(&run(d.path(), "", &["a/b"])), ["T a/b/test_b.py"]);
}

#[test]
fn conftests_of_ancestors_stop_at_confcutdir() {
    let d = tree(&[
        ("conftest.py", ""),
        ("proj/pytest.ini", "[pytest]\n"),
        ("proj/conftest.py", ""),
        ("proj/a/conftest.py", ""),
        ("proj/a/b/test_x.py", ""),
    ]);
    let p = run(d.path(), "", &["proj/a/b"]);
    assert_eq!(p.rootdir, d.path().join("proj"));
    assert_eq!(
        listing(&p),
        ["C conftest.py", "C a/conftest.py", "T a/b/test_x.py"]
    );
    // --confcutdir from addopts, relative to the invocation directory.
    fs::write(
        d.path().join("proj/pytest.ini"),
        "[pytest]\naddopts = --confcutdir=a\n",
    )
    .unwrap();
    let p = run(d.path(), "proj", &[]);
    assert_eq!(p.config.confcutdir, Some(d.path().join("proj/a")));
    assert_eq!(listing(&p), ["C a/conftest.py", "T a/b/test_x.py"]);
    fs::write(
        d.path().join("proj/pytest.ini"),
        "[pytest]\naddopts = --confcutdir ..\n",
    )
    .unwrap();
    let p = run(d.path(), "proj", &[]);
    assert_eq!(
        listing(&p),
        [
            "C ../conftest.py",
            "C conftest.py",
            "C a/conftest.py",
            "T a/b/test_x.py"
        ]
    );
    fs::write(
        d.path().join("proj/pytest.ini"),
        "[pytest]\naddopts = --confcutdir nope\n",
    )
    .unwrap();
    let e = err(&d.path().join("proj"), &[]);
    assert_eq!((e.line, e.column), (2, 11));
}

#[test]
fn test_star_dirs_load_their_conftest_even_when_not_collected() {
    let d = tree(&[
        ("pytest.ini", "[pytest]\nnorecursedirs = testing\n"),
        ("testing/conftest.py", ""),
        ("testing/test_t.py", ""),
        ("other/conftest.py", ""),
        ("zz/testing/conftest.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(
        listing(&p),
        ["C other/conftest.py", "C testing/conftest.py"]
    );
}

#[test]
fn ignore_options_from_addopts() {
    let d = tree(&[
        (
            "pytest.ini",
            "[pytest]\naddopts = --ignore=a --ignore-glob=b/*_x.py -p no:x\n",
        ),
        ("a/test_a.py", ""),
        ("b/test_b.py", ""),
        ("b/test_b_x.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(
        p.config.addopts,
        ["--ignore=a", "--ignore-glob=b/*_x.py", "-p", "no:x"]
    );
    assert_eq!(listing(&p), ["T b/test_b.py"]);
}

#[cfg(unix)]
#[test]
fn unreadable_entries_are_reported() {
    let d = tree(&[("pytest.ini", "[pytest]\n"), ("a/test_a.py", "")]);
    std::os::unix::fs::symlink(d.path().join("missing.py"), d.path().join("test_broken.py"))
        .unwrap();
    std::os::unix::fs::symlink(d.path(), d.path().join("a/loop")).unwrap();
    let p = run(d.path(), "", &[]);
    assert_eq!(listing(&p), ["T a/test_a.py"]);
    let mut paths: Vec<_> = p
        .warnings
        .iter()
        .map(|w| rel_path(&p.rootdir, &w.path))
        .collect();
    paths.sort();
    assert_eq!(paths, ["a/loop", "test_broken.py"], "{:?}", p.warnings);
    let mut messages: Vec<_> = p.warnings.iter().map(|w| w.message.as_str()).collect();
    messages.sort();
    assert!(messages[0].starts_with("broken symlink"), "{messages:?}");
    assert!(
        messages[1].starts_with("symlink loop back to"),
        "{messages:?}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_directories_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree(&[
        ("pytest.ini", "[pytest]\n"),
        ("locked/test_a.py", ""),
        ("test_b.py", ""),
    ]);
    let locked = d.path().join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let enforced = fs::read_dir(&locked).is_err(); // not when running as root
    let p = run(d.path(), "", &[]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if enforced {
        assert_eq!(listing(&p), ["T test_b.py"]);
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].path, locked);
        assert!(
            p.warnings[0].message.starts_with("cannot read"),
            "{:?}",
            p.warnings
        );
    } else {
        assert_eq!(listing(&p), ["T locked/test_a.py", "T test_b.py"]);
    }
}

#[test]
fn override_ini_in_addopts_replaces_file_values() {
    let d = tree(&[
        (
            "pytest.ini",
            "[pytest]\naddopts = -o \"python_files=check_*.py x_*.py\" --override-ini=usefixtures=a\n\
             python_files = test_*.py\nusefixtures = b\n",
        ),
        ("check_a.py", ""),
        ("test_b.py", ""),
        ("x_c.py", ""),
    ]);
    let p = run(d.path(), "", &[]);
    assert_eq!(listing(&p), ["T check_a.py", "T x_c.py"]);
    let uf = &p.config.usefixtures;
    assert_eq!(
        (uf[0].value.as_str(), uf[0].line, uf[0].column),
        ("a", 2, 11)
    );
    let d = tree(&[("pytest.ini", "[pytest]\naddopts = -onovalue\n")]);
    assert!(err(d.path(), &[]).message.contains("expects option=value"));
}
