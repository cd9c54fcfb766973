//! Rule files: typed, validated migration rules read from TOML (`rules/*.toml`).
//!
//! ```toml
//! version = 1
//!
//! [[rename]]
//! fixture = "real_services_fixture"
//! to = "real_services"
//! defined_in = "test_framework/conftest_real_services.py"
//! keep_alias = true
//! message = "real_services_fixture is deprecated; request real_services"
//!
//! [[alias]]
//! name = "real_services"
//! target = "staging_services_fixture"
//! conftest = "tests/e2e/staging/conftest.py"
//! deprecated = "request staging_services_fixture"
//! ```
//!
//! [`load`] / [`parse`] check everything that can be checked without the project: TOML syntax,
//! the version, known keys and their types, required keys, fixture names (Python identifiers,
//! not keywords) and paths (relative, `/`-separated, inside the project, the right kind of
//! file). Every problem is a [`RuleError`] pointing at the offending key or value; the planner
//! reports what it finds later (a fixture that does not exist, ...) with [`RuleError::at`], so
//! those render the same way.
//!
//! Adding a rule kind: a struct in its own module with `TABLE`, `KEYS` and `read` (see
//! [`Rename`]), a [`Rule`] variant, and an entry in `KINDS`.

// `RuleError` carries the file's text so it can render on its own; the API returns it unboxed.
#![allow(clippy::result_large_err)]

mod alias;
mod consolidate;
mod error;
mod names;
mod read;
mod rename;
pub mod schema;

#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};

pub use alias::Alias;
pub use consolidate::{Hoist, Merge, Move, Remove};
pub use error::{line_column, RuleError};
pub use names::{is_valid_fixture_name, name_problem, NameProblem, PYTHON_KEYWORDS};
pub use read::VERSION;
pub use rename::Rename;

use read::{Ctx, RuleKind};

/// A rule file, read and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFile {
    /// The path it was read from, as given.
    pub path: PathBuf,
    /// Its text: spans index into it.
    pub source: String,
    /// The rules in file order (tables of different kinds interleaved as written).
    pub rules: Vec<Rule>,
}

impl RuleFile {
    /// The `[[rename]]` rules, in file order.
    pub fn renames(&self) -> impl Iterator<Item = &Rename> {
        self.rules.iter().filter_map(|rule| match rule {
            Rule::Rename(rename) => Some(rename),
            _ => None,
        })
    }

    /// The `[[alias]]` rules, in file order.
    pub fn aliases(&self) -> impl Iterator<Item = &Alias> {
        self.rules.iter().filter_map(|rule| match rule {
            Rule::Alias(alias) => Some(alias),
            _ => None,
        })
    }

    /// An error at `span` of this file (see [`RuleError::at`]).
    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> RuleError {
        RuleError::at(self, span, message, label, help)
    }
}

/// One migration rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Rename(Rename),
    Alias(Alias),
    Move(Move),
    Hoist(Hoist),
    Merge(Merge),
    Remove(Remove),
}

impl Rule {
    /// The table name of the rule's kind: `rename`, `alias`.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::Rename(_) => Rename::TABLE,
            Rule::Alias(_) => Alias::TABLE,
            Rule::Move(_) => Move::TABLE,
            Rule::Hoist(_) => Hoist::TABLE,
            Rule::Merge(_) => Merge::TABLE,
            Rule::Remove(_) => Remove::TABLE,
        }
    }

    /// The whole table in the rule file.
    pub fn span(&self) -> Range<usize> {
        match self {
            Rule::Rename(rename) => rename.span.clone(),
            Rule::Alias(alias) => alias.span.clone(),
            Rule::Move(r) => r.span.clone(),
            Rule::Hoist(r) => r.span.clone(),
            Rule::Merge(r) => r.span.clone(),
            Rule::Remove(r) => r.span.clone(),
        }
    }
}

/// Every rule kind: adding one is a struct, a [`Rule`] variant and an entry here.
const KINDS: &[RuleKind] = &[
    RuleKind {
        table: Rename::TABLE,
        keys: Rename::KEYS,
        read: |t| Rename::read(t).map(Rule::Rename),
    },
    RuleKind {
        table: Alias::TABLE,
        keys: Alias::KEYS,
        read: |t| Alias::read(t).map(Rule::Alias),
    },
    RuleKind {
        table: Move::TABLE,
        keys: Move::KEYS,
        read: |t| Move::read(t).map(Rule::Move),
    },
    RuleKind {
        table: Hoist::TABLE,
        keys: Hoist::KEYS,
        read: |t| Hoist::read(t).map(Rule::Hoist),
    },
    RuleKind {
        table: Merge::TABLE,
        keys: Merge::KEYS,
        read: |t| Merge::read(t).map(Rule::Merge),
    },
    RuleKind {
        table: Remove::TABLE,
        keys: Remove::KEYS,
        read: |t| Remove::read(t).map(Rule::Remove),
    },
];

/// A value from the rule file and the byte range of its text there (for a string, the quoted
/// string as written, quotes included).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Spanned<T> {
    pub fn new(span: Range<usize>, value: T) -> Self {
        Spanned { value, span }
    }

    pub fn get_ref(&self) -> &T {
        &self.value
    }

    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl PartialEq<str> for Spanned<String> {
    fn eq(&self, other: &str) -> bool {
        self.value == other
    }
}

impl PartialEq<&str> for Spanned<String> {
    fn eq(&self, other: &&str) -> bool {
        self.value == *other
    }
}

/// Reads, parses and validates the rule file at `path`.
pub fn load(path: &Path) -> Result<RuleFile, RuleError> {
    let bytes = std::fs::read(path)
        .map_err(|e| RuleError::unlocated(path, format!("cannot read rule file: {e}"), None))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        RuleError::unlocated(
            path,
            format!(
                "rule file is not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            Some("save the file as UTF-8".into()),
        )
    })?;
    parse(path, &source)
}

/// Parses and validates `source`, the text of the rule file at `path` (used in errors only).
pub fn parse(path: &Path, source: &str) -> Result<RuleFile, RuleError> {
    let rules = read::read_document(&Ctx { path, source })?;
    Ok(RuleFile {
        path: path.to_path_buf(),
        source: source.to_string(),
        rules,
    })
}
