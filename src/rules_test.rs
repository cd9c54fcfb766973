//! `fixmig rules test DIR`: runs user-written cases for rule files, like `ast-grep test`.
//!
//! A case is a directory with a `case.toml`:
//!
//! ```toml
//! rules = ["../../staging-real-services.toml"]  # rule files, relative to the case, in order
//! input = "input"                               # the project (default: input/)
//! check = true                                  # also compare `fixmig check` afterwards
//! ```
//!
//! and the expected outcome, written by `--update`:
//!
//! - `expected.diff`: the dry-run diff of `fixmig migrate`, when the migration applies;
//! - `expected-error.txt`: `exit: N` and what `fixmig migrate` printed on stderr, when the rules
//!   are invalid or refused;
//! - `expected-check.txt` (with `check = true`): `exit: N` and the output of `fixmig check` on the
//!   migrated project.
//!
//! Every run works on a copy of the input in a temporary directory, so the input must be a
//! project on its own (give it a `pytest.ini`, so that its rootdir does not depend on where it
//! is). A case passes when the outcome matches and, when the migration applies, running it again
//! on the written result changes nothing.

// `RuleError` carries the file's text so it can render on its own; it is returned unboxed, as
// `rules` does.
#![allow(clippy::result_large_err)]

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::RuleError;

/// The case description file.
pub const CASE_FILE: &str = "case.toml";
pub const EXPECTED_DIFF: &str = "expected.diff";
pub const EXPECTED_ERROR: &str = "expected-error.txt";
pub const EXPECTED_CHECK: &str = "expected-check.txt";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    rules: Vec<String>,
    #[serde(default = "default_input")]
    input: String,
    #[serde(default)]
    check: bool,
}

fn default_input() -> String {
    "input".to_string()
}

/// One case, read.
#[derive(Debug)]
pub struct Case {
    pub dir: PathBuf,
    pub name: String,
    rules: Vec<String>,
    input: String,
    check: bool,
}

/// What a case produced.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    /// (file name, content) of every expected file this outcome defines.
    files: Vec<(&'static str, String)>,
    /// A problem independent of the expected files (the second run changed something).
    problem: Option<String>,
}

/// Reads the cases under `dir`: `dir` itself when it has a `case.toml`, else each subdirectory
/// that has one, by name.
pub fn find_cases(dir: &Path) -> Result<Vec<Case>, RuleError> {
    if !dir.is_dir() {
        return Err(RuleError::unlocated(
            dir,
            "not a directory of rule test cases",
            None,
        ));
    }
    if dir.join(CASE_FILE).is_file() {
        return Ok(vec![read_case(dir)?]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| RuleError::unlocated(dir, format!("cannot read directory: {e}"), None))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(CASE_FILE).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(RuleError::unlocated(
            dir,
            format!("no rule test cases here: no `{CASE_FILE}` in it or in its subdirectories"),
            Some(format!(
                "a case is a directory with a `{CASE_FILE}` (`rules = [\"../my-rules.toml\"]`) and an `input/` project"
            )),
        ));
    }
    dirs.iter().map(|d| read_case(d)).collect()
}

