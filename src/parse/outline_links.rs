//! A module's *links* read without a parse: what `index::lazy` follows through the modules a
//! test suite imports (mostly library code: `from pandas import DataFrame`) to prove that an
//! imported name is neither a fixture nor a class with a `unittest.TestCase` in its MRO. With
//! the outline's lexer ([`super::outline`]), at module level only (never in a `def` or a class
//! body): every `def`, class, import, star import and single-name assignment.
//!
//! The links over-approximate those of the module's facts, never the other way (a "no" of the
//! chase must stay a proof; `tests/skeleton_corpus.rs` checks it on the corpora): in a module
//! that mentions `fixture`, a decorated `def` may be a fixture; in one that mentions `mark` or
//! `fixture`, an assignment from a call may be a mark or a fixture (`Hot`); a class may have a
//! `TestCase` base whenever the module mentions `unittest`. `None` when the lexer cannot follow
//! the module (the caller then parses its skeleton).

use super::outline::{
    assignment, base_items, import, tokens, top_level, Block, Blocks, Outline, Tok, COMPOUND,
};
use super::skeleton::Scanner;
use super::ImportTarget;

/// What a module-level name can be, as far as a chase through imports cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameLink {
    /// Maybe a fixture or a mark.
    Hot,
    /// `name = other`.
    Alias(String),
    /// A class: index into [`ModuleLinks::classes`].
    Class(usize),
    /// `from target import name`.
    From(ImportTarget, String),
    /// `import target` (or `import target as name`).
    Module(ImportTarget),
}

/// A module's links: its names in binding order, its star imports, its classes (whether one of
/// the bases may be `unittest.TestCase` itself, and the bases written as dotted names).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ModuleLinks {
    pub names: Vec<(String, NameLink)>,
    pub stars: Vec<ImportTarget>,
    pub classes: Vec<(bool, Vec<String>)>,
}

/// The links of a module's bytes (a BOM is skipped), or `None` (see the module documentation).
pub fn links(bytes: &[u8]) -> Option<ModuleLinks> {
    let src = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if src.contains(&0) || std::str::from_utf8(src).is_err() {
        return None;
    }
    let unittest = memchr::memmem::find(src, b"unittest").is_some();
    // A fixture (decorator or call) is written with pytest's `fixture` by some name the module
    // imports or assigns, a mark with `mark`: a module that never mentions them has neither.
    let fixtures = memchr::memmem::find(src, b"fixture").is_some();
    let marks = fixtures || memchr::memmem::find(src, b"mark").is_some();
    let mut scanner = Scanner::at(src, 0);
    let mut out = ModuleLinks::default();
    let mut blocks = Blocks::default();
    let mut decorated = false;
    while let Some(line) = scanner.line()? {
        let (in_def, in_class) = blocks.at(&line)?;
        if in_def || in_class {
            continue;
        }
        let toks = tokens(src, line.start + line.indent, line.code_end)?;
        if let Some(def) = &line.def {
            let name =
                toks.iter()
                    .position(|t| *t == Tok::Name(b"def"))
                    .and_then(|i| match toks.get(i + 1) {
                        Some(Tok::Name(n)) => Some(String::from_utf8_lossy(n).into_owned()),
                        _ => None,
                    })?;
            if std::mem::take(&mut decorated) && fixtures {
                out.names.push((name, NameLink::Hot));
            }
            if !def.inline_body {
                blocks.open(&line, Block::Def);
            }
            continue;
        }
        let Some(first) = toks.first() else {
            continue;
        };
        let colon = top_level(&toks, b':');
        match first {
            Tok::Op(b'@') => {
                decorated = true;
                continue;
            }
            Tok::Name(b"class") => {
                let colon = colon?;
                let (name, bases) = class_header(&toks[..colon])?;
                let index = out.classes.len();
                out.classes.push((unittest && !bases.is_empty(), bases));
                out.names.push((name, NameLink::Class(index)));
                if colon + 1 == toks.len() {
                    blocks.open(&line, Block::Class);
                }
            }
            Tok::Name(b"import" | b"from") => {
                let mut read = Outline::default();
                import(&toks, &mut read, true)?;
                for f in read.from_imports {
                    out.names.push((f.bound, NameLink::From(f.target, f.name)));
                }
                for (bound, target) in read.module_imports.into_iter().zip(read.module_targets) {
                    out.names.push((bound, NameLink::Module(target)));
                }
                out.stars.extend(read.stars);
            }
            Tok::Name(b"match" | b"case" | b"async") => return None,
            Tok::Name(w) if COMPOUND.contains(w) => {
                if colon? + 1 != toks.len() {
                    return None; // `if x: y = 1`
                }
                blocks.open(&line, Block::Other);
            }
            _ => assignment_links(&toks, marks, &mut out),
        }
        decorated = false;
    }
    blocks.complete().then_some(out)
}

