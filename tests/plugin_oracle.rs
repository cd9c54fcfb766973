//! Installed plugins: fixmig must resolve fixtures from the project's Python environment —
//! entry-point plugins, their imports and `pytest_plugins`, `-p` options, `PYTEST_PLUGINS`,
//! `PYTEST_DISABLE_PLUGIN_AUTOLOAD`, builtins read from the installed pytest — exactly as
//! real pytest does, without importing anything.
//!
//! `target/plugin-env` is a venv made on first use (and remade when a pin or a plugin source
//! changes) with exact pins — pytest 9.2.0, pytest-mock, pytest-asyncio — plus the two small
//! plugins under `tests/plugin_cases/_plugins/` installed in editable mode (a flat layout
//! installed through setuptools' `__editable__` finder, and a src layout through a `.pth`
//! path). Every case under `tests/plugin_cases/` runs through the oracle plugin with that
//! venv's python and through `fixmig fixtures --per-test --format json --python VENV` (the
//! binary, with the same environment variables), in several plugin configurations, and the
//! two must agree on every test. The agreement test also runs with `target/plugin-env-8`, the
//! same venv with pytest 8.4.2. Needs python3 (3.11+) with venv and network access to PyPI
//! the first time; it never skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// The plugin venv's pins (the whole install closure but the editable plugins), besides
/// `pytest==VERSION`: the venv is made for each of `support::PYTEST_VERSIONS`.
const PINS: &[&str] = &[
    "iniconfig==2.3.1",
    "packaging==26.3",
    "pluggy==1.7.0",
    "pygments==2.21.0",
    "pytest-mock==3.17.0",
    "pytest-asyncio==1.5.0",
    "typing_extensions==4.16.0",
    // Builds the editable plugins without build isolation (no unpinned download).
    "setuptools==80.9.0",
];

/// The local plugins (directories under `tests/plugin_cases/_plugins`).
const LOCAL_PLUGINS: &[&str] = &["fixmig-demo", "fixmig-srcdemo"];

/// Entry point names of the plugins in the venv, for the `-p no:NAME` variants.
const ENTRY_POINTS: &[&str] = &["pytest_mock", "asyncio", "fixmig_demo", "srcdemo"];

fn output_text(output: &Output) -> String {
    format!(
        "exit status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .env_remove("PYTHONPATH")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !output.status.success() {
        panic!(
            "{what} failed. The plugin tests need python3 (3.11 or newer) with the venv module \
             and network access to PyPI for {PINS:?}.\n{}",
            output_text(&output)
        );
    }
}

fn plugin_sources() -> PathBuf {
    support::manifest_dir().join("tests/plugin_cases/_plugins")
}

/// Every file of the local plugins, for the venv's stamp.
fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("read_dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name == "__pycache__" || name.ends_with(".egg-info") || name == "build" {
            continue;
        }
        if path.is_dir() {
            source_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every pin of the plugin venv for pytest `version`.
fn pins(version: &str) -> Vec<String> {
    let mut pins = vec![format!("pytest=={version}")];
    pins.extend(PINS.iter().map(|p| p.to_string()));
    pins
}

fn stamp(version: &str) -> String {
    let mut text = pins(version).join("\n");
    let mut files = Vec::new();
    source_files(&plugin_sources(), &mut files);
    for f in files {
        text.push_str(&format!(
            "\n--- {}\n{}",
            f.strip_prefix(plugin_sources()).unwrap_or(&f).display(),
            std::fs::read_to_string(&f).unwrap_or_default()
        ));
    }
    text
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).expect("readable source directory") {
        let path = entry.expect("read_dir entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", path.display()));
        }
    }
}

/// The plugin venv's name for pytest `version`: `plugin-env` (9.2.0), `plugin-env-8` (8.4.2).
fn env_name(version: &str) -> &'static str {
    if version == support::PYTEST_VERSION {
        "plugin-env"
    } else {
        "plugin-env-8"
    }
}

