//! `[[alias]]`: provide a fixture under another name, in a given conftest.

use std::ops::Range;

use super::names::PathKind;
use super::read::{KeySpec, TableReader};
use super::{RuleError, Spanned};

/// `[[alias]]`: define fixture `name` in `conftest`, standing for fixture `target`.
///
/// ```toml
/// [[alias]]
/// name = "real_services"
/// target = "staging_services_fixture"
/// conftest = "tests/e2e/staging/conftest.py"
/// deprecated = "request staging_services_fixture"
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The fixture to provide (a valid Python identifier, not a keyword).
    pub name: Spanned<String>,
    /// The fixture it stands for (a valid Python identifier, not a keyword, not `name`).
    pub target: Spanned<String>,
    /// Where the alias goes (created if missing). Relative to the project rootdir, normalised
    /// (`/`-separated, no `.` or `..` components), file name `conftest.py`; the span is that of
    /// the string as written.
    pub conftest: Spanned<String>,
    /// `DeprecationWarning` text, when the alias is deprecated; never empty.
    pub deprecated: Option<String>,
    /// The whole table, from its `[[alias]]` header to its last value.
    pub span: Range<usize>,
}

impl Alias {
    pub(super) const TABLE: &'static str = "alias";

    pub(super) const KEYS: &'static [KeySpec] = &[
        KeySpec {
            name: "name",
            required: true,
            example: r#"name = "alias_name""#,
            about: "the fixture to provide",
        },
        KeySpec {
            name: "target",
            required: true,
            example: r#"target = "existing_fixture""#,
            about: "the fixture it stands for",
        },
        KeySpec {
            name: "conftest",
            required: true,
            example: r#"conftest = "tests/conftest.py""#,
            about: "the conftest.py the alias goes in, relative to the rootdir",
        },
        KeySpec {
            name: "deprecated",
            required: false,
            example: r#"deprecated = "request existing_fixture""#,
            about: "the DeprecationWarning text",
        },
    ];

    pub(super) fn read(t: &TableReader<'_, '_>) -> Result<Alias, RuleError> {
        let name = t.required("name", t.name("name")?)?;
        let target = t.required("target", t.name("target")?)?;
        let conftest = t.required("conftest", t.path("conftest", PathKind::Conftest)?)?;
        let deprecated = t.text("deprecated")?;
        if name.value == target.value {
            return Err(t.error(
                target.span.clone(),
                format!("alias `{}` stands for itself", target.value),
                "same name as `name`",
                Some(
                    "set `target` to the fixture the alias stands for, or remove this rule".into(),
                ),
            ));
        }
        Ok(Alias {
            name,
            target,
            conftest,
            deprecated,
            span: t.span(),
        })
    }
}
