//! `fixmig impact`: git repositories built here (a base commit, then a change in the work
//! tree), each checked against real pytest run at both revisions — what impact says changed
//! for each test must be exactly what pytest's own resolution says changed — and the report
//! snapshotted. Needs `git` and the pytest venv: a missing one fails the test, never skips it.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{run_fixmig, run_oracle};

/// Runs git in `dir` with a fixed identity and dates (commit ids are reproducible).
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("`git` must be installed for tests/impact.rs (apt-get install git)");
    assert!(
        out.status.success(),
        "git {args:?} failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A repository with `files` committed on `main`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

/// Applies `changes` to the work tree: `Some(text)` writes, `None` deletes.
fn change(root: &Path, changes: &[(&str, Option<&str>)]) {
    for (rel, text) in changes {
        match text {
            Some(t) => write(root, rel, t),
            None => {
                fs::remove_file(root.join(rel)).unwrap();
                // An emptied directory goes too, as git leaves none.
                let mut dir = root.join(rel).parent().map(Path::to_path_buf);
                while let Some(d) = dir.filter(|d| d != root && fs::remove_dir(d).is_ok()) {
                    dir = d.parent().map(Path::to_path_buf);
                }
            }
        }
    }
}

/// What changed per test by pytest's own resolution (the oracle at both revisions):
/// `(nodeid, kind, fixture)`, kind one of unresolved, definition, scope, setup-error,
/// parametrized, closure.
fn oracle_changes(before: &Value, after: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    let tests = |doc: &Value| -> Vec<(String, Value)> {
        doc["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["nodeid"].as_str().unwrap().to_string(), t.clone()))
            .collect()
    };
    let parametrized = |doc: &Value, nodeid: &str| {
        doc["outcomes"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with(&format!("{nodeid}[")))
    };
    let old_tests = tests(before);
    for (nodeid, new) in tests(after) {
        let Some((_, old)) = old_tests.iter().find(|(n, _)| *n == nodeid) else {
            continue;
        };
        let mut push = |kind: &str, name: &str| {
            out.insert((nodeid.clone(), kind.to_string(), name.to_string()));
        };
        let fixtures = |t: &Value| -> Vec<Value> { t["fixtures"].as_array().unwrap().clone() };
        let (old_f, new_f) = (fixtures(old), fixtures(&new));
        let find = |list: &[Value], name: &str| list.iter().find(|f| f["name"] == name).cloned();
        let defined =
            |f: &Value| matches!(f["kind"].as_str(), Some("fixture" | "plugin" | "builtin"));
        for f in &new_f {
            let name = f["name"].as_str().unwrap();
            let o = find(&old_f, name);
            if f["kind"] == "unresolved" && o.as_ref().is_none_or(|o| o["kind"] != "unresolved") {
                push("unresolved", name);
            }
            if let Some(o) = o.filter(|o| defined(o) && defined(f)) {
                let identity =
                    |x: &Value| (x["kind"].clone(), x["path"].clone(), x["function"].clone());
                if identity(&o) != identity(f) {
                    push("definition", name);
                }
                if o["scope"] != f["scope"] {
                    push("scope", name);
                }
            }
        }
        let names = |l: &[Value]| -> BTreeSet<String> {
            l.iter()
                .map(|f| f["name"].as_str().unwrap().to_string())
                .collect()
        };
        if names(&old_f) != names(&new_f) {
            push("closure", "");
        }
        for e in new["errors"].as_array().unwrap() {
            if e["code"] == "FM002" && !old["errors"].as_array().unwrap().contains(e) {
                push("setup-error", e["fixture"].as_str().unwrap());
            }
        }
        if parametrized(before, &nodeid) != parametrized(after, &nodeid) {
            push("parametrized", "");
        }
    }
    out
}

/// The same triples from impact's JSON.
fn impact_changes(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for e in doc["entries"].as_array().unwrap() {
        let (kind, name) = match e["kind"].as_str().unwrap() {
            "unresolved" => ("unresolved", e["fixture"].as_str().unwrap()),
            "definition" | "moved" => ("definition", e["fixture"].as_str().unwrap()),
            "scope" => ("scope", e["fixture"].as_str().unwrap()),
            "setup-error" => ("setup-error", e["fixture"].as_str().unwrap()),
            "parametrized" => ("parametrized", ""),
            "closure" => ("closure", ""),
            other => panic!("unknown entry kind {other}"),
        };
        for t in e["tests"].as_array().unwrap() {
            out.insert((t.as_str().unwrap().to_string(), kind.into(), name.into()));
        }
    }
    out
}

/// Builds the repository, runs pytest's oracle at BASE and after `changes`, runs `impact`
/// (JSON and text) and asserts that both agree; returns the exit code, the text report and
/// the JSON.
fn scenario(
    files: &[(&str, &str)],
    changes: &[(&str, Option<&str>)],
    staged: bool,
) -> (tempfile::TempDir, i32, String, Value) {
    let dir = repo(files);
    let root = dir.path();
    let before = run_oracle(root);
    change(root, changes);
    if staged {
        git(root, &["add", "-A"]);
    }
    let after = run_oracle(root);
    let path = root.to_str().unwrap();
    let (code, json, err) = run_fixmig(&["impact", "HEAD", path, "--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}{err}"));
    let expected = oracle_changes(&before, &after);
    let got = impact_changes(&doc);
    assert_eq!(
        got, expected,
        "impact (left) and pytest (right) disagree on what changed\n{json}"
    );
    let (text_code, text, _) = run_fixmig(&["impact", "HEAD", path, "--color", "never", "-v"]);
    assert_eq!(code, text_code);
    let text = text.replace(
        &git(root, &["rev-parse", "--short=12", "HEAD"])
            .trim()
            .to_string(),
        "BASE-ID",
    );
    (dir, code, text, doc)
}

fn snapshot(name: &str, code: i32, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("impact__{name}"), format!("exit: {code}\n{text}"))
    });
}

