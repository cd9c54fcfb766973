//! A test module's *outline*, read without a parse: what a focused migration needs to know to
//! leave the module out of its analysis (see `index::focus`). The skeleton's scanner splits the
//! file into logical lines; a small lexer reads, at module and class level (never inside a
//! `def`), the `from ... import` bindings, the names `import` binds, the roots of the dotted
//! names that could bring a fixture, a mark or a class in from elsewhere (bare decorators,
//! `pytestmark`, `x = a.b` aliases, class bases), and whether a class body imports anything.
//!
//! It over-approximates in one direction only: [`outline`] gives up (`None`, and the caller
//! parses the file) on anything it does not follow — a star import, `pytest_plugins`, a tab
//! in the indentation, an inline compound body other than a `def`'s, `match`, non-UTF-8 text.

use super::skeleton::{Line, Scanner};
use super::ImportTarget;

/// What a test module binds at module and class level that can come from another module.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outline {
    /// `from target import name as bound`, wherever it stands outside a `def`.
    pub from_imports: Vec<FromImport>,
    /// The names `import a.b` (`a`) and `import a.b as c` (`c`) bind, outside a `def`.
    pub module_imports: Vec<String>,
    /// The module each of `module_imports` is bound to (`a`, `a.b`).
    pub module_targets: Vec<ImportTarget>,
    /// `from target import *` (only read by [`super::outline_links`]: an outline gives up on
    /// a star import).
    pub stars: Vec<ImportTarget>,
    /// The first names of the dotted names that can stand for something bound elsewhere: bare
    /// decorators, the names in `pytestmark` outside calls, the right side of `x = a.b`, and
    /// class bases.
    pub roots: Vec<String>,
    /// A class body holds an import.
    pub class_imports: bool,
}

/// One `from target import name as bound` binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromImport {
    pub target: ImportTarget,
    pub name: String,
    pub bound: String,
}

impl Outline {
    /// Whether `name` is bound by an import (either form).
    pub fn imported(&self, name: &str) -> bool {
        self.module_imports.iter().any(|m| m == name)
            || self.from_imports.iter().any(|f| f.bound == name)
    }
}

/// One token of a logical line: a name, a string or number, or one operator character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok<'a> {
    Name(&'a [u8]),
    /// A string, a number or any other operand that is not a name.
    Literal,
    Op(u8),
}

/// The tokens of `src[start..end]` (one logical line the scanner followed), comments left out.
pub(super) fn tokens(src: &[u8], start: usize, end: usize) -> Option<Vec<Tok<'_>>> {
    let mut scanner = Scanner::at(&src[..end], start);
    let mut out = Vec::new();
    while let Some(b) = scanner.peek(0) {
        match b {
            b' ' | b'\t' | b'\x0c' | b'\n' | b'\r' => scanner.pos += 1,
            b'\\' => scanner.pos += 1,
            b'#' => scanner.skip_comment(),
            b'"' | b'\'' => {
                scanner.token_in_expression()?;
                out.push(Tok::Literal);
            }
            b if b.is_ascii_digit() => {
                while scanner
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    scanner.pos += 1;
                }
                out.push(Tok::Literal);
            }
            b if super::skeleton::is_ident(b) => {
                let at = scanner.pos;
                scanner.token_in_expression()?;
                let word = &src[at..scanner.pos];
                // A prefixed string (`f"..."`) is read whole by the scanner.
                if word.last().is_some_and(|c| *c == b'"' || *c == b'\'') {
                    out.push(Tok::Literal);
                } else {
                    out.push(Tok::Name(word));
                }
            }
            _ => {
                out.push(Tok::Op(b));
                scanner.pos += 1;
            }
        }
    }
    Some(out)
}

/// Where a logical line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Block {
    Def,
    Class,
    /// `if`, `try`, `with`, `for`, ... at module or class level.
    Other,
}

/// The blocks around each logical line, as the outlines walk a module.
#[derive(Default)]
pub(super) struct Blocks {
    /// Enclosing blocks: (indentation of the header, kind).
    stack: Vec<(usize, Block)>,
    /// A block header was just read: the next line must be indented more.
    expect_body: Option<usize>,
}

