//! Machine-facing output of `check` and `migrate --check`: GitHub Actions workflow commands
//! (`::error file=...,line=...,col=...,title=FM001::message`, which annotate a pull request) and
//! SARIF 2.1.0 (for code scanning and SARIF viewers); the table of diagnostic codes; and
//! `select` / `ignore` code selection.
//!
//! Paths in both formats are relative to the current directory (in CI: the repository root, which
//! is what GitHub resolves annotation paths against), or absolute for files outside it.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{json, Value};

use crate::check::{Diagnostic, Severity};

/// `--format` of `check` and `migrate`, and the `format` configuration key.
#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// Human-readable (`path:line:col: CODE message`; for `migrate`, a unified diff).
    Text,
    /// A JSON document (for scripts).
    Json,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// SARIF 2.1.0 (code scanning, SARIF viewers).
    Sarif,
}

impl OutputFormat {
    pub const NAMES: [&'static str; 4] = ["text", "json", "github", "sarif"];

    pub fn parse(name: &str) -> Option<OutputFormat> {
        Some(match name {
            "text" => OutputFormat::Text,
            "json" => OutputFormat::Json,
            "github" => OutputFormat::Github,
            "sarif" => OutputFormat::Sarif,
            _ => return None,
        })
    }
}

/// One diagnostic code fixmig reports.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    pub code: &'static str,
    /// A kebab-case name (SARIF `rule.name`).
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

/// Every diagnostic code, in order. A code emitted anywhere in `src/` must be listed here (a test
/// checks): `select`/`ignore` validate against it and SARIF lists it as the tool's rules.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "FM001",
        name: "fixture-not-found",
        severity: Severity::Error,
        summary: "A test or fixture requests a fixture that is not visible to it.",
    },
    CodeInfo {
        code: "FM002",
        name: "scope-mismatch",
        severity: Severity::Error,
        summary: "A fixture requests a fixture of narrower scope (pytest's ScopeMismatch).",
    },
    CodeInfo {
        code: "FM003",
        name: "recursive-dependency",
        severity: Severity::Error,
        summary: "A fixture depends on itself: a cycle, or an override chain that runs out.",
    },
    CodeInfo {
        code: "FM101",
        name: "conditional-fixture",
        severity: Severity::Warning,
        summary: "A fixture exists only if a condition decided at run time holds.",
    },
    CodeInfo {
        code: "FM102",
        name: "unknown-getfixturevalue",
        severity: Severity::Warning,
        summary: "`request.getfixturevalue(\"name\")` names a fixture visible nowhere.",
    },
    CodeInfo {
        code: "FM103",
        name: "identical-copies",
        severity: Severity::Info,
        summary: "The same fixture code is defined in several conftests (a `[[hoist]]` candidate).",
    },
    CodeInfo {
        code: "FM104",
        name: "hook-may-parametrize",
        severity: Severity::Warning,
        summary: "A fixture defined nowhere visible that a `pytest_generate_tests` hook may parametrize (decided at run time).",
    },
    CodeInfo {
        code: "FM201",
        name: "impact-another-definition",
        severity: Severity::Error,
        summary: "`impact`: tests get another definition of a fixture (other code) than at the base revision.",
    },
    CodeInfo {
        code: "FM202",
        name: "impact-moved-definition",
        severity: Severity::Info,
        summary: "`impact`: a fixture's definition moved with the same code (not a change).",
    },
    CodeInfo {
        code: "FM203",
        name: "impact-scope-changed",
        severity: Severity::Warning,
        summary: "`impact`: the fixture tests get has another scope than at the base revision.",
    },
    CodeInfo {
        code: "FM204",
        name: "impact-parametrization-changed",
        severity: Severity::Warning,
        summary: "`impact`: tests became parametrized, or stopped being.",
    },
    CodeInfo {
        code: "FM205",
        name: "impact-closure-changed",
        severity: Severity::Info,
        summary: "`impact`: tests set up more or fewer fixtures than at the base revision.",
    },
    CodeInfo {
        code: "FM900",
        name: "syntax-error",
        severity: Severity::Warning,
        summary: "A file does not parse; facts come from the statements that do.",
    },
    CodeInfo {
        code: "FM901",
        name: "not-utf8",
        severity: Severity::Warning,
        summary: "A file is not UTF-8 text and is skipped.",
    },
    CodeInfo {
        code: "FM902",
        name: "unreadable-file",
        severity: Severity::Warning,
        summary: "A file cannot be read and is skipped.",
    },
    CodeInfo {
        code: "FM903",
        name: "discovery-warning",
        severity: Severity::Warning,
        summary:
            "Discovery: an unreadable directory, a shadowed config file, an empty testpaths entry.",
    },
    CodeInfo {
        code: "FM904",
        name: "environment-problem",
        severity: Severity::Warning,
        summary: "A file of the Python environment (installed plugins' metadata) cannot be used.",
    },
    CodeInfo {
        code: "FM905",
        name: "pytest-version",
        severity: Severity::Warning,
        summary: "The pytest version: a config section the installed pytest reads differently \
                  from other versions, or no pytest installed (pytest 9.2 is modelled).",
    },
];

