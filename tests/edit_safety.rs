//! The edit stage never loses a byte: untouched bytes survive exactly, colliding or
//! syntax-breaking rules are refused without changing anything, stale files stop every write,
//! writes are atomic and keep permissions, a failed write is rolled back, and the unified diff
//! applies with real `git apply` and `patch -p1` to give exactly the new bytes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fixmig::edit::{
    edits_json, summary, unified_diff, unified_diff_bytes, write_all, Edit, EditError, FileChange,
    Overlay,
};

// ---------------------------------------------------------------------------------------------
// helpers

fn tmpdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("fixmig-edit-")
        .tempdir()
        .unwrap()
}

fn write(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    p
}

fn find(hay: &[u8], needle: &str) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or_else(|| panic!("{needle:?} not found"))
}

/// An edit replacing the first occurrence of `old` in the overlay's current `rel`.
fn replace(ov: &mut Overlay, rel: &str, old: &str, new: &str, rule: usize) -> Edit {
    let cur = ov.read(Path::new(rel)).unwrap().to_vec();
    let at = find(&cur, old);
    Edit::replace(ov.rootdir().join(rel), at, at + old.len(), new, rule)
}

/// Every file under `dir` (relative, sorted), `.git` excluded.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".git" {
                continue;
            }
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &p, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Copies the original of every change into a fresh directory.
fn originals_in(changes: &[FileChange], extra: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tmpdir();
    for c in changes {
        if let Some(o) = &c.original {
            write(dir.path(), &c.rel, o);
        }
    }
    for (rel, bytes) in extra {
        write(dir.path(), rel, bytes);
    }
    dir
}

fn run(dir: &Path, program: &str, args: &[&str], patch: &Path) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .arg(patch)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Applies the diff of `changes` with `git apply` and with `patch -p1` (each first with
/// `--check` / `--dry-run`) to copies of the originals, and asserts each gives exactly the new
/// bytes and nothing else (no `.orig`/`.rej` files, untouched files untouched).
fn assert_diff_applies(changes: &[FileChange]) {
    let diff = unified_diff_bytes(changes, false);
    let untouched: &[(&str, &[u8])] = &[("zz_untouched.txt", b"stay\r\nas is\n")];
    let tools: [(&str, &[&str], &[&str]); 2] = [
        (
            "git",
            &["apply", "--check", "--whitespace=nowarn"],
            &["apply", "--whitespace=nowarn"],
        ),
        (
            "patch",
            &["-p1", "--dry-run", "--batch", "-i"],
            &["-p1", "--batch", "--no-backup-if-mismatch", "-i"],
        ),
    ];
    for (tool, check, apply) in tools {
        let dir = originals_in(changes, untouched);
        let patch_dir = tmpdir();
        let patch = patch_dir.path().join("fix.patch");
        fs::write(&patch, &diff).unwrap();
        if tool == "git" {
            let (ok, out) = run(dir.path(), "git", &["init", "-q"], Path::new("."));
            assert!(ok, "git init: {out}");
        }
        let before = listing(dir.path());
        let (ok, out) = run(dir.path(), tool, check, &patch);
        assert!(
            ok,
            "{tool} {check:?} rejects the diff: {out}\n{}",
            String::from_utf8_lossy(&diff)
        );
        assert_eq!(listing(dir.path()), before, "{tool} --check changed files");
        let (ok, out) = run(dir.path(), tool, apply, &patch);
        assert!(
            ok,
            "{tool} cannot apply the diff: {out}\n{}",
            String::from_utf8_lossy(&diff)
        );
        for c in changes {
            if c.deleted {
                assert!(
                    !dir.path().join(&c.rel).exists(),
                    "{tool}: {} still exists after apply",
                    c.rel
                );
                continue;
            }
            let got = fs::read(dir.path().join(&c.rel))
                .unwrap_or_else(|e| panic!("{tool}: {} missing after apply: {e}", c.rel));
            assert!(
                got == c.new,
                "{tool}: {} differs after apply:\n got {:?}\nwant {:?}\ndiff:\n{}",
                c.rel,
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&c.new),
                String::from_utf8_lossy(&diff)
            );
        }
        for (rel, bytes) in untouched {
            assert_eq!(fs::read(dir.path().join(rel)).unwrap(), *bytes);
        }
        let mut expected = before.clone();
        for c in changes {
            if c.created() {
                let mut parts: Vec<&str> = c.rel.split('/').collect();
                parts.pop();
                let mut acc = String::new();
                for p in parts {
                    acc.push_str(p);
                    acc.push('/');
                    expected.push(acc.clone());
                }
                expected.push(c.rel.clone());
            }
        }
        expected.retain(|p| !changes.iter().any(|c| c.deleted && c.rel == *p));
        // Both tools remove a directory that a deletion leaves empty.
        let all = expected.clone();
        expected.retain(|p| !p.ends_with('/') || all.iter().any(|q| q != p && q.starts_with(p)));
        expected.sort();
        expected.dedup();
        assert_eq!(
            listing(dir.path()),
            expected,
            "{tool} left extra files behind"
        );
    }
}

