//! What a rule file may name: fixture names (Python identifiers that are not keywords) and
//! project paths (relative, `/`-separated, inside the rootdir).

/// Python's hard keywords (`keyword.kwlist`): none of them can be a parameter name, so none can
/// be a fixture a test requests. Soft keywords (`match`, `case`, `type`, `_`) are fine.
pub const PYTHON_KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Why a string cannot be a fixture name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    /// A hard keyword: `class`, `def`, `None`, ...
    Keyword,
    /// Starts with this digit.
    StartsWithDigit(char),
    /// Contains this character, which no identifier may contain.
    InvalidChar(char),
}

/// Why `name` is not a valid fixture name, or `None` when it is one: a Python identifier that is
/// not a keyword. Non-ASCII letters and digits are accepted (an approximation of Python's
/// `XID_Start`/`XID_Continue`, without NFKC normalisation).
pub fn name_problem(name: &str) -> Option<NameProblem> {
    let Some(first) = name.chars().next() else {
        return Some(NameProblem::Empty);
    };
    if first.is_numeric() {
        return Some(NameProblem::StartsWithDigit(first));
    }
    if let Some(bad) = name.chars().find(|&c| !(c == '_' || c.is_alphanumeric())) {
        return Some(NameProblem::InvalidChar(bad));
    }
    if PYTHON_KEYWORDS.contains(&name) {
        return Some(NameProblem::Keyword);
    }
    None
}

/// Whether `name` can be a fixture name: a Python identifier that is not a keyword.
pub fn is_valid_fixture_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// What a path key must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PathKind {
    /// A file named `conftest.py`.
    Conftest,
    /// A Python source file (`*.py`).
    PythonFile,
}

/// Why a path is not acceptable: message, label and help of the error.
#[derive(Debug)]
pub(super) struct PathProblem {
    pub message: String,
    pub label: String,
    pub help: String,
}

/// Checks the path `raw` written for `key` and returns it normalised (`./` and empty components
/// dropped, `dir/..` resolved): relative to the rootdir, `/`-separated, inside the project.
pub(super) fn check_path(key: &str, raw: &str, kind: PathKind) -> Result<String, PathProblem> {
    let example = match kind {
        PathKind::Conftest => "tests/e2e/conftest.py",
        PathKind::PythonFile => "test_framework/fixtures.py",
    };
    if raw.is_empty() {
        return Err(PathProblem {
            message: format!("`{key}` is empty"),
            label: "empty path".into(),
            help: format!("write a path relative to the project rootdir, e.g. `{example}`"),
        });
    }
    if is_absolute(raw) {
        return Err(PathProblem {
            message: format!("path outside the project: `{raw}` is absolute"),
            label: "absolute path".into(),
            help: format!(
                "paths in rule files are relative to the project rootdir, e.g. `{example}`"
            ),
        });
    }
    if raw.contains('\\') {
        return Err(PathProblem {
            message: format!("`{raw}` uses `\\` as a separator"),
            label: "use `/` between directories".into(),
            help: format!("write `{}`", raw.replace('\\', "/")),
        });
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathProblem {
                        message: format!("path outside the project: `{raw}`"),
                        label: "`..` leaves the project rootdir".into(),
                        help: "paths in rule files are relative to the project rootdir and must \
                               stay inside it"
                            .into(),
                    });
                }
            }
            part => parts.push(part),
        }
    }
    // The file name as written: `a/conftest.py/` or `a/conftest.py/..` name directories.
    let file_name = raw.rsplit('/').next().unwrap_or(raw);
    match kind {
        PathKind::Conftest if file_name != "conftest.py" => Err(PathProblem {
            message: format!("`{key}` must name a `conftest.py` file, not `{raw}`"),
            label: "not a conftest.py".into(),
            help: format!(
                "pytest loads directory fixtures only from files named `conftest.py`, e.g. `{example}`"
            ),
        }),
        PathKind::PythonFile
            if !(file_name.len() > ".py".len() && file_name.ends_with(".py")) =>
        {
            Err(PathProblem {
                message: format!("`{key}` must name a Python file (`.py`), not `{raw}`"),
                label: "not a .py file".into(),
                help: format!("write the path of the file that defines the fixture, e.g. `{example}`"),
            })
        }
        _ => Ok(parts.join("/")),
    }
}

/// `/x`, `\x`, `C:x`, `~/x`: anything that does not start inside the rootdir.
fn is_absolute(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    raw.starts_with('/')
        || raw.starts_with('\\')
        || raw.starts_with('~')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}
