//! Shared helpers for integration tests: a pinned pytest to use as the oracle, the
//! oracle runner, an in-process fixmig runner, and the comparison of their outputs.
//!
//! Real pytest is the ground truth: `run_oracle` runs pytest with the plugin in
//! `tests/oracle/fixmig_oracle.py`, which prints the same JSON contract as
//! `fixmig fixtures --per-test --format json`, and `compare_resolution` lists the
//! places where the two disagree.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The pytest version the oracle runs use by default (`target/pyenv`).
pub const PYTEST_VERSION: &str = "9.2.0";

/// The older pytest every oracle case also runs on (`target/pyenv-8`): fixmig models the
/// pytest installed in the analysed environment, so each case is compared with both.
pub const PYTEST_8_VERSION: &str = "8.4.2";

/// Every pytest version the oracle cases are compared with.
pub const PYTEST_VERSIONS: [&str; 2] = [PYTEST_VERSION, PYTEST_8_VERSION];

/// The crate root.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/cases`: one small pytest project per directory.
pub fn cases_dir() -> PathBuf {
    manifest_dir().join("tests").join("cases")
}

/// Every case directory under `tests/cases`, sorted by name.
pub fn case_dirs() -> Vec<PathBuf> {
    let root = cases_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|entry| entry.expect("read_dir entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn output_text(output: &Output) -> String {
    format!(
        "exit status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The pytest version importable by `python`, if any.
fn pytest_version(python: &Path) -> Option<String> {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys, pytest; sys.stdout.write(pytest.__version__)",
        ])
        .env_remove("PYTHONPATH")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

fn pip_install_pytest(python: &Path, version: &str) {
    let requirement = format!("pytest=={version}");
    let output = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            &requirement,
        ])
        .env_remove("PYTHONPATH")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} -m pip: {e}", python.display()));
    if !output.status.success() {
        panic!(
            "`{} -m pip install {requirement}` failed. The oracle tests need {requirement} \
             from PyPI (network access to the package index), and a Python 3 with pip \
             (Debian/Ubuntu: `apt-get install python3 python3-venv python3-pip`).\n{}",
            python.display(),
            output_text(&output)
        );
    }
}

/// Creates a fresh virtual environment with pytest `version` at `dir`.
fn create_venv(dir: &Path, version: &str) {
    let output = match Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(dir)
        .env_remove("PYTHONPATH")
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!(
            "cannot run `python3` ({e}). The oracle tests compare fixmig with real pytest \
             and need Python 3.10 or newer with the venv module on PATH as `python3` \
             (Debian/Ubuntu: `apt-get install python3 python3-venv`)."
        ),
    };
    if !output.status.success() {
        panic!(
            "`python3 -m venv {}` failed: install the venv module \
             (Debian/Ubuntu: `apt-get install python3-venv`).\n{}",
            dir.display(),
            output_text(&output)
        );
    }
    pip_install_pytest(&venv_python(dir), version);
}

/// The venv directory holding pytest `version`: `target/pyenv` for [`PYTEST_VERSION`],
/// `target/pyenv-8` for [`PYTEST_8_VERSION`].
pub fn venv_dir(version: &str) -> PathBuf {
    let name = match version {
        PYTEST_VERSION => "pyenv",
        PYTEST_8_VERSION => "pyenv-8",
        other => panic!("no venv is set up for pytest {other}"),
    };
    manifest_dir().join("target").join(name)
}

fn ensure_pytest_venv(version: &str) -> PathBuf {
    let venv = venv_dir(version);
    let python = venv_python(&venv);
    if python.exists() {
        if pytest_version(&python).as_deref() != Some(version) {
            // A venv from an older setup: pin pytest in place.
            pip_install_pytest(&python, version);
            let found = pytest_version(&python);
            assert_eq!(
                found.as_deref(),
                Some(version),
                "{} still lacks pytest {version} after pip install",
                python.display()
            );
        }
        return python;
    }

    // Build the venv next to its final place, then move it there in one rename, so
    // that concurrent test processes never see a half-made venv.
    std::fs::create_dir_all(venv.parent().expect("target dir"))
        .expect("cannot create the target directory");
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = venv.file_name().expect("venv name").to_string_lossy();
    let staging = venv.with_file_name(format!("{name}.tmp-{}-{nanos}", std::process::id()));
    create_venv(&staging, version);
    if let Err(e) = std::fs::rename(&staging, &venv) {
        // Another process won the race: use its venv, drop ours.
        let _ = std::fs::remove_dir_all(&staging);
        if !python.exists() {
            panic!(
                "cannot move the new venv {} to {}: {e}",
                staging.display(),
                venv.display()
            );
        }
    }
    let found = pytest_version(&python);
    assert_eq!(
        found.as_deref(),
        Some(version),
        "{} does not provide pytest {version}",
        python.display()
    );
    python
}