/// Why a code selector is not valid (for `select` / `ignore` / `--select` / `--ignore`).
pub fn selector_problem(selector: &str) -> Option<String> {
    let valid_shape = selector.len() <= 5
        && selector.starts_with("FM")
        && selector[2..].chars().all(|c| c.is_ascii_digit());
    if !valid_shape {
        return Some(format!(
            "`{selector}` is not a diagnostic code or code prefix (like `FM001` or `FM1`)"
        ));
    }
    if !CODES.iter().any(|c| c.code.starts_with(selector)) {
        return Some(format!("no diagnostic code starts with `{selector}`"));
    }
    None
}

/// Which codes are reported: ruff's rule. The longest selector that is a prefix of a code
/// decides; on a tie `ignore` wins; a code no selector matches is off (`select` defaults to
/// every code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            select: vec!["FM".to_string()],
            ignore: Vec::new(),
        }
    }
}

impl Selection {
    pub fn enabled(&self, code: &str) -> bool {
        let best = |list: &[String]| {
            list.iter()
                .filter(|s| code.starts_with(s.as_str()))
                .map(String::len)
                .max()
        };
        match (best(&self.select), best(&self.ignore)) {
            (Some(s), Some(i)) => s > i,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// `rootdir/rel` as shown in machine output: relative to the current directory when under it,
/// else absolute; `/`-separated.
pub fn display_path(rootdir: &Path, rel: &str) -> String {
    let abs = rootdir.join(rel);
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown: PathBuf = match abs.strip_prefix(&cwd) {
        Ok(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => abs,
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// Escapes the message part of a workflow command (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github_command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One workflow command: `::error file=F,line=L,col=C,title=T::message`.
pub fn github_annotation(
    severity: Severity,
    file: &str,
    line: usize,
    col: usize,
    title: &str,
    message: &str,
) -> String {
    format!(
        "::{} file={},line={line},col={col},title={}::{}\n",
        github_command(severity),
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

/// The full text of a diagnostic (message, test, notes, help), one item per line.
fn long_message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(test) = &d.test {
        text.push_str(&format!("\n  = test: {test}"));
    }
    for r in &d.related {
        text.push_str(&format!("\n  = note: {}:{}: {}", r.path, r.line, r.note));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("\n  = help: {help}"));
    }
    text
}

/// `check --format github`.
pub fn diagnostics_github(diags: &[Diagnostic], rootdir: &Path) -> String {
    diags
        .iter()
        .map(|d| {
            github_annotation(
                d.severity,
                &display_path(rootdir, &d.path),
                d.line,
                d.column,
                d.code,
                &long_message(d),
            )
        })
        .collect()
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes a path for a URI (RFC 3986 unreserved characters and `/` kept).
fn uri_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The run-level `originalUriBaseIds`: `%SRCROOT%` is the current directory.
fn src_root() -> Value {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut path = cwd.to_string_lossy().replace('\\', "/");
    if !path.ends_with('/') {
        path.push('/');
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    json!({"%SRCROOT%": {"uri": format!("file://{}", uri_path(&path))}})
}

/// A SARIF `artifactLocation` for a path as [`display_path`] shows it.
fn artifact_location(shown: &str) -> Value {
    if shown.starts_with('/') {
        json!({"uri": format!("file://{}", uri_path(shown))})
    } else {
        json!({"uri": uri_path(shown), "uriBaseId": "%SRCROOT%"})
    }
}

fn physical_location(rootdir: &Path, rel: &str, line: usize, column: Option<usize>) -> Value {
    let mut region = json!({"startLine": line.max(1)});
    if let Some(c) = column {
        region["startColumn"] = json!(c.max(1));
    }
    json!({
        "artifactLocation": artifact_location(&display_path(rootdir, rel)),
        "region": region,
    })
}

fn sarif_log(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fixmig",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": src_root(),
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// `check --format sarif`: one run, every code as a rule, one result per diagnostic.
pub fn diagnostics_sarif(diags: &[Diagnostic], rootdir: &Path) -> Value {
    let rules: Vec<Value> = CODES
        .iter()
        .map(|c| {
            json!({
                "id": c.code,
                "name": c.name,
                "shortDescription": {"text": c.summary},
                "defaultConfiguration": {"level": sarif_level(c.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.code,
                "level": sarif_level(d.severity),
                "message": {"text": long_message(d)},
            });
            if let Some(i) = CODES.iter().position(|c| c.code == d.code) {
                result["ruleIndex"] = json!(i);
            }
            if !d.path.is_empty() {
                result["locations"] = json!([{
                    "physicalLocation": physical_location(rootdir, &d.path, d.line, Some(d.column)),
                }]);
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.path.is_empty())
                .map(|(i, r)| {
                    json!({
                        "id": i,
                        "physicalLocation": physical_location(rootdir, &r.path, r.line, None),
                        "message": {"text": r.note},
                    })
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    sarif_log(rules, results)
}

/// One planned edit of `migrate`, as the machine formats report it.
#[derive(Debug, Clone)]
pub struct PendingEdit {
    /// The file, relative to the rootdir.
    pub rel: String,
    /// Whether the migration creates the file.
    pub created: bool,
    /// The rule kind (`rename`, `alias`, ...): the SARIF rule id is `migrate/<kind>`.
    pub kind: &'static str,
    /// `rules/x.toml:12`: where the rule is.
    pub rule_at: String,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub old: String,
    pub new: String,
}

fn quote_short(text: &str) -> Option<String> {
    (!text.contains('\n') && text.chars().count() <= 60).then(|| format!("`{text}`"))
}

fn lines(n: usize) -> String {
    if n == 1 {
        "1 line".to_string()
    } else {
        format!("{n} lines")
    }
}

impl PendingEdit {
    /// "migration pending: replace `a` with `b` ([[rename]] in rules/x.toml:12)".
    pub fn message(&self) -> String {
        let what = if self.created {
            format!("create this file ({})", lines(self.new.lines().count()))
        } else if self.old.is_empty() {
            match quote_short(&self.new) {
                Some(q) => format!("insert {q}"),
                None => format!("insert {}", lines(self.new.lines().count().max(1))),
            }
        } else if self.new.is_empty() {
            match quote_short(&self.old) {
                Some(q) => format!("delete {q}"),
                None => format!("delete {}", lines(self.old.lines().count().max(1))),
            }
        } else {
            match (quote_short(&self.old), quote_short(&self.new)) {
                (Some(a), Some(b)) => format!("replace {a} with {b}"),
                _ => format!(
                    "replace {} with {}",
                    lines(self.old.lines().count().max(1)),
                    lines(self.new.lines().count().max(1))
                ),
            }
        };
        format!(
            "migration pending: {what} ([[{}]] rule at {})",
            self.kind, self.rule_at
        )
    }
}

/// `migrate --check --format github`: one annotation per pending edit.
pub fn migrate_github(edits: &[PendingEdit], rootdir: &Path) -> String {
    edits
        .iter()
        .map(|e| {
            github_annotation(
                Severity::Error,
                &display_path(rootdir, &e.rel),
                e.start_line,
                e.start_column,
                &format!("fixmig migrate ({})", e.kind),
                &e.message(),
            )
        })
        .collect()
}

/// `migrate --check --format sarif`: one result per pending edit, each with its fix.
pub fn migrate_sarif(edits: &[PendingEdit], rootdir: &Path) -> Value {
    let mut kinds: Vec<&'static str> = edits.iter().map(|e| e.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let rules: Vec<Value> = kinds
        .iter()
        .map(|k| {
            json!({
                "id": format!("migrate/{k}"),
                "name": format!("pending-{k}"),
                "shortDescription": {"text": format!("A `[[{k}]]` migration rule would change this code.")},
                "defaultConfiguration": {"level": "error"},
            })
        })
        .collect();
    let results: Vec<Value> = edits
        .iter()
        .map(|e| {
            let location = artifact_location(&display_path(rootdir, &e.rel));
            let mut result = json!({
                "ruleId": format!("migrate/{}", e.kind),
                "ruleIndex": kinds.iter().position(|k| *k == e.kind).unwrap_or(0),
                "level": "error",
                "message": {"text": e.message()},
                "locations": [{"physicalLocation": {
                    "artifactLocation": location.clone(),
                    "region": {"startLine": e.start_line.max(1), "startColumn": e.start_column.max(1)},
                }}],
            });
            if !e.created {
                result["fixes"] = json!([{
                    "description": {"text": e.message()},
                    "artifactChanges": [{
                        "artifactLocation": location,
                        "replacements": [{
                            "deletedRegion": {
                                "startLine": e.start_line.max(1),
                                "startColumn": e.start_column.max(1),
                                "endLine": e.end_line.max(1),
                                "endColumn": e.end_column.max(1),
                            },
                            "insertedContent": {"text": e.new},
                        }],
                    }],
                }]);
            }
            result
        })
        .collect();
    sarif_log(rules, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_follows_the_longest_prefix() {
        let sel = |s: &[&str], i: &[&str]| Selection {
            select: s.iter().map(|x| x.to_string()).collect(),
            ignore: i.iter().map(|x| x.to_string()).collect(),
        };
        let all = Selection::default();
        assert!(all.enabled("FM001") && all.enabled("FM903"));
        let s = sel(&["FM0"], &[]);
        assert!(s.enabled("FM002") && !s.enabled("FM101"));
        let s = sel(&["FM"], &["FM9", "FM001"]);
        assert!(!s.enabled("FM001") && s.enabled("FM002") && !s.enabled("FM900"));
        let s = sel(&["FM102"], &["FM1"]);
        assert!(s.enabled("FM102") && !s.enabled("FM101"));
        let s = sel(&["FM1"], &["FM1"]);
        assert!(!s.enabled("FM101"), "a tie goes to ignore");
    }

    #[test]
    fn selectors_are_checked() {
        assert_eq!(selector_problem("FM"), None);
        assert_eq!(selector_problem("FM1"), None);
        assert_eq!(selector_problem("FM001"), None);
        assert!(selector_problem("FM5").is_some());
        assert!(selector_problem("E501").is_some());
        assert!(selector_problem("FM0011").is_some());
        assert!(selector_problem("fm001").is_some());
    }

    #[test]
    fn workflow_commands_are_escaped() {
        let line = github_annotation(
            Severity::Warning,
            "a,b:c.py",
            3,
            4,
            "FM101",
            "50% sure\nsecond line",
        );
        assert_eq!(
            line,
            "::warning file=a%2Cb%3Ac.py,line=3,col=4,title=FM101::50%25 sure%0Asecond line\n"
        );
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path("a b/c#d.py"), "a%20b/c%23d.py");
    }
}
