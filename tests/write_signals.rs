//! SIGINT / SIGTERM during `fixmig migrate --write`: the tree is the old one or the new one,
//! never a mix, and no temporary or backup file is left. The binary runs on a generated project
//! (every test module edited, a conftest deleted) and is killed after a random delay, in a
//! bounded loop; a signal that lands while files are being replaced makes it roll back, say so
//! and exit 128 + the signal's number.
#![cfg(unix)]

mod write_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use write_support::*;

/// Iterations (override with FIXMIG_SIGNAL_RUNS).
const RUNS: usize = 50;

#[test]
fn killed_at_random_points_the_tree_is_old_or_new() {
    let runs: usize = std::env::var("FIXMIG_SIGNAL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RUNS);
    let work = tmpdir();
    let template = work.path().join("template");
    generate_project(&template, 150);
    let rules = rules_file(work.path(), "rules.toml", "new_fx", true);
    let old = contents(&snapshot(&template));

    // The new tree, and how long a whole run takes.
    let reference = work.path().join("reference");
    copy_tree(&template, &reference);
    let started = Instant::now();
    let out = migrate(&reference, &rules, &["--write"]);
    let full = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = contents(&snapshot(&reference));
    assert_ne!(old, new);
    assert!(!new.contains_key("tests/sub/conftest.py"));

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}, a whole run takes {full:?}");
    let mut rng = Rng(seed);
    let (mut before_write, mut interrupted, mut completed) = (0, 0, 0);
    for i in 0..runs {
        let root = work.path().join(format!("run{i}"));
        copy_tree(&template, &root);
        let span = full.as_micros() as u64;
        // Half the delays anywhere in the run, half near its end, where the writing is.
        let delay = if i % 2 == 0 {
            rng.below(span)
        } else {
            span * 6 / 10 + rng.below(span * 5 / 10)
        };
        let signal = if i % 2 == 0 { "INT" } else { "TERM" };
        let child = write_command(&rules, &root)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(delay));
        let _ = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let snap = snapshot(&root);
        let left = leftovers(&snap);
        assert!(
            left.is_empty(),
            "run {i} (seed {seed}): left behind {left:?}"
        );
        let now = contents(&snap);
        let code = out.status.code();
        if now == new {
            assert!(
                code == Some(0) || code.is_none(),
                "run {i}: {code:?} {stderr}"
            );
            completed += 1;
        } else {
            assert!(
                now == old,
                "run {i} (seed {seed}, {signal} after {delay} µs): a mix of old and new files"
            );
            match code {
                Some(c @ (130 | 143)) => {
                    assert!(
                        stderr.contains("Nothing was changed on disk"),
                        "run {i}: {stderr}"
                    );
                    assert_eq!(c, if signal == "INT" { 130 } else { 143 });
                    interrupted += 1;
                }
                // Ended by the signal's default action, before the write began.
                None => before_write += 1,
                Some(c) => panic!("run {i}: exit {c}, old tree: {stderr}"),
            }
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
    eprintln!(
        "{runs} runs: {before_write} ended before writing (old tree), {interrupted} interrupted \
         while writing and rolled back (old tree), {completed} completed (new tree)"
    );
}