impl Blocks {
    /// Moves to `line`: whether it stands in a `def` and whether in a class; `None` when a
    /// header before it opened no body.
    pub(super) fn at(&mut self, line: &Line) -> Option<(bool, bool)> {
        if let Some(indent) = self.expect_body.take() {
            if line.indent <= indent {
                return None;
            }
        }
        while self.stack.last().is_some_and(|(i, _)| *i >= line.indent) {
            self.stack.pop();
        }
        let inside = |kind| self.stack.iter().any(|(_, b)| *b == kind);
        Some((inside(Block::Def), inside(Block::Class)))
    }

    /// `line` opens a block of `kind` whose body follows on the next lines.
    pub(super) fn open(&mut self, line: &Line, kind: Block) {
        self.stack.push((line.indent, kind));
        self.expect_body = Some(line.indent);
    }

    /// Whether the module ended where a body could (not right after a header).
    pub(super) fn complete(&self) -> bool {
        self.expect_body.is_none()
    }
}

pub(super) const COMPOUND: &[&[u8]] = &[
    b"if", b"elif", b"else", b"try", b"except", b"finally", b"with", b"for", b"while",
];

/// The outline of a test module's bytes (a BOM is skipped), or `None` when it cannot be read
/// without a parse (see the module documentation).
pub fn outline(bytes: &[u8]) -> Option<Outline> {
    let src = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if src.contains(&0)
        || std::str::from_utf8(src).is_err()
        || memchr::memmem::find(src, b"pytest_plugins").is_some()
    {
        return None;
    }
    let mut scanner = Scanner::at(src, 0);
    let mut out = Outline::default();
    let mut blocks = Blocks::default();
    while let Some(line) = scanner.line()? {
        let (in_def, in_class) = blocks.at(&line)?;
        if in_def {
            continue;
        }
        if let Some(opened) = statement(src, &line, in_class, &mut out)? {
            blocks.open(&line, opened);
        }
    }
    blocks.complete().then_some(out)
}

/// Reads one logical line outside any `def` into `out`: the block it opens (when its body is on
/// the following lines), or `None` (the outer `Option`) when the line cannot be followed.
fn statement(src: &[u8], line: &Line, in_class: bool, out: &mut Outline) -> Option<Option<Block>> {
    if let Some(def) = &line.def {
        return Some((!def.inline_body).then_some(Block::Def));
    }
    let toks = tokens(src, line.start + line.indent, line.code_end)?;
    let first = match toks.first() {
        Some(Tok::Name(w)) => *w,
        Some(Tok::Op(b'@')) => {
            decorator(&toks[1..], out);
            return Some(None);
        }
        _ => return Some(None),
    };
    // A top-level colon ends a compound statement's header.
    let colon = top_level(&toks, b':');
    match first {
        b"import" | b"from" => {
            if in_class {
                out.class_imports = true;
                return Some(None);
            }
            import(&toks, out, false)?;
            Some(None)
        }
        b"class" => {
            let colon = colon?;
            if colon + 1 != toks.len() {
                return None; // `class A: pass`
            }
            class_bases(&toks[..colon], out)?;
            Some(Some(Block::Class))
        }
        b"match" | b"case" if colon.is_some() => None,
        w if COMPOUND.contains(&w) => {
            // `async` is only met before `def` (a `Line::def`), `with` or `for`.
            let colon = colon?;
            (colon + 1 == toks.len()).then_some(Some(Block::Other))
        }
        b"async" => None,
        b"pytestmark" => {
            let eq = assignment(&toks)?;
            names_outside_calls(&toks[eq + 1..], out);
            Some(None)
        }
        _ => {
            if let Some(eq) = assignment(&toks) {
                if let Some(root) = dotted_root(&toks[eq + 1..]) {
                    out.roots.push(root);
                }
            }
            Some(None)
        }
    }
}

