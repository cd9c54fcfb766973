//! Unit tests of the edit stage's pieces; `tests/edit_safety.rs` covers the whole stage.

use std::path::Path;

use super::*;

#[test]
fn line_column_counts_characters_and_skips_the_bom() {
    let text = "\u{feff}ab\r\nh\u{e9}llo\nx".as_bytes();
    assert_eq!(line_column(text, 0), (1, 1));
    assert_eq!(line_column(text, 3), (1, 1));
    assert_eq!(line_column(text, 4), (1, 2));
    assert_eq!(line_column(text, 7), (2, 1));
    // After "hé": two characters, three bytes.
    assert_eq!(line_column(text, 10), (2, 3));
    assert_eq!(line_column(text, text.len()), (3, 2));
    assert_eq!(line_column(b"", 0), (1, 1));
}

#[test]
fn relative_paths_use_slashes() {
    let root = Path::new("/r");
    assert_eq!(relative(root, Path::new("/r/a/b.py")), "a/b.py");
    assert_eq!(
        relative(root, Path::new("/elsewhere/x.py")),
        "/elsewhere/x.py"
    );
}

#[test]
fn plural_forms() {
    assert_eq!(plural(1, "file", "files"), "1 file");
    assert_eq!(plural(0, "file", "files"), "0 files");
    assert_eq!(plural(2, "edit", "edits"), "2 edits");
}

#[test]
fn syntax_errors_are_found_with_a_bom_and_crlf() {
    assert!(syntax::syntax_errors(b"\xEF\xBB\xBFx = 1\r\ndef f():\r\n    pass\r\n").is_empty());
    let errs = syntax::syntax_errors(b"x = 1\ndef f(:\n    pass\n");
    assert!(!errs.is_empty());
    let errs = syntax::syntax_errors(b"x = (1\n");
    assert!(!errs.is_empty(), "a MISSING node counts");
    assert!(syntax::is_python(Path::new("a/conftest.py")));
    assert!(syntax::is_python(Path::new("stubs.pyi")));
    assert!(!syntax::is_python(Path::new("pytest.ini")));
}

#[test]
fn write_error_message_says_what_happened() {
    let e = EditError::Write {
        path: "c.py".into(),
        source: std::io::Error::other("disk full"),
        restored: vec!["a.py".into()],
        unrestored: vec![],
    };
    assert_eq!(
        e.to_string(),
        "could not write c.py: disk full. Nothing was changed on disk: the 1 file already \
         written (a.py) was restored; fix the cause and re-run fixmig"
    );
    let e = EditError::Write {
        path: "c.py".into(),
        source: std::io::Error::other("disk full"),
        restored: vec![],
        unrestored: vec![
            Unrestored {
                path: "a.py".into(),
                error: "gone".into(),
                saved_to: Some("/tmp/fixmig-original-x".into()),
                created: false,
            },
            Unrestored {
                path: "n.py".into(),
                error: "busy".into(),
                saved_to: None,
                created: true,
            },
        ],
    };
    let msg = e.to_string();
    assert!(msg.contains("COULD NOT RESTORE a.py (gone): its original content is saved in /tmp/fixmig-original-x"), "{msg}");
    assert!(
        msg.contains("COULD NOT REMOVE the new file n.py (busy)"),
        "{msg}"
    );
}

#[test]
fn edits_map_back_to_original_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.txt");
    std::fs::write(&path, b"aaa bbb ccc ddd\n").unwrap();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    // Rule 1 grows the text before "ccc" and deletes "bbb ".
    ov.apply(
        1,
        vec![
            Edit::replace(&path, 0, 3, "AAAAAA", 1),
            Edit::delete(&path, 4, 8, 1),
        ],
    )
    .unwrap();
    assert_eq!(ov.current(&path).unwrap(), b"AAAAAA ccc ddd\n");
    // Rule 2 edits "ddd" (current 11..14 = original 12..15) and inserts where "bbb " was.
    ov.apply(
        2,
        vec![
            Edit::replace(&path, 11, 14, "D", 2),
            Edit::insert(&path, 7, "+", 2),
        ],
    )
    .unwrap();
    let changes = ov.changes();
    type Span<'a> = (usize, usize, usize, &'a [u8], &'a [u8]);
    let spans: Vec<Span> = changes[0]
        .edits
        .iter()
        .map(|e| (e.rule, e.start, e.end, e.old.as_slice(), e.new.as_slice()))
        .collect();
    assert_eq!(
        spans,
        vec![
            (1, 0, 3, &b"aaa"[..], &b"AAAAAA"[..]),
            (1, 4, 8, &b"bbb "[..], &b""[..]),
            (2, 8, 8, &b""[..], &b"+"[..]),
            (2, 12, 15, &b"ddd"[..], &b"D"[..]),
        ]
    );
    assert!(changes[0].edits.iter().all(|e| e.in_original));
    assert_eq!(changes[0].new, b"AAAAAA +ccc D\n");
    let e = &changes[0].edits[3];
    assert_eq!(
        (e.start_line, e.start_column, e.end_line, e.end_column),
        (1, 13, 1, 16)
    );
}