/// The venv python at `<crate>/target/pyenv/bin/python`, with exactly pytest 9.2.0
/// installed. Creates the venv (`python3 -m venv` + `pip install pytest==9.2.0`) when
/// missing; panics with what to install when that is impossible.
pub fn python_with_pytest() -> PathBuf {
    python_with_pytest_version(PYTEST_VERSION)
}

/// The venv python with exactly pytest `version` (one of [`PYTEST_VERSIONS`]), created on
/// first use like [`python_with_pytest`]; never skipped: panics when it cannot be made.
pub fn python_with_pytest_version(version: &str) -> PathBuf {
    static PYTHONS: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let pythons = PYTHONS.get_or_init(Default::default);
    let mut pythons = pythons.lock().unwrap_or_else(|e| e.into_inner());
    pythons
        .entry(version.to_string())
        .or_insert_with(|| ensure_pytest_venv(version))
        .clone()
}

/// What real pytest made of a case.
#[derive(Debug, Clone)]
pub enum OracleOutcome {
    /// The oracle plugin's JSON (pytest exited 0, 1 or 5).
    Resolved(Value),
    /// pytest refused the configuration (exit code 4): its `ERROR: ...` message, with the
    /// path in front of it removed.
    UsageError(String),
}

/// Runs real pytest on `case_dir` (as the working directory, so the case's own
/// config file makes it the rootdir) with the oracle plugin loaded, and returns the
/// JSON the plugin wrote. Failing tests (exit code 1) are expected; usage, internal
/// and interruption errors panic with pytest's output.
pub fn run_oracle(case_dir: &Path) -> Value {
    run_oracle_args(case_dir, &[])
}

/// `run_oracle` with more pytest arguments (e.g. `-W error::DeprecationWarning`).
pub fn run_oracle_args(case_dir: &Path, extra: &[&str]) -> Value {
    match run_oracle_outcome_args(&python_with_pytest(), case_dir, extra) {
        OracleOutcome::Resolved(value) => value,
        OracleOutcome::UsageError(e) => panic!(
            "pytest refused {} with a usage error: {e}",
            case_dir.display()
        ),
    }
}

/// The message of pytest's usage error in its stderr (`ERROR: PATH: MESSAGE` or
/// `ERROR: MESSAGE`), without the path.
fn usage_error_message(stderr: &str) -> Option<String> {
    let line = stderr.lines().find_map(|l| l.strip_prefix("ERROR: "))?;
    let message = match line.split_once(": ") {
        Some((path, rest)) if path.contains('/') => rest,
        _ => line,
    };
    Some(message.trim().to_string())
}

/// [`run_oracle`] with the given venv python; a usage error (exit code 4 with an `ERROR:`
/// line) is an outcome, not a panic.
pub fn run_oracle_outcome(python: &Path, case_dir: &Path) -> OracleOutcome {
    run_oracle_outcome_args(python, case_dir, &[])
}

/// [`run_oracle_outcome`] with more pytest arguments.
pub fn run_oracle_outcome_args(python: &Path, case_dir: &Path, extra: &[&str]) -> OracleOutcome {
    let tmp = tempfile::tempdir().expect("cannot create a temporary directory");
    let out_file = tmp.path().join("oracle.json");
    let output = Command::new(python)
        .args([
            "-m",
            "pytest",
            "-p",
            "fixmig_oracle",
            "-q",
            "-p",
            "no:cacheprovider",
        ])
        .args(extra)
        .current_dir(case_dir)
        .env("PYTHONPATH", manifest_dir().join("tests").join("oracle"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("FIXMIG_ORACLE_OUT", &out_file)
        // Keep the run hermetic: nothing from the caller's environment changes what
        // pytest loads or how it is invoked.
        .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTEST_PLUGINS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let code = output.status.code();
    if code == Some(4) {
        if let Some(message) = usage_error_message(&String::from_utf8_lossy(&output.stderr)) {
            return OracleOutcome::UsageError(message);
        }
    }
    if !matches!(code, Some(0) | Some(1) | Some(5)) {
        panic!(
            "pytest failed on {} (exit code {code:?}: usage error, internal error or \
             interrupted collection)\n{}",
            case_dir.display(),
            output_text(&output)
        );
    }
    let text = std::fs::read_to_string(&out_file).unwrap_or_else(|e| {
        panic!(
            "the oracle wrote no {} for {} ({e})\n{}",
            out_file.display(),
            case_dir.display(),
            output_text(&output)
        )
    });
    OracleOutcome::Resolved(serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "the oracle wrote invalid JSON for {}: {e}\n{text}",
            case_dir.display()
        )
    }))
}

