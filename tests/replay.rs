//! Stored runs of `fixmig check` (`src/replay.rs`): a run on an unchanged tree replays the
//! stored diagnostics, and a change to anything the analysis read — a file outside the
//! collected ones, a file that now shadows an import, an environment variable, the
//! interpreter's `sys.path` — is seen: the run is then a full one, and prints exactly what a
//! `--no-cache` run prints.
//!
//! The binary runs as a subprocess (environment variables differ between runs); with
//! `FIXMIG_TIMING` it says on stderr whether the stored run was used.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A project whose conftest star-imports `helpers` (found through the ini `pythonpath`, in
/// `second/`) and `extra` (found only on the interpreter's `sys.path`), with a plugin module
/// `myplugin` that only `PYTEST_PLUGINS` loads; the interpreter is a script answering the
/// `sys.path` query.
struct Project {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    python: PathBuf,
    env_dir: PathBuf,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn fixture(name: &str) -> String {
    format!("import pytest\n\n\n@pytest.fixture\ndef {name}():\n    return 1\n")
}

impl Project {
    fn new() -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        let env_dir = tmp.path().join("env");
        write(
            &root.join("pytest.ini"),
            "[pytest]\npythonpath = first second\n",
        );
        write(&root.join("second/helpers.py"), &fixture("shared"));
        write(&root.join("second/myplugin.py"), &fixture("from_plugin"));
        write(
            &root.join("conftest.py"),
            "from helpers import *\nfrom extra import *\n",
        );
        write(
            &root.join("tests/test_a.py"),
            "def test_shared(shared):\n    pass\n\n\n\
             def test_plugin(from_plugin):\n    pass\n\n\n\
             def test_env(from_env):\n    pass\n",
        );
        write(&env_dir.join("extra.py"), &fixture("from_env"));
        let project = Project {
            python: tmp.path().join("python"),
            _tmp: tmp,
            root,
            env_dir,
        };
        project.set_sys_path(&[&project.env_dir]);
        project
    }

    /// Makes the interpreter answer with `sys.path` = `dirs`.
    fn set_sys_path(&self, dirs: &[&Path]) {
        // fixmig's query: the entry count, the entries, the builtin modules, each ended by NUL.
        let entries: String = dirs
            .iter()
            .map(|d| format!("{}\\000", d.display()))
            .collect();
        write(
            &self.python,
            &format!("#!/bin/sh\nprintf '{}\\000{entries}sys\\000'\n", dirs.len()),
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&self.python, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// `fixmig check ARGS --python <script> <root>` with `env` set: exit code, stdout, and
    /// whether a stored run was replayed.
    fn check(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, bool) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fixmig"));
        command
            .arg("check")
            .args(args)
            .arg("--python")
            .arg(&self.python)
            .arg(&self.root)
            .env("FIXMIG_TIMING", "1")
            .env("NO_COLOR", "1")
            .env_remove("PYTEST_PLUGINS")
            .env_remove("PYTEST_ADDOPTS")
            .env_remove("PYTEST_DISABLE_PLUGIN_AUTOLOAD");
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let replayed = stderr.contains("inputs unchanged");
        assert!(
            replayed || !args.contains(&"--no-cache") || !stderr.contains("replay:"),
            "--no-cache looked for a stored run:\n{stderr}"
        );
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            replayed,
        )
    }

    /// Checks with the cache, asserting whether the stored run is used, that the result equals
    /// a `--no-cache` run's, and returns the output.
    fn expect(&self, args: &[&str], env: &[(&str, &str)], replayed: bool) -> String {
        let (code, out, was_replayed) = self.check(args, env);
        assert_eq!(
            was_replayed, replayed,
            "stored run used: {was_replayed}, expected {replayed} ({args:?} {env:?})"
        );
        let mut fresh_args = args.to_vec();
        fresh_args.push("--no-cache");
        let (fresh_code, fresh_out, _) = self.check(&fresh_args, env);
        assert_eq!(
            (code, &out),
            (fresh_code, &fresh_out),
            "differs from --no-cache"
        );
        out
    }

