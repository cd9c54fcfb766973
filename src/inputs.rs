//! The outside world as an analysis sees it: every file it reads, every existence probe,
//! directory listing, environment variable and interpreter answer, observed as it is read.
//!
//! The analysis (index, resolution, check, the Python environment) reads the outside world only
//! through this module: `clippy.toml` disallows the `std` calls that would bypass it, and the
//! analysis modules turn that lint on (`lib.rs`). While a [`Recording`] is active, each
//! observation is noted with its answer (a file by the hash of its bytes), so that
//! [`crate::replay`] can reuse a whole run's result on a later run after checking that every
//! observation still gives the same answer ([`Seen::still_holds`]).
//!
//! Discovery is not observed here: it runs on every run, and its result is part of the replay
//! key instead.
//!
//! An [`Overlay`] installed for a directory (`fixmig impact`: another revision of the project,
//! read from git) answers for the paths under it instead of the disk, while its guard lives.
#![allow(clippy::disallowed_methods)] // the one place that calls them

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};

/// One observation and the answer it got.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Seen {
    /// A file's bytes, by content hash (`None`: it could not be read).
    Read(PathBuf, Option<u128>),
    IsFile(PathBuf, bool),
    IsDir(PathBuf, bool),
    Exists(PathBuf, bool),
    /// A directory's entry names in the order the system listed them, hashed (`None`: it
    /// could not be listed).
    Listing(PathBuf, Option<u64>),
    Canonical(PathBuf, Option<PathBuf>),
    Var(OsString, Option<OsString>),
    /// An interpreter's answer to [`crate::env::query`], hashed (`None`: it failed).
    Python(PathBuf, Option<u64>),
}

impl Seen {
    /// Whether asking again gets the same answer.
    pub fn still_holds(&self) -> bool {
        match self {
            Seen::Read(p, hash) => std::fs::read(p).ok().map(|b| content_hash(&b)) == *hash,
            Seen::IsFile(p, yes) => p.is_file() == *yes,
            Seen::IsDir(p, yes) => p.is_dir() == *yes,
            Seen::Exists(p, yes) => p.exists() == *yes,
            Seen::Listing(p, hash) => list(p).ok().map(|names| listing_hash(&names)) == *hash,
            Seen::Canonical(p, to) => std::fs::canonicalize(p).ok() == *to,
            Seen::Var(name, value) => std::env::var_os(name) == *value,
            // Answered at most once per process: `--python` is checked before every run.
            Seen::Python(interpreter, answer) => {
                crate::env::query_cached(interpreter)
                    .ok()
                    .map(|e| python_hash(&e))
                    == *answer
            }
        }
    }
}

/// How many recordings are active (observations are only built when one is).
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// The active recordings' logs, by recording id.
static LOGS: Mutex<Vec<(usize, Log)>> = Mutex::new(Vec::new());

/// A recording's observations, each distinct one once, in the order first made (a large
/// suite's analysis repeats many: they are not kept twice).
type Log = indexmap::IndexSet<Seen, foldhash::fast::RandomState>;
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// Notes observations from its start until [`Recording::finish`]. Recordings overlapping in
/// one process (tests run analyses in parallel threads) each get every observation made while
/// they are active: a superset of their own, which only makes a replay more cautious.
pub struct Recording {
    id: usize,
}

impl Recording {
    pub fn start() -> Recording {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        lock_logs().push((id, Log::default()));
        ACTIVE.fetch_add(1, Ordering::SeqCst);
        Recording { id }
    }

    /// The observations made while this recording was active, each distinct one once, in the
    /// order first made.
    pub fn finish(self) -> Vec<Seen> {
        self.take().into_iter().collect()
    }

