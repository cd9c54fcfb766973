use std::path::Path;

use super::*;

fn ok(source: &str) -> RuleFile {
    match parse(Path::new("rules/test.toml"), source) {
        Ok(file) => file,
        Err(e) => panic!("expected to parse, got:\n{}", e.render(false)),
    }
}

fn err(source: &str) -> RuleError {
    match parse(Path::new("rules/test.toml"), source) {
        Ok(file) => panic!("expected an error, parsed {:?}", file.rules),
        Err(e) => e,
    }
}

/// Asserts the error's message contains `message` and that it points at `text`.
#[track_caller]
fn assert_err(source: &str, message: &str, text: &str) -> RuleError {
    let e = err(source);
    assert!(
        e.message.contains(message),
        "message {:?} does not contain {message:?}\n{}",
        e.message,
        e.render(false)
    );
    assert_eq!(e.text(), text, "wrong span\n{}", e.render(false));
    e
}

const HEADER: &str = "version = 1\n";

fn rename(body: &str) -> String {
    format!("{HEADER}\n[[rename]]\n{body}\n")
}

fn alias(body: &str) -> String {
    format!("{HEADER}\n[[alias]]\n{body}\n")
}

// ---- valid files ----

#[test]
fn full_file_in_file_order() {
    let source = r#"version = 1

[[alias]]
name = "real_services"
target = "staging_services_fixture"
conftest = "tests/e2e/staging/conftest.py"
deprecated = "request staging_services_fixture"

[[rename]]
fixture = "real_services_fixture"   # a comment
to = "real_services"
defined_in = "test_framework/conftest_real_services.py"
keep_alias = true
message = "real_services_fixture is deprecated; request real_services"

[[alias]]
name = "real_llm"
target = "staging_llm_fixture"
conftest = "tests/e2e/staging/conftest.py"
"#;
    let file = ok(source);
    let kinds: Vec<&str> = file.rules.iter().map(Rule::kind).collect();
    assert_eq!(kinds, ["alias", "rename", "alias"]);
    let Rule::Rename(r) = &file.rules[1] else {
        panic!()
    };
    assert_eq!(r.fixture, "real_services_fixture");
    assert_eq!(&source[r.fixture.span()], "\"real_services_fixture\"");
    assert_eq!(r.to.value, "real_services");
    assert_eq!(
        r.defined_in.as_deref().map(String::as_str),
        Some("test_framework/conftest_real_services.py")
    );
    assert!(r.keep_alias);
    assert_eq!(
        r.message.as_deref(),
        Some("real_services_fixture is deprecated; request real_services")
    );
    let table = &source[r.span.clone()];
    assert!(table.starts_with("[[rename]]\nfixture"), "{table:?}");
    assert!(table.ends_with("request real_services\""), "{table:?}");

    let aliases: Vec<&Alias> = file.aliases().collect();
    assert_eq!(aliases.len(), 2);
    assert_eq!(aliases[0].name, "real_services");
    assert_eq!(aliases[0].target, "staging_services_fixture");
    assert_eq!(aliases[0].conftest, "tests/e2e/staging/conftest.py");
    assert_eq!(
        aliases[0].deprecated.as_deref(),
        Some("request staging_services_fixture")
    );
    assert_eq!(aliases[1].deprecated, None);
    assert!(source[aliases[1].span.clone()].ends_with("staging/conftest.py\""));
    assert_eq!(file.renames().count(), 1);
}

#[test]
fn defaults() {
    let file = ok(&rename("fixture = \"a\"\nto = \"b\""));
    let Rule::Rename(r) = &file.rules[0] else {
        panic!()
    };
    assert!(!r.keep_alias);
    assert_eq!(r.defined_in, None);
    assert_eq!(r.message, None);
}

#[test]
fn version_only_is_zero_rules() {
    assert!(ok("version = 1\n").rules.is_empty());
    assert!(ok("# rules for nothing yet\nversion = 1 # the format\n")
        .rules
        .is_empty());
    assert!(ok("version = 0x1").rules.is_empty());
}

#[test]
fn inline_tables_are_rules_too() {
    let source = "version = 1\nrename = [{ fixture = \"a\", to = \"b\" }]\n";
    let file = ok(source);
    assert_eq!(
        &source[file.rules[0].span()],
        "{ fixture = \"a\", to = \"b\" }"
    );
}

#[test]
fn soft_keywords_and_unicode_names_are_fine() {
    for name in ["match", "case", "type", "_", "_private", "données", "x1"] {
        ok(&rename(&format!("fixture = \"{name}\"\nto = \"new_one\"")));
    }
}

