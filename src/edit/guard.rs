//! What protects a write besides the write itself: read-only files, the lock against a second
//! `--write` on the same tree, SIGINT/SIGTERM/SIGHUP deferred while files are being replaced,
//! and a test-only fault-injection hook.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use super::FileChange;

/// A file `--write` would change or delete although it is read-only, and why it counts as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOnlyFile {
    /// Path relative to the rootdir.
    pub path: String,
    /// `mode 0444`, or the error opening it for writing gave (e.g. an immutable file).
    pub why: String,
}

/// The files among `changes` (edited or deleted; not created) that are read-only: no write
/// permission bit for anyone (as Perforce checkouts, generated and vendored files have), or
/// not openable for writing by this process (another owner, `chattr +i`). A symlink counts
/// by the file it points to. The check opens the file for writing without truncating or
/// writing anything.
pub fn read_only_files(changes: &[FileChange]) -> Vec<ReadOnlyFile> {
    let mut out = Vec::new();
    for change in changes.iter().filter(|c| c.original.is_some()) {
        let Ok(meta) = fs::metadata(&change.path) else {
            continue; // gone: the write's stale check reports it
        };
        if !meta.is_file() {
            continue;
        }
        if meta.permissions().readonly() {
            out.push(ReadOnlyFile {
                path: change.rel.clone(),
                why: mode_text(&meta),
            });
            continue;
        }
        if let Err(e) = fs::OpenOptions::new().write(true).open(&change.path) {
            if matches!(e.kind(), ErrorKind::PermissionDenied) || e.raw_os_error() == Some(1) {
                out.push(ReadOnlyFile {
                    path: change.rel.clone(),
                    why: e.to_string(),
                });
            }
        }
    }
    out
}

#[cfg(unix)]
fn mode_text(meta: &fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!("mode {:04o}", meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_text(_meta: &fs::Metadata) -> String {
    "read-only attribute".to_string()
}

/// An exclusive advisory lock (`flock`) on a directory (the rootdir), held by `migrate --write`
/// from before its analysis until its write is done: a second `fixmig migrate --write` on the
/// same tree waits for the first, then plans against its result. No lock file is created.
/// Released on drop (and by the kernel when the process dies). Not re-entrant: a process holding
/// it must not take it again.
pub struct TreeLock {
    _file: Option<fs::File>,
}

impl TreeLock {
    /// Waits for the lock on `dir`. Where a directory cannot be opened or locked (not unix,
    /// a file system without `flock`), the write goes on unlocked: its stale checks remain.
    pub fn acquire(dir: &Path) -> TreeLock {
        let file = fs::File::open(dir)
            .ok()
            .filter(|f| fs4::FileExt::lock(f).is_ok());
        TreeLock { _file: file }
    }
}

/// The signal that arrived while signals were deferred, if any, marked handled (the write
/// rolls back because of it).
pub(crate) fn take_signal() -> Option<i32> {
    signals::take()
}

/// Defers SIGINT, SIGTERM and SIGHUP while alive: one that arrives is recorded (see
/// [`pending_signal`]) and the write rolls back at its next step. Outside a write the signals
/// keep their default action (the process ends).
pub(crate) struct SignalGuard {
    active: bool,
}

impl SignalGuard {
    pub(crate) fn defer() -> SignalGuard {
        SignalGuard {
            active: signals::defer(),
        }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        if self.active {
            signals::restore();
        }
    }
}

#[cfg(unix)]
mod signals {
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
    use std::sync::{Arc, OnceLock};

    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

    struct State {
        /// True outside a write: the signal's default action runs.
        default: Arc<AtomicBool>,
        pending: Arc<AtomicI32>,
    }

    static STATE: OnceLock<Option<State>> = OnceLock::new();

    fn state() -> Option<&'static State> {
        STATE
            .get_or_init(|| {
                let default = Arc::new(AtomicBool::new(true));
                let pending = Arc::new(AtomicI32::new(0));
                for sig in [SIGINT, SIGTERM, SIGHUP] {
                    let p = pending.clone();
                    let d = default.clone();
                    // SAFETY: the action only touches atomics (async-signal-safe).
                    let recorded = unsafe {
                        signal_hook::low_level::register(sig, move || {
                            if !d.load(Ordering::SeqCst) {
                                p.store(sig, Ordering::SeqCst);
                            }
                        })
                    };
                    let fallback =
                        signal_hook::flag::register_conditional_default(sig, default.clone());
                    if recorded.is_err() || fallback.is_err() {
                        return None;
                    }
                }
                Some(State { default, pending })
            })
            .as_ref()
    }

    pub(super) fn defer() -> bool {
        match state() {
            Some(s) => {
                s.pending.store(0, Ordering::SeqCst);
                s.default.store(false, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Back to the default actions; a signal that arrived and was not taken by the write (it
    /// came after the last step) now takes its default action.
    pub(super) fn restore() {
        if let Some(s) = state() {
            s.default.store(true, Ordering::SeqCst);
            let sig = s.pending.swap(0, Ordering::SeqCst);
            if sig != 0 {
                let _ = signal_hook::low_level::emulate_default_handler(sig);
            }
        }
    }

    pub(super) fn take() -> Option<i32> {
        let s = STATE.get()?.as_ref()?;
        match s.pending.swap(0, Ordering::SeqCst) {
            0 => None,
            sig => Some(sig),
        }
    }
}

#[cfg(not(unix))]
mod signals {
    pub(super) fn defer() -> bool {
        false
    }
    pub(super) fn restore() {}
    pub(super) fn take() -> Option<i32> {
        None
    }
}

/// The name of a signal number, for messages.
pub(crate) fn signal_name(sig: i32) -> String {
    #[cfg(unix)]
    if let Some(name) = signal_hook::low_level::signal_name(sig) {
        return name.to_string();
    }
    format!("signal {sig}")
}

/// Fault injection for tests: a hook called (in the writing thread) before each step of
/// [`super::write_all`]; an error it returns is treated as that step's I/O error. Not part of
/// fixmig's interface.
#[doc(hidden)]
pub mod fault {
    use std::cell::RefCell;
    use std::io;

    /// A step of a write.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Step {
        /// Writing the new content of a file to its temporary file.
        Temp,
        /// Replacing (or creating) a file: before its content check and rename.
        Commit,
        /// Removing a deleted file: before its content check.
        Delete,
        /// Putting a file back during a roll-back.
        Restore,
    }

    type Hook = Box<dyn FnMut(Step, &str) -> io::Result<()>>;

    thread_local! {
        static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
    }

    /// Sets this thread's hook (replacing any other).
    pub fn set(hook: impl FnMut(Step, &str) -> io::Result<()> + 'static) {
        HOOK.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }

    /// Removes this thread's hook.
    pub fn clear() {
        HOOK.with(|h| *h.borrow_mut() = None);
    }

    pub(crate) fn at(step: Step, rel: &str) -> io::Result<()> {
        HOOK.with(|h| match h.borrow_mut().as_mut() {
            Some(hook) => hook(step, rel),
            None => Ok(()),
        })
    }
}
