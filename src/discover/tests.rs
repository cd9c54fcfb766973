//! Unit tests for discovery on temporary directory trees: configuration files and
//! their precedence, rootdir rules, option values and their locations, errors.
//! Collection rules are in `tests_collect`, comparisons with real pytest in
//! `tests_pytest`.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::pytest_version::{PytestVersion, Release};

/// Creates `files` under a fresh temporary directory; a path ending in `/` is a
/// directory, anything else a file with the given content.
pub(super) fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fixmig-discover")
        .tempdir()
        .unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        if path.ends_with('/') {
            fs::create_dir_all(&full).unwrap();
        } else {
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(&full, content).unwrap();
        }
    }
    dir
}

/// pytest 9.2 installed (not assumed): the rules the pytest comparison tests run.
pub(super) fn pytest_9_2() -> PytestVersion {
    PytestVersion::installed(Release::DEFAULT, PathBuf::new())
}

pub(super) fn run(root: &Path, cwd: &str, args: &[&str]) -> Project {
    let args: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    discover_in_for(&root.join(cwd), &args, &pytest_9_2()).unwrap()
}

pub(super) fn err(root: &Path, args: &[&str]) -> ConfigError {
    let args: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    discover_in_for(root, &args, &pytest_9_2()).unwrap_err()
}

/// Discovery by the rules of `version` from `root` without arguments.
fn run_as(root: &Path, version: &PytestVersion) -> Result<Project, ConfigError> {
    discover_in_for(root, &[], version)
}

#[test]
fn pytest_8_reads_ini_options_and_warns_about_subtables() {
    let pyproject = "[tool.pytest.ini_options]\npython_files = [\"check_*.py\"]\n\n\
                     [tool.pytest.profiling]\nenabled = false\n";
    let d = tree(&[
        ("pyproject.toml", pyproject),
        ("check_a.py", ""),
        ("test_b.py", ""),
    ]);
    // pytest 9.2 installed: its usage error.
    let e = err(d.path(), &[]);
    assert!(e.message.contains("Cannot use both"), "{e}");
    assert!(e.message.contains("pytest 9.2.0 is installed"), "{e}");
    // pytest 8.4 installed: `ini_options` only, and an FM905 warning at the sub-table.
    let v8 = PytestVersion::installed(Release(8, 4, 2), PathBuf::new());
    let p = run_as(d.path(), &v8).unwrap();
    assert_eq!(listing(&p), vec!["T check_a.py"]);
    let w: Vec<_> = p.warnings.iter().filter(|w| w.code == "FM905").collect();
    assert_eq!(w.len(), 1, "{:?}", p.warnings);
    assert_eq!(w[0].line, 4);
    assert!(
        w[0].message
            .contains("`tool.pytest.profiling` ignored: pytest 8.4.2"),
        "{}",
        w[0].message
    );
    // No pytest installed: a warning instead of the error, `ini_options` read.
    let p = run_as(d.path(), &PytestVersion::default()).unwrap();
    assert_eq!(listing(&p), vec!["T check_a.py"]);
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code == "FM905" && w.message.contains("pytest 9 refuses")));
}

