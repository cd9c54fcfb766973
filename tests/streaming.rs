//! `fixmig check` streams the suite (`fixmig::check_project`): it resolves and checks the items
//! a chunk at a time while collecting, parses the test modules a chunk at a time, and drops a
//! module's facts once its items are checked (reading them back when an import or the
//! explanation of a finding needs them). Its diagnostics must be those of the whole-suite
//! analysis (`fixmig::analyze_project` then `fixmig::check::check`), with every module's facts
//! dropped as early as possible (a chunk of one item).

mod corpus;
mod support;

use std::path::{Path, PathBuf};

/// The diagnostics (as JSON text, one per line) and test count of both ways of checking.
fn both_ways(root: &Path, python: Option<&Path>) -> [(Vec<String>, usize); 2] {
    let options = fixmig::Options {
        python: python.map(Path::to_path_buf),
        ..fixmig::Options::default()
    };
    let project = fixmig::discover_project(&[root.to_path_buf()], &options).unwrap();
    let reader = fixmig::index::disk_reader();
    let mut whole = fixmig::analyze_project(&project, &options, &reader);
    let whole_diagnostics = fixmig::check::check(&mut whole.index, &whole.resolutions);
    let streamed = fixmig::check_project(
        &project,
        &fixmig::Options {
            check_chunk: Some(1),
            ..options.clone()
        },
        &reader,
    );
    let text = |d: &[fixmig::check::Diagnostic]| -> Vec<String> {
        d.iter()
            .map(|d| serde_json::to_string(d).unwrap())
            .collect()
    };
    [
        (text(&whole_diagnostics), whole.index.tests.len()),
        (text(&streamed.diagnostics), streamed.tests),
    ]
}

fn assert_same(root: &Path, python: Option<&Path>) -> usize {
    let [whole, streamed] = both_ways(root, python);
    assert_eq!(
        whole,
        streamed,
        "streamed check differs from the whole-suite analysis in {}",
        root.display()
    );
    whole.0.len()
}

/// Every directory under `dir` that is a project of the test suite's cases.
fn case_projects(dir: &str, sub: Option<&str>) -> Vec<PathBuf> {
    let base = support::manifest_dir().join("tests").join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| match sub {
            Some(s) => p.join(s),
            None => p,
        })
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no case under {}", base.display());
    out
}

#[test]
fn streamed_check_matches_the_whole_analysis_on_every_case() {
    let mut findings = 0;
    let mut projects = case_projects("cases", None);
    projects.extend(case_projects("migrations", Some("project")));
    for project in &projects {
        findings += assert_same(project, None);
    }
    // The cases hold findings whose explanations read dropped facts back.
    assert!(findings > 20, "only {findings} diagnostics over the cases");
}

#[test]
fn streamed_check_matches_the_whole_analysis_on_pandas() {
    let pandas = corpus::fetch_corpus("pandas");
    let findings = assert_same(&pandas.tree, Some(&pandas.python));
    assert!(findings > 0);
}

#[test]
fn streamed_check_matches_the_whole_analysis_on_xarray() {
    let xarray = corpus::fetch_corpus("xarray");
    assert_same(&xarray.tree, Some(&xarray.python));
}