#[test]
fn paths_are_normalised() {
    let file = ok(&alias(
        "name = \"a\"\ntarget = \"b\"\nconftest = \"./tests//e2e/../conftest.py\"",
    ));
    let a = file.aliases().next().unwrap();
    assert_eq!(a.conftest, "tests/conftest.py");
    assert_eq!(
        &file.source[a.conftest.span()],
        "\"./tests//e2e/../conftest.py\""
    );
    let file = ok(&rename(
        "fixture = \"a\"\nto = \"b\"\ndefined_in = \"pkg/../fixtures.py\"",
    ));
    let r = file.renames().next().unwrap();
    assert_eq!(r.defined_in.as_ref().unwrap(), "fixtures.py");
}

// ---- syntax ----

#[test]
fn toml_syntax_error() {
    let e = err("version = 1\n[[rename]\nfixture = \"a\"\n");
    assert!(e.message.starts_with("invalid TOML: "), "{}", e.message);
    assert_eq!((e.line, e.column), (2, 10));
    let e = err("version = 1\nfixture = \"a\n");
    assert!(e.message.starts_with("invalid TOML: "), "{}", e.message);
    assert_eq!(e.line, 2);
}

#[test]
fn duplicate_key() {
    let e = assert_err(
        &rename("fixture = \"a\"\nto = \"b\"\nto = \"c\""),
        "duplicate key `to`",
        "to",
    );
    assert_eq!((e.line, e.column), (6, 1));
}

// ---- version ----

#[test]
fn missing_version() {
    for source in [
        "",
        "# nothing\n",
        "[[rename]]\nfixture = \"a\"\nto = \"b\"\n",
    ] {
        let e = assert_err(source, "missing `version`", "");
        assert_eq!((e.line, e.column, e.span.clone()), (1, 1, 0..0));
        assert!(e.help.as_deref().unwrap().contains("`version = 1`"));
    }
}

#[test]
fn unsupported_version() {
    let e = assert_err("version = 2\n", "unsupported rule file version `2`", "2");
    assert_eq!(e.label, "expected `1`");
}

#[test]
fn version_of_wrong_type() {
    assert_err(
        "version = \"1\"\n",
        "`version` must be an integer, found string `\"1\"`",
        "\"1\"",
    );
    assert_err(
        "version = 1.0\n",
        "`version` must be an integer, found float `1.0`",
        "1.0",
    );
}

// ---- unknown keys ----

#[test]
fn unknown_top_level_key_with_suggestion() {
    let e = assert_err(
        "version = 1\n[[renames]]\nfixture = \"a\"\n",
        "unknown top-level key `renames`",
        "renames",
    );
    assert!(e.help.unwrap().starts_with("did you mean `rename`?"));
    // A misspelt version is reported as such, not as a missing version.
    let e = assert_err(
        "verison = 1\n",
        "unknown top-level key `verison`",
        "verison",
    );
    assert!(e.help.unwrap().starts_with("did you mean `version`?"));
    // No suggestion when nothing is close.
    let e = assert_err(
        "version = 1\nzzz = 3\n",
        "unknown top-level key `zzz`",
        "zzz",
    );
    assert!(e.help.unwrap().starts_with("a rule file has"));
}

#[test]
fn rule_key_outside_a_table() {
    let e = assert_err(
        "version = 1\nfixture = \"a\"\n",
        "unknown top-level key `fixture`",
        "fixture",
    );
    assert!(e.help.unwrap().contains("belongs in a `[[rename]]` table"));
}

#[test]
fn consolidation_rule_kinds_need_their_keys() {
    assert_err(
        "version = 1\n[[move]]\nfixture = \"a\"\n",
        "missing `from` in `[[move]]`",
        "[[move]]",
    );
}

#[test]
fn unknown_key_in_rule_with_suggestion() {
    let e = assert_err(
        &rename("fixtur = \"a\"\nto = \"b\""),
        "unknown key `fixtur` in `[[rename]]`",
        "fixtur",
    );
    assert_eq!((e.line, e.column), (4, 1));
    let help = e.help.unwrap();
    assert!(help.starts_with("did you mean `fixture`?"), "{help}");
    assert!(
        help.contains("`fixture`, `to`, `defined_in`, `keep_alias`, `message`"),
        "{help}"
    );
    let e = assert_err(
        &alias("name = \"a\"\ntarget = \"b\"\nconftest = \"conftest.py\"\ndeprecation = \"x\""),
        "unknown key `deprecation` in `[[alias]]`",
        "deprecation",
    );
    assert!(e.help.unwrap().starts_with("did you mean `deprecated`?"));
}

