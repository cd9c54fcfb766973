//! fixmig: understands how pytest resolves fixtures across `conftest.py` files, and migrates them.
//!
//! The pipeline, one module each: [`discover`] (files, rootdir, ini) → [`parse`] (tree-sitter →
//! per-file facts) → [`index`] (fixture definitions per holder, test items) → [`resolve`]
//! (pytest's lookup) → [`check`] / [`report`]. [`cli`] is a thin layer over them.
//! The analysis reads the outside world through [`inputs`], which lets [`replay`] reuse a
//! stored `check` run when nothing it read has changed.

// The analysis modules read files, directories and the environment only through `inputs`
// (clippy.toml), so that a replayed run checks every input it had.
#[warn(clippy::disallowed_methods)]
pub mod builtins;
pub mod cache;
#[warn(clippy::disallowed_methods)]
pub mod check;
pub mod cli;
pub mod config;
pub mod discover;
pub mod edit;
#[warn(clippy::disallowed_methods)]
pub mod env;
pub mod formats;
#[warn(clippy::disallowed_methods)]
pub mod graph;
pub mod impact;
#[warn(clippy::disallowed_methods)]
pub mod index;
pub mod inputs;
pub mod migrate;
#[warn(clippy::disallowed_methods)]
pub mod parse;
pub mod plan;
#[warn(clippy::disallowed_methods)]
pub mod plugins;
pub mod progress;
#[warn(clippy::disallowed_methods)]
pub mod pytest_version;
pub mod replay;
pub mod report;
#[warn(clippy::disallowed_methods)]
pub mod resolve;
pub mod rules;
pub mod rules_test;
pub mod suggest;

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use rayon::prelude::*;

/// A project read and resolved: the index and, per test item, its resolution.
pub struct Analysis {
    pub index: index::Index,
    pub resolutions: Vec<resolve::ItemResolution>,
}

/// How to analyze: parse options and the Python environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub parse: parse::ParseOptions,
    /// `--python`: an interpreter or virtualenv describing the project's environment.
    pub python: Option<PathBuf>,
    /// `exclude` (configuration or `--exclude`): files left out of the analysis.
    pub exclude: Option<config::Exclude>,
    /// Collect modules a `pytest.importorskip` would skip in this environment, as if the
    /// module were installed. Migrations set it: a rename must reach the tests that only run
    /// where an optional dependency is installed.
    pub collect_importorskip: bool,
    /// Whether per-file facts come from (and go to) the rootdir's `.fixmig_cache/`: read and
    /// written by the CLI's analyses, only read by `migrate` (a dry run writes nothing), off
    /// with `--no-cache` and in `Options::default()`.
    pub cache: cache::CacheMode,
    /// The facts cache of every analysis of this run ([`cache::FactsCache::shared`]), instead
    /// of one opened per analysis from `cache`.
    pub shared_facts: Option<cache::SharedFacts>,
    /// A focused analysis parses every test module, instead of only outlining those whose
    /// bytes do not hold the names (`parse::outline`); for the tests that check the outlines
    /// decide as the parse would.
    pub no_outlines: bool,
    /// How many test items [`check_project`] resolves at a time before it drops them and
    /// the facts of their modules (2,048 when `None`); tests set 1 so that every module's
    /// facts are dropped as soon as it is checked.
    pub check_chunk: Option<usize>,
}

/// Discovers the project around `paths` (with `exclude` applied) by the rules of the pytest
/// installed in the project's environment, and checks `--python`.
pub fn discover_project(paths: &[PathBuf], options: &Options) -> anyhow::Result<discover::Project> {
    let start = std::time::Instant::now();
    progress::phase("discovering", 0);
    // The environment known before discovery (`--python`, `$VIRTUAL_ENV`) is asked for its
    // `sys.path` first (the answer is kept for the rest of the process): its pytest decides
    // how configuration files are read. Else the environment is found from the rootdir.
    // The interpreter starts while discovery runs by pytest 9.2's rules (the usual case);
    // another version's rules discover again.
    let likely =
        pytest_version::PytestVersion::installed(pytest_version::Release::DEFAULT, PathBuf::new());
    let (early, speculative) = rayon::join(
        || {
            env::interpreter_before_discovery(options.python.as_deref())
                .map(|interpreter| interpreter.map(|i| installed_pytest(Some(&i))))
        },
        || discover::discover_for(paths, &likely),
    );
    let early = early.map_err(anyhow::Error::msg)?;
    let mut project = match early {
        Some(version) => match speculative {
            Ok(mut project) if !version.assumed() && version.release == likely.release => {
                project.pytest = version;
                project
            }
            _ => discover::discover_for(paths, &version)?,
        },
        None => {
            let version_at = |rootdir: &std::path::Path| {
                let interpreter = env::find_interpreter(None, rootdir).ok().flatten();
                installed_pytest(interpreter.as_deref())
            };
            let found = speculative.ok().and_then(|mut project| {
                let version = version_at(&project.rootdir);
                (!version.assumed() && version.release == likely.release).then(|| {
                    project.pytest = version;
                    project
                })
            });
            match found {
                Some(project) => project,
                None => {
                    discover::discover_with(paths, discover::PytestSource::AtRootdir(&version_at))?
                }
            }
        }
    };
    if project.pytest.assumed() {
        note(format!(
            "no pytest is installed in the analysed environment (see `--python`): fixmig \
             follows pytest {}'s rules",
            pytest_version::Release::DEFAULT
        ));
    }
    if let Some(exclude) = &options.exclude {
        exclude.apply(&mut project);
    }
    if timing() {
        eprintln!(
            "discover: {:?} ({} files, {}) (rss {} MiB, peak {} MiB)",
            start.elapsed(),
            project.files.len(),
            project.pytest.describe(),
            rss_mib(),
            peak_rss_mib()
        );
    }
    Ok(project)
}

