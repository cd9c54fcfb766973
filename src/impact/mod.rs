//! `fixmig impact [BASE] [PATH...]`: what a change to the test infrastructure does to every
//! test, before it merges. The work tree is analysed as `check` analyses it; BASE is the same
//! project seen through an overlay of the files that differ in git ([`base`], [`git`]), analysed
//! with the same facts cache (a file unchanged between both sides is parsed once); the two
//! resolutions are compared per test and grouped by cause ([`compare`]) and reported in `check`'s
//! formats ([`report`]).

mod base;
mod compare;
mod git;
mod report;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::formats::OutputFormat;
use crate::index::SourceReader;

pub use compare::{Cause, Impact};

pub struct ImpactOptions {
    /// The revision to compare with (default: the merge base of `HEAD` and `origin/HEAD`, else
    /// `HEAD`).
    pub base: Option<String>,
    pub paths: Vec<PathBuf>,
    pub format: OutputFormat,
    /// List every affected test, and the tests added and removed.
    pub verbose: bool,
    pub style: crate::report::Style,
    pub options: crate::Options,
}

/// Runs `impact`; returns the exit code: 1 when a test gets a new setup error or another
/// definition's code, else 0.
pub fn impact(opts: &ImpactOptions, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut options = opts.options.clone();
    // `impact PATH`: like `git diff`, a first argument that is no revision but a path is one.
    let mut rev = opts.base.clone();
    let mut paths = opts.paths.clone();
    if let Some(first) = rev.clone() {
        let path = Path::new(&first);
        let dir = if path.is_dir() { path } else { Path::new(".") };
        if path.exists() && !git::is_revision(dir, &first) {
            paths.insert(0, PathBuf::from(first));
            rev = None;
        }
    }
    let opts = &ImpactOptions {
        base: rev,
        paths,
        format: opts.format,
        verbose: opts.verbose,
        style: opts.style,
        options: opts.options.clone(),
    };
    let project = crate::discover_project(&opts.paths, &options)?;
    options.shared_facts = Some(crate::cache::FactsCache::shared(
        &project.rootdir,
        options.parse,
        options.cache,
    ));
    let work_files: Vec<PathBuf> = project.files.iter().map(|f| f.path.clone()).collect();
    let based = git::base(&project.rootdir, opts.base.as_deref(), &work_files)?;
    crate::phase_timing("git");
    let new = crate::analyze_project(&project, &options, &crate::index::disk_reader());
    crate::phase_timing("work tree analysis");
    let view = Arc::new(base::BaseView::new(&project.rootdir, &based));
    let old = {
        let _overlay = crate::inputs::install_overlay(view.clone());
        // Discovery again only when BASE's configuration differs.
        let config_differs = based.differs.keys().any(|p| {
            p.parent() == Some(project.rootdir.as_path())
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| git::relevant(n) && !n.ends_with(".py"))
        });
        let discovered = if config_differs {
            crate::discover_project(&opts.paths, &options)?
        } else {
            project.clone()
        };
        let roots = collection_roots(&opts.paths, &discovered);
        let at_base = base::project_at_base(&discovered, &view, &roots);
        let shown = Arc::clone(&view);
        let reader: SourceReader =
            Arc::new(
                move |p: &Path| match crate::inputs::Overlay::file(&*shown, p) {
                    Some(Some(bytes)) => Ok(bytes),
                    Some(None) => Err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "not in this revision",
                    )),
                    None => crate::inputs::read(p),
                },
            );
        crate::analyze_project(&at_base, &options, &reader)
    };
    crate::phase_timing("BASE analysis");
    let impact = compare::compare(&old, &new);
    crate::progress::finish();
    crate::phase_timing("compare");
    match opts.format {
        OutputFormat::Text => {
            out.write_all(report::text(&impact, &based, opts.verbose, opts.style).as_bytes())?
        }
        OutputFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report::json(&impact, &based))?
        )?,
        OutputFormat::Github => {
            out.write_all(report::github(&impact, opts.verbose, &project.rootdir).as_bytes())?
        }
        OutputFormat::Sarif => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report::sarif(&impact, opts.verbose, &project.rootdir))?
        )?,
    }
    Ok(i32::from(impact.entries.iter().any(|e| e.cause.is_error())))
}

/// The directories pytest collects from: the paths given (a project directory by its
/// `testpaths`), else the rootdir's `testpaths`, else the current directory.
fn collection_roots(paths: &[PathBuf], project: &crate::discover::Project) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let given: Vec<PathBuf> = if paths.is_empty() {
        vec![cwd.clone()]
    } else {
        paths.iter().map(|p| cwd.join(p)).collect()
    };
    let mut roots = Vec::new();
    for p in given {
        let p = std::path::absolute(&p).unwrap_or(p);
        let same = std::fs::canonicalize(&p).ok() == std::fs::canonicalize(&project.rootdir).ok();
        if same && !project.config.testpaths.is_empty() {
            roots.extend(
                project
                    .config
                    .testpaths
                    .iter()
                    .map(|t| project.rootdir.join(t)),
            );
        } else if same {
            roots.push(project.rootdir.clone());
        } else {
            roots.push(p);
        }
    }
    roots
}
