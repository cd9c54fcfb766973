//! `[[rename]]`: give a fixture a new name, at its definition and everywhere it is requested.

use std::ops::Range;

use super::names::PathKind;
use super::read::{KeySpec, TableReader};
use super::{RuleError, Spanned};

/// `[[rename]]`: rename fixture `fixture` to `to`.
///
/// ```toml
/// [[rename]]
/// fixture = "real_services_fixture"
/// to = "real_services"
/// defined_in = "test_framework/conftest_real_services.py"
/// keep_alias = true
/// message = "real_services_fixture is deprecated; request real_services"
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The fixture's current name (a valid Python identifier, not a keyword).
    pub fixture: Spanned<String>,
    /// Its new name (a valid Python identifier, not a keyword, not `fixture`).
    pub to: Spanned<String>,
    /// Only the definition in this file, and what resolves to it. Relative to the project
    /// rootdir, normalised (`/`-separated, no `.` or `..` components), ends with `.py`; the
    /// span is that of the string as written.
    pub defined_in: Option<Spanned<String>>,
    /// Leave the old name as a deprecated alias of the new one (default false).
    pub keep_alias: bool,
    /// The deprecation message of the kept alias; never empty.
    pub message: Option<String>,
    /// The whole table, from its `[[rename]]` header to its last value.
    pub span: Range<usize>,
}

impl Rename {
    pub(super) const TABLE: &'static str = "rename";

    pub(super) const KEYS: &'static [KeySpec] = &[
        KeySpec {
            name: "fixture",
            required: true,
            example: r#"fixture = "old_name""#,
            about: "the fixture's current name",
        },
        KeySpec {
            name: "to",
            required: true,
            example: r#"to = "new_name""#,
            about: "the fixture's new name",
        },
        KeySpec {
            name: "defined_in",
            required: false,
            example: r#"defined_in = "tests/conftest.py""#,
            about: "only the definition in this file (relative to the rootdir)",
        },
        KeySpec {
            name: "keep_alias",
            required: false,
            example: "keep_alias = true",
            about: "leave the old name as a deprecated alias",
        },
        KeySpec {
            name: "message",
            required: false,
            example: r#"message = "old_name is deprecated; request new_name""#,
            about: "the deprecation message",
        },
    ];

    pub(super) fn read(t: &TableReader<'_, '_>) -> Result<Rename, RuleError> {
        let fixture = t.required("fixture", t.name("fixture")?)?;
        let to = t.required("to", t.name("to")?)?;
        let defined_in = t.path("defined_in", PathKind::PythonFile)?;
        let keep_alias = t.bool("keep_alias")?.unwrap_or(false);
        let message = t.text("message")?;
        if fixture.value == to.value {
            return Err(t.error(
                to.span.clone(),
                format!("`{}` is renamed to itself", to.value),
                "same name as `fixture`",
                Some("set `to` to the new name, or remove this rule".into()),
            ));
        }
        Ok(Rename {
            fixture,
            to,
            defined_in,
            keep_alias,
            message,
            span: t.span(),
        })
    }
}
