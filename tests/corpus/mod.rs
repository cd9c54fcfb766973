//! Helpers for the corpus tests: a real project's test suite, fetched by
//! `scripts/fetch-corpus.sh` into `target/corpus/`, resolved by real pytest in collect-only
//! mode (the oracle plugin, cached) and by fixmig in-process, and the comparison of the two.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support;

/// `target/corpus`.
pub fn corpus_root() -> PathBuf {
    support::manifest_dir().join("target").join("corpus")
}

fn output_text(output: &Output, tail_lines: usize) -> String {
    let tail = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(tail_lines);
        let mut shown = lines[start..].join("\n");
        if start > 0 {
            shown = format!("[... {start} earlier lines ...]\n{shown}");
        }
        shown
    };
    format!(
        "exit status: {}\n--- stdout (tail) ---\n{}\n--- stderr (tail) ---\n{}",
        output.status,
        tail(&output.stdout),
        tail(&output.stderr)
    )
}

/// A fetched corpus: the unpacked tree (the rootdir, with its pytest.ini) and the venv's
/// python that can import it and runs pytest 9.2.0 (8.4.2 for the `-8` venvs).
pub struct Corpus {
    pub name: String,
    pub tree: PathBuf,
    pub python: PathBuf,
}

/// Runs `scripts/fetch-corpus.sh NAME` (idempotent, cached under `target/corpus/`) and
/// returns the corpus. Panics with the script's message when a prerequisite is missing
/// (python 3.11, venv, network access to PyPI, ...): this test never skips.
pub fn fetch_corpus(name: &str) -> Corpus {
    // `pandas` and `pandas-8` share the tree: one fetch at a time in this process.
    static FETCHING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
    let script = support::manifest_dir()
        .join("scripts")
        .join("fetch-corpus.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg(name)
        .current_dir(support::manifest_dir())
        .env_remove("PYTHONPATH")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `bash {}` ({e}): the corpus tests need bash, python 3.11 with venv, \
                 and network access to PyPI",
                script.display()
            )
        });
    if !output.status.success() {
        panic!(
            "`{} {name}` failed: the corpus test needs CPython 3.11 with the venv module and \
             network access to PyPI (nothing is skipped).\n{}",
            script.display(),
            output_text(&output, 40)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tree = PathBuf::from(
        stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("{} printed no corpus directory", script.display()))
            .trim(),
    );
    assert!(
        tree.join("pytest.ini").is_file(),
        "{} has no pytest.ini after fetch-corpus.sh",
        tree.display()
    );
    let python = corpus_root()
        .join(format!("{name}-env"))
        .join("bin")
        .join("python");
    assert!(
        python.exists(),
        "{} is missing after fetch-corpus.sh",
        python.display()
    );
    Corpus {
        name: name.to_string(),
        tree,
        python,
    }
}

