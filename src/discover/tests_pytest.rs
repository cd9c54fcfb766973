//! Comparisons with the real pytest 9.2 in `target/pyenv`: the same temporary
//! project is discovered by fixmig and collected by `pytest --collect-only` with a
//! recording plugin, and rootdir, inifile, confcutdir, configuration values, the test
//! modules (in order) and the loaded conftests (as a set) must agree.
//!
//! These tests panic (they do not skip) when `target/pyenv/bin/python` is missing;
//! `FIXMIG_PYTHON` can point at another interpreter with pytest 9.2 installed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::tests::{run, tree};
use super::*;

const RECORDER: &str = r#"
import json, os, sys
import pytest

class Recorder:
    def __init__(self):
        self.events = []
        self.info = {}
    def pytest_plugin_registered(self, plugin, plugin_name, manager):
        f = getattr(plugin, "__file__", None)
        if f and os.path.basename(f) == "conftest.py":
            self.events.append(["conftest", os.path.abspath(f)])
    def pytest_collectstart(self, collector):
        if isinstance(collector, pytest.Module):
            self.events.append(["module", str(collector.path)])
    def pytest_collection_finish(self, session):
        c = session.config
        self.info = {
            "rootdir": str(c.rootpath),
            "inifile": str(c.inipath) if c.inipath else None,
            "confcutdir": os.path.abspath(c.known_args_namespace.confcutdir),
            "pythonpath": [os.path.abspath(p) for p in c.getini("pythonpath")],
        }
        for k in ["python_files", "python_classes", "python_functions", "norecursedirs",
                  "testpaths", "usefixtures", "addopts"]:
            self.info[k] = c.getini(k)

r = Recorder()
rc = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                  *sys.argv[1:]], plugins=[r])
print("@@RESULT@@" + json.dumps({"rc": int(rc), "events": r.events, "info": r.info}))
"#;

fn python() -> PathBuf {
    let path = std::env::var_os("FIXMIG_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: these tests compare with real pytest 9.2. Create it with \
         `python3 -m venv target/pyenv && target/pyenv/bin/pip install pytest==9.2.0` \
         (or set FIXMIG_PYTHON)",
        path.display()
    );
    path
}

/// Runs pytest's collection in `cwd` with `args`; returns the recorder's JSON and the
/// combined output.
fn pytest(cwd: &Path, args: &[&str]) -> (Value, String) {
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), RECORDER).unwrap();
    let out = Command::new(python())
        .arg(script.path())
        .args(args)
        .current_dir(cwd)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTEST_ADDOPTS")
        .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        .output()
        .expect("running pytest");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let json = text
        .lines()
        .find_map(|l| l.strip_prefix("@@RESULT@@"))
        .map(|j| serde_json::from_str(j).unwrap())
        .unwrap_or(Value::Null);
    (json, text)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// Discovers `root/cwd` with `args` and checks everything against pytest run the same