fn read_case(dir: &Path) -> Result<Case, RuleError> {
    let path = dir.join(CASE_FILE);
    let source = std::fs::read_to_string(&path)
        .map_err(|e| RuleError::unlocated(&path, format!("cannot read: {e}"), None))?;
    let case: CaseFile = toml::from_str(&source).map_err(|e| {
        RuleError::new(
            &path,
            &source,
            e.span().unwrap_or(0..0),
            e.message().trim().to_string(),
            "here",
            Some(
                "a case.toml has `rules = [...]` (required), `input = \"input\"` and `check = true|false`"
                    .into(),
            ),
        )
    })?;
    if case.rules.is_empty() {
        return Err(RuleError::new(
            &path,
            &source,
            source.find("rules").map_or(0..0, |i| i..i + 5),
            "`rules` is empty",
            "no rule files",
            Some("list the rule files the case runs, relative to the case directory".into()),
        ));
    }
    Ok(Case {
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        dir: dir.to_path_buf(),
        rules: case.rules,
        input: case.input,
        check: case.check,
    })
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "__pycache__" || name == ".pytest_cache" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Runs fixmig in-process, without configuration files or colour (and with `--quiet` for
/// `migrate`, whose summary is not part of any expected output).
fn fixmig(args: &[String]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let quiet = (args[0] == "migrate").then_some("--quiet");
    let code = crate::run_cli(
        ["fixmig", "--no-config", "--color", "never"]
            .into_iter()
            .chain(quiet)
            .map(String::from)
            .chain(args.iter().cloned()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn run_case(case: &Case) -> Result<Outcome, String> {
    let input = case.dir.join(&case.input);
    if !input.is_dir() {
        return Err(format!("input `{}` is not a directory", input.display()));
    }
    let tmp =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let project = tmp.path().join("input");
    copy_tree(&input, &project).map_err(|e| format!("cannot copy {}: {e}", input.display()))?;
    let project_arg = project.to_string_lossy().into_owned();
    let mut migrate = vec!["migrate".to_string()];
    for r in &case.rules {
        migrate.push("--rules".into());
        migrate.push(case.dir.join(r).to_string_lossy().into_owned());
    }
    migrate.push(project_arg.clone());
    // Paths in messages as the case writes them, wherever it runs.
    let normalize = |text: &str| {
        let mut text = text.to_string();
        for r in &case.rules {
            text = text.replace(&case.dir.join(r).to_string_lossy().into_owned(), r);
        }
        text.replace(&project_arg, &case.input)
    };

    let (code, out, err) = fixmig(&migrate);
    let mut outcome = Outcome::default();
    if code != 0 {
        outcome
            .files
            .push((EXPECTED_ERROR, format!("exit: {code}\n{}", normalize(&err))));
        return Ok(outcome);
    }
    outcome.files.push((EXPECTED_DIFF, out));

    let mut write = migrate.clone();
    write.push("--write".into());
    let (code, _, err) = fixmig(&write);
    if code != 0 {
        outcome.problem = Some(format!(
            "`fixmig migrate --write` failed (exit {code}):\n{}",
            normalize(&err)
        ));
        return Ok(outcome);
    }
    let (code, again, err) = fixmig(&migrate);
    if code != 0 || !again.is_empty() {
        outcome.problem = Some(format!(
            "running the migration again on its result is not a no-op (exit {code}):\n{}{}",
            again,
            normalize(&err)
        ));
    }
    if case.check {
        let (code, out, _) = fixmig(&["check".to_string(), project_arg.clone()]);
        outcome
            .files
            .push((EXPECTED_CHECK, format!("exit: {code}\n{}", normalize(&out))));
    }
    Ok(outcome)
}

/// `--- expected` / `+++ actual` diff of two texts, indented.
fn text_diff(expected: &str, actual: &str) -> String {
    let diff = similar::TextDiff::from_lines(expected, actual);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// Runs the cases under `dir`; returns the exit code (0 all pass, 1 a case failed, 2 the cases
/// cannot be read).
pub fn run(
    dir: &Path,
    update: bool,
    color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let cases = match find_cases(dir) {
        Ok(c) => c,
        Err(e) => {
            write!(err, "{}", e.render(color))?;
            return Ok(2);
        }
    };
    let (green, red, reset) = if color {
        ("\x1b[32m", "\x1b[31m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let (mut passed, mut failed, mut updated) = (0, 0, 0);
    for case in &cases {
        let label = case.dir.display();
        let outcome = match run_case(case) {
            Ok(o) => o,
            Err(e) => {
                writeln!(out, "{label} ... {red}ERROR{reset}\n    {e}")?;
                failed += 1;
                continue;
            }
        };
        let mut problems: Vec<String> = Vec::new();
        let mut changed = Vec::new();
        for name in [EXPECTED_DIFF, EXPECTED_ERROR, EXPECTED_CHECK] {
            let path = case.dir.join(name);
            let actual = outcome
                .files
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t);
            let expected = std::fs::read_to_string(&path).ok();
            if actual == expected.as_ref() {
                continue;
            }
            if update {
                match actual {
                    Some(text) => std::fs::write(&path, text)?,
                    None => std::fs::remove_file(&path)?,
                }
                changed.push(name);
                continue;
            }
            problems.push(match (expected, actual) {
                (Some(e), Some(a)) => format!("{name} differs:\n{}", text_diff(&e, a)),
                (None, Some(a)) => {
                    format!("{name} is missing; the run produced:\n{}", text_diff("", a))
                }
                (Some(_), None) => {
                    let got = outcome
                        .files
                        .iter()
                        .map(|(n, _)| *n)
                        .find(|n| *n != EXPECTED_CHECK)
                        .unwrap_or("nothing");
                    format!("{name} is expected, but the run produced {got} instead")
                }
                (None, None) => unreachable!("equal"),
            });
        }
        if let Some(p) = &outcome.problem {
            problems.push(p.clone());
        }
        if problems.is_empty() {
            passed += 1;
            if changed.is_empty() {
                writeln!(out, "{label} ... {green}ok{reset}")?;
            } else {
                updated += 1;
                writeln!(
                    out,
                    "{label} ... {green}updated{reset} ({})",
                    changed.join(", ")
                )?;
            }
        } else {
            failed += 1;
            writeln!(out, "{label} ... {red}FAILED{reset}")?;
            for p in problems {
                for line in p.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
        }
    }
    writeln!(out)?;
    if updated > 0 {
        writeln!(out, "updated {updated} case(s)")?;
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    if failed > 0 && !update {
        writeln!(
            out,
            "run `fixmig rules test {} --update` to accept the new output",
            dir.display()
        )?;
    }
    Ok(i32::from(failed > 0))
}