#[test]
fn pytest_8_ignores_pytest_toml_and_empty_dot_pytest_ini() {
    let d = tree(&[
        ("pytest.toml", "[pytest]\npython_files = [\"check_*.py\"]\n"),
        ("tox.ini", "[pytest]\npython_files = spec_*.py\n"),
        ("check_a.py", ""),
        ("spec_b.py", ""),
    ]);
    let v8 = PytestVersion::installed(Release(8, 4, 2), PathBuf::new());
    let p = run_as(d.path(), &v8).unwrap();
    assert_eq!(
        p.inifile.as_deref(),
        Some(d.path().join("tox.ini").as_path())
    );
    assert_eq!(listing(&p), vec!["T spec_b.py"]);
    assert!(p
        .warnings
        .iter()
        .any(|w| w.code == "FM905" && w.path.ends_with("pytest.toml")));
    let p = run(d.path(), "", &[]);
    assert_eq!(
        p.inifile.as_deref(),
        Some(d.path().join("pytest.toml").as_path())
    );
    assert_eq!(listing(&p), vec!["T check_a.py"]);

    // An empty `.pytest.ini` is the configuration from pytest 9.0 on; before, the
    // `setup.cfg` next to it is.
    let d = tree(&[
        (".pytest.ini", "# nothing\n"),
        ("setup.cfg", "[tool:pytest]\npython_files = spec_*.py\n"),
        ("spec_b.py", ""),
        ("test_c.py", ""),
    ]);
    let p = run_as(d.path(), &v8).unwrap();
    assert_eq!(listing(&p), vec!["T spec_b.py"]);
    let p = run(d.path(), "", &[]);
    assert_eq!(listing(&p), vec!["T test_c.py"]);
}

/// `C rel` / `T rel` lines in order.
pub(super) fn listing(p: &Project) -> Vec<String> {
    p.files
        .iter()
        .map(|f| {
            let k = if f.kind == FileKind::Conftest {
                "C"
            } else {
                "T"
            };
            format!("{k} {}", f.rel)
        })
        .collect()
}

fn ini_name(p: &Project) -> Option<String> {
    p.inifile
        .as_ref()
        .map(|i| i.file_name().unwrap().to_string_lossy().into_owned())
}

#[test]
fn each_config_kind_is_read() {
    let cases: &[(&str, &str)] = &[
        ("pytest.ini", "[pytest]\npython_files = check_*.py\n"),
        (".pytest.ini", "[pytest]\npython_files = check_*.py\n"),
        ("pytest.toml", "[pytest]\npython_files = [\"check_*.py\"]\n"),
        (
            ".pytest.toml",
            "[pytest]\npython_files = [\"check_*.py\"]\n",
        ),
        (
            "pyproject.toml",
            "[tool.pytest.ini_options]\npython_files = \"check_*.py\"\n",
        ),
        (
            "pyproject.toml",
            "[tool.pytest]\npython_files = [\"check_*.py\"]\n",
        ),
        (
            "tox.ini",
            "[tox]\nenvlist = py\n[pytest]\npython_files = check_*.py\n",
        ),
        (
            "setup.cfg",
            "[metadata]\nname = x\n[tool:pytest]\npython_files = check_*.py\n",
        ),
    ];
    for (name, content) in cases {
        let d = tree(&[
            (name, content),
            ("sub/check_a.py", ""),
            ("sub/test_b.py", ""),
        ]);
        let p = run(d.path(), "", &[]);
        assert_eq!(ini_name(&p).as_deref(), Some(*name), "{name}");
        assert_eq!(p.rootdir, d.path());
        assert_eq!(p.config.python_files, ["check_*.py"], "{name}");
        assert_eq!(listing(&p), ["T sub/check_a.py"], "{name}");
        assert_eq!(p.config.confcutdir.as_deref(), Some(d.path()));
    }
}

