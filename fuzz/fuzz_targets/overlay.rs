//! The edit overlay: random edits by several rules on arbitrary bytes either apply — giving
//! exactly the spliced bytes, and a Python file that parsed cleanly still parses cleanly — or
//! are refused, leaving the file as it was. The diff of the result is rendered too.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fixmig::edit::{unified_diff_bytes, Edit, Overlay};
use libfuzzer_sys::fuzz_target;

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
    fn u16(&mut self) -> Option<usize> {
        Some(usize::from(self.byte()?) << 8 | usize::from(self.byte()?))
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Whether tree-sitter parses `bytes` without an error (a leading BOM skipped, as fixmig does).
fn clean(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .unwrap();
    parser
        .parse(bytes, None)
        .is_some_and(|t| !t.root_node().has_error())
}

/// The edits spliced into `bytes`, when they are sorted, disjoint, and no two insert at one
/// point (the cases with one obvious answer).
fn spliced(bytes: &[u8], edits: &[(usize, usize, String)]) -> Option<Vec<u8>> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.0, e.1));
    for w in sorted.windows(2) {
        if w[1].0 < w[0].1 || w[1].0 == w[0].0 {
            return None;
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e, c) in &sorted {
        if *s < at || *e > bytes.len() || s > e {
            return None;
        }
        out.extend_from_slice(&bytes[at..*s]);
        out.extend_from_slice(c.as_bytes());
        at = *e;
    }
    out.extend_from_slice(&bytes[at..]);
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let Some(flags) = input.byte() else { return };
    let Some(len) = input.u16() else { return };
    let original = input.bytes(len).to_vec();
    let name = if flags & 1 == 0 { "t.py" } else { "t.txt" };
    let path: PathBuf = dir().join(name);
    std::fs::write(&path, &original).unwrap();
    let mut overlay = Overlay::new(dir().to_path_buf());
    let mut rule = 0;
    while let Some(count) = input.byte() {
        rule += 1;
        let before = overlay.read(Path::new(name)).unwrap().to_vec();
        let mut edits = Vec::new();
        let mut model = Vec::new();
        for _ in 0..(count % 4 + 1) {
            let (Some(start), Some(span), Some(clen)) = (input.u16(), input.byte(), input.byte())
            else {
                break;
            };
            let start = start % (before.len() + 2);
            let end = start + usize::from(span % 16);
            let content = String::from_utf8_lossy(input.bytes(usize::from(clen % 32))).into_owned();
            model.push((start, end, content.clone()));
            edits.push(Edit::replace(path.clone(), start, end, content, rule));
        }
        match overlay.apply(rule, edits) {
            Ok(()) => {
                let now = overlay.read(Path::new(name)).unwrap().to_vec();
                if let Some(expected) = spliced(&before, &model) {
                    assert_eq!(now, expected, "rule {rule} applied something else");
                }
                if name == "t.py" && clean(&before) {
                    assert!(clean(&now), "rule {rule} left a syntax error");
                }
            }
            Err(_) => {
                let now = overlay.read(Path::new(name)).unwrap();
                assert_eq!(now, before.as_slice(), "a refused rule changed the file");
            }
        }
    }
    let _ = unified_diff_bytes(&overlay.changes(), false);
});
