//! The read-only commands behind the CLI: `rules check`, `check` (with its stored runs),
//! `graph`, `fixtures` and `explain`; each takes parsed arguments and returns the exit code.

use super::*;
use crate::report;
use crate::Analysis;

pub(super) fn rules_check(
    files: &[PathBuf],
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let mut code = 0;
    for file in files {
        match crate::rules::load(file) {
            Ok(parsed) => writeln!(
                out,
                "{}: ok ({} rule{})",
                file.display(),
                parsed.rules.len(),
                if parsed.rules.len() == 1 { "" } else { "s" }
            )?,
            Err(e) => {
                write!(err, "{}", e.render(!style.bold.is_empty()))?;
                code = 2;
            }
        }
    }
    Ok(code)
}

pub(super) fn check(
    paths: &[PathBuf],
    format: OutputFormat,
    selection: &crate::formats::Selection,
    quiet: bool,
    options: crate::Options,
    style: Style,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let project = crate::discover_project(paths, &options)?;
    let crate::replay::CheckOutcome {
        diagnostics: mut diags,
        tests,
    } = check_outcome(&project, &options);
    crate::progress::finish();
    let rootdir = &project.rootdir;
    diags.retain(|d| selection.enabled(d.code));
    match format {
        OutputFormat::Text => {
            let text = report::diagnostics_text(&diags, style);
            // The last line is the summary ("Found ...", "All checks passed!").
            let text = if quiet {
                match text.trim_end_matches('\n').rsplit_once('\n') {
                    Some((body, _)) => format!("{body}\n"),
                    None => String::new(),
                }
            } else {
                text
            };
            out.write_all(text.as_bytes())?
        }
        OutputFormat::Json => {
            let doc = report::diagnostics_json(&diags, tests);
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        OutputFormat::Github => {
            out.write_all(crate::formats::diagnostics_github(&diags, rootdir).as_bytes())?
        }
        OutputFormat::Sarif => {
            let doc = crate::formats::diagnostics_sarif(&diags, rootdir);
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    let errors = diags
        .iter()
        .any(|d| d.severity == crate::check::Severity::Error);
    Ok(i32::from(errors))
}

/// `check`'s diagnostics for `project`: replayed from a stored run when every input it read
/// is unchanged (`crate::replay`), else from a full analysis, stored for the next run when
/// the cache is writable.
pub(super) fn check_outcome(
    project: &crate::discover::Project,
    options: &crate::Options,
) -> crate::replay::CheckOutcome {
    let stored = options.cache == crate::cache::CacheMode::ReadWrite;
    let cwd = std::env::current_dir().unwrap_or_default();
    let key = stored
        .then(|| crate::replay::key(project, options, &cwd))
        .flatten();
    if let Some(outcome) = key.and_then(|k| crate::replay::load(&project.rootdir, k)) {
        return outcome;
    }
    let recording = key.map(|_| crate::replay::record(&project.rootdir));
    let crate::CheckedProject {
        index,
        diagnostics,
        tests,
    } = crate::check_project(project, options, &crate::index::disk_reader());
    let outcome = crate::replay::CheckOutcome { diagnostics, tests };
    if let (Some(key), Some(recording)) = (key, recording) {
        crate::replay::store(&project.rootdir, key, recording.finish(), &outcome);
    }
    release(index, Vec::new());
    outcome
}

pub(super) fn graph(
    paths: &[PathBuf],
    format: GraphFormat,
    fixture: Option<&str>,
    options: crate::Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Analysis { index, resolutions } = analyze(paths, &options)?;
    crate::progress::finish();
    let Some(graph) = crate::graph::build(&index, &resolutions, fixture) else {
        let name = fixture.unwrap_or_default();
        writeln!(
            err,
            "fixmig: error: no fixture named `{name}` in the project"
        )?;
        let mut close: Vec<&str> = index
            .by_name
            .keys()
            .map(|n| n.as_str())
            .filter(|n| crate::check::similar_name(name, n))
            .collect();
        close.sort_unstable();
        if !close.is_empty() {
            writeln!(err, "  help: did you mean {}?", close.join(", "))?;
        }
        return Ok(2);
    };
    let text = match format {
        GraphFormat::Dot => crate::graph::render_dot(&index, &graph),
        GraphFormat::Mermaid => crate::graph::render_mermaid(&index, &graph),
    };
    out.write_all(text.as_bytes())?;
    Ok(0)
}

pub(super) fn fixtures(
    paths: &[PathBuf],
    per_test: bool,
    format: Format,
    options: crate::Options,
    style: Style,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Analysis { index, resolutions } = analyze(paths, &options)?;
    match (per_test, format) {
        (true, Format::Json) => {
            let doc = report::per_test_json(&index, &resolutions);
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        (true, Format::Text) => {
            out.write_all(report::per_test_text(&index, &resolutions, style).as_bytes())?
        }
        (false, Format::Text) => {
            out.write_all(report::fixtures_listing(&index, style).as_bytes())?
        }
        (false, Format::Json) => {
            anyhow::bail!(
                "`fixtures --format json` needs --per-test (the JSON contract is per test)"
            )
        }
    }
    Ok(0)
}

pub(super) fn explain(
    nodeid: &str,
    path: PathBuf,
    options: crate::Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Analysis {
        mut index,
        resolutions,
    } = analyze(&[path], &options)?;
    let wanted = nodeid.split('[').next().unwrap_or(nodeid);
    let Some(i) = index.tests.iter().position(|t| t.nodeid == wanted) else {
        let close: Vec<&str> = index
            .tests
            .iter()
            .map(|t| t.nodeid.as_str())
            .filter(|n| strsim::jaro_winkler(n, wanted) > 0.9)
            .take(3)
            .collect();
        writeln!(
            err,
            "fixmig: error: no collected test has node id `{wanted}`"
        )?;
        if !close.is_empty() {
            writeln!(err, "  help: did you mean {}?", close.join(", "))?;
        }
        return Ok(2);
    };
    out.write_all(report::explain(&mut index, i, &resolutions[i]).as_bytes())?;
    Ok(0)
}