#[test]
fn config_precedence_in_one_directory() {
    let all = [
        ("pytest.toml", "[pytest]\n"),
        (".pytest.toml", "[pytest]\n"),
        ("pytest.ini", "[pytest]\n"),
        (".pytest.ini", "[pytest]\n"),
        ("pyproject.toml", "[tool.pytest.ini_options]\n"),
        ("tox.ini", "[pytest]\n"),
        ("setup.cfg", "[tool:pytest]\n"),
    ];
    for skip in 0..all.len() {
        let d = tree(&all[skip..]);
        let p = run(d.path(), "", &[]);
        assert_eq!(ini_name(&p).as_deref(), Some(all[skip].0));
        let ignored: Vec<_> = p.warnings.iter().map(|w| w.path.clone()).collect();
        let expected: Vec<_> = all[skip + 1..]
            .iter()
            .map(|(n, _)| d.path().join(n))
            .collect();
        assert_eq!(ignored, expected);
    }
    // Files without a pytest section do not count; pytest.ini always does.
    let d = tree(&[("tox.ini", "[tox]\n"), ("setup.cfg", "[tool:pytest]\n")]);
    assert_eq!(
        ini_name(&run(d.path(), "", &[])).as_deref(),
        Some("setup.cfg")
    );
    let d = tree(&[
        ("pytest.ini", "[other]\n"),
        ("setup.cfg", "[tool:pytest]\n"),
    ]);
    assert_eq!(
        ini_name(&run(d.path(), "", &[])).as_deref(),
        Some("pytest.ini")
    );
    // An empty [tool.pytest] is no configuration; an empty pytest.toml is.
    let d = tree(&[
        ("pyproject.toml", "[tool.pytest]\n"),
        ("tox.ini", "[pytest]\n"),
    ]);
    assert_eq!(
        ini_name(&run(d.path(), "", &[])).as_deref(),
        Some("tox.ini")
    );
    let d = tree(&[("pytest.toml", ""), ("tox.ini", "[pytest]\n")]);
    assert_eq!(
        ini_name(&run(d.path(), "", &[])).as_deref(),
        Some("pytest.toml")
    );
}

#[test]
fn nearest_config_wins_over_outer_ones() {
    let d = tree(&[
        ("pytest.ini", "[pytest]\n"),
        ("sub/tox.ini", "[pytest]\n"),
        ("sub/test_a.py", ""),
        ("other/test_b.py", ""),
    ]);
    let p = run(d.path(), "", &["sub"]);
    assert_eq!(p.rootdir, d.path().join("sub"));
    assert_eq!(p.inifile, Some(d.path().join("sub/tox.ini")));
    assert_eq!(listing(&p), ["T test_a.py"]);
    let p = run(d.path(), "", &["other"]);
    assert_eq!(p.rootdir, d.path());
    assert_eq!(listing(&p), ["T other/test_b.py"]);
}

#[test]
fn pyproject_without_section_is_the_fallback() {
    let d = tree(&[
        ("pyproject.toml", "[project]\nname = \"x\"\n"),
        ("sub/test_a.py", ""),
    ]);
    let p = run(d.path(), "sub", &[]);
    assert_eq!(p.rootdir, d.path());
    assert_eq!(p.inifile, Some(d.path().join("pyproject.toml")));
    assert_eq!(
        p.config,
        PytestConfig {
            confcutdir: Some(d.path().into()),
            ..Default::default()
        }
    );
    // ... but only when no ancestor has real configuration.
    let d = tree(&[
        ("tox.ini", "[pytest]\n"),
        ("sub/pyproject.toml", "[project]\nname = \"x\"\n"),
        ("sub/test_a.py", ""),
    ]);
    let p = run(d.path(), "sub", &[]);
    assert_eq!(p.inifile, Some(d.path().join("tox.ini")));
}

#[test]
fn setup_py_fallback() {
    let d = tree(&[("setup.py", ""), ("sub/deeper/test_a.py", "")]);
    let p = run(d.path(), "sub", &["deeper"]);
    assert_eq!(p.rootdir, d.path());
    assert_eq!(p.inifile, None);
    assert_eq!(listing(&p), ["T sub/deeper/test_a.py"]);
}