#[test]
fn unknown_key_is_reported_before_missing_keys() {
    assert_err(
        &rename("fixture = \"a\"\nnew_name = \"b\""),
        "unknown key `new_name`",
        "new_name",
    );
}

#[test]
fn unknown_sub_table_in_rule() {
    assert_err(
        &rename("fixture = \"a\"\nto = \"b\"\n[rename.options]\nx = 1"),
        "unknown key `options` in `[[rename]]`",
        "options",
    );
}

// ---- shape and types ----

#[test]
fn single_table_instead_of_array() {
    let e = assert_err(
        "version = 1\n[rename]\nfixture = \"a\"\nto = \"b\"\n",
        "`rename` must be an array of tables, found a single table",
        "[rename]",
    );
    assert_eq!(e.label, "expected `[[rename]]`");
}

#[test]
fn rule_array_of_wrong_type() {
    assert_err(
        "version = 1\nrename = \"a\"\n",
        "`rename` must be an array of tables, found string `\"a\"`",
        "\"a\"",
    );
    assert_err(
        "version = 1\nalias = [1]\n",
        "each `alias` rule must be a table, found integer `1`",
        "1",
    );
}

#[test]
fn wrong_value_types() {
    let e = assert_err(
        &rename("fixture = \"a\"\nto = \"b\"\nkeep_alias = \"yes\""),
        "`keep_alias` must be a boolean, found string `\"yes\"`",
        "\"yes\"",
    );
    assert_eq!(e.label, "expected a boolean");
    assert_eq!(e.help.as_deref(), Some("for example: `keep_alias = true`"));
    assert_err(
        &rename("fixture = 1\nto = \"b\""),
        "`fixture` must be a string, found integer `1`",
        "1",
    );
    assert_err(
        &rename("fixture = \"a\"\nto = [\"b\"]"),
        "`to` must be a string, found array `[\"b\"]`",
        "[\"b\"]",
    );
    assert_err(
        &rename("fixture = \"a\"\nto = \"b\"\nmessage = false"),
        "`message` must be a string, found boolean `false`",
        "false",
    );
    assert_err(
        &rename("fixture.name = \"a\"\nto = \"b\""),
        "`fixture` must be a string, found table",
        "fixture",
    );
    assert_err(
        &alias("name = \"a\"\ntarget = \"b\"\nconftest = 3"),
        "`conftest` must be a string, found integer `3`",
        "3",
    );
    assert_err(
        &alias("name = \"a\"\ntarget = \"b\"\nconftest = \"conftest.py\"\ndeprecated = true"),
        "`deprecated` must be a string, found boolean `true`",
        "true",
    );
    assert_err(
        &rename("fixture = \"a\"\nto = \"b\"\ndefined_in = 2024-01-01"),
        "`defined_in` must be a string, found datetime `2024-01-01`",
        "2024-01-01",
    );
}

#[test]
fn missing_required_keys_point_at_the_header() {
    let e = assert_err(
        &rename("fixture = \"a\""),
        "missing `to` in `[[rename]]`",
        "[[rename]]",
    );
    assert_eq!((e.line, e.column), (3, 1));
    assert_eq!(
        e.help.as_deref(),
        Some("add `to = \"new_name\"`: the fixture's new name")
    );
    assert_err(
        &rename("to = \"a\""),
        "missing `fixture` in `[[rename]]`",
        "[[rename]]",
    );
    assert_err(
        &alias("name = \"a\"\ntarget = \"b\""),
        "missing `conftest` in `[[alias]]`",
        "[[alias]]",
    );
    assert_err(
        &alias("target = \"b\"\nconftest = \"conftest.py\""),
        "missing `name` in `[[alias]]`",
        "[[alias]]",
    );
    assert_err(
        &alias("name = \"a\"\nconftest = \"conftest.py\""),
        "missing `target` in `[[alias]]`",
        "[[alias]]",
    );
    assert_err(
        "version = 1\nalias = [{ name = \"a\" }]\n",
        "missing `target` in `[[alias]]`",
        "{ name = \"a\" }",
    );
}

#[test]
fn empty_texts() {
    assert_err(
        &rename("fixture = \"a\"\nto = \"b\"\nmessage = \"\""),
        "`message` is empty",
        "\"\"",
    );
    assert_err(
        &alias("name = \"a\"\ntarget = \"b\"\nconftest = \"conftest.py\"\ndeprecated = \" \""),
        "`deprecated` is empty",
        "\" \"",
    );
}

