//! A streaming `check` drops each test module's facts once its items are checked and reads
//! them back when a finding is explained. Reading back must decode the entries this run
//! parsed, not parse the files again: the run parses each file once, as the whole-suite
//! analysis does — with the facts cache on, and with it off (`--no-cache`), where the entries
//! are this run's only and nothing reaches the cache directory. (Its own binary: the parse
//! counter is per process.)

use std::path::{Path, PathBuf};

use fixmig::cache::CacheMode;

mod support;

/// A suite whose tests request a fixture defined only in a sibling directory's conftest: every
/// test gets an FM001 whose explanation ("defined in …") needs the definitions of every module.
fn write_suite(root: &Path) {
    let file = |rel: &str, text: &str| support::write_file(root, rel, text);
    file("pytest.ini", "[pytest]\n");
    file(
        "other/conftest.py",
        "import pytest\n\n@pytest.fixture\ndef elsewhere():\n    return 1\n",
    );
    for d in 0..4 {
        file(
            &format!("pkg{d}/conftest.py"),
            &format!("import pytest\n\n@pytest.fixture\ndef local{d}():\n    return {d}\n"),
        );
        for m in 0..5 {
            file(
                &format!("pkg{d}/test_m{m}.py"),
                &format!(
                    "import pytest\n\n@pytest.fixture\ndef own{m}(local{d}):\n    return local{d}\n\n\
                     def test_ok(own{m}):\n    assert own{m} == {d}\n\n\
                     def test_missing(elsewhere, own{m}):\n    assert elsewhere\n"
                ),
            );
        }
    }
}

/// What one run on a fresh copy of the suite (no `.fixmig_cache/`) did.
struct Run {
    parses: usize,
    findings: Vec<String>,
    tests: usize,
    /// Whether `.fixmig_cache/` exists after the run.
    cache_dir: bool,
}

/// Runs a streaming check (`chunk`: items per chunk) or the whole-suite analysis (`None`) on a
/// fresh copy of the suite, with the facts cache in `mode`.
fn run(mode: CacheMode, chunk: Option<usize>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().canonicalize().unwrap();
    write_suite(&root);
    let options = fixmig::Options {
        cache: mode,
        ..fixmig::Options::default()
    };
    let project = fixmig::discover_project(std::slice::from_ref(&root), &options).unwrap();
    let reader = fixmig::index::disk_reader();
    let before = fixmig::parse::file_parses();
    let (diagnostics, tests) = match chunk {
        Some(n) => {
            let checked = fixmig::check_project(
                &project,
                &fixmig::Options {
                    check_chunk: Some(n),
                    ..options.clone()
                },
                &reader,
            );
            (checked.diagnostics, checked.tests)
        }
        None => {
            let mut whole = fixmig::analyze_project(&project, &options, &reader);
            let diagnostics = fixmig::check::check(&mut whole.index, &whole.resolutions);
            (diagnostics, whole.index.tests.len())
        }
    };
    let parses = fixmig::parse::file_parses() - before;
    let findings = diagnostics
        .iter()
        .filter(|d| d.code == "FM001")
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    Run {
        parses,
        findings,
        tests,
        cache_dir: root.join(fixmig::cache::DIR_NAME).exists(),
    }
}

/// The streaming check and the whole analysis in `mode`: same findings, same parses.
fn streaming_parses_each_file_once(mode: CacheMode) -> Run {
    // Once first: what the process keeps between analyses (the environment's answers) is
    // then there for both measured runs alike.
    run(mode, None);
    let whole = run(mode, None);
    let streamed = run(mode, Some(1));
    let (whole_parses, whole_findings, whole_tests) = (whole.parses, &whole.findings, whole.tests);
    let (streamed_parses, streamed_findings, streamed_tests) =
        (streamed.parses, &streamed.findings, streamed.tests);
    assert_eq!(whole_tests, 40);
    assert_eq!(streamed_tests, whole_tests);
    assert_eq!(whole_findings.len(), 20, "one FM001 per test_missing");
    assert!(
        whole_findings
            .iter()
            .all(|f| f.contains("other/conftest.py")),
        "each finding is explained with the definition elsewhere: {whole_findings:?}"
    );
    assert_eq!(streamed_findings, whole_findings);
    // 20 test modules and 5 conftests at least; the environment's plugin modules add the same
    // number to both runs.
    assert!(
        whole_parses >= 25,
        "the whole analysis parsed {whole_parses} files"
    );
    assert_eq!(
        streamed_parses, whole_parses,
        "the streaming check parsed {streamed_parses} files where the whole analysis parsed \
         {whole_parses}: reading back dropped facts parsed files again"
    );
    streamed
}

// One test: the parse counter is the process's, and tests of one binary run in parallel.
#[test]
fn a_streaming_check_reads_dropped_facts_back_without_parsing_again_with_or_without_the_cache() {
    let cached = streaming_parses_each_file_once(CacheMode::ReadWrite);
    assert!(cached.cache_dir, "the check writes its cache");
    let uncached = streaming_parses_each_file_once(CacheMode::Off);
    assert!(!uncached.cache_dir, "--no-cache wrote .fixmig_cache/");
}