/// `target/plugin-env` (pytest 9.2.0; `target/plugin-env-8` for 8.4.2): made once (staged,
/// then renamed into place), remade when the stamp (pins and plugin sources) changes. The
/// editable plugins are installed from a copy under `target/plugin-env-src` (setuptools writes
/// `*.egg-info` next to the sources).
fn ensure_plugin_env(version: &str) -> PathBuf {
    let target = support::manifest_dir().join("target");
    let name = env_name(version);
    let venv = target.join(name);
    let python = venv.join("bin").join("python");
    let want = stamp(version);
    let stamp_file = venv.join(".fixmig-stamp");
    let sources = target.join(format!("{name}-src"));
    let sources_present = LOCAL_PLUGINS.iter().all(|p| sources.join(p).is_dir());
    if python.exists()
        && sources_present
        && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(&want)
    {
        return venv;
    }
    let python_ok = Command::new("python3")
        .args([
            "-c",
            "import sys; print(sys.version_info >= (3, 11) and sys.implementation.name == 'cpython')",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): the plugin tests need CPython 3.11+"));
    assert_eq!(
        String::from_utf8_lossy(&python_ok.stdout).trim(),
        "True",
        "the plugin tests need CPython 3.11 or newer as python3 (pytest-asyncio 1.5 needs 3.11 \
         without extra backports)"
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tag = format!("{}-{nanos}", std::process::id());
    let staging = target.join(format!("{name}.tmp-{tag}"));
    // A stable place (the paths show in messages); remade with the venv.
    let _ = std::fs::remove_dir_all(&sources);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&staging),
        "python3 -m venv",
    );
    let staged_python = staging.join("bin").join("python");
    run(
        Command::new(&staged_python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .args(pins(version)),
        "pip install (pins)",
    );
    for plugin in LOCAL_PLUGINS {
        let src = sources.join(plugin);
        copy_dir(&plugin_sources().join(plugin), &src);
        run(
            Command::new(&staged_python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-deps",
                    "--no-build-isolation",
                    "-e",
                ])
                .arg(&src),
            &format!("pip install -e {plugin}"),
        );
    }
    std::fs::write(staging.join(".fixmig-stamp"), &want).expect("cannot write the venv stamp");
    if venv.exists() {
        let old = target.join(format!("{name}.old-{tag}"));
        let _ = std::fs::rename(&venv, &old);
        let _ = std::fs::remove_dir_all(&old);
    }
    if let Err(e) = std::fs::rename(&staging, &venv) {
        let _ = std::fs::remove_dir_all(&staging);
        assert!(
            python.exists(),
            "cannot move {} to {}: {e}",
            staging.display(),
            venv.display()
        );
    }
    venv
}

fn plugin_env() -> PathBuf {
    plugin_env_for(support::PYTEST_VERSION)
}

/// The plugin venv with pytest `version` (one of `support::PYTEST_VERSIONS`).
fn plugin_env_for(version: &str) -> PathBuf {
    static ENVS: OnceLock<std::sync::Mutex<std::collections::HashMap<String, PathBuf>>> =
        OnceLock::new();
    let envs = ENVS.get_or_init(Default::default);
    let mut envs = envs.lock().unwrap_or_else(|e| e.into_inner());
    envs.entry(version.to_string())
        .or_insert_with(|| ensure_plugin_env(version))
        .clone()
}

/// `fixmig ARGS` (the binary) with the plugin variables of `env` and nothing inherited that
/// changes plugin loading.
fn fixmig(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixmig"));
    command
        .args(args)
        // No facts cache left in the case directories (tests/cache.rs covers the cache).
        .arg("--no-cache")
        .env_remove("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTEST_PLUGINS")
        .env_remove("PYTHONPATH")
        .env_remove("VIRTUAL_ENV")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("cannot run the fixmig binary");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn fixmig_per_test(venv: &Path, dir: &Path, env: &[(&str, &str)]) -> Value {
    let (code, out, err) = fixmig(
        &[
            "fixtures",
            "--per-test",
            "--format",
            "json",
            "--python",
            venv.to_str().expect("UTF-8 path"),
            dir.to_str().expect("UTF-8 path"),
        ],
        env,
    );
    assert!(code == 0 || code == 1, "fixmig exited {code}\n{err}");
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("fixmig printed invalid JSON ({e}):\n{out}\n{err}"))
}