// ---- names ----

#[test]
fn keyword_names() {
    for kw in ["class", "def", "None", "True", "lambda", "yield"] {
        let e = assert_err(
            &rename(&format!("fixture = \"a\"\nto = \"{kw}\"")),
            &format!("`{kw}` is a Python keyword, not a valid fixture name"),
            &format!("\"{kw}\""),
        );
        assert_eq!(e.label, "Python keyword");
    }
    assert_err(
        &alias("name = \"import\"\ntarget = \"b\"\nconftest = \"conftest.py\""),
        "`import` is a Python keyword",
        "\"import\"",
    );
}

#[test]
fn invalid_identifiers() {
    let e = assert_err(
        &rename("fixture = \"real-services\"\nto = \"b\""),
        "`real-services` is not a valid Python identifier: '-' is not allowed",
        "\"real-services\"",
    );
    assert!(e.help.unwrap().starts_with("did you mean `real_services`?"));
    assert_err(
        &rename("fixture = \"a\"\nto = \"2fast\""),
        "`2fast` is not a valid Python identifier: it starts with a digit",
        "\"2fast\"",
    );
    assert_err(
        &alias("name = \"a\"\ntarget = \"my fixture\"\nconftest = \"conftest.py\""),
        "`my fixture` is not a valid Python identifier: ' ' is not allowed",
        "\"my fixture\"",
    );
    assert_err(
        &alias("name = \"a.b\"\ntarget = \"c\"\nconftest = \"conftest.py\""),
        "`a.b` is not a valid Python identifier: '.' is not allowed",
        "\"a.b\"",
    );
    assert_err(
        &rename("fixture = \"\"\nto = \"b\""),
        "`fixture` is empty",
        "\"\"",
    );
}

#[test]
fn name_problems() {
    assert_eq!(name_problem(""), Some(NameProblem::Empty));
    assert_eq!(name_problem("if"), Some(NameProblem::Keyword));
    assert_eq!(name_problem("9a"), Some(NameProblem::StartsWithDigit('9')));
    assert_eq!(name_problem("a-b"), Some(NameProblem::InvalidChar('-')));
    assert_eq!(name_problem("a_b9"), None);
    assert!(is_valid_fixture_name("match"));
    assert!(!is_valid_fixture_name("async"));
    assert!(!is_valid_fixture_name(""));
}

#[test]
fn rename_to_itself() {
    let e = assert_err(
        &rename("fixture = \"db\"\nto = \"db\""),
        "`db` is renamed to itself",
        "\"db\"",
    );
    assert_eq!(e.line, 5);
}

#[test]
fn alias_of_itself() {
    assert_err(
        &alias("name = \"db\"\ntarget = \"db\"\nconftest = \"conftest.py\""),
        "alias `db` stands for itself",
        "\"db\"",
    );
}

// ---- paths ----

fn conftest(path: &str) -> String {
    alias(&format!(
        "name = \"a\"\ntarget = \"b\"\nconftest = \"{path}\""
    ))
}

fn defined_in(path: &str) -> String {
    rename(&format!(
        "fixture = \"a\"\nto = \"b\"\ndefined_in = \"{path}\""
    ))
}

#[test]
fn paths_outside_the_project() {
    for path in [
        "/abs/conftest.py",
        "C:/project/conftest.py",
        "~/conftest.py",
        "../other/conftest.py",
        "tests/../../conftest.py",
        "..",
    ] {
        assert_err(
            &conftest(path),
            "path outside the project",
            &format!("\"{path}\""),
        );
    }
    let e = assert_err(
        &defined_in("../shared/fixtures.py"),
        "path outside the project: `../shared/fixtures.py`",
        "\"../shared/fixtures.py\"",
    );
    assert_eq!(e.label, "`..` leaves the project rootdir");
    assert_err(
        &defined_in("/usr/lib/fixtures.py"),
        "path outside the project: `/usr/lib/fixtures.py` is absolute",
        "\"/usr/lib/fixtures.py\"",
    );
}

#[test]
fn backslash_paths() {
    let source = alias("name = \"a\"\ntarget = \"b\"\nconftest = 'tests\\e2e\\conftest.py'");
    let e = assert_err(
        &source,
        "`tests\\e2e\\conftest.py` uses `\\` as a separator",
        "'tests\\e2e\\conftest.py'",
    );
    assert_eq!(e.help.as_deref(), Some("write `tests/e2e/conftest.py`"));
}

