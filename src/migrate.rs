//! `fixmig migrate`: rule files → one plan per rule, each planned against the result of the
//! rules before it (an in-memory overlay) → a unified diff, JSON edits, or atomic writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::discover::{self, FileKind, Project, ProjectFile};
use crate::edit::{self, Edit, EditError, Overlay};
use crate::formats::{OutputFormat, PendingEdit};
use crate::index::SourceReader;
use crate::plan::{
    self, AliasSpec, Field, HoistSpec, MergeSpec, MoveSpec, PlanError, Planned, RemoveSpec,
    RenameSpec,
};
use crate::rules::{self, Rule, RuleError, RuleFile};

/// What `migrate` should do with the planned changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print the diff (the default).
    DryRun,
    /// Print the diff, exit 1 if anything would change.
    Check,
    /// Apply the changes.
    Write,
}

pub struct MigrateOptions {
    pub rules: Vec<PathBuf>,
    pub paths: Vec<PathBuf>,
    pub mode: Mode,
    /// Text: the unified diff; JSON: the edits; GitHub / SARIF: one finding per pending edit.
    pub format: crate::formats::OutputFormat,
    pub color: bool,
    /// Only the diff (or the findings) and errors: no summary on stderr.
    pub quiet: bool,
    /// A rename collects only the test modules that can change its plan
    /// ([`crate::analyze_project_focused`]), and plans again with every module collected when
    /// that plan refuses the rule; `false` (`--full-analysis`) collects every module.
    pub focus: bool,
    /// `--force-read-only`: `--write` replaces read-only files too instead of refusing.
    pub force_read_only: bool,
    pub options: crate::Options,
}

/// A reader that sees the overlay's current contents before the disk (a file the overlay
/// deletes reads as absent).
fn overlay_reader(overlay: &Overlay, reads: &edit::ReadLog) -> SourceReader {
    let reads = reads.clone();
    let files: HashMap<PathBuf, Option<Vec<u8>>> = overlay
        .changes()
        .into_iter()
        .map(|c| (c.path, (!c.deleted).then_some(c.new)))
        .collect();
    Arc::new(move |p: &Path| match files.get(p) {
        Some(Some(bytes)) => Ok(bytes.clone()),
        Some(None) => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "deleted by an earlier rule",
        )),
        None => {
            let bytes = std::fs::read(p)?;
            reads.record(p, &bytes);
            Ok(bytes)
        }
    })
}

/// The project as the overlay has it: conftests created by earlier rules are part of it, files
/// they delete are not.
fn project_with_overlay(project: &Project, overlay: &Overlay) -> Project {
    let mut project = project.clone();
    for change in overlay.changes() {
        if change.deleted {
            project.files.retain(|f| f.path != change.path);
            continue;
        }
        let is_conftest = change.path.file_name().is_some_and(|n| n == "conftest.py");
        if change.original.is_none()
            && is_conftest
            && change.path.starts_with(&project.rootdir)
            && !project.files.iter().any(|f| f.path == change.path)
        {
            project.files.push(ProjectFile {
                rel: discover::rel_path(&project.rootdir, &change.path),
                path: change.path.clone(),
                kind: FileKind::Conftest,
            });
        }
    }
    project
}

