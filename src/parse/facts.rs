//! The compact, tree-free facts fixmig keeps about one Python file.
//!
//! Everything later stages need is here: module-level bindings in source order (fixtures,
//! imports, classes, plain names), the conditions they run under, test functions and classes,
//! marks, and the byte ranges later stages edit. No tree-sitter type leaks out of `parse`.
//!
//! Every type here is serde-serializable: `crate::cache` stores facts on disk, keyed by the
//! file's content hash.

use serde::{Deserialize, Serialize};

/// A place in a source file: byte range plus 1-based line and column of its start. Stored
/// as `u32`s (16 bytes, not 32): `parse` refuses files of 4 GiB or more
/// ([`Span::MAX_FILE_BYTES`]), so every offset, line and column fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Span {
    start: u32,
    end: u32,
    line: u32,
    column: u32,
}

impl Span {
    /// The largest file (in bytes) whose spans fit.
    pub const MAX_FILE_BYTES: usize = u32::MAX as usize;

    /// A span of a file of at most [`Span::MAX_FILE_BYTES`] bytes.
    pub fn new(start: usize, end: usize, line: usize, column: usize) -> Span {
        Span {
            start: narrow(start),
            end: narrow(end),
            line: narrow(line),
            column: narrow(column),
        }
    }

    /// Byte offset of the start (into the file as read, BOM included).
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Byte offset of the end.
    pub fn end(&self) -> usize {
        self.end as usize
    }

    /// 1-based line of the start.
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// 1-based column (in characters) of the start.
    pub fn column(&self) -> usize {
        self.column as usize
    }

    /// The same span ending at byte `end`.
    pub fn with_end(self, end: usize) -> Span {
        Span {
            end: narrow(end),
            ..self
        }
    }
}

fn narrow(n: usize) -> u32 {
    u32::try_from(n).expect("parse refuses files whose offsets do not fit a u32")
}

/// A string literal (or identifier) together with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Located {
    pub text: String,
    pub span: Span,
}

/// Why a binding might not happen at run time. Conditions are recorded symbolically here and
/// decided by `index`, which can see other files (a `try:` import of a project module).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// Decided while parsing: `if False:`, `if sys.version_info >= (3, 8):` and the like.
    Static {
        taken: bool,
        text: String,
        line: usize,
    },
    /// `if FLAG:` / `if not FLAG:` on a module-level name; decidable when the module binds it
    /// exactly once, to a literal, and never rebinds it through `global`.
    Flag {
        name: String,
        negated: bool,
        text: String,
        line: usize,
    },
    /// The body of `try:` whose first statements import these modules (resolved by `index`).
    TryBody {
        imports: Vec<ImportTarget>,
        line: usize,
    },
    /// An `except` handler of such a `try:` (taken when the imports can fail).
    TryHandler {
        imports: Vec<ImportTarget>,
        line: usize,
    },
    /// Anything else (`if os.environ.get(...)`, `else` of an undecidable `if`, ...).
    Unknown { text: String, line: usize },
}

impl Condition {
    pub fn line(&self) -> usize {
        match self {
            Condition::Static { line, .. }
            | Condition::Flag { line, .. }
            | Condition::TryBody { line, .. }
            | Condition::TryHandler { line, .. }
            | Condition::Unknown { line, .. } => *line,
        }
    }

    /// The negation of this condition, for `else:` branches, when it can be expressed.
    pub fn negate(&self) -> Condition {
        match self {
            Condition::Static { taken, text, line } => Condition::Static {
                taken: !taken,
                text: format!("not ({text})"),
                line: *line,
            },
            Condition::Flag {
                name,
                negated,
                text,
                line,
            } => Condition::Flag {
                name: name.clone(),
                negated: !negated,
                text: format!("not ({text})"),
                line: *line,
            },
            other => Condition::Unknown {
                text: format!("else of line {}", other.line()),
                line: other.line(),
            },
        }
    }
}

/// A module named by an import: `level` leading dots (0 = absolute) then dotted `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportTarget {
    pub level: usize,
    pub module: String,
}

/// One parameter of a `def`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: Located,
    pub kind: ParamKind,
    pub has_default: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamKind {
    PositionalOnly,
    Normal,
    KeywordOnly,
    VarArgs,
    VarKwargs,
}

/// What `scope=` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopeSpec {
    Literal(String),
    /// `scope=some_function`: decided by calling it at run time.
    Callable(String),
    Dynamic,
}

