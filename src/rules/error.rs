//! [`RuleError`]: a problem in a rule file, located by byte span, line and column, rendered with
//! annotate-snippets like a compiler diagnostic.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::RuleFile;

/// A problem in a rule file: a syntax error, an invalid rule (found by [`super::parse`]), or a
/// semantic one found later by the planner ([`RuleError::at`]).
///
/// `line` and `column` are 1-based (the column counts characters, not bytes) and describe
/// `span.start`. An error that has no location in the file (it could not be read, or is not
/// UTF-8) has `line == 0`, `column == 0`, an empty `span` and an empty `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule file, as given to [`super::load`] / [`super::parse`].
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// What is wrong, naming the offending text: "unknown key `fixtur` in `[[rename]]`".
    pub message: String,
    /// The short note under the offending text: "unknown key".
    pub label: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
    /// Byte range of the offending key or value in `source`.
    pub span: Range<usize>,
    /// The whole rule file.
    pub source: String,
}

impl RuleError {
    /// An error at `span` of a parsed rule file, for problems found after parsing (the fixture
    /// does not exist, `defined_in` defines no such fixture, ...), rendered like the parse errors.
    /// Use the spans of the rule's fields: `rename.fixture.span`, `rename.span`, ...
    pub fn at(
        file: &RuleFile,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> RuleError {
        RuleError::new(&file.path, &file.source, span, message, label, help)
    }

    /// An error at `span` of `source`, the text of the rule file at `path`.
    pub fn new(
        path: &Path,
        source: &str,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> RuleError {
        let span = clamp_span(source, span);
        let (line, column) = line_column(source, span.start);
        RuleError {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            label: label.into(),
            help,
            span,
            source: source.to_string(),
        }
    }

    /// An error about the file as a whole, with no location in it (it cannot be read).
    pub fn unlocated(path: &Path, message: impl Into<String>, help: Option<String>) -> RuleError {
        RuleError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            label: String::new(),
            help,
            span: 0..0,
            source: String::new(),
        }
    }

    /// Whether the error points into the file (false for [`RuleError::unlocated`] ones).
    pub fn is_located(&self) -> bool {
        self.line > 0
    }

    /// The offending text (`source[span]`), empty for a zero-width span.
    pub fn text(&self) -> &str {
        self.source.get(self.span.clone()).unwrap_or("")
    }

    /// The diagnostic as annotate-snippets renders it, without a trailing newline:
    ///
    /// ```text
    /// error: `keep_alias` must be a boolean, found string `"yes"`
    ///  --> rules/x.toml:6:14
    ///   |
    /// 6 | keep_alias = "yes"
    ///   |              ^^^^^ expected a boolean
    ///   |
    ///   = help: for example: `keep_alias = true`
    /// ```
    ///
    /// `color` turns on ANSI styles (the caller decides: terminal, `--color`, `NO_COLOR`).
    pub fn render(&self, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let path = self.path.display().to_string();
        let title = Level::ERROR.primary_title(self.message.as_str());
        let mut group = if self.is_located() {
            let mut annotation = AnnotationKind::Primary.span(self.span.clone());
            if !self.label.is_empty() {
                annotation = annotation.label(self.label.as_str());
            }
            title.element(
                Snippet::source(self.source.as_str())
                    .path(path)
                    .annotation(annotation),
            )
        } else {
            Group::with_title(title).element(Origin::path(path))
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        renderer.render(&[group])
    }
}

/// One line: `path:line:col: message` (`path: message` when the error has no location).
impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_located() {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)
        }
    }
}

// Not derived with thiserror: the field named `source` would be taken for the error's cause.
impl std::error::Error for RuleError {}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset);
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// `span` limited to `source` and to character boundaries.
fn clamp_span(source: &str, span: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(source, span.start);
    let mut end = span.end.clamp(start, source.len());
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

fn floor_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