/// The case directories (not `_plugins`), sorted.
fn cases() -> Vec<PathBuf> {
    let root = support::manifest_dir().join("tests/plugin_cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/plugin_cases exists")
        .map(|e| e.expect("read_dir entry").path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    dirs.sort();
    dirs
}

/// A copy of `case` whose `pytest.ini` has `extra` appended to `addopts`.
fn with_addopts(case: &Path, extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("plugin-case-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("cannot create a temporary directory");
    copy_dir(case, tmp.path());
    let ini = tmp.path().join("pytest.ini");
    let text = std::fs::read_to_string(&ini).unwrap_or_else(|e| {
        panic!(
            "every plugin case has a pytest.ini ({}: {e})",
            ini.display()
        )
    });
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match lines.iter().position(|l| l.starts_with("addopts")) {
        Some(i) => lines[i] = format!("{} {extra}", lines[i]),
        None => {
            let at = lines
                .iter()
                .position(|l| l.trim() == "[pytest]")
                .expect("pytest.ini has a [pytest] section");
            lines.insert(at + 1, format!("addopts = {extra}"));
        }
    }
    std::fs::write(&ini, lines.join("\n") + "\n").expect("cannot write pytest.ini");
    tmp
}

struct Variant {
    label: String,
    addopts: Option<String>,
    env: Vec<(&'static str, &'static str)>,
}

/// The plugin configurations every case runs in, for pytest `version`: `PYTEST_PLUGINS`
/// names the srcdemo plugin by its entry point name from pytest 9.2 on (which looks entry
/// points up there), by its module before.
fn variants(version: &str) -> Vec<Variant> {
    let (label, plugins) = if version == support::PYTEST_VERSION {
        (
            "no autoload, `-p asyncio -p fixmig_demo.extra` in addopts, PYTEST_PLUGINS=pytest_mock,srcdemo",
            "pytest_mock,srcdemo",
        )
    } else {
        (
            "no autoload, `-p asyncio -p fixmig_demo.extra` in addopts, PYTEST_PLUGINS=pytest_mock,fixmig_srcdemo.hooks",
            "pytest_mock,fixmig_srcdemo.hooks",
        )
    };
    let mut out = vec![
        Variant {
            label: "autoload".to_string(),
            addopts: None,
            env: vec![],
        },
        Variant {
            label: "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1".to_string(),
            addopts: None,
            env: vec![("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")],
        },
        Variant {
            label: label.to_string(),
            addopts: Some("-p asyncio -p fixmig_demo.extra".to_string()),
            env: vec![
                ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),
                ("PYTEST_PLUGINS", plugins),
            ],
        },
    ];
    for ep in ENTRY_POINTS {
        out.push(Variant {
            label: format!("`-p no:{ep}` in addopts"),
            addopts: Some(format!("-p no:{ep}")),
            env: vec![],
        });
    }
    out
}

#[test]
fn plugin_cases_agree_with_pytest() {
    plugin_cases_agree_with(support::PYTEST_VERSION);
}

#[test]
fn plugin_cases_agree_with_pytest_8() {
    plugin_cases_agree_with(support::PYTEST_8_VERSION);
}

/// Every plugin case in every variant, pytest `version` and fixmig on the same plugin venv.
fn plugin_cases_agree_with(version: &str) {
    let venv = plugin_env_for(version);
    let python = venv.join("bin").join("python");
    let cases = cases();
    assert!(
        cases.len() >= 3,
        "expected plugin cases under tests/plugin_cases"
    );
    let mut failures = Vec::new();
    let (mut agreeing, mut total) = (0usize, 0usize);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for variant in variants(version) {
            let copy = variant.addopts.as_deref().map(|a| with_addopts(case, a));
            let dir = copy.as_ref().map_or(case.as_path(), |t| t.path());
            let oracle = support::run_oracle_with(&python, dir, &variant.env);
            let ours = fixmig_per_test(&venv, dir, &variant.env);
            let problems = support::compare_resolution(&oracle, &ours);
            let tests = oracle["tests"].as_array().map_or(0, Vec::len);
            let bad: std::collections::HashSet<&str> = problems
                .iter()
                .map(|p| p.split(": ").next().unwrap_or(""))
                .collect();
            total += tests;
            agreeing += tests.saturating_sub(bad.len());
            println!(
                "{name} [{}]: {}/{tests} tests agree",
                variant.label,
                tests.saturating_sub(bad.len())
            );
            if !problems.is_empty() {
                failures.push(format!(
                    "{name} [{}]:\n  {}",
                    variant.label,
                    problems.join("\n  ")
                ));
            }
        }
    }
    println!("plugin cases: {agreeing}/{total} test resolutions agree with pytest {version}");
    assert!(
        failures.is_empty(),
        "fixmig disagrees with pytest {version}:\n{}",
        failures.join("\n")
    );
}