/// Applies the JSON edits of each change to its original: edits in original coordinates back
/// to front, the others (inside created files) in order.
fn replay_json(changes: &[FileChange]) {
    let json = edits_json(changes);
    for (c, f) in changes.iter().zip(json["files"].as_array().unwrap()) {
        assert_eq!(f["path"], c.rel.as_str());
        assert_eq!(f["created"], c.created());
        let edits = f["edits"].as_array().unwrap();
        let mut bytes = c.original.clone().unwrap_or_default();
        let (orig, seq): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
            edits.iter().partition(|e| e["in_original"] == true);
        let mut prev_end = 0;
        for e in &orig {
            let (s, en) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            assert!(s >= prev_end, "original-coordinate edits overlap: {f}");
            prev_end = en;
            assert_eq!(
                String::from_utf8_lossy(&bytes[s..en]),
                e["old"].as_str().unwrap()
            );
        }
        for e in orig.iter().rev() {
            let (s, en) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            bytes.splice(s..en, e["new"].as_str().unwrap().bytes());
        }
        for e in seq {
            let (s, en) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            bytes.splice(s..en, e["new"].as_str().unwrap().bytes());
        }
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&c.new),
            "JSON edits of {} do not reproduce the new content",
            c.rel
        );
    }
}

// ---------------------------------------------------------------------------------------------
// untouched bytes

const AWKWARD: &[u8] = b"\xEF\xBB\xBFimport os\r\n\
def f(\tx):  \r\n\
\treturn 'h\xC3\xA9llo w\xC3\xB6rld \xE6\x97\xA5\xE6\x9C\xAC'\t \n\
\n\
x = 1\rnot_a_line_end = 2\r\n\
old_name = 3   \n\
# last line, no newline \xF0\x9F\x98\x80";

#[test]
fn untouched_bytes_survive_exactly() {
    let dir = tmpdir();
    let path = write(dir.path(), "pkg/mod.py", AWKWARD);
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let e = replace(&mut ov, "pkg/mod.py", "old_name", "new_name", 1);
    ov.apply(1, vec![e]).unwrap();
    let at = find(AWKWARD, "old_name");
    let mut expected = AWKWARD[..at].to_vec();
    expected.extend_from_slice(b"new_name");
    expected.extend_from_slice(&AWKWARD[at + "old_name".len()..]);
    let changes = ov.changes();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].new, expected);
    assert_eq!(changes[0].original.as_deref(), Some(AWKWARD));
    assert_eq!(write_all(&changes).unwrap(), 1);
    assert_eq!(fs::read(&path).unwrap(), expected);
    assert_diff_applies(&changes);
    replay_json(&changes);
}

#[test]
fn non_utf8_bytes_elsewhere_survive() {
    let dir = tmpdir();
    let original: &[u8] = b"# -*- coding: latin-1 -*-\nname = 'caf\xE9'\r\nold = 1\n";
    let path = write(dir.path(), "latin.py", original);
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let e = replace(&mut ov, "latin.py", "old", "new", 1);
    ov.apply(1, vec![e]).unwrap();
    let changes = ov.changes();
    let expected: &[u8] = b"# -*- coding: latin-1 -*-\nname = 'caf\xE9'\r\nnew = 1\n";
    assert_eq!(changes[0].new, expected);
    // The diff as bytes keeps the Latin-1 byte; applying it reproduces the file exactly.
    assert_diff_applies(&changes);
    write_all(&changes).unwrap();
    assert_eq!(fs::read(&path).unwrap(), expected);
}

// ---------------------------------------------------------------------------------------------
// overlaps