/// 64-bit FNV-1a: a stable hash for cache keys.
fn fnv1a(data: &[u8], mut hash: u64) -> u64 {
    for byte in data {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn read_or_empty(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

/// The oracle's JSON for `pytest --collect-only -q -p fixmig_oracle ARGS` run from the
/// corpus tree, with the time pytest took when it ran now (`None`: read from the cache).
/// The cache file `target/corpus/oracle-NAME-HASH.json` is keyed by the corpus' pytest.ini,
/// the venv's pins, the tree's stamp (wheel), the oracle plugin's source and the arguments.
pub fn oracle_collect_only(corpus: &Corpus, args: &[&str]) -> (Value, Option<Duration>) {
    let plugin_dir = support::manifest_dir().join("tests").join("oracle");
    let mut key = 0xcbf2_9ce4_8422_2325u64;
    for part in [
        read_or_empty(&corpus.tree.join("pytest.ini")),
        read_or_empty(&corpus.tree.join(".fixmig-stamp")),
        read_or_empty(
            &corpus
                .python
                .parent()
                .and_then(Path::parent)
                .map(|env| env.join(".fixmig-pins"))
                .unwrap_or_default(),
        ),
        read_or_empty(&plugin_dir.join("fixmig_oracle.py")),
        args.join("\0").into_bytes(),
    ] {
        key = fnv1a(&part, key);
        key = fnv1a(b"\xff", key);
    }
    let cache = corpus_root().join(format!("oracle-{}-{key:016x}.json", corpus.name));
    if let Ok(text) = std::fs::read_to_string(&cache) {
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            return (value, None);
        }
    }

    let (value, text, elapsed) = run_oracle_collect_only(corpus, args);
    let staging = cache.with_extension(format!("json.tmp-{}", std::process::id()));
    if std::fs::write(&staging, &text).is_ok() {
        let _ = std::fs::rename(&staging, &cache);
    }
    (value, Some(elapsed))
}

/// Runs `pytest --collect-only -q -p fixmig_oracle ARGS` in the corpus tree now (no cache):
/// the oracle's JSON, its text, and the time pytest took. Panics with pytest's output when
/// collection fails.
pub fn run_oracle_collect_only(corpus: &Corpus, args: &[&str]) -> (Value, String, Duration) {
    let plugin_dir = support::manifest_dir().join("tests").join("oracle");
    let tmp = tempfile::tempdir().expect("cannot create a temporary directory");
    let out_file = tmp.path().join("oracle.json");
    let started = Instant::now();
    let output = Command::new(&corpus.python)
        .args([
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "fixmig_oracle",
        ])
        .args(args)
        .current_dir(&corpus.tree)
        .env("PYTHONPATH", &plugin_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("FIXMIG_ORACLE_OUT", &out_file)
        // Hermetic: nothing from the caller's environment changes what pytest loads.
        .env("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        .env_remove("PYTEST_ADDOPTS")
        .env_remove("PYTEST_PLUGINS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", corpus.python.display()));
    let elapsed = started.elapsed();
    // Collect-only: 0 is the only success; 2 means collection errors (a test module that
    // does not import with this venv), 5 that nothing was collected.
    if output.status.code() != Some(0) {
        panic!(
            "pytest --collect-only failed on {} (collection errors, usage error or nothing \
             collected)\n{}",
            corpus.tree.display(),
            output_text(&output, 60)
        );
    }
    let text = std::fs::read_to_string(&out_file).unwrap_or_else(|e| {
        panic!(
            "the oracle wrote no {} ({e})\n{}",
            out_file.display(),
            output_text(&output, 40)
        )
    });
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the oracle wrote invalid JSON: {e}"));
    (value, text, elapsed)
}

/// fixmig's `fixtures --per-test --format json --python VENV PATHS`, run in-process, with
/// its wall time (`python`: the corpus's interpreter, so `importorskip` sees what pytest sees).
pub fn fixmig_per_test(python: &Path, paths: &[&Path]) -> (Value, Duration) {
    let python = python.to_str().expect("corpus paths are UTF-8");
    let mut args = vec![
        "fixtures",
        "--per-test",
        "--format",
        "json",
        "--python",
        python,
    ];
    let paths: Vec<&str> = paths
        .iter()
        .map(|p| p.to_str().expect("corpus paths are UTF-8"))
        .collect();
    args.extend(paths.iter().copied());
    let started = Instant::now();
    let (code, stdout, stderr) = support::run_fixmig(&args);
    let elapsed = started.elapsed();
    if code != 0 && code != 1 {
        panic!("fixmig exited with {code}\n--- stderr ---\n{stderr}");
    }
    let value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "fixmig's output is not valid JSON ({e}); exit code {code}\n--- stderr ---\n{stderr}"
        )
    });
    (value, elapsed)
}

/// A copy of a per-test JSON with every test's `errors` emptied (collect-only runs nothing,
/// so the oracle has no errors to compare with).
pub fn without_errors(output: &Value) -> Value {
    let mut copy = output.clone();
    if let Some(tests) = copy.get_mut("tests").and_then(Value::as_array_mut) {
        for test in tests {
            if let Some(obj) = test.as_object_mut() {
                obj.insert("errors".to_string(), Value::Array(Vec::new()));
            }
        }
    }
    copy
}

