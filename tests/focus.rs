//! The focused analysis of a rename (`fixmig::analyze_project_focused`): which test modules it
//! leaves out. That the plans agree with the full analysis on every migration case (and that
//! each way a left-out module could matter changes a plan when it is ignored) is checked by
//! `tests/migrate_cases.rs`, which runs every case both ways.

mod corpus;
mod support;

use std::path::Path;

fn left_out(case: &str, names: &[&str]) -> Vec<String> {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/migrations")
        .join(case)
        .join("project");
    let options = fixmig::Options::default();
    let discovered = fixmig::discover_project(&[project], &options).unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let analysis = fixmig::analyze_project_focused(
        &discovered,
        &options,
        &fixmig::index::disk_reader(),
        Some(&names),
    );
    let mut out: Vec<String> = analysis.index.left_out.clone();
    out.sort();
    out
}

#[test]
fn test_modules_that_import_what_requests_the_name_are_kept() {
    // test_user.py imports a fixture requesting `token`, test_marked.py a mark applying it,
    // test_suite.py a base class whose test requests it, test_imported.py such a test: none of
    // them writes the name, all are collected. Only test_plain.py is left out.
    assert_eq!(
        left_out(
            "rename_reaches_what_test_modules_import",
            &["token", "session_token"]
        ),
        ["tests/test_plain.py"]
    );
}

#[test]
fn modules_that_mention_the_names_are_kept() {
    // test_plain.py and test_user.py write a name; test_imported.py imports a test function,
    // which is kept whatever the names; the mark and the base class bring in neither name.
    assert_eq!(
        left_out(
            "rename_reaches_what_test_modules_import",
            &["test_plain", "user"]
        ),
        ["tests/test_marked.py", "tests/test_suite.py"]
    );
}

#[test]
fn test_modules_requesting_only_other_fixtures_are_left_out() {
    assert_eq!(
        left_out(
            "rename_refuses_what_left_out_tests_see",
            &["token", "session_token"]
        ),
        ["a/test_a.py", "b/test_b.py"]
    );
}

#[test]
fn without_a_focus_nothing_is_left_out() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/migrations/rename_reaches_what_test_modules_import/project");
    let options = fixmig::Options::default();
    let discovered = fixmig::discover_project(&[project], &options).unwrap();
    let analysis = fixmig::analyze_project(&discovered, &options, &fixmig::index::disk_reader());
    assert!(analysis.index.left_out.is_empty());
    assert_eq!(analysis.index.tests.len(), 5);
}

/// The test modules a focused analysis leaves out of the corpus `name`, for a rename of each
/// of `names`, with and without outlines (`parse::outline`).
fn left_out_both_ways(name: &str, names: &[&str]) {
    let corpus = corpus::fetch_corpus(name);
    let mut outlined_total = 0;
    for fixture in names {
        let run = |no_outlines: bool| {
            let options = fixmig::Options {
                python: Some(corpus.python.clone()),
                collect_importorskip: true,
                no_outlines,
                ..fixmig::Options::default()
            };
            let discovered =
                fixmig::discover_project(std::slice::from_ref(&corpus.tree), &options).unwrap();
            let focus = [fixture.to_string(), format!("{fixture}_v2")];
            let analysis = fixmig::analyze_project_focused(
                &discovered,
                &options,
                &fixmig::index::disk_reader(),
                Some(&focus),
            );
            let mut out = analysis.index.left_out.clone();
            out.sort();
            (out, analysis.index.tests.len())
        };
        let (parsed, parsed_tests) = run(true);
        let (outlined, outlined_tests) = run(false);
        assert!(
            !parsed.is_empty(),
            "{name}: a rename of `{fixture}` leaves no test module out"
        );
        // An outline decides as the parse would: the same modules left out, the same tests.
        let only_outlined: Vec<&String> = outlined.iter().filter(|m| !parsed.contains(m)).collect();
        let only_parsed: Vec<&String> = parsed.iter().filter(|m| !outlined.contains(m)).collect();
        assert!(
            only_outlined.is_empty() && only_parsed.is_empty(),
            "{name}: `{fixture}`: left out only with outlines: {only_outlined:?}; only when \
             parsed: {only_parsed:?}"
        );
        assert_eq!(outlined_tests, parsed_tests, "{name}: `{fixture}`");
        outlined_total += outlined.len();
    }
    assert!(outlined_total > 0);
}

#[test]
fn outlines_leave_out_what_the_parse_leaves_out_on_pandas() {
    left_out_both_ways(
        "pandas",
        &[
            "float_frame",
            "frame_or_series",
            "tz_naive_fixture",
            "using_infer_string",
            "datapath",
        ],
    );
}

#[test]
fn outlines_leave_out_what_the_parse_leaves_out_on_xarray() {
    left_out_both_ways("xarray", &["use_dask", "dataset", "backend", "engine"]);
}

#[test]
fn a_left_out_test_module_another_imports_from_is_read_whole() {
    // test_shared.py is left out (outlined, never parsed for the analysis); test_user.py,
    // kept, imports its fixture, which the migration case requires read with its decorator's
    // arguments (`name="other"`, `autouse=True`).
    assert_eq!(
        left_out(
            "rename_imports_from_a_left_out_test_module",
            &["token", "session_token"]
        ),
        ["tests/test_plain.py", "tests/test_shared.py"]
    );
}