const INI: (&str, &str) = ("pytest.ini", "[pytest]\ntestpaths = tests\n");

#[test]
fn a_rename_without_alias_unresolves_some_tests_and_silently_redirects_others() {
    let root_conftest = "import pytest\n\n\n@pytest.fixture\ndef db():\n    return 'sqlite'\n";
    let (_dir, code, text, doc) = scenario(
        &[
            INI,
            ("tests/conftest.py", root_conftest),
            (
                "tests/pg/conftest.py",
                "import pytest\n\n\n@pytest.fixture\ndef db():\n    return 'postgres'\n",
            ),
            (
                "tests/pg/test_pg.py",
                "def test_a(db):\n    pass\n\n\ndef test_b(db):\n    pass\n",
            ),
            (
                "tests/api/conftest.py",
                "import pytest\n\n\n@pytest.fixture\ndef kv():\n    return {}\n",
            ),
            ("tests/api/test_api.py", "def test_get(kv):\n    pass\n"),
        ],
        &[
            (
                "tests/pg/conftest.py",
                Some("import pytest\n\n\n@pytest.fixture\ndef pg_db():\n    return 'postgres'\n"),
            ),
            (
                "tests/api/conftest.py",
                Some("import pytest\n\n\n@pytest.fixture\ndef kv_store():\n    return {}\n"),
            ),
            ("tests/api/test_new.py", Some("def test_new():\n    pass\n")),
        ],
        true,
    );
    assert_eq!(code, 1, "{text}");
    assert_eq!(doc["summary"]["added"], 1);
    let kinds: Vec<&str> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["FM201", "FM001"], "{text}");
    assert_eq!(doc["entries"][0]["count"], 2);
    snapshot("rename_without_alias", code, &text);
}

