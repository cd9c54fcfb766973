//! fixmig's own configuration: a `[tool.fixmig]` table in `pyproject.toml`, or a standalone
//! `fixmig.toml` (the same keys at its top level).
//!
//! ```toml
//! [tool.fixmig]
//! rules = ["rules/staging-real-services.toml"]  # default rule files of `migrate`
//! exclude = ["tests/legacy", "**/generated_*.py"] # files left out of the analysis
//! select = ["FM0", "FM101"]                      # diagnostic codes or prefixes reported
//! ignore = ["FM903"]                             # ... and not reported
//! python = ".venv"                               # the project's environment (like --python)
//! format = "text"                                # output of `check` / `migrate --check`
//! ```
//!
//! Found like ruff finds its configuration: from the first PATH argument (or the current
//! directory) upwards, the first directory with a `fixmig.toml`, or a `pyproject.toml` that has
//! a `[tool.fixmig]` table, provides it; in one directory `fixmig.toml` wins over
//! `pyproject.toml`. Nothing is merged across files. Precedence: command-line flags >
//! `fixmig.toml` > `pyproject.toml`. Relative paths and `exclude` globs are relative to the
//! directory of the file they are written in.
//!
//! Every problem (unknown key, wrong type, unknown code, bad glob) is an error pointing at the
//! offending key or value, rendered like a rule file error (file, line, column).

// `RuleError` carries the file's text so it can render on its own; it is returned unboxed, as
// `rules` does.
#![allow(clippy::result_large_err)]

use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use toml::de::{DeTable, DeValue};

use crate::formats::{selector_problem, OutputFormat, Selection};
use crate::rules::RuleError;

/// The standalone configuration file's name.
pub const FIXMIG_TOML: &str = "fixmig.toml";
/// The Python project file, read for its `[tool.fixmig]` table.
pub const PYPROJECT_TOML: &str = "pyproject.toml";

/// Every key, with what it holds (for errors).
const KEYS: &[(&str, &str)] = &[
    (
        "rules",
        "a list of rule files, e.g. `rules = [\"rules/migrate.toml\"]`",
    ),
    (
        "exclude",
        "a list of globs, e.g. `exclude = [\"tests/legacy\"]`",
    ),
    (
        "select",
        "a list of codes or prefixes, e.g. `select = [\"FM0\"]`",
    ),
    (
        "ignore",
        "a list of codes or prefixes, e.g. `ignore = [\"FM903\"]`",
    ),
    (
        "python",
        "an interpreter or virtualenv, e.g. `python = \".venv\"`",
    ),
    ("format", "one of \"text\", \"json\", \"github\", \"sarif\""),
];

/// A configuration read from a file (or the defaults, with `path == None`).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    /// Default rule files of `migrate`, absolute.
    pub rules: Vec<PathBuf>,
    /// Files left out of the analysis.
    pub exclude: Option<Exclude>,
    /// `select`, when set.
    pub select: Option<Vec<String>>,
    /// `ignore`.
    pub ignore: Vec<String>,
    /// The project's Python, absolute.
    pub python: Option<PathBuf>,
    /// Output format of `check` and `migrate --check`.
    pub format: Option<OutputFormat>,
    /// Things worth telling the user (a `[tool.fixmig]` shadowed by a `fixmig.toml`).
    pub warnings: Vec<String>,
}

impl Config {
    /// The code selection: `select`/`ignore` from the command line, else from the file.
    pub fn selection(&self, select: &[String], ignore: &[String]) -> Selection {
        let mut selection = Selection::default();
        if !select.is_empty() {
            selection.select = select.to_vec();
        } else if let Some(s) = &self.select {
            selection.select = s.clone();
        }
        selection.ignore = if ignore.is_empty() {
            self.ignore.clone()
        } else {
            ignore.to_vec()
        };
        selection
    }
}

/// `exclude` globs, anchored at a directory. A pattern without `/` matches any file or directory
/// name (`legacy`, `*_slow.py`); one with `/` matches the path relative to the anchor directory,
/// or one of its parent directories (`tests/legacy`, `tests/**/generated_*.py`).
#[derive(Debug, Clone)]
pub struct Exclude {
    pub root: PathBuf,
    pub patterns: Vec<String>,
    names: GlobSet,
    paths: GlobSet,
}