thread_local! {
    /// Notes for the user about the current command's run (stderr, not diagnostics).
    static NOTES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Notes `message` for the user (once per command; the CLI prints it on stderr unless
/// `--quiet`).
pub(crate) fn note(message: String) {
    NOTES.with(|n| {
        let mut notes = n.borrow_mut();
        if !notes.contains(&message) {
            notes.push(message);
        }
    });
}

/// The notes of this thread's command so far (and forgets them).
pub fn take_notes() -> Vec<String> {
    NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()))
}

/// The pytest installed in the environment of `interpreter` (pytest 9.2, assumed, when there
/// is no interpreter or no pytest).
fn installed_pytest(interpreter: Option<&std::path::Path>) -> pytest_version::PytestVersion {
    interpreter
        .and_then(|i| env::query_cached(i).ok())
        .and_then(|python| pytest_version::detect(&python.sys_path))
        .unwrap_or_default()
}

/// Discovers, parses, indexes and resolves the project around `paths`.
pub fn analyze(paths: &[PathBuf], options: &Options) -> anyhow::Result<Analysis> {
    let timing = timing();
    let start = std::time::Instant::now();
    let project = discover_project(paths, options)?;
    let analysis = analyze_project(&project, options, &index::disk_reader());
    if timing {
        eprintln!(
            "analyze: {:?} ({} modules, {} tests, rss {} MiB)",
            start.elapsed(),
            analysis.index.modules().len(),
            analysis.index.tests.len(),
            rss_mib()
        );
    }
    Ok(analysis)
}

/// Indexes and resolves an already discovered project, reading files through `reader`.
pub fn analyze_project(
    project: &discover::Project,
    options: &Options,
    reader: &index::SourceReader,
) -> Analysis {
    analyze_project_focused(project, options, reader, None)
}

/// [`analyze_project`], collecting with `focus` only the test modules that can change how
/// requests of those names resolve (for a migration of them; see [`index::Index::left_out`]).
pub fn analyze_project_focused(
    project: &discover::Project,
    options: &Options,
    reader: &index::SourceReader,
    focus: Option<&[String]>,
) -> Analysis {
    progress::phase("parsing", project.files.len());
    let index = index::Index::build(project, options, reader, focus);
    progress::phase("resolving", index.tests.len());
    let resolutions = resolve_items(&index, &index.tests);
    Analysis { index, resolutions }
}

/// Resolves `tests` (items of `index`) in parallel, counting each on the progress bar.
fn resolve_items(index: &index::Index, tests: &[index::TestItem]) -> Vec<resolve::ItemResolution> {
    tests
        .par_iter()
        .map(|t| {
            let resolution = resolve::resolve_item(index, t);
            progress::inc();
            resolution
        })
        .collect()
}

/// How many test items [`check_project`] resolves at a time: enough to keep both cores busy,
/// few enough that a chunk's resolutions are a small part of the peak memory.
const CHECK_CHUNK: usize = 2048;