#[test]
fn deletion_then_insertion_at_the_same_point_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.txt");
    std::fs::write(&path, b"keep DROP keep\n").unwrap();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.apply(1, vec![Edit::delete(&path, 5, 10, 1)]).unwrap();
    ov.apply(2, vec![Edit::insert(&path, 5, "NEW ", 2)])
        .unwrap();
    assert_eq!(ov.current(&path).unwrap(), b"keep NEW keep\n");
    // A later edit across the deletion point collides.
    let err = ov
        .apply(3, vec![Edit::replace(&path, 3, 6, "x", 3)])
        .unwrap_err();
    assert!(
        matches!(
            err,
            EditError::Overlap {
                rule: 3,
                other_rule: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let c = &ov.changes()[0];
    assert_eq!((c.edits[0].start, c.edits[0].end), (5, 10));
    assert_eq!((c.edits[1].start, c.edits[1].end), (10, 10));
}

#[test]
fn hunk_ranges_follow_the_unified_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.txt");
    std::fs::write(&path, b"").unwrap();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.apply(1, vec![Edit::insert(&path, 0, "one\n", 1)])
        .unwrap();
    assert_eq!(
        unified_diff(&ov.changes(), false),
        "--- a/m.txt\n+++ b/m.txt\n@@ -0,0 +1 @@\n+one\n"
    );
}

/// The re-parse check from a rename's kept tree (bodies left out where they hold neither a
/// fact nor the name): `edits` (old range, new text) applied to `old`, checked incrementally
/// and from scratch. Debug builds also hold the two trees to each other node by node
/// (`syntax_errors_seen`).
fn incremental_and_fresh(
    old: &[u8],
    edits: &[(std::ops::Range<usize>, &str)],
) -> [Vec<std::ops::Range<usize>>; 2] {
    let (_, kept) = crate::parse::parse_test_module_keeping(
        old,
        crate::parse::ParseOptions::default(),
        |body| memchr::memmem::find(body, b"frame").is_some(),
    )
    .expect("parses");
    let kept = kept.expect("a tree is kept");
    assert!(!kept.unparsed.is_empty(), "the test wants bodies left out");
    let mut new = Vec::new();
    let mut last = 0;
    for (range, text) in edits {
        new.extend_from_slice(&old[last..range.start]);
        new.extend_from_slice(text.as_bytes());
        last = range.end;
    }
    new.extend_from_slice(&old[last..]);
    let incremental = syntax::Incremental {
        base: syntax::BaseTree {
            tree: kept.tree,
            unparsed: kept.unparsed,
        },
        old,
        edits: edits
            .iter()
            .map(|(range, text)| (range.clone(), text.len()))
            .collect(),
    };
    [
        syntax::syntax_errors_seen(&new, Some(incremental), |_| {}),
        syntax::syntax_errors(&new),
    ]
}

#[test]
fn the_incremental_re_parse_check_finds_what_a_parse_from_scratch_finds() {
    let module = "import pytest\r\n\r\n@pytest.fixture\r\ndef frame():\r\n    return 1\r\n\r\n\
def test_left_out(x):\r\n    y = x\r\n    z = [1, 2,\r\n        3]\r\n    assert y == z\r\n\r\n\
class TestIt:\r\n    def test_kept(self, frame):\r\n        assert frame\r\n\r\n\
    def test_also_left_out(self):\r\n        y = {'a': (1,\r\n 2)}\r\n        z = '''\r\n\
  def f():\r\n'''\r\n        assert y, z\r\n\r\n\
def test_last(frame, other):\r\n    return frame + other\r\n";
    for with_bom in [false, true] {
        let old = match with_bom {
            true => [BOM, module.as_bytes()].concat(),
            false => module.as_bytes().to_vec(),
        };
        let at = |needle: &str, nth: usize| {
            let found: Vec<usize> = memchr::memmem::find_iter(&old, needle.as_bytes()).collect();
            found[nth]..found[nth] + needle.len()
        };
        // A rename of `frame` everywhere: no error either way.
        let renames: Vec<_> = (0..5).map(|i| (at("frame", i), "frame_v2")).collect();
        let [incremental, fresh] = incremental_and_fresh(&old, &renames);
        assert!(fresh.is_empty());
        assert_eq!(incremental, fresh);
        // An edit that breaks the syntax of a kept body, and one in a line left alone.
        for broken in [
            vec![(at("assert frame", 0), "assert (frame")],
            vec![(at("return frame + other", 0), "return frame +")],
            vec![(at("def test_last", 0), "def test last")],
            vec![(at("import pytest", 0), "import pytest\r\n'''")],
        ] {
            let [incremental, fresh] = incremental_and_fresh(&old, &broken);
            assert!(!fresh.is_empty(), "{broken:?} breaks the module");
            assert_eq!(incremental, fresh, "{broken:?}");
        }
    }
}
