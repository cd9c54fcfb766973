//! The rename round trip on a real suite: for the 20 fixtures pandas 3.1.1's tests request
//! most, rename A→B and back B→A with `fixmig migrate --write`; the files must come back
//! byte-identical, and after A→B `fixmig check` must report nothing new.
//!
//! Works on a copy of the corpus's Python files (fetched by `scripts/fetch-corpus.sh pandas`),
//! never on the cached corpus itself.

mod corpus;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

/// Copies `pytest.ini` and every `.py` file under `from` into `to`.
fn copy_python_tree(from: &Path, to: &Path) -> usize {
    let mut copied = 0;
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(from).unwrap();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| {
                    n == "__pycache__" || n.to_string_lossy().ends_with(".dist-info")
                }) {
                    continue;
                }
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") || rel == Path::new("pytest.ini")
            {
                let target = to.join(rel);
                fs::create_dir_all(target.parent().unwrap()).unwrap();
                fs::copy(&path, &target).unwrap();
                copied += 1;
            }
        }
    }
    copied
}

fn tree_bytes(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

/// The diagnostics of `fixmig check` as comparable strings, the fixture name mapped B→A.
fn diagnostics(root: &Path, map: Option<(&str, &str)>) -> BTreeSet<String> {
    let (code, out, err) =
        support::run_fixmig(&["check", "--format", "json", root.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "check failed: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut fixture = d["fixture"].as_str().unwrap_or("").to_string();
            if let Some((to, from)) = map {
                if fixture == to {
                    fixture = from.to_string();
                }
            }
            format!(
                "{} {}:{} {fixture} {}",
                d["code"], d["path"], d["line"], d["test"]
            )
        })
        .collect()
}

#[test]
fn rename_round_trip_of_the_20_most_requested_fixtures() {
    let pandas = corpus::fetch_corpus("pandas");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("pandas-copy");
    let copied = copy_python_tree(&pandas.tree, &root);
    assert!(
        copied > 900,
        "only {copied} files copied from {}",
        pandas.tree.display()
    );

    let (code, out, err) = support::run_fixmig(&[
        "fixtures",
        "--per-test",
        "--format",
        "json",
        root.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let mut requests: BTreeMap<String, usize> = BTreeMap::new();
    for test in doc["tests"].as_array().unwrap() {
        for f in test["fixtures"].as_array().unwrap() {
            if f["kind"] == "fixture" {
                *requests
                    .entry(f["name"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(usize, String)> = requests.into_iter().map(|(n, c)| (c, n)).collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let ranked: Vec<String> = ranked.into_iter().map(|(_, n)| n).collect();

    let original = tree_bytes(&root);
    let baseline = diagnostics(&root, None);
    let rules_dir = tempfile::tempdir().unwrap();
    let mut report = Vec::new();
    let mut refused = Vec::new();
    let mut done = 0;
    for name in &ranked {
        if done == 20 {
            break;
        }
        let renamed = format!("{name}_renamed_by_fixmig");
        let forward = rules_dir.path().join(format!("{name}-forward.toml"));
        let back = rules_dir.path().join(format!("{name}-back.toml"));
        fs::write(
            &forward,
            format!("version = 1\n\n[[rename]]\nfixture = \"{name}\"\nto = \"{renamed}\"\n"),
        )
        .unwrap();
        fs::write(
            &back,
            format!("version = 1\n\n[[rename]]\nfixture = \"{renamed}\"\nto = \"{name}\"\n"),
        )
        .unwrap();

        let started = Instant::now();
        let (code, _, err) = support::run_fixmig(&[
            "migrate",
            "--rules",
            forward.to_str().unwrap(),
            "--write",
            root.to_str().unwrap(),
        ]);
        if code == 1 && err.contains("rule refused") {
            // A rename that would change resolution (e.g. a direct parametrization shadows the
            // fixture for some test) is refused with nothing written: that is the right answer
            // for that fixture, so it does not count as one of the 20.
            assert!(
                tree_bytes(&root) == original,
                "{name}: a refused rule wrote files"
            );
            refused.push(format!(
                "{name}: {}",
                err.lines().nth(1).unwrap_or("").trim()
            ));
            continue;
        }
        assert_eq!(code, 0, "{name}: rename failed: {err}");
        let summary = err.lines().last().unwrap_or("").to_string();
        let after = diagnostics(&root, Some((&renamed, name)));
        let new: Vec<&String> = after.difference(&baseline).collect();
        assert!(
            new.is_empty(),
            "{name}: new diagnostics after renaming it: {new:#?}"
        );
        let (code, _, err) = support::run_fixmig(&[
            "migrate",
            "--rules",
            back.to_str().unwrap(),
            "--write",
            root.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: renaming back failed: {err}");
        let now = tree_bytes(&root);
        let changed: Vec<&PathBuf> = original
            .keys()
            .filter(|p| now.get(*p) != original.get(*p))
            .collect();
        assert!(
            changed.is_empty(),
            "{name}: not byte-identical after the round trip: {changed:?}"
        );
        assert_eq!(
            now.len(),
            original.len(),
            "{name}: files were added or removed"
        );
        report.push(format!(
            "{name}: {summary} ({:.1?} for both directions and the check)",
            started.elapsed()
        ));
        done += 1;
    }
    println!("{}", report.join("\n"));
    println!(
        "refused (rename would change resolution):\n{}",
        refused.join("\n")
    );
    assert_eq!(done, 20, "fewer than 20 renameable fixtures");
    assert!(
        refused.len() <= 5,
        "too many refusals among the most requested fixtures: {refused:#?}"
    );
}