/// Runs real pytest with `python` on `case_dir` like `run_oracle`, but with the plugin
/// loading left to the environment: `PYTEST_DISABLE_PLUGIN_AUTOLOAD`, `PYTEST_ADDOPTS` and
/// `PYTEST_PLUGINS` are removed from the inherited environment, then `env` is applied.
pub fn run_oracle_with(python: &Path, case_dir: &Path, env: &[(&str, &str)]) -> Value {
    let tmp = tempfile::tempdir().expect("cannot create a temporary directory");
    let out_file = tmp.path().join("oracle.json");
    let mut command = Command::new(python);
    command
        .args([
            "-m",
            "pytest",
            "-p",
            "fixmig_oracle",
            "-q",
            "-p",
            "no:cacheprovider",
        ])
        .current_dir(case_dir)
        .env("PYTHONPATH", manifest_dir().join("tests").join("oracle"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("FIXMIG_ORACLE_OUT", &out_file)
        .env_remove("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTEST_PLUGINS");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let code = output.status.code();
    if !matches!(code, Some(0) | Some(1) | Some(5)) {
        panic!(
            "pytest failed on {} with {env:?} (exit code {code:?}: usage error, internal \
             error or interrupted collection)\n{}",
            case_dir.display(),
            output_text(&output)
        );
    }
    let text = std::fs::read_to_string(&out_file).unwrap_or_else(|e| {
        panic!(
            "the oracle wrote no {} for {} ({e})\n{}",
            out_file.display(),
            case_dir.display(),
            output_text(&output)
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "the oracle wrote invalid JSON for {}: {e}\n{text}",
            case_dir.display()
        )
    })
}

/// Runs the fixmig command line in-process; `args` excludes the program name.
/// Returns (exit code, stdout, stderr).
pub fn run_fixmig(args: &[&str]) -> (i32, String, String) {
    // Hermetic: describe the environment the oracle runs in (target/pyenv: pytest 9.2.0 and
    // nothing else), not whatever `python3` or virtualenv the developer has active.
    run_fixmig_with(&python_with_pytest(), args)
}

/// [`run_fixmig`] describing the environment of `python` (a venv of
/// [`python_with_pytest_version`]) unless `args` name one.
pub fn run_fixmig_with(python: &Path, args: &[&str]) -> (i32, String, String) {
    let mut out: Vec<u8> = Vec::new();
    let mut err: Vec<u8> = Vec::new();
    let python = python.to_str().expect("utf-8 path").to_string();
    let mut all: Vec<&str> = vec!["fixmig"];
    all.extend(args.iter().copied());
    let configured = args
        .iter()
        .any(|a| *a == "--python" || *a == "--no-config" || a.starts_with("--config"));
    if !configured && args.first().is_some_and(|a| *a != "completions") {
        all.extend(["--python", python.as_str()]);
    }
    // Nor does a test leave a facts cache (`.fixmig_cache/`) in the case directories it reads;
    // tests/cache.rs covers the cache.
    if args.first().is_some_and(|a| *a != "completions") && !args.contains(&"--no-cache") {
        all.push("--no-cache");
    }
    let code = fixmig::run_cli(all, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".to_string(),
        Some(v) => v.to_string(),
    }
}

fn tests_by_nodeid<'a>(
    side: &str,
    output: &'a Value,
    problems: &mut Vec<String>,
) -> Vec<(String, &'a Value)> {
    let Some(tests) = output.get("tests").and_then(Value::as_array) else {
        problems.push(format!("{side} output has no \"tests\" array"));
        return Vec::new();
    };
    let mut result = Vec::new();
    for test in tests {
        match test.get("nodeid").and_then(Value::as_str) {
            Some(nodeid) => result.push((nodeid.to_string(), test)),
            None => problems.push(format!("{side} has a test without a string nodeid: {test}")),
        }
    }
    result
}

fn fixture_names(test: &Value) -> Vec<String> {
    test.get("fixtures")
        .and_then(Value::as_array)
        .map(|fixtures| {
            fixtures
                .iter()
                .map(|f| {
                    f.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("<no name>")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn fixtures_by_name(test: &Value) -> HashMap<String, &Value> {
    let mut map = HashMap::new();
    if let Some(fixtures) = test.get("fixtures").and_then(Value::as_array) {
        for fixture in fixtures {
            if let Some(name) = fixture.get("name").and_then(Value::as_str) {
                map.entry(name.to_string()).or_insert(fixture);
            }
        }
    }
    map
}

/// `(code, fixture)` of each error of a test.
fn errors(test: &Value) -> Vec<(Option<&Value>, Option<&Value>)> {
    test.get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e.get("code"), e.get("fixture")))
                .collect()
        })
        .unwrap_or_default()
}

fn show_error(error: &(Option<&Value>, Option<&Value>)) -> String {
    format!("{} {}", show(error.0), show(error.1))
}

fn compare_fixture(nodeid: &str, name: &str, oracle: &Value, fixmig: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for key in ["kind", "path", "line", "function", "chain"] {
        let (want, got) = (oracle.get(key), fixmig.get(key));
        if want != got {
            problems.push(format!(
                "{nodeid}: fixture `{name}`: {key}: pytest {}, fixmig {}",
                show(want),
                show(got)
            ));
        }
    }
    let (want, got) = (oracle.get("scope"), fixmig.get("scope"));
    let dynamic = got.and_then(Value::as_str) == Some("dynamic");
    if want != got && !dynamic {
        problems.push(format!(
            "{nodeid}: fixture `{name}`: scope: pytest {}, fixmig {}",
            show(want),
            show(got)
        ));
    }
    problems
}

/// Human-readable disagreements between the oracle's JSON and fixmig's JSON for the
/// same case (`rootdir` is ignored). Per test: the fixture names and their order; per
/// fixture: kind, path, line, function, chain and scope (fixmig's "dynamic" matches any
/// scope); errors: both empty, or fixmig's first error equal to pytest's.
pub fn compare_resolution(oracle: &Value, fixmig: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let oracle_tests = tests_by_nodeid("pytest", oracle, &mut problems);
    let fixmig_tests = tests_by_nodeid("fixmig", fixmig, &mut problems);
    let fixmig_map: HashMap<&str, &Value> = fixmig_tests
        .iter()
        .map(|(nodeid, test)| (nodeid.as_str(), *test))
        .collect();
    let oracle_map: HashMap<&str, &Value> = oracle_tests
        .iter()
        .map(|(nodeid, test)| (nodeid.as_str(), *test))
        .collect();

    for (nodeid, _) in &oracle_tests {
        if !fixmig_map.contains_key(nodeid.as_str()) {
            problems.push(format!(
                "{nodeid}: test collected by pytest, missing from fixmig"
            ));
        }
    }
    for (nodeid, _) in &fixmig_tests {
        if !oracle_map.contains_key(nodeid.as_str()) {
            problems.push(format!(
                "{nodeid}: test reported by fixmig, not collected by pytest"
            ));
        }
    }

    for (nodeid, want) in &oracle_tests {
        let Some(got) = fixmig_map.get(nodeid.as_str()) else {
            continue;
        };
        let (want_names, got_names) = (fixture_names(want), fixture_names(got));
        if want_names != got_names {
            problems.push(format!(
                "{nodeid}: fixtures: pytest [{}], fixmig [{}]",
                want_names.join(", "),
                got_names.join(", ")
            ));
        }
        let (want_fixtures, got_fixtures) = (fixtures_by_name(want), fixtures_by_name(got));
        let mut seen = HashSet::new();
        for name in &want_names {
            if !seen.insert(name.as_str()) {
                continue;
            }
            if let (Some(w), Some(g)) = (want_fixtures.get(name), got_fixtures.get(name)) {
                problems.extend(compare_fixture(nodeid, name, w, g));
            }
        }

        let (want_errors, got_errors) = (errors(want), errors(got));
        match (want_errors.first(), got_errors.first()) {
            (None, None) => {}
            (Some(w), Some(g)) if w == g => {}
            (Some(w), None) => problems.push(format!(
                "{nodeid}: errors: pytest's setup fails with {}, fixmig reports none",
                show_error(w)
            )),
            (None, Some(_)) => problems.push(format!(
                "{nodeid}: errors: pytest's setup succeeds, fixmig reports [{}]",
                got_errors.iter().map(show_error).collect::<Vec<_>>().join(", ")
            )),
            (Some(w), Some(_)) => problems.push(format!(
                "{nodeid}: errors: pytest's setup fails with {}, fixmig's first error is {} (all: [{}])",
                show_error(w),
                show_error(&got_errors[0]),
                got_errors.iter().map(show_error).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    problems
}

/// Writes `text` to `rel` under `root`, making the directories on the way.
pub fn write_file(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Copies a directory tree (files and directories only).
#[allow(dead_code)]
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