#[test]
fn conftest_must_be_a_conftest() {
    for path in [
        "tests/helpers.py",
        "tests/my_conftest.py",
        "tests/conftest.py/",
        "tests",
        "tests/conftest.pyc",
    ] {
        assert_err(
            &conftest(path),
            &format!("`conftest` must name a `conftest.py` file, not `{path}`"),
            &format!("\"{path}\""),
        );
    }
}

#[test]
fn defined_in_must_be_a_python_file() {
    for path in [
        "tests/fixtures",
        "tests/.py",
        "tests/fixtures.py/",
        "fixtures.pyi",
    ] {
        assert_err(
            &defined_in(path),
            &format!("`defined_in` must name a Python file (`.py`), not `{path}`"),
            &format!("\"{path}\""),
        );
    }
}

#[test]
fn empty_paths() {
    assert_err(&conftest(""), "`conftest` is empty", "\"\"");
    assert_err(&defined_in(""), "`defined_in` is empty", "\"\"");
}

// ---- errors: location, display, rendering ----

#[test]
fn errors_come_in_file_order() {
    let source = format!(
        "{HEADER}[[alias]]\nname = \"a\"\ntarget = \"b\"\nconftest = \"x.py\"\n\
         [[rename]]\nfixture = \"class\"\nto = \"b\"\n"
    );
    assert_err(&source, "`conftest` must name", "\"x.py\"");
}

#[test]
fn columns_count_characters() {
    // The `;` is the 15th character of its line, but its 16th byte.
    let e = err("version = 1 # é\n[[rename]]\nfixture = \"é\" ; to = \"b\"\n");
    assert_eq!((e.line, e.column), (3, 15), "{}", e.render(false));
    let e = err("# réglé\nversion = 1\n[[rename]]\n\"fïxture\" = \"a\"\n");
    assert_eq!(e.text(), "\"fïxture\"");
    assert_eq!((e.line, e.column), (4, 1));
    assert_eq!(line_column("aé\nbü€x", 10), (2, 4));
    assert_eq!(line_column("ab", 99), (1, 3));
}

#[test]
fn display_is_one_line() {
    let e = err(&rename("fixture = \"a\"\nto = \"b\"\nkeep_alias = \"yes\""));
    assert_eq!(
        e.to_string(),
        "rules/test.toml:6:14: `keep_alias` must be a boolean, found string `\"yes\"`"
    );
}

#[test]
fn render_plain() {
    let e = err(&rename("fixture = \"a\"\nto = \"b\"\nkeep_alias = \"yes\""));
    assert_eq!(
        e.render(false),
        r#"error: `keep_alias` must be a boolean, found string `"yes"`
 --> rules/test.toml:6:14
  |
6 | keep_alias = "yes"
  |              ^^^^^ expected a boolean
  |
  = help: for example: `keep_alias = true`"#
    );
    assert!(e.render(true).contains("\u{1b}["));
}

#[test]
fn semantic_errors_render_the_same_way() {
    let file = ok(&rename("fixture = \"old\"\nto = \"new\""));
    let r = file.renames().next().unwrap();
    let e = RuleError::at(
        &file,
        r.fixture.span(),
        "fixture `old` does not exist",
        "no fixture named `old`",
        Some("did you mean `olds`?".into()),
    );
    assert_eq!((e.line, e.column), (4, 11));
    assert_eq!(e.text(), "\"old\"");
    assert_eq!(
        e.render(false),
        r#"error: fixture `old` does not exist
 --> rules/test.toml:4:11
  |
4 | fixture = "old"
  |           ^^^^^ no fixture named `old`
  |
  = help: did you mean `olds`?"#
    );
    assert_eq!(file.error(r.span.clone(), "m", "l", None).line, 3);
}

#[test]
fn load_reads_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, rename("fixture = \"a\"\nto = \"b\"")).unwrap();
    let file = load(&good).unwrap();
    assert_eq!(file.path, good);
    assert_eq!(file.rules.len(), 1);

    let missing = dir.path().join("missing.toml");
    let e = load(&missing).unwrap_err();
    assert!(!e.is_located());
    assert!(
        e.message.starts_with("cannot read rule file"),
        "{}",
        e.message
    );
    assert!(e
        .to_string()
        .starts_with(&format!("{}: cannot read", missing.display())));
    assert!(e
        .render(false)
        .contains(&format!("--> {}", missing.display())));

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"version = 1\n# caf\xe9\n").unwrap();
    let e = load(&latin1).unwrap_err();
    assert!(e.message.contains("not valid UTF-8"), "{}", e.message);
}
