//! Parsing: tree-sitter-python turns one file's bytes into [`FileFacts`]; the tree is dropped
//! before this module returns, so later stages hold only compact facts.

mod extract;
pub mod facts;
mod marks;
mod names;
pub mod outline;
pub mod outline_links;
mod skeleton;

pub use facts::*;

use tree_sitter::{Node, Parser};

/// What a parse needs to know about the run that is not in the file.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// The Python version `sys.version_info` checks are decided against.
    pub target_version: (u32, u32),
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            target_version: (3, 11),
        }
    }
}

/// Why a file yielded no facts at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    /// Not UTF-8 (or binary): pytest could not import it either.
    NotUtf8 { line: usize },
    /// Larger than the spans of its facts can address ([`Span::MAX_FILE_BYTES`]).
    TooLarge,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses `bytes` (a whole `.py` file) into facts. Spans are byte offsets into `bytes`.
pub fn parse_source(bytes: &[u8], options: ParseOptions) -> Result<FileFacts, ParseFailure> {
    parse_whole(bytes, options, false)
}

/// The facts of a test module, parsed without the bodies of its functions where they cannot
/// hold a fact (see [`skeleton::omit_bodies`]): the same facts as [`parse_source`], spans
/// included, for a fraction of the parse (function bodies are most of a test module's bytes).
/// The one difference: a syntax error inside an omitted body is not seen (`syntax_error`
/// covers what was parsed).
pub fn parse_test_module(bytes: &[u8], options: ParseOptions) -> Result<FileFacts, ParseFailure> {
    parse_whole(bytes, options, true)
}

/// The facts [`parse_source`] finds in `bytes`, from `tree`: a tree-sitter-python tree of
/// all of `bytes` after any BOM, parsed without an old tree (as the re-parse check of an edit
/// parses). Saves the parse when the tree is at hand.
pub fn facts_of_tree(
    bytes: &[u8],
    tree: &tree_sitter::Tree,
    options: ParseOptions,
) -> Result<FileFacts, ParseFailure> {
    let offset = check_text(bytes)?;
    let mut facts = extract::extract(tree.root_node(), &bytes[offset..], options, offset, &[]);
    facts.has_bom = offset > 0;
    Ok(facts)
}

/// The length of the BOM `bytes` start with (0 without one), or why they are not Python
/// text.
fn check_text(bytes: &[u8]) -> Result<usize, ParseFailure> {
    if bytes.len() > Span::MAX_FILE_BYTES {
        return Err(ParseFailure::TooLarge);
    }
    if bytes.contains(&0) {
        return Err(ParseFailure::NotUtf8 { line: 1 });
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        return Err(ParseFailure::NotUtf8 { line });
    }
    Ok(if bytes.starts_with(BOM) { BOM.len() } else { 0 })
}

/// A syntax tree of a test module, the text it was parsed from (see [`tree_with_bodies`]) and
/// the stretches of that text the parse left out or saw otherwise than the file holds them.
pub struct KeptTree {
    pub tree: tree_sitter::Tree,
    pub text: Vec<u8>,
    /// Byte ranges of `text` (after any BOM) where the tree does not describe the file: each
    /// left-out body, from its stand-in `0` to its end.
    pub unparsed: Vec<std::ops::Range<usize>>,
}

/// [`parse_test_module`], also parsing the function bodies `also_keep` wants, and the tree
/// with the text it was parsed from (as [`tree_with_bodies`] gives them, with those bodies
/// and the bodies that hold facts), for a planner to look in. The facts are those of
/// [`parse_test_module`]: a body without facts adds none when the parse finds no syntax error
/// (`tests/skeleton_corpus.rs` checks that for every body at once); with one, the facts are
/// parsed again without the extra bodies, and no tree is returned.
pub fn parse_test_module_keeping(
    bytes: &[u8],
    options: ParseOptions,
    also_keep: impl Fn(&[u8]) -> bool,
) -> Result<(FileFacts, Option<KeptTree>), ParseFailure> {
    let offset = check_text(bytes)?;
    let src = &bytes[offset..];
    let (tree, text, ends) =
        match skeleton::omit_bodies(src, |body| body_holds_facts(body) || also_keep(body)) {
            Some(omitted) => (
                parse_tree(&omitted.text, &omitted.ends),
                omitted.text,
                omitted.ends,
            ),
            None => (parse_tree(src, &[]), src.to_vec(), Vec::new()),
        };
    let mut facts = extract::extract(tree.root_node(), &text, options, offset, &ends);
    if facts.syntax_error.is_some() {
        return Ok((parse_test_module(bytes, options)?, None));
    }
    facts.has_bom = offset > 0;
    let unparsed = ends
        .iter()
        .map(|&(stand_in_end, body_end)| stand_in_end - 1..body_end)
        .collect();
    Ok((
        facts,
        Some(KeptTree {
            tree,
            text,
            unparsed,
        }),
    ))
}