#[test]
fn a_move_to_another_conftest_is_reported_but_is_no_change() {
    let client = "\n\n@pytest.fixture\ndef client():\n    return 'api client'\n";
    let (_dir, code, text, doc) = scenario(
        &[
            INI,
            ("tests/conftest.py", "import pytest\n"),
            ("tests/api/conftest.py", &format!("import pytest\n{client}")),
            ("tests/api/test_a.py", "def test_a(client):\n    pass\n"),
            ("tests/api/v2/test_b.py", "def test_b(client):\n    pass\n"),
        ],
        &[
            (
                "tests/conftest.py",
                Some(&format!("import pytest\n\n\n# moved up{client}")),
            ),
            ("tests/api/conftest.py", None),
        ],
        false,
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(doc["entries"].as_array().unwrap().len(), 1, "{text}");
    assert_eq!(doc["entries"][0]["code"], "FM202");
    assert_eq!(doc["entries"][0]["count"], 2);
    snapshot("move_to_another_conftest", code, &text);
}

#[test]
fn a_hoist_of_identical_copies_has_no_impact() {
    let store =
        "import pytest\n\n\n@pytest.fixture\ndef store(tmp_path):\n    return tmp_path / 's'\n";
    let (_dir, code, text, doc) = scenario(
        &[
            INI,
            ("tests/a/conftest.py", store),
            ("tests/a/test_a.py", "def test_a(store):\n    pass\n"),
            ("tests/b/conftest.py", store),
            ("tests/b/test_b.py", "def test_b(store):\n    pass\n"),
        ],
        &[
            ("tests/conftest.py", Some(store)),
            ("tests/a/conftest.py", None),
            ("tests/b/conftest.py", None),
        ],
        false,
    );
    assert_eq!(code, 0, "{text}");
    for e in doc["entries"].as_array().unwrap() {
        assert_eq!(e["code"], "FM202", "{text}");
    }
    snapshot("hoist_identical_copies", code, &text);
}

#[test]
fn a_scope_change_reports_the_scope_and_the_new_scope_mismatch() {
    let conftest = |scope: &str, params: &str| {
        format!(
            "import pytest\n\n\n@pytest.fixture\ndef settings():\n    return {{}}\n\n\n\
             @pytest.fixture{scope}\ndef app(settings):\n    return settings\n\n\n\
             @pytest.fixture{params}\ndef backend():\n    return 'x'\n"
        )
    };
    let (_dir, code, text, doc) = scenario(
        &[
            INI,
            ("tests/conftest.py", &conftest("", "")),
            (
                "tests/test_app.py",
                "def test_app(app):\n    pass\n\n\ndef test_backend(backend):\n    pass\n",
            ),
        ],
        &[(
            "tests/conftest.py",
            Some(&conftest("(scope=\"session\")", "(params=[\"a\", \"b\"])")),
        )],
        false,
    );
    assert_eq!(code, 1, "{text}");
    let codes: BTreeSet<&str> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, BTreeSet::from(["FM002", "FM203", "FM204"]), "{text}");
    snapshot("scope_change", code, &text);
}

#[test]
fn a_conditional_import_turned_off_unresolves_its_fixtures() {
    let conftest = |flag: &str| {
        format!(
            "_load_services = {flag}\n\nif _load_services:\n    from framework.services import *  # noqa\n"
        )
    };
    let (_dir, code, text, doc) = scenario(
        &[
            INI,
            ("framework/__init__.py", ""),
            (
                "framework/services.py",
                "import pytest\n\n\n@pytest.fixture\ndef services():\n    return {}\n",
            ),
            ("tests/conftest.py", &conftest("True")),
            ("tests/test_s.py", "def test_s(services):\n    pass\n"),
        ],
        &[("tests/conftest.py", Some(&conftest("False")))],
        false,
    );
    assert_eq!(code, 1, "{text}");
    assert_eq!(doc["entries"][0]["code"], "FM001");
    assert_eq!(doc["entries"][0]["old"], "framework/services.py:4");
    snapshot("conditional_import", code, &text);
}

/// The bundled example's history: at BASE `real_services` (and `real_llm`) are still defined,
/// and loaded; the work tree is `examples/staging` as bundled.
#[test]
fn the_bundled_example_history_reports_the_staging_tests_unresolved() {
    let example = support::manifest_dir().join("examples/staging");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    support::copy_tree(&example, root);
    write(
        root,
        "test_framework/conftest_real_services.py",
        "\"\"\"Real service fixtures.\"\"\"\nimport pytest\n\n\n@pytest.fixture(scope=\"session\")\n\
         def real_services():\n    return {\"backend\": \"https://staging.example.invalid\"}\n\n\n\
         @pytest.fixture\ndef real_llm():\n    return \"real-llm\"\n",
    );
    let conftest = fs::read_to_string(root.join("tests/conftest.py")).unwrap();
    write(
        root,
        "tests/conftest.py",
        &conftest.replace(
            "_should_load_real_services = False",
            "_should_load_real_services = True",
        ),
    );
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "real services, loaded"]);
    let before = run_oracle(root);
    support::copy_tree(&example, root);
    let after = run_oracle(root);
    let path = root.to_str().unwrap();
    let (code, json, err) = run_fixmig(&["impact", "HEAD", path, "--format", "json"]);
    assert_eq!(code, 1, "{json}{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        impact_changes(&doc),
        oracle_changes(&before, &after),
        "{json}"
    );
    let fixtures: BTreeSet<&str> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "FM001")
        .map(|e| e["fixture"].as_str().unwrap())
        .collect();
    assert_eq!(fixtures, BTreeSet::from(["real_llm", "real_services"]));
    let (_, text, _) = run_fixmig(&["impact", "HEAD", path, "--color", "never"]);
    let id = git(root, &["rev-parse", "--short=12", "HEAD"]);
    snapshot("staging_history", code, &text.replace(id.trim(), "BASE-ID"));
}