impl Exclude {
    /// Compiles `patterns`, relative to `root`. The error names the pattern that does not parse.
    pub fn new(root: &Path, patterns: &[String]) -> Result<Exclude, (usize, String)> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for (i, raw) in patterns.iter().enumerate() {
            let pattern = raw.trim_start_matches("./").trim_end_matches('/');
            if pattern.is_empty() {
                return Err((i, "an empty pattern matches nothing".to_string()));
            }
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| (i, format!("invalid glob `{raw}`: {}", e.kind())))?;
            if pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| (0, e.to_string()));
        Ok(Exclude {
            root: root.to_path_buf(),
            patterns: patterns.to_vec(),
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    /// Whether `path` (absolute) is excluded.
    pub fn matches(&self, path: &Path) -> bool {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let parts: Vec<String> = rel
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        if parts.iter().any(|p| self.names.is_match(p)) {
            return true;
        }
        if !path.starts_with(&self.root) {
            return false;
        }
        (1..=parts.len()).any(|n| self.paths.is_match(parts[..n].join("/")))
    }

    /// Leaves the excluded files out of a discovered project.
    pub fn apply(&self, project: &mut crate::discover::Project) {
        project.files.retain(|f| !self.matches(&f.path));
    }
}

/// Finds the configuration for a run whose first path is `start` (a file or directory; relative
/// to the current directory). `Ok(None)` when there is none.
pub fn find(start: &Path) -> Result<Option<Config>, RuleError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    // Lexically normalised (no `.`/`..`), so that `ancestors` walks real parents.
    let mut normal = PathBuf::new();
    for c in cwd.join(start).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            c => normal.push(c),
        }
    }
    let start = normal;
    // Errors name the file relative to the current directory when it is below it.
    let shown = |p: PathBuf| match p.strip_prefix(&cwd) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => p,
    };
    let dir = if start.is_file() {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    } else {
        start
    };
    for dir in dir.ancestors() {
        let fixmig = dir.join(FIXMIG_TOML);
        let pyproject = dir.join(PYPROJECT_TOML);
        if fixmig.is_file() {
            let mut config = load(&shown(fixmig.clone()))?;
            if pyproject.is_file() && pyproject_has_table(&pyproject) {
                config.warnings.push(format!(
                    "ignoring [tool.fixmig] in {}: {} takes precedence",
                    pyproject.display(),
                    fixmig.display()
                ));
            }
            return Ok(Some(config));
        }
        if pyproject.is_file() && pyproject_has_table(&pyproject) {
            return load(&shown(pyproject)).map(Some);
        }
    }
    Ok(None)
}

/// Whether a `pyproject.toml` has a `[tool.fixmig]` table (a file that does not parse has one
/// when it mentions `tool.fixmig`, so that its syntax error is reported).
fn pyproject_has_table(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    if !text.contains("fixmig") {
        return false;
    }
    match DeTable::parse(&text) {
        Ok(root) => tool_fixmig(root.get_ref()).is_some(),
        Err(_) => text.contains("tool.fixmig"),
    }
}

fn tool_fixmig<'a, 'i>(root: &'a DeTable<'i>) -> Option<&'a toml::Spanned<DeValue<'i>>> {
    let DeValue::Table(tool) = root.get("tool")?.get_ref() else {
        return None;
    };
    tool.get("fixmig")
}

/// Reads the configuration file at `path`: a `pyproject.toml` (its `[tool.fixmig]` table) or a
/// `fixmig.toml` (any other name is read like `fixmig.toml`).
pub fn load(path: &Path) -> Result<Config, RuleError> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        RuleError::unlocated(path, format!("cannot read configuration file: {e}"), None)
    })?;
    let pyproject = path.file_name().is_some_and(|n| n == PYPROJECT_TOML);
    parse(path, &source, pyproject)
}