/// Paths that differ between machines, replaced for snapshots.
fn redact(text: &str) -> String {
    let manifest = support::manifest_dir();
    let canonical = std::fs::canonicalize(&manifest).unwrap_or(manifest.clone());
    let mut out = text.to_string();
    for root in [canonical, manifest] {
        out = out.replace(&root.display().to_string(), "[CRATE]");
    }
    let tmp = std::fs::canonicalize(std::env::temp_dir()).unwrap_or_else(|_| std::env::temp_dir());
    out.replace(&tmp.display().to_string(), "[TMP]")
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, redact(text)));
}

fn check(dir: &Path, python: &Path, env: &[(&str, &str)]) -> String {
    let (code, out, err) = fixmig(
        &[
            "check",
            "--color",
            "never",
            "--python",
            python.to_str().expect("UTF-8 path"),
            dir.to_str().expect("UTF-8 path"),
        ],
        env,
    );
    assert!(code == 0 || code == 1, "fixmig check exited {code}\n{err}");
    format!("exit: {code}\n{out}")
}

#[test]
fn missing_plugins_are_named_in_fm001_help() {
    let case = support::manifest_dir().join("tests/plugin_cases/missing_plugin");
    // target/pyenv has pytest and nothing else: pytest-mock is not installed there.
    let bare = support::python_with_pytest();
    let bare_venv = bare
        .parent()
        .and_then(Path::parent)
        .expect("a venv")
        .to_path_buf();
    snapshot("plugins__not_installed", &check(&case, &bare_venv, &[]));

    let disabled = with_addopts(&case, "-p no:pytest_mock");
    snapshot(
        "plugins__disabled_by_option",
        &check(disabled.path(), &plugin_env(), &[])
            .replace(&disabled.path().display().to_string(), "[CASE]"),
    );
    snapshot(
        "plugins__autoload_disabled",
        &check(
            &case,
            &plugin_env(),
            &[("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")],
        ),
    );
}

