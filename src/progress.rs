//! The progress bar on stderr: shown only for runs that take over a second, only when stderr is
//! a terminal, never with `--quiet` (the command line decides, see [`start`]). Library code reports
//! phases and steps through [`phase`] and [`inc`], which do nothing when no bar is active.

use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

static BAR: RwLock<Option<ProgressBar>> = RwLock::new(None);
static STOP: Mutex<Option<Sender<()>>> = Mutex::new(None);

fn with_bar(f: impl FnOnce(&ProgressBar)) {
    if let Ok(guard) = BAR.read() {
        if let Some(bar) = guard.as_ref() {
            f(bar);
        }
    }
}

/// Starts a (hidden) bar; it draws on stderr once [`DELAY`] has passed and the run is still
/// going. Call [`finish`] at the end of the run.
pub fn start() {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    let (tx, rx) = channel::<()>();
    let shown = bar.clone();
    std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(DELAY) {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(120));
        }
    });
    if let Ok(mut guard) = BAR.write() {
        *guard = Some(bar);
    }
    if let Ok(mut guard) = STOP.lock() {
        *guard = Some(tx);
    }
}

/// Removes the bar (and what it drew) before the command's own output is written.
pub fn finish() {
    if let Ok(mut guard) = STOP.lock() {
        if let Some(tx) = guard.take() {
            let _ = tx.send(());
        }
    }
    if let Ok(mut guard) = BAR.write() {
        if let Some(bar) = guard.take() {
            bar.finish_and_clear();
        }
    }
}

fn style(counted: bool) -> ProgressStyle {
    let template = if counted {
        "{spinner} {msg:12} [{bar:30}] {pos}/{len} ({elapsed})"
    } else {
        "{spinner} {msg:12} ({elapsed})"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A new phase of `len` steps (0: unknown, a spinner).
pub fn phase(name: &'static str, len: usize) {
    with_bar(|bar| {
        bar.set_style(style(len > 0));
        bar.set_message(name);
        bar.set_position(0);
        bar.set_length(len as u64);
    });
}

/// One step of the current phase done.
pub fn inc() {
    with_bar(|bar| bar.inc(1));
}