/// Indexes `project` and runs every check, resolving the items a chunk at a time while the
/// suite is collected and dropping each chunk's items and resolutions once checked: the
/// diagnostics of [`check::check`] over [`analyze_project`], without holding every item (or
/// its resolution) at once. The test modules are parsed a chunk at a time and their facts
/// dropped once checked ([`index::Index::build_streaming`]). The index comes back spent: no
/// test items (their count is returned), and the checked modules' nodes and fixtures keep only
/// what explaining a finding needs.
pub fn check_project(
    project: &discover::Project,
    options: &Options,
    reader: &index::SourceReader,
) -> CheckedProject {
    progress::phase("parsing", project.files.len());
    let mut checker = check::Checker::default();
    let mut tests = 0;
    let mut check_collected = |index: &mut index::Index, at_least: usize| {
        if index.tests.len() < at_least.max(1) {
            return;
        }
        let items = std::mem::take(&mut index.tests);
        let resolutions = resolve_items(index, &items);
        for (item, resolution) in items.iter().zip(&resolutions) {
            checker.observe(index, item, resolution);
        }
        tests += items.len();
        index.drop_collected_facts();
    };
    let chunk = options.check_chunk.unwrap_or(CHECK_CHUNK);
    let mut index = index::Index::build_streaming(project, options, reader, &mut |index| {
        check_collected(index, chunk)
    });
    check_collected(&mut index, 0);
    if checker.explains_definitions(&index) {
        index.read_dropped_facts();
    }
    phase_timing("resolve and check");
    let diagnostics = checker.finish(&mut index);
    CheckedProject {
        index,
        diagnostics,
        tests,
    }
}

/// What [`check_project`] found: the index (without its test items), the diagnostics, and
/// how many test items were checked.
pub struct CheckedProject {
    pub index: index::Index,
    pub diagnostics: Vec<check::Diagnostic>,
    pub tests: usize,
}

/// Whether `FIXMIG_TIMING` asks for the elapsed time and memory of each phase on stderr (not
/// an input of the analysis: it changes nothing else).
pub(crate) fn timing() -> bool {
    std::env::var_os("FIXMIG_TIMING").is_some()
}

/// Under `FIXMIG_TIMING`, prints the time since the process started and the resident memory
/// after a phase of a command.
pub(crate) fn phase_timing(phase: &str) {
    if timing() {
        eprintln!(
            "  {phase}: {:?} (cpu {} ms, rss {} MiB, peak {} MiB)",
            process_start().elapsed(),
            cpu_ms(),
            rss_mib(),
            peak_rss_mib()
        );
    }
}

/// Frees `value` on another thread: freeing an analysis or thousands of syntax trees takes a
/// while (0.2-0.3 s each for a rename across 10k test modules), and the caller's next step
/// need not wait for it. Freed here when no thread can be started.
pub(crate) fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("fixmig-free".to_string())
        .spawn(move || drop(value));
}

unsafe extern "C" fn mi_calloc(count: usize, size: usize) -> *mut std::ffi::c_void {
    match count.checked_mul(size) {
        // SAFETY: mi_zalloc has malloc's contract, zeroing the block.
        Some(total) => unsafe { libmimalloc_sys::mi_zalloc(total) },
        None => std::ptr::null_mut(),
    }
}

/// Makes tree-sitter allocate with mimalloc, as the binary's Rust allocations do: parsing
/// allocates and frees every node of every syntax tree, and glibc's malloc spent about a
/// seventh of fixmig's CPU time on pandas doing so (see BENCHMARKS.md).
///
/// # Safety
/// Call it first, before any tree-sitter object exists, so every block tree-sitter allocates
/// is freed by the same allocator.
pub unsafe fn tree_sitter_on_mimalloc() {
    // SAFETY: the caller's promise; the four functions are mimalloc's malloc family.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
}

/// When the process started (the first call of this function; `main` calls it first).
pub fn process_start() -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}

/// The CPU time the process's threads have used so far, user and system, in milliseconds (in
/// clock ticks, usually 10 ms; 0 where /proc is missing): against the wall clock, how well a
/// phase used the cores.
pub(crate) fn cpu_ms() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The command name, in parentheses, may hold spaces: count fields after it.
            let rest = &s[s.rfind(')')? + 1..];
            let mut fields = rest.split_whitespace();
            let utime: u64 = fields.nth(11)?.parse().ok()?;
            let stime: u64 = fields.next()?.parse().ok()?;
            Some((utime + stime) * 10)
        })
        .unwrap_or(0)
}

/// The process's resident set size in MiB, for `FIXMIG_TIMING` (0 where /proc is missing).
pub(crate) fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / (1024 * 1024))
}

/// The process's peak resident set size so far in MiB (`VmHWM`), for `FIXMIG_TIMING`: with
/// the resident size after each phase, which phase the peak was reached in (0 where /proc is
/// missing).
pub(crate) fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib / 1024)
}

/// Runs the fixmig command line in-process: `args` includes the program name.
/// Returns the process exit code (0 clean, 1 findings, 2 usage or configuration error).
pub fn run_cli<I, S>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    match cli::Cli::try_parse_from(args) {
        Ok(parsed) => cli::run(parsed, stdout, stderr),
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let rendered = e.render().to_string();
            if e.use_stderr() {
                let _ = stderr.write_all(rendered.as_bytes());
            } else {
                let _ = stdout.write_all(rendered.as_bytes());
            }
            code
        }
    }
}
