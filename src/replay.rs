//! Stored runs of `fixmig check`: a run's diagnostics, with every input the analysis read
//! ([`crate::inputs`]), reused by a later run when each of those inputs still gives the same
//! answer — the warm path of an unchanged tree, which then parses, indexes and resolves
//! nothing.
//!
//! What a check's result depends on, and how each is covered:
//! * fixmig's code (a fingerprint of `src/` and `Cargo.lock`, from `build.rs`), the working
//!   directory and the analysis options (`--python`, `--target-version`): the key, and so the
//!   file name, of the stored run;
//! * the project as discovered (rootdir, configuration, the files pytest would collect, after
//!   `exclude`): discovery runs on every run, and its result is part of the key;
//! * everything the analysis read besides (the bytes of every project and imported file, the
//!   existence probes of import resolution, the Python environment's directories, metadata and
//!   `sys.path`, the environment variables): the stored observations, each checked again —
//!   files by content hash, the interpreter by asking it again.
//!
//! Output options (`--select`, `--format`, ...) are applied to the stored diagnostics, so
//! they are not part of the key. A stored run that does not decode, or one of whose
//! observations no longer holds, is ignored; the check then runs in full (per-file facts still
//! come from the facts cache) and stores its run anew. Files are written atomically under the
//! rootdir's `.fixmig_cache/`, one per key.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::check::Diagnostic;
use crate::discover::Project;
use crate::inputs::Seen;

/// Bumped whenever the stored layout changes.
const FORMAT: u32 = 1;

/// What `check` reports, before its output options are applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// Every diagnostic, in report order, before `--select`/`--ignore`.
    pub diagnostics: Vec<Diagnostic>,
    /// How many test items were resolved.
    pub tests: usize,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    key: u64,
    inputs: Vec<Seen>,
    outcome: CheckOutcome,
}

/// The key of a check of `project` with `options`, run from `cwd` (`None`, and no stored run,
/// if the project cannot be encoded).
pub fn key(project: &Project, options: &crate::Options, cwd: &Path) -> Option<u64> {
    let mut bytes = format!(
        "check\0{FORMAT}\0{}\0{}\0{}\0{:?}\0{:?}\0{}\0",
        env!("CARGO_PKG_VERSION"),
        env!("FIXMIG_CODE_FINGERPRINT"),
        cwd.display(),
        options.parse.target_version,
        options.python,
        options.collect_importorskip,
    )
    .into_bytes();
    bytes.extend(postcard::to_stdvec(project).ok()?);
    Some(xxhash_rust::xxh3::xxh3_64(&bytes))
}

fn file_for(rootdir: &Path, key: u64) -> (PathBuf, PathBuf) {
    let dir = rootdir.join(crate::cache::DIR_NAME);
    let file = dir.join(format!("check-{key:016x}.bin"));
    (dir, file)
}

/// The stored outcome for `key`, if there is one and every input it read still gives the
/// answer it got.
pub fn load(rootdir: &Path, key: u64) -> Option<CheckOutcome> {
    let (_, file) = file_for(rootdir, key);
    #[allow(clippy::disallowed_methods)] // the stored run itself, not an input of it
    let bytes = std::fs::read(file).ok()?;
    let stored: Stored = postcard::from_bytes(&bytes).ok()?;
    if stored.format != FORMAT || stored.key != key {
        return None;
    }
    let changed = stored.inputs.par_iter().find_any(|s| !s.still_holds());
    if crate::timing() {
        match changed {
            Some(seen) => eprintln!("replay: not used, changed: {seen:?}"),
            None => eprintln!("replay: {} inputs unchanged", stored.inputs.len()),
        }
    }
    changed.is_none().then_some(stored.outcome)
}

/// Starts recording the inputs of a run to be stored for `rootdir`. The cache directory is
/// created first: the analysis lists the rootdir, and it must list the same entries next time.
pub fn record(rootdir: &Path) -> crate::inputs::Recording {
    let _ = crate::cache::ensure_dir(&rootdir.join(crate::cache::DIR_NAME));
    crate::inputs::Recording::start()
}

/// Stores `outcome` with the inputs it was computed from (errors are ignored: the cache is an
/// optimisation).
pub fn store(rootdir: &Path, key: u64, inputs: Vec<Seen>, outcome: &CheckOutcome) {
    let (dir, file) = file_for(rootdir, key);
    let stored = Stored {
        format: FORMAT,
        key,
        inputs,
        outcome: outcome.clone(),
    };
    // Encoded straight to the file: a large suite's inputs are not copied once more.
    let written = crate::cache::write_atomically(&dir, &file, &mut |out| {
        postcard::to_io(&stored, out)
            .map(|_| ())
            .map_err(std::io::Error::other)
    });
    if written.is_ok() {
        prune(&dir);
    }
}

/// How many stored runs a cache directory keeps (one per key: working directory, options,
/// and the project as discovered, which changes whenever a test file is added or removed).
const KEPT: usize = 8;

/// Removes all but the [`KEPT`] most recently written stored runs in `dir`.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut runs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("check-") && name.ends_with(".bin")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if runs.len() <= KEPT {
        return;
    }
    runs.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in runs.into_iter().skip(KEPT) {
        let _ = std::fs::remove_file(path);
    }
}
