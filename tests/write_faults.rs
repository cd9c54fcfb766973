//! `--write` under faults: read-only files are refused before anything is written; a step that
//! fails (injected through the test-only hook `fixmig::edit::fault`, or real: a full tmpfs, an
//! immutable directory, a directory an unprivileged user cannot write, a file edited or removed
//! by another thread between plan and write) leaves every file exactly as it was — bytes, mode,
//! owner and mtime — and no temporary file behind.
#![cfg(unix)]

mod write_support;

use std::cell::Cell;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::rc::Rc;

use fixmig::edit::fault::{self, Step};
use fixmig::edit::{write_all, write_with, Edit, EditError, Overlay, WriteOptions};
use write_support::*;

const ENOSPC: i32 = 28;
const EACCES: i32 = 13;
const EIO: i32 = 5;

fn replace(ov: &mut Overlay, rel: &str, old: &str, new: &str) -> Edit {
    let cur = ov.read(Path::new(rel)).unwrap().to_vec();
    let at = cur
        .windows(old.len())
        .position(|w| w == old.as_bytes())
        .unwrap();
    Edit::replace(ov.rootdir().join(rel), at, at + old.len(), new, 1)
}

/// A tree and an overlay with every kind of change: edited files (one through a symlink, one
/// with an unusual mode), a created file in new directories, a deleted file.
fn every_kind(root: &Path) -> Overlay {
    write(root, "a.py", b"a = 1\r\n");
    fs::set_permissions(root.join("a.py"), fs::Permissions::from_mode(0o751)).unwrap();
    write(root, "b.py", b"\xEF\xBB\xBFb = 1\n");
    write(root, "real.py", b"r = 1\n");
    std::os::unix::fs::symlink("real.py", root.join("link.py")).unwrap();
    write(root, "sub/c.py", b"c = 1\n");
    write(root, "gone/conftest.py", b"import os\n");
    let mut ov = Overlay::new(root.to_path_buf());
    let edits = vec![
        replace(&mut ov, "a.py", "1", "2"),
        replace(&mut ov, "b.py", "1", "2"),
        replace(&mut ov, "link.py", "1", "2"),
        replace(&mut ov, "sub/c.py", "1", "2"),
    ];
    ov.apply(1, edits).unwrap();
    ov.create(2, Path::new("new/dir/conftest.py"), b"n = 1\n".to_vec())
        .unwrap();
    ov.delete(2, &root.join("gone/conftest.py")).unwrap();
    ov
}

/// Every hook call of a successful write of `every_kind`, in order.
fn steps_of_a_write() -> Vec<(Step, String)> {
    let dir = tmpdir();
    let ov = every_kind(dir.path());
    let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
    let s = seen.clone();
    fault::set(move |step, rel| {
        s.borrow_mut().push((step, rel.to_string()));
        Ok(())
    });
    let n = write_all(&ov.changes()).unwrap();
    fault::clear();
    assert_eq!(n, 6);
    let out = seen.borrow().clone();
    out
}

#[test]
fn the_hook_sees_temp_files_first_then_commits_then_deletions() {
    let steps = steps_of_a_write();
    let kinds: Vec<Step> = steps.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        kinds,
        [
            Step::Temp,
            Step::Temp,
            Step::Temp,
            Step::Temp,
            Step::Temp,
            Step::Temp,
            Step::Commit,
            Step::Commit,
            Step::Commit,
            Step::Commit,
            Step::Commit,
            Step::Delete,
        ],
        "{steps:?}"
    );
    assert_eq!(steps.last().unwrap().1, "gone/conftest.py");
}