/// The arguments of a fixture decorator (`@pytest.fixture(...)`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FixtureMarker {
    pub name: Option<Located>,
    pub scope: Option<ScopeSpec>,
    pub autouse: bool,
    pub has_params: bool,
}

/// A `def` (function or method), with what pytest reads off it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionDef {
    pub name: Located,
    /// The whole definition, decorators included.
    pub span: Span,
    /// Byte offset where the body starts, and the body's indentation.
    pub body_start: usize,
    /// 1-based line of the first decorator, or of `def` when undecorated (`co_firstlineno`).
    pub first_line: usize,
    pub params: Vec<Param>,
    pub is_staticmethod: bool,
    pub is_classmethod: bool,
    /// `@mock.patch(...)`-style decorators that inject an argument (no `new=`).
    pub mock_patch_args: usize,
    /// Decorators that replace the signature pytest reads, in the order they apply
    /// (bottom-up).
    pub signature_edits: Vec<SignatureEdit>,
    /// True when some decorator other than marks, fixture and patch wraps the function.
    pub marks: Vec<Mark>,
    /// The string literals its body passes to `request.getfixturevalue(...)` (or
    /// `getfuncargvalue`), nested functions included.
    pub getfixturevalue: Vec<Located>,
    /// Where its body passes anything else (a variable, an f-string) to those methods; the
    /// text is the name when the argument is a bare name (a parametrized argument, say), else
    /// empty.
    pub dynamic_lookups: Vec<Located>,
    pub is_async: bool,
    /// The string every call returns, when the body is just `return "literal"` (after an
    /// optional docstring): lets a `scope=` callable be decided statically.
    pub constant_return: Option<String>,
    /// For a function with a `metafunc` parameter (a `pytest_generate_tests` hook, under any
    /// name it may be imported as): what its body does with `metafunc.parametrize`.
    pub generate_tests: Option<Box<GenerateTests>>,
}

/// The `metafunc.parametrize(...)` calls of a `pytest_generate_tests` body, each with the
/// condition under which it runs, as far as they can be read statically.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GenerateTests {
    pub calls: Vec<HookParametrize>,
}

/// One `metafunc.parametrize(...)` call of a hook body (or a use of `metafunc` that may lead
/// to one: `helper(metafunc)`, which counts as a call with [`HookArgnames::Dynamic`] names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookParametrize {
    pub argnames: HookArgnames,
    /// `None`: `indirect=` is not a literal.
    pub indirect: Option<Indirect>,
    /// When the call runs (evaluated per test against `metafunc.fixturenames`).
    pub condition: HookCondition,
    /// Where the call (or the use of `metafunc`) is written.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookArgnames {
    /// A literal string (split as pytest splits it) or list/tuple of literal strings.
    Literal(Vec<Located>),
    /// A module-level name; `extract` resolves it to `Literal` when the module binds it once,
    /// unconditionally, to such a literal, and to `Dynamic` otherwise.
    Const(String),
    /// Names fixmig cannot read (computed at run time); the source text.
    Dynamic(String),
}

/// The condition a hook statement runs under, over what the hook can see of the test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookCondition {
    Const(bool),
    /// `"name" in metafunc.fixturenames` (or a local bound once to it, or to `set(...)` of
    /// it).
    Requests(String),
    /// `metafunc.function.__name__ == "name"` (the test function's `def` name).
    FunctionName(String),
    Not(Box<HookCondition>),
    All(Vec<HookCondition>),
    Any(Vec<HookCondition>),
    /// Decided at run time: the source text and its line.
    Unknown {
        text: String,
        line: usize,
    },
}

/// What a decorator that sets the wrapper's `__signature__` does to the parameters pytest's
/// `getfuncargnames` sees (it reads `inspect.signature`, which returns `__signature__`). Only
/// decorators of widely used test libraries are modelled, from their source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignatureEdit {
    /// `hypothesis.given(...)` (`new_given_signature`): removes the positional-or-keyword and
    /// keyword-only parameters it fills: those named by its keyword arguments, or for `n`
    /// positional strategies the last `n` positional-or-keyword parameters.
    Given(GivenArgs),
    /// `distributed.utils_test.gen_cluster(...)`: `orig_sig.bind_partial(*[None] * n)` with
    /// `n` = 1 (scheduler) + one per worker (`nthreads`, two by default) + 1 with `client=True`;
    /// the parameters that bind are removed. `None`: `n` is not known statically.
    BindLeading(Option<usize>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GivenArgs {
    Keywords(Vec<String>),
    Positional(usize),
    /// `given(...)` (infer every argument), or arguments fixmig cannot count (`*strategies`).
    All,
}

/// A fixture definition: the function plus its decorator's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixtureDef {
    pub function: FunctionDef,
    pub marker: FixtureMarker,
}