/// The nodeids of the oracle's tests.
pub fn nodeids(output: &Value) -> Vec<String> {
    output
        .get("tests")
        .and_then(Value::as_array)
        .map(|tests| {
            tests
                .iter()
                .filter_map(|t| t.get("nodeid").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The kind of one `compare_resolution` line: what differs, without the test and values.
pub fn problem_kind(problem: &str) -> String {
    let rest = problem.split_once(": ").map_or(problem, |(_, rest)| rest);
    if rest.starts_with("test reported by fixmig, not collected by pytest") {
        return "test only in fixmig (not collected by pytest)".to_string();
    }
    if rest.starts_with("test collected by pytest, missing from fixmig") {
        return "test only in pytest (missing from fixmig)".to_string();
    }
    if let Some(lists) = rest.strip_prefix("fixtures: pytest [") {
        // "fixtures: pytest [a, b], fixmig [a, c]"
        let (want, got) = lists.split_once("], fixmig [").unwrap_or((lists, ""));
        let got = got.strip_suffix(']').unwrap_or(got);
        let names = |s: &str| -> HashSet<String> {
            s.split(", ")
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect()
        };
        let (want, got) = (names(want), names(got));
        let lacks = !want.is_subset(&got);
        let extra = !got.is_subset(&want);
        let what = match (lacks, extra) {
            (true, true) => "fixmig lacks some names and has others",
            (true, false) => "fixmig lacks names pytest has",
            (false, true) => "fixmig has names pytest does not",
            (false, false) => "same names, different order",
        };
        return format!("fixture closure differs: {what}");
    }
    if let Some(after) = rest.strip_prefix("fixture `") {
        if let Some((_, detail)) = after.split_once("`: ") {
            let (field, values) = detail.split_once(": ").unwrap_or((detail, ""));
            // Categorical fields keep their values in the kind; the others would split
            // one cause into as many groups as there are lines.
            return if field == "kind" || field == "scope" {
                format!("fixture `{field}` differs: {values}")
            } else {
                format!("fixture `{field}` differs")
            };
        }
    }
    if rest.starts_with("errors: ") {
        return "errors differ".to_string();
    }
    "other".to_string()
}

/// The nodeid a `compare_resolution` line is about.
pub fn problem_nodeid(problem: &str) -> &str {
    problem
        .split_once(": ")
        .map_or(problem, |(nodeid, _)| nodeid)
}

/// Agreement of fixmig with the oracle on one corpus: how many of pytest's test functions
/// have no disagreement at all, and the disagreements grouped by kind (in first-seen order).
pub struct Agreement {
    pub agreeing: usize,
    pub total: usize,
    pub problems: Vec<String>,
    pub by_kind: Vec<(String, Vec<String>)>,
}

pub fn agreement(oracle: &Value, fixmig: &Value) -> Agreement {
    let problems = support::compare_resolution(oracle, fixmig);
    let all = nodeids(oracle);
    let bad: HashSet<&str> = problems.iter().map(|p| problem_nodeid(p)).collect();
    let agreeing = all.iter().filter(|id| !bad.contains(id.as_str())).count();
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for problem in &problems {
        let kind = problem_kind(problem);
        if !groups.contains_key(&kind) {
            order.push(kind.clone());
        }
        groups.entry(kind).or_default().push(problem.clone());
    }
    let mut by_kind: Vec<(String, Vec<String>)> = order
        .into_iter()
        .map(|kind| {
            let lines = groups.remove(&kind).unwrap_or_default();
            (kind, lines)
        })
        .collect();
    by_kind.sort_by_key(|(_, lines)| std::cmp::Reverse(lines.len()));
    Agreement {
        agreeing,
        total: all.len(),
        problems,
        by_kind,
    }
}

/// A report of the first `limit` disagreements, grouped by kind (every kind listed with its
/// count; examples shared out across kinds), plus, for tests only one side has, the files
/// they come from.
pub fn report(agreement: &Agreement, limit: usize) -> String {
    let mut out = Vec::new();
    out.push(format!(
        "{} disagreement(s) in {} kind(s):",
        agreement.problems.len(),
        agreement.by_kind.len()
    ));
    let kinds = agreement.by_kind.len().max(1);
    let per_kind = (limit / kinds).max(3);
    let mut shown = 0;
    for (kind, lines) in &agreement.by_kind {
        out.push(format!("== {kind}: {} ==", lines.len()));
        if kind.starts_with("test only in") {
            let mut files: BTreeMap<&str, usize> = BTreeMap::new();
            for line in lines {
                let file = problem_nodeid(line).split("::").next().unwrap_or("");
                *files.entry(file).or_default() += 1;
            }
            let mut files: Vec<(&str, usize)> = files.into_iter().collect();
            files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            out.push(format!("  in {} file(s), most:", files.len()));
            for (file, count) in files.iter().take(per_kind) {
                out.push(format!("    {count:5}  {file}"));
            }
        }
        for line in lines.iter().take(per_kind) {
            if shown >= limit {
                break;
            }
            out.push(format!("  {line}"));
            shown += 1;
        }
        if lines.len() > per_kind {
            out.push(format!("  ... and {} more", lines.len() - per_kind));
        }
    }
    out.join("\n")
}