#[test]
fn every_failing_step_leaves_the_tree_exactly_as_it_was() {
    let steps = steps_of_a_write();
    for (k, (step, rel)) in steps.iter().enumerate() {
        for errno in [ENOSPC, EACCES, EIO] {
            let dir = tmpdir();
            let ov = every_kind(dir.path());
            let changes = ov.changes();
            let before = snapshot(dir.path());
            let calls = Rc::new(Cell::new(0usize));
            let c = calls.clone();
            fault::set(move |_, _| {
                let i = c.get();
                c.set(i + 1);
                if i == k {
                    Err(io::Error::from_raw_os_error(errno))
                } else {
                    Ok(())
                }
            });
            let err = write_all(&changes).unwrap_err();
            fault::clear();
            let after = snapshot(dir.path());
            assert_eq!(
                before, after,
                "step {k} ({step:?} {rel}), errno {errno}: tree changed"
            );
            let msg = err.to_string();
            assert!(
                msg.contains(&format!("could not write {rel}")),
                "step {k}: {msg}"
            );
            assert!(
                msg.contains("Nothing was changed on disk"),
                "step {k}: {msg}"
            );
            match &err {
                EditError::Write {
                    restored,
                    unrestored,
                    ..
                } => {
                    assert!(unrestored.is_empty());
                    // Files replaced before the failing step are named as restored.
                    let committed: Vec<&String> = steps[..k]
                        .iter()
                        .filter(|(s, _)| *s != Step::Temp)
                        .map(|(_, r)| r)
                        .collect();
                    assert_eq!(restored.iter().collect::<Vec<_>>(), committed, "step {k}");
                }
                other => panic!("step {k}: expected Write, got {other:?}"),
            }
        }
    }
}