fn field_span(rule: &Rule, field: Field) -> std::ops::Range<usize> {
    match rule {
        Rule::Rename(r) => match field {
            Field::Fixture => r.fixture.span.clone(),
            Field::To => r.to.span.clone(),
            Field::DefinedIn => r
                .defined_in
                .as_ref()
                .map_or(r.span.clone(), |d| d.span.clone()),
            _ => r.span.clone(),
        },
        Rule::Alias(a) => match field {
            Field::Name => a.name.span.clone(),
            Field::Target => a.target.span.clone(),
            Field::Conftest => a.conftest.span.clone(),
            _ => a.span.clone(),
        },
        Rule::Move(m) => match field {
            Field::Fixture => m.fixture.span.clone(),
            Field::From => m.from.span.clone(),
            Field::To => m.to.span.clone(),
            _ => m.span.clone(),
        },
        Rule::Hoist(h) => match field {
            Field::Fixture => h.fixture.span.clone(),
            Field::Into => h.into.as_ref().map_or(h.span.clone(), |i| i.span.clone()),
            _ => h.span.clone(),
        },
        Rule::Merge(m) => match field {
            Field::From => m.from.span.clone(),
            Field::Into => m.into.span.clone(),
            _ => m.span.clone(),
        },
        Rule::Remove(r) => match field {
            Field::Fixture => r.fixture.span.clone(),
            Field::DefinedIn => r.defined_in.span.clone(),
            Field::ReplaceWith => r
                .replace_with
                .as_ref()
                .map_or(r.span.clone(), |x| x.span.clone()),
            _ => r.span.clone(),
        },
    }
}