/// Parses a configuration file's text; `pyproject` selects the `[tool.fixmig]` table.
pub fn parse(path: &Path, source: &str, pyproject: bool) -> Result<Config, RuleError> {
    let error = |span: Range<usize>, message: String, label: &str, help: Option<String>| {
        RuleError::new(path, source, span, message, label, help)
    };
    let root = DeTable::parse(source).map_err(|e| {
        let message = e.message().trim().to_string();
        error(
            e.span().unwrap_or(0..0),
            format!("invalid TOML: {message}"),
            "here",
            None,
        )
    })?;
    let dir = path
        .parent()
        .map(|p| std::env::current_dir().unwrap_or_default().join(p))
        .unwrap_or_default();
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    let table = if pyproject {
        match tool_fixmig(root.get_ref()) {
            None => return Ok(config),
            Some(value) => match value.get_ref() {
                DeValue::Table(t) => t,
                _ => {
                    return Err(error(
                        value.span(),
                        "`tool.fixmig` must be a table".into(),
                        "expected a table",
                        Some("write the settings under a `[tool.fixmig]` header".into()),
                    ))
                }
            },
        }
    } else {
        root.get_ref()
    };
    let prefix = if pyproject { "tool.fixmig." } else { "" };
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in entries {
        let name: &str = key.get_ref();
        let Some((_, expected)) = KEYS.iter().find(|(k, _)| *k == name) else {
            let close = KEYS
                .iter()
                .map(|(k, _)| (strsim::jaro_winkler(name, k), *k))
                .filter(|(score, _)| *score >= 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            let known: Vec<String> = KEYS.iter().map(|(k, _)| format!("`{k}`")).collect();
            return Err(error(
                key.span(),
                format!("unknown key `{prefix}{name}`"),
                "unknown key",
                Some(format!("{close}known keys: {}", known.join(", "))),
            ));
        };
        let type_error = |what: &str| {
            error(
                value.span(),
                format!(
                    "`{prefix}{name}` must be {what}, found {}",
                    value.get_ref().type_str()
                ),
                &format!("expected {what}"),
                Some(format!("`{name}` is {expected}")),
            )
        };
        let string_list = || -> Result<Vec<(String, Range<usize>)>, RuleError> {
            let DeValue::Array(items) = value.get_ref() else {
                return Err(type_error("a list of strings"));
            };
            items
                .iter()
                .map(|item| match item.get_ref() {
                    DeValue::String(s) => Ok((s.to_string(), item.span())),
                    other => Err(error(
                        item.span(),
                        format!(
                            "`{prefix}{name}` must be a list of strings, found a {} in it",
                            other.type_str()
                        ),
                        "expected a string",
                        Some(format!("`{name}` is {expected}")),
                    )),
                })
                .collect()
        };
        match name {
            "rules" => {
                config.rules = string_list()?
                    .into_iter()
                    .map(|(s, _)| dir.join(s))
                    .collect();
            }
            "exclude" => {
                let items = string_list()?;
                let patterns: Vec<String> = items.iter().map(|(s, _)| s.clone()).collect();
                config.exclude = Some(Exclude::new(&dir, &patterns).map_err(|(i, message)| {
                    error(
                        items[i].1.clone(),
                        message,
                        "invalid pattern",
                        Some("globs use `*`, `**`, `?`, `[...]` and `{a,b}`".into()),
                    )
                })?);
            }
            "select" | "ignore" => {
                let items = string_list()?;
                for (code, span) in &items {
                    if let Some(problem) = selector_problem(code) {
                        let codes: Vec<&str> =
                            crate::formats::CODES.iter().map(|c| c.code).collect();
                        return Err(error(
                            span.clone(),
                            problem,
                            "unknown code",
                            Some(format!(
                                "codes are {}; a prefix such as `FM1` selects every code it starts",
                                codes.join(", ")
                            )),
                        ));
                    }
                }
                let codes = items.into_iter().map(|(s, _)| s).collect();
                if name == "select" {
                    config.select = Some(codes);
                } else {
                    config.ignore = codes;
                }
            }
            "python" => match value.get_ref() {
                DeValue::String(s) => config.python = Some(dir.join(s.as_ref())),
                _ => return Err(type_error("a string")),
            },
            "format" => match value.get_ref() {
                DeValue::String(s) => match OutputFormat::parse(s) {
                    Some(f) => config.format = Some(f),
                    None => {
                        return Err(error(
                            value.span(),
                            format!("unknown format `{s}`"),
                            "unknown format",
                            Some(format!(
                                "`format` is one of {}",
                                OutputFormat::NAMES.join(", ")
                            )),
                        ))
                    }
                },
                _ => return Err(type_error("a string")),
            },
            _ => unreachable!("every key in KEYS is handled"),
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(source: &str, pyproject: bool) -> RuleError {
        parse(Path::new("cfg.toml"), source, pyproject).expect_err("an error")
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            Path::new("/p/fixmig.toml"),
            "rules = [\"r.toml\"]\nexclude = [\"legacy\"]\nselect = [\"FM0\"]\nignore = [\"FM003\"]\npython = \".venv\"\nformat = \"github\"\n",
            false,
        )
        .unwrap();
        assert_eq!(c.rules, vec![PathBuf::from("/p/r.toml")]);
        assert_eq!(c.python, Some(PathBuf::from("/p/.venv")));
        assert_eq!(c.format, Some(OutputFormat::Github));
        assert_eq!(c.select, Some(vec!["FM0".to_string()]));
        let sel = c.selection(&[], &[]);
        assert!(sel.enabled("FM001") && !sel.enabled("FM003") && !sel.enabled("FM101"));
        let sel = c.selection(&["FM1".into()], &[]);
        assert!(sel.enabled("FM101") && !sel.enabled("FM001"));
    }

    #[test]
    fn pyproject_without_the_table_is_empty() {
        let c = parse(
            Path::new("/p/pyproject.toml"),
            "[project]\nname = \"x\"\n",
            true,
        )
        .unwrap();
        assert!(c.rules.is_empty() && c.format.is_none());
    }

    #[test]
    fn errors_point_at_the_offending_text() {
        let e = parse_err(
            "[tool.fixmig]\nselect = [\"FM001\"]\nformt = \"json\"\n",
            true,
        );
        assert_eq!((e.line, e.column), (3, 1));
        assert!(e.message.contains("unknown key `tool.fixmig.formt`"), "{e}");
        assert!(e.help.as_deref().unwrap().contains("did you mean `format`"));

        let e = parse_err("select = \"FM001\"\n", false);
        assert_eq!((e.line, e.column), (1, 10));
        assert!(e
            .message
            .contains("must be a list of strings, found string"));

        let e = parse_err("ignore = [\"FM001\", \"E501\"]\n", false);
        assert_eq!((e.line, e.column), (1, 20));

        let e = parse_err("format = \"xml\"\n", false);
        assert!(e.message.contains("unknown format `xml`"));

        let e = parse_err("exclude = [\"a[\"]\n", false);
        assert_eq!((e.line, e.column), (1, 12));

        let e = parse_err("rules = [1]\n", false);
        assert_eq!((e.line, e.column), (1, 10));

        let e = parse_err("rules = [\n", false);
        assert!(e.message.starts_with("invalid TOML"), "{e}");
    }

    #[test]
    fn exclude_matches_names_and_anchored_paths() {
        let ex = Exclude::new(
            Path::new("/p"),
            &["legacy".into(), "tests/slow/".into(), "**/gen_*.py".into()],
        )
        .unwrap();
        assert!(ex.matches(Path::new("/p/a/legacy/test_x.py")));
        assert!(ex.matches(Path::new("/p/tests/slow/test_x.py")));
        assert!(!ex.matches(Path::new("/p/other/tests/slow/test_x.py")));
        assert!(ex.matches(Path::new("/p/x/y/gen_a.py")));
        assert!(ex.matches(Path::new("/p/gen_a.py")));
        assert!(!ex.matches(Path::new("/p/tests/test_x.py")));
        assert!(!ex.matches(Path::new("/q/tests/slow/test_x.py")));
    }
}
