//! The xarray 2026.9.0 test suite as a corpus: real pytest 9.2.0 and 8.4.2 (the oracle plugin, in
//! collect-only mode) and fixmig must resolve every test function's fixtures the same way,
//! including the fixtures pytest cannot find (FM001).
//!
//! `scripts/fetch-corpus.sh xarray` makes `target/corpus/xarray-2026.9.0` (the unpacked wheel
//! with a pytest.ini pinning the rootdir) and its venv `target/corpus/xarray-env` (xarray's hard
//! dependencies only: optional ones just make tests skip; `fetch-corpus.sh xarray-8`: the same
//! with pytest 8.4.2, `target/corpus/xarray-8-env`); the oracle's JSON is cached under
//! `target/corpus/`. Needs CPython 3.11 and network access to PyPI the first time: without
//! them the test panics with the reason, it never skips. With the test dependencies and
//! plugins installed too, `scripts/check-full-deps.sh xarray` runs the same comparison.
//!
//! Run: `cargo test --test corpus_xarray -- --nocapture` (part of plain `cargo test`).
mod corpus;
mod support;

/// How many disagreement lines the failure message shows.
const SHOWN: usize = 30;

#[test]
fn xarray_agrees_with_pytest() {
    agrees_with_pytest("xarray");
}

/// The same tree with pytest 8.4.2 in its venv (`fetch-corpus.sh xarray-8`).
#[test]
fn xarray_agrees_with_pytest_8() {
    agrees_with_pytest("xarray-8");
}

/// pytest (in the venv of corpus `env`) and fixmig on the xarray tree.
fn agrees_with_pytest(env: &str) {
    let xarray = corpus::fetch_corpus(env);

    let (oracle, pytest_time) = corpus::oracle_collect_only(&xarray, &["xarray/tests"]);
    match pytest_time {
        Some(t) => println!("pytest --collect-only (oracle): {:.2}s", t.as_secs_f64()),
        None => println!("pytest --collect-only (oracle): cached JSON reused"),
    }

    let (fixmig, fixmig_time) = corpus::fixmig_per_test(&xarray.python, &[xarray.tree.as_path()]);
    println!(
        "fixmig fixtures --per-test (in-process): {:.2}s",
        fixmig_time.as_secs_f64()
    );

    // Nothing runs in collect-only mode, so errors are not compared; a name pytest cannot
    // resolve is in the closure as `unresolved`, and compared like any other.
    let agreement = corpus::agreement(
        &corpus::without_errors(&oracle),
        &corpus::without_errors(&fixmig),
    );
    let summary = format!(
        "{env}: {}/{} test functions agree with pytest",
        agreement.agreeing, agreement.total
    );
    println!("{summary}");
    assert!(
        agreement.total > 5000,
        "pytest collected only {} test functions",
        agreement.total
    );
    if !agreement.problems.is_empty() {
        panic!("{}\n{summary}", corpus::report(&agreement, SHOWN));
    }
}