/// Position of the first `byte` operator outside brackets.
pub(super) fn top_level(toks: &[Tok], byte: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op(b'(' | b'[' | b'{') => depth += 1,
            Tok::Op(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            Tok::Op(b) if *b == byte && depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Position of the last plain `=` outside brackets (not part of `==`, `<=`, `+=`, `:=`, ...).
pub(super) fn assignment(toks: &[Tok]) -> Option<usize> {
    let mut depth = 0usize;
    let mut found = None;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op(b'(' | b'[' | b'{') => depth += 1,
            Tok::Op(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            Tok::Op(b'=') if depth == 0 => {
                let before = i.checked_sub(1).map(|j| toks[j]);
                let after = toks.get(i + 1).copied();
                let operator = |t: Option<Tok>| matches!(t, Some(Tok::Op(c)) if b"=!<>:+-*/%&|^@~".contains(&c));
                if !operator(before) && !operator(after) {
                    found = Some(i);
                }
            }
            _ => {}
        }
    }
    found
}

/// The first name of `toks` when they are exactly a dotted name (`a`, `a.b.c`).
fn dotted_root(toks: &[Tok]) -> Option<String> {
    let Some(Tok::Name(root)) = toks.first() else {
        return None;
    };
    let rest = &toks[1..];
    let dotted = rest.len() % 2 == 0
        && rest
            .chunks(2)
            .all(|p| matches!(p, [Tok::Op(b'.'), Tok::Name(_)]));
    dotted.then(|| String::from_utf8_lossy(root).into_owned())
}

/// A decorator (the tokens after `@`): a bare dotted name is a mark or function written by
/// reference; a call is not (its arguments cannot name a mark by reference either).
fn decorator(toks: &[Tok], out: &mut Outline) {
    if let Some(root) = dotted_root(toks) {
        out.roots.push(root);
    }
}

/// The roots of the dotted names in an expression that are not called (a call's result is
/// not a mark reference), its call arguments left out.
fn names_outside_calls(toks: &[Tok], out: &mut Outline) {
    let mut i = 0;
    while i < toks.len() {
        match toks[i] {
            Tok::Name(root) if i == 0 || toks[i - 1] != Tok::Op(b'.') => {
                let mut j = i + 1;
                while matches!(toks.get(j..j + 2), Some([Tok::Op(b'.'), Tok::Name(_)])) {
                    j += 2;
                }
                if toks.get(j) == Some(&Tok::Op(b'(')) {
                    // Skip the call's arguments.
                    let mut depth = 0usize;
                    while j < toks.len() {
                        match toks[j] {
                            Tok::Op(b'(' | b'[' | b'{') => depth += 1,
                            Tok::Op(b')' | b']' | b'}') => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                } else {
                    out.roots.push(String::from_utf8_lossy(root).into_owned());
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
}

/// The items of a class header's base list (`class Name(a, b.c, metaclass=M)`: the tokens
/// before the header's colon), split at its top-level commas; none without a base list.
pub(super) fn base_items<'t, 'a>(toks: &'t [Tok<'a>]) -> Option<Vec<&'t [Tok<'a>]>> {
    let Some(open) = toks.iter().position(|t| *t == Tok::Op(b'(')) else {
        return Some(Vec::new());
    };
    let inner = toks.get(open + 1..toks.len().checked_sub(1)?)?;
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for i in 0..=inner.len() {
        let end = match inner.get(i) {
            Some(Tok::Op(b'(' | b'[' | b'{')) => {
                depth += 1;
                false
            }
            Some(Tok::Op(b')' | b']' | b'}')) => {
                depth = depth.checked_sub(1)?;
                false
            }
            Some(Tok::Op(b',')) => depth == 0,
            None => true,
            _ => false,
        };
        if end {
            items.push(&inner[start..i]);
            start = i + 1;
        }
    }
    Some(items)
}

/// The bases of `class Name(...)` (the tokens before the header's colon): the root of every
/// positional base; `None` for a base that is not a (dotted, called or subscripted) name.
fn class_bases(toks: &[Tok], out: &mut Outline) -> Option<()> {
    for item in base_items(toks)? {
        match item {
            [] => {}
            // `metaclass=M` and other keywords are not bases.
            [Tok::Name(_), Tok::Op(b'='), ..] if !matches!(item.get(2), Some(Tok::Op(b'='))) => {}
            [Tok::Name(root), ..] => out.roots.push(String::from_utf8_lossy(root).into_owned()),
            _ => return None,
        }
    }
    Some(())
}

/// An `import` or `from ... import` statement; a star import is given up on unless `stars`.
pub(super) fn import(toks: &[Tok], out: &mut Outline, stars: bool) -> Option<()> {
    let names = |toks: &[Tok]| -> Option<Vec<(String, String, bool)>> {
        // `a.b as c, d` (parentheses allowed after `from ... import`).
        let toks: Vec<Tok> = toks
            .iter()
            .copied()
            .filter(|t| !matches!(t, Tok::Op(b'(' | b')')))
            .collect();
        let mut out = Vec::new();
        for item in toks.split(|t| *t == Tok::Op(b',')) {
            let (dotted, bound) = match item {
                [] => continue,
                [head @ .., Tok::Name(b"as"), Tok::Name(alias)] => (head, Some(*alias)),
                _ => (item, None),
            };
            let mut parts = Vec::new();
            for (k, t) in dotted.iter().enumerate() {
                match (k % 2, t) {
                    (0, Tok::Name(w)) => parts.push(String::from_utf8_lossy(w).into_owned()),
                    (1, Tok::Op(b'.')) => {}
                    _ => return None,
                }
            }
            let full = parts.join(".");
            let aliased = bound.is_some();
            let bound = match bound {
                Some(alias) => String::from_utf8_lossy(alias).into_owned(),
                None => parts.first()?.clone(),
            };
            out.push((full, bound, aliased));
        }
        Some(out)
    };
    match toks.first()? {
        Tok::Name(b"import") => {
            for (full, bound, aliased) in names(&toks[1..])? {
                // `import a.b` binds `a` to module `a`; `import a.b as c` binds `c` to `a.b`.
                let module = if aliased { full } else { bound.clone() };
                out.module_imports.push(bound);
                out.module_targets.push(ImportTarget { level: 0, module });
            }
        }
        _ => {
            let at = toks.iter().position(|t| *t == Tok::Name(b"import"))?;
            let mut level = 0;
            let mut module = Vec::new();
            for t in &toks[1..at] {
                match t {
                    Tok::Op(b'.') if module.is_empty() => level += 1,
                    Tok::Op(b'.') => {}
                    Tok::Name(w) => module.push(String::from_utf8_lossy(w).into_owned()),
                    _ => return None,
                }
            }
            let target = ImportTarget {
                level,
                module: module.join("."),
            };
            if toks[at + 1..].contains(&Tok::Op(b'*')) {
                if !stars {
                    return None;
                }
                out.stars.push(target);
                return Some(());
            }
            for (name, bound, _) in names(&toks[at + 1..])? {
                if name.contains('.') {
                    return None;
                }
                out.from_imports.push(FromImport {
                    target: target.clone(),
                    name,
                    bound,
                });
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> Option<Outline> {
        outline(src.as_bytes())
    }

    #[test]
    fn imports_outside_defs_are_read() {
        let o = of(
            "import os\nimport pandas._testing as tm\nfrom .. import conftest as c\n\
                    from pandas import (\n    DataFrame,\n    Series as S,\n)\n\
                    def test_a():\n    from x import y\n",
        )
        .unwrap();
        assert_eq!(o.module_imports, ["os", "tm"]);
        let read: Vec<(usize, &str, &str, &str)> = o
            .from_imports
            .iter()
            .map(|f| {
                (
                    f.target.level,
                    f.target.module.as_str(),
                    f.name.as_str(),
                    f.bound.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (2, "", "conftest", "c"),
                (0, "pandas", "DataFrame", "DataFrame"),
                (0, "pandas", "Series", "S")
            ]
        );
        assert!(o.roots.is_empty());
        assert!(!o.class_imports);
    }

    #[test]
    fn references_are_rooted() {
        let o = of("@skip_if\n@pytest.mark.parametrize('a', [x.y])\ndef test_a(a):\n    z = q.r\n\
                    alias = helpers.fixture_a\nn = f(1)\npytestmark = [m.slow, td.skip('x'), pytest.mark.a]\n\
                    class TestA(base.Base, Local[int], metaclass=Meta):\n    @prop\n    def f(self):\n        pass\n")
        .unwrap();
        assert_eq!(
            o.roots,
            ["skip_if", "helpers", "m", "pytest", "base", "Local", "prop"]
        );
    }

    #[test]
    fn what_it_cannot_follow_gives_up() {
        assert_eq!(of("from x import *\n"), None);
        assert_eq!(of("pytest_plugins = ['a']\n"), None);
        assert_eq!(of("if x: import y\n"), None);
        assert_eq!(of("class A: pass\n"), None);
        assert_eq!(of("match x:\n    case 1:\n        pass\n"), None);
        assert_eq!(of("class A(*bases):\n    pass\n"), None);
        assert_eq!(of("def f():\n\treturn 1\n"), None);
        assert_eq!(outline(b"x = '\xff'\n"), None);
        let o = of("class A:\n    from x import y\n").unwrap();
        assert!(o.class_imports);
    }

    #[test]
    fn blocks_at_module_level_still_bind() {
        let o = of(
            "try:\n    from a import b\nexcept ImportError:\n    b = None\n\
                    if TYPE_CHECKING:\n    import c\n",
        )
        .unwrap();
        assert_eq!(o.from_imports.len(), 1);
        assert_eq!(o.module_imports, ["c"]);
    }
}