    fn stored_runs(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.root.join(".fixmig_cache"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .starts_with("check-")
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

#[test]
fn an_unchanged_tree_replays_the_stored_run_whatever_the_output_options() {
    let p = Project::new();
    let cold = p.expect(&[], &[], false);
    assert!(
        cold.contains("FM001 fixture 'from_plugin' not found"),
        "{cold}"
    );
    assert_eq!(p.stored_runs().len(), 1);
    assert_eq!(p.expect(&[], &[], true), cold);
    // Output options apply to the stored diagnostics.
    let json = p.expect(&["--format", "json"], &[], true);
    assert!(json.contains("\"FM001\""), "{json}");
    let none = p.expect(&["--ignore", "FM001"], &[], true);
    assert!(none.contains("All checks passed"), "{none}");
    // Rewriting a file with the same bytes changes nothing.
    let test = p.root.join("tests/test_a.py");
    std::fs::write(&test, std::fs::read(&test).unwrap()).unwrap();
    p.expect(&[], &[], true);
}

#[test]
fn an_edited_module_outside_the_collected_files_is_read_again() {
    let p = Project::new();
    let before = p.expect(&[], &[], false);
    write(&p.root.join("second/helpers.py"), "x = 1\n");
    let after = p.expect(&[], &[], false);
    assert!(after.contains("fixture 'shared' not found"), "{after}");
    assert_ne!(before, after);
    p.expect(&[], &[], true);
}

#[test]
fn a_new_file_that_shadows_an_import_is_seen() {
    let p = Project::new();
    p.expect(&[], &[], false);
    p.expect(&[], &[], true);
    // `first/` comes before `second/` on the path: its `helpers` wins, and has no fixture.
    write(&p.root.join("first/helpers.py"), "x = 1\n");
    let after = p.expect(&[], &[], false);
    assert!(after.contains("fixture 'shared' not found"), "{after}");
}

#[test]
fn an_environment_variable_the_analysis_reads_is_seen() {
    let p = Project::new();
    p.expect(&[], &[], false);
    let with_plugin = p.expect(&[], &[("PYTEST_PLUGINS", "myplugin")], false);
    assert!(with_plugin.contains("All checks passed"), "{with_plugin}");
    p.expect(&[], &[("PYTEST_PLUGINS", "myplugin")], true);
    p.expect(&[], &[], false);
}

#[test]
fn a_changed_answer_of_the_interpreter_is_seen() {
    let p = Project::new();
    let before = p.expect(&[], &[], false);
    assert!(!before.contains("'from_env' not found"), "{before}");
    p.set_sys_path(&[]);
    let after = p.expect(&[], &[], false);
    assert!(after.contains("fixture 'from_env' not found"), "{after}");
    // A file on the old path changes nothing now.
    write(&p.env_dir.join("extra.py"), "y = 2\n");
    p.expect(&[], &[], true);
}

#[test]
fn a_damaged_stored_run_is_ignored_and_replaced() {
    let p = Project::new();
    let cold = p.expect(&[], &[], false);
    let stored = p.stored_runs();
    assert_eq!(stored.len(), 1);
    let mut bytes = std::fs::read(&stored[0]).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&stored[0], &bytes).unwrap();
    assert_eq!(p.expect(&[], &[], false), cold);
    assert_eq!(p.expect(&[], &[], true), cold);
}

#[test]
fn no_cache_neither_uses_nor_writes_a_stored_run() {
    let p = Project::new();
    let (_, _, replayed) = p.check(&["--no-cache"], &[]);
    assert!(!replayed);
    assert!(p.stored_runs().is_empty(), "--no-cache stored a run");
    p.expect(&[], &[], false);
    let (_, _, replayed) = p.check(&["--no-cache"], &[]);
    assert!(!replayed, "--no-cache used the stored run");
}

#[test]
fn stored_runs_of_other_project_states_are_pruned() {
    let p = Project::new();
    // Each new test module changes the project as discovered, and so the key.
    for i in 0..12 {
        write(
            &p.root.join(format!("tests/test_n{i:02}.py")),
            "def test_n():\n    pass\n",
        );
        p.expect(&[], &[], false);
    }
    assert_eq!(p.stored_runs().len(), 8, "{:?}", p.stored_runs());
    p.expect(&[], &[], true);
}