#[test]
fn rootdir_from_several_args() {
    let d = tree(&[("p/a/x/test_1.py", ""), ("p/b/y/test_2.py", "")]);
    // No configuration anywhere: the common ancestor of the args and the invocation dir.
    let p = run(d.path(), "", &["p/a/x", "p/b/y/test_2.py"]);
    assert_eq!(p.rootdir, d.path());
    assert_eq!(listing(&p), ["T p/a/x/test_1.py", "T p/b/y/test_2.py"]);
    let p = run(d.path(), "p/a", &["../a/x", "../b/y/test_2.py"]);
    assert_eq!(p.rootdir, d.path().join("p"));
    assert_eq!(listing(&p), ["T a/x/test_1.py", "T b/y/test_2.py"]);
    // No config above the common ancestor: the args' own configs are searched next.
    let d = tree(&[
        ("p/a/pytest.ini", "[pytest]\n"),
        ("p/a/x/test_1.py", ""),
        ("p/b/y/test_2.py", ""),
    ]);
    let p = run(d.path(), "", &["p/a/x", "p/b/y"]);
    assert_eq!(p.rootdir, d.path().join("p/a"));
    assert_eq!(listing(&p), ["T x/test_1.py", "T ../b/y/test_2.py"]);
    // Overlapping arguments are collected once, in argument order.
    let d = tree(&[
        ("pytest.ini", "[pytest]\n"),
        ("t/test_b.py", ""),
        ("t/u/test_a.py", ""),
        ("test_c.py", ""),
    ]);
    let p = run(d.path(), "", &["test_c.py", "t/u", "t", "t/test_b.py"]);
    assert_eq!(
        listing(&p),
        ["T test_c.py", "T t/test_b.py", "T t/u/test_a.py"]
    );
}

#[test]
fn nonexistent_path_is_an_error() {
    let d = tree(&[("pytest.ini", "[pytest]\n")]);
    let e = err(d.path(), &["nope"]);
    assert_eq!(e.path, d.path().join("nope"));
    assert_eq!(e.line, 0);
    assert_eq!(
        e.to_string(),
        format!("{}: file or directory not found: nope", e.path.display())
    );
    // Node ids are accepted.
    let d = tree(&[("pytest.ini", "[pytest]\n"), ("test_a.py", "")]);
    let p = run(d.path(), "", &["test_a.py::test_x"]);
    assert_eq!(listing(&p), ["T test_a.py"]);
}

#[test]
fn usefixtures_locations() {
    let d = tree(&[("pytest.ini", "[pytest]\nusefixtures = a  'b c'\n    d\n")]);
    let p = run(d.path(), "", &[]);
    let got: Vec<_> = p
        .config
        .usefixtures
        .iter()
        .map(|v| (v.value.as_str(), v.line, v.column))
        .collect();
    assert_eq!(got, [("a", 2, 15), ("b c", 2, 18), ("d", 3, 5)]);

    let d = tree(&[(
        "pyproject.toml",
        "[tool.pytest.ini_options]\nusefixtures = [\n  \"x\", 'y',\n]\n",
    )]);
    let p = run(d.path(), "", &[]);
    let got: Vec<_> = p
        .config
        .usefixtures
        .iter()
        .map(|v| (v.value.as_str(), v.line, v.column))
        .collect();
    assert_eq!(got, [("x", 3, 3), ("y", 3, 8)]);

    let d = tree(&[(
        "pyproject.toml",
        "[tool.pytest.ini_options]\nusefixtures = \"p  q\"\n",
    )]);
    let p = run(d.path(), "", &[]);
    let got: Vec<_> = p
        .config
        .usefixtures
        .iter()
        .map(|v| (v.value.as_str(), v.line, v.column))
        .collect();
    assert_eq!(got, [("p", 2, 16), ("q", 2, 19)]);

    let d = tree(&[("pytest.toml", "[pytest]\nusefixtures = [\"é\", \"z\"]\n")]);
    let p = run(d.path(), "", &[]);
    let got: Vec<_> = p
        .config
        .usefixtures
        .iter()
        .map(|v| (v.value.as_str(), v.line, v.column))
        .collect();
    assert_eq!(got, [("é", 2, 16), ("z", 2, 21)]);
}