fn parse_whole(
    bytes: &[u8],
    options: ParseOptions,
    omit_bodies: bool,
) -> Result<FileFacts, ParseFailure> {
    let offset = check_text(bytes)?;
    let has_bom = offset > 0;
    // Parse what follows the BOM; `extract` adds `offset` back so every span is a byte offset
    // into the file as read.
    let src = &bytes[offset..];
    let omitted = if omit_bodies {
        skeleton::omit_bodies(src, body_holds_facts)
    } else {
        None
    };
    let (text, ends) = match &omitted {
        Some(b) => (&b.text[..], &b.ends[..]),
        None => (src, &[][..]),
    };
    let tree = parse_tree(text, ends);
    let mut facts = extract::extract(tree.root_node(), text, options, offset, ends);
    facts.has_bom = has_bom;
    Ok(facts)
}

/// Syntax trees this process made for facts or planners ([`file_parses`]).
static FILE_PARSES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many files (or texts) this process has parsed with tree-sitter for their facts or a
/// planner's tree: the tests hold the caches to parsing each file once.
pub fn file_parses() -> usize {
    FILE_PARSES.load(std::sync::atomic::Ordering::Relaxed)
}

/// The tree of `text`, parsed outside the omitted bodies `ends` (none: all of it).
fn parse_tree(text: &[u8], ends: &[(usize, usize)]) -> tree_sitter::Tree {
    FILE_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter runtime");
    if !ends.is_empty() {
        parser
            .set_included_ranges(&included_ranges(text, ends))
            .expect("omitted bodies are ordered and do not overlap");
    }
    parser
        .parse(text, None)
        .expect("parsing without a timeout or cancellation flag always yields a tree")
}

/// A syntax tree of `src` (a file's text after any BOM) without the bodies of the functions
/// `keep` does not want (see [`skeleton::omit_bodies`]; each stands as the statement `0`), and
/// the text it was parsed from: `src` but for those stand-ins. Every parsed node has its
/// offsets in `src`. For the planners, which look in a few function bodies only.
pub fn tree_with_bodies(src: &[u8], keep: impl Fn(&[u8]) -> bool) -> (tree_sitter::Tree, Vec<u8>) {
    match skeleton::omit_bodies(src, keep) {
        Some(omitted) => (parse_tree(&omitted.text, &omitted.ends), omitted.text),
        None => (parse_tree(src, &[]), src.to_vec()),
    }
}

/// How many function bodies [`parse_test_module`] leaves out of the parse of `bytes`.
pub fn omitted_bodies(bytes: &[u8]) -> usize {
    let offset = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    skeleton::omit_bodies(&bytes[offset..], body_holds_facts).map_or(0, |o| o.ends.len())
}

/// The ranges of `text` outside the omitted bodies (`ends`: where each stand-in ends, where
/// its body ended).
fn included_ranges(text: &[u8], ends: &[(usize, usize)]) -> Vec<tree_sitter::Range> {
    let mut row = 0;
    let mut row_start = 0;
    let mut counted = 0;
    let mut point = |byte: usize| {
        for i in memchr::memchr_iter(b'\n', &text[counted..byte]) {
            row += 1;
            row_start = counted + i + 1;
        }
        counted = byte;
        tree_sitter::Point::new(row, byte - row_start)
    };
    let mut ranges = Vec::with_capacity(ends.len() + 1);
    let mut start = (0, point(0));
    for &(stand_in_end, body_end) in ends {
        ranges.push(tree_sitter::Range {
            start_byte: start.0,
            end_byte: stand_in_end,
            start_point: start.1,
            end_point: point(stand_in_end),
        });
        start = (body_end, point(body_end));
    }
    ranges.push(tree_sitter::Range {
        start_byte: start.0,
        end_byte: text.len(),
        start_point: start.1,
        end_point: point(text.len()),
    });
    ranges
}