    fn take(&self) -> Log {
        let mut logs = lock_logs();
        match logs.iter().position(|(id, _)| *id == self.id) {
            Some(i) => {
                ACTIVE.fetch_sub(1, Ordering::SeqCst);
                logs.swap_remove(i).1
            }
            None => Log::default(),
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.take();
    }
}

fn lock_logs() -> std::sync::MutexGuard<'static, Vec<(usize, Log)>> {
    LOGS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether a recording is active: process-wide memos of what was read must then read again,
/// so that the reads are observed.
pub fn recording() -> bool {
    ACTIVE.load(Ordering::SeqCst) > 0
}

/// Notes `seen()` in every active recording (and builds it only when there is one).
fn note(seen: impl FnOnce() -> Seen) {
    if ACTIVE.load(Ordering::SeqCst) == 0 {
        return;
    }
    let seen = seen();
    for (_, log) in lock_logs().iter_mut() {
        if !log.contains(&seen) {
            log.insert(seen.clone());
        }
    }
}

/// The content hash of a file's bytes (the facts cache's).
fn content_hash(bytes: &[u8]) -> u128 {
    crate::cache::content_hash(bytes)
}

fn listing_hash(names: &[OsString]) -> u64 {
    let mut bytes = Vec::new();
    for n in names {
        bytes.extend_from_slice(n.as_encoded_bytes());
        bytes.push(0);
    }
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

fn python_hash(env: &crate::env::PythonEnv) -> u64 {
    let text = format!("{:?}\0{:?}", env.sys_path, env.builtin_modules);
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

fn list(dir: &Path) -> io::Result<Vec<OsString>> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect())
}

/// Files seen in place of the disk under [`Overlay::root`] (another revision of the project).
pub trait Overlay: Send + Sync {
    /// The directory whose paths it answers for (absolute, as the analysis spells paths).
    fn root(&self) -> &Path;
    /// `Some(Some(bytes))`: a file with these bytes; `Some(None)`: no such file; `None`: as on
    /// disk.
    fn file(&self, path: &Path) -> Option<Option<Vec<u8>>>;
    /// Whether `path` is a directory, when the overlay decides it (`None`: as on disk).
    fn dir(&self, path: &Path) -> Option<bool>;
    /// Adjusts the entry names of directory `dir` as listed on disk (empty when it is not one).
    fn list(&self, dir: &Path, names: &mut Vec<OsString>);
}

/// The installed overlays (few: one per `impact` run in progress).
static OVERLAYS: RwLock<Vec<(usize, Arc<dyn Overlay>)>> = RwLock::new(Vec::new());
static OVERLAID: AtomicUsize = AtomicUsize::new(0);

/// Keeps an [`Overlay`] installed; dropping it removes the overlay.
pub struct OverlayGuard(usize);

/// Installs `overlay` until the guard is dropped: every read and probe of this module under
/// its root (from any thread) is answered by it first.
pub fn install_overlay(overlay: Arc<dyn Overlay>) -> OverlayGuard {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut all = OVERLAYS.write().unwrap_or_else(|e| e.into_inner());
    all.push((id, overlay));
    OVERLAID.fetch_add(1, Ordering::SeqCst);
    OverlayGuard(id)
}

impl Drop for OverlayGuard {
    fn drop(&mut self) {
        let mut all = OVERLAYS.write().unwrap_or_else(|e| e.into_inner());
        all.retain(|(id, _)| *id != self.0);
        OVERLAID.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The overlay answering for `path`, if one is installed.
fn overlay_for(path: &Path) -> Option<Arc<dyn Overlay>> {
    if OVERLAID.load(Ordering::SeqCst) == 0 {
        return None;
    }
    let all = OVERLAYS.read().unwrap_or_else(|e| e.into_inner());
    all.iter()
        .find(|(_, o)| path.starts_with(o.root()))
        .map(|(_, o)| Arc::clone(o))
}

/// The bytes of `path` as an installed overlay has them (`None`: no overlay decides; read the
/// disk). For the readers outside this module (discovery's configuration files).
pub fn overlay_read(path: &Path) -> Option<io::Result<Vec<u8>>> {
    let answer = overlay_for(path)?.file(path)?;
    Some(answer.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in this revision")))
}

/// `std::fs::read`, observed.
pub fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref();
    let result = overlay_read(path).unwrap_or_else(|| std::fs::read(path));
    note(|| {
        Seen::Read(
            path.to_path_buf(),
            result.as_ref().ok().map(|b| content_hash(b)),
        )
    });
    result
}

/// `std::fs::read_to_string`, observed (as the bytes read).
pub fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref();
    String::from_utf8(read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// `Path::is_file`, observed.
pub fn is_file(path: impl AsRef<Path>) -> bool {
    let path = path.as_ref();
    let yes = match overlay_for(path) {
        Some(o) => match o.file(path) {
            Some(file) => file.is_some(),
            None => path.is_file(),
        },
        None => path.is_file(),
    };
    note(|| Seen::IsFile(path.to_path_buf(), yes));
    yes
}

/// `Path::is_dir`, observed.
pub fn is_dir(path: impl AsRef<Path>) -> bool {
    let path = path.as_ref();
    let yes = overlay_for(path)
        .and_then(|o| o.dir(path))
        .unwrap_or_else(|| path.is_dir());
    note(|| Seen::IsDir(path.to_path_buf(), yes));
    yes
}

/// `Path::exists`, observed.
pub fn exists(path: impl AsRef<Path>) -> bool {
    let path = path.as_ref();
    let yes = match overlay_for(path) {
        Some(_) => is_file(path) || is_dir(path),
        None => path.exists(),
    };
    note(|| Seen::Exists(path.to_path_buf(), yes));
    yes
}

/// The names of a directory's entries, in the order the system lists them (`read_dir`),
/// observed. What each entry is must then be asked through [`is_file`] or [`is_dir`].
pub fn read_dir(dir: impl AsRef<Path>) -> io::Result<Vec<OsString>> {
    let dir = dir.as_ref();
    let mut result = list(dir);
    if let Some(o) = overlay_for(dir) {
        if result.is_err() && o.dir(dir) == Some(true) {
            result = Ok(Vec::new());
        }
        if let Ok(names) = &mut result {
            o.list(dir, names);
        }
    }
    note(|| {
        Seen::Listing(
            dir.to_path_buf(),
            result.as_ref().ok().map(|n| listing_hash(n)),
        )
    });
    result
}

/// `std::fs::canonicalize`, observed.
pub fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref();
    let result = std::fs::canonicalize(path);
    note(|| Seen::Canonical(path.to_path_buf(), result.as_ref().ok().cloned()));
    result
}

/// `std::env::var_os`, observed.
pub fn var_os(name: impl AsRef<OsStr>) -> Option<OsString> {
    let name = name.as_ref();
    let value = std::env::var_os(name);
    note(|| Seen::Var(name.to_os_string(), value.clone()));
    value
}

/// `std::env::var`, observed.
pub fn var(name: impl AsRef<OsStr>) -> Result<String, std::env::VarError> {
    match var_os(name) {
        Some(v) => v.into_string().map_err(std::env::VarError::NotUnicode),
        None => Err(std::env::VarError::NotPresent),
    }
}

/// Notes an interpreter's answer to [`crate::env::query`] (called by it).
pub(crate) fn note_python(interpreter: &Path, answer: &Result<crate::env::PythonEnv, String>) {
    note(|| {
        Seen::Python(
            interpreter.to_path_buf(),
            answer.as_ref().ok().map(python_hash),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_sees_what_is_read_while_it_is_active_and_each_answer_is_checked_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        std::fs::write(&file, "x = 1\n").unwrap();
        let before = read(&file).unwrap();
        let recording = Recording::start();
        assert_eq!(read(&file).unwrap(), before);
        assert!(is_file(&file));
        assert!(!is_dir(&file));
        assert_eq!(read_dir(dir.path()).unwrap(), vec![OsString::from("a.py")]);
        // Only this test's observations: tests running alongside may record theirs too.
        let mine = dir.path().to_string_lossy().into_owned();
        let log: Vec<Seen> = recording
            .finish()
            .into_iter()
            .filter(|s| format!("{s:?}").contains(&mine))
            .collect();
        for kind in ["Read", "IsFile", "IsDir", "Listing"] {
            assert!(
                log.iter().any(|s| format!("{s:?}").starts_with(kind)),
                "{kind} missing from {log:?}"
            );
        }
        assert!(log.iter().all(Seen::still_holds));
        // A change of content, a new entry: the observations that saw them no longer hold.
        std::fs::write(&file, "x = 2\n").unwrap();
        std::fs::write(dir.path().join("b.py"), "").unwrap();
        let broken: Vec<_> = log.iter().filter(|s| !s.still_holds()).collect();
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken.iter().any(|s| matches!(s, Seen::Read(..))));
        assert!(broken.iter().any(|s| matches!(s, Seen::Listing(..))));
    }

    #[test]
    fn observations_made_before_or_after_a_recording_are_not_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let before = dir.path().join("before");
        let after = dir.path().join("after");
        is_file(&before);
        let recording = Recording::start();
        let log = recording.finish();
        is_file(&after);
        let mentions = |p: &Path| {
            log.iter()
                .any(|s| format!("{s:?}").contains(&*p.to_string_lossy()))
        };
        assert!(!mentions(&before) && !mentions(&after));
    }
}