/// Every edit of `changes`, with the rule that made it (rules are numbered from 1 across the
/// files, in order), for the GitHub and SARIF formats.
fn pending_edits(files: &[RuleFile], changes: &[edit::FileChange]) -> Vec<PendingEdit> {
    let mut rules_at: Vec<(&'static str, String)> = Vec::new();
    for file in files {
        for rule in &file.rules {
            let (line, _) = rules::line_column(&file.source, rule.span().start);
            rules_at.push((rule.kind(), format!("{}:{line}", file.path.display())));
        }
    }
    let mut out = Vec::new();
    for change in changes {
        if change.created() {
            let rule = change.edits.first().map_or(1, |e| e.rule);
            let (kind, at) = rules_at
                .get(rule.wrapping_sub(1))
                .cloned()
                .unwrap_or(("rule", String::new()));
            out.push(PendingEdit {
                rel: change.rel.clone(),
                created: true,
                kind,
                rule_at: at,
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
                old: String::new(),
                new: String::from_utf8_lossy(&change.new).into_owned(),
            });
            continue;
        }
        for e in &change.edits {
            let (kind, at) = rules_at
                .get(e.rule.wrapping_sub(1))
                .cloned()
                .unwrap_or(("rule", String::new()));
            out.push(PendingEdit {
                rel: change.rel.clone(),
                created: false,
                kind,
                rule_at: at,
                start_line: e.start_line,
                start_column: e.start_column,
                end_line: e.end_line,
                end_column: e.end_column,
                old: String::from_utf8_lossy(&e.old).into_owned(),
                new: String::from_utf8_lossy(&e.new).into_owned(),
            });
        }
    }
    out
}

/// Prints why `rule` of `file` is refused: the rule's place, `message`, the first 20 reasons.
fn refuse(
    err: &mut dyn Write,
    file: &RuleFile,
    rule: &Rule,
    message: &str,
    reasons: &[String],
    help: &str,
) -> std::io::Result<()> {
    let (line, col) = rules::line_column(&file.source, rule.span().start);
    writeln!(
        err,
        "error: {}:{line}:{col}: {} rule refused: {message}",
        file.path.display(),
        rule.kind()
    )?;
    for r in reasons.iter().take(20) {
        writeln!(err, "  - {r}")?;
    }
    if reasons.len() > 20 {
        writeln!(err, "  - ... and {} more", reasons.len() - 20)?;
    }
    writeln!(err, "  = help: {help}")
}

/// Runs `migrate`; returns the exit code.
pub fn migrate(
    opts: &MigrateOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let mut files: Vec<RuleFile> = Vec::new();
    for path in &opts.rules {
        match rules::load(path) {
            Ok(f) => files.push(f),
            Err(e) => {
                write!(err, "{}", e.render(opts.color))?;
                return Ok(2);
            }
        }
    }
    // The facts cache is only read: nothing but `--write`'s edits ever reaches the disk.
    let mut analysis_options = crate::Options {
        cache: opts.options.cache.read_only(),
        ..opts.options.clone()
    };
    // By the rules of the environment's pytest, `exclude` applied, `--python` checked.
    let mut project = crate::discover_project(&opts.paths, &analysis_options)?;
    // Every analysis of the run (one per rule, and its re-check) shares the facts parsed.
    analysis_options.shared_facts = Some(crate::cache::FactsCache::shared(
        &project.rootdir,
        analysis_options.parse,
        analysis_options.cache,
    ));
    // `--write` holds the tree's lock from before the analysis: a concurrent run plans against
    // this one's result. The bytes the analysis reads are checked against the files' originals.
    let _lock = (opts.mode == Mode::Write).then(|| edit::TreeLock::acquire(&project.rootdir));
    let reads = edit::ReadLog::default();
    let mut overlay = Overlay::new(project.rootdir.clone());
    // The re-parse check of each edited file parses all of it: the re-check's analysis takes
    // the file's facts from that tree instead of parsing the file again.
    if let Some(shared) = analysis_options.shared_facts.clone() {
        let parse = analysis_options.parse;
        overlay.on_reparsed(Arc::new(move |bytes: &[u8], tree: &tree_sitter::Tree| {
            if let Ok(facts) = crate::parse::facts_of_tree(bytes, tree, parse) {
                shared.0.remember_parsed(bytes, &facts);
            }
        }));
    }
    // A rename's analysis keeps the trees of the test modules that hold the name (see below):
    // the re-parse check of its edits to them starts from those trees.
    if let Some(shared) = analysis_options.shared_facts.clone() {
        overlay.with_base_trees(Arc::new(move |bytes: &[u8]| shared.0.base_tree(bytes)));
    }
    let mut rule_index = 0;
    // What the rules want the user to review, printed with the summary.
    let mut notes: Vec<String> = Vec::new();
    for file in &files {
        for rule in &file.rules {
            rule_index += 1;
            let reader = overlay_reader(&overlay, &reads);
            let current = project_with_overlay(&project, &overlay);
            // A rename's own names: the test modules that cannot change its plan are left out.
            let focus = match rule {
                Rule::Rename(r) if opts.focus => {
                    Some([r.fixture.value.clone(), r.to.value.clone()])
                }
                _ => None,
            };
            // A rename's plan looks in the function bodies that use the name: the analysis
            // keeps the trees of the test modules it parses that hold it.
            let shared = analysis_options.shared_facts.clone();
            if let (Rule::Rename(r), Some(shared)) = (rule, &shared) {
                shared.0.keep_reference_trees(Some(&r.fixture.value));
            }
            let mut analysis = crate::analyze_project_focused(
                &current,
                &analysis_options,
                &reader,
                focus.as_ref().map(|f| f.as_slice()),
            );
            if let Some(shared) = &shared {
                shared.0.keep_reference_trees(None);
            }
            crate::phase_timing("analysis");
            // Consolidation rules must leave every test with the same definition code.
            let check_unchanged = matches!(rule, Rule::Move(_) | Rule::Hoist(_) | Rule::Merge(_))
                || matches!(rule, Rule::Remove(r) if r.replace_with.is_none());
            let mut before = plan::recheck::Before::new(
                &analysis,
                check_unchanged,
                matches!(rule, Rule::Remove(r) if r.replace_with.is_some()),
            );
            let mut focused = focus.is_some();
            let planned = match rule {
                Rule::Rename(r) => {
                    let spec = RenameSpec {
                        fixture: r.fixture.value.clone(),
                        to: r.to.value.clone(),
                        defined_in: r.defined_in.as_ref().map(|d| d.value.clone()),
                        keep_alias: r.keep_alias,
                        message: r.message.clone(),
                        redirect: false,
                    };
                    match plan::plan_rename(&mut analysis, &current, &spec) {
                        // The focused plan over-approximates what the left-out modules' tests
                        // request, so it may refuse what the full one accepts: the full
                        // analysis decides (and words the error).
                        Err(_) if focus.is_some() && !analysis.index.left_out.is_empty() => {
                            analysis = crate::analyze_project(&current, &analysis_options, &reader);
                            crate::phase_timing("analysis (every test module)");
                            focused = false;
                            before = plan::recheck::Before::new(&analysis, false, false);
                            plan::plan_rename(&mut analysis, &current, &spec)
                        }
                        planned => planned,
                    }
                }
                Rule::Alias(a) => plan::plan_alias(
                    &mut analysis,
                    &current,
                    &AliasSpec {
                        name: a.name.value.clone(),
                        target: a.target.value.clone(),
                        conftest: a.conftest.value.clone(),
                        deprecated: a.deprecated.clone(),
                    },
                ),
                Rule::Move(m) => plan::plan_move(
                    &mut analysis,
                    &current,
                    &MoveSpec {
                        fixture: m.fixture.value.clone(),
                        from: m.from.value.clone(),
                        to: m.to.value.clone(),
                        carry: m.carry.iter().map(|c| c.value.clone()).collect(),
                    },
                ),
                Rule::Hoist(h) => plan::plan_hoist(
                    &mut analysis,
                    &current,
                    &HoistSpec {
                        fixture: h.fixture.value.clone(),
                        into: h.into.as_ref().map(|i| i.value.clone()),
                    },
                ),
                Rule::Remove(r) => plan::plan_remove(
                    &mut analysis,
                    &current,
                    &RemoveSpec {
                        fixture: r.fixture.value.clone(),
                        defined_in: r.defined_in.value.clone(),
                        replace_with: r.replace_with.as_ref().map(|x| x.value.clone()),
                    },
                ),
                Rule::Merge(m) => plan::plan_merge(
                    &mut analysis,
                    &current,
                    &MergeSpec {
                        from: m.from.value.clone(),
                        into: m.into.value.clone(),
                    },
                ),
            };
            // Only the plan and `before` are needed from here on.
            crate::drop_in_background(analysis);
            crate::phase_timing("plan");
            let planned: Planned = match planned {
                Ok(p) => p,
                Err(PlanError::Invalid {
                    field,
                    message,
                    help,
                }) => {
                    let e = RuleError::at(file, field_span(rule, field), message, "here", help);
                    write!(err, "{}", e.render(opts.color))?;
                    return Ok(2);
                }
                Err(PlanError::Refused { message, reasons }) => {
                    refuse(
                        err,
                        file,
                        rule,
                        &message,
                        &reasons,
                        "nothing was written; adjust the rule (e.g. `defined_in`, another `to`) or the code first",
                    )?;
                    return Ok(1);
                }
            };
            let (line, col) = rules::line_column(&file.source, rule.span().start);
            let rule_notes: Vec<String> = planned
                .notes
                .iter()
                .map(|n| {
                    format!(
                        "note: {}:{line}:{col}: {}: {n}",
                        file.path.display(),
                        rule.kind()
                    )
                })
                .collect();
            let renames_ini = project
                .inifile
                .as_ref()
                .is_some_and(|ini| planned.edits.iter().any(|e| &e.path == ini));
            let edits: Vec<Edit> = planned
                .edits
                .into_iter()
                .map(|e| Edit::replace(e.path, e.start, e.end, e.content, rule_index))
                .collect();
            let applied = overlay
                .apply(rule_index, edits)
                .and_then(|()| {
                    planned
                        .creates
                        .into_iter()
                        .try_for_each(|(path, content)| overlay.create(rule_index, &path, content))
                })
                .and_then(|()| {
                    planned
                        .deletes
                        .iter()
                        .try_for_each(|path| overlay.delete(rule_index, path))
                });
            if let Some(shared) = &shared {
                shared.0.forget_reference_trees();
            }
            crate::phase_timing("apply and re-parse");
            if let Err(e) = applied {
                let (line, col) = rules::line_column(&file.source, rule.span().start);
                writeln!(
                    err,
                    "error: {}:{line}:{col}: {} rule cannot be applied: {e}",
                    file.path.display(),
                    rule.kind()
                )?;
                return Ok(match e {
                    EditError::Overlap { .. } => 2,
                    _ => 1,
                });
            }
            // The ini `usefixtures` values a rename (or a remove's redirect) just edited.
            let ini_rename = match rule {
                Rule::Rename(r) => Some((&r.fixture.value, &r.to.value)),
                Rule::Remove(r) => r
                    .replace_with
                    .as_ref()
                    .map(|x| (&r.fixture.value, &x.value)),
                _ => None,
            };
            if let (Some((old, to)), true) = (ini_rename, renames_ini) {
                plan::rename_ini_usefixtures(&mut project, old, to);
            }
            // Re-resolve the planned result in memory before anything is shown or written.
            let reader = overlay_reader(&overlay, &reads);
            let after_project = project_with_overlay(&project, &overlay);
            let after = match &focus {
                Some(names) if focused => crate::analyze_project_focused(
                    &after_project,
                    &analysis_options,
                    &reader,
                    Some(names.as_slice()),
                ),
                _ => crate::analyze_project(&after_project, &analysis_options, &reader),
            };
            crate::phase_timing("re-check");
            let renamed = match rule {
                Rule::Rename(r) => Some((r.fixture.value.as_str(), r.to.value.as_str())),
                _ => None,
            };
            let reasons = before.reasons(&after, renamed);
            if !reasons.is_empty() {
                refuse(
                    err,
                    file,
                    rule,
                    "resolution would change",
                    &reasons,
                    "nothing was written",
                )?;
                return Ok(1);
            }
            let mut rule_notes = rule_notes;
            if let Rule::Rename(r) = rule {
                if r.keep_alias {
                    rule_notes.extend(
                        plan::recheck::deprecated_requests(&after, &r.fixture.value, &r.to.value)
                            .into_iter()
                            .map(|n| {
                                format!("note: {}:{line}:{col}: rename: {n}", file.path.display())
                            }),
                    );
                }
            }
            notes.extend(rule_notes);
            crate::drop_in_background(after);
        }
    }
    let changes = overlay.changes();
    crate::progress::finish();
    crate::phase_timing("rules done");
    match opts.format {
        OutputFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&edit::edits_json(&changes))?
        )?,
        OutputFormat::Text => out.write_all(&edit::unified_diff_bytes(&changes, opts.color))?,
        OutputFormat::Github => out.write_all(
            crate::formats::migrate_github(&pending_edits(&files, &changes), &project.rootdir)
                .as_bytes(),
        )?,
        OutputFormat::Sarif => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&crate::formats::migrate_sarif(
                &pending_edits(&files, &changes),
                &project.rootdir
            ))?
        )?,
    }
    crate::phase_timing("output");
    // The notes and the summary go to stderr; `--quiet` drops them.
    let mut sink = std::io::sink();
    let loud = err;
    let err: &mut dyn Write = if opts.quiet { &mut sink } else { &mut *loud };
    for note in &notes {
        writeln!(err, "{note}")?;
    }
    match opts.mode {
        Mode::Write => {
            if changes.is_empty() {
                writeln!(err, "No changes: the migration is already applied.")?;
                return Ok(0);
            }
            let write = edit::WriteOptions {
                allow_read_only: opts.force_read_only,
                lock: None, // held since the analysis
                reads: Some(&reads),
            };
            match edit::write_with(&changes, &write) {
                Ok(_) => {
                    let summary = edit::summary(&changes).replace(" would change", " changed");
                    writeln!(err, "{summary}")?;
                    Ok(0)
                }
                Err(e) => {
                    // An error, shown even with --quiet.
                    let err: &mut dyn Write = if opts.quiet { loud } else { err };
                    writeln!(err, "error: {e}")?;
                    Ok(e.exit_code())
                }
            }
        }
        Mode::Check | Mode::DryRun => {
            if changes.is_empty() {
                writeln!(err, "No changes: the migration is already applied.")?;
                return Ok(0);
            }
            let hint = if opts.mode == Mode::Check {
                "migration pending"
            } else {
                "run with --write to apply"
            };
            writeln!(err, "{}; {hint}", edit::summary(&changes))?;
            Ok(if opts.mode == Mode::Check { 1 } else { 0 })
        }
    }
}
