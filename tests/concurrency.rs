//! Two fixmig processes on one tree at once: two `migrate --write` (of different migrations)
//! leave one whole migration, never a mix — the second waits for the first's lock and plans
//! against its result; a file saved between the analysis and the write is refused; two
//! `check`s writing `.fixmig_cache/` leave complete cache files that later runs use.
#![cfg(unix)]

mod write_support;

use std::fs;
use std::path::Path;
use std::process::Stdio;

use fixmig::edit::{write_with, Edit, EditError, Overlay, ReadLog, WriteOptions};
use write_support::*;

const ROUNDS: usize = 12;

#[test]
fn two_writes_at_once_leave_one_whole_migration() {
    let work = tmpdir();
    let template = work.path().join("template");
    generate_project(&template, 60);
    let rules_a = rules_file(work.path(), "a.toml", "new_fx", true);
    let rules_b = rules_file(work.path(), "b.toml", "other_fx", false);
    let version = |rules: &Path, name: &str| {
        let root = work.path().join(name);
        copy_tree(&template, &root);
        let out = migrate(&root, rules, &["--write"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        contents(&snapshot(&root))
    };
    let after_a = version(&rules_a, "ref-a");
    let after_b = version(&rules_b, "ref-b");
    let mut outcomes = std::collections::BTreeMap::new();
    for i in 0..ROUNDS {
        let root = work.path().join(format!("round{i}"));
        copy_tree(&template, &root);
        // The same migration twice in some rounds, two different ones in the others.
        let second = if i % 3 == 0 { &rules_a } else { &rules_b };
        let spawn = |rules: &Path| {
            write_command(rules, &root)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (one, two) = (spawn(&rules_a), spawn(second));
        let (one, two) = (
            one.wait_with_output().unwrap(),
            two.wait_with_output().unwrap(),
        );
        let snap = snapshot(&root);
        assert!(
            leftovers(&snap).is_empty(),
            "round {i}: {:?}",
            leftovers(&snap)
        );
        let now = contents(&snap);
        let which = if now == after_a {
            "a"
        } else if now == after_b {
            "b"
        } else {
            panic!(
                "round {i}: the tree is neither migration:\n{}\n{}",
                String::from_utf8_lossy(&one.stderr),
                String::from_utf8_lossy(&two.stderr)
            )
        };
        for out in [&one, &two] {
            let code = out.status.code();
            let stderr = String::from_utf8_lossy(&out.stderr);
            // A run that starts reading after the other migration landed finds the rule's
            // fixture gone: an invalid rule for the tree it sees (exit 2), nothing written.
            let other_landed =
                code == Some(2) && stderr.contains("no fixture named `old_fx` is defined");
            assert!(
                matches!(code, Some(0 | 1)) || other_landed,
                "round {i}: {code:?} {stderr}"
            );
        }
        let key = format!(
            "{} -> tree {which}, exits {:?}/{:?}",
            if i % 3 == 0 { "a+a" } else { "a+b" },
            one.status.code().unwrap(),
            two.status.code().unwrap()
        );
        *outcomes.entry(key).or_insert(0) += 1;
    }
    eprintln!("{outcomes:#?}");
}

fn check(root: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = fixmig()
        .args(["check", "--color", "never"])
        .args(extra)
        .arg(root)
        .env("FIXMIG_TIMING", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether a facts cache file is complete: its header, then exactly the entries it announces.
fn facts_file_complete(bytes: &[u8]) -> bool {
    if bytes.len() < 24 || &bytes[..8] != b"FIXMIGC\0" {
        return false;
    }
    let count = u32::from_le_bytes(bytes[20..24].try_into().unwrap()) as usize;
    let mut at = 24usize;
    for _ in 0..count {
        if at + 20 > bytes.len() {
            return false;
        }
        let len = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
        at += 20 + len;
    }
    at == bytes.len()
}

#[test]
fn two_checks_at_once_leave_a_cache_later_runs_use() {
    let work = tmpdir();
    let root = work.path().join("p");
    generate_project(&root, 80);
    for i in 0..ROUNDS {
        // A new fixture each round: both runs parse it and rewrite the facts and the stored run.
        write(
            &root,
            &format!("tests/test_new{i}.py"),
            format!("import pytest\n\n@pytest.fixture\ndef f{i}():\n    return {i}\n\ndef test_{i}(f{i}, old_fx):\n    pass\n").as_bytes(),
        );
        let spawn = || {
            fixmig()
                .args(["check", "--color", "never"])
                .arg(&root)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let (one, two) = (spawn(), spawn());
        let (one, two) = (
            one.wait_with_output().unwrap(),
            two.wait_with_output().unwrap(),
        );
        assert_eq!(one.stdout, two.stdout, "round {i}");
        let cache = root.join(".fixmig_cache");
        let mut names = Vec::new();
        for e in fs::read_dir(&cache).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("facts-") {
                assert!(
                    facts_file_complete(&fs::read(e.path()).unwrap()),
                    "round {i}: {name} is torn"
                );
            }
            names.push(name);
        }
        assert!(
            !names.iter().any(|n| n.starts_with(".tmp")),
            "round {i}: {names:?}"
        );
        assert_eq!(
            fs::read_to_string(cache.join(".gitignore")).unwrap(),
            "# Automatically created by fixmig.\n*\n"
        );
        // A third run uses what the two left: the stored run (unchanged inputs) and the same
        // report as without the cache.
        let (code, out, err) = check(&root, &[]);
        let (code_nc, out_nc, _) = check(&root, &["--no-cache"]);
        assert_eq!((code, &out), (code_nc, &out_nc), "round {i}");
        assert!(
            err.contains("inputs unchanged"),
            "round {i}: the stored run was not used: {err}"
        );
    }
}

#[test]
fn a_write_waits_while_another_holds_the_rootdir_lock() {
    let work = tmpdir();
    let root = work.path().join("p");
    generate_project(&root, 5);
    let rules = rules_file(work.path(), "rules.toml", "new_fx", false);
    let before = contents(&snapshot(&root));
    // What a running `migrate --write` holds: an exclusive flock on the rootdir.
    let held = fs::File::open(&root).unwrap();
    fs4::FileExt::lock(&held).unwrap();
    let mut child = write_command(&rules, &root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Long enough for the analysis of five modules; the write must wait.
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the write did not wait for the lock"
    );
    assert_eq!(contents(&snapshot(&root)), before);
    fs4::FileExt::unlock(&held).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(fs::read_to_string(root.join("tests/conftest.py"))
        .unwrap()
        .contains("new_fx"));
}

#[test]
fn a_file_saved_between_the_analysis_and_the_edit_is_stale() {
    // What the analysis read (its edits' offsets come from these bytes) ...
    let dir = tmpdir();
    let a = write(
        dir.path(),
        "a.py",
        b"def test_0(old_fx):\n    assert old_fx\n",
    );
    let b = write(dir.path(), "b.py", b"x = 1\n");
    let reads = ReadLog::default();
    reads.record(&a, &fs::read(&a).unwrap());
    reads.record(&b, &fs::read(&b).unwrap());
    // ... then a.py is saved by someone else before the overlay reads it for the edit.
    write(
        dir.path(),
        "a.py",
        b"def test_0(other_fx):\n    assert other_fx\n",
    );
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.read(Path::new("a.py")).unwrap();
    ov.apply(
        1,
        vec![
            Edit::replace(&a, 11, 17, "new_fx", 1),
            Edit::replace(&b, 4, 5, "2", 1),
        ],
    )
    .unwrap();
    let changes = ov.changes();
    let before = snapshot(dir.path());
    let opts = WriteOptions {
        reads: Some(&reads),
        ..WriteOptions::default()
    };
    let err = write_with(&changes, &opts).unwrap_err();
    assert!(
        matches!(err, EditError::Stale { ref path } if path == "a.py"),
        "{err:?}"
    );
    assert_eq!(snapshot(dir.path()), before);
    // Without the record the garbage (`new_fxfx`) would have been written.
    assert!(String::from_utf8_lossy(&changes[0].new).contains("new_fxfx"));

    // A file the analysis read twice with different bytes is stale too, edited or not.
    let reads = ReadLog::default();
    reads.record(&b, b"x = 1\n");
    reads.record(&b, b"x = 3\n");
    let mut ov = Overlay::new(dir.path().to_path_buf());
    ov.apply(1, vec![Edit::replace(&a, 11, 17, "new_fx", 1)])
        .unwrap();
    let opts = WriteOptions {
        reads: Some(&reads),
        ..WriteOptions::default()
    };
    let err = write_with(&ov.changes(), &opts).unwrap_err();
    assert!(
        matches!(err, EditError::Stale { ref path } if path == "b.py"),
        "{err:?}"
    );
    assert_eq!(snapshot(dir.path()), before);
}