/// The `request` methods that look a fixture up by name at run time: `getfixturevalue`, and
/// `getfuncargvalue`, its name before pytest 4 (still found in old suites).
pub const DYNAMIC_LOOKUPS: [&[u8]; 2] = [b"getfixturevalue", b"getfuncargvalue"];

/// The values of a test's own direct `parametrize` marks that its body passes to
/// `getfixturevalue(argname)`: each string a fixture name it looks up, one per parametrized
/// instance (`@parametrize("name", ["float_frame", "int_frame"])` with
/// `request.getfixturevalue(name)`).
pub fn parametrized_lookups(func: &FunctionDef) -> impl Iterator<Item = &Located> {
    func.dynamic_lookups
        .iter()
        .filter_map(|lookup| lookup_values(func, lookup))
        .flatten()
}

/// The string values of the direct `parametrize` argument a computed `getfixturevalue`
/// argument of `func` names, when it names one and every value is a string literal.
pub fn lookup_values<'f>(func: &'f FunctionDef, lookup: &Located) -> Option<&'f Vec<Located>> {
    if lookup.text.is_empty() {
        return None;
    }
    func.marks.iter().find_map(|mark| {
        let Mark::Parametrize {
            argnames,
            indirect,
            values,
        } = mark
        else {
            return None;
        };
        let at = argnames.iter().position(|a| a.text == lookup.text)?;
        let direct = match indirect {
            Indirect::None => true,
            Indirect::All => false,
            Indirect::Some(list) => !list.iter().any(|i| i.text == lookup.text),
        };
        direct.then(|| values.get(at)?.as_ref()).flatten()
    })
}

/// Whether `bytes` may hold a call of one of [`DYNAMIC_LOOKUPS`].
pub fn mentions_dynamic_lookup(bytes: &[u8]) -> bool {
    DYNAMIC_LOOKUPS
        .iter()
        .any(|m| memchr::memmem::find(bytes, m).is_some())
}

/// Whether a function body holds something `extract` reads off bodies: `getfixturevalue` calls,
/// `global` statements and what a `pytest_generate_tests` hook does with `metafunc`.
fn body_holds_facts(body: &[u8]) -> bool {
    mentions_dynamic_lookup(body)
        || memchr::memmem::find(body, b"global").is_some()
        || memchr::memmem::find(body, b"metafunc").is_some()
}

/// The facts of `bytes` with every function body left out (see [`skeleton`]): the same
/// module- and class-level bindings, imports and class bases as [`parse_source`], for a
/// fraction of the work. `None` when the skeleton cannot be made or does not parse cleanly
/// (the caller then needs the full parse). Never a substitute for the full facts: function
/// facts, lines and spans are those of the skeleton.
pub fn parse_skeleton(bytes: &[u8], options: ParseOptions) -> Option<FileFacts> {
    let offset = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let stripped = skeleton::strip_bodies(&bytes[offset..])?;
    let facts = parse_source(&stripped, options).ok()?;
    facts.syntax_error.is_none().then_some(facts)
}

/// The source text of a node (the buffer is known to be UTF-8).
pub(crate) fn text<'a>(node: Node, src: &'a [u8]) -> &'a str {
    std::str::from_utf8(&src[node.byte_range()]).unwrap_or("")
}

/// The value of a plain string literal (no f-string, no bytes, no implicit concatenation with
/// non-literals), and the span of its contents.
pub(crate) fn string_literal(node: Node, src: &[u8]) -> Option<(String, usize)> {
    if node.kind() == "concatenated_string" {
        // "a, " "b": the value is the concatenation; the span starts at the first part (edits
        // to such strings go through `Located` pieces only when they fit in one part).
        let mut cursor = node.walk();
        let mut value = String::new();
        let mut start = None;
        for part in node.named_children(&mut cursor) {
            let (v, s) = string_literal(part, src)?;
            start.get_or_insert(s);
            value.push_str(&v);
        }
        return Some((value, start?));
    }
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut value = String::new();
    let mut content_start = None;
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" => {
                let prefix = text(child, src).to_ascii_lowercase();
                if prefix.contains('f') || prefix.contains('b') {
                    return None;
                }
                content_start = Some(child.end_byte());
            }
            "string_content" => value.push_str(text(child, src)),
            "interpolation" => return None,
            _ => {}
        }
    }
    if value.contains('\\') {
        return None;
    }
    Some((value, content_start?))
}

#[cfg(test)]
mod hook_tests;
#[cfg(test)]
mod tests;