#[test]
fn other_options_are_typed_like_pytest() {
    let d = tree(&[(
        "tox.ini",
        "[pytest]\npython_classes = Check *Suite\npython_functions = check_ *_should\npythonpath = src ../lib\naddopts = -ra \"-k a b\"\n",
    )]);
    let p = run(d.path(), "", &[]);
    let c = &p.config;
    assert_eq!(
        c.pythonpath,
        [d.path().join("src"), d.path().parent().unwrap().join("lib")]
    );
    assert_eq!(c.addopts, ["-ra", "-k a b"]);
    assert!(c.matches_class("CheckThis") && c.matches_class("MySuite") && !c.matches_class("Test"));
    assert!(
        c.matches_function("check_x")
            && c.matches_function("it_should")
            && !c.matches_function("test")
    );
    let dflt = PytestConfig::default();
    assert!(
        dflt.matches_function("test_x")
            && dflt.matches_function("testing")
            && !dflt.matches_function("Test")
    );
    assert!(dflt.matches_class("TestX") && !dflt.matches_class("XTest"));
}

#[test]
fn malformed_ini_files_report_the_line() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "pytest.ini",
            "[pytest]\naddopts = -q\nbogus line\n",
            3,
            "unexpected line: 'bogus line'",
        ),
        (
            "tox.ini",
            "[pytest]\n  indented\n",
            2,
            "unexpected value continuation",
        ),
        (
            "setup.cfg",
            "[metadata]\nname=x\n\n[pytest]\naddopts=-q\n",
            4,
            "[pytest] section in setup.cfg",
        ),
        (
            ".pytest.ini",
            "[pytest]\na=1\na=2\n",
            3,
            "duplicate name 'a'",
        ),
        (
            "pytest.ini",
            "[pytest]\naddopts = 'unclosed\n",
            2,
            "No closing quotation",
        ),
    ];
    for (name, content, line, msg) in cases {
        let d = tree(&[(name, content)]);
        let e = err(d.path(), &[]);
        assert_eq!(e.path, d.path().join(name));
        assert_eq!(e.line, *line, "{name}: {e}");
        assert!(e.message.contains(msg), "{name}: {e}");
    }
    // A malformed lower-precedence file next to the chosen one is still an error.
    let d = tree(&[("pytest.ini", "[pytest]\n"), ("tox.ini", "oops\n")]);
    assert_eq!(err(d.path(), &[]).path, d.path().join("tox.ini"));
}

#[test]
fn malformed_toml_reports_line_and_column() {
    let d = tree(&[(
        "pyproject.toml",
        "[tool.pytest.ini_options]\ntestpaths = [\"a\",\n  1 = 2\n",
    )]);
    let e = err(d.path(), &[]);
    assert_eq!((e.line, e.column), (3, 5), "{e}");
    let d = tree(&[("pytest.toml", "[pytest]\nx = 1\nx = 2\n")]);
    let e = err(d.path(), &[]);
    assert_eq!(e.line, 3, "{e}");
    // Type errors in TOML mode point at the value.
    let d = tree(&[("pyproject.toml", "[tool.pytest]\ntestpaths = \"tests\"\n")]);
    let e = err(d.path(), &[]);
    assert_eq!((e.line, e.column), (2, 13), "{e}");
    assert!(
        e.message
            .contains("expects a list for type 'args', got str: 'tests'"),
        "{e}"
    );
    let d = tree(&[("pytest.toml", "[pytest]\nusefixtures = [\"a\", 2]\n")]);
    let e = err(d.path(), &[]);
    assert_eq!((e.line, e.column), (2, 21), "{e}");
    let d = tree(&[("pytest.toml", "testpaths = [\"a\"]\n")]);
    let e = err(d.path(), &[]);
    assert!(e.message.contains("must be under a [pytest] table"), "{e}");
    let d = tree(&[(
        "pyproject.toml",
        "[tool.pytest]\nx = [\"a\"]\n[tool.pytest.ini_options]\ny = \"b\"\n",
    )]);
    assert!(err(d.path(), &[]).message.contains("Cannot use both"));
}

#[test]
fn rel_path_forms() {
    let r = Path::new("/a/b");
    assert_eq!(rel_path(r, Path::new("/a/b/c/d.py")), "c/d.py");
    assert_eq!(rel_path(r, Path::new("/a/b")), "");
    assert_eq!(rel_path(r, Path::new("/a/x/y.py")), "../x/y.py");
}
