//! From TOML text to [`Rule`]s: parses with `toml::de::DeTable` (which keeps the byte span of
//! every key and value) and checks the document's shape, key by key, so that every error points
//! at the offending key or value.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::names::{self, NameProblem, PathKind};
use super::{Rule, RuleError, Spanned, KINDS};

type TomlKey<'i> = toml::Spanned<toml::de::DeString<'i>>;
type TomlValue<'i> = toml::Spanned<DeValue<'i>>;

/// The rule file version this fixmig reads.
pub const VERSION: i64 = 1;

/// Rule kinds planned but not implemented yet: their tables get a clearer error than "unknown".
const FUTURE_KINDS: [&str; 0] = [];

/// One key a rule table may have.
#[derive(Debug)]
pub(super) struct KeySpec {
    pub name: &'static str,
    pub required: bool,
    /// A line to show in help texts: `to = "new_name"`.
    pub example: &'static str,
    /// What the key means, for the "missing key" help.
    pub about: &'static str,
}

/// One kind of rule: its `[[table]]` name, its keys, and how to read one table of it.
pub(super) struct RuleKind {
    pub table: &'static str,
    pub keys: &'static [KeySpec],
    pub read: fn(&TableReader<'_, '_>) -> Result<Rule, RuleError>,
}

/// The rule file being read: where errors point.
pub(super) struct Ctx<'s> {
    pub path: &'s Path,
    pub source: &'s str,
}

impl Ctx<'_> {
    fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> RuleError {
        RuleError::new(self.path, self.source, span, message, label, help)
    }

    fn text(&self, span: Range<usize>) -> &str {
        self.source.get(span).unwrap_or("")
    }

    /// "string `\"yes\"`", "integer `1`", "table": the type of a value, and its text when short.
    fn found(&self, value: &TomlValue<'_>) -> String {
        let kind = value.get_ref().type_str();
        let text = self.text(value.span());
        if value.get_ref().is_table() || text.is_empty() || text.len() > 40 || text.contains('\n') {
            kind.to_string()
        } else {
            format!("{kind} `{text}`")
        }
    }
}