#[test]
fn a_restore_that_fails_too_says_where_the_original_is() {
    let dir = tmpdir();
    let ov = every_kind(dir.path());
    let changes = ov.changes();
    // a.py and b.py are replaced, link.py fails; putting b.py back fails as well.
    fault::set(|step, rel| match (step, rel) {
        (Step::Commit, "link.py") | (Step::Restore, "b.py") => {
            Err(io::Error::from_raw_os_error(EIO))
        }
        _ => Ok(()),
    });
    let err = write_all(&changes).unwrap_err();
    fault::clear();
    let msg = err.to_string();
    let EditError::Write {
        restored,
        unrestored,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(restored, &["a.py"]);
    assert_eq!(unrestored.len(), 1);
    assert_eq!(unrestored[0].path, "b.py");
    let saved = unrestored[0].saved_to.clone().expect("a backup");
    assert_eq!(fs::read(&saved).unwrap(), b"\xEF\xBB\xBFb = 1\n");
    assert!(msg.contains("COULD NOT RESTORE b.py"), "{msg}");
    assert!(msg.contains(&saved.display().to_string()), "{msg}");
    assert_eq!(fs::read(dir.path().join("a.py")).unwrap(), b"a = 1\r\n");
}

#[test]
fn a_file_edited_by_another_thread_between_plan_and_write_stops_everything() {
    let dir = tmpdir();
    let ov = every_kind(dir.path());
    let changes = ov.changes();
    let before = snapshot(dir.path());
    let root = dir.path().to_path_buf();
    let (go, edit) = std::sync::mpsc::channel::<()>();
    let (edited, wait) = std::sync::mpsc::channel::<()>();
    let editor = std::thread::spawn(move || {
        edit.recv().unwrap();
        fs::write(root.join("sub/c.py"), b"c = 1  # edited meanwhile\n").unwrap();
        edited.send(()).unwrap();
    });
    // a.py, b.py and link.py are already replaced when sub/c.py's turn comes.
    fault::set(move |step, rel| {
        if (step, rel) == (Step::Commit, "sub/c.py") {
            go.send(()).unwrap();
            wait.recv().unwrap();
        }
        Ok(())
    });
    let err = write_all(&changes).unwrap_err();
    fault::clear();
    editor.join().unwrap();
    assert!(
        matches!(err, EditError::Stale { ref path } if path == "sub/c.py"),
        "{err:?}"
    );
    assert!(err.to_string().contains("nothing was written"));
    let mut after = snapshot(dir.path());
    assert_eq!(
        after.remove("sub/c.py").unwrap().content().unwrap(),
        b"c = 1  # edited meanwhile\n"
    );
    let mut expected = before;
    expected.remove("sub/c.py");
    assert_eq!(after, expected);
}

#[test]
fn a_file_removed_between_plan_and_write_stops_everything() {
    for victim in ["b.py", "gone/conftest.py"] {
        let dir = tmpdir();
        let ov = every_kind(dir.path());
        let changes = ov.changes();
        let mut expected = snapshot(dir.path());
        expected.remove(victim);
        let path = dir.path().join(victim);
        fault::set(move |step, rel| {
            if step != Step::Temp && rel == victim {
                fs::remove_file(&path).unwrap();
            }
            Ok(())
        });
        let err = write_all(&changes).unwrap_err();
        fault::clear();
        assert!(
            matches!(err, EditError::Stale { ref path } if path == victim),
            "{err:?}"
        );
        assert_eq!(snapshot(dir.path()), expected, "{victim}");
    }
}

#[test]
fn read_only_files_are_refused_before_anything_is_written() {
    let dir = tmpdir();
    let ov = every_kind(dir.path());
    fs::set_permissions(dir.path().join("b.py"), fs::Permissions::from_mode(0o444)).unwrap();
    fs::set_permissions(
        dir.path().join("real.py"),
        fs::Permissions::from_mode(0o400),
    )
    .unwrap();
    let changes = ov.changes();
    let before = snapshot(dir.path());
    let err = write_all(&changes).unwrap_err();
    let EditError::ReadOnly { files } = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["b.py", "link.py"]);
    let msg = err.to_string();
    assert!(msg.contains("b.py: mode 0444"), "{msg}");
    assert!(msg.contains("link.py: mode 0400"), "{msg}");
    assert!(msg.contains("nothing was written"), "{msg}");
    assert!(msg.contains("--force-read-only"), "{msg}");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(snapshot(dir.path()), before);

    // Allowed: written, and the mode stays.
    let opts = WriteOptions {
        allow_read_only: true,
        ..WriteOptions::default()
    };
    assert_eq!(write_with(&changes, &opts).unwrap(), 6);
    assert_eq!(
        fs::read(dir.path().join("b.py")).unwrap(),
        b"\xEF\xBB\xBFb = 2\n"
    );
    let mode = |p: &str| {
        fs::metadata(dir.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("b.py"), 0o444);
    assert_eq!(mode("real.py"), 0o400);
    assert!(leftovers(&snapshot(dir.path())).is_empty());
}

/// `chattr +i` on `path` until dropped (`None` where chattr does not work).
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .ok()?
            .success();
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn an_immutable_file_counts_as_read_only() {
    let dir = tmpdir();
    let ov = every_kind(dir.path());
    let Some(_guard) = Immutable::set(&dir.path().join("a.py")) else {
        eprintln!("skipped: chattr +i does not work here");
        return;
    };
    let before = snapshot(dir.path());
    let err = write_all(&ov.changes()).unwrap_err();
    let EditError::ReadOnly { files } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "a.py");
    assert!(files[0].why.contains("not permitted"), "{:?}", files[0]);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_directory_made_immutable_between_plan_and_write_is_a_real_fault_rolled_back() {
    // Real kernel errors (EPERM), as root: chmod does not stop root, `chattr +i` does.
    let dir = tmpdir();
    let ov = every_kind(dir.path());
    let changes = ov.changes();
    let before = snapshot(dir.path());
    let Some(guard) = Immutable::set(&dir.path().join("sub")) else {
        eprintln!("skipped: chattr +i does not work here");
        return;
    };
    drop(guard);
    // Before the write: sub/c.py's temporary file cannot be created.
    let guard = Immutable::set(&dir.path().join("sub")).unwrap();
    let err = write_all(&changes).unwrap_err();
    drop(guard);
    assert!(
        matches!(err, EditError::Write { ref path, ref restored, .. }
        if path == "sub/c.py" && restored.is_empty()),
        "{err:?}"
    );
    assert_eq!(snapshot(dir.path()), before);

    // During the commit: after a.py, b.py and link.py were replaced and new/dir/conftest.py
    // created, sub/ becomes immutable; renaming the temporary file over sub/c.py fails, the
    // four are put back.
    let sub = dir.path().join("sub");
    let held = Rc::new(std::cell::RefCell::new(None));
    let h = held.clone();
    fault::set(move |step, rel| {
        if (step, rel) == (Step::Commit, "sub/c.py") {
            *h.borrow_mut() = Immutable::set(&sub);
        }
        Ok(())
    });
    let err = write_all(&changes).unwrap_err();
    fault::clear();
    // The temporary file in sub/ could not be removed while sub/ was immutable: drop the
    // attribute and look again (the test's check of leftovers is below).
    held.borrow_mut().take();
    let msg = err.to_string();
    let EditError::Write {
        path,
        restored,
        unrestored,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(path, "sub/c.py");
    assert_eq!(source.raw_os_error(), Some(1), "{source}");
    assert_eq!(
        restored,
        &["a.py", "b.py", "link.py", "new/dir/conftest.py"]
    );
    assert!(unrestored.is_empty());
    assert!(msg.contains("Nothing was changed on disk"), "{msg}");
    let after = snapshot(dir.path());
    let extra = leftovers(&after);
    // A temporary file in a directory that turned immutable cannot be removed; it is the
    // only allowed difference.
    assert!(
        extra.iter().all(|p| p.starts_with("sub/.fixmig-")),
        "{extra:?}"
    );
    let mut after = after;
    for p in extra {
        fs::remove_file(dir.path().join(&p)).unwrap();
        after.remove(&p);
    }
    let mut before = before;
    before.remove("sub");
    after.remove("sub");
    assert_eq!(after, before);
}

/// A tmpfs of `size` mounted on a fresh directory until dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tmpdir();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?
            .success();
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_file_system_fails_the_write_before_any_file_is_replaced() {
    let Some(fs_) = Tmpfs::mount("512k") else {
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        return;
    };
    let root = fs_.0.path();
    write(root, "a.py", b"a = 1\n");
    write(root, "big.py", b"x = 1\n");
    let mut ov = Overlay::new(root.to_path_buf());
    let big = format!("x = {}\n", "1".repeat(200 * 1024));
    let edits = vec![
        replace(&mut ov, "a.py", "1", "2"),
        replace(&mut ov, "big.py", "x = 1\n", &big),
    ];
    ov.apply(1, edits).unwrap();
    // Leave about 64 KiB free: a.py's temporary file fits, big.py's does not.
    let free = fs4::available_space(root).unwrap();
    fs::write(root.join("filler"), vec![0u8; (free - 64 * 1024) as usize]).unwrap();
    let before = snapshot(root);
    let err = write_all(&ov.changes()).unwrap_err();
    let EditError::Write {
        path,
        source,
        restored,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(path, "big.py");
    // (tempfile keeps the error's kind, not its number.)
    assert_eq!(source.kind(), io::ErrorKind::StorageFull, "{source}");
    assert!(restored.is_empty());
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_eq!(snapshot(root), before);
}

#[test]
fn cli_refuses_read_only_files_with_exit_2_unless_forced() {
    let dir = tmpdir();
    let root = dir.path().join("p");
    generate_project(&root, 3);
    let rules = rules_file(dir.path(), "rules.toml", "new_fx", false);
    let ro = root.join("tests/test_m001.py");
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(&root);
    let out = migrate(&root, &rules, &["--write"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("tests/test_m001.py: mode 0444"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(snapshot(&root), before);

    // --quiet drops the summary, not the error.
    let out = migrate(&root, &rules, &["--write", "--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("tests/test_m001.py: mode 0444"), "{stderr}");

    let out = migrate(&root, &rules, &["--force-read-only"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--force-read-only needs --write"
    );

    let out = migrate(&root, &rules, &["--write", "--force-read-only"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(fs::read_to_string(&ro).unwrap().contains("new_fx"));
    assert_eq!(
        fs::metadata(&ro).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[test]
fn cli_as_an_unprivileged_user_in_a_read_only_directory_changes_nothing() {
    // A real EACCES: root ignores directory modes, so the binary runs as `nobody` (setpriv).
    let nobody = 65534;
    let dir = tmpdir();
    let root = dir.path().join("p");
    generate_project(&root, 3);
    let rules = rules_file(dir.path(), "rules.toml", "new_fx", true);
    let chown = Command::new("chown")
        .args(["-R", &format!("{nobody}:{nobody}")])
        .arg(dir.path())
        .status();
    let probe = Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "true",
        ])
        .status();
    if !matches!(chown, Ok(s) if s.success()) || !matches!(probe, Ok(s) if s.success()) {
        eprintln!("skipped: cannot chown to or run as nobody here");
        return;
    }
    fs::set_permissions(root.join("tests/sub"), fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(&root);
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_fixmig"))
        .args(WRITE_ARGS)
        .arg(&rules)
        .arg(&root)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not write tests/sub/test_sub.py: Permission denied"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was changed on disk"), "{stderr}");
    assert_eq!(snapshot(&root), before);
}
