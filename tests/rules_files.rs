//! Rule files: every file in `rules/` and `tests/rules/valid/` parses; every file in
//! `tests/rules/invalid/` is rejected with the diagnostic snapshotted in
//! `snapshots/rules__<name>.snap` (rendered without colour).

use std::path::{Path, PathBuf};

use fixmig::rules::{self, Rule};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `*.toml` files of `dir` (relative to the crate root), sorted, as relative paths.
fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| Path::new(dir).join(path.file_name().unwrap()))
        .collect();
    files.sort();
    files
}

/// Parses the file at `relative` (to the crate root), naming it by its relative path.
#[allow(clippy::result_large_err)] // the API's own error type
fn parse(relative: &Path) -> Result<rules::RuleFile, rules::RuleError> {
    let source = std::fs::read_to_string(root().join(relative)).unwrap();
    rules::parse(relative, &source)
}

#[test]
fn every_rules_file_parses() {
    let files = toml_files("rules");
    assert!(files.len() >= 2, "rules/ has {files:?}");
    for relative in files {
        // Through `load`, as the command line reads them.
        if let Err(e) = rules::load(&root().join(&relative)) {
            panic!(
                "{} does not parse:\n{}",
                relative.display(),
                e.render(false)
            );
        }
    }
}

#[test]
fn valid_rule_files_parse() {
    let files = toml_files("tests/rules/valid");
    assert!(files.len() >= 5, "tests/rules/valid has {files:?}");
    for relative in files {
        if let Err(e) = parse(&relative) {
            panic!(
                "{} does not parse:\n{}",
                relative.display(),
                e.render(false)
            );
        }
    }
}

#[test]
fn invalid_rule_files_are_rejected() {
    let files = toml_files("tests/rules/invalid");
    assert!(files.len() >= 20, "tests/rules/invalid has {files:?}");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for relative in files {
            let name = relative.file_stem().unwrap().to_string_lossy().into_owned();
            let error = match parse(&relative) {
                Ok(file) => panic!(
                    "{} is meant to be invalid, but parses: {:?}",
                    relative.display(),
                    file.rules
                ),
                Err(e) => e,
            };
            let rendered = error.render(false);
            // The one-line form agrees with the rendered location.
            let location = format!("{}:{}:{}", relative.display(), error.line, error.column);
            assert!(
                error.to_string().starts_with(&location) && rendered.contains(&location),
                "{name}: {error} vs\n{rendered}"
            );
            insta::assert_snapshot!(format!("rules__{name}"), rendered);
        }
    });
}

/// `rules/staging-real-services.toml` names what `examples/staging` really has.
#[test]
fn staging_rules_fit_the_example() {
    let file = rules::load(&root().join("rules/staging-real-services.toml")).unwrap();
    let example = root().join("examples/staging");
    let mut aliases = Vec::new();
    let mut renames = Vec::new();
    for rule in &file.rules {
        match rule {
            Rule::Alias(a) => aliases.push((
                a.name.value.as_str(),
                a.target.value.as_str(),
                a.conftest.value.as_str(),
            )),
            Rule::Rename(r) => renames.push((
                r.fixture.value.as_str(),
                r.to.value.as_str(),
                r.defined_in.as_ref().map(|p| p.value.as_str()),
                r.keep_alias,
            )),
            other => panic!("the staging rules have no `{}` rule", other.kind()),
        }
    }
    assert_eq!(
        aliases,
        [
            (
                "real_services",
                "staging_services_fixture",
                "tests/e2e/staging/conftest.py"
            ),
            (
                "real_llm",
                "staging_llm_fixture",
                "tests/e2e/staging/conftest.py"
            ),
        ]
    );
    assert_eq!(
        renames,
        [(
            "real_services_fixture",
            "real_services",
            Some("test_framework/conftest_real_services.py"),
            true
        )]
    );
    let defines = |path: &str, fixture: &str| {
        let text = std::fs::read_to_string(example.join(path)).unwrap();
        assert!(
            text.contains(&format!("def {fixture}(")),
            "{path} does not define {fixture}"
        );
    };
    for (_, target, conftest) in aliases {
        defines(conftest, target);
    }
    for (fixture, _, defined_in, _) in renames {
        defines(defined_in.unwrap(), fixture);
    }
}