/// Parses and validates a whole rule file: its rules, in file order.
pub(super) fn read_document(ctx: &Ctx<'_>) -> Result<Vec<Rule>, RuleError> {
    let root = DeTable::parse(ctx.source).map_err(|e| syntax_error(ctx, &e))?;
    let root = root.get_ref();

    // The top level first, in file order: unknown keys, misshapen rule arrays, the version.
    let mut has_version = false;
    let mut tables: Vec<(&RuleKind, &TomlValue<'_>)> = Vec::new();
    for (key, value) in in_file_order(root) {
        let name: &str = key.get_ref();
        if name == "version" {
            check_version(ctx, value)?;
            has_version = true;
        } else if let Some(kind) = KINDS.iter().find(|k| k.table == name) {
            tables.extend(
                rule_tables(ctx, kind, value)?
                    .into_iter()
                    .map(|t| (kind, t)),
            );
        } else {
            return Err(unknown_top_level_key(ctx, key));
        }
    }
    if !has_version {
        return Err(ctx.error(
            0..0,
            "missing `version` in rule file",
            format!("expected `version = {VERSION}` here"),
            Some(format!(
                "add `version = {VERSION}` at the top of the file, before the first rule"
            )),
        ));
    }

    // Then each rule, in file order (`[[rename]]` and `[[alias]]` interleaved as written).
    tables.sort_by_key(|(_, table)| table.span().start);
    tables
        .into_iter()
        .map(|(kind, value)| {
            let DeValue::Table(table) = value.get_ref() else {
                unreachable!("rule_tables returns tables only")
            };
            let reader = TableReader::new(ctx, kind, table, value.span())?;
            (kind.read)(&reader)
        })
        .collect()
}

/// A table's entries in file order (`DeTable` iterates in key order).
fn in_file_order<'a, 'i>(table: &'a DeTable<'i>) -> Vec<(&'a TomlKey<'i>, &'a TomlValue<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// The byte range of a table and everything in it: from `start` (its header, or its `{`) to
/// the end of its last key or value.
fn extent(start: Range<usize>, table: &DeTable<'_>) -> Range<usize> {
    fn end_of(value: &TomlValue<'_>) -> usize {
        let mut end = value.span().end;
        match value.get_ref() {
            DeValue::Table(table) => {
                for (key, value) in table.iter() {
                    end = end.max(key.span().end).max(end_of(value));
                }
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    end = end.max(end_of(item));
                }
            }
            _ => {}
        }
        end
    }
    let mut end = start.end;
    for (key, value) in table.iter() {
        end = end.max(key.span().end).max(end_of(value));
    }
    start.start..end
}

fn syntax_error(ctx: &Ctx<'_>, error: &toml::de::Error) -> RuleError {
    let span = error.span().unwrap_or(0..0);
    let message = error.message().trim();
    let (description, expected) = match message.split_once(", expected ") {
        Some((description, expected)) => (description, Some(expected)),
        None => (message, None),
    };
    if description == "duplicate key" {
        let key = ctx.text(span.clone()).to_string();
        return ctx.error(
            span,
            format!("duplicate key `{key}`"),
            "defined again here",
            Some(
                "a key can appear once per table: start each rule with its own `[[rename]]` or \
                 `[[alias]]` header"
                    .into(),
            ),
        );
    }
    let label = match expected {
        Some(expected) => format!("expected {expected}"),
        None => description.to_string(),
    };
    ctx.error(span, format!("invalid TOML: {description}"), label, None)
}

fn check_version(ctx: &Ctx<'_>, value: &TomlValue<'_>) -> Result<(), RuleError> {
    let help = Some(format!("write `version = {VERSION}`"));
    match value.get_ref() {
        DeValue::Integer(n) if i64::from_str_radix(n.as_str(), n.radix()) == Ok(VERSION) => Ok(()),
        DeValue::Integer(_) => Err(ctx.error(
            value.span(),
            format!("unsupported rule file version `{}`", ctx.text(value.span())),
            format!("expected `{VERSION}`"),
            Some(format!("this fixmig reads version {VERSION} rule files")),
        )),
        _ => Err(ctx.error(
            value.span(),
            format!("`version` must be an integer, found {}", ctx.found(value)),
            "expected an integer",
            help,
        )),
    }
}

/// The tables of a rule array (`[[rename]]` tables, or `rename = [{...}, ...]`).
fn rule_tables<'a, 'i>(
    ctx: &Ctx<'_>,
    kind: &RuleKind,
    value: &'a TomlValue<'i>,
) -> Result<Vec<&'a TomlValue<'i>>, RuleError> {
    let name = kind.table;
    let help = Some(format!(
        "write each rule as a `[[{name}]]` table (double brackets), one per rule"
    ));
    match value.get_ref() {
        DeValue::Array(items) => items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::Table(_) => Ok(item),
                _ => Err(ctx.error(
                    item.span(),
                    format!(
                        "each `{name}` rule must be a table, found {}",
                        ctx.found(item)
                    ),
                    "expected a table",
                    help.clone(),
                )),
            })
            .collect(),
        DeValue::Table(_) => Err(ctx.error(
            value.span(),
            format!("`{name}` must be an array of tables, found a single table"),
            format!("expected `[[{name}]]`"),
            help,
        )),
        _ => Err(ctx.error(
            value.span(),
            format!(
                "`{name}` must be an array of tables, found {}",
                ctx.found(value)
            ),
            "expected an array of tables",
            help,
        )),
    }
}