/// A committed project whose one test requests the conftest fixture `a`.
fn one_fixture_repo() -> tempfile::TempDir {
    repo(&[
        INI,
        (
            "tests/conftest.py",
            "import pytest\n\n\n@pytest.fixture\ndef a():\n    return 1\n",
        ),
        ("tests/test_a.py", "def test_a(a):\n    pass\n"),
    ])
}

#[test]
fn the_default_base_is_the_merge_base_with_origin_head() {
    let dir = one_fixture_repo();
    let root = dir.path();
    let base = git(root, &["rev-parse", "HEAD"]);
    git(
        root,
        &["update-ref", "refs/remotes/origin/main", base.trim()],
    );
    git(
        root,
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
        ],
    );
    git(root, &["checkout", "-q", "-b", "feature"]);
    // The change is committed on the branch: HEAD alone would see nothing.
    write(root, "tests/conftest.py", "import pytest\n");
    git(root, &["commit", "-q", "-am", "drop a"]);
    // BASE left out: the first argument is a path, not a revision (as `git diff` decides).
    let (code, out, err) = run_fixmig(&["impact", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["base"]["commit"], base.trim());
    assert_eq!(
        doc["base"]["label"],
        "the merge base of HEAD and origin/HEAD"
    );
    // Without origin/HEAD, BASE is HEAD: the committed change is not seen.
    git(
        root,
        &["symbolic-ref", "--delete", "refs/remotes/origin/HEAD"],
    );
    let (code, out, _) = run_fixmig(&["impact", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["base"]["label"], "HEAD");
}

#[test]
fn github_and_sarif_formats_report_each_entry() {
    let dir = one_fixture_repo();
    let root = dir.path();
    write(root, "tests/conftest.py", "import pytest\n");
    let path = root.to_str().unwrap();
    let (code, out, _) = run_fixmig(&["impact", "HEAD", path, "--format", "github"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("::error file="), "{out}");
    assert!(
        out.contains("title=FM001::fixture 'a' not found for 1 test"),
        "{out}"
    );
    let (code, out, _) = run_fixmig(&["impact", "HEAD", path, "--format", "sarif"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["runs"][0]["results"][0]["ruleId"], "FM001");
    // Nothing changed against the work tree's own commit once it is committed.
    git(root, &["commit", "-q", "-am", "drop a"]);
    let (code, out, _) = run_fixmig(&["impact", "HEAD", path, "--color", "never"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No test gets a different fixture."), "{out}");
}

/// A package that only BASE has (the work tree deleted it): import resolution at BASE finds
/// it through the overlay (files, directories, listings), and the fixture it held, now
/// defined in the conftest with the same code, is a move. A test directory deleted too: its
/// test is counted as removed.
#[test]
fn files_and_directories_only_base_has_are_seen_at_base() {
    let fixture = "\n\n@pytest.fixture\ndef helper():\n    return 'h'\n";
    let (_dir, code, text, doc) = scenario(
        &[
            (
                "pytest.ini",
                "[pytest]\ntestpaths = tests\npythonpath = .\n",
            ),
            ("helpers/__init__.py", ""),
            ("helpers/fx.py", &format!("import pytest\n{fixture}")),
            ("tests/conftest.py", "from helpers.fx import *  # noqa\n"),
            ("tests/test_h.py", "def test_h(helper):\n    pass\n"),
            ("tests/old/test_o.py", "def test_o(helper):\n    pass\n"),
        ],
        &[
            (
                "tests/conftest.py",
                Some(&format!("import pytest\n{fixture}")),
            ),
            ("helpers/fx.py", None),
            ("helpers/__init__.py", None),
            ("tests/old/test_o.py", None),
        ],
        false,
    );
    assert!(!_dir.path().join("helpers").exists());
    assert_eq!(code, 0, "{text}");
    assert_eq!(doc["summary"]["removed"], 1, "{text}");
    assert_eq!(doc["entries"][0]["code"], "FM202", "{text}");
    assert_eq!(doc["entries"][0]["old"], "helpers/fx.py:4", "{text}");
}

#[test]
fn outside_a_git_repository_or_with_an_unknown_revision_it_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pytest.ini", "[pytest]\n");
    write(dir.path(), "test_a.py", "def test_a():\n    pass\n");
    let path = dir.path().to_str().unwrap();
    let (code, _, err) = run_fixmig(&["impact", "HEAD", path]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not in a git repository"), "{err}");
    let repo = repo(&[INI, ("tests/test_a.py", "def test_a():\n    pass\n")]);
    let (code, _, err) = run_fixmig(&["impact", "no-such-branch", repo.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot resolve `no-such-branch`"), "{err}");
}
