//! The command line: argument parsing with clap and dispatch to the library. Every command is
//! a function from arguments to output and an exit code, so tests run it in-process.

use std::io::{IsTerminal, Write};
use std::ops::Not;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::parse::ParseOptions;
use crate::report::{self, Style};
use crate::{analyze, Analysis};

#[derive(Parser, Debug)]
#[command(
    name = "fixmig",
    version,
    about = "Understands how pytest resolves fixtures across conftest.py files, and migrates them",
    after_help = "Examples:\n  fixmig check examples/staging\n  fixmig fixtures --per-test --format json tests/\n  fixmig explain 'tests/test_x.py::TestA::test_b'"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to use colour: auto (only on a terminal, and not with NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The Python version `sys.version_info` checks are decided against, e.g. 3.11.
    #[arg(long, global = true, value_parser = parse_version, default_value = "3.11")]
    pub target_version: (u32, u32),
    /// The project's Python: an interpreter or a virtualenv directory (default: $VIRTUAL_ENV,
    /// else .venv/venv at the rootdir, else python3 on PATH). Only asked for its sys.path.
    #[arg(long, global = true)]
    pub python: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find fixtures that do not resolve, scope mismatches and cycles, statically.
    #[command(after_help = "Example:\n  fixmig check examples/staging")]
    Check {
        /// Files or directories, as you would pass them to pytest (default: .).
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List fixtures per conftest, or with --per-test the fixtures each test gets.
    #[command(
        after_help = "Example:\n  fixmig fixtures --per-test --format json examples/staging"
    )]
    Fixtures {
        paths: Vec<PathBuf>,
        /// Show, for every test, the fixture closure and the definition each name resolves to.
        #[arg(long)]
        per_test: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Apply TOML migration rules: prints a unified diff (dry run), or applies it with --write.
    #[command(
        after_help = "Examples:\n  fixmig migrate --rules rules/staging-real-services.toml examples/staging\n  fixmig migrate --rules rules/a.toml --rules rules/b.toml --check .\n  fixmig migrate --rules rules/a.toml --write ."
    )]
    Migrate {
        /// A rule file; repeat for several (applied in order, each rule seeing the result of the ones before).
        #[arg(long = "rules", required = true)]
        rules: Vec<PathBuf>,
        /// Files or directories of the project (default: .).
        paths: Vec<PathBuf>,
        /// Write the changes (atomically; nothing is written if any file fails).
        #[arg(long, conflicts_with = "check")]
        write: bool,
        /// Exit 1 if the migration would change anything (for CI).
        #[arg(long)]
        check: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Work with rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Explain, for one test, each fixture it gets, where from, and why.
    #[command(
        after_help = "Example:\n  fixmig explain 'tests/e2e/staging/test_multi_user_concurrent_sessions.py::TestMultiUserConcurrentSessions::test_concurrent_users_different_agents' --path examples/staging"
    )]
    Explain {
        /// The test's node id, as pytest prints it (a `[param]` suffix is ignored).
        nodeid: String,
        /// The project directory (default: .).
        #[arg(long, default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Validate rule files without touching any code.
    #[command(after_help = "Example:\n  fixmig rules check rules/staging-real-services.toml")]
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn parse_version(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s
        .split_once('.')
        .ok_or_else(|| format!("expected MAJOR.MINOR, got `{s}`"))?;
    Ok((
        a.parse().map_err(|_| format!("bad major version `{a}`"))?,
        b.parse().map_err(|_| format!("bad minor version `{b}`"))?,
    ))
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let style = Style::new(use_color(cli.color));
    let options = crate::Options {
        parse: ParseOptions {
            target_version: cli.target_version,
        },
        python: cli.python.clone(),
    };
    let result = match cli.command {
        Command::Check { paths, format } => check(&paths, format, options, style, stdout),
        Command::Fixtures {
            paths,
            per_test,
            format,
        } => fixtures(&paths, per_test, format, options, style, stdout),
        Command::Explain { nodeid, path } => explain(&nodeid, path, options, stdout, stderr),
        Command::Migrate {
            rules,
            paths,
            write,
            check,
            format,
        } => crate::migrate::migrate(
            &crate::migrate::MigrateOptions {
                rules,
                paths,
                mode: if write {
                    crate::migrate::Mode::Write
                } else if check {
                    crate::migrate::Mode::Check
                } else {
                    crate::migrate::Mode::DryRun
                },
                json: format == Format::Json,
                color: style.bold.is_empty().not(),
                options: options.clone(),
            },
            stdout,
            stderr,
        ),
        Command::Rules(RulesCommand::Check { files }) => rules_check(&files, style, stdout, stderr),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "fixmig: error: {e:#}");
            2
        }
    }
}

fn rules_check(
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

fn check(
    paths: &[PathBuf],
    format: Format,
    options: crate::Options,
    style: Style,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Analysis {
        mut index,
        resolutions,
    } = analyze(paths, &options)?;
    let diags = crate::check::check(&mut index, &resolutions);
    match format {
        Format::Text => out.write_all(report::diagnostics_text(&diags, style).as_bytes())?,
        Format::Json => {
            let doc = report::diagnostics_json(&diags, index.tests.len());
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    let errors = diags
        .iter()
        .any(|d| d.severity == crate::check::Severity::Error);
    Ok(i32::from(errors))
}

fn fixtures(
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

fn explain(
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