fn unknown_top_level_key(ctx: &Ctx<'_>, key: &TomlKey<'_>) -> RuleError {
    let name: &str = key.get_ref();
    let tables: Vec<String> = KINDS.iter().map(|k| format!("`[[{}]]`", k.table)).collect();
    if FUTURE_KINDS.contains(&name) {
        return ctx.error(
            key.span(),
            format!("`{name}` rules are not supported yet"),
            "unsupported rule kind",
            Some(format!(
                "this fixmig supports {} rules",
                join(&tables, "and")
            )),
        );
    }
    if let Some(kind) = KINDS
        .iter()
        .find(|k| k.keys.iter().any(|spec| spec.name == name))
    {
        return ctx.error(
            key.span(),
            format!("unknown top-level key `{name}`"),
            "outside any rule table",
            Some(format!(
                "`{name}` belongs in a `[[{}]]` table: put a `[[{}]]` header above it",
                kind.table, kind.table
            )),
        );
    }
    let valid = std::iter::once("version").chain(KINDS.iter().map(|k| k.table));
    let suggestion = did_you_mean(name, valid);
    ctx.error(
        key.span(),
        format!("unknown top-level key `{name}`"),
        "unknown key",
        Some(format!(
            "{suggestion}a rule file has `version = {VERSION}` and {} tables",
            join(&tables, "or")
        )),
    )
}

