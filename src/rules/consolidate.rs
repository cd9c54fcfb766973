//! The consolidation rules: `[[move]]`, `[[hoist]]`, `[[merge]]` and `[[remove]]`.

use std::ops::Range;

use super::names::PathKind;
use super::read::{KeySpec, TableReader};
use super::{RuleError, Spanned};

/// `[[move]]`: move fixture `fixture` from conftest `from` to conftest `to`, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub fixture: Spanned<String>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    /// Module-level helpers and constants of `from` that move along.
    pub carry: Vec<Spanned<String>>,
    pub span: Range<usize>,
}

/// `[[hoist]]`: identical definitions of `fixture` in several conftests become one, higher up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hoist {
    pub fixture: Spanned<String>,
    /// Default: the conftest of the nearest common ancestor directory.
    pub into: Option<Spanned<String>>,
    pub span: Range<usize>,
}

/// `[[merge]]`: fold conftest `from` into conftest `into`, fixture by fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    pub from: Spanned<String>,
    pub into: Spanned<String>,
    pub span: Range<usize>,
}

/// `[[remove]]`: delete the definition of `fixture` in `defined_in`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remove {
    pub fixture: Spanned<String>,
    pub defined_in: Spanned<String>,
    /// Requests are renamed to this fixture first.
    pub replace_with: Option<Spanned<String>>,
    pub span: Range<usize>,
}

const FIXTURE: KeySpec = KeySpec {
    name: "fixture",
    required: true,
    example: r#"fixture = "db_session""#,
    about: "the fixture's name",
};

impl Move {
    pub(super) const TABLE: &'static str = "move";
    pub(super) const KEYS: &'static [KeySpec] = &[
        FIXTURE,
        KeySpec {
            name: "from",
            required: true,
            example: r#"from = "tests/e2e/staging/conftest.py""#,
            about: "the conftest.py that defines it now",
        },
        KeySpec {
            name: "to",
            required: true,
            example: r#"to = "tests/e2e/conftest.py""#,
            about: "the conftest.py it moves to (created if missing)",
        },
        KeySpec {
            name: "carry",
            required: false,
            example: r#"carry = ["make_client"]"#,
            about: "module-level helpers of `from` that move along",
        },
    ];

    pub(super) fn read(t: &TableReader<'_, '_>) -> Result<Move, RuleError> {
        let fixture = t.required("fixture", t.name("fixture")?)?;
        let from = t.required("from", t.path("from", PathKind::Conftest)?)?;
        let to = t.required("to", t.path("to", PathKind::Conftest)?)?;
        if from.value == to.value {
            return Err(t.error(
                to.span.clone(),
                format!("`{}` is moved to where it already is", fixture.value),
                "same file as `from`",
                Some("set `to` to another conftest.py, or remove this rule".into()),
            ));
        }
        Ok(Move {
            fixture,
            from,
            to,
            carry: t.names("carry")?.unwrap_or_default(),
            span: t.span(),
        })
    }
}

impl Hoist {
    pub(super) const TABLE: &'static str = "hoist";
    pub(super) const KEYS: &'static [KeySpec] = &[
        FIXTURE,
        KeySpec {
            name: "into",
            required: false,
            example: r#"into = "tests/conftest.py""#,
            about: "the conftest.py that gets the one definition (default: the nearest common ancestor's)",
        },
    ];

    pub(super) fn read(t: &TableReader<'_, '_>) -> Result<Hoist, RuleError> {
        Ok(Hoist {
            fixture: t.required("fixture", t.name("fixture")?)?,
            into: t.path("into", PathKind::Conftest)?,
            span: t.span(),
        })
    }
}

impl Merge {
    pub(super) const TABLE: &'static str = "merge";
    pub(super) const KEYS: &'static [KeySpec] = &[
        KeySpec {
            name: "from",
            required: true,
            example: r#"from = "tests/e2e/staging/conftest.py""#,
            about: "the conftest.py folded into `into` (deleted when emptied)",
        },
        KeySpec {
            name: "into",
            required: true,
            example: r#"into = "tests/e2e/conftest.py""#,
            about: "the conftest.py that receives its fixtures and hooks",
        },
    ];

    pub(super) fn read(t: &TableReader<'_, '_>) -> Result<Merge, RuleError> {
        let from = t.required("from", t.path("from", PathKind::Conftest)?)?;
        let into = t.required("into", t.path("into", PathKind::Conftest)?)?;
        if from.value == into.value {
            return Err(t.error(
                into.span.clone(),
                "a conftest is merged into itself",
                "same file as `from`",
                Some("set `into` to another conftest.py, or remove this rule".into()),
            ));
        }
        Ok(Merge {
            from,
            into,
            span: t.span(),
        })
    }
}

impl Remove {
    pub(super) const TABLE: &'static str = "remove";
    pub(super) const KEYS: &'static [KeySpec] = &[
        FIXTURE,
        KeySpec {
            name: "defined_in",
            required: true,
            example: r#"defined_in = "tests/conftest.py""#,
            about: "the file whose definition is deleted",
        },
        KeySpec {
            name: "replace_with",
            required: false,
            example: r#"replace_with = "client""#,
            about: "rename the fixture's requests to this fixture first",
        },
    ];

    pub(super) fn read(t: &TableReader<'_, '_>) -> Result<Remove, RuleError> {
        let fixture = t.required("fixture", t.name("fixture")?)?;
        let defined_in = t.required("defined_in", t.path("defined_in", PathKind::PythonFile)?)?;
        let replace_with = t.name("replace_with")?;
        if replace_with
            .as_ref()
            .is_some_and(|r| r.value == fixture.value)
        {
            let r = replace_with.as_ref().unwrap();
            return Err(t.error(
                r.span.clone(),
                format!("`{}` is replaced with itself", fixture.value),
                "same name as `fixture`",
                Some(
                    "name the fixture its requests should use instead, or drop `replace_with`"
                        .into(),
                ),
            ));
        }
        Ok(Remove {
            fixture,
            defined_in,
            replace_with,
            span: t.span(),
        })
    }
}