/// `class Name(...)` (the tokens before the header's colon): the name, and the bases that are
/// dotted names (what the facts keep: not calls, subscripts, keywords or `*bases`).
fn class_header(toks: &[Tok]) -> Option<(String, Vec<String>)> {
    let Some(Tok::Name(name)) = toks.get(1) else {
        return None;
    };
    let name = String::from_utf8_lossy(name).into_owned();
    let bases = base_items(toks)?.into_iter().filter_map(dotted).collect();
    Some((name, bases))
}

/// The text of tokens that are exactly a dotted name.
fn dotted(toks: &[Tok]) -> Option<String> {
    let mut parts = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        match (k % 2, t) {
            (0, Tok::Name(w)) => parts.push(String::from_utf8_lossy(w).into_owned()),
            (1, Tok::Op(b'.')) => {}
            _ => return None,
        }
    }
    (!parts.is_empty() && toks.len() % 2 == 1).then(|| parts.join("."))
}

/// A module-level statement that may assign names: `name = other` is an alias, `name = call(...)`
/// may be a mark or a fixture; other values and other targets are nothing a chase follows.
fn assignment_links(toks: &[Tok], marks: bool, out: &mut ModuleLinks) {
    let Some(last) = assignment(toks) else {
        return;
    };
    let value = &toks[last + 1..];
    // Every target of `a = b = value` (an annotated `a: T = value` too).
    let mut targets = Vec::new();
    let mut start = 0;
    for (i, t) in toks[..last + 1].iter().enumerate() {
        if *t == Tok::Op(b'=') && assignment(&toks[..i + 1]) == Some(i) {
            let target = &toks[start..i];
            let name = match target {
                [Tok::Name(n)] => Some(*n),
                [Tok::Name(n), Tok::Op(b':'), ..] => Some(*n),
                _ => None,
            };
            targets.extend(name.map(|n| String::from_utf8_lossy(n).into_owned()));
            start = i + 1;
        }
    }
    let link = match value {
        [Tok::Name(b"None" | b"True" | b"False")] => return,
        [Tok::Name(other)] => NameLink::Alias(String::from_utf8_lossy(other).into_owned()),
        _ if marks && value.contains(&Tok::Op(b'(')) => NameLink::Hot,
        _ => return,
    };
    for target in targets {
        out.names.push((target, link.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(module: &str) -> ImportTarget {
        ImportTarget {
            level: 0,
            module: module.to_string(),
        }
    }

    #[test]
    fn module_level_names_are_linked() {
        let l = links(
            b"import unittest\nimport a.b\nimport a.b as c\nfrom x import y as z, w\nfrom s import *\n\
              try:\n    from q import r\nexcept ImportError:\n    r = None\n\
              @pytest.fixture\ndef fx():\n    x = 1\n    import inner\ndef plain():\n    pass\n\
              class K(base.Base, Generic[T], metaclass=M):\n    attr = make()\n\
              class E(Exception): pass\n\
              alias = other\nmark = pytest.mark.x(1)\nvalue = [1]\nn: int = other2\n",
        )
        .unwrap();
        assert_eq!(
            l.names,
            [
                ("unittest".to_string(), NameLink::Module(target("unittest"))),
                ("a".to_string(), NameLink::Module(target("a"))),
                ("c".to_string(), NameLink::Module(target("a.b"))),
                (
                    "z".to_string(),
                    NameLink::From(target("x"), "y".to_string())
                ),
                (
                    "w".to_string(),
                    NameLink::From(target("x"), "w".to_string())
                ),
                (
                    "r".to_string(),
                    NameLink::From(target("q"), "r".to_string())
                ),
                ("fx".to_string(), NameLink::Hot),
                ("K".to_string(), NameLink::Class(0)),
                ("E".to_string(), NameLink::Class(1)),
                ("alias".to_string(), NameLink::Alias("other".to_string())),
                ("mark".to_string(), NameLink::Hot),
                ("n".to_string(), NameLink::Alias("other2".to_string())),
            ]
        );
        assert_eq!(l.stars, [target("s")]);
        assert_eq!(
            l.classes,
            [
                (true, vec!["base.Base".to_string()]),
                (true, vec!["Exception".to_string()])
            ]
        );
    }

    #[test]
    fn what_it_cannot_follow_gives_up() {
        assert_eq!(links(b"if x: y = 1\n"), None);
        assert_eq!(links(b"match x:\n    case 1:\n        pass\n"), None);
        assert_eq!(links(b"def f():\n\treturn 1\n"), None);
        assert_eq!(links(b"x = '\xff'\n"), None);
    }
}