/// "a", "a and b", "a, b and c" (with `and` or `or`).
fn join(items: &[String], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// "did you mean `fixture`? " when a candidate is close to `word`, else "".
fn did_you_mean<'k>(word: &str, candidates: impl Iterator<Item = &'k str>) -> String {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`? "))
        .unwrap_or_default()
}

/// Typed access to the keys of one rule table, with errors that point at the offending key or
/// value. Creating one rejects unknown keys.
pub(super) struct TableReader<'a, 'i> {
    ctx: &'a Ctx<'a>,
    kind: &'a RuleKind,
    table: &'a DeTable<'i>,
    /// The `[[rename]]` header (or the `{ ... }` of an inline table).
    header: Range<usize>,
    span: Range<usize>,
}

impl<'a, 'i> TableReader<'a, 'i> {
    fn new(
        ctx: &'a Ctx<'a>,
        kind: &'a RuleKind,
        table: &'a DeTable<'i>,
        header: Range<usize>,
    ) -> Result<Self, RuleError> {
        for (key, _) in in_file_order(table) {
            let name: &str = key.get_ref();
            if kind.keys.iter().all(|spec| spec.name != name) {
                let valid: Vec<String> =
                    kind.keys.iter().map(|s| format!("`{}`", s.name)).collect();
                let suggestion = did_you_mean(name, kind.keys.iter().map(|s| s.name));
                return Err(ctx.error(
                    key.span(),
                    format!("unknown key `{name}` in `[[{}]]`", kind.table),
                    "unknown key",
                    Some(format!(
                        "{suggestion}valid keys in `[[{}]]`: {}",
                        kind.table,
                        valid.join(", ")
                    )),
                ));
            }
        }
        Ok(TableReader {
            ctx,
            kind,
            table,
            span: extent(header.clone(), table),
            header,
        })
    }

    /// The whole table: header (or `{`) to the end of its last value.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// An error at `span`, for checks across keys.
    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> RuleError {
        self.ctx.error(span, message, label, help)
    }

    fn spec(&self, key: &str) -> &'static KeySpec {
        self.kind
            .keys
            .iter()
            .find(|spec| spec.name == key)
            .unwrap_or_else(|| panic!("`{key}` is not a key of [[{}]]", self.kind.table))
    }

    fn value(&self, key: &str) -> Option<&'a TomlValue<'i>> {
        let _ = self.spec(key);
        self.table.get(key)
    }

    fn type_error(&self, key: &str, value: &TomlValue<'_>, expected: &str) -> RuleError {
        self.ctx.error(
            value.span(),
            format!(
                "`{key}` must be {expected}, found {}",
                self.ctx.found(value)
            ),
            format!("expected {expected}"),
            Some(format!("for example: `{}`", self.spec(key).example)),
        )
    }

    /// `value`, or the "missing key" error (at the table header) when it is `None`.
    pub fn required<T>(&self, key: &str, value: Option<T>) -> Result<T, RuleError> {
        let spec = self.spec(key);
        debug_assert!(spec.required, "`{key}` is optional");
        value.ok_or_else(|| {
            self.ctx.error(
                self.header.clone(),
                format!("missing `{key}` in `[[{}]]`", self.kind.table),
                format!("this rule has no `{key}`"),
                Some(format!("add `{}`: {}", spec.example, spec.about)),
            )
        })
    }

    /// A string value.
    pub fn string(&self, key: &str) -> Result<Option<Spanned<String>>, RuleError> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::String(s) => Ok(Some(Spanned::new(value.span(), s.to_string()))),
            _ => Err(self.type_error(key, value, "a string")),
        }
    }

    /// A list of fixture or helper names (`carry = ["helper", "CONSTANT"]`).
    pub fn names(&self, key: &str) -> Result<Option<Vec<Spanned<String>>>, RuleError> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.type_error(key, value, "a list of names"));
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if names::name_problem(s).is_none() => {
                    out.push(Spanned::new(item.span(), s.to_string()))
                }
                DeValue::String(s) => {
                    return Err(self.ctx.error(
                        item.span(),
                        format!("`{s}` is not a Python identifier"),
                        "not an identifier",
                        Some(format!("for example: `{}`", self.spec(key).example)),
                    ))
                }
                _ => return Err(self.type_error(key, item, "a string")),
            }
        }
        Ok(Some(out))
    }

    /// A boolean value.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, RuleError> {
        let Some(value) = self.value(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(Some(*b)),
            _ => Err(self.type_error(key, value, "a boolean")),
        }
    }

    /// A non-empty string (a message).
    pub fn text(&self, key: &str) -> Result<Option<String>, RuleError> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        if text.value.trim().is_empty() {
            return Err(self.ctx.error(
                text.span,
                format!("`{key}` is empty"),
                "empty text",
                Some(format!(
                    "write the text, e.g. `{}`, or remove the key",
                    self.spec(key).example
                )),
            ));
        }
        Ok(Some(text.value))
    }

    /// A fixture name: a Python identifier that is not a keyword.
    pub fn name(&self, key: &str) -> Result<Option<Spanned<String>>, RuleError> {
        let Some(name) = self.string(key)? else {
            return Ok(None);
        };
        let Some(problem) = names::name_problem(&name.value) else {
            return Ok(Some(name));
        };
        let identifiers = "fixture names are Python identifiers: letters, digits and `_`, not \
                           starting with a digit";
        let n = &name.value;
        let (message, label, help) = match problem {
            NameProblem::Empty => (
                format!("`{key}` is empty"),
                "empty fixture name".to_string(),
                format!(
                    "write the fixture's name, e.g. `{}`",
                    self.spec(key).example
                ),
            ),
            NameProblem::Keyword => (
                format!("`{n}` is a Python keyword, not a valid fixture name"),
                "Python keyword".to_string(),
                format!(
                    "a test requests a fixture by naming it as a parameter, and `{n}` cannot be \
                     a parameter name"
                ),
            ),
            NameProblem::StartsWithDigit(_) => (
                format!("`{n}` is not a valid Python identifier: it starts with a digit"),
                "not a Python identifier".to_string(),
                identifiers.to_string(),
            ),
            NameProblem::InvalidChar(c) => {
                let fixed: String = n
                    .chars()
                    .map(|c| {
                        if c == '_' || c.is_alphanumeric() {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let help = if names::is_valid_fixture_name(&fixed) {
                    format!("did you mean `{fixed}`? {identifiers}")
                } else {
                    identifiers.to_string()
                };
                (
                    format!("`{n}` is not a valid Python identifier: {c:?} is not allowed"),
                    "not a Python identifier".to_string(),
                    help,
                )
            }
        };
        Err(self.ctx.error(name.span, message, label, Some(help)))
    }

    /// A project path (relative to the rootdir), returned normalised.
    pub fn path(&self, key: &str, kind: PathKind) -> Result<Option<Spanned<String>>, RuleError> {
        let Some(path) = self.string(key)? else {
            return Ok(None);
        };
        match names::check_path(key, &path.value, kind) {
            Ok(normalised) => Ok(Some(Spanned::new(path.span, normalised))),
            Err(problem) => Err(self.ctx.error(
                path.span,
                problem.message,
                problem.label,
                Some(problem.help),
            )),
        }
    }
}