/// way (a single argument equal to the rootdir runs pytest from the rootdir without
/// arguments, which is how fixmig reads it).
fn compare(root: &Path, cwd: &str, args: &[&str]) -> Project {
    let ours = run(root, cwd, args);
    let resolved: Vec<PathBuf> = args
        .iter()
        .map(|a| setup::absolutize(&root.join(cwd), Path::new(a)))
        .collect();
    let from_rootdir = resolved.len() == 1 && resolved[0] == ours.rootdir;
    let (py_cwd, py_args) = if from_rootdir {
        (ours.rootdir.clone(), vec![])
    } else {
        (root.join(cwd), args.to_vec())
    };
    let (json, text) = pytest(&py_cwd, &py_args);
    let info = &json["info"];
    assert!(
        info.is_object(),
        "pytest did not finish collecting:\n{text}"
    );
    let ctx = format!("cwd={cwd:?} args={args:?}\npytest output:\n{text}\nours: {ours:#?}");
    assert_eq!(
        ours.rootdir,
        PathBuf::from(info["rootdir"].as_str().unwrap()),
        "{ctx}"
    );
    assert_eq!(
        ours.inifile,
        info["inifile"].as_str().map(PathBuf::from),
        "{ctx}"
    );
    let c = &ours.config;
    assert_eq!(
        c.confcutdir.as_deref(),
        Some(Path::new(info["confcutdir"].as_str().unwrap())),
        "{ctx}"
    );
    assert_eq!(c.python_files, strs(&info["python_files"]), "{ctx}");
    assert_eq!(c.python_classes, strs(&info["python_classes"]), "{ctx}");
    assert_eq!(c.python_functions, strs(&info["python_functions"]), "{ctx}");
    assert_eq!(c.norecursedirs, strs(&info["norecursedirs"]), "{ctx}");
    assert_eq!(c.testpaths, strs(&info["testpaths"]), "{ctx}");
    assert_eq!(c.addopts, strs(&info["addopts"]), "{ctx}");
    let uf: Vec<String> = c.usefixtures.iter().map(|v| v.value.clone()).collect();
    assert_eq!(uf, strs(&info["usefixtures"]), "{ctx}");
    let pp: Vec<String> = c
        .pythonpath
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(pp, strs(&info["pythonpath"]), "{ctx}");

    let events = json["events"].as_array().unwrap();
    let of_kind = |k: &str| {
        events
            .iter()
            .filter(|e| e[0] == k)
            .map(|e| PathBuf::from(e[1].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    let our_modules: Vec<PathBuf> = ours
        .files
        .iter()
        .filter(|f| f.kind == FileKind::TestModule)
        .map(|f| f.path.clone())
        .collect();
    // A conftest.py matching python_files is also a test module for pytest; fixmig
    // lists it once, as a conftest.
    let their_modules: Vec<PathBuf> = of_kind("module")
        .into_iter()
        .filter(|m| !m.ends_with("conftest.py"))
        .collect();
    assert_eq!(our_modules, their_modules, "modules differ; {ctx}");
    let our_conftests: BTreeSet<PathBuf> = ours
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Conftest)
        .map(|f| f.path.clone())
        .collect();
    let their_conftests: BTreeSet<PathBuf> = of_kind("conftest").into_iter().collect();
    assert_eq!(our_conftests, their_conftests, "conftests differ; {ctx}");
    ours
}

fn layout() -> tempfile::TempDir {
    let d = tree(&[
        ("pytest.ini", "[pytest]\nusefixtures = fx1\n  fx2\n"),
        ("conftest.py", ""),
        ("test_root.py", ""),
        ("root_test.py", ""),
        ("helper.py", ""),
        ("a/conftest.py", ""),
        ("a/test_a.py", ""),
        ("a/b/conftest.py", ""),
        ("a/b/test_ab.py", ""),
        ("a/B/test_aB.py", ""),
        ("a/b_c/test_abc.py", ""),
        ("a-x/test_ax.py", ""),
        ("pkg/__init__.py", ""),
        ("pkg/conftest.py", ""),
        ("pkg/test_pkg.py", ""),
        ("pkg/sub/__init__.py", ""),
        ("pkg/sub/test_sub.py", ""),
        ("tests/conftest.py", ""),
        ("tests/test_t.py", ""),
        ("tests/data/conftest.py", ""),
        (".hidden/conftest.py", ""),
        (".hidden/test_h.py", ""),
        ("build/conftest.py", ""),
        ("build/test_build.py", ""),
        ("node_modules/test_nm.py", ""),
        ("x.egg/test_egg.py", ""),
        ("env/pyvenv.cfg", ""),
        ("env/test_env.py", ""),
        ("env/conftest.py", ""),
        ("__pycache__/test_pc.py", ""),
        ("only_conftest/conftest.py", ""),
        ("über/test_u.py", ""),
        ("zeta/test_z.py", ""),
    ]);
    std::os::unix::fs::symlink(d.path().join("a/b"), d.path().join("linked")).unwrap();
    d
}

#[test]
fn pytest_agrees_on_default_layout() {
    let d = layout();
    let p = compare(d.path(), "", &[]);
    assert!(p.files.len() > 10);
    compare(d.path(), "", &["."]);
    compare(d.path(), "a", &[]);
    compare(d.path(), "a", &["b", "../pkg/sub"]);
    compare(d.path(), "", &["pkg/sub/test_sub.py", "a/b", "a"]);
    compare(d.path(), "", &["build", "env", "helper.py"]);
    compare(d.path(), "", &["tests/data"]);
    compare(
        d.path(),
        "",
        &["build/test_build.py", ".hidden", "./a/../a/b/"],
    );
    compare(d.path(), "", &["linked", "a"]);
}

#[test]
fn pytest_agrees_with_custom_collection_options() {
    let d = layout();
    std::fs::write(
        d.path().join("pytest.ini"),
        "[pytest]\nnorecursedirs = tests b* env\npython_files = *_test.py test_*.py helper.py\n\
         python_classes = Check\npython_functions = check_ *_it\n\
         addopts = --ignore=a/B --ignore-glob=*/pkg/sub/*.py -p no:nothing\n",
    )
    .unwrap();
    compare(d.path(), "", &[]);
    compare(d.path(), "a", &[]);
    compare(d.path(), "", &["a/B"]);
    std::fs::write(
        d.path().join("pytest.ini"),
        "[pytest]\naddopts = --confcutdir=a --collect-in-virtualenv\n",
    )
    .unwrap();
    compare(d.path(), "", &[]);
    compare(d.path(), "", &["a/b"]);
    compare(d.path(), "", &["pkg"]);
}

#[test]
fn pytest_agrees_on_testpaths() {
    let d = layout();
    std::fs::write(
        d.path().join("pytest.ini"),
        "[pytest]\ntestpaths = a/b* pkg/**/test_*.py missing\n",
    )
    .unwrap();
    let p = compare(d.path(), "", &[]);
    assert!(p.files.iter().any(|f| f.rel == "pkg/sub/test_sub.py"));
    compare(d.path(), "", &["."]);
    compare(d.path(), "a", &[]);
    std::fs::write(
        d.path().join("pytest.ini"),
        "[pytest]\ntestpaths = te* **/b\n",
    )
    .unwrap();
    compare(d.path(), "", &[]);
    let abs = format!("[pytest]\ntestpaths = {}/a/b\n", d.path().display());
    std::fs::write(d.path().join("pytest.ini"), abs).unwrap();
    compare(d.path(), "", &[]);
    std::fs::write(
        d.path().join("pytest.ini"),
        "[pytest]\ntestpaths = nothing\n",
    )
    .unwrap();
    compare(d.path(), "", &[]);
}

#[test]
fn pytest_agrees_on_config_files() {
    let files: &[(&str, &str)] = &[
        (
            "pyproject.toml",
            "[tool.pytest.ini_options]\ntestpaths = [\"tests\", \"a\"]\nusefixtures = \"u1 'u 2'\"\n\
             pythonpath = \"src ../lib\"\naddopts = [\"-q\", \"-ra\"]\npython_classes = [\"Check\"]\n",
        ),
        (
            "pyproject.toml",
            "[tool.pytest]\ntestpaths = [\"tests\"]\nusefixtures = [\"u1\"]\npythonpath = [\"src\"]\n\
             norecursedirs = [\"build\"]\npython_files = [\"*.py\"]\n",
        ),
        ("pytest.toml", "[pytest]\npython_functions = [\"check\"]\naddopts = [\"--ignore\", \"a\"]\n"),
        ("tox.ini", "[tox]\nx = 1\n[pytest]\npython_files = test_*.py\n    helper.py\n"),
        ("setup.cfg", "[tool:pytest]\nnorecursedirs = .* a\naddopts = -k 'x or y'\n"),
        (
            "tox.ini",
            "[pytest]\naddopts = -o \"python_files=help*.py *_t.py\" --override-ini=testpaths=a\n",
        ),
        (".pytest.ini", "# comment\n[pytest]\n; other\nusefixtures: a b\n"),
    ];
    for (name, content) in files {
        let d = tree(&[
            (name, content),
            ("tests/test_t.py", ""),
            ("tests/conftest.py", ""),
            ("a/test_a.py", ""),
            ("build/test_b.py", ""),
            ("helper.py", ""),
        ]);
        compare(d.path(), "", &[]);
        compare(d.path(), "tests", &[]);
    }
}

#[test]
fn pytest_agrees_on_rootdir_rules() {
    // pyproject.toml without a pytest section, setup.py, no configuration at all.
    let d = tree(&[
        ("p/pyproject.toml", "[project]\nname = \"x\"\n"),
        ("p/sub/test_a.py", ""),
        ("q/setup.py", ""),
        ("q/s/t/test_b.py", ""),
        ("r/x/test_c.py", ""),
        ("r/y/test_d.py", ""),
        ("r/y/conftest.py", ""),
    ]);
    compare(d.path(), "p/sub", &[]);
    compare(d.path(), "", &["p/sub"]);
    compare(d.path(), "q/s", &["t"]);
    compare(d.path(), "r", &["x", "y/test_d.py"]);
    compare(d.path(), "r/x", &[]);
    compare(d.path(), "", &["r/x", "r/y"]);
    // The args' own configuration when their common ancestor has none.
    let d = tree(&[
        ("a/pytest.ini", "[pytest]\n"),
        ("a/x/test_1.py", ""),
        ("b/y/test_2.py", ""),
        ("b/conftest.py", ""),
    ]);
    compare(d.path(), "", &["a/x", "b/y"]);
    compare(d.path(), "", &["b/y", "a/x"]);
}

/// The `path:LINE` pytest prints for an ini error, or `(at line L, column C)` for TOML.
fn error_location(text: &str) -> Option<(usize, Option<usize>)> {
    if let Some(i) = text.find("(at line ") {
        let rest = &text[i + 9..];
        let (line, rest) = rest.split_once(", column ")?;
        let col: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        return Some((line.parse().ok()?, col.parse().ok()));
    }
    let line = text.lines().find(|l| l.starts_with("ERROR: "))?;
    let after = line
        .split(".ini:")
        .nth(1)
        .or_else(|| line.split(".cfg:").nth(1))?;
    let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((digits.parse().ok()?, None))
}

#[test]
fn pytest_agrees_on_error_locations() {
    let cases: &[(&str, &str)] = &[
        ("pytest.ini", "[pytest]\naddopts = -q\nnot a pair\n"),
        ("tox.ini", "[pytest]\n  indented\n"),
        ("setup.cfg", "[tool:pytest]\na = 1\n[x]\n[tool:pytest]\n"),
        ("pytest.ini", "x = 1\n[pytest]\n"),
        (
            "pyproject.toml",
            "[tool.pytest.ini_options]\ntestpaths = [\"a\",\n  1 = 2\n",
        ),
        (
            "pyproject.toml",
            "[tool.pytest.ini_options]\ntestpaths = \"a\n",
        ),
    ];
    for (name, content) in cases {
        let d = tree(&[(name, content)]);
        let ours = discover_in_for(d.path(), &[], &super::tests::pytest_9_2())
            .expect_err("malformed config");
        let (_, text) = pytest(d.path(), &[]);
        let (line, col) =
            error_location(&text).unwrap_or_else(|| panic!("no location in:\n{text}"));
        assert_eq!(ours.line, line, "{name}: ours {ours}, pytest:\n{text}");
        if let Some(col) = col {
            assert_eq!(ours.column, col, "{name}: ours {ours}, pytest:\n{text}");
        }
    }
}