#[test]
fn broken_environment_files_are_warnings() {
    // A broken site directory on PYTHONPATH (so it is on the venv's sys.path): an
    // entry_points.txt with a bad line, an entry point whose module does not exist, and a
    // plugin module that does not parse (its good statements still count).
    let site = tempfile::tempdir().expect("temporary directory");
    let write = |rel: &str, text: &str| {
        let path = site.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "broken_eps-1.0.dist-info/entry_points.txt",
        "[pytest11]\nbroken_eps = broken_eps_plugin\nnot an entry point\n",
    );
    write(
        "broken_eps_plugin.py",
        "import pytest\n\n@pytest.fixture\ndef from_broken_eps():\n    return 1\n",
    );
    write(
        "missing_module-1.0.dist-info/entry_points.txt",
        "[pytest11]\nmissing_module = does_not_exist.plugin\n",
    );
    write(
        "bad_syntax-1.0.dist-info/entry_points.txt",
        "[pytest11]\nbad_syntax = bad_syntax_plugin\n",
    );
    write(
        "bad_syntax_plugin.py",
        "import pytest\n\n@pytest.fixture\ndef from_bad_syntax():\n    return 1\n\ndef broken(:\n    pass\n",
    );
    let case = support::manifest_dir().join("tests/plugin_cases/missing_plugin");
    let pythonpath = site.path().to_str().expect("UTF-8 path").to_string();
    let out = check(&case, &plugin_env(), &[("PYTHONPATH", &pythonpath)]);
    let site_real = std::fs::canonicalize(site.path()).unwrap();
    let out = out.replace(&site_real.display().to_string(), "[SITE]");
    for needle in [
        "entry_points.txt:3:1: FM904",
        "does_not_exist.plugin",
        "bad_syntax_plugin.py:7:",
    ] {
        assert!(out.contains(needle), "expected `{needle}` in:\n{out}");
    }
    snapshot("plugins__broken_environment", &out);

    // Analysis goes on: the good statements of every plugin still count.
    let (code, json, err) = fixmig(
        &[
            "fixtures",
            "--per-test",
            "--format",
            "json",
            "--python",
            plugin_env().to_str().unwrap(),
            case.to_str().unwrap(),
        ],
        &[("PYTHONPATH", &pythonpath)],
    );
    assert!(code == 0, "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["fixtures"].as_array().unwrap().iter())
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(names.contains(&"mocker"), "{json}");
}

#[test]
fn builtins_read_from_the_installed_pytest_match_the_table() {
    let site = plugin_env().join("lib");
    let pytest_dir = std::fs::read_dir(&site)
        .expect("venv lib dir")
        .map(|e| e.unwrap().path().join("site-packages").join("_pytest"))
        .find(|p| p.is_dir())
        .expect("_pytest in the plugin venv");
    let parsed = fixmig::builtins::from_pytest_dir(&pytest_dir).expect("pytest's builtins");
    let table = fixmig::builtins::table();
    let show = |list: &[fixmig::builtins::Builtin]| -> Vec<String> {
        list.iter()
            .map(|b| format!("{} {:?} {} {:?}", b.name, b.scope, b.module, b.argnames))
            .collect()
    };
    assert_eq!(show(&parsed.startup), show(&table.startup));
    assert_eq!(show(&parsed.configure), show(&table.configure));
    assert_eq!(parsed.default_plugins, table.default_plugins);
    assert_eq!(parsed.version.as_deref(), Some("9.2.0"));
    let pytester = parsed
        .on_request
        .iter()
        .find(|(n, _)| n == "pytester")
        .expect("pytester is a builtin plugin");
    assert!(pytester.1.iter().any(|b| b.name == "pytester"));
    assert!(pytester.1.iter().any(|b| b.name == "testdir"));
}

#[test]
fn listing_and_explain_name_the_plugin() {
    let case = support::manifest_dir().join("tests/plugin_cases/basic");
    let venv = plugin_env();
    let (code, out, err) = fixmig(
        &[
            "fixtures",
            "--python",
            venv.to_str().unwrap(),
            case.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("-- fixtures from plugin pytest-mock 3.17.0 (entry point `pytest_mock`) --"),
        "{out}"
    );
    assert!(
        out.contains("-- builtin fixtures (pytest 9.2.0) --"),
        "{out}"
    );
    assert!(
        out.contains(
            "-- fixtures from plugin fixmig-demo-plugin 0.1.0 (entry point `fixmig_demo`) --"
        ),
        "{out}"
    );
    let (code, out, err) = fixmig(
        &[
            "explain",
            "--python",
            venv.to_str().unwrap(),
            "--path",
            case.to_str().unwrap(),
            "tests/test_plugins.py::test_mocker",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("mocker [function scope] -- plugin pytest-mock ("),
        "{out}"
    );
    assert!(
        out.contains("from: plugin pytest-mock 3.17.0 (entry point `pytest_mock`)"),
        "{out}"
    );
}

#[test]
fn python_that_is_not_an_interpreter_is_a_usage_error() {
    let case = support::manifest_dir().join("tests/plugin_cases/missing_plugin");
    let case = case.to_str().unwrap();
    for python in ["/nonexistent/python", "/bin/true"] {
        for args in [
            vec!["check", "--python", python, case],
            vec![
                "fixtures",
                "--per-test",
                "--format",
                "json",
                "--python",
                python,
                case,
            ],
        ] {
            let (code, _, err) = fixmig(&args, &[]);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains("--python"), "{args:?}: {err}");
        }
    }
}

#[test]
fn migrations_never_edit_installed_plugins() {
    let venv = plugin_env();
    let venv = venv.to_str().unwrap();
    let project = tempfile::Builder::new()
        .prefix("plugin-migrate-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    copy_dir(
        &support::manifest_dir().join("tests/plugin_cases/module_pytest_plugins"),
        project.path(),
    );
    // Only tests below tests/zsub use the plugin's `demo_client`, which requests
    // `demo_config`: the conftest's there.
    std::fs::write(
        project.path().join("tests/test_module_plugins.py"),
        "def test_hidden():\n    pass\n",
    )
    .unwrap();
    let rules = project.path().join("rules.toml");
    let dir = project.path().to_str().unwrap();
    let migrate = |rule: &str| {
        std::fs::write(&rules, format!("version = 1\n\n[[rename]]\n{rule}")).unwrap();
        fixmig(
            &[
                "migrate",
                "--python",
                venv,
                "--rules",
                rules.to_str().unwrap(),
                dir,
            ],
            &[],
        )
    };

    // A plugin's own fixture: not the project's to rename.
    let (code, out, err) = migrate("fixture = \"mocker\"\nto = \"mock\"\n");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("defined by an installed plugin"), "{err}");

    // A conftest fixture that a plugin fixture requests: renaming it would need an edit of
    // the plugin, so it is refused...
    let spec = "fixture = \"demo_config\"\nto = \"cfg\"\ndefined_in = \"tests/zsub/conftest.py\"\n";
    let (code, out, err) = migrate(spec);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("of an installed plugin requests `demo_config`"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
    // ...unless the old name stays as an alias: then only the conftest changes.
    let (code, out, err) = migrate(&format!("{spec}keep_alias = true\n"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+++ b/tests/zsub/conftest.py"), "{out}");
    assert_eq!(out.matches("+++ ").count(), 1, "{out}");
}

/// pytest 8.4 imports `PYTEST_PLUGINS` entries as modules only (pytest 9.2 also looks them up
/// as entry point names): an entry point name there fails its startup, and fixmig says so.
#[test]
fn pytest_8_does_not_look_up_entry_point_names_in_pytest_plugins() {
    let case = support::manifest_dir().join("tests/plugin_cases/basic");
    let env = [
        ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),
        ("PYTEST_PLUGINS", "srcdemo"),
    ];
    for version in support::PYTEST_VERSIONS {
        let venv = plugin_env_for(version);
        let pytest = Command::new(venv.join("bin").join("python"))
            .args([
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
            ])
            .current_dir(&case)
            .envs(env)
            .env_remove("PYTEST_ADDOPTS")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("cannot run pytest");
        let pytest_err = String::from_utf8_lossy(&pytest.stderr);
        let refused = pytest_err.contains("Error importing plugin \"srcdemo\"");
        let out = check(&case, &venv, &env);
        let warned = out.contains("FM904 PYTEST_PLUGINS names `srcdemo`");
        assert_eq!(
            (refused, warned),
            (version != support::PYTEST_VERSION, version != support::PYTEST_VERSION),
            "pytest {version}: pytest refused: {refused}, fixmig warned: {warned}\n{pytest_err}\n{out}"
        );
        if warned {
            assert!(out.contains("is an entry point name, which pytest 8.4.2 does not look up here: name its module `fixmig_srcdemo.hooks`"), "{out}");
        }
    }
}
