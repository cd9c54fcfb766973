//! The facts cache (`.fixmig_cache/` at the rootdir) never changes results: a cold run, a warm
//! run and a `--no-cache` run print the same, and a file edited between runs is read anew.

use std::path::{Path, PathBuf};

fn run(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = fixmig::run_cli(
        std::iter::once("fixmig").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        // A cache left by running fixmig on the example is not part of it.
        if entry.file_name() == ".fixmig_cache" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of `examples/staging` (a project with findings) in a temporary directory.
fn staging_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("staging");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join("staging"),
        &root,
    );
    (tmp, root)
}

/// `check` (text) and `fixtures --per-test` (JSON) on `root`, with extra arguments.
fn outputs(root: &Path, extra: &[&str]) -> Vec<(i32, String)> {
    let root = root.to_str().unwrap();
    let mut results = Vec::new();
    for command in [
        &["check", "--color", "never"][..],
        &["fixtures", "--per-test", "--format", "json"][..],
    ] {
        let mut args: Vec<&str> = command.to_vec();
        args.extend_from_slice(extra);
        args.push(root);
        let (code, out, err) = run(&args);
        assert!(code == 0 || code == 1, "fixmig {args:?} failed: {err}");
        results.push((code, out));
    }
    results
}

fn cache_files(root: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let dir = root.join(".fixmig_cache");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("facts-"))
                .map(|e| (e.path(), e.metadata().unwrap().modified().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn cold_and_warm_runs_agree() {
    let (_tmp, root) = staging_copy();
    let uncached = outputs(&root, &["--no-cache"]);
    assert!(
        !root.join(".fixmig_cache").exists(),
        "--no-cache wrote a cache"
    );

    let cold = outputs(&root, &[]);
    assert_eq!(cold, uncached, "the cold run differs from --no-cache");
    assert!(
        root.join(".fixmig_cache").join(".gitignore").is_file(),
        "the cache directory has no .gitignore"
    );
    let written = cache_files(&root);
    assert_eq!(written.len(), 1, "one cache file per configuration");

    let warm = outputs(&root, &[]);
    assert_eq!(warm, cold, "the warm run differs from the cold run");
    assert_eq!(
        cache_files(&root),
        written,
        "a warm run on an unchanged tree rewrote the cache"
    );
    // The cache directory is not part of the project.
    let (_, listing, _) = run(&["fixtures", root.to_str().unwrap()]);
    assert!(!listing.contains(".fixmig_cache"));
}

#[test]
fn a_changed_file_is_read_again() {
    let (_tmp, root) = staging_copy();
    let before = outputs(&root, &[]);
    assert_eq!(before[0].0, 1, "examples/staging has findings");

    // Define the missing fixtures where the failing test sees them: the findings go away.
    let conftest = root.join("tests").join("conftest.py");
    let mut text = std::fs::read_to_string(&conftest).unwrap();
    text.push_str(
        "\n\n@pytest.fixture\ndef real_services():\n    return None\n\n\n@pytest.fixture\ndef real_llm():\n    return None\n",
    );
    if !text.contains("import pytest") {
        text = format!("import pytest\n{text}");
    }
    std::fs::write(&conftest, text).unwrap();

    let after = outputs(&root, &[]);
    assert_eq!(after, outputs(&root, &["--no-cache"]));
    assert_ne!(after, before, "the edit was not seen");
    assert_eq!(
        after[0].0, 0,
        "check still fails after the fix:\n{}",
        after[0].1
    );
    // A warm run of the edited tree agrees too.
    let warm_again = outputs(&root, &[]);
    assert_eq!(warm_again, after);
}

#[test]
fn migrate_reads_the_cache_and_never_writes_it() {
    let (_tmp, root) = staging_copy();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules")
        .join("staging-real-services.toml");
    let args = [
        "migrate",
        "--color",
        "never",
        "--rules",
        rules.to_str().unwrap(),
        root.to_str().unwrap(),
    ];
    let cold = run(&args);
    assert!(
        !root.join(".fixmig_cache").exists(),
        "a migrate dry run wrote the cache"
    );
    outputs(&root, &[]);
    let written = cache_files(&root);
    assert_eq!(written.len(), 1);
    let warm = run(&args);
    assert_eq!(warm, cold, "migrate differs with a warm cache");
    assert_eq!(cache_files(&root), written, "migrate rewrote the cache");
}