/// A mark applied to a function or class, or listed in `pytestmark`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    UseFixtures(Vec<Located>),
    Parametrize {
        argnames: Vec<Located>,
        indirect: Indirect,
        /// Per argname, its values when each is a string literal (`pytest.param("x", ...)`
        /// included), for `request.getfixturevalue(argname)`; `None` when any is not.
        #[serde(default)]
        values: Vec<Option<Vec<Located>>>,
    },
    /// A decorator or `pytestmark` item that is a bare name or dotted attribute (`@params`,
    /// `@tests.params`) not bound to a mark in this file: maybe a mark variable of another
    /// module (`from tests import params`). `index` looks it up and uses the mark it is bound to
    /// ([`BindingKind::Mark`]), if any.
    Ref(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Indirect {
    None,
    All,
    Some(Vec<Located>),
}

/// A statement at module or class level that binds a name, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The attribute name bound on the holder.
    pub name: String,
    pub kind: BindingKind,
    /// All enclosing conditions, outermost first.
    pub conditions: Vec<Condition>,
    pub line: usize,
    /// Where the bound name is written (def/class name, assignment target, import alias).
    pub name_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BindingKind {
    /// `@pytest.fixture def name(...)` or `name = pytest.fixture(f)`.
    Fixture(Box<FixtureDef>),
    /// A plain function (maybe a test, maybe a hook, maybe a helper).
    Function(Box<FunctionDef>),
    /// A class; index into `FileFacts::classes`.
    Class(usize),
    /// `from module import name as <binding>`.
    ImportFrom {
        target: ImportTarget,
        name: String,
        /// Where the imported name (not the alias) is written.
        name_span: Span,
    },
    /// `import a.b` (binds `a`) or `import a.b as c` (binds `c` to `a.b`).
    ImportModule { target: ImportTarget },
    /// `name = other_name`.
    Alias(String),
    /// `name = pytest.mark.parametrize(...)` / `pytest.mark.usefixtures(...)`: a mark other
    /// modules can import and apply (`@name`, `pytestmark = [name]`).
    Mark(Mark),
    /// Anything else (literals, calls, ...). `literal` holds the truthiness of a literal.
    Value { literal: Option<bool> },
}

/// `from module import *`, in source order relative to the bindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarImport {
    pub target: ImportTarget,
    pub conditions: Vec<Condition>,
    /// Index of the next binding after this statement (order against named bindings).
    pub position: usize,
    pub line: usize,
}

/// A module-level `pytest.importorskip("module", ...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOrSkip {
    pub module: String,
    pub conditions: Vec<Condition>,
    pub line: usize,
}

/// A class body, with the same binding model as a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassDef {
    pub name: Located,
    /// `Outer.Inner` for nested classes (what `__qualname__` says).
    pub qualname: String,
    /// A base is `unittest.TestCase` (or its async variant) itself.
    pub unittest_base: bool,
    pub first_line: usize,
    /// Base classes as written (`Base`, `mod.Base`).
    pub bases: Vec<String>,
    pub bindings: Vec<Binding>,
    /// Class decorators' marks followed by nothing else; `pytestmark` is in `pytestmark`.
    pub decorator_marks: Vec<Mark>,
    pub pytestmark: Vec<Mark>,
    /// `__test__ = <literal>` in the body.
    pub dunder_test: Option<bool>,
    pub has_init: bool,
    pub has_new: bool,
}

/// Everything fixmig knows about one Python file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileFacts {
    pub bindings: Vec<Binding>,
    pub star_imports: Vec<StarImport>,
    pub classes: Vec<ClassDef>,
    /// Module-level `pytestmark`.
    pub pytestmark: Vec<Mark>,
    /// `pytest_plugins = ...` (strings), with the statement's conditions.
    pub pytest_plugins: Vec<Located>,
    /// `__all__ = [...]` when it is a literal list/tuple of strings.
    pub dunder_all: Option<Vec<Located>>,
    /// Module-level `pytest.importorskip("module")` calls: importing this file raises
    /// `Skipped` when the module cannot be imported.
    pub importorskip: Vec<ImportOrSkip>,
    /// Names rebound through `global NAME` in some function.
    pub global_names: Vec<String>,
    /// First syntax error (line, column), when the file does not parse cleanly.
    pub syntax_error: Option<(usize, usize)>,
    pub has_bom: bool,
}
