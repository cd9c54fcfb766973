//! Packaging: the wheel maturin builds from `pyproject.toml` (`bindings = "bin"`) installs a
//! working `fixmig` into a fresh virtualenv, and `.pre-commit-hooks.yaml` is a valid pre-commit
//! manifest whose hooks run fixmig commands that exist.
//!
//! Everything lives under `target/packaging/`: a venv with the pinned maturin and pre-commit
//! (made on first use, from PyPI), a cargo target directory of its own for maturin's release
//! build (so it never fights over `target/release`), the wheel, and the install venvs. Fails
//! loudly when python3, its venv module or PyPI cannot be reached.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The tools, pinned with their whole install closure.
const TOOLS: &[&str] = &[
    "maturin==1.16.0",
    "pre-commit==4.7.0",
    "cfgv==3.5.0",
    "distlib==0.4.4",
    "filelock==4.2.12",
    "identify==2.6.20",
    "nodeenv==1.12.0",
    "packaging==26.3",
    "platformdirs==4.14.7",
    "python-discovery==1.9.5",
    "PyYAML==6.0.3",
    "virtualenv==21.15.8",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dir() -> PathBuf {
    root().join("target/packaging")
}

fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(output.status.success(), "{what} failed: {}", show(&output));
    output
}

fn new_venv(path: &Path) {
    let _ = fs::remove_dir_all(path);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(path),
        "`python3 -m venv` (Debian/Ubuntu: apt-get install python3-venv)",
    );
}

/// The python of `target/packaging/tools`, a venv with exactly [`TOOLS`] (run as `python -m
/// maturin` / `python -m pre_commit`, so the venv can be made elsewhere and moved into place).
fn tools() -> PathBuf {
    static TOOLS_VENV: OnceLock<PathBuf> = OnceLock::new();
    TOOLS_VENV
        .get_or_init(|| {
            let venv = dir().join("tools");
            let want = TOOLS.join("\n");
            let stamp = |v: &Path| fs::read_to_string(v.join(".fixmig-pins")).ok();
            if stamp(&venv).as_deref() != Some(want.as_str()) {
                fs::create_dir_all(dir()).unwrap();
                let staging = dir().join(format!("tools.tmp-{}", std::process::id()));
                new_venv(&staging);
                run(
                    Command::new(staging.join("bin/python"))
                        .args([
                            "-m",
                            "pip",
                            "install",
                            "--quiet",
                            "--disable-pip-version-check",
                        ])
                        .args(TOOLS),
                    "pip install of the pinned maturin and pre-commit (PyPI must be reachable)",
                );
                fs::write(staging.join(".fixmig-pins"), &want).unwrap();
                let _ = fs::remove_dir_all(&venv);
                if fs::rename(&staging, &venv).is_err() {
                    let _ = fs::remove_dir_all(&staging);
                }
            }
            venv.join("bin/python")
        })
        .clone()
}

/// Builds the wheel with maturin into a fresh directory; returns its path.
fn build_wheel() -> PathBuf {
    let out = dir().join(format!("wheels-{}", std::process::id()));
    let _ = fs::remove_dir_all(&out);
    run(
        Command::new(tools())
            .args(["-m", "maturin", "build", "--release", "--out"])
            .arg(&out)
            .current_dir(root())
            .env("CARGO_TARGET_DIR", dir().join("cargo")),
        "maturin build --release",
    );
    let wheels: Vec<PathBuf> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "maturin built {wheels:?}");
    wheels[0].clone()
}

#[test]
fn the_wheel_installs_a_working_fixmig_into_a_fresh_venv() {
    let wheel = build_wheel();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("fixmig-{}-py3-none-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );
    let venv = dir().join(format!("install-{}", std::process::id()));
    new_venv(&venv);
    run(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet", "--no-index"])
            .args(["--disable-pip-version-check"])
            .arg(&wheel),
        "pip install of the wheel",
    );
    let fixmig = venv.join("bin/fixmig");
    assert!(
        fixmig.is_file(),
        "the wheel put no bin/fixmig into the venv"
    );
    let version = run(Command::new(&fixmig).arg("--version"), "fixmig --version");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("fixmig {}", env!("CARGO_PKG_VERSION"))
    );
    let check = Command::new(&fixmig)
        .args(["check", "examples/staging"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{}", show(&check));
    assert!(
        out.contains("FM001 fixture 'real_services' not found"),
        "{}",
        show(&check)
    );
    let _ = fs::remove_dir_all(&venv);
    let _ = fs::remove_dir_all(wheel.parent().unwrap());
}

#[test]
fn pre_commit_hooks_manifest_is_valid_and_runs_real_commands() {
    let manifest = root().join(".pre-commit-hooks.yaml");
    run(
        Command::new(tools())
            .args(["-m", "pre_commit", "validate-manifest"])
            .arg(&manifest),
        "pre-commit validate-manifest .pre-commit-hooks.yaml",
    );
    let text = fs::read_to_string(&manifest).unwrap();
    let mut entries = 0;
    for line in text.lines() {
        if let Some(entry) = line.trim().strip_prefix("entry: ") {
            entries += 1;
            let mut args: Vec<&str> = entry.split_whitespace().collect();
            assert_eq!(args[0], "fixmig", "{entry}");
            // The hook's command parses as a fixmig command line.
            args.push("--help");
            let (code, out, err) = support::run_fixmig(&args[1..]);
            assert_eq!(code, 0, "`{entry}` is not a fixmig command: {err}");
            assert!(out.contains("Usage: fixmig"), "{out}");
        }
    }
    assert_eq!(entries, 3, "fixmig-check, fixmig-migrate and fixmig-impact");
    for id in ["fixmig-check", "fixmig-migrate", "fixmig-impact"] {
        assert!(text.contains(&format!("id: {id}")), "{id}");
    }
}