#[test]
fn overlap_between_rules_names_both_and_changes_nothing() {
    let dir = tmpdir();
    write(
        dir.path(),
        "conftest.py",
        b"def real_services():\n    return 1\n",
    );
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let e = replace(
        &mut ov,
        "conftest.py",
        "real_services",
        "real_services_fixture",
        1,
    );
    ov.apply(1, vec![e]).unwrap();
    let after_rule_1 = ov.current(Path::new("conftest.py")).unwrap().to_vec();
    // Rule 2 edits inside what rule 1 wrote.
    let e = replace(&mut ov, "conftest.py", "services_fix", "svc", 2);
    let err = ov.apply(2, vec![e]).unwrap_err();
    match &err {
        EditError::Overlap {
            path,
            rule,
            other_rule,
            line,
            column,
            ..
        } => {
            assert_eq!(path, "conftest.py");
            assert_eq!((*rule, *other_rule), (2, 1));
            assert_eq!((*line, *column), (1, 10));
        }
        other => panic!("expected Overlap, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("rule 2") && msg.contains("rule 1"), "{msg}");
    assert!(msg.contains("conftest.py:1:10"), "{msg}");
    assert_eq!(ov.current(Path::new("conftest.py")).unwrap(), after_rule_1);

    // An insertion strictly inside rule 1's text collides too; one right after it does not.
    let cur = ov.current(Path::new("conftest.py")).unwrap().to_vec();
    let start = find(&cur, "real_services_fixture");
    let inside = Edit::insert(dir.path().join("conftest.py"), start + 4, "X", 3);
    assert!(matches!(
        ov.apply(3, vec![inside]),
        Err(EditError::Overlap { other_rule: 1, .. })
    ));
    let after = Edit::insert(
        dir.path().join("conftest.py"),
        start + "real_services_fixture".len(),
        "_v2",
        3,
    );
    ov.apply(3, vec![after]).unwrap();
    let changes = ov.changes();
    assert_eq!(
        changes[0].new,
        b"def real_services_fixture_v2():\n    return 1\n"
    );
    replay_json(&changes);
    assert_diff_applies(&changes);
}

#[test]
fn overlap_within_one_rule_is_refused_atomically() {
    let dir = tmpdir();
    write(dir.path(), "a.py", b"x = 1\n");
    write(dir.path(), "b.py", b"abcdef = 2\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let a = dir.path().join("a.py");
    let b = dir.path().join("b.py");
    // The edit to a.py is fine, but the two edits to b.py overlap: nothing may be applied.
    let err = ov
        .apply(
            4,
            vec![
                Edit::replace(&a, 0, 1, "y", 4),
                Edit::replace(&b, 0, 4, "X", 4),
                Edit::replace(&b, 2, 6, "Y", 4),
            ],
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            EditError::Overlap {
                rule: 4,
                other_rule: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("rule 4 produced two overlapping edits in b.py"));
    assert!(ov.changes().is_empty());
    assert_eq!(ov.current(&a).unwrap(), b"x = 1\n");

    // Two insertions at one offset: their order would be arbitrary.
    let err = ov
        .apply(
            5,
            vec![Edit::insert(&a, 0, "p", 5), Edit::insert(&a, 0, "q", 5)],
        )
        .unwrap_err();
    assert!(matches!(
        err,
        EditError::Overlap {
            rule: 5,
            other_rule: 5,
            ..
        }
    ));
    // Exact duplicates are one edit; adjacent edits are fine.
    ov.apply(
        6,
        vec![
            Edit::replace(&a, 0, 1, "y", 6),
            Edit::replace(&a, 0, 1, "y", 6),
            Edit::insert(&a, 1, "z", 6),
            Edit::delete(&a, 1, 2, 6),
        ],
    )
    .unwrap();
    assert_eq!(ov.current(&a).unwrap(), b"yz= 1\n");
    assert_eq!(ov.changes()[0].edits.len(), 3);
}

#[test]
fn bad_ranges_are_refused() {
    let dir = tmpdir();
    let a = write(dir.path(), "a.py", "s = 'é'\n".as_bytes());
    let mut ov = Overlay::new(dir.path().to_path_buf());
    for (start, end) in [(3, 2), (0, 100), (6, 7)] {
        let err = ov
            .apply(1, vec![Edit::replace(&a, start, end, "x", 1)])
            .unwrap_err();
        assert!(matches!(err, EditError::Range { .. }), "{err:?}");
    }
    assert!(ov.changes().is_empty());
    // A file that does not exist is an Io error naming it.
    let err = ov
        .apply(
            1,
            vec![Edit::insert(dir.path().join("missing.py"), 0, "x", 1)],
        )
        .unwrap_err();
    assert!(matches!(err, EditError::Io { ref path, .. } if path == "missing.py"));
}

// ---------------------------------------------------------------------------------------------
// syntax check

#[test]
fn rule_introducing_a_syntax_error_is_refused_and_changes_nothing() {
    let dir = tmpdir();
    let src = b"import pytest\r\n\r\n@pytest.fixture\r\ndef db():\r\n    return 1\r\n";
    write(dir.path(), "tests/conftest.py", src);
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let other = write(dir.path(), "tests/other.py", b"y = 2\n");
    let e = replace(&mut ov, "tests/conftest.py", "db()", "db(:", 7);
    let err = ov
        .apply(7, vec![Edit::replace(&other, 0, 1, "z", 7), e])
        .unwrap_err();
    match &err {
        EditError::Syntax {
            path, line, rule, ..
        } => {
            assert_eq!(path, "tests/conftest.py");
            assert_eq!(*line, 4);
            assert_eq!(*rule, 7);
        }
        other => panic!("expected Syntax, got {other:?}"),
    }
    assert!(err.to_string().contains("tests/conftest.py at line 4"));
    assert!(ov.changes().is_empty(), "no file of the rule may change");
    assert_eq!(ov.current(Path::new("tests/conftest.py")).unwrap(), src);

    // Non-Python files are not parsed.
    let ini = write(dir.path(), "pytest.ini", b"[pytest]\n");
    ov.apply(8, vec![Edit::insert(&ini, 9, "def (:\n", 8)])
        .unwrap();
}

#[test]
fn file_already_broken_may_be_edited_without_more_errors() {
    let dir = tmpdir();
    write(dir.path(), "broken.py", b"def f(:\n    pass\n\nold = 1\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let e = replace(&mut ov, "broken.py", "old", "new", 1);
    ov.apply(1, vec![e]).unwrap();
    let e = replace(&mut ov, "broken.py", "1", "(1", 2);
    let err = ov.apply(2, vec![e]).unwrap_err();
    assert!(matches!(err, EditError::Syntax { rule: 2, .. }), "{err:?}");
    assert_eq!(
        ov.current(Path::new("broken.py")).unwrap(),
        b"def f(:\n    pass\n\nnew = 1\n"
    );
}

#[test]
fn created_files_are_checked_and_must_not_exist() {
    let dir = tmpdir();
    write(dir.path(), "tests/conftest.py", b"x = 1\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let err = ov
        .create(3, Path::new("tests/conftest.py"), b"y = 2\n".to_vec())
        .unwrap_err();
    assert!(matches!(err, EditError::Exists { rule: 3, ref path } if path == "tests/conftest.py"));
    assert!(err.to_string().contains("already exists"));
    let err = ov
        .create(3, Path::new("new/conftest.py"), b"def (:\n".to_vec())
        .unwrap_err();
    assert!(matches!(err, EditError::Syntax { .. }));
    assert!(!ov.exists(Path::new("new/conftest.py")));
    ov.create(3, Path::new("new/conftest.py"), b"y = 2\n".to_vec())
        .unwrap();
    assert!(ov.exists(Path::new("new/conftest.py")));
    assert_eq!(
        ov.current(Path::new("new/conftest.py")).unwrap(),
        b"y = 2\n"
    );
    let err = ov
        .create(4, Path::new("new/conftest.py"), Vec::new())
        .unwrap_err();
    assert!(matches!(err, EditError::Exists { .. }));
    // A later rule may edit anywhere in a file an earlier rule created.
    let e = replace(&mut ov, "new/conftest.py", "2", "3", 5);
    ov.apply(5, vec![e]).unwrap();
    let changes = ov.changes();
    assert_eq!(changes.len(), 1);
    assert!(changes[0].created());
    assert_eq!(changes[0].new, b"y = 3\n");
    replay_json(&changes);
    assert_diff_applies(&changes);
}

// ---------------------------------------------------------------------------------------------
// writing

fn two_file_overlay(dir: &Path) -> Overlay {
    write(dir, "a.py", b"a = 1\n");
    write(dir, "b.py", b"b = 1\n");
    let mut ov = Overlay::new(dir.to_path_buf());
    let ea = replace(&mut ov, "a.py", "1", "2", 1);
    let eb = replace(&mut ov, "b.py", "1", "2", 1);
    ov.apply(1, vec![ea, eb]).unwrap();
    ov
}

#[test]
fn stale_file_stops_every_write() {
    let dir = tmpdir();
    let ov = two_file_overlay(dir.path());
    let changes = ov.changes();
    // Someone edits b.py after fixmig read it: a.py (first in order) must not be written either.
    write(dir.path(), "b.py", b"b = 1  # edited meanwhile\n");
    let err = write_all(&changes).unwrap_err();
    assert!(
        matches!(err, EditError::Stale { ref path } if path == "b.py"),
        "{err:?}"
    );
    assert!(err.to_string().contains("b.py changed on disk"));
    assert_eq!(fs::read(dir.path().join("a.py")).unwrap(), b"a = 1\n");
    assert_eq!(
        fs::read(dir.path().join("b.py")).unwrap(),
        b"b = 1  # edited meanwhile\n"
    );

    // A deleted file is stale too.
    let dir = tmpdir();
    let ov = two_file_overlay(dir.path());
    fs::remove_file(dir.path().join("b.py")).unwrap();
    assert!(matches!(
        write_all(&ov.changes()),
        Err(EditError::Stale { .. })
    ));
    assert_eq!(fs::read(dir.path().join("a.py")).unwrap(), b"a = 1\n");

    // A file to create that appeared meanwhile is stale, and is left alone.
    let dir = tmpdir();
    let mut ov = two_file_overlay(dir.path());
    ov.create(2, Path::new("c/conftest.py"), b"c = 1\n".to_vec())
        .unwrap();
    write(dir.path(), "c/conftest.py", b"theirs\n");
    let err = write_all(&ov.changes()).unwrap_err();
    assert!(matches!(err, EditError::Stale { ref path } if path == "c/conftest.py"));
    assert_eq!(fs::read(dir.path().join("a.py")).unwrap(), b"a = 1\n");
    assert_eq!(
        fs::read(dir.path().join("c/conftest.py")).unwrap(),
        b"theirs\n"
    );
}

#[test]
fn permissions_survive_and_no_temp_files_remain() {
    let dir = tmpdir();
    let ov = two_file_overlay(dir.path());
    fs::set_permissions(dir.path().join("a.py"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(dir.path().join("b.py"), fs::Permissions::from_mode(0o600)).unwrap();
    let mut ov = ov;
    ov.create(2, Path::new("x/y/conftest.py"), b"z = 1\n".to_vec())
        .unwrap();
    let before = listing(dir.path());
    assert_eq!(write_all(&ov.changes()).unwrap(), 3);
    assert_eq!(mode(&dir.path().join("a.py")), 0o755);
    assert_eq!(mode(&dir.path().join("b.py")), 0o600);
    // New files: 0o644 less the umask, i.e. what a fresh file with 0o666 would get, masked.
    let other = tmpdir();
    let reference = write(other.path(), "umask-reference", b"");
    let expected_new = mode(&reference) & 0o644;
    assert_eq!(mode(&dir.path().join("x/y/conftest.py")), expected_new);
    assert_eq!(fs::read(dir.path().join("a.py")).unwrap(), b"a = 2\n");
    assert_eq!(
        fs::read(dir.path().join("x/y/conftest.py")).unwrap(),
        b"z = 1\n"
    );
    let mut expected = before;
    expected.extend(["x/".to_string(), "x/y/".into(), "x/y/conftest.py".into()]);
    expected.sort();
    assert_eq!(listing(dir.path()), expected, "temp files left behind");
}

#[test]
fn symlinks_stay_symlinks_and_aliases_are_refused() {
    let dir = tmpdir();
    write(dir.path(), "real.py", b"v = 1\n");
    std::os::unix::fs::symlink("real.py", dir.path().join("link.py")).unwrap();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let e = replace(&mut ov, "link.py", "1", "2", 1);
    ov.apply(1, vec![e]).unwrap();
    write_all(&ov.changes()).unwrap();
    assert!(fs::symlink_metadata(dir.path().join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(dir.path().join("real.py")).unwrap(), b"v = 2\n");

    // Both names edited separately: writing both would drop one side's edits.
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let e1 = replace(&mut ov, "link.py", "v", "w", 1);
    let e2 = replace(&mut ov, "real.py", "2", "3", 1);
    ov.apply(1, vec![e1, e2]).unwrap();
    let err = write_all(&ov.changes()).unwrap_err();
    assert!(matches!(err, EditError::Alias { .. }), "{err:?}");
    assert_eq!(fs::read(dir.path().join("real.py")).unwrap(), b"v = 2\n");
}

#[test]
fn failed_write_rolls_back_files_already_written() {
    let dir = tmpdir();
    let mut ov = two_file_overlay(dir.path());
    fs::set_permissions(dir.path().join("a.py"), fs::Permissions::from_mode(0o751)).unwrap();
    // `c` is a regular file, so `c/conftest.py` cannot be written — even as root. Every new
    // content is written to a temporary file before any file is replaced, so the failure comes
    // before a.py and b.py are touched (tests/write_faults.rs rolls back files already
    // replaced).
    write(dir.path(), "c", b"not a directory\n");
    ov.create(2, Path::new("c/conftest.py"), b"x = 1\n".to_vec())
        .unwrap();
    let changes = ov.changes();
    assert_eq!(
        changes.iter().map(|c| c.rel.as_str()).collect::<Vec<_>>(),
        ["a.py", "b.py", "c/conftest.py"]
    );
    let before = listing(dir.path());
    let err = write_all(&changes).unwrap_err();
    match &err {
        EditError::Write {
            path,
            restored,
            unrestored,
            ..
        } => {
            assert_eq!(path, "c/conftest.py");
            assert!(restored.is_empty(), "{restored:?}");
            assert!(unrestored.is_empty());
        }
        other => panic!("expected Write, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("could not write c/conftest.py"), "{msg}");
    assert!(msg.contains("Nothing was changed on disk"), "{msg}");
    assert_eq!(fs::read(dir.path().join("a.py")).unwrap(), b"a = 1\n");
    assert_eq!(fs::read(dir.path().join("b.py")).unwrap(), b"b = 1\n");
    assert_eq!(mode(&dir.path().join("a.py")), 0o751);
    assert_eq!(
        listing(dir.path()),
        before,
        "temp files or directories left behind"
    );
}

#[test]
fn failed_write_removes_files_and_directories_already_created() {
    let dir = tmpdir();
    write(dir.path(), "b", b"not a directory\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.create(1, Path::new("a/deep/conftest.py"), b"x = 1\n".to_vec())
        .unwrap();
    ov.create(1, Path::new("b/conftest.py"), b"y = 1\n".to_vec())
        .unwrap();
    let before = listing(dir.path());
    let err = write_all(&ov.changes()).unwrap_err();
    assert!(
        matches!(err, EditError::Write { ref path, ref restored, .. }
            if path == "b/conftest.py" && restored.is_empty()),
        "{err:?}"
    );
    assert_eq!(listing(dir.path()), before);
}

// ---------------------------------------------------------------------------------------------
// the diff

/// A project exercising the diff's edge cases, and the overlay after two rules.
fn diff_fixture(dir: &Path) -> Overlay {
    write(
        dir,
        "crlf.py",
        b"import os\r\n\r\ndef old():\r\n    return 1\r\n\r\n\r\n\r\n\r\nx = old()\r\n",
    );
    write(dir, "nofinal.py", b"a = 1\nb = 2\nc = old");
    write(dir, "bom.py", b"\xEF\xBB\xBFold = 1\n\ty = 2  \n");
    write(dir, "end.py", b"x = 1\n");
    write(dir, "mixed.txt", b"one\r\ntwo\nthree\rstill three\n");
    write(dir, "dir with space/conftest.py", b"old = 1\n");
    let mut ov = Overlay::new(dir.to_path_buf());
    let mut rule1 = Vec::new();
    for rel in [
        "crlf.py",
        "nofinal.py",
        "bom.py",
        "dir with space/conftest.py",
    ] {
        let cur = ov.read(Path::new(rel)).unwrap().to_vec();
        let mut from = 0;
        while let Some(i) = cur[from..].windows(3).position(|w| w == b"old") {
            let at = from + i;
            rule1.push(Edit::replace(dir.join(rel), at, at + 3, "new", 1));
            from = at + 3;
        }
    }
    ov.apply(1, rule1).unwrap();
    // Rule 2: insert at the very start of a file, append at the very end, drop a final newline
    // and add one, and change a line with a lone CR.
    let end_len = ov.read(Path::new("end.py")).unwrap().len();
    let nofinal_len = ov.read(Path::new("nofinal.py")).unwrap().len();
    let mixed = ov.read(Path::new("mixed.txt")).unwrap().to_vec();
    let three = find(&mixed, "still");
    ov.apply(
        2,
        vec![
            Edit::insert(dir.join("end.py"), 0, "# header\n", 2),
            Edit::insert(dir.join("end.py"), end_len, "y = 2", 2),
            Edit::insert(dir.join("nofinal.py"), nofinal_len, "\n", 2),
            Edit::insert(dir.join("crlf.py"), 0, "# -*- coding: utf-8 -*-\r\n", 2),
            Edit::replace(dir.join("mixed.txt"), three, three + 5, "STILL", 2),
        ],
    )
    .unwrap();
    ov.create(
        3,
        Path::new("tests/conftest.py"),
        b"import pytest\n".to_vec(),
    )
    .unwrap();
    ov.create(3, Path::new("tests/empty/__init__.py"), Vec::new())
        .unwrap();
    ov
}

#[test]
fn diff_applies_with_git_and_patch() {
    let dir = tmpdir();
    let ov = diff_fixture(dir.path());
    let changes = ov.changes();
    assert_eq!(changes.len(), 8);
    assert_diff_applies(&changes);
    replay_json(&changes);
    // Each change on its own, too (a single-file diff, new files alone).
    for c in &changes {
        assert_diff_applies(std::slice::from_ref(c));
    }
}

#[test]
fn diff_of_file_losing_its_final_newline_and_deleting_everything() {
    let dir = tmpdir();
    write(dir.path(), "a.txt", b"keep\nlast\r\n");
    write(dir.path(), "b.txt", b"all\ngone\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.apply(
        1,
        vec![
            Edit::delete(dir.path().join("a.txt"), 9, 11, 1),
            Edit::delete(dir.path().join("b.txt"), 0, 9, 1),
        ],
    )
    .unwrap();
    let changes = ov.changes();
    assert_eq!(changes[0].new, b"keep\nlast");
    assert_eq!(changes[1].new, b"");
    assert_diff_applies(&changes);
}

/// Makes CRs and the BOM visible, so snapshots show them.
fn visible(s: &str) -> String {
    s.replace('\r', "␍").replace('\u{feff}', "<BOM>")
}

#[test]
fn diff_snapshots() {
    let dir = tmpdir();
    let ov = diff_fixture(dir.path());
    let changes = ov.changes();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(
            "edit__diff_edge_cases",
            format!(
                "{}\n{}",
                summary(&changes),
                visible(&unified_diff(&changes, false))
            )
        );
        insta::assert_snapshot!(
            "edit__diff_color",
            visible(&unified_diff(&changes[..1], true)).replace('\x1b', "<ESC>")
        );
        let json = serde_json::to_string_pretty(&edits_json(&changes)).unwrap();
        insta::assert_snapshot!("edit__edits_json", visible(&json));
    });
}

#[test]
fn summary_counts() {
    let dir = tmpdir();
    let mut ov = two_file_overlay(dir.path());
    assert_eq!(summary(&ov.changes()), "2 files would change (2 edits)");
    assert_eq!(summary(&ov.changes()[..1]), "1 file would change (1 edit)");
    assert_eq!(summary(&[]), "No files would change");
    let e = replace(&mut ov, "a.py", "a", "A", 2);
    ov.apply(2, vec![e]).unwrap();
    assert_eq!(summary(&ov.changes()), "2 files would change (3 edits)");
}

#[test]
fn no_op_and_reverting_edits_leave_no_change() {
    let dir = tmpdir();
    let ov = two_file_overlay(dir.path());
    let mut ov = ov;
    let e = replace(&mut ov, "a.py", "a = 2", "a = 1", 2);
    // Overlaps rule 1's "2": refused, the file keeps rule 1's change.
    assert!(ov.apply(2, vec![e]).is_err());
    // Edits that change nothing are dropped.
    let e = replace(&mut ov, "b.py", "b", "b", 3);
    ov.apply(3, vec![e]).unwrap();
    assert_eq!(ov.changes()[1].edits.len(), 1);
    // Deleting text and putting the same text back (a later rule may insert where an earlier
    // one deleted) leaves the file as it was: not a change.
    let dir = tmpdir();
    let c = write(dir.path(), "c.txt", b"ab = 1\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.apply(1, vec![Edit::delete(&c, 0, 2, 1)]).unwrap();
    ov.apply(2, vec![Edit::insert(&c, 0, "ab", 2)]).unwrap();
    assert!(ov.changes().is_empty());
    assert_eq!(write_all(&ov.changes()).unwrap(), 0);
}

// ---------------------------------------------------------------------------------------------
// property test: random edits by several rules against an independent model

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The model: the file as elements, each byte tagged with the edit that wrote it, and a marker
/// where an edit deleted text without writing any.
#[derive(Clone, Debug, PartialEq)]
enum Elem {
    Byte(u8, Option<usize>),
    Mark(usize),
}

fn model_bytes(m: &[Elem]) -> Vec<u8> {
    m.iter()
        .filter_map(|e| match e {
            Elem::Byte(b, _) => Some(*b),
            Elem::Mark(_) => None,
        })
        .collect()
}

/// Element index of byte position `p` (the first element at or after it, markers included).
fn elem_index(m: &[Elem], p: usize) -> usize {
    let mut bytes = 0;
    for (i, e) in m.iter().enumerate() {
        if bytes == p {
            return i;
        }
        if let Elem::Byte(..) = e {
            bytes += 1;
        }
    }
    m.len()
}

fn tag_at(m: &[Elem], p: usize) -> Option<usize> {
    m.iter()
        .filter_map(|e| match e {
            Elem::Byte(_, t) => Some(*t),
            Elem::Mark(_) => None,
        })
        .nth(p)
        .flatten()
}

/// Whether edit `s..e` collides with what earlier edits left, per the model.
fn model_conflict(m: &[Elem], s: usize, e: usize) -> bool {
    if s == e {
        return s > 0 && tag_at(m, s - 1).is_some() && tag_at(m, s - 1) == tag_at(m, s);
    }
    if (s..e).any(|p| tag_at(m, p).is_some()) {
        return true;
    }
    // A deletion marker strictly inside.
    let (a, b) = (elem_index(m, s), elem_index(m, e));
    let mut bytes_seen = 0;
    for el in &m[a..b] {
        match el {
            Elem::Byte(..) => bytes_seen += 1,
            Elem::Mark(_) if bytes_seen > 0 => return true,
            Elem::Mark(_) => {}
        }
    }
    false
}

/// Applies sorted, non-conflicting edits to the model.
fn model_apply(m: &[Elem], edits: &[(usize, usize, String, usize)]) -> Vec<Elem> {
    let mut out = Vec::new();
    let mut byte = 0;
    let mut i = 0;
    for (s, e, content, id) in edits {
        // Everything before byte s, and markers at s (they stay before the new text).
        while i < m.len() && (byte < *s || matches!(m[i], Elem::Mark(_))) {
            if let Elem::Byte(..) = m[i] {
                byte += 1;
            }
            out.push(m[i].clone());
            i += 1;
        }
        // Drop bytes s..e.
        while byte < *e {
            if let Elem::Byte(..) = m[i] {
                byte += 1;
            }
            i += 1;
        }
        if content.is_empty() {
            out.push(Elem::Mark(*id));
        } else {
            out.extend(content.bytes().map(|b| Elem::Byte(b, Some(*id))));
        }
    }
    out.extend_from_slice(&m[i..]);
    out
}

fn random_file(rng: &mut Rng) -> Vec<u8> {
    let pieces = [
        "def f():\r\n",
        "\tx = 1  \n",
        "h\u{e9}llo w\u{f6}rld\n",
        "\u{65e5}\u{672c}\u{8a9e}\r\n",
        "lone\rcr\n",
        "\n",
        "\r\n",
        "    pass\n",
        "tail without newline",
    ];
    let mut out = Vec::new();
    if rng.below(4) == 0 {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    for _ in 0..rng.below(12) {
        out.extend_from_slice(rng.pick(&pieces).as_bytes());
    }
    out
}

fn char_boundary(bytes: &[u8], mut p: usize) -> usize {
    while p < bytes.len() && (0x80..0xC0).contains(&bytes[p]) {
        p += 1;
    }
    p
}

#[test]
fn random_edits_by_several_rules_match_the_model() {
    let contents = ["", "X", "yy\n", "z\r\n", "\u{fc}", "\t ", "new line\r\n"];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut refused = 0;
    let mut applied = 0;
    for iteration in 0..400 {
        let dir = tmpdir();
        let nfiles = 1 + rng.below(3);
        let mut models: Vec<Vec<Elem>> = Vec::new();
        for f in 0..nfiles {
            let bytes = random_file(&mut rng);
            write(dir.path(), &format!("f{f}.txt"), &bytes);
            models.push(bytes.iter().map(|b| Elem::Byte(*b, None)).collect());
        }
        let mut ov = Overlay::new(dir.path().to_path_buf());
        let mut next_id = 0;
        for rule in 1..=(1 + rng.below(4)) {
            let mut edits = Vec::new();
            let mut per_file: Vec<Vec<(usize, usize, String, usize)>> = vec![vec![]; nfiles];
            for _ in 0..(1 + rng.below(4)) {
                let f = rng.below(nfiles);
                let cur = model_bytes(&models[f]);
                let s = char_boundary(&cur, rng.below(cur.len() + 1));
                let len = if rng.below(3) == 0 { 0 } else { rng.below(6) };
                let e = char_boundary(&cur, (s + len).min(cur.len()));
                let content = rng.pick(&contents).to_string();
                edits.push(Edit::replace(
                    dir.path().join(format!("f{f}.txt")),
                    s,
                    e,
                    content.clone(),
                    rule,
                ));
                per_file[f].push((s, e, content, 0));
            }
            // The model's view: drop no-ops and duplicates, then look for collisions.
            let mut conflict = false;
            for (f, list) in per_file.iter_mut().enumerate() {
                let cur = model_bytes(&models[f]);
                list.retain(|(s, e, c, _)| {
                    !(s == e && c.is_empty()) && cur[*s..*e] != *c.as_bytes()
                });
                list.sort();
                list.dedup();
                for (i, a) in list.iter().enumerate() {
                    for b in &list[i + 1..] {
                        let both_empty = a.0 == a.1 && b.0 == b.1;
                        let hit = if both_empty {
                            a.0 == b.0
                        } else if a.0 == a.1 {
                            b.0 < a.0 && a.0 < b.1
                        } else if b.0 == b.1 {
                            a.0 < b.0 && b.0 < a.1
                        } else {
                            a.0 < b.1 && b.0 < a.1
                        };
                        conflict |= hit;
                    }
                    conflict |= model_conflict(&models[f], a.0, a.1);
                }
            }
            let before: Vec<Option<Vec<u8>>> = (0..nfiles)
                .map(|f| {
                    ov.current(&dir.path().join(format!("f{f}.txt")))
                        .map(<[u8]>::to_vec)
                })
                .collect();
            let result = ov.apply(rule, edits);
            if conflict {
                refused += 1;
                assert!(
                    matches!(result, Err(EditError::Overlap { .. })),
                    "iteration {iteration}: expected an overlap, got {result:?}"
                );
                for (f, b) in before.iter().enumerate() {
                    let now = ov.current(&dir.path().join(format!("f{f}.txt")));
                    if let Some(b) = b {
                        assert_eq!(now, Some(b.as_slice()), "a refused rule changed a file");
                    }
                }
                continue;
            }
            assert!(result.is_ok(), "iteration {iteration}: {result:?}");
            applied += 1;
            for (f, list) in per_file.iter_mut().enumerate() {
                for edit in list.iter_mut() {
                    edit.3 = next_id;
                    next_id += 1;
                }
                models[f] = model_apply(&models[f], list);
            }
        }
        let changes = ov.changes();
        for (f, model) in models.iter().enumerate() {
            let path = dir.path().join(format!("f{f}.txt"));
            let want = model_bytes(model);
            let original = fs::read(&path).unwrap();
            let got = changes
                .iter()
                .find(|c| c.path == path)
                .map_or(original.clone(), |c| c.new.clone());
            assert_eq!(
                got, want,
                "iteration {iteration}: f{f}.txt differs from the model"
            );
        }
        replay_json(&changes);
        if iteration % 8 == 0 && !changes.is_empty() {
            assert_diff_applies(&changes);
        }
        if iteration % 16 == 0 {
            write_all(&changes).unwrap();
            for c in &changes {
                assert_eq!(fs::read(&c.path).unwrap(), c.new);
            }
        }
    }
    assert!(
        refused > 20 && applied > 200,
        "refused {refused}, applied {applied}"
    );
}

// ---------------------------------------------------------------------------------------------
// deleted files

fn overlay_with_deletion(dir: &Path) -> (Overlay, PathBuf, PathBuf) {
    let gone = write(
        dir,
        "tests/staging/conftest.py",
        b"import pytest\r\n\r\n\r\n@pytest.fixture\r\ndef db():\r\n    return 1\r\n",
    );
    let kept = write(dir, "tests/conftest.py", b"import pytest\n");
    fs::set_permissions(&gone, fs::Permissions::from_mode(0o640)).unwrap();
    let mut ov = Overlay::new(dir.to_path_buf());
    let e = Edit::insert(
        kept.clone(),
        13,
        "\n\n\n@pytest.fixture\ndef db():\n    return 1\n",
        1,
    );
    ov.apply(1, vec![e]).unwrap();
    ov.delete(1, &gone).unwrap();
    (ov, gone, kept)
}

#[test]
fn deleted_file_reads_as_absent_and_later_rules_cannot_touch_it() {
    let dir = tmpdir();
    let (mut ov, gone, _) = overlay_with_deletion(dir.path());
    assert!(!ov.exists(&gone));
    assert!(ov.current(&gone).is_none());
    assert_eq!(
        ov.read(&gone).unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
    let err = ov
        .apply(2, vec![Edit::insert(gone.clone(), 0, "# x\n", 2)])
        .unwrap_err();
    assert!(
        matches!(err, EditError::Deleted { rule: 2, by: 1, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("tests/staging/conftest.py"),
        "{err}"
    );
    let err = ov.delete(3, &gone).unwrap_err();
    assert!(
        matches!(err, EditError::Deleted { rule: 3, by: 1, .. }),
        "{err}"
    );
    let err = ov.create(4, &gone, b"x = 1\n".to_vec()).unwrap_err();
    assert!(
        matches!(err, EditError::Deleted { rule: 4, by: 1, .. }),
        "{err}"
    );
    // Nothing on disk changed.
    assert!(gone.exists());
}

#[test]
fn deleted_file_diff_json_and_summary() {
    let dir = tmpdir();
    let (ov, _, _) = overlay_with_deletion(dir.path());
    let changes = ov.changes();
    let deleted: Vec<&FileChange> = changes.iter().filter(|c| c.deleted).collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].rel, "tests/staging/conftest.py");
    assert!(deleted[0].new.is_empty());
    assert_eq!(deleted[0].edits.len(), 1);
    assert_eq!(
        deleted[0].edits[0].old,
        deleted[0].original.clone().unwrap()
    );
    let diff = unified_diff(&changes, false);
    assert!(
        diff.contains(
            "diff --git a/tests/staging/conftest.py b/tests/staging/conftest.py\n\
             deleted file mode 100644\n\
             --- a/tests/staging/conftest.py\n\
             +++ /dev/null\n\
             @@ -1,6 +0,0 @@\n\
             -import pytest\r\n"
        ),
        "{diff}"
    );
    assert_eq!(
        summary(&changes),
        "2 files would change (2 edits, 1 file deleted)"
    );
    let json = edits_json(&changes);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files[1]["path"], "tests/staging/conftest.py");
    assert_eq!(files[1]["deleted"], true);
    assert_eq!(files[0]["deleted"], false);
    replay_json(&changes);
    assert_diff_applies(&changes);
}

#[test]
fn deleting_a_created_file_drops_it() {
    let dir = tmpdir();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    let new = dir.path().join("tests/conftest.py");
    ov.create(1, &new, b"import pytest\n".to_vec()).unwrap();
    ov.delete(2, &new).unwrap();
    assert!(ov.changes().is_empty());
    assert!(!ov.exists(&new));
}

#[test]
fn write_removes_deleted_files_and_a_failure_puts_them_back() {
    let dir = tmpdir();
    let (ov, gone, kept) = overlay_with_deletion(dir.path());
    let changes = ov.changes();
    assert_eq!(write_all(&changes).unwrap(), 2);
    assert!(!gone.exists());
    assert!(fs::read_to_string(&kept).unwrap().contains("def db()"));

    // Another step fails (`c` is a regular file, so `c/conftest.py` cannot be created, even as
    // root): deletions come last, so the file to delete is still there, bytes and mode.
    let dir = tmpdir();
    let a = write(dir.path(), "a/conftest.py", b"A = 1\r\n");
    fs::set_permissions(&a, fs::Permissions::from_mode(0o600)).unwrap();
    write(dir.path(), "c", b"not a directory\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.delete(1, &a).unwrap();
    ov.create(1, Path::new("c/conftest.py"), b"x = 1\n".to_vec())
        .unwrap();
    let before = listing(dir.path());
    let err = write_all(&ov.changes()).unwrap_err();
    match &err {
        EditError::Write { path, restored, .. } => {
            assert_eq!(path, "c/conftest.py");
            assert!(restored.is_empty(), "{restored:?}");
        }
        other => panic!("expected Write, got {other:?}"),
    }
    assert_eq!(fs::read(&a).unwrap(), b"A = 1\r\n");
    assert_eq!(mode(&a), 0o600);
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn deleting_a_symlinked_conftest_removes_the_link_only() {
    let dir = tmpdir();
    let shared = write(dir.path(), "shared/fixtures.py", b"X = 1\n");
    let link = dir.path().join("tests/conftest.py");
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&shared, &link).unwrap();
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.delete(1, &link).unwrap();
    write_all(&ov.changes()).unwrap();
    assert!(link.symlink_metadata().is_err());
    assert_eq!(fs::read(&shared).unwrap(), b"X = 1\n");
}
