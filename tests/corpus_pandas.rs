//! The pandas 3.1.1 test suite as a corpus: real pytest 9.2.0 and 8.4.2 (the oracle plugin, in
//! collect-only mode) and fixmig must resolve every test function's fixtures the same way.
//!
//! `scripts/fetch-corpus.sh pandas` makes `target/corpus/pandas-3.1.1` (the unpacked wheel
//! with a pytest.ini pinning the rootdir) and its venv `target/corpus/pandas-env`
//! (`fetch-corpus.sh pandas-8`: the same tree, `target/corpus/pandas-8-env` with pytest 8.4.2); the
//! oracle's JSON is cached under `target/corpus/`, so only the first run pays for pytest's
//! collection (about a minute). Needs CPython 3.11 and network access to PyPI the first time:
//! without them the test panics with the reason, it never skips.
//!
//! Run: `cargo test --test corpus_pandas -- --nocapture` (part of plain `cargo test`; add
//! `--release` for a fixmig wall time comparable to the release binary).
mod corpus;
mod support;

/// How many disagreement lines the failure message shows.
const SHOWN: usize = 30;

#[test]
fn pandas_agrees_with_pytest() {
    agrees_with_pytest("pandas");
}

/// The same tree with pytest 8.4.2 in its venv (`fetch-corpus.sh pandas-8`).
#[test]
fn pandas_agrees_with_pytest_8() {
    agrees_with_pytest("pandas-8");
}

/// pytest (in the venv of corpus `env`) and fixmig on the pandas tree.
fn agrees_with_pytest(env: &str) {
    let pandas = corpus::fetch_corpus(env);

    let (oracle, pytest_time) = corpus::oracle_collect_only(&pandas, &["pandas/tests"]);
    match pytest_time {
        Some(t) => println!("pytest --collect-only (oracle): {:.2}s", t.as_secs_f64()),
        None => println!("pytest --collect-only (oracle): cached JSON reused"),
    }

    // The tree itself as the one path: fixmig applies the ini's testpaths (pandas/tests), as
    // pytest does when run there without arguments.
    let (fixmig, fixmig_time) = corpus::fixmig_per_test(&pandas.python, &[pandas.tree.as_path()]);
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    println!(
        "fixmig fixtures --per-test (in-process, {build}): {:.2}s",
        fixmig_time.as_secs_f64()
    );

    // Nothing runs in collect-only mode, so errors are not compared.
    let agreement = corpus::agreement(
        &corpus::without_errors(&oracle),
        &corpus::without_errors(&fixmig),
    );
    let summary = format!(
        "{env}: {}/{} test functions agree with pytest",
        agreement.agreeing, agreement.total
    );
    println!("{summary}");
    assert!(agreement.total > 0, "pytest collected no test function");
    if !agreement.problems.is_empty() {
        panic!("{}\n{summary}", corpus::report(&agreement, SHOWN));
    }
}
